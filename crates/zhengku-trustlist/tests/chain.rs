//! Making and accepting pairs of lists with the development trust-list signer: the next
//! list chains to the one before; a verifier holding a list refuses a replayed older one,
//! a second list with the same seq, a list signed by any key but the pinned one (or a
//! successor the held list announced), a swapped or altered signer list, and a stale list.
//! pycddl validates the signer list against `docs/cddl/signer-list.cddl`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, Direct, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_testkit::keys_dev;
use zhengku_testkit::tools::{have_python_module, python_says_ok};
use zhengku_trustlist::TypedDocument;
use zhengku_trustlist::{
    Held, Made, Operator, RegionInfo, Role, SignerList, Succession, TrustList, accept,
    list_signer_key, make,
};

/// 2026-12-05T00:00:00Z: inside the development list signers' validity (from 2026-12-04).
const NOW: u64 = 1_796_428_800;

fn at(t: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t as i64).unwrap()
}

fn region() -> RegionInfo {
    RegionInfo {
        region: "CN-ZJ".into(),
        division: AreaCode::parse("330000").unwrap(),
        operator: Operator {
            name: "浙江省大数据发展管理局".into(),
            uscc: Uscc::parse("11330000MB0D987650").unwrap(),
        },
        base_url: "https://zk.example.gov.cn/".into(),
    }
}

fn certs(successor: bool) -> Vec<(Role, Vec<u8>)> {
    let mut c = vec![
        (Role::StatusSigner, keys_dev::der("status-signer-sm2.crt")),
        (Role::LicenceCaSm2, keys_dev::der("pki/sm2/issuing.crt")),
        (Role::SealMaker, keys_dev::der("seal-maker-sm2.crt")),
    ];
    if successor {
        c.push((
            Role::SuccessorListSigner,
            keys_dev::der("trust-list-signer-p256.crt"),
        ));
    }
    c
}

fn departments() -> Vec<Vec<u8>> {
    vec![
        keys_dev::der("dept-xihu-samr-sm2.crt"),
        keys_dev::der("dept-xihu-health-p256.crt"),
        keys_dev::der("dept-xihu-samr-sm2.crt"),
    ]
}

fn next(previous: Option<&[u8]>, issued: u64, key: &PrivateKey, successor: bool) -> Made {
    make(
        &region(),
        certs(successor),
        departments(),
        previous,
        issued,
        72 * 3600,
        key,
    )
    .unwrap()
}

fn pinned() -> zhengku_crypto::PublicKey {
    list_signer_key(&keys_dev::der("trust-list-signer-sm2.crt"), at(NOW)).unwrap()
}

fn held(m: &Made) -> Held {
    Held {
        list: m.list.clone(),
        sha256: zhengku_crypto::sha256(&m.trust_list),
    }
}

#[test]
fn lists_chain_and_a_verifier_follows_them() {
    let key = keys_dev::key("trust-list-signer-sm2");
    let one = next(None, NOW, &key, false);
    assert_eq!((one.list.seq, one.list.prev), (1, None));
    assert_eq!(one.list.status_list_uri, "https://zk.example.gov.cn/sl/{n}");
    // Roles in order, departments sorted and without the repeat.
    let roles: Vec<Role> = one.list.certs.iter().map(|c| c.0).collect();
    assert_eq!(
        roles,
        [Role::LicenceCaSm2, Role::SealMaker, Role::StatusSigner]
    );
    let a = accept(
        &pinned(),
        None,
        &one.trust_list,
        &one.signer_list,
        at(NOW),
        &Direct,
    )
    .unwrap();
    assert_eq!(a.succession, Succession::Later { gap: 0 });
    assert_eq!(a.signers.certs.len(), 2);
    assert!(a.by_successor.is_none());

    let two = next(Some(&one.trust_list), NOW + 3600, &key, false);
    assert_eq!(two.list.seq, 2);
    assert_eq!(two.list.prev, Some(zhengku_crypto::sha256(&one.trust_list)));
    let h1 = held(&one);
    let a = accept(
        &pinned(),
        Some(&h1),
        &two.trust_list,
        &two.signer_list,
        at(NOW + 3600),
        &Direct,
    )
    .unwrap();
    assert_eq!(a.succession, Succession::Later { gap: 0 });
    let h2 = held(&two);
    // The same pair again: nothing new.
    let a = accept(
        &pinned(),
        Some(&h2),
        &two.trust_list,
        &two.signer_list,
        at(NOW + 3600),
        &Direct,
    )
    .unwrap();
    assert_eq!(a.succession, Succession::Same);

    // Replayed: list 1 offered to a verifier holding list 2.
    let e = accept(
        &pinned(),
        Some(&h2),
        &one.trust_list,
        &one.signer_list,
        at(NOW + 3600),
        &Direct,
    )
    .unwrap_err();
    assert!(e.to_string().contains("rollback"), "{e}");
    // Equivocation: another list 2 made from list 1.
    let other_two = next(Some(&one.trust_list), NOW + 3600, &key, false);
    let e = accept(
        &pinned(),
        Some(&h2),
        &other_two.trust_list,
        &other_two.signer_list,
        at(NOW + 3600),
        &Direct,
    )
    .unwrap_err();
    assert!(e.to_string().contains("equivocation"), "{e}");
}

#[test]
fn forged_swapped_and_stale_lists_are_refused() {
    let key = keys_dev::key("trust-list-signer-sm2");
    let one = next(None, NOW, &key, false);
    // Signed by another key, even another list signer of the same region.
    let forger = keys_dev::key("trust-list-signer-p256");
    let forged = next(None, NOW, &forger, false);
    assert!(
        accept(
            &pinned(),
            None,
            &forged.trust_list,
            &forged.signer_list,
            at(NOW),
            &Direct
        )
        .is_err()
    );
    let stranger = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let forged = next(None, NOW, &stranger, false);
    assert!(
        accept(
            &pinned(),
            None,
            &forged.trust_list,
            &forged.signer_list,
            at(NOW),
            &Direct
        )
        .is_err()
    );
    // A signer list of another pair, though signed by the right key.
    let again = next(None, NOW, &key, false);
    let e = accept(
        &pinned(),
        None,
        &one.trust_list,
        &again.signer_list,
        at(NOW),
        &Direct,
    )
    .unwrap_err();
    assert!(e.to_string().contains("signer list is not the one"), "{e}");
    // A signer list re-signed with a department taken out: the hash no longer matches.
    let mut fewer = SignerList::verify(&one.signer_list, key.public_key(), &Direct).unwrap();
    fewer.certs.pop();
    let fewer = fewer.sign(&key).unwrap();
    assert!(accept(&pinned(), None, &one.trust_list, &fewer, at(NOW), &Direct).is_err());
    // Any changed byte of the signer list.
    for i in (0..one.signer_list.len()).step_by(53) {
        let mut bad = one.signer_list.clone();
        bad[i] ^= 1;
        assert!(
            accept(&pinned(), None, &one.trust_list, &bad, at(NOW), &Direct).is_err(),
            "byte {i}"
        );
    }
    // Stale: at next_update the list is no longer relied on.
    let e = accept(
        &pinned(),
        None,
        &one.trust_list,
        &one.signer_list,
        at(one.list.next_update),
        &Direct,
    )
    .unwrap_err();
    assert!(e.to_string().contains("stale"), "{e}");
}

#[test]
fn a_successor_signs_only_once_announced() {
    let old = keys_dev::key("trust-list-signer-sm2");
    let new = keys_dev::key("trust-list-signer-p256");
    let plain = next(None, NOW, &old, false);
    let announcing = next(None, NOW, &old, true);
    // The successor signs list 2.
    let by_new = next(Some(&announcing.trust_list), NOW + 60, &new, true);
    let a = accept(
        &pinned(),
        Some(&held(&announcing)),
        &by_new.trust_list,
        &by_new.signer_list,
        at(NOW + 60),
        &Direct,
    )
    .unwrap();
    assert_eq!(
        a.by_successor,
        Some(keys_dev::der("trust-list-signer-p256.crt"))
    );
    // Not announced by the list held: refused.
    let unannounced = next(Some(&plain.trust_list), NOW + 60, &new, false);
    assert!(
        accept(
            &pinned(),
            Some(&held(&plain)),
            &unannounced.trust_list,
            &unannounced.signer_list,
            at(NOW + 60),
            &Direct,
        )
        .is_err()
    );
}

#[test]
fn only_list_signer_certificates_are_pinned() {
    let e = list_signer_key(&keys_dev::der("status-signer-sm2.crt"), at(NOW)).unwrap_err();
    assert!(e.to_string().contains("not a trust-list signer"), "{e}");
    // Before the certificate's validity.
    assert!(list_signer_key(&keys_dev::der("trust-list-signer-sm2.crt"), at(1_000_000)).is_err());
}

#[test]
fn signer_lists_read_strictly() {
    let key = keys_dev::key("trust-list-signer-sm2");
    let list = SignerList::new(1, NOW, "CN-ZJ", departments());
    let signed = list.sign(&key).unwrap();
    assert_eq!(
        SignerList::verify(&signed, key.public_key(), &Direct).unwrap(),
        list
    );
    // Out of order, repeated, or region malformed: neither signed nor read.
    let mut unsorted = list.clone();
    unsorted.certs.reverse();
    let mut repeated = list.clone();
    repeated.certs.push(repeated.certs[1].clone());
    let mut bad_region = list.clone();
    bad_region.region = "ZJ".into();
    for bad in [unsorted, repeated, bad_region] {
        assert!(bad.sign(&key).is_err());
        assert!(SignerList::from_cbor(&bad.to_cbor()).is_err());
    }
    // A trust list is not a signer list, under the same key.
    let pair = next(None, NOW, &key, false);
    assert!(SignerList::verify(&pair.trust_list, key.public_key(), &Direct).is_err());
    assert!(TrustList::verify(&pair.signer_list, key.public_key(), &Direct).is_err());
}

#[test]
fn the_signer_list_meets_its_cddl() {
    if !(have_python_module("pycddl", "pycddl") && have_python_module("cbor2", "cbor2")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = keys_dev::key("trust-list-signer-p256");
    let pair = next(None, NOW, &key, false);
    let (signers, trust) = (dir.path().join("signers.cwt"), dir.path().join("trust.cwt"));
    std::fs::write(&signers, &pair.signer_list).unwrap();
    std::fs::write(&trust, &pair.trust_list).unwrap();
    let script = r#"
import sys, hashlib, cbor2, pycddl
signers, trust = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
root = sys.argv[3]
def validate(file, rule, data):
    cddl = open(root + "/docs/cddl/" + file).read()
    pycddl.Schema("root = " + rule + "\n" + cddl).validate_cbor(data)
validate("signer-list.cddl", "signer-list-token", signers)
protected, _, payload, _ = cbor2.loads(signers).value
validate("signer-list.cddl", "signer-list-protected", protected)
validate("signer-list.cddl", "signer-list", payload)
l = cbor2.loads(payload)
assert l["certs"] == sorted(l["certs"]) and len(l["certs"]) == 2, l
trust_payload = cbor2.loads(trust).value[2]
validate("trust-list.cddl", "trust-list", trust_payload)
t = cbor2.loads(trust_payload)
assert t["signers"] == hashlib.sha256(signers).digest()
assert t["seq"] == l["seq"] == 1
print("ok")
"#;
    let root = zhengku_testkit::repo_root();
    python_says_ok(
        script,
        &[signers.as_os_str(), trust.as_os_str(), root.as_os_str()],
    )
    .unwrap();
}
