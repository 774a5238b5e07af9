//! Object identifiers zhengku reads and writes, dotted, with their DER encodings where
//! the hand-built key encodings in [`crate::keys`] need them.
//!
//! Sources: GM/T 0006 for the 1.2.156.10197 arc (see `docs/standards.md`), RFC 5480 and
//! RFC 5758 for the ECDSA ones.

/// id-ecPublicKey (RFC 5480), the SubjectPublicKeyInfo algorithm for both curves.
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / secp256r1 (RFC 5480).
pub const PRIME256V1: &str = "1.2.840.10045.3.1.7";
/// sm2p256v1 (GM/T 0006). Also seen, in keys written by OpenSSL 1.1.1 and some Chinese
/// toolkits, as the SubjectPublicKeyInfo *algorithm* itself; zhengku accepts that form.
pub const SM2P256V1: &str = "1.2.156.10197.1.301";
/// sm2sign (GM/T 0006).
pub const SM2_SIGN: &str = "1.2.156.10197.1.301.1";
/// SM3 (GM/T 0006).
pub const SM3: &str = "1.2.156.10197.1.401";
/// HMAC-SM3 (GM/T 0006).
pub const HMAC_SM3: &str = "1.2.156.10197.1.401.2";
/// SM2-with-SM3 signature (GM/T 0006).
pub const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";
/// ecdsa-with-SHA256 (RFC 5758).
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// SHA-256 (RFC 5754).
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// DER of `OBJECT IDENTIFIER id-ecPublicKey`.
pub(crate) const DER_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// DER of `OBJECT IDENTIFIER prime256v1`.
pub(crate) const DER_PRIME256V1: &[u8] =
    &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// DER of `OBJECT IDENTIFIER sm2p256v1`.
pub(crate) const DER_SM2P256V1: &[u8] =
    &[0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use der::{Decode, asn1::ObjectIdentifier};

    /// The hand-written DER constants must say what their names claim.
    #[test]
    fn der_constants_match_dotted_forms() {
        for (der, dotted) in [
            (super::DER_EC_PUBLIC_KEY, super::EC_PUBLIC_KEY),
            (super::DER_PRIME256V1, super::PRIME256V1),
            (super::DER_SM2P256V1, super::SM2P256V1),
        ] {
            let oid: ObjectIdentifier = ObjectIdentifier::from_der(der).unwrap();
            assert_eq!(oid.to_string(), dotted);
        }
    }
}
