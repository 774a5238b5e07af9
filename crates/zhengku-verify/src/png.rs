//! PNG annotated copies (加注件 as a picture, `zhengku-png`): phase one.
//!
//! A picture proves nothing by looking right, so everything here rests on what the file
//! carries and the anchors:
//!
//! - `png_structure`: the file reads (signature, chunk CRCs, `IHDR` first, `IEND` last,
//!   bounds), every zhengku chunk appears once and none but `IEND` follows the seal
//!   signature. No seal signature at all is 无法核验: nothing vouches for the picture.
//! - `ses_signature`: the library's `SES_Signature` (`zkSG`), over every byte before it —
//!   the pixels, the copy's text and the record — checked as for a PDF or an OFD (the seal,
//!   its maker's chain, the signer's certificate; the stamp goes to phase two for the seal's
//!   status).
//! - the embedded record (`zkLR`): the licence's own checks (issuer key, signature, chain,
//!   dates; its status in phase two), the issuer's certificate counting only if it chains to
//!   the anchors (`zkCT`, like any carried certificate); `record_matches`: the identifier
//!   the copy's text names is the record's. No record is 无法核验: the picture would be
//!   vouched for by the copy's sealer alone, not by the licence's issuer.
//! - `copy_validity` (standing): the copy's fields shown; past its last day the copy is
//!   已过期, whatever the licence's own standing.

use zhengku_model::SignedLicence;
use zhengku_png::{PngCopy, keywords};

use crate::context::Context;
use crate::copy::{CopyFacts, copy_checks};
use crate::engine::Examined;
use crate::licence::{InputKind, embedded_record_check, record_checks, unreadable};
use crate::pdf::{SesCheck, seal_signature_check};
use crate::report::{CheckId, Outcome, Report, check};

const SUBJECT: &str = "annotated copy as a picture, sealed by the library (PNG加注件)";

/// Phase one for a PNG copy (module docs).
pub fn examine_png(bytes: &[u8], ctx: &Context<'_>) -> Examined {
    let png = match PngCopy::read(bytes) {
        Ok(p) => p,
        Err(e) => {
            return unreadable(
                InputKind::Png,
                SUBJECT,
                CheckId::PngStructure,
                "PNG copy readable",
                "PNG加注件可读",
                e.to_string(),
            );
        }
    };
    let mut ex = Examined::new(
        InputKind::Png,
        Report {
            subject: SUBJECT.to_owned(),
            facts: vec![("picture", format!("{} × {} pixels", png.width, png.height))],
            checks: Vec::new(),
        },
    );
    let structure = if !png.problems.is_empty() {
        Outcome::Failed(png.problems.join("; "))
    } else if png.signature.is_none() {
        Outcome::Unverifiable(
            "no seal signature (zkSG): nothing vouches for this picture".to_owned(),
        )
    } else {
        Outcome::Passed(format!(
            "{} chunks; the seal signature covers every byte before it, only IEND follows",
            png.chunks
        ))
    };
    ex.report.checks.push(check(
        CheckId::PngStructure,
        "PNG copy readable, sealed to its end",
        "PNG加注件结构完整",
        structure,
    ));
    if let Some(ses) = png.signature {
        seal_signature_check(
            SesCheck {
                ses,
                document: crate::seal::Document::Bytes(png.signed),
                extra_certificates: &[],
                signer: None,
                label: (
                    "seal signature (SES_Signature) over the picture, its text and record",
                    "加注件电子签章有效",
                ),
            },
            ctx,
            &mut ex,
        );
    }
    licence_record(&png, ctx, &mut ex);
    copy_checks(
        CopyFacts {
            made_at: png.text(keywords::MADE_AT),
            made_by: png.text(keywords::MADE_BY),
            cause: png.text(keywords::CAUSE),
            matter: png.text(keywords::MATTER),
            until: png.text(keywords::VALID_UNTIL),
        },
        png.signature
            .is_none()
            .then(|| "no seal signature protects the copy's fields".to_owned()),
        CheckId::PngStructure,
        ctx,
        &mut ex,
    );
    ex
}

/// The embedded record's checks, and whether the copy's text names it.
fn licence_record(png: &PngCopy<'_>, ctx: &Context<'_>, ex: &mut Examined) {
    let Some(bytes) = png.record else {
        ex.report.checks.push(check(
            CheckId::EmbeddedRecord,
            "embedded licence record readable",
            "内嵌证照数据可读",
            Outcome::Unverifiable(
                "the picture carries no licence record (zkLR): no issuer vouches for what it \
                 shows"
                    .to_owned(),
            ),
        ));
        return;
    };
    let record = SignedLicence::from_bytes(bytes).map_err(|e| e.to_string());
    ex.report
        .checks
        .push(embedded_record_check("zkLR", bytes.len(), &record));
    let Ok(record) = record else { return };
    let carried: Vec<Vec<u8>> = png
        .certificate
        .map(|c| vec![c.to_vec()])
        .unwrap_or_default();
    record_checks(&record, bytes, ctx, &carried, ex);
    let identifier = record.record().identifier.to_string();
    ex.report.checks.push(check(
        CheckId::RecordMatches,
        "the copy names the embedded licence",
        "加注件与证照数据一致",
        match png.text(keywords::IDENTIFIER) {
            Some(id) if id == identifier => Outcome::Passed(format!(
                "the copy names {identifier}, the record's identifier"
            )),
            Some(id) => Outcome::Failed(format!(
                "the copy names {id:?}, the embedded record is {identifier}"
            )),
            None => Outcome::Failed(format!(
                "the copy names no licence (\"{}\" text); the embedded record is {identifier}",
                keywords::IDENTIFIER.0
            )),
        },
    ));
}
