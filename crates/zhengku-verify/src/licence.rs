//! Verifying a signed licence record (签名的电子证照数据, `SignedLicence::to_bytes()`), and the
//! licence checks the QR and PDF paths share.
//!
//! The first-phase checks, each with a stable id (the same ids in every report, page and
//! JSON):
//!
//! 1. `record_decode`: the bytes are a signed licence (strict canonical CBOR, format 1);
//! 2. `issuer_key`: the key id the record names belongs to a department certificate the
//!    verifier holds ([`Context::departments`]). Failed when the verifier knows the issuer's
//!    department and this is not one of its keys; unverifiable when it knows no certificate
//!    for the issuer at all (another region's licence, or no certificates given);
//! 3. `record_signature`: the signature over the record verifies with that key;
//! 4. `issuer_chain`: that certificate chains to a trust anchor, with the licence-signing
//!    role, at the verification time (the `chain` module). A certificate expired since is
//!    judged at the record's issue time, which the signer claims: it passes only when the
//!    library attests the record (the second phase's `library_record`);
//! 5. `issuer_matches`: the certificate's USCC is exactly the issuer code the record names.
//!    A certificate without a USCC fails: it cannot be shown to be the issuer's;
//! 6. `validity`: the record's validity window contains the judged date (UTC calendar date,
//!    as the library's status endpoint uses), and it was not signed after the judged time.
//!
//! The second phase ([`crate::conclude`]) adds `library_record`, `status` (and, for PDFs,
//! `seal_status`). Every check runs even after one fails, so a report shows everything
//! wrong at once.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use zhengku_crypto::KeyId;
use zhengku_model::SignedLicence;
use zhengku_model::record::HolderCodeType;
use zhengku_pki::{CertView, Purpose};

use crate::chain::judge;
use crate::context::{Context, Verdict};
use crate::engine::{Attest, Examined, LicenceClaim};
use crate::live::LicenceLive;
use crate::report::{Check, CheckId, Outcome, Report, check};

/// How far an issue time may lie after the judged time (clocks differ).
pub const CLOCK_SKEW_SECS: i64 = 300;

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
    /// An OFD document (GB/T 33190) with its seal signatures.
    Ofd,
    /// An annotated copy as a PNG picture, sealed by the library (`zhengku-png`).
    Png,
}

impl InputKind {
    /// The lowercase name used in JSON (`record`, `qr`, `pdf`, `seal`, `signature`, `ofd`,
    /// `png`).
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Record => "record",
            InputKind::Qr => "qr",
            InputKind::Pdf => "pdf",
            InputKind::Seal => "seal",
            InputKind::Signature => "signature",
            InputKind::Ofd => "ofd",
            InputKind::Png => "png",
        }
    }

    /// Whether the input is a licence (record, QR code, PDF, PNG copy) rather than a seal,
    /// a bare seal signature or an OFD (which may be any document).
    pub fn is_licence(self) -> bool {
        matches!(
            self,
            InputKind::Record | InputKind::Qr | InputKind::Pdf | InputKind::Png
        )
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
    /// 发证日期, the issue date printed on the licence (`None`: an old QR payload without
    /// it, and no library record to read it from).
    pub issue_date: Option<Date>,
    /// When it was signed, Unix seconds.
    pub issued_at: i64,
    /// The live status, when a source knew it. Its reason is kept only when the input
    /// checked out apart from whether it is in force ([`crate::conclude`]).
    pub status: Option<LicenceLive>,
}

/// The facts as `zhengku verify` prints them: one line each, the standard's name first.
impl std::fmt::Display for LicenceFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(t) = &self.type_name {
            writeln!(f, "  证照类型 licence:    {t} ({})", self.type_code)?;
        } else {
            writeln!(f, "  证照类型 type code:  {}", self.type_code)?;
        }
        writeln!(f, "  证照标识 identifier: {}", self.identifier)?;
        writeln!(
            f,
            "  颁发机构 issuer:     {} ({})",
            self.issuer_name.as_deref().unwrap_or("?"),
            self.issuer_code
        )?;
        writeln!(
            f,
            "  持证主体 holder:     {} ({})",
            self.holder_name, self.holder_code
        )?;
        writeln!(
            f,
            "  有效期 valid:        {} to {}",
            self.valid_from,
            self.valid_until
                .map_or_else(|| "长期 (no end date)".to_owned(), |d| d.to_string())
        )?;
        if let Some(d) = self.issue_date {
            writeln!(f, "  发证日期 issue date: {d}")?;
        }
        let issued = OffsetDateTime::from_unix_timestamp(self.issued_at)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.issued_at.to_string());
        writeln!(f, "  签发时间 signed at:  {issued}")?;
        match &self.status {
            Some(s) => writeln!(
                f,
                "  证照状态 status:     {} ({}) from {}{}",
                s.status.label_zh(),
                s.status.as_str(),
                s.source,
                s.reason
                    .as_deref()
                    .map(|r| format!(", reason: {r}"))
                    .unwrap_or_default()
            )?,
            None => writeln!(
                f,
                "  证照状态 status:     unknown (offline; no status list)"
            )?,
        }
        Ok(())
    }
}

/// The result of verifying any licence-related input: every check, the verdict and the
/// licence's facts (when the input got far enough to have any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceReport {
    /// The checks, in order, with the input's other facts (seal, signer, …).
    pub report: Report,
    /// The verdict ([`crate::verdict`] has the rule).
    pub verdict: Verdict,
    /// What the licence says, when it could be read.
    pub facts: Option<LicenceFacts>,
    /// What was verified.
    pub kind: InputKind,
}

impl LicenceReport {
    /// True when the status check could not give a current status.
    pub fn status_unknown(&self) -> bool {
        matches!(
            self.report.outcome("status"),
            Some(Outcome::Unverifiable(_)) | None
        )
    }
}

/// A report for input that could not be read at all: one failed check.
pub(crate) fn unreadable(
    kind: InputKind,
    subject: &str,
    check_id: CheckId,
    label: &'static str,
    label_zh: &'static str,
    why: String,
) -> Examined {
    Examined::new(
        kind,
        Report {
            subject: subject.to_owned(),
            facts: Vec::new(),
            checks: vec![check(check_id, label, label_zh, Outcome::Failed(why))],
        },
    )
}

/// Examines a signed licence record (`SignedLicence::to_bytes()`).
pub fn examine_record(signed_bytes: &[u8], ctx: &Context<'_>) -> Examined {
    const SUBJECT: &str = "zhengku signed licence record (SignedLicence)";
    let signed = match SignedLicence::from_bytes(signed_bytes) {
        Ok(s) => s,
        Err(e) => {
            return unreadable(
                InputKind::Record,
                SUBJECT,
                CheckId::RecordDecode,
                "signed licence record readable",
                "证照数据可读",
                e.to_string(),
            );
        }
    };
    let mut ex = Examined::new(
        InputKind::Record,
        Report {
            subject: SUBJECT.to_owned(),
            facts: Vec::new(),
            checks: vec![check(
                CheckId::RecordDecode,
                "signed licence record readable",
                "证照数据可读",
                Outcome::Passed(format!(
                    "format 1, {}, key {}",
                    signed.algorithm(),
                    signed.key_id()
                )),
            )],
        },
    );
    record_checks(&signed, signed_bytes, ctx, &[], &mut ex);
    ex
}

/// The check that a document's embedded licence record (`name`, `len` bytes) decodes.
pub(crate) fn embedded_record_check(
    name: &str,
    len: usize,
    record: &Result<SignedLicence, String>,
) -> crate::report::Check {
    check(
        CheckId::EmbeddedRecord,
        "embedded licence record readable",
        "内嵌证照数据可读",
        match record {
            Ok(r) => Outcome::Passed(format!(
                "{name} ({len} bytes), {}, key {}",
                r.algorithm(),
                r.key_id()
            )),
            Err(e) => Outcome::Failed(e.clone()),
        },
    )
}

/// Appends checks 2–6 (module docs) for a decoded signed licence, and fills in the
/// licence's facts and claim. `carried` are certificates the input carries (a PDF's CMS
/// certificates) that may hold the record's key and complete its path: like any other,
/// they count only if they chain to the anchors.
pub(crate) fn record_checks(
    signed: &SignedLicence,
    signed_bytes: &[u8],
    ctx: &Context<'_>,
    carried: &[Vec<u8>],
    ex: &mut Examined,
) {
    let r = signed.record();
    let kid = signed.key_id();
    let identifier = r.identifier.to_string();
    let issuer_code = r.issuer_code.as_str();
    let (signer, from_input) = find_signer(ctx, kid, carried);
    ex.report.facts.push(("identifier", identifier.clone()));
    ex.report.facts.push(("signing key", kid.to_string()));
    if from_input && signer.is_some() {
        ex.report
            .facts
            .push(("issuer certificate", "carried in the PDF".to_owned()));
    }

    // 2. The key belongs to a department's certificate.
    ex.report
        .checks
        .push(issuer_key_check(ctx, kid, issuer_code, signer.as_ref()));
    // 3. The signature.
    ex.report.checks.push(check(
        CheckId::RecordSignature,
        "issuer's signature over the record",
        "发证机构签名",
        match (&signer, signer.as_ref().and_then(|s| s.key.as_ref())) {
            (Some(_), Some(key)) => match signed.verify_with(key, ctx.signatures()) {
                Ok(()) => Outcome::Passed(format!("{} by key {kid}", signed.algorithm())),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            _ => Outcome::Skipped("no certificate holds the signing key".into()),
        },
    ));
    let issued_at = i64::try_from(r.issued_at.unix_seconds()).unwrap_or(i64::MAX);
    // 4. The certificate's chain.
    issuer_chain_check(ctx, signer.as_ref(), carried, issued_at, ex);
    // 5. The certificate is the record's issuer's.
    ex.report
        .checks
        .push(issuer_matches_check(signer.as_ref(), issuer_code));
    // 6. Dates.
    let (validity, standing) = validity_check(r.valid_from, r.valid_until, issued_at, ctx.at);
    ex.report.checks.push(validity);
    ex.dates_standing = standing;

    let (holder_name, holder_code) = match r.holder_code_type() {
        HolderCodeType::CitizenId => (
            zhengku_qr::mask_person_name(&r.holder_name),
            zhengku_qr::mask_citizen_id(r.holder_code.as_str()),
        ),
        HolderCodeType::Uscc => (r.holder_name.clone(), r.holder_code.as_str().to_owned()),
    };
    ex.facts = Some(LicenceFacts {
        identifier: identifier.clone(),
        type_code: r.type_code.as_str().to_owned(),
        type_name: Some(r.type_name.clone()),
        issuer_code: issuer_code.to_owned(),
        issuer_name: Some(r.issuer_name.clone()),
        holder_name,
        holder_code,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        issue_date: Some(r.issue_date),
        issued_at,
        status: None,
    });
    ex.licence = Some(LicenceClaim {
        identifier,
        record_sha256: Some(zhengku_crypto::sha256(signed_bytes)),
        qr_digest: None,
        status: r.status.clone(),
    });
}

/// The certificate holding `kid`: a department's, else one the input carries. The flag
/// says it came from the input.
pub(crate) fn find_signer(
    ctx: &Context<'_>,
    kid: KeyId,
    carried: &[Vec<u8>],
) -> (Option<CertView>, bool) {
    if let Some(c) = ctx.departments.by_key(kid) {
        return (Some(c.clone()), false);
    }
    let found = carried
        .iter()
        .filter_map(|der| CertView::parse(der).ok())
        .find(|c| c.key_id() == Some(kid));
    let from_input = found.is_some();
    (found, from_input)
}

pub(crate) fn issuer_key_check(
    ctx: &Context<'_>,
    kid: KeyId,
    issuer_code: &str,
    signer: Option<&CertView>,
) -> Check {
    check(
        CheckId::IssuerKey,
        "signing key is a known department's",
        "签名密钥属于已知发证机构",
        match signer {
            Some(s) => Outcome::Passed(format!("key {kid} in the certificate of {}", s.subject)),
            None if ctx.departments.has_uscc(issuer_code) => Outcome::Failed(format!(
                "key {kid} is none of the keys of department {issuer_code} known here"
            )),
            None if ctx.departments.is_empty() => Outcome::Unverifiable(format!(
                "no department certificates were given, so key {kid} cannot be checked \
                 (give a verifier bundle or the department's certificate)"
            )),
            None => Outcome::Unverifiable(format!(
                "no certificate for key {kid} or for issuer {issuer_code} is known here (a \
                 licence of another region is verified by that region)"
            )),
        },
    )
}

/// Check 4: the signer's chain for licence signing, at the verification time; pending on
/// the library's attestation when the certificate has expired since the claimed issue time.
pub(crate) fn issuer_chain_check(
    ctx: &Context<'_>,
    signer: Option<&CertView>,
    carried: &[Vec<u8>],
    issued_at: i64,
    ex: &mut Examined,
) {
    let label = "issuer's certificate chain";
    let label_zh = "发证机构证书链";
    let Some(s) = signer else {
        ex.report.checks.push(check(
            CheckId::IssuerChain,
            label,
            label_zh,
            Outcome::Skipped("no certificate holds the signing key".into()),
        ));
        return;
    };
    let Ok(signed_at) = OffsetDateTime::from_unix_timestamp(issued_at) else {
        ex.report.checks.push(check(
            CheckId::IssuerChain,
            label,
            label_zh,
            Outcome::Failed(format!("issue time {issued_at} is out of range")),
        ));
        return;
    };
    let outcome = judge(
        &ctx.trust,
        ctx.memo,
        &s.der,
        carried,
        Purpose::LicenceSigning,
        ctx.at,
        Some((signed_at, "issue time the record claims")),
    );
    ex.push_chain(
        CheckId::IssuerChain,
        label,
        label_zh,
        outcome,
        Attest::Issue,
    );
}

/// Check 5: the certificate's USCC is the issuer's, exactly.
pub(crate) fn issuer_matches_check(signer: Option<&CertView>, issuer_code: &str) -> Check {
    let label = "certificate belongs to the issuer named";
    let label_zh = "证书主体与颁发机构一致";
    let Some(s) = signer else {
        return check(
            CheckId::IssuerMatches,
            label,
            label_zh,
            Outcome::Skipped("no certificate holds the signing key".into()),
        );
    };
    let outcome = match &s.uscc {
        Some(u) if u.as_str() == issuer_code => {
            Outcome::Passed(format!("the certificate's USCC is {issuer_code}"))
        }
        Some(u) => Outcome::Failed(format!(
            "the certificate is {}'s (USCC {}), the licence names issuer {issuer_code}",
            s.subject,
            u.as_str()
        )),
        None => Outcome::Failed(format!(
            "the certificate ({}) names no USCC, so it cannot be shown to be issuer \
             {issuer_code}'s",
            s.subject
        )),
    };
    check(CheckId::IssuerMatches, label, label_zh, outcome)
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
            CheckId::Validity,
            "within its validity period",
            "在有效期内",
            outcome,
        ),
        standing,
    )
}
