//! `POST /v1/verify`: anyone verifies a licence — its PDF, the text of its QR code (the bare
//! `ZK1:` payload or the verification URL), its signed record, a seal or an electronic
//! signature — with the one verification engine (zhengku-verify), against this library's
//! trust anchors, its departments' certificates and the licence's live status here.
//!
//! Public: verifiers (a bank clerk, a phone scanning a QR code) have no account. Every
//! input that arrives gets a report, `200`, whatever the verdict, with the reason in its
//! checks; only a request the service cannot read (malformed JSON, an empty body, a media
//! type it does not take, a body over the limit) is a problem document.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use zhengku_model::LicenceStatus;
use zhengku_verify::{Context, LicenceReport, LiveStatus, Outcome};

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
    /// When issued, Unix seconds.
    pub issued_at: i64,
    /// The live status, when the licence is in this library.
    pub status: Option<LiveStatusView>,
}

/// A verification result (the engine's report, zhengku-verify `json`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceVerification {
    /// `valid`, `suspended`, `revoked`, `expired` or `invalid`.
    pub verdict: String,
    /// 有效, 已暂停, 已撤销, 已过期 or 无效.
    pub verdict_zh: String,
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

/// Runs the engine over `input` with this library's trust, departments and live status.
pub async fn verify_bytes(state: &AppState, input: Vec<u8>) -> Result<LicenceReport, ApiError> {
    let now = OffsetDateTime::now_utc();
    let mut statuses: HashMap<String, LiveStatus> = HashMap::new();
    let identify_input = input.clone();
    let identifier = tokio::task::spawn_blocking(move || zhengku_verify::identify(&identify_input))
        .await
        .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    if let Some(id) = identifier
        && zhengku_model::LicenceId::parse(&id).is_ok()
    {
        match state.store().get_licence(&id).await {
            Ok(stored) => {
                let reason = if stored.status == LicenceStatus::Valid {
                    None
                } else {
                    state
                        .store()
                        .licence_events(&id)
                        .await?
                        .last()
                        .map(|e| e.reason.clone())
                };
                statuses.insert(
                    id,
                    LiveStatus {
                        status: stored.status,
                        reason,
                        as_of: now.unix_timestamp(),
                        source: "library".to_owned(),
                    },
                );
            }
            Err(zhengku_store::StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let (input, statuses) = (Arc::new(input), Arc::new(statuses));
    let mut report = verify_with(state, &input, now, &statuses, false).await?;
    // A key no department here holds may be a department registered on another replica
    // since the certificates were read: read them again, once.
    if matches!(
        report.report.outcome("issuer_key"),
        Some(Outcome::Failed(_))
    ) {
        report = verify_with(state, &input, now, &statuses, true).await?;
    }
    // A QR payload carries codes, not names (to stay small): name the type and the issuer
    // from this library's catalogue and departments, which the codes index.
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
    Ok(report)
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

/// Runs the engine on the blocking pool with the cached department certificates and memo.
async fn verify_with(
    state: &AppState,
    input: &Arc<Vec<u8>>,
    now: OffsetDateTime,
    statuses: &Arc<HashMap<String, LiveStatus>>,
    stale: bool,
) -> Result<LicenceReport, ApiError> {
    let verifier = state.verifier(stale).await?;
    let (worker, input, statuses) = (state.clone(), input.clone(), statuses.clone());
    tokio::task::spawn_blocking(move || {
        let ctx = Context {
            at: now,
            trust: worker.trust().as_trust(),
            signers: &verifier.signers,
            status: statuses.as_ref(),
            memo: Some(&verifier.memo),
        };
        zhengku_verify::verify_input(&input, &ctx)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verify task: {e}")))
}
