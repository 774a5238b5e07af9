#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The zhengku verification engine (验证): one pure library that the API, the web page and
//! the `zhengku` command line all call, so a licence, a QR code, a PDF or a seal is judged
//! the same way everywhere.
//!
//! Where to start: [`verify_input`] takes whatever someone wants checked — a licence PDF,
//! the text of a QR code (a bare `ZK1:` payload or the verification URL), a signed licence
//! record (`.zkl`), a seal (`.esl`) or an electronic signature (`SES_Signature`) — works out
//! which it is ([`sniff`]) and returns a [`LicenceReport`]: a [`Verdict`] (有效 / 已暂停 /
//! 已撤销 / 已过期 / 无效), the licence's facts (personal data masked) and every check made,
//! each passed, failed (with the reason) or skipped (with why). The JSON form of a report is
//! documented in [`json`]. The per-input functions are [`licence::verify_record`],
//! [`qr::verify_qr`], [`pdf::verify_pdf`], [`seal::verify_seal`] and
//! [`seal::verify_signature`]; the verdict rule is in [`licence`].
//!
//! Verification is a function of explicit inputs, as in rustls-webpki: the bytes and a
//! [`Context`] — the time to judge "now" by, the trust anchors and CRLs, the departments'
//! certificates, and a [`StatusSource`] for the live status. Nothing here reads a clock, a
//! file or the network: a caller that wants the live status looks it up first, with the
//! identifier [`identify`] finds.
//!
//! ```
//! use zhengku_verify::{Context, NoStatus, Verdict, verify_input};
//! let ctx = Context {
//!     at: time::OffsetDateTime::UNIX_EPOCH,
//!     trust: Default::default(),
//!     signers: &[],
//!     status: &NoStatus,
//!     memo: None,
//! };
//! let report = verify_input(b"ZK1:NOT A PAYLOAD", &ctx);
//! assert_eq!(report.verdict, Verdict::Invalid);
//! assert_eq!(report.report.checks[0].id, "qr_decode");
//! ```

pub mod context;
pub mod json;
pub mod licence;
pub mod memo;
pub mod pdf;
pub mod qr;
pub mod report;
pub mod seal;

pub use context::{Context, LiveStatus, NoStatus, StatusSource, Verdict};
pub use licence::{InputKind, LicenceFacts, LicenceReport};
pub use memo::Memo;
pub use report::{Check, Outcome, Report};

use zhengku_model::SignedLicence;

/// Longest text looked at for a QR payload (a QR code holds far less).
const MAX_QR_TEXT: usize = zhengku_qr::MAX_TEXT_LEN;

/// What `input` is, if it is anything the engine verifies: a PDF (`%PDF-`), text holding a
/// `ZK1:` payload, a signed licence record, or DER that decodes as an `SES_Signature` or a
/// seal. `None`: none of these (the CLI's "could not verify").
pub fn sniff(input: &[u8]) -> Option<InputKind> {
    if input.starts_with(b"%PDF-") {
        return Some(InputKind::Pdf);
    }
    if qr_text(input).is_some() {
        return Some(InputKind::Qr);
    }
    if SignedLicence::from_bytes(input).is_ok() {
        return Some(InputKind::Record);
    }
    if input.first() == Some(&0x30) {
        if zhengku_seal::decode_signature(input).is_ok() {
            return Some(InputKind::Signature);
        }
        if zhengku_seal::decode_seal(input).is_ok() {
            return Some(InputKind::Seal);
        }
    }
    None
}

/// The text of `input` if it is (white space aside) UTF-8 text holding `ZK1:`.
fn qr_text(input: &[u8]) -> Option<&str> {
    if input.len() > MAX_QR_TEXT {
        return None;
    }
    let text = std::str::from_utf8(input).ok()?.trim();
    text.contains(zhengku_qr::PREFIX).then_some(text)
}

/// The licence identifier in `input` (a PDF's embedded record, a QR payload, a signed
/// record), without verifying anything: what a caller looks the live status up by before
/// calling [`verify_input`]. `None` for seals and for input that cannot be read.
pub fn identify(input: &[u8]) -> Option<String> {
    match sniff(input)? {
        InputKind::Pdf => pdf::identifier(input),
        InputKind::Qr => {
            let payload = zhengku_qr::decode_payload(qr_text(input)?).ok()?;
            Some(payload.claims.identifier)
        }
        InputKind::Record => SignedLicence::from_bytes(input)
            .ok()
            .map(|s| s.record().identifier.to_string()),
        InputKind::Seal | InputKind::Signature => None,
    }
}

/// Verifies whatever `input` is ([`sniff`]). Input that is none of the kinds gets a report
/// with one failed `input` check (kind `record`, verdict Invalid); use [`sniff`] first to
/// tell "not something we verify" from "verified and invalid".
pub fn verify_input(input: &[u8], ctx: &Context<'_>) -> LicenceReport {
    match sniff(input) {
        Some(InputKind::Pdf) => pdf::verify_pdf(input, ctx),
        Some(InputKind::Qr) => match qr_text(input) {
            Some(text) => qr::verify_qr(text, ctx),
            None => unrecognised(),
        },
        Some(InputKind::Record) => licence::verify_record(input, ctx),
        Some(InputKind::Signature) => {
            match seal::verify_signature(input, None, ctx.trust, ctx.at) {
                Ok(r) => LicenceReport::from_seal_report(InputKind::Signature, r),
                Err(e) => LicenceReport::unreadable(
                    InputKind::Signature,
                    "electronic signature (SES_Signature)",
                    "signature_decode",
                    "signature readable",
                    "电子签章可读",
                    e.to_string(),
                ),
            }
        }
        Some(InputKind::Seal) => match seal::verify_seal(input, ctx.trust, ctx.at) {
            Ok(r) => LicenceReport::from_seal_report(InputKind::Seal, r),
            Err(e) => LicenceReport::unreadable(
                InputKind::Seal,
                "electronic seal (SESeal)",
                "seal_decode",
                "seal readable",
                "电子印章可读",
                e.to_string(),
            ),
        },
        None => unrecognised(),
    }
}

fn unrecognised() -> LicenceReport {
    LicenceReport::unreadable(
        InputKind::Record,
        "unrecognised input",
        "input",
        "input recognised",
        "输入可识别",
        "neither a PDF, a QR payload or URL (ZK1:), a signed licence record, a seal nor an \
         electronic signature",
    )
}
