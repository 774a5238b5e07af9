//! First start: the administrator's bootstrap token, and in development mode the
//! departments listed in `keys-dev/departments.toml`, so that a fresh clone can issue at
//! once.
//!
//! The bootstrap token is the secret of the administrator key `bootstrap`. It comes from
//! `ZHENGKU_BOOTSTRAP_TOKEN` when set (and replaces the stored one if it changed); otherwise
//! a random one is made on the first start and printed once, to standard output, never to
//! the log.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use zeroize::Zeroizing;
use zhengku_crypto::PublicKey;
use zhengku_hsm::KeyStore;
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_store::{BOOTSTRAP_KEY_ID, NewDepartment, Store};

use crate::auth::hash_secret;

/// Environment variable holding the bootstrap token.
pub const TOKEN_ENV: &str = "ZHENGKU_BOOTSTRAP_TOKEN";

/// Shortest bootstrap token accepted.
const MIN_TOKEN_LEN: usize = 16;

/// Why bootstrapping failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The token in the environment is unusable (its value is never repeated).
    #[error("{TOKEN_ENV}: {0}")]
    Token(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] zhengku_store::StoreError),
    /// The development departments file is unusable.
    #[error("{path}: {detail}")]
    DevDepartments {
        /// The file or certificate.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// No randomness.
    #[error("random source: {0}")]
    Random(String),
}

/// Sets up the bootstrap administrator key. Returns the token when it was generated here
/// and must be shown (once).
pub async fn admin_token(
    store: &Store,
    from_env: Option<Zeroizing<String>>,
) -> Result<Option<Zeroizing<String>>, BootstrapError> {
    if let Some(token) = from_env {
        let token = token.trim();
        if token.len() < MIN_TOKEN_LEN {
            return Err(BootstrapError::Token("must be at least 16 characters"));
        }
        if token.starts_with("zk_") || token.chars().any(char::is_whitespace) {
            return Err(BootstrapError::Token(
                "must not start with zk_ (the API key prefix) or contain spaces",
            ));
        }
        store
            .set_bootstrap_key(&hash_secret(token), "bootstrap")
            .await?;
        return Ok(None);
    }
    if store.api_key(BOOTSTRAP_KEY_ID).await?.is_some() {
        return Ok(None);
    }
    let mut secret = Zeroizing::new([0u8; 32]);
    zhengku_crypto::fill_random(secret.as_mut())
        .map_err(|e| BootstrapError::Random(e.to_string()))?;
    let token = Zeroizing::new(hex::encode(secret.as_ref()));
    store
        .set_bootstrap_key(&hash_secret(&token), "bootstrap")
        .await?;
    Ok(Some(token))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevFile {
    department: Vec<DevDepartment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevDepartment {
    name: String,
    uscc: String,
    region_code: String,
    key_label: String,
    certificate: String,
}

/// In development mode: registers the departments of `<keys_dev>/departments.toml` when
/// the database has none. Returns how many were registered.
pub async fn dev_departments(
    store: &Store,
    keystore: &Arc<dyn KeyStore>,
    keys_dev: &Path,
) -> Result<usize, BootstrapError> {
    if !store.list_departments().await?.is_empty() {
        return Ok(0);
    }
    let path = keys_dev.join("departments.toml");
    let err = |p: &Path, detail: String| BootstrapError::DevDepartments {
        path: p.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| err(&path, e.to_string()))?;
    let file: DevFile = toml::from_str(&text).map_err(|e| err(&path, e.to_string()))?;
    let mut n = 0;
    for d in file.department {
        let uscc = Uscc::parse(&d.uscc).map_err(|e| err(&path, e.to_string()))?;
        let region = AreaCode::parse(&d.region_code).map_err(|e| err(&path, e.to_string()))?;
        let cert_path = keys_dev.join(&d.certificate);
        let pem =
            std::fs::read_to_string(&cert_path).map_err(|e| err(&cert_path, e.to_string()))?;
        let (_, der) =
            pem_rfc7468::decode_vec(pem.as_bytes()).map_err(|e| err(&cert_path, e.to_string()))?;
        let signer = keystore
            .signer(&d.key_label)
            .map_err(|e| err(&path, format!("key {}: {e}", d.key_label)))?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| err(&cert_path, e.to_string()))?;
        let certified = PublicKey::from_spki_der(cert.public_key().raw)
            .map_err(|e| err(&cert_path, e.to_string()))?;
        if certified.key_id() != signer.public_key().key_id() {
            return Err(err(
                &cert_path,
                format!("does not certify key {}", d.key_label),
            ));
        }
        store
            .create_department(
                &NewDepartment {
                    name: d.name,
                    uscc,
                    region_code: region,
                    key_label: d.key_label,
                    certificate_der: Some(der),
                },
                "system",
                "bootstrap",
            )
            .await?;
        n += 1;
    }
    Ok(n)
}
