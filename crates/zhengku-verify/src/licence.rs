//! Verifying a signed licence record (签名的电子证照数据, `SignedLicence::to_bytes()`), and the
//! licence checks the QR and PDF paths share.
//!
//! The checks, each with a stable id (the same ids in every report, page and JSON):
//!
//! 1. `record_decode`: the bytes are a signed licence (strict canonical CBOR, format 1);
//! 2. `issuer_key`: the key id the record names belongs to one of the departments'
//!    certificates given ([`Context::signers`]);
//! 3. `record_signature`: the signature over the record verifies with that key;
//! 4. `issuer_chain`: that certificate chains to a trust anchor for licence signing, at the
//!    record's issue time and again at the time judged by (a certificate revoked since then
//!    fails; one merely expired since then passes, with a note). Skipped without anchors;
//! 5. `issuer_matches`: the certificate's subject is the issuer the record names (its USCC
//!    in organizationIdentifier / serialNumber, else its organisation name). Skipped when the
//!    certificate names neither;
//! 6. `validity`: the record's validity window contains the judged date (UTC calendar date,
//!    as the library's status endpoint uses), and it was not issued after the judged time;
//! 7. `status`: the live status from [`Context::status`] is valid. Skipped when the source
//!    does not know the licence.
//!
//! Every check runs even after one fails, so a report shows everything wrong at once.
//!
//! # Verdict
//!
//! [`verdict`] applies the one rule every surface shows: any failed check other than
//! `validity` and `status` makes the licence 无效 (Invalid); else a licence past its end date
//! is 已过期 (Expired); else a suspended one 已暂停 (Suspended); a revoked, cancelled or
//! withdrawn one 已撤销 (Revoked); else 有效 (Valid). A licence not yet in force, or dated
//! after the judged time, is Invalid. With no status source the status check is skipped and
//! the verdict can still be Valid: the report says the status is unknown.

use time::{Date, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_crypto::{KeyId, PublicKey};
use zhengku_model::record::HolderCodeType;
use zhengku_model::{LicenceStatus, SignedLicence};
use zhengku_pki::validate::{Purpose, Revocation, ValidationError, ValidationInput, validate};

use crate::context::{Context, LiveStatus, Verdict};
use crate::report::{Check, Outcome, Report};

/// How far an issue time may lie after the judged time (clocks differ).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// Check ids whose failure gives a verdict other than Invalid.
const STANDING_CHECKS: [&str; 2] = ["validity", "status"];

/// What was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A signed licence record (`SignedLicence::to_bytes()`, a `.zkl` file).
    Record,
    /// A QR payload (`ZK1:…`) or a URL carrying one.
    Qr,
    /// A licence PDF with its PAdES signature.
    Pdf,
    /// An electronic seal (`.esl`, SESeal).
    Seal,
    /// An electronic signature (SES_Signature).
    Signature,
}

impl InputKind {
    /// The lowercase name used in JSON (`record`, `qr`, `pdf`, `seal`, `signature`).
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Record => "record",
            InputKind::Qr => "qr",
            InputKind::Pdf => "pdf",
            InputKind::Seal => "seal",
            InputKind::Signature => "signature",
        }
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a licence says about itself, as shown to whoever verifies it. Personal data is
/// masked as on the QR code (张*三, 330106********0047): a verifier sees what the printed
/// licence shows, no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceFacts {
    /// 证照标识 (GB/T 36904).
    pub identifier: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照类型名称 (not in a QR payload).
    pub type_name: Option<String>,
    /// 证照颁发机构代码.
    pub issuer_code: String,
    /// 证照颁发机构 (from the record, or the signer's certificate for a QR payload).
    pub issuer_name: Option<String>,
    /// 持证主体 (masked for persons).
    pub holder_name: String,
    /// 持证主体代码 (masked for citizen IDs).
    pub holder_code: String,
    /// 有效期起始日期.
    pub valid_from: Date,
    /// 有效期截止日期; `None` for 长期.
    pub valid_until: Option<Date>,
    /// When it was issued (signed), Unix seconds.
    pub issued_at: i64,
    /// The live status, when the context's status source knew it.
    pub status: Option<LiveStatus>,
}

/// The result of verifying any licence-related input: every check, the verdict and the
/// licence's facts (when the input got far enough to have any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceReport {
    /// The checks, in order, with the input's other facts (seal, signer, …).
    pub report: Report,
    /// The verdict (see the module docs for the rule).
    pub verdict: Verdict,
    /// What the licence says, when it could be read.
    pub facts: Option<LicenceFacts>,
    /// What was verified.
    pub kind: InputKind,
}

impl LicenceReport {
    /// A report for input that could not be read at all: one failed check, verdict Invalid.
    pub fn unreadable(
        kind: InputKind,
        subject: impl Into<String>,
        check_id: &'static str,
        label: &'static str,
        label_zh: &'static str,
        why: impl Into<String>,
    ) -> LicenceReport {
        LicenceReport {
            report: Report {
                subject: subject.into(),
                facts: Vec::new(),
                checks: vec![check(
                    check_id,
                    label,
                    label_zh,
                    Outcome::Failed(why.into()),
                )],
            },
            verdict: Verdict::Invalid,
            facts: None,
            kind,
        }
    }

    /// Wraps a seal or signature report ([`crate::seal`]): Valid when no check failed.
    pub fn from_seal_report(kind: InputKind, report: Report) -> LicenceReport {
        let verdict = if report.valid() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        LicenceReport {
            report,
            verdict,
            facts: None,
            kind,
        }
    }

    /// True when the status check was skipped: the source did not know the licence.
    pub fn status_unknown(&self) -> bool {
        matches!(self.report.outcome("status"), Some(Outcome::Skipped(_)))
    }
}

/// Verifies a signed licence record (`SignedLicence::to_bytes()`).
pub fn verify_record(signed_bytes: &[u8], ctx: &Context<'_>) -> LicenceReport {
    const SUBJECT: &str = "zhengku signed licence record (SignedLicence)";
    let signed = match SignedLicence::from_bytes(signed_bytes) {
        Ok(s) => s,
        Err(e) => {
            return LicenceReport::unreadable(
                InputKind::Record,
                SUBJECT,
                "record_decode",
                "signed licence record readable",
                "证照数据可读",
                e.to_string(),
            );
        }
    };
    let mut report = Report {
        subject: SUBJECT.to_owned(),
        facts: Vec::new(),
        checks: vec![check(
            "record_decode",
            "signed licence record readable",
            "证照数据可读",
            Outcome::Passed(format!(
                "format 1, {}, key {}",
                signed.algorithm(),
                signed.key_id()
            )),
        )],
    };
    let (verdict, facts) = record_checks(&signed, ctx, &mut report);
    LicenceReport {
        report,
        verdict,
        facts: Some(facts),
        kind: InputKind::Record,
    }
}

/// Appends checks 2–7 (module docs) for a decoded signed licence to `report`, and returns
/// the verdict over the whole report (checks already in it count too) and the licence's
/// facts. The PDF path calls this for the embedded record; a caller that adds more checks
/// afterwards recomputes the verdict with [`verdict`].
pub fn record_checks(
    signed: &SignedLicence,
    ctx: &Context<'_>,
    report: &mut Report,
) -> (Verdict, LicenceFacts) {
    let r = signed.record();
    let kid = signed.key_id();
    let signer = find_signer(ctx, kid);
    report.facts.push(("identifier", r.identifier.to_string()));
    report.facts.push(("signing key", kid.to_string()));

    // 2. The key belongs to a department's certificate.
    report
        .checks
        .push(issuer_key_check(ctx, kid, signer.as_ref()));
    // 3. The signature.
    report.checks.push(check(
        "record_signature",
        "issuer's signature over the record",
        "发证机构签名",
        match &signer {
            Some(s) => match signed.verify(&s.key) {
                Ok(()) => Outcome::Passed(format!("{} by key {kid}", signed.algorithm())),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            None => Outcome::Skipped("no certificate holds the signing key".into()),
        },
    ));
    let issued_at = i64::try_from(r.issued_at.unix_seconds()).unwrap_or(i64::MAX);
    // 4. The certificate's chain.
    report
        .checks
        .push(issuer_chain_check(ctx, signer.as_ref(), issued_at));
    // 5. The certificate is the record's issuer's.
    report.checks.push(issuer_matches_check(
        signer.as_ref(),
        r.issuer_code.as_str(),
        Some(&r.issuer_name),
    ));
    // 6. Dates.
    let (validity, validity_standing) =
        validity_check(r.valid_from, r.valid_until, issued_at, ctx.at);
    report.checks.push(validity);
    // 7. Live status.
    let identifier = r.identifier.to_string();
    let (status_check, live, status_standing) = status_check(ctx, &identifier);
    report.checks.push(status_check);

    let (holder_name, holder_code) = match r.holder_code_type() {
        HolderCodeType::CitizenId => (
            zhengku_qr::mask_person_name(&r.holder_name),
            zhengku_qr::mask_citizen_id(r.holder_code.as_str()),
        ),
        HolderCodeType::Uscc => (r.holder_name.clone(), r.holder_code.as_str().to_owned()),
    };
    let facts = LicenceFacts {
        identifier,
        type_code: r.type_code.as_str().to_owned(),
        type_name: Some(r.type_name.clone()),
        issuer_code: r.issuer_code.as_str().to_owned(),
        issuer_name: Some(r.issuer_name.clone()),
        holder_name,
        holder_code,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        issued_at,
        status: live,
    };
    let standing = worst(validity_standing, status_standing);
    (verdict(report, standing), facts)
}

/// The verdict for `report`, given the `standing` the licence's dates and status earned
/// (Valid, Expired, Suspended, Revoked or Invalid): Invalid when any check other than
/// `validity` and `status` failed, else `standing`.
pub fn verdict(report: &Report, standing: Verdict) -> Verdict {
    let integrity_failed = report
        .checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Failed(_)) && !STANDING_CHECKS.contains(&c.id));
    if integrity_failed {
        Verdict::Invalid
    } else {
        standing
    }
}

/// The more serious of two standings, in the order of the rule: Invalid, Expired,
/// Suspended, Revoked, Valid.
pub(crate) fn worst(a: Verdict, b: Verdict) -> Verdict {
    fn rank(v: Verdict) -> u8 {
        match v {
            Verdict::Invalid => 4,
            Verdict::Expired => 3,
            Verdict::Suspended => 2,
            Verdict::Revoked => 1,
            Verdict::Valid => 0,
        }
    }
    if rank(a) >= rank(b) { a } else { b }
}

pub(crate) fn check(
    id: &'static str,
    label: &'static str,
    label_zh: &'static str,
    outcome: Outcome,
) -> Check {
    Check {
        id,
        label,
        label_zh,
        outcome,
    }
}

/// A department's certificate and the key in it.
pub(crate) struct SignerCert<'a> {
    pub(crate) der: &'a [u8],
    pub(crate) key: PublicKey,
    pub(crate) subject: String,
    pub(crate) names: SubjectNames,
}

/// What a department certificate's subject says about whose it is, read once when the
/// certificate is found (or when a [`Memo`](crate::Memo) is made).
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectNames {
    /// The USCC (organizationIdentifier `NTRCN-…`, or serialNumber).
    pub(crate) uscc: Option<String>,
    /// The organisation (O).
    pub(crate) organisation: Option<String>,
    /// The organisation, else the common name: the name to show.
    pub(crate) display: Option<String>,
}

impl SubjectNames {
    pub(crate) fn of(cert: &X509Certificate<'_>) -> SubjectNames {
        SubjectNames {
            uscc: zhengku_pki::name::uscc_of(cert.subject()).map(|u| u.as_str().to_owned()),
            organisation: cert
                .subject()
                .iter_organization()
                .find_map(|a| a.as_str().ok().map(str::to_owned)),
            display: organisation_of(cert),
        }
    }
}

/// The certificate among `ctx.signers` whose key has id `kid`. Unreadable certificates
/// are passed over (another may be the one).
pub(crate) fn find_signer<'a>(ctx: &Context<'a>, kid: KeyId) -> Option<SignerCert<'a>> {
    if let Some(found) = ctx.memo.and_then(|m| m.signer(ctx.signers, kid)) {
        let s = found?;
        return Some(SignerCert {
            der: ctx.signers.get(s.index)?.as_slice(),
            key: s.key.clone(),
            subject: s.subject.clone(),
            names: s.names.clone(),
        });
    }
    ctx.signers.iter().find_map(|der| {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let key = PublicKey::from_spki_der(cert.public_key().raw).ok()?;
        (key.key_id() == kid).then(|| SignerCert {
            der: der.as_slice(),
            key,
            subject: cert.subject().to_string(),
            names: SubjectNames::of(&cert),
        })
    })
}

pub(crate) fn issuer_key_check(
    ctx: &Context<'_>,
    kid: KeyId,
    signer: Option<&SignerCert<'_>>,
) -> Check {
    check(
        "issuer_key",
        "signing key is a known department's",
        "签名密钥属于已知发证机构",
        match signer {
            Some(s) => Outcome::Passed(format!("key {kid} in the certificate of {}", s.subject)),
            None if ctx.signers.is_empty() => Outcome::Failed(format!(
                "no department certificates were given, so key {kid} cannot be checked \
                 (give a verifier bundle or the department's certificate)"
            )),
            None => Outcome::Failed(format!(
                "key {kid} is in none of the {} department certificate(s) given",
                ctx.signers.len()
            )),
        },
    )
}

fn validate_at(
    ctx: &Context<'_>,
    cert: &[u8],
    at: OffsetDateTime,
) -> Result<String, ValidationError> {
    let input = ValidationInput {
        end_entity: cert,
        intermediates: ctx.trust.intermediates,
        anchors: ctx.trust.anchors,
        crls: ctx.trust.crls,
        time: at,
        purpose: Purpose::LicenceSigning,
        revocation: Revocation::IfAvailable,
    };
    let memo = ctx.memo.filter(|m| m.serves_trust(&ctx.trust));
    if let Some(summary) = memo.and_then(|m| m.chain(cert, at)) {
        return Ok(summary);
    }
    let summary = validate(&input).map(|path| {
        format!(
            "{} certificate(s) to {}, {} CRL(s) consulted",
            path.chain.len(),
            path.chain.last().map_or("(anchor)", |c| c.subject.as_str()),
            path.crls_checked
        )
    })?;
    if let Some(m) = memo {
        m.remember_chain(cert, at, &summary);
    }
    Ok(summary)
}

/// Check 4: the signer's chain at the issue time and at the judged time.
pub(crate) fn issuer_chain_check(
    ctx: &Context<'_>,
    signer: Option<&SignerCert<'_>>,
    issued_at: i64,
) -> Check {
    let label = "issuer's certificate chain";
    let label_zh = "发证机构证书链";
    let Some(s) = signer else {
        return check(
            "issuer_chain",
            label,
            label_zh,
            Outcome::Skipped("no certificate holds the signing key".into()),
        );
    };
    if ctx.trust.anchors.is_empty() {
        return check(
            "issuer_chain",
            label,
            label_zh,
            Outcome::Skipped("no trust anchors given".into()),
        );
    }
    let Ok(signed_at) = OffsetDateTime::from_unix_timestamp(issued_at) else {
        return check(
            "issuer_chain",
            label,
            label_zh,
            Outcome::Failed(format!("issue time {issued_at} is out of range")),
        );
    };
    let when_signed = match validate_at(ctx, s.der, signed_at) {
        Ok(t) => t,
        Err(e) => {
            return check(
                "issuer_chain",
                label,
                label_zh,
                Outcome::Failed(format!("at the issue time: {e}")),
            );
        }
    };
    let outcome = match validate_at(ctx, s.der, ctx.at) {
        Ok(_) => Outcome::Passed(format!("{when_signed}; valid at the issue time and now")),
        // A certificate may run out before the licences it signed: what matters is that it
        // was valid when it signed and has not been revoked since.
        Err(ValidationError::Expired { subject, .. }) => Outcome::Passed(format!(
            "{when_signed}; valid at the issue time ({subject} has expired since)"
        )),
        Err(e) => Outcome::Failed(format!("now: {e}")),
    };
    check("issuer_chain", label, label_zh, outcome)
}

/// The organisation (O) in a certificate's subject, else its common name.
fn organisation_of(cert: &X509Certificate<'_>) -> Option<String> {
    let subject = cert.subject();
    subject
        .iter_organization()
        .chain(subject.iter_common_name())
        .find_map(|a| a.as_str().ok().map(str::to_owned))
}

/// The organisation name in a certificate's subject (O, else CN), for facts.
pub(crate) fn certificate_organisation(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    organisation_of(&cert)
}

/// Check 5: the certificate's subject names the issuer.
pub(crate) fn issuer_matches_check(
    signer: Option<&SignerCert<'_>>,
    issuer_code: &str,
    issuer_name: Option<&str>,
) -> Check {
    let label = "certificate belongs to the issuer named";
    let label_zh = "证书主体与颁发机构一致";
    let Some(s) = signer else {
        return check(
            "issuer_matches",
            label,
            label_zh,
            Outcome::Skipped("no certificate holds the signing key".into()),
        );
    };
    let (uscc, org) = (s.names.uscc.as_deref(), s.names.organisation.as_deref());
    let outcome = match (uscc, org, issuer_name) {
        (Some(u), _, _) if u == issuer_code => {
            Outcome::Passed(format!("the certificate's USCC is {issuer_code}"))
        }
        (Some(u), _, _) => Outcome::Failed(format!(
            "the certificate is {}'s (USCC {}), the licence names issuer {issuer_code}",
            s.subject, u
        )),
        (None, Some(o), Some(name)) if o == name => {
            Outcome::Passed(format!("the certificate's organisation is {name}"))
        }
        (None, Some(o), Some(name)) => Outcome::Failed(format!(
            "the certificate's organisation is {o}, the licence names issuer {name}"
        )),
        _ => Outcome::Skipped("the certificate names no USCC or organisation to compare".into()),
    };
    check("issuer_matches", label, label_zh, outcome)
}

/// Check 6 and the standing it gives.
pub(crate) fn validity_check(
    valid_from: Date,
    valid_until: Option<Date>,
    issued_at: i64,
    at: OffsetDateTime,
) -> (Check, Verdict) {
    let today = at.to_offset(time::UtcOffset::UTC).date();
    let until = valid_until.map_or_else(|| "长期 (no end date)".to_owned(), |d| d.to_string());
    let (outcome, standing) = if issued_at > at.unix_timestamp().saturating_add(CLOCK_SKEW_SECS) {
        (
            Outcome::Failed(format!(
                "issued at {} (Unix {issued_at}), after the time judged by",
                OffsetDateTime::from_unix_timestamp(issued_at)
                    .map_or_else(|_| issued_at.to_string(), |t| t.to_string())
            )),
            Verdict::Invalid,
        )
    } else if today < valid_from {
        (
            Outcome::Failed(format!(
                "not in force until {valid_from} (judged on {today})"
            )),
            Verdict::Invalid,
        )
    } else if valid_until.is_some_and(|u| today > u) {
        (
            Outcome::Failed(format!(
                "expired: valid {valid_from} to {until}, judged on {today}"
            )),
            Verdict::Expired,
        )
    } else {
        (
            Outcome::Passed(format!("{valid_from} to {until}, judged on {today}")),
            Verdict::Valid,
        )
    };
    (
        check(
            "validity",
            "within its validity period",
            "在有效期内",
            outcome,
        ),
        standing,
    )
}

/// Check 7, the status found, and the standing it gives.
pub(crate) fn status_check(
    ctx: &Context<'_>,
    identifier: &str,
) -> (Check, Option<LiveStatus>, Verdict) {
    let live = ctx.status.status(identifier);
    let (outcome, standing) = match &live {
        None => (
            Outcome::Skipped(
                "status unknown: no status source knows this licence (offline without a \
                 bundle's status list)"
                    .into(),
            ),
            Verdict::Valid,
        ),
        Some(s) => {
            let as_of = OffsetDateTime::from_unix_timestamp(s.as_of)
                .map_or_else(|_| s.as_of.to_string(), |t| t.to_string());
            let reason = s
                .reason
                .as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| format!(", reason: {r}"))
                .unwrap_or_default();
            let text = format!(
                "{} ({}) as of {as_of}, from {}{reason}",
                s.status.as_str(),
                s.status.label_zh(),
                s.source
            );
            match s.status {
                LicenceStatus::Valid => (Outcome::Passed(text), Verdict::Valid),
                LicenceStatus::Suspended => (Outcome::Failed(text), Verdict::Suspended),
                LicenceStatus::Expired => (Outcome::Failed(text), Verdict::Expired),
                // Revoked, cancelled, withdrawn, and anything added later: not in force.
                _ => (Outcome::Failed(text), Verdict::Revoked),
            }
        }
    };
    (
        check("status", "live status", "证照状态", outcome),
        live,
        standing,
    )
}
