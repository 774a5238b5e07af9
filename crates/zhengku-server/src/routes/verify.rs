//! `POST /v1/verify`: anyone verifies a licence — its PDF, the text of its QR code (the bare
//! `ZK1:` payload or the verification URL), its signed record, a seal or an electronic
//! signature — with the one verification engine (zhengku-verify), against this library's
//! trust anchors, its departments' certificates and the licence's live status here.
//!
//! Public: verifiers (a bank clerk, a phone scanning a QR code) have no account. Every
//! input that arrives gets a report, `200`, whatever the verdict, with the reason in its
//! checks; only a request the service cannot read (malformed JSON, an empty body, a media
//! type it does not take, a body over the limit) is a problem document.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use zhengku_model::LicenceStatus;
use zhengku_verify::{
    Examined, LicenceLive, LicenceReport, Live, Lookup, Outcome, RecordDigests, SealLive,
    StampClaim,
};

use crate::problem::{ApiError, Problem};
use crate::routes::seals::{CheckView, FactView};
use crate::state::AppState;

/// A QR payload or URL to verify.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The text of a licence's QR code: the verification URL (`…/V/ZK1:…`) or the bare
    /// `ZK1:` payload.
    pub payload: String,
}

/// A licence's live status in this library.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LiveStatusView {
    /// Stored status: `valid`, `suspended`, `revoked`, `cancelled`, `expired`, `withdrawn`.
    pub status: String,
    /// The same in Chinese (有效, 已暂停, 已撤销, …).
    pub status_zh: String,
    /// Why it last changed, if it is not valid.
    pub reason: Option<String>,
    /// When this was the status, Unix seconds.
    pub as_of: i64,
    /// Where it came from: `library`.
    pub source: String,
}

/// What the verified input says about the licence (personal data masked).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceFactsView {
    /// 证照标识.
    pub identifier: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照类型名称, when known.
    pub type_name: Option<String>,
    /// 发证机构代码 (USCC).
    pub issuer_code: String,
    /// 发证机构, when known.
    pub issuer_name: Option<String>,
    /// 持证主体, masked for persons (张*三).
    pub holder_name: String,
    /// 持证主体代码, masked for persons.
    pub holder_code: String,
    /// 有效期起始日期, `YYYY-MM-DD`.
    pub valid_from: String,
    /// 有效期截止日期; null for 长期.
    pub valid_until: Option<String>,
    /// 发证日期, `YYYY-MM-DD`, when known.
    pub issue_date: Option<String>,
    /// When signed, Unix seconds.
    pub issued_at: i64,
    /// The live status, when the licence is in this library.
    pub status: Option<LiveStatusView>,
}

/// A verification result (the engine's report, zhengku-verify `json`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceVerification {
    /// `valid`, `suspended`, `revoked`, `expired`, `invalid` or `unverifiable`.
    pub verdict: String,
    /// 有效, 已暂停, 已撤销, 已过期, 无效 or 无法核验.
    pub verdict_zh: String,
    /// What `zhengku verify` exits with for it: 0 valid, 1 invalid or not in force, 2
    /// unverifiable.
    pub exit_code: u8,
    /// What the input was: `pdf`, `qr`, `record`, `seal`, `signature`.
    pub kind: String,
    /// What was verified, in words.
    pub subject: String,
    /// The licence's facts; null for seals and unreadable input.
    pub facts: Option<LicenceFactsView>,
    /// Everything else read from the input.
    pub details: Vec<FactView>,
    /// Every check, in order.
    pub checks: Vec<CheckView>,
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
    let mut examined = state.verify_blocking(run(verifier, input.clone())).await?;
    // A key no department here holds may be a department registered on another replica
    // since the certificates were read: read them again (at most one reload at a time,
    // and not more than once a second), and examine again only if a department was added.
    if matches!(
        examined.report.outcome("issuer_key"),
        Some(Outcome::Failed(_) | Outcome::Unverifiable(_))
    ) {
        let fresh = state.verifier(true).await?;
        if fresh.departments.len() != known {
            examined = state.verify_blocking(run(fresh, input)).await?;
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
        Lookup::Unknown => return Ok(Lookup::Unknown),
    };
    live.attested_at = match &stamp.signature_sha256 {
        Some(digest) => state.store().stamp_time(&stamp.esid, digest).await?,
        // A bare seal: the library attests when it made it.
        None => Some(created_at),
    };
    Ok(Lookup::Found(live))
}

/// Admits a large upload for verification before its bytes are buffered
/// ([`AppState::admit_upload`]). A refused one is answered at once, and its body is read
/// and dropped in the background (up to the body limit): an HTTP/1.1 client still sending
/// would otherwise see its connection reset instead of the answer.
pub async fn admit_upload(
    state: &AppState,
    req: Request,
) -> Result<(Option<tokio::sync::OwnedSemaphorePermit>, Request), ApiError> {
    match state.admit_upload(req.headers()).await {
        Ok(permit) => Ok((permit, req)),
        Err(refusal) => {
            tokio::spawn(drain(req.into_body(), state.body_limit()));
            Err(refusal)
        }
    }
}

/// Reads `body` to its end, or past `limit` bytes, and drops what it read.
async fn drain(mut body: axum::body::Body, limit: usize) {
    use axum::body::HttpBody;
    let mut seen = 0usize;
    while let Some(Ok(frame)) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        seen += frame.data_ref().map_or(0, Bytes::len);
        if seen > limit {
            break;
        }
    }
}

/// The media type of a request, lowercased, without parameters.
fn media_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Verify a licence PDF, QR payload or URL, signed record (`.zkl`), seal (`.esl`) or
/// electronic signature, with the live status from this library. Public.
#[utoipa::path(
    post, path = "/v1/verify", tag = "public",
    request_body(
        description = "JSON `{\"payload\": …}` with a QR code's text, or the file itself: a \
            PDF as application/pdf; a .zkl, .esl or SES_Signature as application/octet-stream.",
        content(
            (VerifyRequest = "application/json"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/octet-stream"),
        )
    ),
    responses(
        (status = 200, description = "The result, whatever the verdict", body = LicenceVerification),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Another media type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty payload or body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify_licence(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let mime = media_type(&req);
    let is_json =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    let is_file = matches!(
        mime.as_str(),
        "application/pdf" | "application/octet-stream" | "text/plain"
    );
    if !is_json && !is_file {
        return Err(ApiError::UnsupportedMediaType(
            "send application/json {\"payload\": …}, application/pdf or \
             application/octet-stream"
                .into(),
        ));
    }
    let limit = state.body_limit();
    let (_upload, req) = admit_upload(&state, req).await?;
    let body = Bytes::from_request(req, &state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::BadRequest(format!("cannot read the body: {}", e.body_text()))
        }
    })?;
    let input = if is_json {
        let req: VerifyRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("body is not the JSON expected: {e}")))?;
        let payload = req.payload.trim();
        if payload.is_empty() {
            return Err(ApiError::field(
                "payload",
                "required",
                "give the QR code's text (ZK1:… or the verification URL)",
            ));
        }
        payload.as_bytes().to_vec()
    } else {
        if body.is_empty() {
            return Err(ApiError::field("body", "required", "the body is empty"));
        }
        body.to_vec()
    };
    let report = verify_bytes(&state, input).await?;
    let value =
        serde_json::to_value(&report).map_err(|e| ApiError::Internal(format!("report: {e}")))?;
    let mut response = axum::Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
