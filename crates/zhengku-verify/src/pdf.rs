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
//! 7. `pdf_signer_chain`: the signer's certificate chains to a trust anchor for document
//!    signing (seal stamping) at the time judged by (the CMS's certificates may complete the
//!    path). A certificate merely expired since passes when it was valid at the signing time
//!    claimed in `/M` (B-B has no trusted time, so this is the signer's claim — the report
//!    says so). Skipped without anchors;
//! 8. `embedded_record`: the embedded `licence.zkl` is there and is a signed licence record;
//!    then the record's own checks, with the department certificates given and, when none
//!    of them holds the record's key, the CMS's certificates (zhengku puts the department's
//!    licence-signing certificate there, so anchors alone suffice offline) ([`crate::licence::record_checks`]: `issuer_key`,
//!    `record_signature`, `issuer_chain`, `issuer_matches`, `validity`, `status`);
//! 9. `record_matches`: the PDF is about that record — its `/Subject` is the record's
//!    identifier (and `/Title`, when present, its type name) — and the PDF's signer belongs
//!    to the record's issuer (the certificate's USCC, else organisation, is the issuer's);
//! 10. `ses_signature`: the `SES_Signature` in the CMS's unsigned attribute
//!     ([`zhengku_pdf::cms::SES_SIGNATURE_ATTRIBUTE_OID`]) passes every check of
//!     [`crate::seal::verify_signature`] with the document = the signed bytes (dataHash = SM3
//!     of the ByteRange content). Skipped when the PDF carries none (others' PDFs).
//!
//! Every check runs even after one fails. The verdict follows [`crate::licence::verdict`]:
//! any failed check other than `validity` and `status` makes the PDF 无效.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_crypto::{PublicKey, Signature};
use zhengku_model::SignedLicence;
use zhengku_pdf::cms::{self, SignedData};
use zhengku_pdf::parse::{SignedPdf, parse_signed};
use zhengku_pki::validate::{Purpose, Revocation, ValidationError, ValidationInput, validate};

use crate::context::{Context, Verdict};
use crate::licence::{InputKind, LicenceReport, check, record_checks, verdict};
use crate::report::{Check, Outcome, Report};
use crate::seal::Trust;

const SUBJECT: &str = "licence PDF with a PAdES signature (电子证照版式文件)";

/// The licence identifier in a PDF's embedded record, without verifying anything (for
/// looking the live status up before [`verify_pdf`]).
pub fn identifier(pdf: &[u8]) -> Option<String> {
    let parsed = parse_signed(pdf).ok()?;
    let record = SignedLicence::from_bytes(parsed.embedded_record.as_deref()?).ok()?;
    Some(record.record().identifier.to_string())
}

/// Verifies a licence PDF (see the module documentation for the checks).
pub fn verify_pdf(pdf: &[u8], ctx: &Context<'_>) -> LicenceReport {
    let parsed = match parse_signed(pdf) {
        Ok(p) => p,
        Err(e) => {
            return LicenceReport::unreadable(
                InputKind::Pdf,
                SUBJECT,
                "pdf_structure",
                "PDF signature found",
                "PDF签名可读",
                e.to_string(),
            );
        }
    };
    let mut report = Report {
        subject: SUBJECT.to_owned(),
        facts: Vec::new(),
        checks: Vec::new(),
    };
    report.checks.push(check(
        "pdf_structure",
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
        report.facts.push(("signing time (/M)", m.clone()));
    }
    report.checks.push(byte_range_check(&parsed));
    report.checks.push(appended_check(&parsed));

    // The CMS.
    let cms = cms::decode(&parsed.cms);
    let signer_cert = cms.as_ref().ok().and_then(|sd| sd.signer_certificate());
    if let Some(c) = signer_cert {
        report.facts.push(("PDF signer", subject_of(c)));
    }
    let digest_alg = cms
        .as_ref()
        .ok()
        .and_then(|sd| cms::signer_algorithms(&sd.signer).ok())
        .map(|(d, _)| d);
    report.checks.push(check(
        "cms_signature",
        "CMS signature over the signed attributes",
        "PDF签名值有效",
        match &cms {
            Ok(sd) => cms_signature(sd),
            Err(e) => Outcome::Failed(format!("the CMS in /Contents is unreadable: {e}")),
        },
    ));
    report.checks.push(check(
        "message_digest",
        "signed bytes match the message digest",
        "签名原文摘要一致",
        match (&cms, digest_alg) {
            (Ok(sd), Some(d)) => message_digest(sd, d, &parsed.signed_content),
            (Ok(_), None) => Outcome::Failed("the digest algorithm is not supported".into()),
            (Err(_), _) => Outcome::Failed("the CMS is unreadable".into()),
        },
    ));
    report.checks.push(check(
        "signing_certificate",
        "signing-certificate-v2 names the signer",
        "签名证书属性一致",
        match (&cms, signer_cert) {
            (Ok(sd), Some(cert)) => signing_certificate(sd, cert),
            (Ok(_), None) => Outcome::Failed("the CMS carries no signer certificate".into()),
            (Err(_), _) => Outcome::Failed("the CMS is unreadable".into()),
        },
    ));
    let cms_certs: &[Vec<u8>] = cms.as_ref().map_or(&[], |sd| sd.certificates.as_slice());
    let (chain_check, signer_uscc) = signer_chain(ctx, signer_cert, cms_certs, &parsed);
    report.checks.push(chain_check);

    // The embedded record and the licence's own checks.
    let record = match (&parsed.embedded_record, &parsed.embedded_problem) {
        (Some(bytes), _) => SignedLicence::from_bytes(bytes).map_err(|e| e.to_string()),
        (None, Some(p)) => Err(p.clone()),
        (None, None) => Err(format!(
            "no embedded file named {}",
            zhengku_pdf::parse::LICENCE_FILE_NAME
        )),
    };
    report.checks.push(check(
        "embedded_record",
        "embedded licence record readable",
        "内嵌证照数据可读",
        match &record {
            Ok(r) => Outcome::Passed(format!(
                "{} ({} bytes), {}, key {}",
                zhengku_pdf::parse::LICENCE_FILE_NAME,
                parsed.embedded_record.as_ref().map_or(0, Vec::len),
                r.algorithm(),
                r.key_id()
            )),
            Err(e) => Outcome::Failed(e.clone()),
        },
    ));
    let (standing, facts) = match &record {
        Ok(r) => {
            // zhengku's PDFs carry the department's licence-signing certificate among the
            // CMS certificates, so that trust anchors alone are enough offline. It is offered
            // only when the departments given do not hold the record's key, and it must
            // still chain to the anchors (`issuer_chain`) like any other.
            let (extended, intermediates): (Vec<Vec<u8>>, Vec<Vec<u8>>);
            let carried;
            let record_ctx = if crate::licence::find_signer(ctx, r.key_id()).is_none()
                && !cms_certs.is_empty()
            {
                extended = ctx.signers.iter().chain(cms_certs).cloned().collect();
                // The CMS's CA certificates may complete the department's path too, as they
                // do the seal holder's: a verifier may hold nothing but a root.
                intermediates = ctx
                    .trust
                    .intermediates
                    .iter()
                    .chain(cms_certs)
                    .cloned()
                    .collect();
                carried = Context {
                    signers: &extended,
                    trust: Trust {
                        intermediates: &intermediates,
                        ..ctx.trust
                    },
                    ..*ctx
                };
                if crate::licence::find_signer(&carried, r.key_id()).is_some() {
                    report
                        .facts
                        .push(("issuer certificate", "carried in the PDF".to_owned()));
                }
                &carried
            } else {
                ctx
            };
            let (v, f) = record_checks(r, record_ctx, &mut report);
            (v, Some(f))
        }
        Err(_) => (Verdict::Invalid, None),
    };
    report.checks.push(check(
        "record_matches",
        "the PDF shows the embedded licence, signed by its issuer",
        "版式文件与证照数据一致",
        match &record {
            Ok(r) => record_matches(&parsed, r, signer_cert, signer_uscc.as_deref()),
            Err(_) => Outcome::Skipped("no embedded licence record to compare".into()),
        },
    ));
    let (ses_check, ses_facts) = ses_signature(cms.as_ref().ok(), &parsed, ctx);
    report.facts.extend(ses_facts);
    report.checks.push(ses_check);

    let verdict = verdict(&report, standing);
    LicenceReport {
        report,
        verdict,
        facts,
        kind: InputKind::Pdf,
    }
}

fn byte_range_check(p: &SignedPdf) -> Check {
    let [a, alen, c, clen] = p.byte_range;
    check(
        "byte_range",
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
        "appended_data",
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

fn subject_of(cert: &[u8]) -> String {
    X509Certificate::from_der(cert)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_else(|_| "(unreadable certificate)".to_owned())
}

fn certificate_key(cert: &[u8]) -> Result<PublicKey, String> {
    let (_, c) =
        X509Certificate::from_der(cert).map_err(|e| format!("certificate unreadable: {e}"))?;
    PublicKey::from_spki_der(c.public_key().raw)
        .map_err(|e| format!("certificate key unusable: {e}"))
}

/// Check 4.
fn cms_signature(sd: &SignedData) -> Outcome {
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
    match key.verify(attrs, &sig) {
        Ok(()) => Outcome::Passed(format!("{alg} by {}", subject_of(cert))),
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
    content: &[u8],
) -> Outcome {
    match sd.signer.content_type() {
        Ok(Some(ct)) if ct == cms::oid::DATA => {}
        Ok(Some(ct)) => return Outcome::Failed(format!("content-type is {ct}, not id-data")),
        Ok(None) => return Outcome::Failed("no content-type attribute".into()),
        Err(e) => return Outcome::Failed(e),
    }
    let actual = zhengku_crypto::digest::digest(alg, content);
    match sd.signer.message_digest() {
        Ok(Some(d)) if d == actual => {
            Outcome::Passed(format!("{alg} {} of {} bytes", hex(&actual), content.len()))
        }
        Ok(Some(d)) => Outcome::Failed(format!(
            "the signed bytes' {alg} is {}, the signature holds {}",
            hex(&actual),
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

/// Check 7, and the signer's USCC from its verified path (for check 9).
fn signer_chain(
    ctx: &Context<'_>,
    cert: Option<&[u8]>,
    cms_certs: &[Vec<u8>],
    parsed: &SignedPdf,
) -> (Check, Option<String>) {
    let label = "PDF signer's certificate chain";
    let label_zh = "PDF签名证书链";
    let Some(cert) = cert else {
        return (
            check(
                "pdf_signer_chain",
                label,
                label_zh,
                Outcome::Failed("no signer certificate in the CMS".into()),
            ),
            None,
        );
    };
    let uscc = X509Certificate::from_der(cert)
        .ok()
        .and_then(|(_, c)| zhengku_pki::name::uscc_of(c.subject()))
        .map(|u| u.as_str().to_owned());
    if ctx.trust.anchors.is_empty() {
        return (
            check(
                "pdf_signer_chain",
                label,
                label_zh,
                Outcome::Skipped("no trust anchors given".into()),
            ),
            uscc,
        );
    }
    let intermediates: Vec<Vec<u8>> = ctx
        .trust
        .intermediates
        .iter()
        .chain(cms_certs.iter().filter(|c| c.as_slice() != cert))
        .cloned()
        .collect();
    let at = |time| {
        validate(&ValidationInput {
            end_entity: cert,
            intermediates: &intermediates,
            anchors: ctx.trust.anchors,
            crls: ctx.trust.crls,
            time,
            purpose: Purpose::SealStamping,
            revocation: Revocation::IfAvailable,
        })
    };
    let describe = |path: &zhengku_pki::VerifiedPath| {
        format!(
            "{} certificate(s) to {}, {} CRL(s) consulted",
            path.chain.len(),
            path.chain.last().map_or("(anchor)", |c| c.subject.as_str()),
            path.crls_checked
        )
    };
    let outcome = match at(ctx.at) {
        Ok(path) => Outcome::Passed(describe(&path)),
        Err(ValidationError::Expired { subject, .. }) => {
            match parsed.signing_time.as_deref().and_then(pdf_date) {
                Some(t) => match at(t) {
                    Ok(path) => Outcome::Passed(format!(
                        "{}; valid at the signing time the signer claims in /M ({t}), \
                         {subject} has expired since",
                        describe(&path)
                    )),
                    Err(e) => Outcome::Failed(format!("at the claimed signing time: {e}")),
                },
                None => Outcome::Failed(format!(
                    "{subject} has expired and the PDF claims no readable signing time"
                )),
            }
        }
        Err(e) => Outcome::Failed(e.to_string()),
    };
    (check("pdf_signer_chain", label, label_zh, outcome), uscc)
}

/// Check 9.
fn record_matches(
    parsed: &SignedPdf,
    signed: &SignedLicence,
    signer_cert: Option<&[u8]>,
    signer_uscc: Option<&str>,
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
    let organisation = signer_cert.and_then(crate::licence::certificate_organisation);
    let signer = match (signer_cert, signer_uscc) {
        (None, _) => {
            problems.push("no PDF signer certificate to compare with the issuer".into());
            String::new()
        }
        (Some(_), Some(u)) if u == issuer_code => format!(", signed by USCC {u}"),
        (Some(_), Some(u)) => {
            problems.push(format!(
                "the PDF is signed by USCC {u}, the licence's issuer is {issuer_code}"
            ));
            String::new()
        }
        (Some(_), None) => match organisation {
            Some(o) if o.starts_with(&r.issuer_name) => format!(", signed by {o}"),
            other => {
                problems.push(format!(
                    "the PDF signer ({}) is not recognisably the issuer {}",
                    other.unwrap_or_else(|| "no organisation".into()),
                    r.issuer_name
                ));
                String::new()
            }
        },
    };
    if problems.is_empty() {
        Outcome::Passed(format!("/Subject is {identifier}{signer}"))
    } else {
        Outcome::Failed(problems.join("; "))
    }
}

/// Check 10, and facts from the seal signature.
fn ses_signature(
    sd: Option<&SignedData>,
    parsed: &SignedPdf,
    ctx: &Context<'_>,
) -> (Check, Vec<(&'static str, String)>) {
    let label = "seal signature (SES_Signature) over the same bytes";
    let label_zh = "电子签章有效";
    let Some(sd) = sd else {
        return (
            check(
                "ses_signature",
                label,
                label_zh,
                Outcome::Failed("the CMS is unreadable".into()),
            ),
            Vec::new(),
        );
    };
    let ses = match sd.signer.ses_signature() {
        Ok(Some(s)) => s,
        Ok(None) => {
            return (
                check(
                    "ses_signature",
                    label,
                    label_zh,
                    Outcome::Skipped("the PDF carries no SES_Signature".into()),
                ),
                Vec::new(),
            );
        }
        Err(e) => {
            return (
                check("ses_signature", label, label_zh, Outcome::Failed(e)),
                Vec::new(),
            );
        }
    };
    // The CMS's certificates may complete the seal's paths too (the holder's issuing CA is
    // there), so that a verifier holding only a root can check the seal.
    let intermediates: Vec<Vec<u8>> = ctx
        .trust
        .intermediates
        .iter()
        .chain(&sd.certificates)
        .cloned()
        .collect();
    let trust = Trust {
        intermediates: &intermediates,
        ..ctx.trust
    };
    let seal_report =
        match crate::seal::verify_signature(&ses, Some(&parsed.signed_content), trust, ctx.at) {
            Ok(r) => r,
            Err(e) => {
                return (
                    check(
                        "ses_signature",
                        label,
                        label_zh,
                        Outcome::Failed(format!("the SES_Signature is unreadable: {e}")),
                    ),
                    Vec::new(),
                );
            }
        };
    let facts: Vec<(&'static str, String)> = seal_report
        .facts
        .iter()
        .filter(|(k, _)| matches!(*k, "seal name" | "esID" | "stamp time"))
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let failed: Vec<String> = seal_report
        .checks
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Failed(t) => Some(format!("{}: {t}", c.id)),
            _ => None,
        })
        .collect();
    let skipped = seal_report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped(_)))
        .count();
    let outcome = if failed.is_empty() {
        Outcome::Passed(format!(
            "{}: {} check(s) passed{}; dataHash is SM3 of the signed bytes",
            seal_report.subject,
            seal_report.checks.len() - skipped,
            if skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            }
        ))
    } else {
        Outcome::Failed(failed.join("; "))
    };
    (check("ses_signature", label, label_zh, outcome), facts)
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
