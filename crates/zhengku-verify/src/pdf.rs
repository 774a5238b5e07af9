//! Verifying a licence PDF (电子证照版式文件): its PAdES signature, what the signature covers,
//! the embedded signed licence record, and the seal's electronic signature (电子签章) over
//! the same bytes.
//!
//! The checks, each with a stable id, in order:
//!
//! 1. `pdf_structure`: a signature dictionary with `/ByteRange` and `/Contents` is found
//!    (the last one in the file; [`zhengku_pdf::parse`]);
//! 2. `byte_range`: the ranges start at byte 0 and leave out exactly the `/Contents` hex
//!    string, nothing else;
//! 3. `appended_data`: nothing follows the signed ranges. Bytes appended after signing (an
//!    incremental update: new pages, annotations, a replaced embedded file…) are **not**
//!    covered by the signature, so their presence **fails** this check with the byte count:
//!    a licence PDF is never legitimately changed after the department signed it;
//! 4. `cms_signature`: the CMS SignedData reads, names a signer certificate it carries, uses
//!    algorithms zhengku knows (ecdsa-with-SHA256 / SHA-256, SM2-with-SM3 / SM3) and its
//!    signature over the signed attributes verifies with that certificate's key;
//! 5. `message_digest`: the message-digest attribute equals the digest of the signed bytes,
//!    and content-type is id-data;
//! 6. `signing_certificate`: the signing-certificate-v2 attribute (PAdES B-B) holds the
//!    signer certificate's hash (and issuer and serial, when given);
//! 7. `pdf_signer_chain`: the signer's certificate chains to a trust anchor with the seal
//!    stamping role, at the verification time (the `chain` module; the CMS's certificates may
//!    complete the path). A certificate expired since is judged at the signing time claimed
//!    in `/M` (B-B has no trusted time): it passes only when the library attests the seal
//!    signature's time; without anchors it is unverifiable;
//! 8. `embedded_record`: the embedded `licence.zkl` is there and is a signed licence record;
//!    then the record's own checks, with the department certificates given and, when none
//!    of them holds the record's key, the CMS's certificates (zhengku puts the department's
//!    licence-signing certificate there, so anchors alone suffice offline; such a
//!    certificate counts only if it chains to the anchors with the licence-signing role)
//!    (`issuer_key`, `record_signature`, `issuer_chain`, `issuer_matches`, `validity`);
//! 9. `record_matches`: the PDF is about that record — its `/Subject` is the record's
//!    identifier (and `/Title`, when present, its type name) — and the PDF's signer belongs
//!    to the record's issuer: the certificate's USCC is exactly the issuer's (no USCC
//!    fails: names are not compared);
//! 10. `ses_signature`: the `SES_Signature` in the CMS's unsigned attribute
//!     ([`zhengku_pdf::cms::SES_SIGNATURE_ATTRIBUTE_OID`]) passes every check of
//!     [`crate::seal::examine_signature`] with the document = the signed bytes (dataHash =
//!     SM3 of the ByteRange content), and its signer is the PDF's signer. A PDF without
//!     one is unverifiable: the seal's status, which decides whether the PDF's stamp
//!     stands, cannot be known.
//!
//! Phase two adds `library_record`, `status` and `seal_status` ([`crate::engine`]). Every
//! check runs even after one fails.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use zhengku_crypto::Signature;
use zhengku_model::SignedLicence;
use zhengku_pdf::cms::{self, SignedData};
use zhengku_pdf::parse::{SignedPdf, parse_signed};
use zhengku_pki::{CertView, Purpose};

use crate::chain::judge;
use crate::context::Context;
use crate::copy::{CopyFacts, copy_checks};
use crate::engine::{Attest, Examined};
use crate::licence::{InputKind, embedded_record_check, record_checks, unreadable};
use crate::report::{Check, CheckId, Outcome, Report, check};
use crate::seal::{certificate_key, certificate_subject};

const SUBJECT: &str = "licence PDF with a PAdES signature (电子证照版式文件)";

/// Examines a licence PDF (see the module documentation for the checks).
pub fn examine_pdf(pdf: &[u8], ctx: &Context<'_>) -> Examined {
    let parsed = match parse_signed(pdf) {
        Ok(p) => p,
        Err(e) => {
            return unreadable(
                InputKind::Pdf,
                SUBJECT,
                CheckId::PdfStructure,
                "PDF signature found",
                "PDF签名可读",
                e.to_string(),
            );
        }
    };
    if let Some(copy) = &parsed.copy {
        return examine_copy(pdf, &parsed, copy, ctx);
    }
    let mut ex = Examined::new(
        InputKind::Pdf,
        Report {
            subject: SUBJECT.to_owned(),
            facts: Vec::new(),
            checks: Vec::new(),
        },
    );
    signature_checks(&parsed, ctx, &mut ex, true);
    ex
}

const COPY_SUBJECT: &str = "annotated copy (加注件) of a licence PDF";

/// An annotated copy (加注件) of a licence PDF (`zhengku_pdf::copy`): the revision under the
/// copy judged as the licence PDF it is (a copy of a copy is not read); the copy's own
/// revision, which may only add the copy's field, signature and watermark
/// (`copy_update`: an incremental update can redefine any object, and a verifier that looked
/// at signatures alone would show what the update drew); the library's signature over the
/// whole file; and the copy's period of use.
fn examine_copy(
    pdf: &[u8],
    parsed: &SignedPdf,
    copy: &zhengku_pdf::parse::CopyUpdate,
    ctx: &Context<'_>,
) -> Examined {
    let original = copy.original_end.and_then(|end| pdf.get(..end));
    let mut ex = match original {
        Some(o) if parse_signed(o).is_ok_and(|p| p.copy.is_none()) => examine_pdf(o, ctx),
        _ => unreadable(
            InputKind::Pdf,
            COPY_SUBJECT,
            CheckId::PdfStructure,
            "PDF signature found",
            "PDF签名可读",
            "no licence PDF lies under the copy's signature".into(),
        ),
    };
    ex.report.subject = COPY_SUBJECT.to_owned();
    ex.report.checks.push(check(
        CheckId::CopyUpdate,
        "the copy adds only its signature and watermark",
        "加注件仅增加签章与水印",
        if copy.problems.is_empty() {
            Outcome::Passed(
                "the copy's revision adds a signature field with its watermark and signature, \
                 and lists it in the page and the form; nothing of the licence changes"
                    .into(),
            )
        } else {
            Outcome::Failed(copy.problems.join("; "))
        },
    ));
    // The library's signature, its checks told apart from the licence's.
    let first = ex.report.checks.len();
    signature_checks(parsed, ctx, &mut ex, false);
    for c in &mut ex.report.checks[first..] {
        let (Outcome::Passed(t)
        | Outcome::Failed(t)
        | Outcome::Unverifiable(t)
        | Outcome::Skipped(t)) = &mut c.outcome;
        t.insert_str(0, "copy signature: ");
    }
    copy_checks(
        CopyFacts {
            made_at: copy.get("MadeAt"),
            made_by: copy.get("MadeBy"),
            cause: copy.get("Cause"),
            matter: copy.get("Matter"),
            until: copy.get("Until"),
        },
        None,
        CheckId::PdfStructure,
        ctx,
        &mut ex,
    );
    ex
}

/// The checks of `parsed`'s (last) signature, into `ex`: its coverage, the CMS, the signer's
/// chain, the seal signature inside; with `record`, the embedded licence record's checks too
/// (a copy's library signature carries no record of its own).
fn signature_checks(parsed: &SignedPdf, ctx: &Context<'_>, ex: &mut Examined, record: bool) {
    ex.report.checks.push(check(
        CheckId::PdfStructure,
        "PDF signature found",
        "PDF签名可读",
        Outcome::Passed(format!(
            "{} signature dictionar{} (the last is checked), SubFilter {}",
            parsed.signature_count,
            if parsed.signature_count == 1 {
                "y"
            } else {
                "ies"
            },
            parsed.sub_filter.as_deref().unwrap_or("(none)")
        )),
    ));
    if let Some(m) = &parsed.signing_time {
        ex.report.facts.push(("signing time (/M)", m.clone()));
    }
    ex.report.checks.push(byte_range_check(parsed));
    ex.report.checks.push(appended_check(parsed));

    // The CMS.
    let cms = cms::decode(&parsed.cms);
    let signer_cert = cms.as_ref().ok().and_then(|sd| sd.signer_certificate());
    let signer_view = signer_cert.and_then(|c| CertView::parse(c).ok());
    if let Some(c) = &signer_view {
        ex.report.facts.push(("PDF signer", c.subject.clone()));
    }
    let digest_alg = cms
        .as_ref()
        .ok()
        .and_then(|sd| cms::signer_algorithms(&sd.signer).ok())
        .map(|(d, _)| d);
    // The signed bytes are most of the file: hashed once, for the CMS's message digest and
    // (when that is SM3) the seal signature's dataHash.
    let content_digest =
        digest_alg.map(|d| (d, zhengku_crypto::digest::digest(d, &parsed.signed_content)));
    ex.report.checks.push(check(
        CheckId::CmsSignature,
        "CMS signature over the signed attributes",
        "PDF签名值有效",
        match &cms {
            Ok(sd) => cms_signature(sd, ctx.signatures()),
            Err(e) => Outcome::Failed(format!("the CMS in /Contents is unreadable: {e}")),
        },
    ));
    ex.report.checks.push(check(
        CheckId::MessageDigest,
        "signed bytes match the message digest",
        "签名原文摘要一致",
        match (&cms, &content_digest) {
            (Ok(sd), Some((d, actual))) => {
                message_digest(sd, *d, actual, parsed.signed_content.len())
            }
            (Ok(_), None) => Outcome::Failed("the digest algorithm is not supported".into()),
            (Err(_), _) => Outcome::Failed("the CMS is unreadable".into()),
        },
    ));
    ex.report.checks.push(check(
        CheckId::SigningCertificate,
        "signing-certificate-v2 names the signer",
        "签名证书属性一致",
        match (&cms, signer_cert) {
            (Ok(sd), Some(cert)) => signing_certificate(sd, cert),
            (Ok(_), None) => Outcome::Failed("the CMS carries no signer certificate".into()),
            (Err(_), _) => Outcome::Failed("the CMS is unreadable".into()),
        },
    ));
    let cms_certs: &[Vec<u8>] = cms.as_ref().map_or(&[], |sd| sd.certificates.as_slice());
    signer_chain(ctx, signer_cert, cms_certs, parsed, ex);

    // The embedded record and the licence's own checks.
    if record {
        record_part(parsed, ctx, cms_certs, signer_view.as_ref(), ex);
    }
    let content_sm3 = match &content_digest {
        Some((zhengku_crypto::DigestAlgorithm::Sm3, d)) => Some(d),
        _ => None,
    };
    let document = content_sm3.map_or(
        crate::seal::Document::Bytes(&parsed.signed_content),
        crate::seal::Document::Sm3,
    );
    ses_signature(cms.as_ref().ok(), signer_cert, document, ctx, ex);
}

/// The embedded record's checks (readable, the licence's own checks, `record_matches`).
fn record_part(
    parsed: &SignedPdf,
    ctx: &Context<'_>,
    cms_certs: &[Vec<u8>],
    signer_view: Option<&CertView>,
    ex: &mut Examined,
) {
    let record = match (&parsed.embedded_record, &parsed.embedded_problem) {
        (Some(bytes), _) => SignedLicence::from_bytes(bytes).map_err(|e| e.to_string()),
        (None, Some(p)) => Err(p.clone()),
        (None, None) => Err(format!(
            "no embedded file named {}",
            zhengku_pdf::parse::LICENCE_FILE_NAME
        )),
    };
    ex.report.checks.push(embedded_record_check(
        zhengku_pdf::parse::LICENCE_FILE_NAME,
        parsed.embedded_record.as_ref().map_or(0, Vec::len),
        &record,
    ));
    if let (Ok(r), Some(bytes)) = (&record, &parsed.embedded_record) {
        record_checks(r, bytes, ctx, cms_certs, ex);
    }
    ex.report.checks.push(check(
        CheckId::RecordMatches,
        "the PDF shows the embedded licence, signed by its issuer",
        "版式文件与证照数据一致",
        match &record {
            Ok(r) => record_matches(parsed, r, signer_view),
            Err(_) => Outcome::Skipped("no embedded licence record to compare".into()),
        },
    ));
}

fn byte_range_check(p: &SignedPdf) -> Check {
    let [a, alen, c, clen] = p.byte_range;
    check(
        CheckId::ByteRange,
        "signature covers the whole file except /Contents",
        "签名范围覆盖除签名值外的整个文件",
        match &p.coverage_problem {
            None => Outcome::Passed(format!(
                "bytes {a}–{} and {c}–{}; the gap is exactly /Contents ({} bytes)",
                a + alen,
                c + clen,
                p.contents_at.len()
            )),
            Some(why) => Outcome::Failed(why.clone()),
        },
    )
}

fn appended_check(p: &SignedPdf) -> Check {
    check(
        CheckId::AppendedData,
        "nothing appended after signing",
        "签名后未追加内容",
        if p.bytes_after_range == 0 {
            Outcome::Passed("the signed ranges end at the end of the file".into())
        } else {
            Outcome::Failed(format!(
                "{} byte(s) were appended after the signed range (an incremental update not \
                 covered by the signature)",
                p.bytes_after_range
            ))
        },
    )
}

/// Check 4.
fn cms_signature(sd: &SignedData, verifier: &dyn zhengku_crypto::SignatureVerifier) -> Outcome {
    let Some(cert) = sd.signer_certificate() else {
        return Outcome::Failed(
            "no certificate in the CMS matches the SignerInfo's issuer and serial number".into(),
        );
    };
    let (_, alg) = match cms::signer_algorithms(&sd.signer) {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let key = match certificate_key(cert) {
        Ok(k) => k,
        Err(e) => return Outcome::Failed(e),
    };
    if key.algorithm() != alg {
        return Outcome::Failed(format!(
            "the SignerInfo says {alg}, the certificate's key is {}",
            key.algorithm()
        ));
    }
    let Some(attrs) = &sd.signer.signed_attrs_der else {
        return Outcome::Failed("no signed attributes (PAdES requires them)".into());
    };
    let sig = match Signature::from_der(alg, &sd.signer.signature) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(format!("signature value unreadable: {e}")),
    };
    match verifier.verify_signature(&key, attrs, &sig) {
        Ok(()) => Outcome::Passed(format!("{alg} by {}", certificate_subject(cert))),
        Err(e) => Outcome::Failed(format!("does not verify: {e}")),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Check 5.
fn message_digest(
    sd: &SignedData,
    alg: zhengku_crypto::DigestAlgorithm,
    actual: &[u8; 32],
    content_len: usize,
) -> Outcome {
    match sd.signer.content_type() {
        Ok(Some(ct)) if ct == cms::oid::DATA => {}
        Ok(Some(ct)) => return Outcome::Failed(format!("content-type is {ct}, not id-data")),
        Ok(None) => return Outcome::Failed("no content-type attribute".into()),
        Err(e) => return Outcome::Failed(e),
    }
    match sd.signer.message_digest() {
        Ok(Some(d)) if d == *actual => {
            Outcome::Passed(format!("{alg} {} of {content_len} bytes", hex(actual)))
        }
        Ok(Some(d)) => Outcome::Failed(format!(
            "the signed bytes' {alg} is {}, the signature holds {}",
            hex(actual),
            hex(&d)
        )),
        Ok(None) => Outcome::Failed("no message-digest attribute".into()),
        Err(e) => Outcome::Failed(e),
    }
}

/// Check 6.
fn signing_certificate(sd: &SignedData, cert: &[u8]) -> Outcome {
    let ids = match sd.signer.signing_certificate_v2() {
        Ok(Some(ids)) => ids,
        Ok(None) if sd.signer.has_signed_attr(cms::oid::SIGNING_CERTIFICATE) => {
            return Outcome::Failed(
                "only the old signing-certificate (SHA-1) attribute; PAdES B-B requires v2".into(),
            );
        }
        Ok(None) => return Outcome::Failed("no signing-certificate-v2 attribute".into()),
        Err(e) => return Outcome::Failed(e),
    };
    let Some(first) = ids.first() else {
        return Outcome::Failed("signing-certificate-v2 lists no certificate".into());
    };
    let alg = match first.hash_algorithm.as_str() {
        cms::oid::SHA256 => zhengku_crypto::DigestAlgorithm::Sha256,
        cms::oid::SM3 => zhengku_crypto::DigestAlgorithm::Sm3,
        other => return Outcome::Failed(format!("unsupported hash algorithm {other}")),
    };
    let actual = zhengku_crypto::digest::digest(alg, cert);
    if first.cert_hash != actual {
        return Outcome::Failed(format!(
            "it names a certificate with {alg} {}, the signer's is {}",
            hex(&first.cert_hash),
            hex(&actual)
        ));
    }
    if let Some((issuer, serial)) = &first.issuer_serial {
        match cms::certificate_ids(cert) {
            Ok(c) if c.issuer == issuer.as_slice() && c.serial == serial.as_slice() => {}
            _ => {
                return Outcome::Failed(
                    "its issuerSerial is not the signer certificate's issuer and serial".into(),
                );
            }
        }
    }
    Outcome::Passed(format!(
        "{alg} of the signer's certificate{}",
        if first.issuer_serial.is_some() {
            ", issuer and serial match"
        } else {
            ""
        }
    ))
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` (fields after the year optional).
fn pdf_date(s: &str) -> Option<OffsetDateTime> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = |r: std::ops::Range<usize>, default: u32| -> Option<u32> {
        match s.get(r) {
            Some(t) if t.bytes().all(|b| b.is_ascii_digit()) && !t.is_empty() => t.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = i32::try_from(digits(0..4, 0)?).ok()?;
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let body = &s[..n];
    let field = |r: std::ops::Range<usize>, default: u32| -> Option<u8> {
        let v = match body.get(r) {
            Some(t) => t.parse().ok()?,
            None => default,
        };
        u8::try_from(v).ok()
    };
    let date = Date::from_calendar_date(
        year,
        Month::try_from(field(4..6, 1)?).ok()?,
        field(6..8, 1)?,
    )
    .ok()?;
    let time = Time::from_hms(field(8..10, 0)?, field(10..12, 0)?, field(12..14, 0)?).ok()?;
    let rest = &s[n..];
    let offset = match rest.as_bytes().first() {
        Some(sign @ (b'+' | b'-')) => {
            let t: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i8 = t.get(0..2)?.parse().ok()?;
            let m: i8 = t.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
            let (h, m) = if *sign == b'-' { (-h, -m) } else { (h, m) };
            UtcOffset::from_hms(h, m, 0).ok()?
        }
        _ => UtcOffset::UTC,
    };
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// Check 7: the PDF signer's chain, for seal stamping.
fn signer_chain(
    ctx: &Context<'_>,
    cert: Option<&[u8]>,
    cms_certs: &[Vec<u8>],
    parsed: &SignedPdf,
    ex: &mut Examined,
) {
    let label = "PDF signer's certificate chain";
    let label_zh = "PDF签名证书链";
    let Some(cert) = cert else {
        ex.report.checks.push(check(
            CheckId::PdfSignerChain,
            label,
            label_zh,
            Outcome::Failed("no signer certificate in the CMS".into()),
        ));
        return;
    };
    let claimed = parsed.signing_time.as_deref().and_then(pdf_date);
    let outcome = judge(
        &ctx.trust,
        ctx.memo,
        cert,
        cms_certs,
        Purpose::SealStamping,
        ctx.at,
        claimed.map(|t| (t, "signing time the PDF claims in /M")),
    );
    // The PDF's signature and its seal signature are made together: the library's record
    // of the seal signature (stamp 0) attests the time of both.
    ex.push_chain(
        CheckId::PdfSignerChain,
        label,
        label_zh,
        outcome,
        Attest::Stamp(0),
    );
}

/// Check 9.
fn record_matches(
    parsed: &SignedPdf,
    signed: &SignedLicence,
    signer: Option<&CertView>,
) -> Outcome {
    let r = signed.record();
    let identifier = r.identifier.to_string();
    let mut problems = Vec::new();
    match parsed.subject.as_deref() {
        Some(s) if s == identifier => {}
        Some(s) => problems.push(format!(
            "the PDF's /Subject is {s:?}, the embedded record is {identifier}"
        )),
        None => problems.push("the PDF has no /Subject naming the licence".into()),
    }
    if let Some(t) = parsed.title.as_deref()
        && t != r.type_name
    {
        problems.push(format!(
            "the PDF's /Title is {t:?}, the record's type is {}",
            r.type_name
        ));
    }
    let issuer_code = r.issuer_code.as_str();
    let mut signed_by = String::new();
    match signer.map(|c| c.uscc.as_ref()) {
        None => {
            problems.push("no readable PDF signer certificate to compare with the issuer".into())
        }
        Some(Some(u)) if u.as_str() == issuer_code => {
            signed_by = format!(", signed by USCC {}", u.as_str())
        }
        Some(Some(u)) => problems.push(format!(
            "the PDF is signed by USCC {}, the licence's issuer is {issuer_code}",
            u.as_str()
        )),
        Some(None) => problems.push(format!(
            "the PDF signer's certificate names no USCC, so it cannot be shown to be issuer \
             {issuer_code}'s"
        )),
    }
    if problems.is_empty() {
        Outcome::Passed(format!("/Subject is {identifier}{signed_by}"))
    } else {
        Outcome::Failed(problems.join("; "))
    }
}

/// Check 10, the seal signature's facts, and its stamp claim for phase two.
fn ses_signature(
    sd: Option<&SignedData>,
    pdf_signer: Option<&[u8]>,
    document: crate::seal::Document<'_>,
    ctx: &Context<'_>,
    ex: &mut Examined,
) {
    let label = "seal signature (SES_Signature) over the same bytes";
    let label_zh = "电子签章有效";
    let decided = |ex: &mut Examined, o: Outcome| {
        ex.report
            .checks
            .push(check(CheckId::SesSignature, label, label_zh, o));
    };
    let Some(sd) = sd else {
        decided(ex, Outcome::Failed("the CMS is unreadable".into()));
        return;
    };
    let ses = match sd.signer.ses_signature() {
        Ok(Some(s)) => s,
        Ok(None) => {
            decided(ex, Outcome::Unverifiable(
                "the PDF carries no seal signature (SES_Signature), so its seal and the seal's \
                 status cannot be checked"
                    .into(),
            ));
            return;
        }
        Err(e) => {
            decided(ex, Outcome::Failed(e));
            return;
        }
    };
    // The CMS's certificates may complete the seal's paths too (the holder's issuing CA is
    // there), so that a verifier holding only a root can check the seal.
    seal_signature_check(
        SesCheck {
            ses: &ses,
            document,
            extra_certificates: &sd.certificates,
            signer: pdf_signer,
            label: (label, label_zh),
        },
        ctx,
        ex,
    );
}

/// A seal signature checked over a document, as one check of a larger input (a PDF, an
/// OFD): the seal signature's own checks folded into one outcome, its stamp recorded for
/// phase two.
pub(crate) struct SesCheck<'a> {
    /// The `SES_Signature`, DER.
    pub ses: &'a [u8],
    /// What its dataHash must be over.
    pub document: crate::seal::Document<'a>,
    /// Certificates that may complete the seal's paths.
    pub extra_certificates: &'a [Vec<u8>],
    /// The certificate that must be the seal signature's signer, if any (a PDF's signer).
    pub signer: Option<&'a [u8]>,
    /// The check's label, English and Chinese.
    pub label: (&'static str, &'static str),
}

pub(crate) fn seal_signature_check(c: SesCheck<'_>, ctx: &Context<'_>, ex: &mut Examined) {
    let (label, label_zh) = c.label;
    let decided = |ex: &mut Examined, o: Outcome| {
        ex.report
            .checks
            .push(check(CheckId::SesSignature, label, label_zh, o));
    };
    let pdf_signer = c.signer;
    let seal = match crate::seal::examine_signature_with(
        c.ses,
        Some(c.document),
        &ctx.trust,
        ctx.memo,
        c.extra_certificates,
        ctx.at,
    ) {
        Ok(r) => r,
        Err(e) => {
            decided(
                ex,
                Outcome::Failed(format!("the SES_Signature is unreadable: {e}")),
            );
            return;
        }
    };
    ex.report.facts.extend(
        seal.report
            .facts
            .iter()
            .filter(|(k, _)| matches!(*k, "seal name" | "esID" | "stamp time"))
            .map(|(k, v)| (*k, v.clone())),
    );
    let mut failed: Vec<String> = seal
        .report
        .checks
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Failed(t) => Some(format!("{}: {t}", c.id)),
            _ => None,
        })
        .collect();
    if pdf_signer.is_some_and(|c| c != seal.signer_cert.as_slice()) {
        failed.push(
            "the seal signature's signer is not the PDF's signer (a seal signature taken from \
             another document)"
                .into(),
        );
    }
    let unverifiable: Vec<String> = seal
        .report
        .checks
        .iter()
        .enumerate()
        .filter(|(i, _)| !seal.pending.iter().any(|p| p.0 == *i))
        .filter_map(|(_, c)| match &c.outcome {
            Outcome::Unverifiable(t) => Some(format!("{}: {t}", c.id)),
            _ => None,
        })
        .collect();
    let passed = seal
        .report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Passed(_)))
        .count();
    ex.stamps.push(seal.stamp.clone());
    if !failed.is_empty() {
        decided(ex, Outcome::Failed(failed.join("; ")));
    } else if !unverifiable.is_empty() {
        decided(ex, Outcome::Unverifiable(unverifiable.join("; ")));
    } else if let Some(window) = seal.pending_window() {
        let detail = format!(
            "{}: {passed} check(s) passed; {}",
            seal.report.subject,
            seal.pending
                .iter()
                .map(|p| p.2.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        ex.push_chain(
            CheckId::SesSignature,
            label,
            label_zh,
            crate::chain::ChainOutcome::Pending { window, detail },
            Attest::Stamp(ex.stamps.len() - 1),
        );
    } else {
        decided(
            ex,
            Outcome::Passed(format!(
                "{}: {passed} check(s) passed; dataHash is SM3 of the signed bytes",
                seal.report.subject
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pdf_dates_read() {
        let t = pdf_date("D:20260101083000+08'00'").unwrap();
        assert_eq!(t.unix_timestamp(), 1_767_227_400);
        assert_eq!(
            pdf_date("D:2026").unwrap().date(),
            Date::from_calendar_date(2026, Month::January, 1).unwrap()
        );
        assert!(pdf_date("D:20261340").is_none());
        assert!(pdf_date("garbage").is_none());
    }
}
