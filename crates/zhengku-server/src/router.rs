//! Every route of the service ([`router`]), with the middleware around them: the
//! verification routes' bounds (load shedding, concurrency, time), and for every request
//! its id, its span and log line, its metrics, and `Cache-Control: no-store` unless the
//! route said otherwise.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tracing::Instrument;

use crate::problem::{ApiError, InternalError};
use crate::request_id::{self, RequestId};
use crate::state::AppState;

/// Every route, with the state and middleware applied.
pub fn router(state: AppState) -> Router {
    use crate::routes::{
        admin, documents, licences, ops, pages, seals, share, status_lists, trust_lists, verify,
    };
    let body_limit = state.body_limit();
    // Verification is public and CPU-bound: a bounded number at once (the rest answered
    // 503 at once, not queued), each within a time limit (504), so hostile uploads stay
    // cheap for everyone else.
    let (limit, timeout) = state.verify_limits();
    let verification = Router::new()
        .route("/v1/verify", post(verify::verify_licence))
        .route("/v1/verify/seal", post(verify::verify_seal))
        .route("/V/{*payload}", get(pages::qr_page))
        .route("/v/{*payload}", get(pages::qr_page))
        .route("/verify", get(pages::form_page).post(pages::submit))
        .route("/v1/share/verify", post(share::verify))
        .route("/v1/share/qr", post(share::qr))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(verify_refusal))
                .load_shed()
                .concurrency_limit(limit)
                .timeout(timeout),
        );
    Router::new()
        .merge(verification)
        .route(
            "/v1/licences",
            post(licences::issue_one).get(licences::reuse::reuse),
        )
        .route("/v1/licences:batch", post(licences::issue_batch))
        .route("/v1/licences:reuse", post(licences::reuse::reuse_post))
        .route("/v1/licences/{identifier}", get(licences::get_licence))
        .route(
            "/v1/licences/{identifier}/suspend",
            post(licences::lifecycle::suspend),
        )
        .route(
            "/v1/licences/{identifier}/resume",
            post(licences::lifecycle::resume),
        )
        .route(
            "/v1/licences/{identifier}/revoke",
            post(licences::lifecycle::revoke),
        )
        .route(
            "/v1/licences/{identifier}/history",
            get(licences::lifecycle::history),
        )
        .route(
            "/v1/licences/{identifier}/status",
            get(licences::public_status),
        )
        .route("/v1/licences/{identifier}/pdf", get(documents::licence_pdf))
        .route("/v1/licences/{identifier}/ofd", get(documents::licence_ofd))
        .route(
            "/v1/licences/{identifier}/qr.png",
            get(documents::licence_qr_png),
        )
        .route(
            "/v1/licences/{identifier}/qr.svg",
            get(documents::licence_qr_svg),
        )
        .route("/v1/licences/{identifier}/qr", get(documents::licence_qr))
        .route("/v1/licences/{identifier}/copies", post(share::create_copy))
        .route("/v1/copies/{copy_id}/links", post(share::create_link))
        .route("/v1/share/query", post(share::query))
        .route("/v1/share/list", post(share::list))
        .route("/v1/share/copies", post(share::share_copy))
        .route("/v1/share/downloads/{token}", get(share::download))
        .route("/v1/licence-types", get(licences::licence_types))
        .route(
            "/v1/departments",
            post(admin::create_department).get(admin::list_departments),
        )
        .route("/v1/departments/{uscc}", get(admin::get_department))
        .route(
            "/v1/api-keys",
            post(admin::create_api_key).get(admin::list_api_keys),
        )
        .route("/v1/api-keys/{id}/revoke", post(admin::revoke_api_key))
        .route("/v1/seals", post(seals::create_seal))
        .route("/v1/seals/{esid}", get(seals::get_seal))
        .route("/v1/seals/{esid}/esl", get(seals::get_esl))
        .route("/v1/seals/{esid}/picture", get(seals::get_picture))
        .route(
            "/v1/seals/{esid}/authorise",
            post(seals::lifecycle::authorise),
        )
        .route(
            "/v1/seals/{esid}/withdraw",
            post(seals::lifecycle::withdraw),
        )
        .route("/v1/seals/{esid}/status", get(seals::seal_status))
        .route(
            "/v1/seals/{esid}/suspend",
            post(seals::lifecycle::suspend_seal),
        )
        .route(
            "/v1/seals/{esid}/resume",
            post(seals::lifecycle::resume_seal),
        )
        .route(
            "/v1/seals/{esid}/revoke",
            post(seals::lifecycle::revoke_seal),
        )
        .route("/v1/seals/{esid}/stamp", post(seals::stamp::stamp_hash))
        .route("/sl/manifest", get(status_lists::manifest))
        .route("/sl/{n}", get(status_lists::status_list))
        .route("/trust/list", get(trust_lists::trust_list))
        .route("/trust/signers", get(trust_lists::signers))
        .route("/trust/crls", get(trust_lists::crls))
        .route("/v1/audit", get(ops::audit_log))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route_layer(middleware::from_fn(capture_route))
        .fallback(|req: Request| async move { ApiError::NoRoute(req.uri().path().to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The answer when the verification routes' limits refuse a request.
async fn verify_refusal(e: tower::BoxError) -> ApiError {
    if e.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout("the verification took longer than the service allows".into())
    } else if e.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Overloaded("too many verifications at once; try again in a moment".into())
    } else {
        InternalError::boxed("verification layer", e).into()
    }
}

/// Where [`capture_route`] leaves the matched route for [`observe`].
#[derive(Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<String>>>);

/// Inside routing: records the matched route template (outer middleware runs before
/// routing and cannot see it).
async fn capture_route(req: Request, next: Next) -> Response {
    if let (Some(slot), Some(path)) = (
        req.extensions().get::<RouteSlot>(),
        req.extensions().get::<MatchedPath>(),
    ) && let Ok(mut s) = slot.0.lock()
    {
        *s = Some(path.as_str().to_owned());
    }
    next.run(req).await
}

/// Around every request: its id, its span and log line, its metrics.
async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = request_id::from_request(&req);
    let slot = RouteSlot::default();
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let start = Instant::now();
    let span = tracing::info_span!("request", id = %id, method = %method);
    let mut response = request_id::scope(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let elapsed = start.elapsed();
    let route = slot
        .0
        .lock()
        .ok()
        .and_then(|s| s.clone())
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    state
        .metrics()
        .record_request(method.as_str(), &route, status, elapsed);
    span.in_scope(|| {
        tracing::info!(
            route = %route,
            status,
            latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "request"
        );
    });
    if let Some(v) = request_id::header_value(&id) {
        response.headers_mut().insert(request_id::HEADER, v);
    }
    // Answers may carry personal data (a licence, a reuse result, an issued record, an
    // audit page) or a status that changes: nothing is cached unless a route says it may
    // be (a seal's picture).
    response
        .headers_mut()
        .entry(axum::http::header::CACHE_CONTROL)
        .or_insert(axum::http::HeaderValue::from_static("no-store"));
    response.into_response()
}
