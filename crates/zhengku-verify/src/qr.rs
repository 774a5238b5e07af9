//! Verifying a QR payload (`ZK1:…`, bare or inside the verification URL) offline.
//!
//! The checks, with stable ids (the licence checks are those of [`crate::licence`]):
//!
//! 1. `qr_decode`: the text holds a `ZK1:` payload that decodes (base45, zlib, strict
//!    COSE_Sign1 and claims);
//! 2. `issuer_key`: the payload's key id (`kid`) belongs to one of the departments'
//!    certificates given;
//! 3. `qr_signature`: the COSE signature verifies with that key;
//! 4. `issuer_chain`, 5. `issuer_matches` (the certificate's USCC against the claims'
//!    issuer code), 6. `validity`, 7. `status`: as for a record.
//!
//! A payload carries only the masked claims and a digest of the full record, so the facts
//! come from the claims: there is no licence type name, and the issuer's name is the
//! organisation in the signer's certificate.

use zhengku_qr::{decode_payload, verify_payload};

use crate::context::{Context, Verdict};
use crate::licence::{
    InputKind, LicenceFacts, LicenceReport, check, find_signer, issuer_chain_check,
    issuer_key_check, issuer_matches_check, status_check, validity_check, verdict, worst,
};
use crate::report::{Outcome, Report};

const SUBJECT: &str = "zhengku QR payload (ZK1: COSE_Sign1)";

/// Verifies a QR payload: the bare `ZK1:` text or a URL holding one (surrounding white
/// space is ignored).
pub fn verify_qr(text: &str, ctx: &Context<'_>) -> LicenceReport {
    let text = text.trim();
    let payload = match decode_payload(text) {
        Ok(p) => p,
        Err(e) => {
            return LicenceReport::unreadable(
                InputKind::Qr,
                SUBJECT,
                "qr_decode",
                "QR payload readable",
                "二维码内容可读",
                e.to_string(),
            );
        }
    };
    let claims = &payload.claims;
    let mut report = Report {
        subject: SUBJECT.to_owned(),
        facts: vec![
            ("identifier", claims.identifier.clone()),
            ("signing key", payload.kid.to_string()),
        ],
        checks: vec![check(
            "qr_decode",
            "QR payload readable",
            "二维码内容可读",
            Outcome::Passed(format!("{}, key {}", payload.alg, payload.kid)),
        )],
    };
    let signer = find_signer(ctx, payload.kid);
    report
        .checks
        .push(issuer_key_check(ctx, payload.kid, signer.as_ref()));
    report.checks.push(check(
        "qr_signature",
        "issuer's signature over the QR payload",
        "二维码签名",
        match &signer {
            Some(s) => match verify_payload(&payload, &s.key) {
                Ok(_) => Outcome::Passed(format!("{} by key {}", payload.alg, payload.kid)),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            None => Outcome::Skipped("no certificate holds the signing key".into()),
        },
    ));
    let issued_at = i64::try_from(claims.issued_at).unwrap_or(i64::MAX);
    report
        .checks
        .push(issuer_chain_check(ctx, signer.as_ref(), issued_at));
    report.checks.push(issuer_matches_check(
        signer.as_ref(),
        &claims.issuer_code,
        None,
    ));
    let (validity, validity_standing) =
        validity_check(claims.valid_from, claims.valid_until, issued_at, ctx.at);
    report.checks.push(validity);
    let (status, live, status_standing) = status_check(ctx, &claims.identifier);
    report.checks.push(status);
    report.facts.push((
        "record digest",
        claims
            .licence_digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    ));

    let facts = LicenceFacts {
        identifier: claims.identifier.clone(),
        type_code: claims.type_code.clone(),
        type_name: None,
        issuer_code: claims.issuer_code.clone(),
        issuer_name: signer.as_ref().and_then(|s| s.names.display.clone()),
        holder_name: claims.holder_name.clone(),
        holder_code: claims.holder_code.clone(),
        valid_from: claims.valid_from,
        valid_until: claims.valid_until,
        issued_at,
        status: live,
    };
    let standing: Verdict = worst(validity_standing, status_standing);
    LicenceReport {
        verdict: verdict(&report, standing),
        report,
        facts: Some(facts),
        kind: InputKind::Qr,
    }
}
