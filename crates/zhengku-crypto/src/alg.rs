//! The two signature algorithms zhengku speaks, and the digests under them.
//!
//! Everything that names an algorithm — signed licences, key files, certificates, the CLI —
//! goes through [`Algorithm`], so adding one later is a change in one place.

use core::fmt;
use core::str::FromStr;

/// A signature algorithm: curve, hash and signing scheme together.
///
/// zhengku never mixes these: an SM2 key only signs SM2-with-SM3, a P-256 key only
/// ECDSA-with-SHA-256.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SM2 数字签名算法 with SM3 (GM/T 0003, GB/T 32918; ID handling per GM/T 0009).
    Sm2Sm3,
    /// ECDSA over NIST P-256 with SHA-256 (FIPS 186-4), for relying parties outside
    /// the national-cryptography world.
    EcdsaP256Sha256,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Algorithm; 2] = [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256];

    /// The stable name used in zhengku's encodings and printed output.
    ///
    /// These strings are part of signed formats: never change them.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "SM2-SM3",
            Algorithm::EcdsaP256Sha256 => "ECDSA-P256-SHA256",
        }
    }

    /// The short name used on the command line (`sm2`, `p256`).
    pub const fn short_name(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "sm2",
            Algorithm::EcdsaP256Sha256 => "p256",
        }
    }

    /// The digest the algorithm hashes messages with.
    pub const fn digest(self) -> DigestAlgorithm {
        match self {
            Algorithm::Sm2Sm3 => DigestAlgorithm::Sm3,
            Algorithm::EcdsaP256Sha256 => DigestAlgorithm::Sha256,
        }
    }

    /// The X.509 / CMS signature algorithm OID, dotted.
    ///
    /// SM2-with-SM3 is `1.2.156.10197.1.501` (GM/T 0006); ecdsa-with-SHA256 is
    /// `1.2.840.10045.4.3.2` (RFC 5758).
    pub const fn signature_oid(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => crate::oid::SM2_WITH_SM3,
            Algorithm::EcdsaP256Sha256 => crate::oid::ECDSA_WITH_SHA256,
        }
    }

    /// The named-curve OID carried in SubjectPublicKeyInfo parameters, dotted.
    pub const fn curve_oid(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => crate::oid::SM2P256V1,
            Algorithm::EcdsaP256Sha256 => crate::oid::PRIME256V1,
        }
    }

    /// The curve's conventional name (`sm2p256v1`, `prime256v1`).
    pub const fn curve_name(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "sm2p256v1",
            Algorithm::EcdsaP256Sha256 => "prime256v1",
        }
    }

    /// Order `n` of the curve's base point, big-endian. Signature scalars must lie in `[1, n-1]`.
    pub(crate) const fn order(self) -> &'static [u8; 32] {
        match self {
            Algorithm::Sm2Sm3 => &SM2_N,
            Algorithm::EcdsaP256Sha256 => &P256_N,
        }
    }
}

/// n for sm2p256v1 (GM/T 0003.5).
const SM2_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x23,
];

/// n for NIST P-256 (FIPS 186-4 D.1.2.3).
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an algorithm name zhengku does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signature algorithm {0:?} (expected SM2-SM3 / sm2 or ECDSA-P256-SHA256 / p256)")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Accepts the stable names and the short CLI names, case-insensitively
    /// (lenient on input; [`Algorithm::name`] is what zhengku writes).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| s.eq_ignore_ascii_case(a.name()) || s.eq_ignore_ascii_case(a.short_name()))
            .ok_or_else(|| UnknownAlgorithm(s.to_owned()))
    }
}

/// A 256-bit hash function.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SM3 密码杂凑算法 (GM/T 0004, GB/T 32905).
    Sm3,
    /// SHA-256 (FIPS 180-4).
    Sha256,
}

impl DigestAlgorithm {
    /// Stable name (`SM3`, `SHA-256`).
    pub const fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sm3 => "SM3",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// The digest algorithm OID, dotted.
    pub const fn oid(self) -> &'static str {
        match self {
            DigestAlgorithm::Sm3 => crate::oid::SM3,
            DigestAlgorithm::Sha256 => crate::oid::SHA256,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for a in Algorithm::ALL {
            assert_eq!(a.name().parse::<Algorithm>().unwrap(), a);
            assert_eq!(a.short_name().parse::<Algorithm>().unwrap(), a);
            assert_eq!(a.name().to_lowercase().parse::<Algorithm>().unwrap(), a);
        }
        let err = "rsa".parse::<Algorithm>().unwrap_err();
        assert!(err.to_string().contains("rsa"));
    }
}
