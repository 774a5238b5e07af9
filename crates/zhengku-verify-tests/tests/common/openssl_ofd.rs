//! The OpenSSL CLI as the judge of an OFD seal signature, for the OFD tests: every protected
//! file's SM3, the `dataHash` over the raw `Signature.xml`, and the SM2 signature over
//! TBS_Sign as received, and a changed byte of TBS_Sign refused.

use zhengku_ofd::{Ofd, Signature};
use zhengku_seal::{DecodedSignature, decode_signature_with_signed_bytes};
use zhengku_testkit::tools::{openssl_sm2_verifies, openssl_sm3};

/// Asserts that OpenSSL agrees with signature `s` of `ofd` (module docs).
pub fn openssl_agrees(ofd: &Ofd, s: &Signature) {
    for r in &s.references {
        let data = ofd.package().file(&r.file).unwrap();
        assert_eq!(openssl_sm3(data).unwrap(), r.check_value, "{}", r.file);
    }
    let ses = ofd.package().file(&s.signed_value).unwrap();
    let (decoded, signed) = decode_signature_with_signed_bytes(ses).unwrap();
    let DecodedSignature::V4(sig) = decoded else {
        panic!("v4")
    };
    assert_eq!(
        openssl_sm3(ofd.package().file(&s.file).unwrap()).unwrap(),
        sig.to_sign.data_hash
    );
    assert_eq!(
        openssl_sm2_verifies(&sig.cert, signed.tbs_sign(), &sig.signature),
        Some(true)
    );
    let mut wrong = signed.tbs_sign().to_vec();
    let n = wrong.len();
    wrong[n - 1] ^= 1;
    assert_eq!(
        openssl_sm2_verifies(&sig.cert, &wrong, &sig.signature),
        Some(false)
    );
}
