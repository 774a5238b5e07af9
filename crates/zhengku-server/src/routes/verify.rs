//! The verification routes: anyone verifies with the one verification engine
//! (zhengku-verify, run by [`crate::verification`]), against this library's trust anchors,
//! its departments' certificates and what it knows now.
//!
//! - `POST /v1/verify`: a licence — its PDF, the text of its QR code (the bare `ZK1:`
//!   payload or the verification URL), its signed record — or a seal or an electronic
//!   signature, as the file or the QR text;
//! - `POST /v1/verify/seal` (验章): an electronic signature with the document it signs, or a
//!   seal, as base64 in JSON.
//!
//! Both answer the engine's report in its one JSON shape ([`LicenceVerification`], defined
//! once in zhengku-verify `json`, which also gives the OpenAPI schema), as the web pages and
//! `zhengku verify --json` do.
//!
//! Public: verifiers (a bank clerk, a phone scanning a QR code) have no account. Every
//! input that arrives gets a report, `200`, whatever the verdict, with the reason in its
//! checks; only a request the service cannot read (malformed JSON, an empty body, a media
//! type it does not take, a body over the limit, base64 that is not) is a problem document.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The engine's JSON shape, named where the routes that answer it live.
pub use zhengku_verify::json::LicenceVerification;

use crate::extract::JsonBody;
use crate::problem::{ApiError, InternalError};
use crate::routes::responses::{
    BodyTooLarge, EmptyInput, MalformedJson, NotSealOrSignature, OtherMediaType,
};
use crate::state::AppState;
use crate::verification::{self, SealInput, verify_bytes};

/// A QR payload or URL to verify.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The text of a licence's QR code: the verification URL (`…/V/ZK1:…`) or the bare
    /// `ZK1:` payload.
    pub payload: String,
}

/// What to verify: an electronic signature or a seal, and optionally the document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySealRequest {
    /// An SES_Signature (v4 or v1), DER, base64. Give this or `seal`.
    #[serde(default)]
    pub signature: Option<String>,
    /// A seal (`.esl`, SESeal v4 or v1), DER, base64.
    #[serde(default)]
    pub seal: Option<String>,
    /// The signed document, base64, to check dataHash.
    #[serde(default)]
    pub document: Option<String>,
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

/// Verify a licence PDF or OFD, a PNG annotated copy, QR payload or URL, signed record
/// (`.zkl`), seal (`.esl`) or electronic signature, with the live status from this
/// library. Public.
#[utoipa::path(
    post, path = "/v1/verify", tag = "public",
    request_body(
        description = "JSON `{\"payload\": …}` with a QR code's text, or the file itself: a \
            PDF as application/pdf; an OFD as application/ofd; a PNG annotated copy as \
            image/png; a .zkl, .esl or SES_Signature as application/octet-stream.",
        content(
            (VerifyRequest = "application/json"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/ofd"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "application/octet-stream"),
        )
    ),
    responses(
        (status = 200, description = "The result, whatever the verdict", body = LicenceVerification),
        MalformedJson,
        BodyTooLarge,
        OtherMediaType,
        EmptyInput,
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
        "application/pdf"
            | "application/ofd"
            | "image/png"
            | "application/octet-stream"
            | "text/plain"
    );
    if !is_json && !is_file {
        return Err(ApiError::UnsupportedMediaType(
            "send application/json {\"payload\": …}, application/pdf, application/ofd, \
             image/png or application/octet-stream"
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
    let value = serde_json::to_value(&report).map_err(|e| InternalError::caused("report", e))?;
    let mut response = axum::Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Verify (验章) an electronic signature or a seal against the service's trust anchors,
/// check by check, with this library's record of the seal and the stamp. Public: verifiers
/// need no account. The answer is the engine's report, as `POST /v1/verify` gives it.
#[utoipa::path(
    post, path = "/v1/verify/seal", tag = "public",
    request_body = VerifySealRequest,
    responses(
        (status = 200, description = "The report (valid or not)", body = LicenceVerification),
        NotSealOrSignature,
    )
)]
pub async fn verify_seal(
    State(state): State<AppState>,
    body: JsonBody<VerifySealRequest>,
) -> Result<Json<zhengku_verify::LicenceReport>, ApiError> {
    let req = body.value;
    let b64 = |name: &str, v: &str| {
        STANDARD
            .decode(v.trim())
            .map_err(|_| ApiError::field(name, "not_base64", "not base64"))
    };
    let document = req
        .document
        .as_deref()
        .map(|d| b64("document", d))
        .transpose()?;
    let input = match (&req.signature, &req.seal) {
        (Some(sig), None) => SealInput::Signature {
            der: b64("signature", sig)?,
            document,
        },
        (None, Some(esl)) => SealInput::Seal(b64("seal", esl)?),
        _ => {
            return Err(ApiError::field(
                "signature",
                "one_of",
                "give either signature or seal",
            ));
        }
    };
    Ok(Json(verification::verify_seal(&state, input).await?))
}
