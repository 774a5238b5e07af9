//! The OpenSSL CLI, a judge zhengku did not write, agrees with what this crate reads from
//! others' OFDs: every protected file's SM3 is its CheckValue, the SM3 of Signature.xml is
//! the SES_Signature's dataHash, and the signer's SM2 signature over TBS_Sign (as received)
//! verifies with the certificate inside the signature; a changed byte is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_crypto::{Algorithm, Signature as Sig};
use zhengku_ofd::{Limits, Ofd};
use zhengku_seal::{DecodedSignature, decode_signature_with_signed_bytes};
use zhengku_testkit::tools::{have, openssl_sm2_verifies, openssl_sm3};

/// The signature as DER (the vendors' may be raw r‖s).
fn der(signature: &[u8]) -> Vec<u8> {
    Sig::from_der(Algorithm::Sm2Sm3, signature)
        .or_else(|_| Sig::from_raw(Algorithm::Sm2Sm3, signature))
        .unwrap()
        .to_der()
}

#[test]
fn openssl_agrees_on_others_ofds() {
    if !have("openssl") {
        return;
    }
    for name in [
        "SESV4SignDoc.ofd",
        "allprotected.ofd",
        "v4signed.ofd",
        "signedFile.ofd",
    ] {
        let bytes = zhengku_testkit::ofd_fixture(name);
        let ofd = Ofd::read(&bytes, &Limits::default()).unwrap();
        let s = ofd.signatures[0].as_ref().unwrap();
        for r in &s.references {
            let data = ofd.package().file(&r.file).unwrap();
            assert_eq!(
                openssl_sm3(data).unwrap(),
                r.check_value,
                "{name}: {}",
                r.file
            );
        }
        let ses = ofd.package().file(&s.signed_value).unwrap();
        let (decoded, signed) = decode_signature_with_signed_bytes(ses).unwrap();
        let DecodedSignature::V4(sig) = decoded else {
            panic!("{name}: not a v4 signature")
        };
        let signature_xml = ofd.package().file(&s.file).unwrap();
        assert_eq!(
            openssl_sm3(signature_xml).unwrap(),
            sig.to_sign.data_hash,
            "{name}: dataHash"
        );
        let value = der(&sig.signature);
        assert_eq!(
            openssl_sm2_verifies(&sig.cert, signed.tbs_sign(), &value),
            Some(true),
            "{name}: openssl refuses the signature"
        );
        let mut changed = signed.tbs_sign().to_vec();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(
            openssl_sm2_verifies(&sig.cert, &changed, &value),
            Some(false),
            "{name}: a changed TBS_Sign verified"
        );
    }
}
