//! Certificate-path validation: the one function every verification in zhengku uses to
//! decide whether a signer's certificate is trustworthy at a given time.
//!
//! [`validate`] is a pure function of explicit inputs — the end-entity certificate, candidate
//! intermediates, trust anchors, CRLs, the time to validate at and the intended purpose —
//! and returns a [`VerifiedPath`] or one precise [`ValidationError`] (rustls-webpki's shape).
//! Nothing reads the clock: auditors re-validate old licences at the time they were signed.
//!
//! # What is checked
//! - a path from the end-entity certificate to a trust anchor, found by name (and key
//!   identifier, when both sides carry one), every signature on it verified (SM2-with-SM3 with
//!   the GM/T 0009 default ID, or ECDSA-with-SHA256; anything else is refused);
//! - every certificate, the anchor included, valid at the given time;
//! - every issuer a CA (basicConstraints cA), allowed to sign certificates (keyUsage
//!   keyCertSign when keyUsage is present), and within its pathLenConstraint;
//! - the end-entity certificate fit for the purpose: keyUsage digitalSignature (or
//!   nonRepudiation) for document signing, digitalSignature for servers; an extendedKeyUsage,
//!   when present, containing documentSigning / serverAuth (or anyExtendedKeyUsage);
//! - no critical extension this code does not understand;
//! - the end-entity certificate's role: for the three document purposes, the
//!   certificate-policy OID zhengku's profiles write for that purpose ([`Purpose::policy`]).
//!   A department's licence-signing certificate cannot make seals or stamp, and a seal
//!   certificate cannot sign licences, however the rest of the certificate reads;
//! - revocation, judged at [`ValidationInput::revocation_at`] (the verification time), not
//!   at the validity time: a time a signer claims for its signature never takes a revoked
//!   certificate back to before its revocation. Of the CRLs from a certificate's issuer whose
//!   signature verifies under the issuer's key and that are current at that time
//!   (thisUpdate ≤ t ≤ nextUpdate), the newest (latest thisUpdate) is consulted; the
//!   certificate is revoked if its serial is listed with a revocation date at or before that
//!   time. With [`Revocation::Required`] a missing or stale CRL is
//!   [`ValidationError::CrlUnavailable`], an indeterminate answer
//!   ([`ValidationError::is_indeterminate`]), never a pass; with
//!   [`Revocation::IfAvailable`] only a present, current CRL is consulted.
//!
//! # Bounded work
//! A hostile set of intermediates (say, a hundred certificates with the same name) cannot
//! make validation spin: at most [`MAX_SIGNATURE_CHECKS`] signature verifications and
//! [`MAX_PATH_DEPTH`] certificates in a path, and inputs over [`MAX_CERT_LEN`] /
//! [`MAX_CRL_LEN`] are refused before parsing.

use std::cell::Cell;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;
use zhengku_crypto::{Algorithm, PublicKey, Signature, SignatureVerifier};
use zhengku_model::codes::Uscc;

use crate::cert::{policies_of, strip_zeros, to_time};
use crate::oids;

/// Largest certificate accepted.
pub const MAX_CERT_LEN: usize = 64 * 1024;
/// Largest CRL accepted.
pub const MAX_CRL_LEN: usize = 16 * 1024 * 1024;
/// Most certificates in a path, end entity and anchor included.
pub const MAX_PATH_DEPTH: usize = 6;
/// Most signature verifications one validation may do while building paths.
pub const MAX_SIGNATURE_CHECKS: u32 = 64;

/// What the end-entity certificate is to be used for.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing licences (a department's certificate).
    LicenceSigning,
    /// Making seals (a seal maker's certificate).
    SealMaking,
    /// Stamping with a seal (a seal holder's certificate).
    SealStamping,
    /// Signing status lists (a library's status signer).
    StatusSigning,
    /// Signing a region's trust list and signer list.
    ListSigning,
    /// TLS server.
    ServerAuth,
}

impl Purpose {
    fn is_document(self) -> bool {
        !matches!(self, Purpose::ServerAuth)
    }

    /// The certificate-policy OID (dotted) an end-entity certificate must carry for this
    /// purpose ([`crate::oids`]); `None` for TLS servers, which are judged by EKU alone.
    pub fn policy(self) -> Option<&'static str> {
        match self {
            Purpose::LicenceSigning => Some(oids::POLICY_LICENCE_SIGNING),
            Purpose::SealMaking => Some(oids::POLICY_SEAL_MAKING),
            Purpose::SealStamping => Some(oids::POLICY_SEAL_STAMPING),
            Purpose::StatusSigning => Some(oids::POLICY_STATUS_SIGNING),
            Purpose::ListSigning => Some(oids::POLICY_LIST_SIGNING),
            Purpose::ServerAuth => None,
        }
    }

    /// The role in words, English and Chinese, for reports.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Purpose::LicenceSigning => ("licence signing", "电子证照签发"),
            Purpose::SealMaking => ("seal making", "电子印章制作"),
            Purpose::SealStamping => ("seal stamping", "电子签章"),
            Purpose::StatusSigning => ("status-list signing", "状态列表签发"),
            Purpose::ListSigning => ("trust-list signing", "信任列表签发"),
            Purpose::ServerAuth => ("TLS server", "TLS 服务器"),
        }
    }
}

/// How revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Every certificate below the anchor needs a current CRL from its issuer.
    Required,
    /// Present, current CRLs are consulted; missing ones are not an error.
    IfAvailable,
}

/// Everything validation looks at.
#[derive(Debug, Clone, Copy)]
pub struct ValidationInput<'a> {
    /// The certificate to validate, DER.
    pub end_entity: &'a [u8],
    /// Certificates that may complete the path (order does not matter), DER.
    pub intermediates: &'a [Vec<u8>],
    /// Trusted certificates (roots, or any CA an operator trusts directly), DER.
    pub anchors: &'a [Vec<u8>],
    /// CRLs, DER.
    pub crls: &'a [Vec<u8>],
    /// The time the certificates must be within their validity periods at.
    pub time: OffsetDateTime,
    /// The time revocation is judged at: the verification time ("now"). CRLs must be
    /// current at this time, and a revocation dated at or before it counts, whatever
    /// `time` is.
    pub revocation_at: OffsetDateTime,
    /// What the end-entity key is to be used for.
    pub purpose: Purpose,
    /// How revocation is checked.
    pub revocation: Revocation,
    /// Who checks the certificates' and CRLs' signatures: `&zhengku_crypto::Direct`, or a
    /// verifier's prepared keys (CA keys sign every certificate and CRL of their path).
    pub signatures: &'a dyn SignatureVerifier,
}

/// One certificate of a verified path, as a verifier reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCert {
    /// Subject, RFC 4514-style.
    pub subject: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Validity start.
    pub not_before: OffsetDateTime,
    /// Validity end.
    pub not_after: OffsetDateTime,
}

/// Proof that a certificate validated: the path and what a caller needs from it.
#[derive(Debug, Clone)]
pub struct VerifiedPath {
    /// End entity first, trust anchor last.
    pub chain: Vec<PathCert>,
    /// The end-entity certificate's public key (SM2 ID: the default).
    pub public_key: PublicKey,
    /// The end entity's unified social credit code, when its subject carries one.
    pub uscc: Option<Uscc>,
    /// The end entity's organisation (O) or, failing that, common name (CN).
    pub holder_name: Option<String>,
    /// Certificate policies of the end-entity certificate, dotted.
    pub policies: Vec<String>,
    /// How many CRLs were consulted.
    pub crls_checked: usize,
    /// When every certificate of the path is valid: the latest notBefore and the earliest
    /// notAfter along it. A signature time inside this window (and attested by something
    /// other than the signer) is one the whole path was valid at.
    pub window: (OffsetDateTime, OffsetDateTime),
}

impl VerifiedPath {
    /// One line for reports: how long the path is, where it ends, how many CRLs were read.
    pub fn describe(&self) -> String {
        format!(
            "{} certificate(s) to {}, {} CRL(s) consulted",
            self.chain.len(),
            self.chain.last().map_or("(anchor)", |c| c.subject.as_str()),
            self.crls_checked
        )
    }
}

/// Why a certificate did not validate.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// An input is too large.
    #[error("{what} is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A certificate or CRL cannot be parsed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which input.
        what: String,
        /// Why.
        detail: String,
    },
    /// A signature algorithm zhengku does not accept.
    #[error("{subject}: unsupported signature algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Certificate subject.
        subject: String,
        /// Algorithm OID.
        oid: String,
    },
    /// Not valid yet at the validation time.
    #[error("{subject}: not valid before {not_before} (validating at {time})")]
    NotYetValid {
        /// Certificate subject.
        subject: String,
        /// Start of validity.
        not_before: OffsetDateTime,
        /// The validation time.
        time: OffsetDateTime,
    },
    /// Expired at the validation time.
    #[error("{subject}: expired at {not_after} (validating at {time})")]
    Expired {
        /// Certificate subject.
        subject: String,
        /// End of validity.
        not_after: OffsetDateTime,
        /// The validation time.
        time: OffsetDateTime,
    },
    /// No issuer among the intermediates and anchors has a key that verifies the signature.
    #[error(
        "{subject}: no path to a trust anchor (issuer {issuer} not found or its signature does not verify)"
    )]
    UnknownIssuer {
        /// Certificate subject.
        subject: String,
        /// The issuer it names.
        issuer: String,
    },
    /// The certificate names an issuer that exists, but that issuer's key does not verify
    /// its signature (a changed certificate, or a forged one).
    #[error("{subject}: signature does not verify under the key of its issuer {issuer}")]
    BadSignature {
        /// Certificate subject.
        subject: String,
        /// The issuer whose key was tried.
        issuer: String,
    },
    /// An issuing certificate is not a CA.
    #[error("{subject}: is not a CA certificate but issued {child}")]
    NotCa {
        /// The would-be CA.
        subject: String,
        /// What it signed.
        child: String,
    },
    /// A CA's keyUsage does not allow certificate signing.
    #[error("{subject}: keyUsage does not allow keyCertSign")]
    CaKeyUsage {
        /// The CA.
        subject: String,
    },
    /// A CA's pathLenConstraint is exceeded.
    #[error(
        "{subject}: pathLenConstraint {path_len} allows fewer CAs below it than the path has ({below})"
    )]
    PathLenExceeded {
        /// The CA.
        subject: String,
        /// Its constraint.
        path_len: u32,
        /// CAs below it in the path.
        below: u32,
    },
    /// The end-entity certificate is not for this purpose.
    #[error("{subject}: not usable for {purpose:?}: {detail}")]
    WrongPurpose {
        /// Certificate subject.
        subject: String,
        /// The purpose asked for.
        purpose: Purpose,
        /// What is missing.
        detail: String,
    },
    /// A critical extension this validator does not process.
    #[error("{subject}: unsupported critical extension {oid}")]
    UnknownCriticalExtension {
        /// Certificate subject.
        subject: String,
        /// Extension OID.
        oid: String,
    },
    /// Revoked.
    #[error("{subject}: revoked at {at} (serial {serial}, reason {reason})")]
    Revoked {
        /// Certificate subject.
        subject: String,
        /// Serial, hex.
        serial: String,
        /// Revocation date.
        at: OffsetDateTime,
        /// Reason code, as text.
        reason: String,
    },
    /// No current CRL from this issuer, and revocation checking is required.
    #[error(
        "no current CRL from {issuer} covering {time} (revocation checking is required, so the \
         certificate's revocation status is unknown)"
    )]
    CrlUnavailable {
        /// The issuer.
        issuer: String,
        /// The validation time.
        time: OffsetDateTime,
    },
    /// Too much work: a hostile or broken set of certificates.
    #[error("gave up after {checks} signature checks without finding a path")]
    BudgetExceeded {
        /// Checks done.
        checks: u32,
    },
}

impl ValidationError {
    /// True when the answer is "could not tell" rather than "no": revocation status unknown
    /// (no current CRL while required) or the work budget spent. Verification reports these
    /// as unverifiable (无法核验), never as passed, and not as a forgery either.
    pub fn is_indeterminate(&self) -> bool {
        matches!(
            self,
            ValidationError::CrlUnavailable { .. } | ValidationError::BudgetExceeded { .. }
        )
    }
}

type Result<T> = core::result::Result<T, ValidationError>;

/// A parsed certificate with the facts validation needs.
struct Cert<'a> {
    x509: X509Certificate<'a>,
    subject: String,
}

fn parse_cert<'a>(der: &'a [u8], what: &str) -> Result<Cert<'a>> {
    if der.len() > MAX_CERT_LEN {
        return Err(ValidationError::TooLarge {
            what: "certificate",
            len: der.len(),
            max: MAX_CERT_LEN,
        });
    }
    let (rest, x509) = X509Certificate::from_der(der).map_err(|e| ValidationError::Malformed {
        what: what.to_owned(),
        detail: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(ValidationError::Malformed {
            what: what.to_owned(),
            detail: format!("{} bytes after the certificate", rest.len()),
        });
    }
    let subject = x509.subject().to_string();
    Ok(Cert { x509, subject })
}

/// Validates `input.end_entity` (see the module docs for every check).
pub fn validate(input: &ValidationInput<'_>) -> Result<VerifiedPath> {
    let ee = parse_cert(input.end_entity, "end-entity certificate")?;
    let intermediates = input
        .intermediates
        .iter()
        .enumerate()
        .map(|(i, d)| parse_cert(d, &format!("intermediate certificate #{}", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    let anchors = input
        .anchors
        .iter()
        .enumerate()
        .map(|(i, d)| parse_cert(d, &format!("trust anchor #{}", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    for crl in input.crls {
        if crl.len() > MAX_CRL_LEN {
            return Err(ValidationError::TooLarge {
                what: "CRL",
                len: crl.len(),
                max: MAX_CRL_LEN,
            });
        }
    }

    check_time(&ee, input.time)?;
    check_extensions(&ee)?;
    check_purpose(&ee, input.purpose)?;

    let budget = Cell::new(0u32);
    let mut path: Vec<&Cert<'_>> = vec![&ee];
    build(&mut path, &intermediates, &anchors, input, &budget)?;

    let crls_checked = check_revocation(&path, input)?;

    let public_key = PublicKey::from_spki_der(ee.x509.public_key().raw).map_err(|e| {
        ValidationError::Malformed {
            what: "end-entity public key".into(),
            detail: e.to_string(),
        }
    })?;
    let holder_name = ee
        .x509
        .subject()
        .iter_organization()
        .chain(ee.x509.subject().iter_common_name())
        .find_map(|a| a.as_str().ok().map(str::to_owned));
    let policies = policies_of(&ee.x509);
    let chain: Vec<PathCert> = path.iter().map(|c| summary(c)).collect();
    let window = (
        chain
            .iter()
            .map(|c| c.not_before)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        chain
            .iter()
            .map(|c| c.not_after)
            .min()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    );
    Ok(VerifiedPath {
        chain,
        window,
        public_key,
        uscc: crate::name::uscc_of(ee.x509.subject()),
        holder_name,
        policies,
        crls_checked,
    })
}

fn summary(c: &Cert<'_>) -> PathCert {
    PathCert {
        subject: c.subject.clone(),
        serial: hex::encode(c.x509.raw_serial()),
        not_before: to_time(c.x509.validity().not_before),
        not_after: to_time(c.x509.validity().not_after),
    }
}

/// Depth-first path building from the last certificate of `path` to an anchor.
fn build<'c>(
    path: &mut Vec<&'c Cert<'c>>,
    intermediates: &'c [Cert<'c>],
    anchors: &'c [Cert<'c>],
    input: &ValidationInput<'_>,
    budget: &Cell<u32>,
) -> Result<()> {
    let child = *path.last().ok_or_else(|| ValidationError::Malformed {
        what: "path".into(),
        detail: "empty".into(),
    })?;
    // Anchors first: the shortest path wins.
    let mut first_error = None;
    for (is_anchor, candidate) in anchors
        .iter()
        .map(|a| (true, a))
        .chain(intermediates.iter().map(|i| (false, i)))
    {
        if !names_issuer(candidate, child) || path.iter().any(|p| std::ptr::eq(*p, candidate)) {
            continue;
        }
        if budget.get() >= MAX_SIGNATURE_CHECKS {
            return Err(ValidationError::BudgetExceeded {
                checks: budget.get(),
            });
        }
        budget.set(budget.get() + 1);
        if let Err(e) = verify_signed_by(child, candidate, input.signatures) {
            // Remember it, but keep looking: another certificate with the same name (a
            // renewed CA) may be the real issuer.
            first_error.get_or_insert(match e {
                ValidationError::UnsupportedAlgorithm { .. } => e,
                _ => ValidationError::BadSignature {
                    subject: child.subject.clone(),
                    issuer: candidate.subject.clone(),
                },
            });
            continue;
        }
        // The signature is right; now the issuer must be allowed to issue.
        let attempt = (|| {
            check_ca(candidate, child, path.len() as u32 - 1)?;
            check_time(candidate, input.time)?;
            check_extensions(candidate)?;
            if is_anchor {
                return Ok(());
            }
            if path.len() + 1 >= MAX_PATH_DEPTH {
                return Err(ValidationError::UnknownIssuer {
                    subject: candidate.subject.clone(),
                    issuer: candidate.x509.issuer().to_string(),
                });
            }
            path.push(candidate);
            let r = build(path, intermediates, anchors, input, budget);
            if r.is_err() {
                path.pop();
            }
            r
        })();
        match attempt {
            Ok(()) => {
                if is_anchor {
                    path.push(candidate);
                }
                return Ok(());
            }
            Err(e @ ValidationError::BudgetExceeded { .. }) => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(
        first_error.unwrap_or_else(|| ValidationError::UnknownIssuer {
            subject: child.subject.clone(),
            issuer: child.x509.issuer().to_string(),
        }),
    )
}

/// Whether `issuer`'s subject is `child`'s issuer name and, when both carry key
/// identifiers, the identifiers agree (a cheap filter before any signature check).
fn names_issuer(issuer: &Cert<'_>, child: &Cert<'_>) -> bool {
    if issuer.x509.subject().as_raw() != child.x509.issuer().as_raw() {
        return false;
    }
    let aki = child
        .x509
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        });
    let ski = issuer
        .x509
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        });
    match (aki, ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// The algorithm an X.509 signature algorithm OID names, if zhengku accepts it.
fn signature_algorithm(oid: &str) -> Option<Algorithm> {
    if oid == oids::SM2_WITH_SM3.to_string() {
        Some(Algorithm::Sm2Sm3)
    } else if oid == oids::ECDSA_WITH_SHA256.to_string() {
        Some(Algorithm::EcdsaP256Sha256)
    } else {
        None
    }
}

/// Verifies a signature made by `issuer_spki` over `tbs`.
pub(crate) fn verify_signature(
    subject: &str,
    alg_oid: &str,
    tbs: &[u8],
    signature: &[u8],
    issuer_spki: &[u8],
    signatures: &dyn SignatureVerifier,
) -> Result<()> {
    let alg =
        signature_algorithm(alg_oid).ok_or_else(|| ValidationError::UnsupportedAlgorithm {
            subject: subject.to_owned(),
            oid: alg_oid.to_owned(),
        })?;
    let bad = || ValidationError::UnknownIssuer {
        subject: subject.to_owned(),
        issuer: "(signature does not verify)".to_owned(),
    };
    let key = PublicKey::from_spki_der(issuer_spki).map_err(|_| bad())?;
    let sig = Signature::from_der(alg, signature).map_err(|_| bad())?;
    signatures.verify_issued(&key, tbs, &sig).map_err(|_| bad())
}

fn verify_signed_by(
    child: &Cert<'_>,
    issuer: &Cert<'_>,
    signatures: &dyn SignatureVerifier,
) -> Result<()> {
    verify_signature(
        &child.subject,
        &child.x509.signature_algorithm.algorithm.to_id_string(),
        child.x509.tbs_certificate.as_ref(),
        &child.x509.signature_value.data,
        issuer.x509.public_key().raw,
        signatures,
    )
}

fn check_time(c: &Cert<'_>, time: OffsetDateTime) -> Result<()> {
    let not_before = to_time(c.x509.validity().not_before);
    let not_after = to_time(c.x509.validity().not_after);
    if time < not_before {
        return Err(ValidationError::NotYetValid {
            subject: c.subject.clone(),
            not_before,
            time,
        });
    }
    if time > not_after {
        return Err(ValidationError::Expired {
            subject: c.subject.clone(),
            not_after,
            time,
        });
    }
    Ok(())
}

fn check_extensions(c: &Cert<'_>) -> Result<()> {
    for e in c.x509.extensions() {
        let understood = matches!(
            e.parsed_extension(),
            ParsedExtension::BasicConstraints(_)
                | ParsedExtension::KeyUsage(_)
                | ParsedExtension::ExtendedKeyUsage(_)
                | ParsedExtension::SubjectAlternativeName(_)
                | ParsedExtension::CertificatePolicies(_)
                | ParsedExtension::SubjectKeyIdentifier(_)
                | ParsedExtension::AuthorityKeyIdentifier(_)
        );
        if e.critical && !understood {
            return Err(ValidationError::UnknownCriticalExtension {
                subject: c.subject.clone(),
                oid: e.oid.to_id_string(),
            });
        }
        if let ParsedExtension::ParseError { error } = e.parsed_extension() {
            return Err(ValidationError::Malformed {
                what: format!("extension {} of {}", e.oid.to_id_string(), c.subject),
                detail: error.to_string(),
            });
        }
    }
    Ok(())
}

/// `ca` may issue `child`, with `below` CA certificates under it in the path.
fn check_ca(ca: &Cert<'_>, child: &Cert<'_>, below: u32) -> Result<()> {
    let bc = ca
        .x509
        .basic_constraints()
        .map_err(|e| ValidationError::Malformed {
            what: format!("basicConstraints of {}", ca.subject),
            detail: e.to_string(),
        })?;
    let Some(bc) = bc.filter(|b| b.value.ca) else {
        return Err(ValidationError::NotCa {
            subject: ca.subject.clone(),
            child: child.subject.clone(),
        });
    };
    if let Some(path_len) = bc.value.path_len_constraint {
        if below > path_len {
            return Err(ValidationError::PathLenExceeded {
                subject: ca.subject.clone(),
                path_len,
                below,
            });
        }
    }
    if let Ok(Some(ku)) = ca.x509.key_usage() {
        if !ku.value.key_cert_sign() {
            return Err(ValidationError::CaKeyUsage {
                subject: ca.subject.clone(),
            });
        }
    }
    Ok(())
}

fn check_purpose(ee: &Cert<'_>, purpose: Purpose) -> Result<()> {
    let wrong = |detail: &str| ValidationError::WrongPurpose {
        subject: ee.subject.clone(),
        purpose,
        detail: detail.to_owned(),
    };
    if let Ok(Some(bc)) = ee.x509.basic_constraints() {
        if bc.value.ca {
            return Err(wrong("it is a CA certificate"));
        }
    }
    if let Ok(Some(ku)) = ee.x509.key_usage() {
        let ok = if purpose.is_document() {
            ku.value.digital_signature() || ku.value.non_repudiation()
        } else {
            ku.value.digital_signature()
        };
        if !ok {
            return Err(wrong(
                "keyUsage has neither digitalSignature nor nonRepudiation",
            ));
        }
    }
    if let Some(policy) = purpose.policy() {
        let policies = policies_of(&ee.x509);
        if !policies.iter().any(|p| p == policy) {
            let (role, _) = purpose.describe();
            return Err(wrong(&format!(
                "certificatePolicies lacks the {role} policy {policy} (the certificate's \
                 policies: {})",
                if policies.is_empty() {
                    "none".to_owned()
                } else {
                    policies.join(", ")
                }
            )));
        }
    }
    if let Ok(Some(eku)) = ee.x509.extended_key_usage() {
        let eku = eku.value;
        let ok = eku.any
            || if purpose.is_document() {
                eku.other
                    .iter()
                    .any(|o| o.to_id_string() == oids::EKU_DOCUMENT_SIGNING.to_string())
            } else {
                eku.server_auth
            };
        if !ok {
            return Err(wrong(if purpose.is_document() {
                "extendedKeyUsage lacks documentSigning (1.3.6.1.5.5.7.3.36)"
            } else {
                "extendedKeyUsage lacks serverAuth"
            }));
        }
    }
    Ok(())
}

/// Checks every certificate below the anchor against its issuer's CRLs; returns how many
/// CRLs were consulted.
fn check_revocation(path: &[&Cert<'_>], input: &ValidationInput<'_>) -> Result<usize> {
    let crls = input
        .crls
        .iter()
        .enumerate()
        .map(|(i, der)| {
            let (rest, crl) = CertificateRevocationList::from_der(der).map_err(|e| {
                ValidationError::Malformed {
                    what: format!("CRL #{}", i + 1),
                    detail: e.to_string(),
                }
            })?;
            if !rest.is_empty() {
                return Err(ValidationError::Malformed {
                    what: format!("CRL #{}", i + 1),
                    detail: format!("{} bytes after the CRL", rest.len()),
                });
            }
            Ok(crl)
        })
        .collect::<Result<Vec<_>>>()?;
    let t = input.revocation_at;
    let mut consulted = 0;
    for pair in path.windows(2) {
        let (cert, issuer) = (pair[0], pair[1]);
        // A CRL counts only if its issuer is this certificate's issuer, its signature
        // verifies under the issuer's key, and it is current at the revocation time; of
        // those, the newest is the one that speaks (an older CRL may predate a revocation).
        let newest = crls
            .iter()
            .filter(|crl| {
                crl.issuer().as_raw() == issuer.x509.subject().as_raw()
                    && to_time(crl.last_update()) <= t
                    && crl.next_update().is_some_and(|n| t <= to_time(n))
                    && verify_signature(
                        &format!("CRL of {}", issuer.subject),
                        &crl.signature_algorithm.algorithm.to_id_string(),
                        crl.tbs_cert_list.as_ref(),
                        &crl.signature_value.data,
                        issuer.x509.public_key().raw,
                        input.signatures,
                    )
                    .is_ok()
            })
            .max_by_key(|crl| to_time(crl.last_update()));
        let Some(crl) = newest else {
            if input.revocation == Revocation::Required {
                return Err(ValidationError::CrlUnavailable {
                    issuer: issuer.subject.clone(),
                    time: t,
                });
            }
            continue;
        };
        consulted += 1;
        let serial = cert.x509.raw_serial();
        if let Some(entry) = crl
            .iter_revoked_certificates()
            .find(|r| strip_zeros(r.raw_serial()) == strip_zeros(serial))
        {
            let at = to_time(entry.revocation_date);
            if at <= t {
                return Err(ValidationError::Revoked {
                    subject: cert.subject.clone(),
                    serial: hex::encode(strip_zeros(serial)),
                    at,
                    reason: entry
                        .reason_code()
                        .map_or_else(|| "unspecified".to_owned(), |(_, r)| r.to_string()),
                });
            }
        }
    }
    Ok(consulted)
}
