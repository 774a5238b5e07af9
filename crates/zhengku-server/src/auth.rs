//! Who is calling, and what they may do: bearer API keys and their scopes.
//!
//! A token is `zk_<id>_<secret>`: `id` (16 hex characters) names the stored key, `secret`
//! (32 random bytes, base64url) is checked against the SHA-256 stored for it, in constant
//! time. The secret is shown once, when the key is created.
//!
//! Scopes:
//! - `admin`: departments and API keys; read any licence.
//! - `issue:<type code>` or `issue:*`: issue licences of that type, as the key's department.
//! - `manage`: suspend, resume and revoke the department's own licences.
//! - `reuse`: look up licences by holder, with a use cause (用证事由); every licence returned
//!   is audited as used.
//! - `audit`: read the audit log.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;
use zhengku_store::{ApiKeyRecord, Department};

use crate::problem::{ApiError, InternalError};
use crate::state::AppState;

/// The scopes a key may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    /// `admin`.
    pub admin: bool,
    /// `issue:*`.
    pub issue_any: bool,
    /// `issue:<type code>`.
    pub issue: Vec<String>,
    /// `manage`.
    pub manage: bool,
    /// `reuse`.
    pub reuse: bool,
    /// `audit`.
    pub audit: bool,
}

impl Scopes {
    /// Parses space-separated scopes; an unknown scope is an error naming it.
    pub fn parse(s: &str) -> Result<Scopes, String> {
        let mut scopes = Scopes::default();
        for word in s.split_whitespace() {
            match word {
                "admin" => scopes.admin = true,
                "manage" => scopes.manage = true,
                "reuse" => scopes.reuse = true,
                "audit" => scopes.audit = true,
                "issue:*" => scopes.issue_any = true,
                w if w.starts_with("issue:") && w.len() > "issue:".len() => {
                    scopes.issue.push(w["issue:".len()..].to_owned());
                }
                other => return Err(format!("unknown scope {other:?}")),
            }
        }
        Ok(scopes)
    }

    /// May issue licences of `type_code`.
    pub fn may_issue(&self, type_code: &str) -> bool {
        self.issue_any || self.issue.iter().any(|t| t == type_code)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The API key's id.
    pub key_id: String,
    /// Its scopes.
    pub scopes: Scopes,
    /// The department it acts for (`None` for administrator keys).
    pub department: Option<Department>,
}

/// How audit entries name an administrator's key: this, then the key id.
pub const ADMIN_ACTOR: &str = "admin/";

impl Principal {
    /// The actor written into audit entries: `<department USCC>/<key id>`; for a key
    /// without a department, `admin/<key id>` when it has the admin scope and
    /// `key/<key id>` otherwise (a key is never named an administrator it is not).
    pub fn actor(&self) -> String {
        match &self.department {
            Some(d) => format!("{}/{}", d.uscc.as_str(), self.key_id),
            None if self.scopes.admin => format!("{ADMIN_ACTOR}{}", self.key_id),
            None => format!("key/{}", self.key_id),
        }
    }

    /// Fails with 403 unless `ok`.
    pub fn require(&self, ok: bool, what: &str) -> Result<(), ApiError> {
        if ok {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "API key {} may not {what}",
                self.key_id
            )))
        }
    }

    /// The key's department, or 403 for keys without one.
    pub fn department(&self, what: &str) -> Result<&Department, ApiError> {
        self.department.as_ref().ok_or_else(|| {
            ApiError::Forbidden(format!(
                "API key {} belongs to no department and may not {what}",
                self.key_id
            ))
        })
    }
}

/// A freshly made token: what to show once, and what to store.
pub struct NewToken {
    /// The key id.
    pub id: String,
    /// The whole token, `zk_<id>_<secret>`.
    pub token: Zeroizing<String>,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
}

/// Makes a new random token.
pub fn new_token() -> Result<NewToken, ApiError> {
    let mut id = [0u8; 8];
    let mut secret = Zeroizing::new([0u8; 32]);
    zhengku_crypto::fill_random(&mut id)
        .and_then(|()| zhengku_crypto::fill_random(secret.as_mut()))
        .map_err(|e| InternalError::caused("random source", e))?;
    let id = hex::encode(id);
    let secret_text = Zeroizing::new(URL_SAFE_NO_PAD.encode(secret.as_ref()));
    Ok(NewToken {
        token: Zeroizing::new(format!("zk_{id}_{}", secret_text.as_str())),
        secret_hash: hash_secret(&secret_text),
        id,
    })
}

/// SHA-256 of a token's secret part, as stored.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    zhengku_crypto::sha256(secret.as_bytes())
}

/// Splits `zk_<id>_<secret>`. The bootstrap token is any text the operator chose; it is
/// matched as the secret of the key `bootstrap`.
fn split_token(token: &str) -> (&str, &str) {
    if let Some(rest) = token.strip_prefix("zk_")
        && let Some((id, secret)) = rest.split_once('_')
        && id.len() == 16
        && id.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (id, secret);
    }
    (zhengku_store::BOOTSTRAP_KEY_ID, token)
}

/// Constant-time equality of two hashes.
fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "missing Authorization: Bearer <API key>",
            ))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 512)
            .ok_or(ApiError::Unauthorized(
                "malformed Authorization header (expected Bearer <API key>)",
            ))?;
        let (id, secret) = split_token(token);
        let record = state.api_key(id).await?;
        // One answer for unknown, wrong and revoked keys: a caller probing ids learns nothing.
        let denied = ApiError::Unauthorized("unknown or revoked API key");
        let Some(record) = record else {
            return Err(denied);
        };
        if !hashes_equal(&hash_secret(secret), &record.secret_hash) || record.revoked_at.is_some() {
            return Err(denied);
        }
        principal_of(state, record).await
    }
}

/// `Option<Principal>`: none without an Authorization header; a header that does not
/// authenticate is still refused (401), never silently treated as anonymous.
impl axum::extract::OptionalFromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <Principal as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

async fn principal_of(state: &AppState, record: ApiKeyRecord) -> Result<Principal, ApiError> {
    let scopes = Scopes::parse(&record.scopes).map_err(|e| {
        // The parse error is a text (it is shown to administrators as a field problem).
        InternalError::new("stored key has unknown scopes")
            .about(format_args!("{}: {e}", record.id))
    })?;
    let department = match &record.department_uscc {
        None => None,
        Some(uscc) => Some(state.department(uscc).await?),
    };
    Ok(Principal {
        key_id: record.id,
        scopes,
        department,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scopes_parse_and_reject_unknown() {
        let s = Scopes::parse("issue:11100000MB0143028R001 manage reuse").unwrap();
        assert!(s.may_issue("11100000MB0143028R001"));
        assert!(!s.may_issue("11100000MB0143028R901"));
        assert!(s.manage && s.reuse && !s.admin && !s.audit);
        assert!(Scopes::parse("issue:*").unwrap().may_issue("anything"));
        assert!(Scopes::parse("root").unwrap_err().contains("root"));
        assert!(Scopes::parse("issue:").is_err());
    }

    #[test]
    fn tokens_split_and_hash() {
        let t = new_token().unwrap();
        let (id, secret) = split_token(&t.token);
        assert_eq!(id, t.id);
        assert_eq!(hash_secret(secret), t.secret_hash);
        assert_eq!(split_token("my-dev-token"), ("bootstrap", "my-dev-token"));
        assert!(hashes_equal(&[1, 2], &[1, 2]));
        assert!(!hashes_equal(&[1, 2], &[1, 3]));
        assert!(!hashes_equal(&[1, 2], &[1]));
    }
}
