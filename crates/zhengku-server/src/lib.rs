#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The zhengku (证库) licence library service: `zhengku serve`.
//!
//! Departments issue licences through the API with their keys; other departments reuse
//! them with a stated use cause; verifiers check status without logging in; every write and
//! every reuse is in the hash-chained audit log, in the same transaction as the change.
//!
//! Where to start:
//!
//! - [`serve`]: what the binary runs: resolve [`Config`], [`prepare`] (database, key store,
//!   licence types, first-start bootstrap), listen, shut down gracefully on Ctrl-C / SIGTERM.
//! - [`router()`]: every route, with the middleware that gives each request an id, a log
//!   line and metrics ([`router`](mod@router)). The handlers are in [`routes`]; what they
//!   return in [`api`] and the route modules' views.
//! - The services the handlers call: [`issue`], the issuing path (validate all, allocate
//!   identifiers, sign through the key store, store all or nothing, in a [`group_commit`]);
//!   [`seal_making`] (制章, also development bootstrap's seals) and [`stamping`] (盖章);
//!   [`verification`], the one engine (zhengku-verify) with this library's trust
//!   ([`trust`]) and records, behind [`routes::verify`] (`POST /v1/verify`,
//!   `POST /v1/verify/seal`) and [`routes::pages`] (the web page a QR code opens);
//!   [`documents`], licence PDFs (sealed, PAdES-signed) and QR codes.
//! - [`auth`]: API keys and scopes; [`problem`]: every error and its problem+json, and
//!   [`routes::responses`] the problem answers routes document.
//! - [`openapi`]: the OpenAPI 3.1 document, committed as `api/openapi.json`.
//!
//! Replicas are stateless: everything shared is in the database (PostgreSQL in
//! production), and the audit head row serialises audited writes across replicas.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod config;
pub mod copies;
pub mod documents;
pub mod extract;
pub mod group_commit;
pub mod issue;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod reads;
pub mod request_id;
pub mod router;
pub mod routes;
pub mod seal_making;
pub mod sequences;
pub mod stamping;
pub mod state;
pub mod status_entries;
pub mod status_publishing;
pub mod trust;
pub mod trust_publishing;
pub mod verification;

use std::sync::Arc;

use axum::Router;
use zeroize::Zeroizing;
use zhengku_hsm::{FileKeyStore, KeyStore, KeyStoreConfig};
use zhengku_model::Catalogue;
use zhengku_store::Store;

pub use config::{Config, LogFormat, Mode, Overrides};
pub use router::router;
pub use state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A setting is unusable.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] zhengku_store::StoreError),
    /// The key store could not be opened.
    #[error("key store{}", at(.path.as_deref()))]
    KeyStore {
        /// The development key folder, when the store is that.
        path: Option<std::path::PathBuf>,
        /// Why.
        #[source]
        source: zhengku_hsm::HsmError,
    },
    /// The key store configuration file is not valid TOML for it.
    #[error("key store: {}", path.display())]
    KeyStoreConfig {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: toml::de::Error,
    },
    /// The licence types could not be loaded.
    #[error("licence types: {0}")]
    Catalogue(#[from] zhengku_model::CatalogueError),
    /// Trust anchors or the seal maker's certificate could not be loaded.
    #[error("trust")]
    Trust(#[source] trust::TrustError),
    /// Production without a trust folder.
    #[error(
        "trust: production needs trust anchors to verify anything: give --trust DIR (or \
         ZHENGKU_TRUST_DIR, or trust_dir in the configuration file), a folder with one \
         subfolder per CA holding root.crt, issuing.crt and its CRLs"
    )]
    NoTrustDir,
    /// The font or a licence layout could not be loaded.
    #[error("licence documents: {0}")]
    Documents(#[from] documents::DocumentsError),
    /// First-start setup failed.
    #[error("bootstrap: {0}")]
    Bootstrap(#[from] bootstrap::BootstrapError),
    /// Listening or serving failed.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// `: <path>`, or nothing.
fn at(path: Option<&std::path::Path>) -> String {
    path.map(|p| format!(": {}", p.display()))
        .unwrap_or_default()
}

/// A service ready to listen ([`prepare`]): its state, its router, and the bootstrap token
/// to show if one was generated.
pub struct Ready {
    /// The shared state.
    pub state: AppState,
    /// The routes.
    pub router: Router,
    /// A generated bootstrap token, to print once.
    pub generated_token: Option<Zeroizing<String>>,
}

/// Opens everything the service needs and runs first-start setup.
pub async fn prepare(
    config: &Config,
    bootstrap_token: Option<Zeroizing<String>>,
) -> Result<Ready, ServerError> {
    // Trust first: a production start without anchors stops before anything is made.
    let seals = seal_setup(config)?;
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::Io {
            what: format!("create data folder {}", config.data_dir.display()),
            source,
        })?;
    }
    let store = Store::connect(&config.effective_database_url()).await?;
    let keystore = open_keystore(config)?;
    let catalogue = Catalogue::load_dir(&config.templates_dir)?;
    // Before anything is written: a missing font stops the start with nothing half done.
    let documents = documents::Documents::load(
        &config.templates_dir,
        &catalogue,
        config.font.as_deref(),
        &config.effective_public_base_url(),
    )?;
    let generated_token = bootstrap::admin_token(&store, bootstrap_token).await?;
    if config.mode == Mode::Development {
        let n = bootstrap::dev_departments(&store, &keystore, &config.keys_dev_dir).await?;
        if n > 0 {
            tracing::info!(
                departments = n,
                "registered the development departments from {}",
                config.keys_dev_dir.display()
            );
        }
    }
    if config.mode == Mode::Development {
        let n = bootstrap::dev_seals(
            &store,
            &keystore,
            &config.keys_dev_dir,
            seals.maker.as_ref(),
            documents.base_url(),
        )
        .await?;
        if n > 0 {
            tracing::info!(seals = n, "made development seals for the departments");
        }
    }
    let state = AppState::new(
        store,
        keystore,
        catalogue,
        config.body_limit,
        config.max_batch,
        seals,
        Arc::new(documents),
    );
    Ok(Ready {
        router: router(state.clone()),
        state,
        generated_token,
    })
}

/// The seal maker's certificate and the verification trust, from the configuration.
fn seal_setup(config: &Config) -> Result<state::SealSetup, ServerError> {
    let maker = match config.effective_seal_maker() {
        None => None,
        Some((label, cert)) => {
            let der = trust::read_pem_or_der(&cert)
                .map_err(ServerError::Trust)?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    ServerError::Trust(trust::TrustError {
                        path: cert.display().to_string(),
                        detail: "empty".into(),
                    })
                })?;
            Some(state::SealMaker {
                label,
                certificate: der,
            })
        }
    };
    // Without anchors nothing could ever verify as 有效, and a production service that
    // silently answered 无法核验 to everything would be misconfigured without saying so.
    let dir = config
        .effective_trust_dir()
        .ok_or(ServerError::NoTrustDir)?;
    let trust = trust::load_trust_dir(&dir).map_err(ServerError::Trust)?;
    let counts = trust.counts();
    tracing::info!(loaded = %counts, dir = %dir.display(), "trust loaded");
    Ok(state::SealSetup {
        maker,
        trust,
        trust_dir: Some(dir),
        allow_p256: config.allow_p256_seals,
        verify_limits: (config.verify_concurrency, config.verify_timeout),
        verify_key_budget: config.verify_key_budget,
        status_signer: config.effective_status_signer(),
        trust_lists_dir: Some(config.effective_trust_lists_dir()),
        status_timing: config.status_timing,
        copies: state::CopySettings {
            sealer: config.effective_copy_sealer(),
            max_days: config.copy_max_days,
            link_secs: config.copy_link_secs,
        },
    })
}

fn open_keystore(config: &Config) -> Result<Arc<dyn KeyStore>, ServerError> {
    match &config.keystore {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ServerError::Io {
                what: format!("read key store configuration {}", path.display()),
                source,
            })?;
            let ks: KeyStoreConfig =
                toml::from_str(&text).map_err(|source| ServerError::KeyStoreConfig {
                    path: path.clone(),
                    source,
                })?;
            zhengku_hsm::open(&ks).map_err(|source| ServerError::KeyStore { path: None, source })
        }
        None => {
            // Only reachable in development: Config::resolve refuses production without a
            // key store configuration.
            let dir = config.keys_dev_dir.join("keys");
            let store = FileKeyStore::open(&dir).map_err(|source| ServerError::KeyStore {
                path: Some(dir),
                source,
            })?;
            Ok(Arc::new(store))
        }
    }
}

/// Runs the service until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(
    config: Config,
    bootstrap_token: Option<Zeroizing<String>>,
) -> Result<(), ServerError> {
    let ready = prepare(&config, bootstrap_token).await?;
    if let Some(token) = &ready.generated_token {
        // Standard output, not the log: the token must not end up in a log collector.
        println!(
            "zhengku: bootstrap administrator token (shown once; set {} to choose your own):\n    {}",
            bootstrap::TOKEN_ENV,
            token.as_str()
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Io {
            what: format!("listen on {}", config.listen),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| ServerError::Io {
        what: "read the listening address".into(),
        source,
    })?;
    tracing::info!(
        address = %local,
        mode = ?config.mode,
        database = ?ready.state.store().backend(),
        "zhengku listening"
    );
    let watcher = tokio::spawn(watch_trust(ready.state.clone()));
    let ahead = tokio::spawn(status_publishing::publish_ahead(ready.state.clone()));
    axum::serve(listener, ready.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|source| ServerError::Io {
            what: "serve".into(),
            source,
        })?;
    watcher.abort();
    ahead.abort();
    ready.state.store().close().await;
    tracing::info!("zhengku stopped");
    Ok(())
}

/// How often the trust folder's files are looked at for changes (a new CRL).
const TRUST_POLL: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the trust folder again when its files change, and on SIGHUP.
async fn watch_trust(state: AppState) {
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let force = match hup.as_mut() {
            Some(h) => tokio::select! {
                _ = h.recv() => true,
                () = tokio::time::sleep(TRUST_POLL) => false,
            },
            None => {
                tokio::time::sleep(TRUST_POLL).await;
                false
            }
        };
        #[cfg(not(unix))]
        let force = {
            tokio::time::sleep(TRUST_POLL).await;
            false
        };
        let worker = state.clone();
        match tokio::task::spawn_blocking(move || worker.reload_trust(force)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "trust folder unreadable; the trust loaded before stays in force")
            }
            Err(e) => tracing::warn!(error = %e, "trust reload task failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Sets up logging: `RUST_LOG` filters (default `info`), text or JSON lines.
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Logs go to stderr; stdout carries only what is meant for the operator's eyes (the
    // bootstrap token), so the two can be routed apart.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal; files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `zhengku serve` prints: the error and its causes, outermost first.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut out = e.to_string();
        let mut next = e.source();
        while let Some(s) = next {
            out.push_str(&format!(": {s}"));
            next = s.source();
        }
        out
    }

    #[test]
    fn start_up_errors_read_as_one_line() {
        let hsm = || zhengku_hsm::HsmError::Config("slot 7".into());
        let e = ServerError::KeyStore {
            path: Some("keys-dev/keys".into()),
            source: hsm(),
        };
        assert_eq!(
            chain(&e),
            "key store: keys-dev/keys: invalid key store configuration: slot 7"
        );
        let e = ServerError::KeyStore {
            path: None,
            source: hsm(),
        };
        assert_eq!(
            chain(&e),
            "key store: invalid key store configuration: slot 7"
        );
        let e = ServerError::Trust(trust::TrustError {
            path: "trust/sm2/root.crt".into(),
            detail: "empty".into(),
        });
        assert_eq!(chain(&e), "trust: trust/sm2/root.crt: empty");
        assert!(chain(&ServerError::NoTrustDir).starts_with("trust: production needs"));
    }
}
