//! Reuse (用证): another department looks up a holder's licences, stating why; every
//! licence returned, and an empty answer too, is audited with the cause.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhengku_store::MAX_USE_CAUSE_CHARS;

use crate::api::{LicenceView, ReuseResponse};
use crate::auth::Principal;
use crate::extract::{ApiQuery, JsonBody};
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::routes::responses::ReuseProblems;
use crate::state::AppState;

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
        ReuseProblems,
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
        ReuseProblems,
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

impl ReuseQuery {
    /// A lookup of `holder_code`'s licences (of `type_code` only, when given), for
    /// `use_cause`.
    pub fn new(holder_code: &str, type_code: Option<String>, use_cause: Option<String>) -> Self {
        ReuseQuery {
            holder_code: Some(holder_code.to_owned()),
            type_code,
            use_cause,
        }
    }
}

/// The reuse lookup behind both routes and the sharing interface's list call.
pub(crate) async fn reuse_lookup(
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
