//! A snapshot's status side checked against its trust list: the manifest must verify with a
//! status signer the list names, every list it names must be present, signed by a status
//! signer, at the URI the trust list's template gives, and no older than the manifest says.
//! Each refusal below is a way a server (or someone between) could mislead a verifier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_crypto::{Direct, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_status::{Manifest, ManifestEntry, StatusList, StatusListClaims, TypedDocument};
use zhengku_testkit::keys_dev;
use zhengku_trustlist::{
    Made, Operator, RegionInfo, Role, SignerList, check_statuses, make, open_snapshot,
};

const NOW: u64 = 1_796_428_800;
const BASE: &str = "https://zk.example.gov.cn";

fn pair(list_key: &PrivateKey) -> Made {
    make(
        &RegionInfo {
            region: "CN-ZJ".into(),
            division: AreaCode::parse("330000").unwrap(),
            operator: Operator {
                name: "浙江省大数据发展管理局".into(),
                uscc: Uscc::parse("11330000MB0D987650").unwrap(),
            },
            base_url: BASE.into(),
        },
        vec![
            (Role::LicenceCaSm2, keys_dev::der("pki/sm2/issuing.crt")),
            (Role::StatusSigner, keys_dev::der("status-signer-sm2.crt")),
        ],
        vec![keys_dev::der("dept-xihu-samr-sm2.crt")],
        None,
        NOW,
        72 * 3600,
        list_key,
    )
    .unwrap()
}

fn token(sub: &str, iat: u64, key: &PrivateKey) -> Vec<u8> {
    let mut list = StatusList::new(2, 1 << 10).unwrap();
    list.set(3, 1).unwrap();
    StatusListClaims {
        sub: sub.into(),
        iat,
        exp: Some(iat + 72 * 3600),
        ttl: Some(3600),
        list,
    }
    .sign(key)
    .unwrap()
}

fn manifest(entries: &[(u64, &str, u64, &[u8])], key: &PrivateKey) -> Vec<u8> {
    Manifest {
        iat: NOW,
        exp: NOW + 72 * 3600,
        lists: entries
            .iter()
            .map(|(n, uri, iat, token)| ManifestEntry {
                n: *n,
                kind: "licence".into(),
                uri: (*uri).into(),
                iat: *iat,
                sha256: zhengku_crypto::sha256(token),
            })
            .collect(),
    }
    .sign(key)
    .unwrap()
}

#[test]
fn the_status_side_is_checked_against_the_trust_list() {
    let list_key = keys_dev::key("trust-list-signer-sm2");
    let status_key = keys_dev::key("status-signer-sm2");
    let made = pair(&list_key);
    let uri = format!("{BASE}/sl/1");
    let good = token(&uri, NOW, &status_key);
    let m = manifest(&[(1, &uri, NOW, &good)], &status_key);

    // The real thing, and the whole snapshot with the list key.
    let (read, tokens) = check_statuses(
        &made.list,
        &m,
        |n| (n == 1).then_some(good.as_slice()),
        &Direct,
    )
    .unwrap();
    assert_eq!((read.lists.len(), tokens[0].list.get(3).unwrap()), (1, 1));
    let snap = open_snapshot(
        list_key.public_key(),
        &made.trust_list,
        &made.signer_list,
        &m,
        |n| (n == 1).then_some(good.as_slice()),
        &Direct,
    )
    .unwrap();
    assert_eq!(snap.signers.certs.len(), 1);

    let refuse = |what: &str, manifest: &[u8], token: Option<&[u8]>, want: &str| {
        let e = check_statuses(&made.list, manifest, |_| token, &Direct).unwrap_err();
        assert!(e.to_string().contains(want), "{what}: {e}");
    };
    // A list the manifest names is withheld.
    refuse("withheld", &m, None, "missing");
    // A manifest signed by a key the trust list does not name as status signer (the
    // department's, say).
    let dept = keys_dev::key("dept-xihu-samr-sm2");
    refuse(
        "manifest by another key",
        &manifest(&[(1, &uri, NOW, &good)], &dept),
        Some(&good),
        "manifest does not verify",
    );
    // A token signed by another key.
    let forged = token(&uri, NOW, &dept);
    refuse(
        "token by another key",
        &manifest(&[(1, &uri, NOW, &forged)], &status_key),
        Some(&forged),
        "does not verify",
    );
    // Another region's (or another list's) token under list 1: its sub says so.
    let elsewhere = token("https://other.example.gov.cn/sl/1", NOW, &status_key);
    refuse(
        "another list's token",
        &manifest(&[(1, &uri, NOW, &elsewhere)], &status_key),
        Some(&elsewhere),
        "says it is",
    );
    // The manifest names list 1 somewhere other than the trust list's template.
    refuse(
        "manifest URI",
        &manifest(
            &[(1, "https://other.example.gov.cn/sl/1", NOW, &good)],
            &status_key,
        ),
        Some(&good),
        "as the trust list says",
    );
    // An older token than the manifest names (a replayed list).
    let old = token(&uri, NOW - 3600, &status_key);
    refuse(
        "older token",
        &manifest(&[(1, &uri, NOW, &good)], &status_key),
        Some(&old),
        "older",
    );
    // The snapshot with a signer list of another pair: refused as a whole.
    let other = pair(&list_key);
    let other_signers = SignerList::verify(&other.signer_list, list_key.public_key(), &Direct);
    assert!(other_signers.is_ok());
    assert!(
        open_snapshot(
            list_key.public_key(),
            &made.trust_list,
            &other.signer_list,
            &m,
            |_| Some(good.as_slice()),
            &Direct,
        )
        .is_err()
    );
}
