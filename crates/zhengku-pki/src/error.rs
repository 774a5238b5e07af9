//! Errors: one enum for making certificates and CRLs, one for validating them.

use zhengku_crypto::{KeyError, SignError};

/// Making a certificate or CRL failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The issuing CA certificate could not be read.
    #[error("issuer certificate: {0}")]
    IssuerCertificate(String),
    /// The issuer certificate is not a CA certificate.
    #[error("issuer certificate is not a CA (basicConstraints cA is not set)")]
    IssuerNotCa,
    /// The key offered for the issuer is not the key in the issuer certificate.
    #[error("the signing key {signer} is not the key of the issuer certificate {certificate}")]
    IssuerKeyMismatch {
        /// Key id of the signer.
        signer: String,
        /// Key id in the certificate.
        certificate: String,
    },
    /// A self-signed certificate must be for the signer's own key.
    #[error("a self-signed certificate must certify the signing key itself")]
    SelfSignedKeyMismatch,
    /// Validity ends before it starts, or is outside what X.509 can express.
    #[error("invalid validity period: {0}")]
    Validity(String),
    /// A subject field is empty or cannot be encoded.
    #[error("invalid subject: {0}")]
    Subject(String),
    /// A serial number is zero, negative or longer than 20 bytes.
    #[error("invalid serial number: {0}")]
    Serial(String),
    /// A DER encoding step failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// The key's public part could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The signer failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl From<der::Error> for IssueError {
    fn from(e: der::Error) -> Self {
        IssueError::Encoding(e.to_string())
    }
}
