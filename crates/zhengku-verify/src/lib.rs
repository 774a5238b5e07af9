#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The zhengku verification engine (验证): one pure library that the API, the web page and
//! the `zhengku` command line all call, so a licence, a QR code, a PDF or a seal is judged
//! the same way everywhere.
//!
//! Verification has two phases ([`engine`] has the details and the verdict table):
//!
//! 1. [`examine`] takes whatever someone wants checked — a licence PDF, the text of a QR
//!    code (a bare `ZK1:` payload or the verification URL), a signed licence record
//!    (`.zkl`), a seal (`.esl`) or an electronic signature (`SES_Signature`) — works out
//!    which it is ([`sniff`]), and makes every check that needs no library: signatures,
//!    chains to the configured anchors, certificate roles, issuer, dates. It returns an
//!    [`Examined`] that says what the input claims (licence identifier and record digest,
//!    each seal's esID and stamp);
//! 2. the caller looks those up where it keeps them (the server in its database, the CLI in
//!    a verifier bundle) and [`conclude`] applies what the library knows now ([`Live`]):
//!    whether it holds this very record, the licence's status, the seals' statuses.
//!
//! The result is a [`LicenceReport`]: a [`Verdict`] (有效 / 已暂停 / 已撤销 / 已过期 / 无效 /
//! 无法核验), the licence's facts (personal data masked) and every check made, each passed,
//! failed, unverifiable or skipped, with why. **有效 is said only when every check that makes
//! it true has passed**: a check that could not be made (no anchor, unknown or stale status,
//! not issued here) is never a pass. [`verify_input`] runs both phases against a
//! [`LiveSource`] held in memory. The JSON form of a report is documented in [`json`].
//!
//! Verification is a function of explicit inputs, as in rustls-webpki: the bytes, a
//! [`Context`] (the time to judge "now" by, the trust anchors and CRLs, the departments'
//! certificates) and the [`Live`] facts. Nothing here reads a clock, a file or the network.
//!
//! # What links what
//!
//! The engine links readers only, never a writer: `zhengku-pdf` without its `render` feature
//! (the signed-PDF parser and CMS decoding), `zhengku-qr` without `render`/`scan` (payload
//! decoding and verification), `zhengku-seal` without `make` (the DER codec and the signed
//! bytes), and `zhengku-pki`, `zhengku-model`, `zhengku-crypto`, `x509-parser`. No PDF
//! renderer, font subsetter, QR encoder or image codec: `cargo tree -p zhengku-verify` shows
//! none, and CI (`.ci/run`) keeps it so. The `openapi` feature adds `utoipa` for the JSON
//! shape's schema ([`json`]); the service asks for it. Tests that need documents made by the
//! writers live in the `zhengku-verify-tests` package. The edges around it: `zhengku-trust`
//! reads trust material and bundles ([`bundle`] is their format) from files, the server and
//! the CLI call [`examine`] / [`conclude`].
//!
//! ```
//! use zhengku_verify::{Context, Departments, NoLive, Verdict, verify_input};
//! let departments = Departments::default();
//! let ctx = Context {
//!     at: time::OffsetDateTime::UNIX_EPOCH,
//!     trust: Default::default(),
//!     departments: &departments,
//!     memo: None,
//! };
//! let report = verify_input(b"ZK1:NOT A PAYLOAD", &ctx, &NoLive);
//! assert_eq!(report.verdict, Verdict::Invalid);
//! assert_eq!(report.report.checks[0].id, "qr_decode");
//! ```

pub mod bundle;
mod chain;
pub mod context;
mod copy;
pub mod engine;
pub mod inspect;
pub mod json;
pub mod licence;
pub mod live;
pub mod memo;
pub mod ofd;
pub mod pdf;
pub mod png;
pub mod qr;
pub mod report;
pub mod seal;
pub mod status_lists;

pub use context::{Context, Departments, Trust, Verdict};
pub use engine::{Examined, LicenceClaim, StampClaim, conclude, verdict};
pub use licence::{InputKind, LicenceFacts, LicenceReport};
pub use live::{
    DEFAULT_MAX_STATUS_AGE, LicenceLive, Live, LiveLists, LiveSource, Lookup, NoLive,
    RecordDigests, SealLive,
};
pub use memo::Memo;
pub use report::{Check, CheckId, Outcome, Report};
pub use status_lists::ListSource;
pub use zhengku_pki::Revocation;

use zhengku_model::SignedLicence;

/// Longest text looked at for a QR payload (a QR code holds far less).
const MAX_QR_TEXT: usize = zhengku_qr::MAX_TEXT_LEN;

/// What `input` is, if it is anything the engine verifies: a PDF (`%PDF-`), an OFD, a PNG
/// carrying a copy's seal signature or record (a plain picture is not: scan its QR code),
/// text holding a `ZK1:` payload, a signed licence record, or DER that decodes as an
/// `SES_Signature` or a seal. `None`: none of these (the CLI's "could not verify").
pub fn sniff(input: &[u8]) -> Option<InputKind> {
    if input.starts_with(b"%PDF-") {
        return Some(InputKind::Pdf);
    }
    if zhengku_ofd::sniff(input) {
        return Some(InputKind::Ofd);
    }
    if zhengku_png::sniff(input) {
        return Some(InputKind::Png);
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

/// Phase one for whatever `input` is ([`sniff`]). Input that is none of the kinds gets one
/// failed `input` check (kind `record`); use [`sniff`] first to tell "not something we
/// verify" from "verified and invalid".
pub fn examine(input: &[u8], ctx: &Context<'_>) -> Examined {
    match sniff(input) {
        Some(InputKind::Pdf) => pdf::examine_pdf(input, ctx),
        Some(InputKind::Ofd) => ofd::examine_ofd(input, ctx),
        Some(InputKind::Png) => png::examine_png(input, ctx),
        Some(InputKind::Qr) => match qr_text(input) {
            Some(text) => qr::examine_qr(text, ctx),
            None => unrecognised(),
        },
        Some(InputKind::Record) => licence::examine_record(input, ctx),
        Some(InputKind::Signature) => {
            match seal::examine_signature(input, None, &ctx.trust, ctx.memo, ctx.at) {
                Ok(e) => e.into_examined(InputKind::Signature),
                Err(e) => licence::unreadable(
                    InputKind::Signature,
                    "electronic signature (SES_Signature)",
                    CheckId::SignatureDecode,
                    "signature readable",
                    "电子签章可读",
                    e.to_string(),
                ),
            }
        }
        Some(InputKind::Seal) => match seal::examine_seal(input, &ctx.trust, ctx.memo, ctx.at) {
            Ok(e) => e.into_examined(InputKind::Seal),
            Err(e) => licence::unreadable(
                InputKind::Seal,
                "electronic seal (SESeal)",
                CheckId::SealDecode,
                "seal readable",
                "电子印章可读",
                e.to_string(),
            ),
        },
        None => unrecognised(),
    }
}

/// Phase one for an electronic signature given with the document it signs (or without:
/// then only the signature itself is vouched for). Undecodable input is an error.
pub fn examine_seal_signature(
    signature_der: &[u8],
    document: Option<&[u8]>,
    ctx: &Context<'_>,
) -> Result<Examined, zhengku_seal::DecodeError> {
    seal::examine_signature(signature_der, document, &ctx.trust, ctx.memo, ctx.at)
        .map(|e| e.into_examined(InputKind::Signature))
}

/// Phase one for a seal on its own (`.esl`). Undecodable input is an error.
pub fn examine_seal(esl: &[u8], ctx: &Context<'_>) -> Result<Examined, zhengku_seal::DecodeError> {
    seal::examine_seal(esl, &ctx.trust, ctx.memo, ctx.at).map(|e| e.into_examined(InputKind::Seal))
}

/// Both phases: [`examine`], then [`conclude`] with what `source` knows.
pub fn verify_input(input: &[u8], ctx: &Context<'_>, source: &dyn LiveSource) -> LicenceReport {
    let examined = examine(input, ctx);
    let live = Live::gather(&examined, source);
    conclude(examined, &live, ctx.at)
}

fn unrecognised() -> Examined {
    licence::unreadable(
        InputKind::Record,
        "unrecognised input",
        CheckId::Input,
        "input recognised",
        "输入可识别",
        "neither a PDF, a QR payload or URL (ZK1:), a signed licence record, a seal nor an \
         electronic signature"
            .into(),
    )
}
