//! `GET /sl/{n}`: a status list as a signed Token Status List (`application/statuslist+cwt`),
//! public, with an ETag so that a verifier polling it gets `304 Not Modified` for free.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::problem::ApiError;
use crate::routes::responses::{NoStatusSigner, NoSuchStatusList};
use crate::state::AppState;

/// List `n`'s current signed token (docs/status-lists.md).
#[utoipa::path(
    get, path = "/sl/{n}", tag = "public",
    params(
        ("n" = u64, Path, description = "The list's number, as in a licence's status reference"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a token held"),
    ),
    responses(
        (status = 200, description = "The list, signed (COSE_Sign1, Token Status List draft -21, CWT form)",
         body = Vec<u8>, content_type = "application/statuslist+cwt"),
        (status = 304, description = "The token held is still the current one"),
        NoSuchStatusList,
        NoStatusSigner,
    )
)]
pub async fn status_list(
    State(state): State<AppState>,
    Path(n): Path<String>,
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
    let published = state.status_publisher().token(&state, list).await?;
    let common = [
        (header::ETAG, published.etag.clone()),
        // Revalidate every time: the ETag makes that a 304, and the token's own ttl and
        // exp, not HTTP caches, say how long a verifier may rely on it.
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
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(header::CONTENT_TYPE, zhengku_status::TYP.to_owned())],
        Body::from(published.token.as_ref().clone()),
    )
        .into_response())
}
