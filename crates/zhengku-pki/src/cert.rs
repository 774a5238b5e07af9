//! One parsed view of a certificate: what every part of zhengku asks of one (whose it is,
//! its unified social credit code, what it may be used for, its key, its validity), read
//! once. The verification engine, the server and the command line use this view instead of
//! each reading x509-parser structures their own way.
//!
//! A view says what the certificate *claims*; whether to believe it is the business of
//! [`validate`](crate::validate::validate), which checks the path to a trust anchor.

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use zhengku_crypto::{KeyId, PublicKey};
use zhengku_der::Oid;
use zhengku_model::codes::Uscc;

use crate::validate::{MAX_CERT_LEN, Purpose};

/// Why bytes are not a certificate zhengku can use.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Larger than [`MAX_CERT_LEN`].
    #[error("certificate is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not DER X.509, or bytes after it.
    #[error("not an X.509 certificate: {0}")]
    Malformed(String),
    /// Its key is not one zhengku uses (SM2 or P-256).
    #[error("the certificate's key is neither SM2 nor P-256")]
    UnsupportedKey,
}

/// The public key a certificate certifies (DER), when it is one zhengku uses: the one way
/// the service, the CLI and the engine ask "whose key is this".
pub fn certified_key(der: &[u8]) -> Result<PublicKey, CertError> {
    CertView::parse(der)?.key.ok_or(CertError::UnsupportedKey)
}

/// What a certificate says about itself (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertView {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Subject, RFC 4514-style (for reports).
    pub subject: String,
    /// Issuer, RFC 4514-style.
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// 统一社会信用代码, from organizationIdentifier (`NTRCN-…` or bare) or serialNumber.
    pub uscc: Option<Uscc>,
    /// The organisation (O), if any.
    pub organisation: Option<String>,
    /// The common name (CN), if any.
    pub common_name: Option<String>,
    /// Certificate policies, dotted (arcs of any size).
    pub policies: Vec<String>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    /// The subject key, when it is a key zhengku uses (SM2 or P-256).
    pub key: Option<PublicKey>,
    /// Validity start.
    pub not_before: OffsetDateTime,
    /// Validity end.
    pub not_after: OffsetDateTime,
}

pub(crate) fn to_time(t: x509_parser::time::ASN1Time) -> OffsetDateTime {
    // x509-parser's times come from a 4-digit-year encoding, well inside OffsetDateTime's
    // range; the fallback is unreachable but keeps this total.
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The certificate policies of a parsed certificate, dotted.
pub(crate) fn policies_of(x509: &X509Certificate<'_>) -> Vec<String> {
    x509.iter_extensions()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::CertificatePolicies(p) => Some(
                p.iter()
                    .map(|i| {
                        // x509-parser prints arcs beyond 64 bits (the policy OIDs') as hex.
                        Oid::from_der_content(i.policy_id.as_bytes())
                            .map(|oid| oid.to_string())
                            .unwrap_or_else(|_| i.policy_id.to_id_string())
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

impl CertView {
    /// Reads a DER certificate (at most [`MAX_CERT_LEN`] bytes, nothing after it).
    pub fn parse(der: &[u8]) -> Result<CertView, CertError> {
        if der.len() > MAX_CERT_LEN {
            return Err(CertError::TooLarge {
                len: der.len(),
                max: MAX_CERT_LEN,
            });
        }
        let (rest, x509) =
            X509Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Malformed(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        Ok(CertView::of(der, &x509))
    }

    /// The view of a certificate already parsed from `der`.
    pub(crate) fn of(der: &[u8], x509: &X509Certificate<'_>) -> CertView {
        let subject = x509.subject();
        CertView {
            der: der.to_vec(),
            subject: subject.to_string(),
            issuer: x509.issuer().to_string(),
            serial: hex::encode(strip_zeros(x509.raw_serial())),
            uscc: crate::name::uscc_of(subject),
            organisation: subject
                .iter_organization()
                .find_map(|a| a.as_str().ok().map(str::to_owned)),
            common_name: subject
                .iter_common_name()
                .find_map(|a| a.as_str().ok().map(str::to_owned)),
            policies: policies_of(x509),
            is_ca: x509
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca),
            self_issued: subject.as_raw() == x509.issuer().as_raw(),
            key: PublicKey::from_spki_der(x509.public_key().raw).ok(),
            not_before: to_time(x509.validity().not_before),
            not_after: to_time(x509.validity().not_after),
        }
    }

    /// The name to show: the organisation, else the common name.
    pub fn display_name(&self) -> Option<&str> {
        self.organisation.as_deref().or(self.common_name.as_deref())
    }

    /// The key's id, when the key is one zhengku uses.
    pub fn key_id(&self) -> Option<KeyId> {
        self.key.as_ref().map(PublicKey::key_id)
    }

    /// Whether this certificate certifies `key` (the same public key).
    pub fn certifies(&self, key: &PublicKey) -> bool {
        self.key
            .as_ref()
            .is_some_and(|k| k.key_id() == key.key_id())
    }

    /// Whether the certificate carries the policy zhengku's profiles give `purpose`
    /// ([`Purpose::policy`]); for purposes without one, true.
    pub fn has_role(&self, purpose: Purpose) -> bool {
        purpose
            .policy()
            .is_none_or(|p| self.policies.iter().any(|q| q == p))
    }

    /// The roles (purposes) this certificate's policies name, in a fixed order.
    pub fn roles(&self) -> Vec<Purpose> {
        [
            Purpose::LicenceSigning,
            Purpose::SealMaking,
            Purpose::SealStamping,
            Purpose::StatusSigning,
            Purpose::ListSigning,
        ]
        .into_iter()
        .filter(|p| self.has_role(*p))
        .collect()
    }

    /// Whether `t` lies within the validity period.
    pub fn valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }
}

pub(crate) fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn garbage_and_oversize_input_are_errors() {
        assert!(matches!(
            CertView::parse(b"not a certificate"),
            Err(CertError::Malformed(_))
        ));
        assert!(matches!(
            CertView::parse(&vec![0x30; MAX_CERT_LEN + 1]),
            Err(CertError::TooLarge { .. })
        ));
    }
}
