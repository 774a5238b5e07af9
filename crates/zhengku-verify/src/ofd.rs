//! OFD documents (GB/T 33190-2016 版式文档, the file format of GB/T 36905 licences): phase
//! one for an OFD of anyone's making.
//!
//! The package is read with bounds ([`zhengku_ofd`]); then, for every signature its list
//! names:
//!
//! - `ofd_references`: every protected file exists and has the digest the signer wrote
//!   (SM3; another `CheckMethod` is 无法核验);
//! - `ofd_seal`: a `Seal.esl`, when given, is exactly the seal inside the signature;
//! - `ses_signature`: the `SES_Signature` in `SignedValue.dat`, checked as for a PDF, over
//!   the raw bytes of its `Signature.xml` (so the references are what the seal signed), its
//!   seal's maker and chain, the signer's certificate; its stamp goes to phase two for the
//!   seal's status;
//!
//! and once for the document, `ofd_coverage`: every file is protected by some signature
//! (the signature list, each signature's own files and an empty annotation list aside: that
//! is the slot an original keeps for an annotated copy, and it draws nothing). A file nobody
//! protects could show anything, so the document is 无法核验 then, never 有效. An OFD
//! without any signature is 无法核验 too: nothing vouches for it.
//!
//! A licence OFD zhengku writes attaches the signed licence record (`Attachs/licence.zkl`)
//! and, when the library has it, the issuing department's licence-signing certificate
//! (`Attachs/licence-signer.cer`). When the record is there the licence's own checks run as
//! for a PDF's embedded record (issuer key, signature, chain, dates; then its status in phase
//! two), and `record_matches` ties the file to it: `DocID` is the identifier and a seal
//! signature of the issuer (its signer certificate names the issuer's USCC) protects the
//! record. The certificate counts only if it chains to the anchors, like any carried one.

use zhengku_model::SignedLicence;
use zhengku_ofd::{Limits, Ofd, Signature};
use zhengku_pki::CertView;

use crate::context::Context;
use crate::copy::{CopyFacts, copy_checks};
use crate::engine::Examined;
use crate::licence::{InputKind, embedded_record_check, record_checks, unreadable};
use crate::pdf::{SesCheck, seal_signature_check};
use crate::report::{CheckId, Outcome, Report, check};

const SUBJECT: &str = "OFD document with seal signatures (OFD版式文件)";

/// Phase one for an OFD (module docs).
pub fn examine_ofd(bytes: &[u8], ctx: &Context<'_>) -> Examined {
    let ofd = match Ofd::read(bytes, &Limits::default()) {
        Ok(o) => o,
        Err(e) => {
            return unreadable(
                InputKind::Ofd,
                SUBJECT,
                CheckId::OfdStructure,
                "OFD package readable",
                "OFD文件可读",
                e.to_string(),
            );
        }
    };
    let mut ex = Examined::new(
        InputKind::Ofd,
        Report {
            subject: SUBJECT.to_owned(),
            facts: Vec::new(),
            checks: Vec::new(),
        },
    );
    // What the document says about itself (GB/T 36905 keeps a licence's metadata here);
    // vouched for only as far as the signatures cover OFD.xml (`ofd_coverage`).
    let info = &ofd.doc_info;
    if let Some(id) = &info.doc_id {
        ex.report.facts.push(("OFD document id", id.clone()));
    }
    if !info.custom.is_empty() {
        const SHOWN: usize = 20;
        let mut shown: Vec<String> = info
            .custom
            .iter()
            .take(SHOWN)
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        if info.custom.len() > SHOWN {
            shown.push(format!("and {} more", info.custom.len() - SHOWN));
        }
        ex.report.facts.push(("OFD custom data", shown.join("; ")));
    }
    let push = |ex: &mut Examined, id, label, label_zh, o| {
        ex.report.checks.push(check(id, label, label_zh, o));
    };
    let count = ofd.signatures.len();
    push(
        &mut ex,
        CheckId::OfdStructure,
        "OFD package readable",
        "OFD文件可读",
        if count == 0 {
            Outcome::Unverifiable(format!(
                "{} file(s), document {}, and no signature: nothing vouches for it",
                ofd.package().len(),
                ofd.doc_root
            ))
        } else {
            Outcome::Passed(format!(
                "{} file(s), document {}, {count} signature(s)",
                ofd.package().len(),
                ofd.doc_root
            ))
        },
    );
    for (i, s) in ofd.signatures.iter().enumerate() {
        let which = if count > 1 {
            format!("signature {}: ", i + 1)
        } else {
            String::new()
        };
        match s {
            Ok(s) => signature(&ofd, s, &which, ctx, &mut ex),
            Err(e) => push(
                &mut ex,
                CheckId::OfdStructure,
                "OFD signature readable",
                "OFD签章可读",
                Outcome::Failed(format!("{which}{e}")),
            ),
        }
    }
    licence_record(&ofd, ctx, &mut ex);
    annotated_copy(&ofd, ctx, &mut ex);
    if count > 0 {
        let (slots, uncovered): (Vec<String>, Vec<String>) = ofd
            .uncovered()
            .into_iter()
            .partition(|n| ofd.is_empty_annotation_list(n));
        push(
            &mut ex,
            CheckId::OfdCoverage,
            "every file protected by a signature",
            "文件全部受签章保护",
            if uncovered.is_empty() {
                Outcome::Passed(format!(
                    "all {} file(s) are protected (the signature list and the signatures' own \
                     files aside){}",
                    ofd.package().len(),
                    if slots.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} is an empty annotation list kept for an annotated copy",
                            slots.join(", ")
                        )
                    }
                ))
            } else {
                Outcome::Unverifiable(format!(
                    "not protected by any signature, so what they show is vouched for by \
                     nobody: {}",
                    uncovered.join(", ")
                ))
            },
        );
    }
    ex
}

fn signature(ofd: &Ofd, s: &Signature, which: &str, ctx: &Context<'_>, ex: &mut Examined) {
    let file = |name: &str| ofd.package().file(name);
    ex.report
        .facts
        .push(("OFD signature", format!("{which}{} ({})", s.file, s.kind)));
    if let Some(p) = &s.provider {
        ex.report.facts.push(("signed with", p.clone()));
    }
    ex.report.checks.push(check(
        CheckId::OfdReferences,
        "protected files unchanged",
        "受保护文件未被修改",
        references(ofd, s, which),
    ));
    let Some(ses) = file(&s.signed_value) else {
        ex.report.checks.push(check(
            CheckId::OfdStructure,
            "OFD signature readable",
            "OFD签章可读",
            Outcome::Failed(format!("{which}{} is missing", s.signed_value)),
        ));
        return;
    };
    if let Some(seal) = &s.seal {
        ex.report.checks.push(check(
            CheckId::OfdSeal,
            "Seal.esl is the seal signed with",
            "印章文件与签章一致",
            match file(seal) {
                None => Outcome::Failed(format!("{which}{seal} is missing")),
                Some(esl) if contains(ses, esl) => Outcome::Passed(format!(
                    "{which}{seal} ({} bytes) is the seal inside the signature",
                    esl.len()
                )),
                Some(_) => Outcome::Failed(format!(
                    "{which}{seal} is not the seal inside the signature"
                )),
            },
        ));
    }
    // The seal signature is over the raw bytes of Signature.xml: the digests above are
    // what the seal vouches for.
    let Some(signed) = file(&s.file) else {
        return;
    };
    seal_signature_check(
        SesCheck {
            ses,
            document: crate::seal::Document::Bytes(signed),
            extra_certificates: &[],
            signer: None,
            label: (
                "seal signature (SES_Signature) over Signature.xml",
                "电子签章有效",
            ),
        },
        ctx,
        ex,
    );
}

/// The attached licence record's checks (module docs), when the file carries one.
fn licence_record(ofd: &Ofd, ctx: &Context<'_>, ex: &mut Examined) {
    let Some((name, bytes)) = ofd.attachment(zhengku_ofd::RECORD_FILE_NAME) else {
        return;
    };
    let record = SignedLicence::from_bytes(bytes).map_err(|e| e.to_string());
    ex.report
        .checks
        .push(embedded_record_check(name, bytes.len(), &record));
    let Ok(record) = record else { return };
    let carried: Vec<Vec<u8>> = ofd
        .attachment(zhengku_ofd::SIGNER_FILE_NAME)
        .map(|(_, der)| vec![der.to_vec()])
        .unwrap_or_default();
    record_checks(&record, bytes, ctx, &carried, ex);
    ex.report.checks.push(check(
        CheckId::RecordMatches,
        "the OFD shows the embedded licence, sealed by its issuer",
        "版式文件与证照数据一致",
        record_matches(ofd, name, &record),
    ));
}

/// An annotated copy's fields (加注件, in a watermark annotation's parameters), when the
/// file is one: shown as facts, and `copy_validity` says whether the copy may still be used.
/// Past its last day the copy is 已过期, whatever the licence's own standing; the fields
/// count only when a signature protects the file that holds them.
fn annotated_copy(ofd: &Ofd, ctx: &Context<'_>, ex: &mut Examined) {
    use zhengku_ofd::copy_names as names;
    let annotations = ofd.annotation_parameters();
    let Some(copy) = annotations
        .iter()
        .find(|a| a.parameters.iter().any(|(n, _)| n.starts_with("加注件")))
    else {
        return;
    };
    let covered = ofd
        .signatures
        .iter()
        .flatten()
        .any(|s| s.references.iter().any(|r| r.file == copy.file));
    copy_checks(
        CopyFacts {
            made_at: copy.get(names::MADE_AT),
            made_by: copy.get(names::MADE_BY),
            cause: copy.get(names::CAUSE),
            matter: copy.get(names::MATTER),
            until: copy.get(names::VALID_UNTIL),
        },
        (!covered).then(|| {
            format!(
                "the copy's fields in {} are protected by no signature",
                copy.file
            )
        }),
        CheckId::OfdStructure,
        ctx,
        ex,
    );
}

/// `DocID` names the record, and a seal signature by the record's issuer protects it.
fn record_matches(ofd: &Ofd, name: &str, signed: &SignedLicence) -> Outcome {
    let r = signed.record();
    let identifier = r.identifier.to_string();
    let issuer = r.issuer_code.as_str();
    let mut problems = Vec::new();
    match ofd.doc_info.doc_id.as_deref() {
        Some(id) if id == identifier => {}
        Some(id) => problems.push(format!(
            "the OFD's DocID is {id:?}, the embedded record is {identifier}"
        )),
        None => problems.push("the OFD has no DocID naming the licence".into()),
    }
    let mut sealers = Vec::new();
    for s in ofd.signatures.iter().flatten() {
        if !s.references.iter().any(|r| r.file == name) {
            continue;
        }
        let uscc = ofd
            .package()
            .file(&s.signed_value)
            .and_then(|ses| zhengku_seal::decode_signature(ses).ok())
            .and_then(|d| CertView::parse(d.signer_certificate()).ok())
            .and_then(|c| c.uscc.map(|u| u.as_str().to_owned()));
        sealers.push(uscc.unwrap_or_else(|| "(no USCC)".into()));
    }
    if sealers.is_empty() {
        problems.push(format!("no seal signature protects {name}"));
    } else if !sealers.iter().any(|u| u == issuer) {
        problems.push(format!(
            "{name} is sealed by USCC {}, the licence's issuer is {issuer}",
            sealers.join(", ")
        ));
    }
    if problems.is_empty() {
        Outcome::Passed(format!("DocID is {identifier}, sealed by USCC {issuer}"))
    } else {
        Outcome::Failed(problems.join("; "))
    }
}

/// Whether `needle` occurs in `haystack` (the seal's DER inside the signature's).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn references(ofd: &Ofd, s: &Signature, which: &str) -> Outcome {
    let Some(method) = s.check_method else {
        return Outcome::Unverifiable(format!(
            "{which}CheckMethod {:?} is not a digest zhengku computes (SM3 is)",
            s.check_method_text
        ));
    };
    if s.references.is_empty() {
        return Outcome::Failed(format!("{which}the signature protects no file"));
    }
    let mut bad = Vec::new();
    for r in &s.references {
        match ofd.package().file(&r.file) {
            None => bad.push(format!("{} is missing", r.file)),
            Some(data) if method.digest(data).as_slice() != r.check_value.as_slice() => {
                bad.push(format!(
                    "{} has changed (its SM3 is not the one signed)",
                    r.file
                ));
            }
            Some(_) => {}
        }
    }
    if bad.is_empty() {
        Outcome::Passed(format!(
            "{which}{} file(s), each with the SM3 the signer wrote",
            s.references.len()
        ))
    } else {
        Outcome::Failed(format!("{which}{}", bad.join("; ")))
    }
}
