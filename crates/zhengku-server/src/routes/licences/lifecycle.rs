//! A licence's lifecycle: suspending, resuming and revoking it (暂停, 恢复, 撤销), by its
//! issuer with the `manage` scope; and its status history.

use axum::Json;
use axum::extract::{Path, State};
use zhengku_model::LicenceStatus;

use super::{load_own, parse_identifier};
use crate::api::{EventView, HistoryResponse, StatusChangeRequest, StatusChangeResponse};
use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::routes::responses::{
    LicenceStatusChangeProblems, NoSuchLicence, OtherDepartmentsLicence,
};
use crate::state::AppState;

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
                        LicenceStatusChangeProblems,
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
            change_status(
                state, principal, request_id, identifier, body.value, $to, $verb,
            )
            .await
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
        OtherDepartmentsLicence,
        NoSuchLicence,
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
