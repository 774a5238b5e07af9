//! Departments and API keys.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhengku_store::ApiKeyRecord;

use super::rfc3339;

/// A department to register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentCreate {
    /// Its name, e.g. 杭州市西湖区市场监督管理局.
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// 行政区划代码 of its jurisdiction (6 digits).
    pub region_code: String,
    /// The label of an existing signing key in the key store. Give this or `generate_key`.
    #[serde(default)]
    pub key_label: Option<String>,
    /// Generate a new signing key in the key store: `sm2` or `p256`. Its label is
    /// `dept-<uscc>-<algorithm>`.
    #[serde(default)]
    pub generate_key: Option<String>,
    /// Its signing certificate (PEM); must certify the signing key.
    #[serde(default)]
    pub certificate_pem: Option<String>,
}

/// A registered department.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepartmentView {
    /// 统一社会信用代码.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// 行政区划代码.
    pub region_code: String,
    /// Signing key label in the key store.
    pub key_label: String,
    /// Its signing certificate (PEM), when registered with one.
    pub certificate_pem: Option<String>,
    /// When it was registered.
    pub created_at: String,
}

impl DepartmentView {
    /// The view of a department.
    pub fn of(d: &zhengku_store::Department) -> DepartmentView {
        DepartmentView {
            uscc: d.uscc.as_str().to_owned(),
            name: d.name.clone(),
            region_code: d.region_code.as_str().to_owned(),
            key_label: d.key_label.clone(),
            certificate_pem: d.certificate_der.as_deref().and_then(|der| {
                pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, der).ok()
            }),
            created_at: rfc3339(d.created_at),
        }
    }
}

/// The departments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepartmentList {
    /// By USCC.
    pub departments: Vec<DepartmentView>,
}

/// An API key to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    /// What it is for.
    pub name: String,
    /// The department it acts for; omit for an administrator key.
    #[serde(default)]
    pub department_uscc: Option<String>,
    /// Scopes: `admin`, `issue:<type code>`, `issue:*`, `manage`, `reuse`, `audit`.
    pub scopes: Vec<String>,
}

/// An API key (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Department, or null for administrators.
    pub department_uscc: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// When created.
    pub created_at: String,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
}

impl ApiKeyView {
    /// The view of a stored key.
    pub fn of(k: &ApiKeyRecord) -> ApiKeyView {
        ApiKeyView {
            id: k.id.clone(),
            name: k.name.clone(),
            department_uscc: k.department_uscc.clone(),
            scopes: k.scopes.split_whitespace().map(str::to_owned).collect(),
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// A newly created API key: the only time its token is shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key.
    pub key: ApiKeyView,
    /// The bearer token. Shown once; only a hash is stored.
    pub token: String,
}

/// The API keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyList {
    /// Oldest first.
    pub keys: Vec<ApiKeyView>,
}
