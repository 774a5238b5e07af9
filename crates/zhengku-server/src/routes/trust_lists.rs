//! `GET /trust/list`, `GET /trust/signers`: the region's signed trust list and signer list
//! as `zhengku trust-list make` left them; `GET /trust/crls`: the CRLs the service judges
//! chains by. Public (verifiers sync them with `zhengku sync`), each with an ETag.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::problem::{ApiError, InternalError};
use crate::routes::responses::NoTrustList;
use crate::routes::status_lists::answer;
use crate::state::AppState;
use crate::trust_publishing::{SIGNERS_FILE, TRUST_LIST_FILE, crls_pem};

async fn file(
    state: AppState,
    name: &'static str,
) -> Result<crate::status_publishing::Published, ApiError> {
    tokio::task::spawn_blocking(move || state.trust_publisher().file(name))
        .await
        .map_err(|e| InternalError::caused("trust list task", e))?
}

/// The region's current trust list (docs/trust-lists.md).
#[utoipa::path(
    get, path = "/trust/list", tag = "public",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of a list held")),
    responses(
        (status = 200, description = "The trust list, signed by the region's list key (COSE_Sign1)",
         body = Vec<u8>, content_type = "application/zhengku-trustlist+cwt"),
        (status = 304, description = "The list held is still the current one"),
        NoTrustList,
    )
)]
pub async fn trust_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = file(state, TRUST_LIST_FILE).await?;
    Ok(answer(&p, zhengku_trustlist::TRUST_LIST_TYP, &headers))
}

/// The signer list the current trust list names: the departments' certificates.
#[utoipa::path(
    get, path = "/trust/signers", tag = "public",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of a list held")),
    responses(
        (status = 200, description = "The signer list, signed by the region's list key (COSE_Sign1)",
         body = Vec<u8>, content_type = "application/zhengku-signerlist+cwt"),
        (status = 304, description = "The list held is still the current one"),
        NoTrustList,
    )
)]
pub async fn signers(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = file(state, SIGNERS_FILE).await?;
    Ok(answer(&p, zhengku_trustlist::SIGNER_LIST_TYP, &headers))
}

/// The CRLs the service holds (PEM): each is signed by its CA, so a verifier needs no more
/// than the anchors the trust list names to check them.
#[utoipa::path(
    get, path = "/trust/crls", tag = "public",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the CRLs held")),
    responses(
        (status = 200, description = "Every CRL, PEM", body = String, content_type = "application/x-pem-file"),
        (status = 304, description = "The CRLs held are still the current ones"),
    )
)]
pub async fn crls(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = crls_pem(&state.trust().engine.crls)?;
    Ok(answer(&p, "application/x-pem-file", &headers))
}
