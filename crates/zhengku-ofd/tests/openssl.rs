//! The OpenSSL CLI, a judge zhengku did not write, agrees with what this crate reads from
//! others' OFDs: every protected file's SM3 is its CheckValue, the SM3 of Signature.xml is
//! the SES_Signature's dataHash, and the signer's SM2 signature over TBS_Sign (as received)
//! verifies with the certificate inside the signature; a changed byte is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use zhengku_crypto::{Algorithm, Signature as Sig};
use zhengku_ofd::{Limits, Ofd};
use zhengku_seal::{DecodedSignature, decode_signature_with_signed_bytes};
use zhengku_testkit::tools::have;

fn openssl(args: &[&str], files: &[&Path]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .args(files)
        .output()
        .expect("openssl runs")
}

fn sm3(dir: &Path, data: &[u8]) -> Vec<u8> {
    let f = dir.join("data.bin");
    std::fs::write(&f, data).unwrap();
    let out = openssl(&["dgst", "-sm3", "-binary"], &[&f]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Whether OpenSSL verifies `signature` (DER or raw r‖s) over `message` with the key of
/// `cert` (DER).
fn sm2_verifies(dir: &Path, cert: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let sig = Sig::from_der(Algorithm::Sm2Sm3, signature)
        .or_else(|_| Sig::from_raw(Algorithm::Sm2Sm3, signature))
        .unwrap();
    let (certf, pubf, msgf, sigf) = (
        dir.join("c.der"),
        dir.join("c.pub"),
        dir.join("m.bin"),
        dir.join("s.der"),
    );
    std::fs::write(&certf, cert).unwrap();
    std::fs::write(&msgf, message).unwrap();
    std::fs::write(&sigf, sig.to_der()).unwrap();
    let out = openssl(
        &["x509", "-inform", "DER", "-pubkey", "-noout", "-in"],
        &[&certf],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&pubf, &out.stdout).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-digest", "sm3"])
        .args(["-pkeyopt", "distid:1234567812345678", "-pubin", "-inkey"])
        .arg(&pubf)
        .arg("-in")
        .arg(&msgf)
        .arg("-sigfile")
        .arg(&sigf)
        .output()
        .unwrap();
    out.status.success()
}

#[test]
fn openssl_agrees_on_others_ofds() {
    if !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "SESV4SignDoc.ofd",
        "allprotected.ofd",
        "v4signed.ofd",
        "signedFile.ofd",
    ] {
        let bytes = std::fs::read(
            zhengku_testkit::repo_root()
                .join("crates/zhengku-ofd/tests/fixtures")
                .join(name),
        )
        .unwrap();
        let ofd = Ofd::read(&bytes, &Limits::default()).unwrap();
        let s = ofd.signatures[0].as_ref().unwrap();
        for r in &s.references {
            let data = ofd.package().file(&r.file).unwrap();
            assert_eq!(sm3(dir.path(), data), r.check_value, "{name}: {}", r.file);
        }
        let ses = ofd.package().file(&s.signed_value).unwrap();
        let (decoded, signed) = decode_signature_with_signed_bytes(ses).unwrap();
        let DecodedSignature::V4(sig) = decoded else {
            panic!("{name}: not a v4 signature")
        };
        let signature_xml = ofd.package().file(&s.file).unwrap();
        assert_eq!(
            sm3(dir.path(), signature_xml),
            sig.to_sign.data_hash,
            "{name}: dataHash"
        );
        assert!(
            sm2_verifies(dir.path(), &sig.cert, signed.tbs_sign(), &sig.signature),
            "{name}: openssl refuses the signature"
        );
        let mut changed = signed.tbs_sign().to_vec();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(
            !sm2_verifies(dir.path(), &sig.cert, &changed, &sig.signature),
            "{name}: a changed TBS_Sign verified"
        );
    }
}
