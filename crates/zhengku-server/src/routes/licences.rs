//! The licence API: issue, read, reuse, status changes, history, public status, types.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhengku_model::{IssueRequest, LicenceId, LicenceStatus};
use zhengku_store::{MAX_USE_CAUSE_CHARS, StoredLicence};

use crate::api::{
    BatchItem, BatchRequest, BatchResponse, EventView, HistoryResponse, LicenceTypeList,
    LicenceTypeView, LicenceView, ReuseResponse, StatusChangeRequest, StatusChangeResponse,
    StatusView,
};
use crate::auth::Principal;
use crate::extract::{ApiQuery, JsonBody};
use crate::issue::{self, Idempotency};
use crate::problem::{ApiError, Problem};
use crate::request_id::RequestId;
use crate::routes::documents::DocumentQuery;
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
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key may not issue this type", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values; every bad field listed", body = Problem, content_type = "application/problem+json"),
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
        .ok_or_else(|| ApiError::Internal("nothing issued".into()))?;
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
        (status = 401, description = "No or bad API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key may not issue one of the types", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some items invalid: `items` gives every item's outcome; nothing was issued", body = Problem, content_type = "application/problem+json"),
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
fn parse_identifier(s: &str) -> Result<LicenceId, ApiError> {
    LicenceId::parse(s).map_err(|e| {
        ApiError::BadRequest(format!(
            "{s:?} is not a licence identifier (GB/T 36904): {e}"
        ))
    })
}

/// Loads a licence for its issuer (or, with `admin_ok`, an administrator).
async fn load_own(
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
        (status = 400, description = "Not an identifier", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another department's licence, without the reuse scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such licence", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No use cause where one is required", body = Problem, content_type = "application/problem+json"),
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

/// A reuse lookup: the body of `POST /v1/licences:reuse` (or, discouraged, the query of
/// `GET /v1/licences`).
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReuseQuery {
    /// 持证主体代码 (USCC or citizen ID).
    holder_code: Option<String>,
    /// Only licences of this type.
    type_code: Option<String>,
    /// 用证事由: why the licences are needed, 1 to 200 characters. Required.
    use_cause: Option<String>,
}

/// Reuse (用证): a holder's licences, for another department, with a use cause. Every
/// licence returned is audited as used, with the use cause, in the same transaction as the
/// read; an empty result is audited too. The citizen ID and the cause travel in the body,
/// so they stay out of URLs, access logs and proxies.
#[utoipa::path(
    post, path = "/v1/licences:reuse", tag = "licences",
    request_body = ReuseQuery,
    responses(
        (status = 200, description = "The holder's licences", body = ReuseResponse),
        (status = 403, description = "Key lacks the reuse scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing holder_code or use_cause", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reuse_post(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<ReuseQuery>,
) -> Result<Json<ReuseResponse>, ApiError> {
    reuse_lookup(&state, &principal, &request_id, body.value).await
}

/// The reuse lookup in the query string: **discouraged** (a citizen ID in a URL ends up in
/// access logs and proxies); kept for existing callers, checked and audited exactly as
/// `POST /v1/licences:reuse`.
#[utoipa::path(
    get, path = "/v1/licences", tag = "licences",
    params(ReuseQuery),
    responses(
        (status = 200, description = "The holder's licences", body = ReuseResponse),
        (status = 403, description = "Key lacks the reuse scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing holder_code or use_cause", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reuse(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    ApiQuery(q): ApiQuery<ReuseQuery>,
) -> Result<Json<ReuseResponse>, ApiError> {
    reuse_lookup(&state, &principal, &request_id, q).await
}

async fn reuse_lookup(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    q: ReuseQuery,
) -> Result<Json<ReuseResponse>, ApiError> {
    principal.require(principal.scopes.reuse, "look up licences for reuse")?;
    let mut errors = Vec::new();
    let holder = q.holder_code.as_deref().map(str::trim).unwrap_or_default();
    if holder.is_empty() || holder.len() > 64 {
        errors.push((
            "holder_code",
            "required",
            "give the holder's USCC or citizen ID",
        ));
    }
    let cause = q.use_cause.as_deref().map(str::trim).unwrap_or_default();
    if cause.is_empty() {
        errors.push((
            "use_cause",
            "required",
            "state why the licences are needed (用证事由)",
        ));
    } else if cause.chars().count() > MAX_USE_CAUSE_CHARS {
        errors.push(("use_cause", "too_long", "at most 200 characters"));
    }
    if !errors.is_empty() {
        let errors: Vec<_> = errors
            .into_iter()
            .map(|(field, code, message)| crate::problem::FieldProblem {
                field: field.into(),
                code: code.into(),
                message: message.into(),
            })
            .collect();
        return Err(ApiError::Validation {
            detail: format!("{} invalid query parameter(s)", errors.len()),
            errors,
        });
    }
    let found = state
        .store()
        .find_by_holder(
            holder,
            q.type_code.as_deref().filter(|t| !t.is_empty()),
            &principal.actor(),
            cause,
            request_id,
        )
        .await?;
    Ok(Json(ReuseResponse {
        use_cause: cause.to_owned(),
        count: found.len(),
        licences: found.iter().map(LicenceView::of).collect(),
    }))
}

async fn change_status(
    state: AppState,
    principal: Principal,
    request_id: String,
    identifier: String,
    body: StatusChangeRequest,
    to: LicenceStatus,
    verb: &str,
) -> Result<Json<StatusChangeResponse>, ApiError> {
    principal.require(principal.scopes.manage, &format!("{verb} licences"))?;
    let licence = load_own(&state, &principal, &identifier, verb, false).await?;
    let id = licence.licence.record().identifier.as_str();
    let event = state
        .store()
        .change_status(id, to, body.reason.trim(), &principal.actor(), &request_id)
        .await?;
    Ok(Json(StatusChangeResponse {
        identifier: id.to_owned(),
        status: event.to.as_str().to_owned(),
        event: EventView::of(&event),
    }))
}

macro_rules! status_route {
    ($name:ident, $path:literal, $to:expr, $verb:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            post, path = $path, tag = "licences",
            params(("identifier" = String, Path, description = "证照标识")),
            request_body = StatusChangeRequest,
            responses(
                (status = 200, description = "Changed", body = StatusChangeResponse),
                (status = 403, description = "Not the issuer, or no manage scope", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such licence", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "The status does not allow this change", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Missing or over-long reason", body = Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        pub async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            RequestId(request_id): RequestId,
            Path(identifier): Path<String>,
            body: JsonBody<StatusChangeRequest>,
        ) -> Result<Json<StatusChangeResponse>, ApiError> {
            change_status(state, principal, request_id, identifier, body.value, $to, $verb).await
        }
    };
}

status_route!(
    suspend,
    "/v1/licences/{identifier}/suspend",
    LicenceStatus::Suspended,
    "suspend",
    "Suspend (暂停) a licence the caller's department issued."
);
status_route!(
    resume,
    "/v1/licences/{identifier}/resume",
    LicenceStatus::Valid,
    "resume",
    "Resume (恢复) a suspended licence the caller's department issued."
);
status_route!(
    revoke,
    "/v1/licences/{identifier}/revoke",
    LicenceStatus::Revoked,
    "revoke",
    "Revoke (撤销) a licence the caller's department issued. Final."
);

/// A licence's status history, for its issuer, an administrator or an auditor.
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/history", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识")),
    responses(
        (status = 200, description = "Every status change, oldest first", body = HistoryResponse),
        (status = 403, description = "Another department's licence", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such licence", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    principal: Principal,
    Path(identifier): Path<String>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let licence = if principal.scopes.audit {
        let id = parse_identifier(&identifier)?;
        state.store().get_licence(id.as_str()).await?
    } else {
        load_own(&state, &principal, &identifier, "read its history", true).await?
    };
    let id = licence.licence.record().identifier.as_str();
    let events = state.store().licence_events(id).await?;
    Ok(Json(HistoryResponse {
        identifier: id.to_owned(),
        // Not LicenceView::of: that would base64 the whole signed licence for one field.
        issued_at: crate::api::rfc3339(
            i64::try_from(licence.licence.record().issued_at.unix_seconds()).unwrap_or(i64::MAX),
        ),
        status: licence.status.as_str().to_owned(),
        events: events.iter().map(EventView::of).collect(),
    }))
}

/// Public status of a licence (for verifiers: a QR code scan, a bank clerk): status,
/// issuer, type and validity, no personal data. No authentication.
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/status", tag = "public",
    params(("identifier" = String, Path, description = "证照标识")),
    responses(
        (status = 200, description = "Its status today", body = StatusView),
        (status = 400, description = "Not an identifier", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such licence", body = Problem, content_type = "application/problem+json"),
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
