//! Errors, one enum per concern: reading keys, reading signatures, verifying, signing.
//!
//! Each variant carries what a reader needs to act on it (which scalar, which OID, which
//! byte), because these messages reach auditors through the CLI.

use crate::Algorithm;

/// Which of the two signature scalars an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// The `r` component.
    R,
    /// The `s` component.
    S,
}

impl core::fmt::Display for Scalar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Scalar::R => "r",
            Scalar::S => "s",
        })
    }
}

/// A signature's bytes are not a well-formed signature for its algorithm.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No bytes at all.
    #[error("signature is empty")]
    Empty,
    /// A DER element had another tag than the structure requires.
    #[error(
        "malformed DER signature: expected {expected} at byte {offset}, found tag 0x{found:02x}"
    )]
    UnexpectedTag {
        /// What the structure requires there.
        expected: &'static str,
        /// The tag byte found.
        found: u8,
        /// Byte offset of the tag.
        offset: usize,
    },
    /// A length is encoded in more bytes than needed, or in a form DER forbids.
    #[error("malformed DER signature: non-minimal or indefinite length at byte {offset}")]
    NonMinimalLength {
        /// Byte offset of the length.
        offset: usize,
    },
    /// The input ends inside an element.
    #[error("malformed DER signature: truncated at byte {offset}")]
    Truncated {
        /// Where the input ran out.
        offset: usize,
    },
    /// Bytes follow the signature.
    #[error("signature has {count} trailing byte(s) after the DER SEQUENCE")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The SEQUENCE holds something after `s`.
    #[error("DER signature SEQUENCE has extra content after s")]
    ExtraElements,
    /// An INTEGER has a redundant leading zero byte.
    #[error("malformed DER signature: {which} is not minimally encoded (redundant leading zero)")]
    NonMinimalInteger {
        /// Which scalar.
        which: Scalar,
    },
    /// An INTEGER is negative (high bit set without a leading zero).
    #[error("malformed DER signature: {which} is negative")]
    NegativeInteger {
        /// Which scalar.
        which: Scalar,
    },
    /// A scalar is zero.
    #[error("signature {which} is zero")]
    ScalarZero {
        /// Which scalar.
        which: Scalar,
    },
    /// A scalar is not below the curve order.
    #[error("signature {which} is out of range (must be less than the {alg} curve order)")]
    ScalarOutOfRange {
        /// Which scalar.
        which: Scalar,
        /// Whose curve.
        alg: Algorithm,
    },
    /// A raw r||s signature has the wrong length.
    #[error("raw signature must be 64 bytes (r||s), found {found}")]
    RawLength {
        /// Length found.
        found: usize,
    },
}

/// A key's bytes cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// PEM armour is broken.
    #[error("invalid PEM: {0}")]
    Pem(String),
    /// PEM is fine but holds another kind of object.
    #[error("PEM holds {found:?}, expected {expected}")]
    PemLabel {
        /// What the caller asked for.
        expected: &'static str,
        /// The label found.
        found: String,
    },
    /// DER structure is malformed (not DER, wrong shape, non-canonical).
    #[error("malformed {what}: {detail}")]
    Der {
        /// Which structure.
        what: &'static str,
        /// The parser's explanation.
        detail: String,
    },
    /// Bytes follow the structure.
    #[error("{what} has trailing bytes after the DER structure")]
    TrailingBytes {
        /// Which structure.
        what: &'static str,
    },
    /// Not an elliptic-curve key at all (RSA, Ed25519 …).
    #[error("not an elliptic-curve key: algorithm OID {oid}")]
    NotEcKey {
        /// The algorithm OID found.
        oid: String,
    },
    /// An EC key on a curve zhengku does not use.
    #[error(
        "unsupported curve {oid} (zhengku uses sm2p256v1 1.2.156.10197.1.301 and prime256v1 1.2.840.10045.3.1.7)"
    )]
    WrongCurve {
        /// The curve OID found.
        oid: String,
    },
    /// No curve named (explicit parameters, or none at all).
    #[error("EC key does not name its curve (explicit curve parameters are not accepted)")]
    MissingCurve,
    /// The public point is not on the curve, is the identity, or is badly encoded.
    #[error("invalid {alg} public point: {detail}")]
    InvalidPoint {
        /// Curve it was read for.
        alg: Algorithm,
        /// Why.
        detail: &'static str,
    },
    /// The private scalar is zero, not below the order, or (SM2) equals n-1.
    #[error("invalid {alg} private key scalar")]
    InvalidPrivateScalar {
        /// Curve it was read for.
        alg: Algorithm,
    },
    /// A private key file carries a public key that does not belong to it.
    #[error("private key file's embedded public key does not match its private scalar")]
    PublicKeyMismatch,
    /// Distinguishing IDs are an SM2 concept.
    #[error("a distinguishing ID applies only to SM2 keys, not {0}")]
    DistIdNotApplicable(Algorithm),
    /// The distinguishing ID cannot be encoded.
    #[error("distinguishing ID is {len} bytes; SM2 allows at most 8191 (ENTL is 16 bits)")]
    DistIdTooLong {
        /// Its length.
        len: usize,
    },
    /// The operating system's random generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
}

/// A signature did not verify.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature is for another algorithm than the key.
    #[error("signature algorithm {signature} does not match key algorithm {key}")]
    AlgorithmMismatch {
        /// The key's.
        key: Algorithm,
        /// The signature's.
        signature: Algorithm,
    },
    /// The signature bytes are malformed.
    #[error(transparent)]
    Format(#[from] SignatureError),
    /// Well-formed, but not a valid signature of this message under this key.
    #[error("{0} signature is not valid for this message and key")]
    Invalid(Algorithm),
}

/// Making a signature failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The prehash was computed for another algorithm than the key's.
    #[error("prehash is for {prehash}, key is {key}")]
    AlgorithmMismatch {
        /// The key's.
        key: Algorithm,
        /// The prehash's.
        prehash: Algorithm,
    },
    /// The backend behind a [`crate::Signer`] failed (an HSM, a remote service).
    #[error("{backend} signer failed: {detail}")]
    Backend {
        /// Which backend, e.g. `pkcs11`.
        backend: &'static str,
        /// What happened, with no secrets in it.
        detail: String,
    },
    /// The arithmetic failed (only with negligible probability, or a broken RNG).
    #[error("{0} signing failed")]
    Crypto(Algorithm),
}
