//! A two-level certificate authority for one algorithm — a root CA (根CA) that certifies
//! one issuing CA (签发CA), which certifies departments, seal makers, seal holders and
//! servers — as `zhengku pki` runs it: the public record it keeps ([`CaRecord`]: the CA
//! keys' labels, CRL numbers, what was issued and revoked) and the steps that change it.
//!
//! Pure, like the rest of the crate: keys come in as [`Signer`]s (a key store's), time as an
//! argument, certificates and CRLs go out as DER. Where the record and the files live is the
//! caller's business (the CLI keeps `<dir>/<alg>/state.json` beside the PEM files).

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, PublicKey, Signer};

use crate::crl::{RevocationReason, Revoked, issue_crl};
use crate::error::IssueError;
use crate::issue::{CertKind, CertificateParams, Issuer, Serial, issue_certificate};
use crate::name::SubjectInfo;

/// How long CRLs stay current unless the record says otherwise (`zhengku pki crl --days`).
pub const DEFAULT_CRL_DAYS: i64 = 30;

/// How long the root CA certificate is valid, years.
pub const ROOT_YEARS: i64 = 20;

/// How long the issuing CA certificate is valid, years.
pub const ISSUING_YEARS: i64 = 10;

/// Why a step of the CA could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Making a certificate or CRL failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// The record holds a value that does not read (a damaged `state.json`).
    #[error("the CA record is damaged: {0}")]
    Record(String),
    /// The serial was not issued by this CA.
    #[error("serial {0} was not issued by this CA")]
    NotIssued(String),
    /// The serial is already revoked.
    #[error("serial {0} is already revoked")]
    AlreadyRevoked(String),
    /// A certificate's key is of another algorithm than the CA's.
    #[error("the key is {key}, but the {ca} CA was chosen")]
    WrongAlgorithm {
        /// The key's algorithm.
        key: Algorithm,
        /// The CA's.
        ca: Algorithm,
    },
}

/// The public record of one algorithm's CAs.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CaRecord {
    /// Key-store label of the root CA's key.
    pub root_label: String,
    /// Key-store label of the issuing CA's key.
    pub issuing_label: String,
    /// Base URL the CRLs are published under (`<url>/<alg>/<ca>.crl`).
    pub crl_base_url: String,
    /// CRL number the root used last.
    pub root_crl_number: u64,
    /// CRL number the issuing CA used last.
    pub issuing_crl_number: u64,
    /// Every end-entity certificate issued.
    pub issued: Vec<IssuedEntry>,
    /// Every one revoked.
    pub revoked: Vec<RevokedEntry>,
    /// How long each published CRL is current (nextUpdate − thisUpdate), days; absent:
    /// [`DEFAULT_CRL_DAYS`]. Set by `pki crl --days` and kept for later revocations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl_days: Option<i64>,
}

/// A certificate the issuing CA made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedEntry {
    /// Serial, hex.
    pub serial: String,
    /// What it is for (`department`, `sealmaker`, `seal`, `server`).
    pub kind: String,
    /// The subject's name.
    pub subject: String,
    /// The key's label, when the key was made in the key store.
    pub key_label: Option<String>,
    /// End of validity, RFC 3339.
    pub not_after: String,
}

/// A certificate revoked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokedEntry {
    /// Serial, hex.
    pub serial: String,
    /// When, RFC 3339.
    pub at: String,
    /// Why ([`RevocationReason::name`]).
    pub reason: String,
}

/// The root and issuing CA certificates, DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPair {
    /// The root CA's self-signed certificate.
    pub root: Vec<u8>,
    /// The issuing CA's certificate, by the root.
    pub issuing: Vec<u8>,
}

/// Makes the root and issuing CA certificates of a new hierarchy for `organisation`
/// (subjects `<organisation> SM2 根CA` / `签发CA`, or P-256), valid from five minutes before
/// `now` for [`ROOT_YEARS`] / [`ISSUING_YEARS`]; the issuing CA names the root's CRL.
pub fn make_pair(
    alg: Algorithm,
    organisation: &str,
    crl_base_url: &str,
    root_key: &dyn Signer,
    issuing_key: &dyn Signer,
    now: OffsetDateTime,
) -> Result<CaPair, CaError> {
    let alg_name = match alg {
        Algorithm::Sm2Sm3 => "SM2",
        _ => "P-256",
    };
    let ca_params = |kind, role: &str, years: i64, crl_url| -> Result<CertificateParams, CaError> {
        let mut subject = SubjectInfo::named(format!("{organisation} {alg_name} {role}"));
        subject.organisation = Some(organisation.to_owned());
        Ok(CertificateParams {
            kind,
            subject,
            serial: Serial::random()?,
            not_before: now - Duration::minutes(5),
            not_after: now + Duration::days(365 * years),
            crl_url,
        })
    };
    let root_crl = crl_url(crl_base_url, alg, "root");
    let root = issue_certificate(
        &Issuer::SelfSigned(root_key),
        root_key.public_key(),
        &ca_params(CertKind::RootCa, "根CA", ROOT_YEARS, None)?,
    )?;
    let issuing = issue_certificate(
        &Issuer::Ca {
            certificate: &root,
            signer: root_key,
        },
        issuing_key.public_key(),
        &ca_params(CertKind::IssuingCa, "签发CA", ISSUING_YEARS, Some(root_crl))?,
    )?;
    Ok(CaPair { root, issuing })
}

/// Where a CA's CRL is published: `<base>/<alg>/<ca>.crl`.
pub fn crl_url(base: &str, alg: Algorithm, ca: &str) -> String {
    format!(
        "{}/{}/{ca}.crl",
        base.trim_end_matches('/'),
        alg.short_name()
    )
}

impl CaRecord {
    /// A new record for CA keys under these labels; no CRL published yet.
    pub fn new(root_label: String, issuing_label: String, crl_base_url: &str) -> CaRecord {
        CaRecord {
            root_label,
            issuing_label,
            crl_base_url: crl_base_url.trim_end_matches('/').to_owned(),
            ..CaRecord::default()
        }
    }

    /// How long each CRL is current, days.
    pub fn crl_days(&self) -> i64 {
        self.crl_days.unwrap_or(DEFAULT_CRL_DAYS)
    }

    /// Fresh CRLs from both CAs with the next CRL numbers, current from `now` for
    /// [`Self::crl_days`]: the root's (empty: only end entities are revoked here) and the
    /// issuing CA's (every revoked serial).
    pub fn publish_crls(
        &mut self,
        pair: &CaPair,
        root_key: &dyn Signer,
        issuing_key: &dyn Signer,
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, Vec<u8>), CaError> {
        let next = now + Duration::days(self.crl_days());
        let revoked = self
            .revoked
            .iter()
            .map(|r| -> Result<Revoked, CaError> {
                Ok(Revoked {
                    serial: r.serial.parse()?,
                    at: OffsetDateTime::parse(&r.at, &Rfc3339)
                        .map_err(|e| CaError::Record(format!("revoked {}: {e}", r.serial)))?,
                    reason: RevocationReason::parse(&r.reason)
                        .ok_or_else(|| CaError::Record(format!("unknown reason {}", r.reason)))?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.root_crl_number += 1;
        self.issuing_crl_number += 1;
        let root_crl = issue_crl(&pair.root, root_key, self.root_crl_number, now, next, &[])?;
        let issuing_crl = issue_crl(
            &pair.issuing,
            issuing_key,
            self.issuing_crl_number,
            now,
            next,
            &revoked,
        )?;
        Ok((root_crl, issuing_crl))
    }

    /// Issues an end-entity certificate for `public` from the issuing CA, valid from five
    /// minutes before `now` for `days`, naming the issuing CA's CRL; records it.
    #[allow(clippy::too_many_arguments)] // each is a separate fact of the certificate
    pub fn issue(
        &mut self,
        alg: Algorithm,
        pair: &CaPair,
        issuing_key: &dyn Signer,
        kind: CertKind,
        (kind_name, subject_name): (&str, &str),
        subject: SubjectInfo,
        public: &PublicKey,
        key_label: Option<&str>,
        days: i64,
        now: OffsetDateTime,
    ) -> Result<(Serial, Vec<u8>), CaError> {
        if public.algorithm() != alg {
            return Err(CaError::WrongAlgorithm {
                key: public.algorithm(),
                ca: alg,
            });
        }
        let params = CertificateParams {
            kind,
            subject,
            serial: Serial::random()?,
            not_before: now - Duration::minutes(5),
            not_after: now + Duration::days(days),
            crl_url: Some(crl_url(&self.crl_base_url, alg, "issuing")),
        };
        let cert = issue_certificate(
            &Issuer::Ca {
                certificate: &pair.issuing,
                signer: issuing_key,
            },
            public,
            &params,
        )?;
        self.issued.push(IssuedEntry {
            serial: params.serial.to_hex(),
            kind: kind_name.to_owned(),
            subject: subject_name.to_owned(),
            key_label: key_label.map(str::to_owned),
            not_after: params
                .not_after
                .format(&Rfc3339)
                .map_err(|e| CaError::Record(e.to_string()))?,
        });
        Ok((params.serial, cert))
    }

    /// Whether this CA issued `serial` (hex).
    pub fn has_issued(&self, serial: &str) -> bool {
        self.issued.iter().any(|e| e.serial == serial)
    }

    /// Records the revocation of `serial` (hex) at `at`; the CRLs are published after.
    pub fn revoke(
        &mut self,
        serial: &str,
        reason: RevocationReason,
        at: OffsetDateTime,
    ) -> Result<(), CaError> {
        if !self.has_issued(serial) {
            return Err(CaError::NotIssued(serial.to_owned()));
        }
        if self.revoked.iter().any(|r| r.serial == serial) {
            return Err(CaError::AlreadyRevoked(serial.to_owned()));
        }
        self.revoked.push(RevokedEntry {
            serial: serial.to_owned(),
            at: at
                .format(&Rfc3339)
                .map_err(|e| CaError::Record(e.to_string()))?,
            reason: reason.name().to_owned(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use zhengku_crypto::PrivateKey;

    use super::*;
    use crate::cert::CertView;

    /// A new hierarchy chains, numbers its CRLs one up each time, and keeps its record of
    /// issued and revoked serials honest.
    #[test]
    fn a_hierarchy_issues_revokes_and_numbers_its_crls() {
        for alg in Algorithm::ALL {
            let (root_key, issuing_key) = (
                PrivateKey::generate(alg).unwrap(),
                PrivateKey::generate(alg).unwrap(),
            );
            let now = OffsetDateTime::now_utc();
            let pair = make_pair(
                alg,
                "测试",
                "http://crl.example/",
                &root_key,
                &issuing_key,
                now,
            )
            .unwrap();
            let issuing = CertView::parse(&pair.issuing).unwrap();
            assert!(issuing.is_ca && !issuing.self_issued);
            let mut record = CaRecord::new("r".into(), "i".into(), "http://crl.example/");
            assert_eq!(record.crl_base_url, "http://crl.example");

            let leaf_key = PrivateKey::generate(alg).unwrap();
            let (serial, _) = record
                .issue(
                    alg,
                    &pair,
                    &issuing_key,
                    CertKind::Server {
                        dns_names: vec!["zk.example".into()],
                        ip_addresses: vec![],
                    },
                    ("server", "zk.example"),
                    SubjectInfo::named("zk.example"),
                    leaf_key.public_key(),
                    None,
                    30,
                    now,
                )
                .unwrap();
            let hex = serial.to_hex();
            assert!(record.has_issued(&hex));
            assert!(matches!(
                record.revoke("01", RevocationReason::KeyCompromise, now),
                Err(CaError::NotIssued(_))
            ));
            record
                .revoke(&hex, RevocationReason::KeyCompromise, now)
                .unwrap();
            assert!(matches!(
                record.revoke(&hex, RevocationReason::KeyCompromise, now),
                Err(CaError::AlreadyRevoked(_))
            ));
            record
                .publish_crls(&pair, &root_key, &issuing_key, now)
                .unwrap();
            record
                .publish_crls(&pair, &root_key, &issuing_key, now)
                .unwrap();
            assert_eq!((record.root_crl_number, record.issuing_crl_number), (2, 2));

            let other = PrivateKey::generate(if alg == Algorithm::Sm2Sm3 {
                Algorithm::EcdsaP256Sha256
            } else {
                Algorithm::Sm2Sm3
            })
            .unwrap();
            assert!(matches!(
                record.issue(
                    alg,
                    &pair,
                    &issuing_key,
                    CertKind::Department,
                    ("department", "x"),
                    SubjectInfo::named("x"),
                    other.public_key(),
                    None,
                    30,
                    now,
                ),
                Err(CaError::WrongAlgorithm { .. })
            ));
        }
    }
}
