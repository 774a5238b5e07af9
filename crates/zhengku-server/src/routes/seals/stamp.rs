//! Stamping (盖章) over HTTP: `POST /v1/seals/{esid}/stamp`. The work, the checks and the
//! audit are [`crate::stamping`]'s.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::views::{StampRequest, StampResponse};
use crate::api::rfc3339;
use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::routes::responses::{BadStamp, NoSuchSeal, NotAuthorisedToStamp, SealCannotStamp};
use crate::state::AppState;

/// Stamp (盖章) a document hash with a seal: an API key the seal is authorised for, an
/// active seal within its validity. Refusals are audited too.
#[utoipa::path(
    post, path = "/v1/seals/{esid}/stamp", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = StampRequest,
    responses(
        (status = 200, description = "Stamped", body = StampResponse),
        NotAuthorisedToStamp,
        NoSuchSeal,
        SealCannotStamp,
        BadStamp,
    ),
    security(("bearer" = []))
)]
pub async fn stamp_hash(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<StampRequest>,
) -> Result<Json<StampResponse>, ApiError> {
    let req = body.value;
    let stamped = crate::stamping::stamp(
        &state,
        &principal,
        &esid,
        &req.data_hash,
        &req.property_info,
        &request_id,
    )
    .await?;
    Ok(Json(StampResponse {
        esid,
        time: rfc3339(stamped.time),
        signature: STANDARD.encode(stamped.signature),
    }))
}
