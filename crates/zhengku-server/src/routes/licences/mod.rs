//! The licence API: issuing (发证), reading a licence, its public status, and the licence
//! types; reuse lookups (用证) in [`reuse`]; status changes and history in [`lifecycle`].
//! The issuing path itself is [`crate::issue`].

pub mod lifecycle;
pub mod reuse;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use zhengku_model::{IssueRequest, LicenceId};
use zhengku_store::StoredLicence;

use crate::api::{
    BatchItem, BatchRequest, BatchResponse, LicenceTypeList, LicenceTypeView, LicenceView,
    StatusView,
};
use crate::auth::Principal;
use crate::extract::{ApiQuery, JsonBody};
use crate::issue::{self, Idempotency};
use crate::problem::{ApiError, InternalError};
use crate::request_id::RequestId;
use crate::routes::documents::DocumentQuery;
use crate::routes::responses::{
    BatchInvalid, BodyTooLarge, IdempotencyKeyReused, InvalidFields, MalformedRequest,
    MayNotIssueType, MayNotIssueTypes, NoApiKey, NoSuchLicence, NoUseCauseGiven, NotAnIdentifier,
    NotReusable,
};
use crate::state::AppState;

/// The `Idempotency-Key` header, if sent.
fn idempotency(headers: &HeaderMap, body: &[u8]) -> Result<Option<Idempotency>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().map_err(|_| {
                ApiError::BadRequest("Idempotency-Key must be visible ASCII".into())
            })?;
            Idempotency::new(key, body).map(Some)
        }
    }
}

fn replayed_header(response: &mut Response, replayed: bool) {
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
}

/// Issue one licence.
#[utoipa::path(
    post, path = "/v1/licences", tag = "licences",
    request_body = IssueRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "A retry with the same key and body returns the same licence (200, \
                       Idempotent-Replayed: true); the same key with another body is a 409.")),
    responses(
        (status = 201, description = "Issued", body = LicenceView),
        (status = 200, description = "An earlier call with this Idempotency-Key, replayed", body = LicenceView),
        MalformedRequest,
        NoApiKey,
        MayNotIssueType,
        IdempotencyKeyReused,
        BodyTooLarge,
        InvalidFields,
    ),
    security(("bearer" = []))
)]
pub async fn issue_one(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    body: JsonBody<IssueRequest>,
) -> Result<Response, ApiError> {
    let idem = idempotency(&headers, &body.raw)?;
    let issued = issue::issue(
        &state,
        &principal,
        vec![body.value],
        idem,
        &request_id,
        false,
    )
    .await?;
    let licence = issued
        .licences
        .first()
        .ok_or_else(|| InternalError::new("nothing issued"))?;
    let view = LicenceView::of(licence);
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let location = format!("/v1/licences/{}", view.identifier);
    let mut response = (status, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    replayed_header(&mut response, issued.replayed);
    Ok(response)
}

/// Issue up to 1,000 licences, all or nothing.
#[utoipa::path(
    post, path = "/v1/licences:batch", tag = "licences",
    request_body = BatchRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "As for a single issue.")),
    responses(
        (status = 201, description = "All issued; one result per item", body = BatchResponse),
        (status = 200, description = "An earlier call with this Idempotency-Key, replayed", body = BatchResponse),
        NoApiKey,
        MayNotIssueTypes,
        BodyTooLarge,
        BatchInvalid,
    ),
    security(("bearer" = []))
)]
pub async fn issue_batch(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    body: JsonBody<BatchRequest>,
) -> Result<Response, ApiError> {
    let n = body.value.requests.len();
    if n == 0 || n > state.max_batch() {
        return Err(ApiError::field(
            "requests",
            "batch_size",
            format!("{n} requests; a batch holds 1 to {}", state.max_batch()),
        ));
    }
    let idem = idempotency(&headers, &body.raw)?;
    let issued = issue::issue(
        &state,
        &principal,
        body.value.requests,
        idem,
        &request_id,
        true,
    )
    .await?;
    let items: Vec<BatchItem> = issued
        .licences
        .iter()
        .enumerate()
        .map(|(index, l)| BatchItem {
            index,
            outcome: "issued".into(),
            licence: LicenceView::of(l),
        })
        .collect();
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (
        status,
        Json(BatchResponse {
            all_or_nothing: true,
            issued: items.len(),
            items,
        }),
    )
        .into_response();
    replayed_header(&mut response, issued.replayed);
    Ok(response)
}

/// Parses a path identifier: malformed ones get a 400 that says why (a verifier typing
/// one in wants to know it is mistyped, not that it is missing).
pub(super) fn parse_identifier(s: &str) -> Result<LicenceId, ApiError> {
    LicenceId::parse(s).map_err(|e| {
        ApiError::BadRequest(format!(
            "{s:?} is not a licence identifier (GB/T 36904): {e}"
        ))
    })
}

/// Loads a licence for its issuer (or, with `admin_ok`, an administrator).
pub(super) async fn load_own(
    state: &AppState,
    principal: &Principal,
    identifier: &str,
    what: &str,
    admin_ok: bool,
) -> Result<StoredLicence, ApiError> {
    let id = parse_identifier(identifier)?;
    let licence = state.store().get_licence(id.as_str()).await?;
    let own = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc == licence.licence.record().issuer_code);
    if own || (admin_ok && principal.scopes.admin) {
        Ok(licence)
    } else {
        // Not 404: the identifier is public (it is on the licence), so hiding it gains
        // nothing, and a clear 403 helps a department that used the wrong key.
        Err(ApiError::Forbidden(format!(
            "licence {identifier} was issued by another department; only its issuer may {what}"
        )))
    }
}

/// A licence (with the holder's personal data), for its issuing department, an
/// administrator stating why, or another department with the reuse scope stating why.
/// Every read is audited (`licence.read` / `licence.reuse`, with the use cause).
#[utoipa::path(
    get, path = "/v1/licences/{identifier}", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The licence", body = LicenceView),
        NotAnIdentifier,
        NotReusable,
        NoSuchLicence,
        NoUseCauseGiven,
    ),
    security(("bearer" = []))
)]
pub async fn get_licence(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Json<LicenceView>, ApiError> {
    let licence =
        crate::reads::read_licence(&state, &principal, &request_id, &identifier, q.use_cause())
            .await?;
    Ok(Json(LicenceView::of(&licence)))
}

/// Public status of a licence (for verifiers: a QR code scan, a bank clerk): status,
/// issuer, type and validity, no personal data. No authentication.
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/status", tag = "public",
    params(("identifier" = String, Path, description = "证照标识")),
    responses(
        (status = 200, description = "Its status today", body = StatusView),
        NotAnIdentifier,
        NoSuchLicence,
    )
)]
pub async fn public_status(
    State(state): State<AppState>,
    Path(identifier): Path<String>,
) -> Result<Json<StatusView>, ApiError> {
    let id = parse_identifier(&identifier)?;
    let licence = state.store().get_licence(id.as_str()).await?;
    Ok(Json(StatusView::of(&licence)))
}

/// The licence types this library issues, with their face fields. No authentication.
#[utoipa::path(
    get, path = "/v1/licence-types", tag = "public",
    responses((status = 200, description = "The types", body = LicenceTypeList))
)]
pub async fn licence_types(State(state): State<AppState>) -> Json<LicenceTypeList> {
    Json(LicenceTypeList {
        types: state.catalogue().iter().map(LicenceTypeView::of).collect(),
    })
}
