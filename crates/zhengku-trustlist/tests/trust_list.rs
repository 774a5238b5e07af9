//! Trust lists: signed and read back with the development certificates; every change,
//! another key and another document type refused; the bounds `check` keeps; and the
//! succession rules a verifier applies (rollback, equivocation, broken chain refused).
//! Outside judges: pycose verifies a P-256 list, pycddl validates `docs/cddl/trust-list.cddl`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_crypto::{Algorithm, Direct, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_testkit::keys_dev;
use zhengku_testkit::tools::{have_python_module, python_says_ok};
use zhengku_trustlist::TypedDocument;
use zhengku_trustlist::{Operator, Role, Succession, TrustList, succession};

const ISSUED: u64 = 1_764_806_400;

fn list(seq: u64, prev: Option<[u8; 32]>) -> TrustList {
    TrustList {
        seq,
        prev,
        issued: ISSUED + seq * 3600,
        next_update: ISSUED + seq * 3600 + 72 * 3600,
        region: "CN-ZJ".into(),
        division: AreaCode::parse("330000").unwrap(),
        operator: Operator {
            name: "浙江省大数据发展管理局".into(),
            uscc: Uscc::parse("11330000MB0D987650").unwrap(),
        },
        base_url: "https://zk.example.gov.cn".into(),
        status_list_uri: "https://zk.example.gov.cn/sl/{n}".into(),
        certs: vec![
            (Role::LicenceCaSm2, keys_dev::der("pki/sm2/root.crt")),
            (Role::LicenceCaP256, keys_dev::der("pki/p256/root.crt")),
            (Role::SealMaker, keys_dev::der("seal-maker-sm2.crt")),
            (Role::StatusSigner, keys_dev::der("status-signer-sm2.crt")),
        ],
        signers: [0x5a; 32],
    }
}

#[test]
fn signed_lists_read_back_and_refuse_any_change() {
    for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
        let key = PrivateKey::generate(alg).unwrap();
        let l = list(1, None);
        let signed = l.sign(&key).unwrap();
        let back = TrustList::verify(&signed, key.public_key(), &Direct).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.certs_of(Role::StatusSigner).count(), 1);
        assert!(back.current_at(ISSUED + 3600));
        assert!(!back.current_at(back.next_update));
        let other = PrivateKey::generate(alg).unwrap();
        assert!(TrustList::verify(&signed, other.public_key(), &Direct).is_err());
        // Every byte up to the certificates (which are long: every 97th there).
        for i in (1..signed.len()).filter(|i| *i < 600 || i % 97 == 0) {
            let mut bad = signed.clone();
            bad[i] ^= 0x10;
            assert!(
                TrustList::verify(&bad, key.public_key(), &Direct).is_err(),
                "byte {i}"
            );
        }
        // Another zhengku document signed by the same key is not a trust list.
        let manifest = zhengku_cose::sign_typed(
            "application/zhengku-statuslist-manifest+cwt",
            l.to_cbor(),
            &key,
        )
        .unwrap();
        assert!(TrustList::verify(&manifest, key.public_key(), &Direct).is_err());
    }
}

/// A change made to a list by hand.
type Edit = Box<dyn Fn(&mut TrustList)>;

#[test]
fn bounds_are_checked_before_signing_and_on_reading() {
    let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let cases: Vec<(&str, Edit)> = vec![
        (
            "validity over 72 h",
            Box::new(|l| l.next_update = l.issued + 72 * 3600 + 1),
        ),
        (
            "next_update before issued",
            Box::new(|l| l.next_update = l.issued),
        ),
        ("seq 0", Box::new(|l| l.seq = 0)),
        ("prev on seq 1", Box::new(|l| l.prev = Some([1; 32]))),
        ("no prev on seq 2", Box::new(|l| l.seq = 2)),
        ("region", Box::new(|l| l.region = "ZJ".into())),
        ("base URL", Box::new(|l| l.base_url = "ftp://x".into())),
        (
            "template",
            Box::new(|l| l.status_list_uri = "https://x/sl/".into()),
        ),
        ("role order", Box::new(|l| l.certs.swap(0, 3))),
        ("empty certificate", Box::new(|l| l.certs[0].1.clear())),
    ];
    for (what, edit) in cases {
        let mut l = list(1, None);
        edit(&mut l);
        assert!(l.sign(&key).is_err(), "{what}: signed");
        // And a list so made by hand does not read.
        assert!(TrustList::from_cbor(&l.to_cbor()).is_err(), "{what}: read");
    }
}

#[test]
fn succession_refuses_rollback_equivocation_and_broken_chains() {
    let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let one = list(1, None);
    let one_signed = one.sign(&key).unwrap();
    let h1 = zhengku_crypto::sha256(&one_signed);
    let two = list(2, Some(h1));
    let h2 = zhengku_crypto::sha256(&two.sign(&key).unwrap());
    assert_eq!(
        succession((&one, &h1), (&one, &h1)).unwrap(),
        Succession::Same
    );
    assert_eq!(
        succession((&one, &h1), (&two, &h2)).unwrap(),
        Succession::Later { gap: 0 }
    );
    let rollback = succession((&two, &h2), (&one, &h1)).unwrap_err();
    assert!(rollback.to_string().contains("rollback"), "{rollback}");
    // Another list 1 (signatures are randomised: signing again gives other bytes).
    let h1_again = zhengku_crypto::sha256(&one.sign(&key).unwrap());
    assert_ne!(h1_again, h1);
    let twice = succession((&one, &h1), (&one, &h1_again)).unwrap_err();
    assert!(twice.to_string().contains("equivocation"), "{twice}");
    let stranger = list(2, Some([9; 32]));
    let h = zhengku_crypto::sha256(&stranger.sign(&key).unwrap());
    let broken = succession((&one, &h1), (&stranger, &h)).unwrap_err();
    assert!(broken.to_string().contains("broken chain"), "{broken}");
    // After a gap the chain cannot be checked from here; the gap is said.
    let five = list(5, Some([7; 32]));
    let h5 = zhengku_crypto::sha256(&five.sign(&key).unwrap());
    assert_eq!(
        succession((&one, &h1), (&five, &h5)).unwrap(),
        Succession::Later { gap: 3 }
    );
}

#[test]
fn others_read_a_p256_list() {
    if !(have_python_module("pycose", "pycose")
        && have_python_module("pycddl", "pycddl")
        && have_python_module("cbor2", "cbor2"))
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
    let signed = list(1, None).sign(&key).unwrap();
    std::fs::write(dir.path().join("list.cwt"), &signed).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.public_key().to_pem()).unwrap();
    let script = r#"
import sys, cbor2, pycddl
from pycose.messages import CoseMessage
from pycose.keys import CoseKey
token = open(sys.argv[1], "rb").read()
cddl = open(sys.argv[3]).read()
def validate(rule, data):
    pycddl.Schema("root = " + rule + "\n" + cddl).validate_cbor(data)
validate("trust-list-token", token)
msg = CoseMessage.decode(token)
msg.key = CoseKey.from_pem_public_key(open(sys.argv[2]).read())
assert msg.verify_signature(), "pycose: does not verify"
protected, unprotected, payload, signature = cbor2.loads(token).value
validate("trust-list-protected", protected)
validate("trust-list", payload)
l = cbor2.loads(payload)
assert l["seq"] == 1 and l["prev"] is None and l["region"] == "CN-ZJ", l
assert [c["role"] for c in l["certs"]] == ["licence-ca-sm2", "licence-ca-p256", "seal-maker", "status-signer"]
assert l["next_update"] - l["issued"] <= 72 * 3600
print("ok")
"#;
    let cddl = zhengku_testkit::repo_root().join("docs/cddl/trust-list.cddl");
    let (list_path, key_path) = (dir.path().join("list.cwt"), dir.path().join("key.pem"));
    python_says_ok(
        script,
        &[
            list_path.as_os_str(),
            key_path.as_os_str(),
            cddl.as_os_str(),
        ],
    )
    .unwrap();
}
