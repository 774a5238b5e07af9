//! First start: the administrator's bootstrap token, and in development mode the
//! departments listed in `keys-dev/departments.toml` and a seal for each, so that a fresh
//! clone can issue licences and get their sealed PDFs at once.
//!
//! The bootstrap token is the secret of the administrator key `bootstrap`. It comes from
//! `ZHENGKU_BOOTSTRAP_TOKEN` when set (and replaces the stored one if it changed); otherwise
//! a random one is made on the first start and printed once, to standard output, never to
//! the log.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use zeroize::Zeroizing;
use zhengku_hsm::KeyStore;
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_store::{BOOTSTRAP_KEY_ID, NewDepartment, Store};

use crate::auth::hash_secret;
use crate::seal_making::{Keys, Picture, SealMaking, SealMakingError, SealOrder};
use crate::state::SealMaker;

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
    /// A development seal could not be made.
    #[error("development seal for {department}: {detail}")]
    DevSeal {
        /// The department's USCC.
        department: String,
        /// What went wrong.
        detail: String,
    },
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
        let certified =
            zhengku_pki::certified_key(&der).map_err(|e| err(&cert_path, e.to_string()))?;
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

/// Days a development seal is valid.
const DEV_SEAL_DAYS: u32 = 3650;

/// Printed size of a development seal, mm.
const DEV_SEAL_MM: u32 = 42;

/// The key store itself, for seal making before the service's state exists.
struct KeyStoreKeys<'a>(&'a Arc<dyn KeyStore>);

impl Keys for KeyStoreKeys<'_> {
    type Error = zhengku_hsm::HsmError;

    fn signer(
        &self,
        label: &str,
    ) -> impl std::future::Future<
        Output = Result<Arc<dyn zhengku_crypto::Signer>, zhengku_hsm::HsmError>,
    > + Send {
        std::future::ready(self.0.signer(label))
    }
}

/// In development mode: makes a seal (证照专用章, the drawn red round picture) for every
/// department that has none, with the configured seal maker, so licence PDFs can be sealed
/// at once. Returns how many were made. The seals are made as `POST /v1/seals` makes them
/// ([`crate::seal_making`]).
///
/// The holder key is `seal-<rest>` when the department's key is `dept-<rest>` and
/// `<keys_dev>/seal-<rest>.crt` exists (杭州市西湖区市场监督管理局: `seal-xihu-samr-sm2`, an SM2
/// seal as GB/T 38540 has it); otherwise the department's own key and certificate
/// (杭州市西湖区卫生健康局: `dept-xihu-health-p256`, so its PDFs are P-256 signed and
/// pyHanko can check them). That second kind is a P-256 seal, outside the national
/// standard: made here directly, as development data, whatever `allow_p256_seals` says.
pub async fn dev_seals(
    store: &Store,
    keystore: &Arc<dyn KeyStore>,
    keys_dev: &Path,
    maker: Option<&SealMaker>,
    base_url: &str,
) -> Result<usize, BootstrapError> {
    let Some(maker) = maker else {
        return Ok(0);
    };
    let entries = crate::status_entries::StatusEntries::new(
        zhengku_store::StatusListKind::Seal,
        crate::status_entries::SEAL_RUN,
    );
    let making = SealMaking {
        store,
        keys: &KeyStoreKeys(keystore),
        maker,
        allow_p256: true,
        entries: &entries,
        base_url,
    };
    let mut made = 0;
    for d in store.list_departments().await? {
        if !store.seals_of_department(d.uscc.as_str()).await?.is_empty() {
            continue;
        }
        let err = |detail: String| BootstrapError::DevSeal {
            department: d.uscc.as_str().to_owned(),
            detail,
        };
        let seal_label = d
            .key_label
            .strip_prefix("dept-")
            .map(|rest| format!("seal-{rest}"));
        let (label, cert) = match seal_label {
            Some(l) if keys_dev.join(format!("{l}.crt")).is_file() => {
                let path = keys_dev.join(format!("{l}.crt"));
                let pem = std::fs::read_to_string(&path)
                    .map_err(|e| err(format!("{}: {e}", path.display())))?;
                let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes())
                    .map_err(|e| err(format!("{}: {e}", path.display())))?;
                (l, der)
            }
            _ => match &d.certificate_der {
                Some(der) => (d.key_label.clone(), der.clone()),
                None => continue,
            },
        };
        let order = SealOrder {
            name: format!("{}证照专用章", d.name),
            seal_type: 1,
            holder_key_label: label,
            holder_certificate: Ok(cert),
            picture: Ok(Picture::Drawn),
            size_mm: DEV_SEAL_MM,
            valid_days: DEV_SEAL_DAYS,
        };
        match making.make(&d, order, "system", "bootstrap").await {
            Ok(_) => made += 1,
            Err(SealMakingError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(err(e.to_string())),
        }
    }
    Ok(made)
}
