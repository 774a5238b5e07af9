//! Operations: liveness, readiness (database and key store), Prometheus metrics, the OpenAPI
//! document, and the audit log for auditors.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::{AuditEntryView, AuditPage, Health, ReadyDetail, TrustView};
use crate::auth::Principal;
use crate::extract::ApiQuery;
use crate::problem::ApiError;
use crate::routes::responses::LacksAuditScope;
use crate::state::AppState;

/// Liveness: the process serves requests.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        checks: BTreeMap::new(),
        detail: None,
    })
}

/// Readiness: the database answers and the key store is usable. Anyone sees `ok` or
/// `unavailable` per dependency (a database or HSM error can name hosts, paths and
/// versions, so it goes to the log); an administrator's key also sees the errors and the
/// trust material in force (`detail`).
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "A dependency is down; `checks` says which", body = Health),
    )
)]
pub async fn readyz(State(state): State<AppState>, principal: Option<Principal>) -> Response {
    let mut errors = BTreeMap::new();
    if let Err(e) = state.store().ping().await {
        errors.insert("database".to_owned(), e.to_string());
    }
    let keystore = state.keystore().clone();
    match tokio::task::spawn_blocking(move || keystore.health()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            errors.insert("keystore".to_owned(), e.to_string());
        }
        Err(e) => {
            errors.insert("keystore".to_owned(), format!("key store task: {e}"));
        }
    }
    let trust = principal.filter(|p| p.scopes.admin).map(|_| {
        let counts = state.trust().counts();
        TrustView {
            anchors: counts.anchors,
            intermediates: counts.intermediates,
            crls: counts.crls,
        }
    });
    let (status, health) = readiness(errors, trust);
    (status, Json(health)).into_response()
}

/// The readiness answer for `errors` (dependency → error): the public part says only `ok`
/// or `unavailable` (the errors go to the log); `admin_trust` given, the errors and the
/// trust counts are added for the administrator.
fn readiness(
    errors: BTreeMap<String, String>,
    admin_trust: Option<TrustView>,
) -> (StatusCode, Health) {
    let mut checks = BTreeMap::new();
    for name in ["database", "keystore"] {
        let word = if let Some(e) = errors.get(name) {
            tracing::warn!(dependency = name, error = %e, "not ready");
            "unavailable"
        } else {
            "ok"
        };
        checks.insert(name.to_owned(), word.to_owned());
    }
    let ready = errors.is_empty();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let health = Health {
        status: if ready { "ok" } else { "unavailable" }.into(),
        checks,
        detail: admin_trust.map(|trust| ReadyDetail { errors, trust }),
    };
    (status, health)
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", body = Object))
)]
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document_json(),
    )
        .into_response()
}

/// Paging through the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this seq (default 0, the start).
    after_seq: Option<u64>,
    /// At most this many (1 to 1,000, default 100).
    limit: Option<u32>,
}

/// The audit log, page by page (audit scope). Entries are hash-chained; `zhengku audit
/// verify` checks a copy offline.
#[utoipa::path(
    get, path = "/v1/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        LacksAuditScope,
    ),
    security(("bearer" = []))
)]
pub async fn audit_log(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    principal.require(principal.scopes.audit, "read the audit log")?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "out_of_range", "1 to 1000"));
    }
    let entries = state
        .store()
        .audit_page(q.after_seq.unwrap_or(0), limit)
        .await?;
    let next_after_seq = if entries.len() == limit as usize {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Json(AuditPage {
        entries: entries.iter().map(AuditEntryView::of).collect(),
        next_after_seq,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A database error names hosts and users: the public answer says `unavailable`, only
    /// an administrator sees the text.
    #[test]
    fn raw_errors_are_for_administrators_only() {
        let errors = BTreeMap::from([(
            "database".to_owned(),
            "connection refused: postgres://zhengku@db-7.internal:5432/prod".to_owned(),
        )]);
        let (status, public) = readiness(errors.clone(), None);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let text = serde_json::to_string(&public).unwrap();
        assert!(!text.contains("db-7"), "{text}");
        assert_eq!(public.checks["database"], "unavailable");
        assert_eq!(public.checks["keystore"], "ok");
        let trust = TrustView {
            anchors: 2,
            intermediates: 2,
            crls: 4,
        };
        let (_, admin) = readiness(errors, Some(trust));
        let text = serde_json::to_string(&admin).unwrap();
        assert!(text.contains("db-7.internal"), "{text}");
        assert!(text.contains("\"anchors\":2"), "{text}");
    }
}
