//! Verification (验证) for the service: the one engine (zhengku-verify) run with this
//! library's trust, its departments' certificates and what it knows now — the licence's
//! status and record, each seal's status and the stamps it made.
//!
//! [`verify_bytes`] serves `POST /v1/verify` and the verification pages (any input the
//! engine recognises); [`verify_seal`] serves `POST /v1/verify/seal` (an electronic
//! signature with its document, or a seal). Both give the engine's [`LicenceReport`].
//! Phase one runs on the blocking pool ([`AppState::verify_blocking`]), or for small input
//! (a QR payload) on the async thread ([`AppState::verify_sized`]); phase two's facts come
//! from the store ([`gather_live`]).

use std::sync::Arc;

use time::OffsetDateTime;
use zhengku_model::LicenceStatus;
use zhengku_verify::{
    CheckId, Examined, LicenceLive, LicenceReport, Live, Lookup, Outcome, RecordDigests, SealLive,
    StampClaim,
};

use crate::problem::ApiError;
use crate::state::AppState;

/// What `POST /v1/verify/seal` verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealInput {
    /// An electronic signature (SES_Signature, v4 or v1), DER, and the document it signs
    /// if given (to check its dataHash).
    Signature {
        /// The signature.
        der: Vec<u8>,
        /// The signed document.
        document: Option<Vec<u8>>,
    },
    /// A seal (`.esl`, SESeal v4 or v1), DER.
    Seal(Vec<u8>),
}

/// Verifies a seal or an electronic signature as the engine does any input, with this
/// library's trust and its record of the seal and the stamp. Input that does not decode
/// as what it is said to be is a validation problem naming the DER element and offset.
pub async fn verify_seal(state: &AppState, input: SealInput) -> Result<LicenceReport, ApiError> {
    let now = OffsetDateTime::now_utc();
    let verifier = state.verifier(false).await?;
    // Phase one on the blocking pool, as every verification.
    let examined = match input {
        SealInput::Signature { der, document } => state
            .verify_blocking(move || {
                zhengku_verify::examine_seal_signature(
                    &der,
                    document.as_deref(),
                    &verifier.context(now),
                )
            })
            .await?
            .map_err(|e| ApiError::field("signature", "not_ses_signature", e.to_string()))?,
        SealInput::Seal(der) => state
            .verify_blocking(move || zhengku_verify::examine_seal(&der, &verifier.context(now)))
            .await?
            .map_err(|e| ApiError::field("seal", "not_seal", e.to_string()))?,
    };
    let live = gather_live(state, &examined, now.unix_timestamp()).await?;
    Ok(zhengku_verify::conclude(examined, &live, now))
}

/// Runs the engine over `input` with this library's trust, departments and live status:
/// phase one once, on the blocking pool (again only if it met a key no department here
/// holds, after reading the departments again); then the library's records; then the
/// verdict.
pub async fn verify_bytes(state: &AppState, input: Vec<u8>) -> Result<LicenceReport, ApiError> {
    let now = OffsetDateTime::now_utc();
    let input = Arc::new(input);
    let run = |verifier: Arc<crate::state::VerifierSet>, input: Arc<Vec<u8>>| {
        move || zhengku_verify::examine(&input, &verifier.context(now))
    };
    let verifier = state.verifier(false).await?;
    let known = verifier.departments.len();
    let len = input.len();
    let mut examined = state
        .verify_sized(len, run(verifier, input.clone()))
        .await?;
    // A key no department here holds may be a department registered on another replica
    // since the certificates were read: read them again (at most one reload at a time,
    // and not more than once a second), and examine again only if a department was added.
    if matches!(
        examined.report.outcome(CheckId::IssuerKey),
        Some(Outcome::Failed(_) | Outcome::Unverifiable(_))
    ) {
        let fresh = state.verifier(true).await?;
        if fresh.departments.len() != known {
            examined = state.verify_sized(len, run(fresh, input)).await?;
        }
    }
    let live = gather_live(state, &examined, now.unix_timestamp()).await?;
    let mut report = zhengku_verify::conclude(examined, &live, now);
    name_facts(state, &mut report).await;
    Ok(report)
}

/// A QR payload carries codes, not names (to stay small): name the type and the issuer
/// from this library's catalogue and departments, which the codes index.
async fn name_facts(state: &AppState, report: &mut LicenceReport) {
    if let Some(facts) = report.facts.as_mut() {
        if facts.type_name.is_none() {
            facts.type_name = state
                .catalogue()
                .get_str(&facts.type_code)
                .map(|t| t.name().to_owned());
        }
        if facts.issuer_name.is_none()
            && let Ok(d) = state.department(&facts.issuer_code).await
        {
            facts.issuer_name = Some(d.name);
        }
    }
}

/// Where the library's knowledge comes from, in reports.
const SOURCE: &str = "this library";

/// What this library knows now about what `examined` names: the licence (its status, why,
/// and the record it stored) and each seal (status, window, key compromise, the seal it
/// made, and when it made the very signature verified).
pub async fn gather_live(
    state: &AppState,
    examined: &Examined,
    now: i64,
) -> Result<Live, ApiError> {
    let store = state.store();
    let licence = match examined.identifier() {
        None => Lookup::Unknown,
        Some(id) if zhengku_model::LicenceId::parse(id).is_err() => Lookup::NotHeld(SOURCE.into()),
        Some(id) => match store.get_licence(id).await {
            Ok(stored) => {
                let reason = if stored.status == LicenceStatus::Valid {
                    None
                } else {
                    store
                        .licence_events(id)
                        .await?
                        .last()
                        .map(|e| e.reason.clone())
                };
                Lookup::Found(LicenceLive {
                    status: stored.status,
                    reason,
                    as_of: now,
                    source: SOURCE.to_owned(),
                    record: Some(RecordDigests::of(&stored.licence.to_bytes())),
                    good_until: None,
                })
            }
            Err(zhengku_store::StoreError::NotFound { .. }) => Lookup::NotHeld(SOURCE.into()),
            Err(e) => return Err(e.into()),
        },
    };
    let mut seals = Vec::with_capacity(examined.stamps.len());
    for stamp in &examined.stamps {
        seals.push(seal_live(state, stamp, now).await?);
    }
    Ok(Live {
        licence,
        seals,
        max_age: zhengku_verify::DEFAULT_MAX_STATUS_AGE,
    })
}

/// A seal as this library knows it now (no stamp attestation), or `NotHeld`.
pub async fn seal_record(
    state: &AppState,
    esid: &str,
    now: i64,
) -> Result<Lookup<(SealLive, i64)>, ApiError> {
    let store = state.store();
    let stored = match store.get_seal(esid).await {
        Ok(s) => s,
        Err(zhengku_store::StoreError::NotFound { .. }) => {
            return Ok(Lookup::NotHeld(SOURCE.into()));
        }
        Err(e) => return Err(e.into()),
    };
    let last = store.seal_events(esid).await?.pop();
    let compromised = store.seal_key_compromised(esid).await?;
    let fingerprint = zhengku_verify::seal::seal_fingerprint(&stored.seal.esl).ok();
    Ok(Lookup::Found((
        SealLive {
            status: stored.status,
            valid_start: stored.seal.valid_start,
            valid_end: stored.seal.valid_end,
            changed_at: last.as_ref().map(|e| e.at),
            key_compromise: compromised.is_some(),
            reason: last.map(|e| e.reason),
            as_of: now,
            source: SOURCE.to_owned(),
            fingerprint,
            attested_at: None,
            good_until: None,
        },
        stored.created_at,
    )))
}

async fn seal_live(
    state: &AppState,
    stamp: &StampClaim,
    now: i64,
) -> Result<Lookup<SealLive>, ApiError> {
    let (mut live, created_at) = match seal_record(state, &stamp.esid, now).await? {
        Lookup::Found(found) => found,
        Lookup::NotHeld(source) => return Ok(Lookup::NotHeld(source)),
        Lookup::Unavailable(why) => return Ok(Lookup::Unavailable(why)),
        Lookup::Unknown => return Ok(Lookup::Unknown),
    };
    live.attested_at = match &stamp.signature_sha256 {
        Some(digest) => state.store().stamp_time(&stamp.esid, digest).await?,
        // A bare seal: the library attests when it made it.
        None => Some(created_at),
    };
    Ok(Lookup::Found(live))
}
