//! `GET /sl/{n}`: a status list as a signed Token Status List (`application/statuslist+cwt`);
//! `GET /sl/manifest`: the signed manifest of every list. Public, each with an ETag so that
//! a verifier polling gets `304 Not Modified` for free.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::extract::ApiQuery;
use crate::problem::ApiError;
use crate::routes::responses::{MalformedRequest, NoStatusSigner, NoSuchStatusList};
use crate::state::AppState;
use crate::status_publishing::Published;

/// List `n`'s current signed token (docs/status-lists.md).
#[utoipa::path(
    get, path = "/sl/{n}", tag = "public",
    params(
        ("n" = u64, Path, description = "The list's number, as in a licence's status reference"),
        ("time" = Option<u64>, Query, description = "Unix seconds: the token that was current then (history, for auditors)"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a token held"),
    ),
    responses(
        (status = 200, description = "The list, signed (COSE_Sign1, Token Status List draft -21, CWT form)",
         body = Vec<u8>, content_type = "application/statuslist+cwt"),
        (status = 304, description = "The token held is still the current one"),
        MalformedRequest,
        NoSuchStatusList,
        NoStatusSigner,
    )
)]
pub async fn status_list(
    State(state): State<AppState>,
    Path(n): Path<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound {
        what: "status list",
        key: n.chars().take(32).collect(),
    };
    // Decimal without leading zeros, as the lists' URIs write it: one URI per list.
    if n.is_empty() || n.len() > 18 || (n.len() > 1 && n.starts_with('0')) {
        return Err(not_found());
    }
    let list: i64 = n.parse().map_err(|_| not_found())?;
    let published = match query.time {
        None => state.status_publisher().token(&state, list).await?,
        Some(t) => {
            let t = i64::try_from(t)
                .map_err(|_| ApiError::field("time", "out_of_range", "time is too large"))?;
            crate::status_publishing::token_at(&state, list, t).await?
        }
    };
    Ok(answer(&published, zhengku_status::TYP, &headers))
}

/// `GET /sl/{n}`'s query.
#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    /// Unix seconds: the token that was current then.
    time: Option<u64>,
}

/// The signed manifest: every status list with its current token's `iat` and SHA-256.
#[utoipa::path(
    get, path = "/sl/manifest", tag = "public",
    params(
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a manifest held"),
    ),
    responses(
        (status = 200, description = "The manifest, signed (COSE_Sign1; docs/status-lists.md)",
         body = Vec<u8>, content_type = "application/zhengku-statuslist-manifest+cwt"),
        (status = 304, description = "The manifest held is still the current one"),
        NoStatusSigner,
    )
)]
pub async fn manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let published = state.status_publisher().manifest(&state).await?;
    Ok(answer(&published, zhengku_status::MANIFEST_TYP, &headers))
}

/// The signed bytes with their ETag, or 304 when the caller holds them already.
pub(crate) fn answer(
    published: &Published,
    content_type: &'static str,
    headers: &HeaderMap,
) -> Response {
    let common = [
        (header::ETAG, published.etag.clone()),
        // Revalidate every time: the ETag makes that a 304, and the signed `ttl` and `exp`,
        // not HTTP caches, say how long a verifier may rely on it.
        (header::CACHE_CONTROL, "no-cache".to_owned()),
    ];
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == published.etag || t.trim() == "*")
        });
    if held {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, content_type.to_owned())],
        Body::from(published.token.as_ref().clone()),
    )
        .into_response()
}
