//! Examining a QR payload (`ZK1:…`, bare or inside the verification URL).
//!
//! The checks, with stable ids (the licence checks are those of [`crate::licence`]):
//!
//! 1. `qr_decode`: the text holds a `ZK1:` payload that decodes (base45, zlib, strict
//!    COSE_Sign1 and claims);
//! 2. `issuer_key`: the payload's key id (`kid`) belongs to a department certificate the
//!    verifier holds;
//! 3. `qr_signature`: the COSE signature verifies with that key;
//! 4. `issuer_chain`, 5. `issuer_matches` (the certificate's USCC against the claims'
//!    issuer code), 6. `validity`: as for a record; then phase two's `library_record` (the
//!    payload's record digest against the stored record), `status`.
//!
//! A payload carries only the masked claims and a digest of the full record, so the facts
//! come from the claims: there is no licence type name, and the issuer's name is the
//! organisation in the signer's certificate.

use zhengku_crypto::Algorithm;
use zhengku_qr::{decode_payload, verify_payload_with};

use crate::context::Context;
use crate::engine::{Examined, LicenceClaim};
use crate::licence::{
    InputKind, LicenceFacts, find_signer, issuer_chain_check, issuer_key_check,
    issuer_matches_check, unreadable, validity_check,
};
use crate::report::{CheckId, Outcome, Report, check};

const SUBJECT: &str = "zhengku QR payload (ZK1: COSE_Sign1)";

/// Examines a QR payload: the bare `ZK1:` text or a URL holding one (surrounding white
/// space is ignored).
pub fn examine_qr(text: &str, ctx: &Context<'_>) -> Examined {
    let text = text.trim();
    let payload = match decode_payload(text) {
        Ok(p) => p,
        Err(e) => {
            return unreadable(
                InputKind::Qr,
                SUBJECT,
                CheckId::QrDecode,
                "QR payload readable",
                "二维码内容可读",
                e.to_string(),
            );
        }
    };
    let claims = &payload.claims;
    let mut ex = Examined::new(
        InputKind::Qr,
        Report {
            subject: SUBJECT.to_owned(),
            facts: vec![
                ("identifier", claims.identifier.clone()),
                ("signing key", payload.kid.to_string()),
            ],
            checks: vec![check(
                CheckId::QrDecode,
                "QR payload readable",
                "二维码内容可读",
                Outcome::Passed(format!("{}, key {}", payload.alg, payload.kid)),
            )],
        },
    );
    let (signer, _) = find_signer(ctx, payload.kid, &[]);
    ex.report.checks.push(issuer_key_check(
        ctx,
        payload.kid,
        &claims.issuer_code,
        signer.as_ref(),
    ));
    ex.report.checks.push(check(
        CheckId::QrSignature,
        "issuer's signature over the QR payload",
        "二维码签名",
        match signer.as_ref().and_then(|s| s.key.as_ref()) {
            Some(key) => match verify_payload_with(&payload, key, ctx.signatures()) {
                Ok(_) => Outcome::Passed(format!("{} by key {}", payload.alg, payload.kid)),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            None => Outcome::Skipped("no certificate holds the signing key".into()),
        },
    ));
    let issued_at = i64::try_from(claims.issued_at).unwrap_or(i64::MAX);
    issuer_chain_check(ctx, signer.as_ref(), &[], issued_at, &mut ex);
    ex.report
        .checks
        .push(issuer_matches_check(signer.as_ref(), &claims.issuer_code));
    let (validity, standing) =
        validity_check(claims.valid_from, claims.valid_until, issued_at, ctx.at);
    ex.report.checks.push(validity);
    ex.dates_standing = standing;
    ex.report.facts.push((
        "record digest",
        claims
            .licence_digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    ));
    ex.facts = Some(LicenceFacts {
        identifier: claims.identifier.clone(),
        type_code: claims.type_code.clone(),
        type_name: None,
        issuer_code: claims.issuer_code.clone(),
        issuer_name: signer
            .as_ref()
            .and_then(|s| s.display_name().map(str::to_owned)),
        holder_name: claims.holder_name.clone(),
        holder_code: claims.holder_code.clone(),
        valid_from: claims.valid_from,
        valid_until: claims.valid_until,
        issue_date: claims.issue_date,
        issued_at,
        status: None,
    });
    ex.licence = Some(LicenceClaim {
        identifier: claims.identifier.clone(),
        record_sha256: None,
        qr_digest: Some((payload.alg == Algorithm::Sm2Sm3, claims.licence_digest)),
        // The compact entry names a list by number only: relative to the library that
        // issued it (`/sl/<n>`), resolved by whoever holds that library's lists.
        status: claims
            .status_entry
            .map(|(list, idx)| zhengku_status::Reference {
                idx,
                uri: format!("{}{list}", zhengku_status::LIST_PATH),
            }),
    });
    ex
}
