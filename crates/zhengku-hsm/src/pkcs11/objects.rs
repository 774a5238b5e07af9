//! Reading token objects: attribute helpers and the EC point encoding.

use cryptoki::error::Error as CryptokiError;
use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::Session;
use zhengku_crypto::{Algorithm, KeyError, PublicKey};

/// The value of one byte-string attribute, or `None` if the token has none for the object.
pub(crate) fn bytes_attribute(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
) -> Result<Option<Vec<u8>>, CryptokiError> {
    let attrs = session.get_attributes(object, &[kind])?;
    Ok(attrs.into_iter().find_map(|a| match (a, kind) {
        (Attribute::EcPoint(v), AttributeType::EcPoint)
        | (Attribute::EcParams(v), AttributeType::EcParams)
        | (Attribute::Label(v), AttributeType::Label)
        | (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Application(v), AttributeType::Application)
        | (Attribute::Id(v), AttributeType::Id) => Some(v),
        _ => None,
    }))
}

/// Reads CKA_EC_POINT. PKCS#11 says it is a DER OCTET STRING around the SEC1 point; some
/// tokens return the bare point. The DER reading is tried first and kept only if it yields a
/// point on the curve, because a bare point can, by chance, look like an OCTET STRING header.
pub(crate) fn public_key_from_ec_point(alg: Algorithm, raw: &[u8]) -> Result<PublicKey, KeyError> {
    if let Some(inner) = der_octet_string(raw) {
        if let Ok(key) = PublicKey::from_sec1_point(alg, inner) {
            return Ok(key);
        }
    }
    PublicKey::from_sec1_point(alg, raw)
}

/// The contents of a DER OCTET STRING that spans all of `raw` (short or one-byte long form:
/// enough for any point on a 256-bit curve).
fn der_octet_string(raw: &[u8]) -> Option<&[u8]> {
    match raw {
        [0x04, len, rest @ ..] if *len < 0x80 && rest.len() == usize::from(*len) => Some(rest),
        [0x04, 0x81, len, rest @ ..] if *len >= 0x80 && rest.len() == usize::from(*len) => {
            Some(rest)
        }
        _ => None,
    }
}

/// CKA_EC_POINT as PKCS#11 wants it written: DER OCTET STRING around the uncompressed point.
#[cfg(test)]
fn der_ec_point(key: &PublicKey) -> Vec<u8> {
    let point = key.to_sec1_uncompressed();
    let mut out = vec![0x04, 0x41];
    out.extend_from_slice(&point);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zhengku_crypto::PrivateKey;

    #[test]
    fn ec_points_are_read_wrapped_or_bare() {
        for alg in Algorithm::ALL {
            let key = PrivateKey::generate(alg).unwrap();
            let public = key.public_key();
            let der = der_ec_point(public);
            assert_eq!(&public_key_from_ec_point(alg, &der).unwrap(), public);
            let bare = public.to_sec1_uncompressed();
            assert_eq!(&public_key_from_ec_point(alg, &bare).unwrap(), public);
            // Compressed, wrapped and bare.
            let mut compressed = vec![2 + (bare[64] & 1)];
            compressed.extend_from_slice(&bare[1..33]);
            let mut wrapped = vec![0x04, 33];
            wrapped.extend_from_slice(&compressed);
            assert_eq!(&public_key_from_ec_point(alg, &wrapped).unwrap(), public);
            assert_eq!(&public_key_from_ec_point(alg, &compressed).unwrap(), public);
        }
    }

    #[test]
    fn malformed_ec_points_are_errors_not_panics() {
        let alg = Algorithm::EcdsaP256Sha256;
        for raw in [
            &[][..],
            &[0x04],
            &[0x04, 0x41],
            &[0x04, 0x81],
            &[0x04, 0x81, 0x80],
            &[0x04, 0x02, 0x04, 0x00],
            &[0xFF; 67],
            &[0x04; 65],
        ] {
            assert!(public_key_from_ec_point(alg, raw).is_err(), "{raw:?}");
        }
    }
}
