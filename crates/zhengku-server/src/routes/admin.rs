//! Administration: departments (发证部门) and API keys. Administrator keys only, except that
//! a department may read its own record.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use zhengku_crypto::{Algorithm, PublicKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_store::{NewApiKey, NewDepartment};

use crate::api::{
    ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyView, DepartmentCreate, DepartmentList,
    DepartmentView,
};
use crate::auth::{Principal, Scopes, new_token};
use crate::extract::JsonBody;
use crate::problem::{ApiError, FieldProblem, InternalError};
use crate::request_id::RequestId;
use crate::routes::responses::{
    BadScopes, DepartmentTaken, InvalidFields, NoSuchDepartment, NoSuchKey, NotAdmin,
    NotRegistered, OtherDepartment,
};
use crate::state::AppState;

fn problem(field: &str, code: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// Register a department, with its signing key (existing or generated in the key store)
/// and, optionally, its certificate.
#[utoipa::path(
    post, path = "/v1/departments", tag = "admin",
    request_body = DepartmentCreate,
    responses(
        (status = 201, description = "Registered", body = DepartmentView),
        NotAdmin,
        DepartmentTaken,
        InvalidFields,
    ),
    security(("bearer" = []))
)]
pub async fn create_department(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<DepartmentCreate>,
) -> Result<(StatusCode, Json<DepartmentView>), ApiError> {
    principal.require(principal.scopes.admin, "register departments")?;
    let req = body.value;
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(problem("name", "invalid", "1 to 200 characters"));
    }
    let uscc = Uscc::parse(req.uscc.trim())
        .map_err(|e| errors.push(problem("uscc", e.code(), e.to_string())))
        .ok();
    let region = AreaCode::parse(req.region_code.trim())
        .map_err(|e| errors.push(problem("region_code", e.code(), e.to_string())))
        .ok();
    let generate = match (&req.key_label, &req.generate_key) {
        (Some(_), Some(_)) | (None, None) => {
            errors.push(problem(
                "key_label",
                "one_of",
                "give either key_label (an existing key) or generate_key (sm2 or p256)",
            ));
            None
        }
        (None, Some(alg)) => match alg.parse::<Algorithm>() {
            Ok(a) => Some(a),
            Err(e) => {
                errors.push(problem("generate_key", "unknown_algorithm", e.to_string()));
                None
            }
        },
        (Some(_), None) => None,
    };
    let certificate_der = match req.certificate_pem.as_deref() {
        None => None,
        Some(pem) => match pem_rfc7468::decode_vec(pem.trim().as_bytes()) {
            Ok(("CERTIFICATE", der)) => Some(der),
            _ => {
                errors.push(problem(
                    "certificate_pem",
                    "not_pem",
                    "not a PEM CERTIFICATE",
                ));
                None
            }
        },
    };
    let (Some(uscc), Some(region)) = (uscc, region) else {
        return Err(validation(errors));
    };
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let label = match (&req.key_label, generate) {
        (Some(l), _) => l.clone(),
        (None, Some(alg)) => format!("dept-{}-{}", uscc.as_str().to_lowercase(), alg.short_name()),
        (None, None) => return Err(InternalError::new("no key choice").into()),
    };
    // The key: generated now, or looked up, in the key store (blocking calls).
    let keystore = state.keystore().clone();
    let label_for_task = label.clone();
    let public: PublicKey = tokio::task::spawn_blocking(move || {
        let signer = match generate {
            Some(alg) => keystore.generate(&label_for_task, alg)?,
            None => keystore.signer(&label_for_task)?,
        };
        Ok::<_, zhengku_hsm::HsmError>(signer.public_key().clone())
    })
    .await
    .map_err(|e| InternalError::caused("key store task", e))?
    .map_err(|e| {
        validation(vec![problem(
            if generate.is_some() {
                "generate_key"
            } else {
                "key_label"
            },
            "key_store",
            e.to_string(),
        )])
    })?;
    if let Some(der) = &certificate_der {
        let certified = zhengku_pki::certified_key(der).map_err(|e| {
            let code = match e {
                zhengku_pki::CertError::UnsupportedKey => "unsupported_key",
                _ => "not_certificate",
            };
            validation(vec![problem("certificate_pem", code, e.to_string())])
        })?;
        if certified.key_id() != public.key_id() {
            return Err(validation(vec![problem(
                "certificate_pem",
                "key_mismatch",
                format!(
                    "the certificate certifies key {}, not the signing key {} ({label})",
                    certified.key_id(),
                    public.key_id()
                ),
            )]));
        }
    }
    let department = state
        .store()
        .create_department(
            &NewDepartment {
                name: name.to_owned(),
                uscc,
                region_code: region,
                key_label: label,
                certificate_der,
            },
            &principal.actor(),
            &request_id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DepartmentView::of(&department))))
}

fn validation(errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Validation {
        detail: format!("{} invalid field(s)", errors.len()),
        errors,
    }
}

/// Every department.
#[utoipa::path(
    get, path = "/v1/departments", tag = "admin",
    responses(
        (status = 200, description = "By USCC", body = DepartmentList),
        NotAdmin,
    ),
    security(("bearer" = []))
)]
pub async fn list_departments(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<DepartmentList>, ApiError> {
    principal.require(principal.scopes.admin, "list departments")?;
    let departments = state.store().list_departments().await?;
    Ok(Json(DepartmentList {
        departments: departments.iter().map(DepartmentView::of).collect(),
    }))
}

/// One department: administrators, or the department itself.
#[utoipa::path(
    get, path = "/v1/departments/{uscc}", tag = "admin",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses(
        (status = 200, description = "The department", body = DepartmentView),
        OtherDepartment,
        NotRegistered,
    ),
    security(("bearer" = []))
)]
pub async fn get_department(
    State(state): State<AppState>,
    principal: Principal,
    Path(uscc): Path<String>,
) -> Result<Json<DepartmentView>, ApiError> {
    let own = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc.as_str() == uscc);
    principal.require(own || principal.scopes.admin, "read other departments")?;
    let d = state.department(&uscc).await?;
    Ok(Json(DepartmentView::of(&d)))
}

/// Create an API key. The token is in this response only.
#[utoipa::path(
    post, path = "/v1/api-keys", tag = "admin",
    request_body = ApiKeyCreate,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = ApiKeyCreated),
        NotAdmin,
        NoSuchDepartment,
        BadScopes,
    ),
    security(("bearer" = []))
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<ApiKeyCreate>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ApiError> {
    principal.require(principal.scopes.admin, "create API keys")?;
    let req = body.value;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::field("name", "invalid", "1 to 200 characters"));
    }
    let joined = req.scopes.join(" ");
    let scopes =
        Scopes::parse(&joined).map_err(|e| ApiError::field("scopes", "unknown_scope", e))?;
    if req.scopes.is_empty() {
        return Err(ApiError::field(
            "scopes",
            "required",
            "give at least one scope",
        ));
    }
    let acts_as_department = scopes.issue_any || !scopes.issue.is_empty() || scopes.manage;
    if acts_as_department && req.department_uscc.is_none() {
        return Err(ApiError::field(
            "department_uscc",
            "required",
            "issue and manage scopes act for a department: give department_uscc",
        ));
    }
    for t in &scopes.issue {
        if state.catalogue().get_str(t).is_none() {
            return Err(ApiError::field(
                "scopes",
                "unknown_type",
                format!("no licence type {t:?}"),
            ));
        }
    }
    let token = new_token()?;
    let record = state
        .store()
        .create_api_key(
            &NewApiKey {
                id: token.id.clone(),
                name: name.to_owned(),
                department_uscc: req.department_uscc.clone(),
                scopes: joined,
                secret_hash: token.secret_hash,
            },
            &principal.actor(),
            &request_id,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiKeyCreated {
            key: ApiKeyView::of(&record),
            token: token.token.to_string(),
        }),
    ))
}

/// Every API key (never a secret).
#[utoipa::path(
    get, path = "/v1/api-keys", tag = "admin",
    responses(
        (status = 200, description = "Oldest first", body = ApiKeyList),
        NotAdmin,
    ),
    security(("bearer" = []))
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ApiKeyList>, ApiError> {
    principal.require(principal.scopes.admin, "list API keys")?;
    let keys = state.store().list_api_keys().await?;
    Ok(Json(ApiKeyList {
        keys: keys.iter().map(ApiKeyView::of).collect(),
    }))
}

/// Revoke an API key; it stops working at once on every replica.
#[utoipa::path(
    post, path = "/v1/api-keys/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "Revoked", body = ApiKeyView),
        NotAdmin,
        NoSuchKey,
    ),
    security(("bearer" = []))
)]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(id): Path<String>,
) -> Result<Json<ApiKeyView>, ApiError> {
    principal.require(principal.scopes.admin, "revoke API keys")?;
    let record = state
        .store()
        .revoke_api_key(&id, &principal.actor(), &request_id)
        .await?;
    Ok(Json(ApiKeyView::of(&record)))
}
