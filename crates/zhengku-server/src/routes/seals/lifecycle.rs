//! A seal's lifecycle and who may use it: authorising API keys to stamp with it
//! (用印授权) and withdrawing that, and suspending, resuming and revoking it (暂停, 恢复,
//! 注销). For the seal's department with the `manage` scope, or an administrator; every
//! change is audited with the store's write.

use axum::Json;
use axum::extract::{Path, State};
use zhengku_model::SealStatus;

use super::load_managed;
use super::views::{
    SealAuthorise, SealAuthorised, SealStatusChange, SealStatusChanged, SealWithdrawn,
};
use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::routes::responses::{
    KeyOfOtherDepartment, NoSuchSeal, NoSuchSealOrKey, NotPermitted, SealStatusChangeProblems,
};
use crate::state::AppState;

/// Let an API key of the seal's department stamp with it (administrator, or the
/// department's `manage` key).
#[utoipa::path(
    post, path = "/v1/seals/{esid}/authorise", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = SealAuthorise,
    responses(
        (status = 200, description = "Authorised", body = SealAuthorised),
        NotPermitted,
        NoSuchSealOrKey,
        KeyOfOtherDepartment,
    ),
    security(("bearer" = []))
)]
pub async fn authorise(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<SealAuthorise>,
) -> Result<Json<SealAuthorised>, ApiError> {
    let seal = load_managed(&state, &principal, &esid, "authorise keys for").await?;
    let key_id = body.value.api_key_id.trim().to_owned();
    let Some(key) = state.api_key(&key_id).await? else {
        return Err(ApiError::NotFound {
            what: "api key",
            key: key_id,
        });
    };
    if key.department_uscc.as_deref() != Some(seal.seal.department_uscc.as_str()) {
        return Err(ApiError::field(
            "api_key_id",
            "other_department",
            "only keys of the seal's own department may stamp with it",
        ));
    }
    let newly_granted = state
        .store()
        .authorise_seal(&esid, &key_id, &principal.actor(), &request_id)
        .await?;
    Ok(Json(SealAuthorised {
        esid,
        api_key_id: key_id,
        newly_granted,
    }))
}

/// Withdraw an API key's authorisation to stamp with the seal (用印授权撤回;
/// administrator, or the department's `manage` key). Its next stamp is refused.
#[utoipa::path(
    post, path = "/v1/seals/{esid}/withdraw", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = SealAuthorise,
    responses(
        (status = 200, description = "Withdrawn (or was not authorised)", body = SealWithdrawn),
        NotPermitted,
        NoSuchSeal,
    ),
    security(("bearer" = []))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<SealAuthorise>,
) -> Result<Json<SealWithdrawn>, ApiError> {
    load_managed(&state, &principal, &esid, "withdraw authorisations of").await?;
    let key_id = body.value.api_key_id.trim().to_owned();
    let withdrawn = state
        .store()
        .withdraw_seal_authorisation(&esid, &key_id, &principal.actor(), &request_id)
        .await?;
    Ok(Json(SealWithdrawn {
        esid,
        api_key_id: key_id,
        withdrawn,
    }))
}

/// The one reason code a revocation takes.
const KEY_COMPROMISE: &str = "key_compromise";

async fn change(
    state: AppState,
    principal: Principal,
    request_id: String,
    esid: String,
    body: SealStatusChange,
    to: SealStatus,
    verb: &str,
) -> Result<Json<SealStatusChanged>, ApiError> {
    load_managed(&state, &principal, &esid, verb).await?;
    let compromised = match body.reason_code.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(KEY_COMPROMISE) if to == SealStatus::Revoked => true,
        Some(_) => {
            return Err(ApiError::field(
                "reason_code",
                "unknown",
                "the only reason code is key_compromise, and only when revoking",
            ));
        }
    };
    // A suspension an administrator made is an administrator's to lift: a department's
    // own manage key cannot undo it.
    if to == SealStatus::Active && !principal.scopes.admin {
        let last = state.store().seal_events(&esid).await?.pop();
        if let Some(e) = last.filter(|e| {
            e.to == SealStatus::Suspended && e.actor.starts_with(crate::auth::ADMIN_ACTOR)
        }) {
            return Err(ApiError::Forbidden(format!(
                "seal {esid} was suspended by an administrator ({}): only an administrator \
                 may resume it",
                e.actor
            )));
        }
    }
    let reason = body.reason.trim();
    let actor = principal.actor();
    let event = if compromised {
        state
            .store()
            .revoke_seal_compromised(&esid, reason, &actor, &request_id)
            .await?
    } else {
        state
            .store()
            .change_seal_status(&esid, to, reason, &actor, &request_id)
            .await?
    };
    Ok(Json(SealStatusChanged {
        esid,
        from: event.from.as_str().to_owned(),
        to: event.to.as_str().to_owned(),
        reason: event.reason,
    }))
}

macro_rules! seal_status_route {
    ($name:ident, $path:literal, $to:expr, $verb:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
                            post, path = $path, tag = "seals",
                            params(("esid" = String, Path, description = "印章编码")),
                            request_body = SealStatusChange,
                            responses(
                                (status = 200, description = "Changed", body = SealStatusChanged),
                                SealStatusChangeProblems,
                            ),
                            security(("bearer" = []))
                        )]
        pub async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            RequestId(request_id): RequestId,
            Path(esid): Path<String>,
            body: JsonBody<SealStatusChange>,
        ) -> Result<Json<SealStatusChanged>, ApiError> {
            change(state, principal, request_id, esid, body.value, $to, $verb).await
        }
    };
}

seal_status_route!(
    suspend_seal,
    "/v1/seals/{esid}/suspend",
    SealStatus::Suspended,
    "suspend",
    "Suspend (暂停) a seal: it cannot stamp until resumed."
);
seal_status_route!(
    resume_seal,
    "/v1/seals/{esid}/resume",
    SealStatus::Active,
    "resume",
    "Resume (恢复) a suspended seal."
);
seal_status_route!(
    revoke_seal,
    "/v1/seals/{esid}/revoke",
    SealStatus::Revoked,
    "revoke",
    "Revoke (注销) a seal for good."
);
