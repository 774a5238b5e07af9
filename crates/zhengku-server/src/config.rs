//! The service's settings and where they come from: command-line flags and `ZHENGKU_*`
//! environment variables (the binary reads both, flags first), then a TOML file, then
//! defaults.
//!
//! Secrets are not settings: the bootstrap token comes only from `ZHENGKU_BOOTSTRAP_TOKEN`
//! (a flag would show in the process list), and HSM PINs only through the key store's own
//! `pin = { env | file }` (see `hsm/README.md`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Development or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Development keys from `keys-dev/` are allowed, and an empty database is seeded with
    /// the development departments so that licences can be issued at once.
    Development,
    /// A real deployment: a key store configuration is required, and the file key store is
    /// refused (by the key store itself).
    Production,
}

impl std::str::FromStr for Mode {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" | "dev" => Ok(Mode::Development),
            "production" | "prod" => Ok(Mode::Production),
            other => Err(ConfigError::Invalid {
                key: "mode",
                detail: format!("{other:?} (expected development or production)"),
            }),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(ConfigError::Invalid {
                key: "log_format",
                detail: format!("{other:?} (expected text or json)"),
            }),
        }
    }
}

/// Settings given on the command line or in the environment; each overrides the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config` / `ZHENGKU_CONFIG`: the TOML file.
    pub config_file: Option<PathBuf>,
    /// `--listen` / `ZHENGKU_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// `--data-dir` / `ZHENGKU_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--database-url` / `ZHENGKU_DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--mode` / `ZHENGKU_MODE`.
    pub mode: Option<Mode>,
    /// `--templates` / `ZHENGKU_TEMPLATES`.
    pub templates_dir: Option<PathBuf>,
    /// `--keys-dev` / `ZHENGKU_KEYS_DEV`.
    pub keys_dev_dir: Option<PathBuf>,
    /// `--keystore` / `ZHENGKU_KEYSTORE`.
    pub keystore: Option<PathBuf>,
    /// `--log-format` / `ZHENGKU_LOG_FORMAT`.
    pub log_format: Option<LogFormat>,
    /// `--body-limit` / `ZHENGKU_BODY_LIMIT`.
    pub body_limit: Option<usize>,
    /// `--public-base-url` / `ZHENGKU_PUBLIC_BASE_URL`.
    pub public_base_url: Option<String>,
    /// `--trust` / `ZHENGKU_TRUST_DIR`.
    pub trust_dir: Option<PathBuf>,
    /// `--verify-concurrency` / `ZHENGKU_VERIFY_CONCURRENCY`.
    pub verify_concurrency: Option<usize>,
    /// `--verify-timeout-ms` / `ZHENGKU_VERIFY_TIMEOUT_MS`.
    pub verify_timeout_ms: Option<u64>,
    /// `--verify-key-budget-mib` / `ZHENGKU_VERIFY_KEY_BUDGET_MIB`.
    pub verify_key_budget_mib: Option<usize>,
    /// `--status-refresh-secs` / `ZHENGKU_STATUS_REFRESH_SECS`.
    pub status_refresh_secs: Option<u64>,
    /// `--status-ttl-secs` / `ZHENGKU_STATUS_TTL_SECS`.
    pub status_ttl_secs: Option<u64>,
    /// `--status-exp-secs` / `ZHENGKU_STATUS_EXP_SECS`.
    pub status_exp_secs: Option<u64>,
    /// `--font` / `ZHENGKU_FONT`.
    pub font: Option<PathBuf>,
}

/// The TOML file: the same keys as [`Overrides`], all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    mode: Option<Mode>,
    templates_dir: Option<PathBuf>,
    keys_dev_dir: Option<PathBuf>,
    keystore: Option<PathBuf>,
    log_format: Option<LogFormat>,
    body_limit: Option<usize>,
    seal_maker_label: Option<String>,
    seal_maker_cert: Option<PathBuf>,
    status_signer_label: Option<String>,
    trust_lists_dir: Option<PathBuf>,
    trust_dir: Option<PathBuf>,
    verify_concurrency: Option<usize>,
    verify_timeout_ms: Option<u64>,
    verify_key_budget_mib: Option<usize>,
    status_refresh_secs: Option<u64>,
    status_ttl_secs: Option<u64>,
    status_exp_secs: Option<u64>,
    allow_p256_seals: Option<bool>,
    copy_sealer: Option<String>,
    copy_max_days: Option<u32>,
    copy_link_secs: Option<u64>,
    public_base_url: Option<String>,
    font: Option<PathBuf>,
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Folder for the SQLite database and other local state (default `./data`).
    pub data_dir: PathBuf,
    /// Database URL; `None` means `sqlite://<data_dir>/zhengku.db`.
    pub database_url: Option<String>,
    /// Development or production (default production: forgetting the setting must not
    /// give a production host development keys).
    pub mode: Mode,
    /// Licence type definitions (default `templates`).
    pub templates_dir: PathBuf,
    /// Development keys and certificates (default `keys-dev`).
    pub keys_dev_dir: PathBuf,
    /// Key store configuration (TOML, `hsm/README.md`). Required in production; in
    /// development the default is the file store in `<keys_dev_dir>/keys`.
    pub keystore: Option<PathBuf>,
    /// Log format (default text).
    pub log_format: LogFormat,
    /// Largest request body, bytes (default 1 MiB).
    pub body_limit: usize,
    /// Most licences in one batch call.
    pub max_batch: usize,
    /// The seal-making authority's (制章者) key label in the key store (file setting
    /// `seal_maker_label`; development default `seal-maker-sm2`). Without it, seals cannot
    /// be made here.
    pub seal_maker_label: Option<String>,
    /// The seal maker's certificate, PEM or DER (`seal_maker_cert`; development default
    /// `<keys_dev_dir>/seal-maker-sm2.crt`).
    pub seal_maker_cert: Option<PathBuf>,
    /// The status-list signer's (状态列表签发者) key label in the key store (file setting
    /// `status_signer_label`; development default `status-signer-sm2`). Without it,
    /// `GET /sl/{n}` answers 503.
    pub status_signer_label: Option<String>,
    /// The folder `zhengku trust-list make --out` writes the region's signed trust list and
    /// signer list to, published at `/trust/list` and `/trust/signers` (`trust_lists_dir`;
    /// default `<data_dir>/trust-lists`). The service reads it; it never signs a list.
    pub trust_lists_dir: Option<PathBuf>,
    /// Trust for verification (`trust_dir`; development default `<keys_dev_dir>/pki`):
    /// each subfolder's `root.crt` is an anchor, `issuing.crt` an intermediate, and every
    /// `*.crl` a CRL.
    pub trust_dir: Option<PathBuf>,
    /// Most verification requests (`/v1/verify*`, `/V/`, `/verify`) served at once
    /// (`verify_concurrency`, default 64): more are answered 503 at once, so a flood of
    /// hostile uploads cannot queue up behind each other or starve issuing.
    pub verify_concurrency: usize,
    /// The longest a verification request may take (`verify_timeout_ms`, default 10,000):
    /// longer is answered 504.
    pub verify_timeout: std::time::Duration,
    /// Memory for prepared verifying keys (`verify_key_budget_mib`, default 64): department,
    /// seal-maker and signer keys met more than once get their own table (about 150 KiB
    /// each) and verify several times faster; past the budget the least recently used
    /// table is dropped. 0 turns it off.
    pub verify_key_budget: usize,
    /// How status-list tokens are timed: served `status_refresh_secs` (default 300, 1 to
    /// `ttl`) before a fresh one is made, the longest a status change takes to reach
    /// verifiers that fetch lists; `ttl` `status_ttl_secs` (default 3600, 60 to 86400);
    /// `exp - iat` `status_exp_secs` (default 259200, more than `ttl`, at most 30 days).
    pub status_timing: crate::status_publishing::Timing,
    /// Whether seals may be made for ECDSA P-256 holder keys (`allow_p256_seals`, default
    /// false). GB/T 38540 seals are SM2; P-256 seals are outside the national standard.
    pub allow_p256_seals: bool,
    /// The department (USCC) whose active seal seals annotated copies (`copy_sealer`): the
    /// library's operator. Development default: 浙江省大数据发展管理局 (11330000MB0D987650),
    /// registered from keys-dev. Without one, copies are not made (503).
    pub copy_sealer: Option<String>,
    /// The longest an annotated copy may be used, days from its making (`copy_max_days`,
    /// default 90, 1 to 366).
    pub copy_max_days: u32,
    /// How long a copy's download link works, seconds (`copy_link_secs`, default 600, 30
    /// to 86400). A link works once.
    pub copy_link_secs: u64,
    /// The verification site's base URL (`public_base_url`), e.g.
    /// `https://verify.example.gov.cn`: QR codes carry `<base>/V/<payload>`. Scheme, host
    /// and path must be QR alphanumeric once uppercased (no lowercase-only path, no `?`, `_`
    /// or `#`). Default: `http://<listen>` (with `0.0.0.0` as `127.0.0.1`), right for
    /// development and wrong for a deployment behind a proxy — set it there.
    pub public_base_url: Option<String>,
    /// The CJK font for licence PDFs (`font`, a TrueType / OpenType file or collection);
    /// default: searched among the system's fonts (fonts-noto-cjk). Without one the
    /// service does not start.
    pub font: Option<PathBuf>,
}

/// Default [`Config::copy_max_days`].
pub const DEFAULT_COPY_MAX_DAYS: u32 = 90;

/// Default [`Config::copy_link_secs`].
pub const DEFAULT_COPY_LINK_SECS: u64 = 600;

/// The development copy sealer: the library's operator as keys-dev registers it.
pub const DEV_COPY_SEALER: &str = "11330000MB0D987650";

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Default [`Config::verify_key_budget`], MiB.
pub const DEFAULT_VERIFY_KEY_BUDGET_MIB: usize = 64;

/// Default [`Config::verify_concurrency`].
pub const DEFAULT_VERIFY_CONCURRENCY: usize = 64;

/// Default [`Config::verify_timeout`], milliseconds.
pub const DEFAULT_VERIFY_TIMEOUT_MS: u64 = 10_000;

/// Most licences in one batch.
pub const MAX_BATCH: usize = 1000;

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            mode: Mode::Production,
            templates_dir: PathBuf::from("templates"),
            keys_dev_dir: PathBuf::from("keys-dev"),
            keystore: None,
            log_format: LogFormat::Text,
            body_limit: DEFAULT_BODY_LIMIT,
            max_batch: MAX_BATCH,
            seal_maker_label: None,
            seal_maker_cert: None,
            status_signer_label: None,
            trust_lists_dir: None,
            trust_dir: None,
            verify_concurrency: DEFAULT_VERIFY_CONCURRENCY,
            verify_timeout: std::time::Duration::from_millis(DEFAULT_VERIFY_TIMEOUT_MS),
            verify_key_budget: DEFAULT_VERIFY_KEY_BUDGET_MIB << 20,
            status_timing: crate::status_publishing::Timing::default(),
            allow_p256_seals: false,
            copy_sealer: None,
            copy_max_days: DEFAULT_COPY_MAX_DAYS,
            copy_link_secs: DEFAULT_COPY_LINK_SECS,
            public_base_url: None,
            font: None,
        }
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read configuration file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("configuration file {path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (line and key).
        detail: String,
    },
    /// A value is out of range.
    #[error("setting {key}: {detail}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong.
        detail: String,
    },
}

impl Config {
    /// Resolves the settings: overrides, then the file they name, then defaults.
    pub fn resolve(overrides: Overrides) -> Result<Config, ConfigError> {
        let file = match &overrides.config_file {
            None => FileConfig::default(),
            Some(path) => read_file(path)?,
        };
        let d = Config::default();
        let config = Config {
            listen: overrides.listen.or(file.listen).unwrap_or(d.listen),
            data_dir: overrides.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            database_url: overrides.database_url.or(file.database_url),
            mode: overrides.mode.or(file.mode).unwrap_or(d.mode),
            templates_dir: overrides
                .templates_dir
                .or(file.templates_dir)
                .unwrap_or(d.templates_dir),
            keys_dev_dir: overrides
                .keys_dev_dir
                .or(file.keys_dev_dir)
                .unwrap_or(d.keys_dev_dir),
            keystore: overrides.keystore.or(file.keystore),
            log_format: overrides
                .log_format
                .or(file.log_format)
                .unwrap_or(d.log_format),
            body_limit: overrides
                .body_limit
                .or(file.body_limit)
                .unwrap_or(d.body_limit),
            max_batch: d.max_batch,
            seal_maker_label: file.seal_maker_label,
            seal_maker_cert: file.seal_maker_cert,
            status_signer_label: file.status_signer_label,
            trust_lists_dir: file.trust_lists_dir,
            trust_dir: overrides.trust_dir.or(file.trust_dir),
            verify_concurrency: overrides
                .verify_concurrency
                .or(file.verify_concurrency)
                .unwrap_or(d.verify_concurrency),
            verify_timeout: overrides
                .verify_timeout_ms
                .or(file.verify_timeout_ms)
                .map_or(d.verify_timeout, std::time::Duration::from_millis),
            verify_key_budget: overrides
                .verify_key_budget_mib
                .or(file.verify_key_budget_mib)
                .map_or(d.verify_key_budget, |m| m.saturating_mul(1 << 20)),
            status_timing: crate::status_publishing::Timing {
                refresh: overrides
                    .status_refresh_secs
                    .or(file.status_refresh_secs)
                    .unwrap_or(d.status_timing.refresh),
                ttl: overrides
                    .status_ttl_secs
                    .or(file.status_ttl_secs)
                    .unwrap_or(d.status_timing.ttl),
                exp: overrides
                    .status_exp_secs
                    .or(file.status_exp_secs)
                    .unwrap_or(d.status_timing.exp),
            },
            allow_p256_seals: file.allow_p256_seals.unwrap_or(false),
            copy_sealer: file.copy_sealer,
            copy_max_days: file.copy_max_days.unwrap_or(d.copy_max_days),
            copy_link_secs: file.copy_link_secs.unwrap_or(d.copy_link_secs),
            public_base_url: overrides
                .public_base_url
                .or(file.public_base_url)
                .map(|u| u.trim().trim_end_matches('/').to_owned()),
            font: overrides.font.or(file.font),
        };
        if let Some(url) = &config.public_base_url {
            check_base_url(url)?;
        }
        if !(1024..=64 << 20).contains(&config.body_limit) {
            return Err(ConfigError::Invalid {
                key: "body_limit",
                detail: format!("{} (expected 1024 to 67108864 bytes)", config.body_limit),
            });
        }
        if !(1..=100_000).contains(&config.verify_concurrency) {
            return Err(ConfigError::Invalid {
                key: "verify_concurrency",
                detail: format!("{} (expected 1 to 100000)", config.verify_concurrency),
            });
        }
        if !(std::time::Duration::from_millis(10)..=std::time::Duration::from_secs(600))
            .contains(&config.verify_timeout)
        {
            return Err(ConfigError::Invalid {
                key: "verify_timeout_ms",
                detail: format!(
                    "{} ms (expected 10 to 600000)",
                    config.verify_timeout.as_millis()
                ),
            });
        }
        if config.verify_key_budget > 4096 << 20 {
            return Err(ConfigError::Invalid {
                key: "verify_key_budget_mib",
                detail: format!(
                    "{} MiB (expected 0 to 4096)",
                    config.verify_key_budget >> 20
                ),
            });
        }
        if !(1..=366).contains(&config.copy_max_days) {
            return Err(ConfigError::Invalid {
                key: "copy_max_days",
                detail: format!("{} (expected 1 to 366)", config.copy_max_days),
            });
        }
        if !(30..=86_400).contains(&config.copy_link_secs) {
            return Err(ConfigError::Invalid {
                key: "copy_link_secs",
                detail: format!("{} s (expected 30 to 86400)", config.copy_link_secs),
            });
        }
        let t = config.status_timing;
        if !(60..=86_400).contains(&t.ttl) {
            return Err(ConfigError::Invalid {
                key: "status_ttl_secs",
                detail: format!("{} s (expected 60 to 86400)", t.ttl),
            });
        }
        if !(1..=t.ttl).contains(&t.refresh) {
            return Err(ConfigError::Invalid {
                key: "status_refresh_secs",
                detail: format!("{} s (expected 1 to the ttl, {} s)", t.refresh, t.ttl),
            });
        }
        if t.exp <= t.ttl || t.exp > 30 * 86_400 {
            return Err(ConfigError::Invalid {
                key: "status_exp_secs",
                detail: format!(
                    "{} s (expected more than the ttl, {} s, and at most 2592000)",
                    t.exp, t.ttl
                ),
            });
        }
        if config.seal_maker_label.is_some() != config.seal_maker_cert.is_some() {
            return Err(ConfigError::Invalid {
                key: "seal_maker_label",
                detail: "seal_maker_label and seal_maker_cert go together".into(),
            });
        }
        if config.mode == Mode::Production && config.keystore.is_none() {
            return Err(ConfigError::Invalid {
                key: "keystore",
                detail: "production needs a key store configuration (hsm/README.md); \
                         for development keys run with --mode development"
                    .into(),
            });
        }
        Ok(config)
    }

    /// The seal maker's key label and certificate file, with the development defaults.
    pub fn effective_seal_maker(&self) -> Option<(String, PathBuf)> {
        match (&self.seal_maker_label, &self.seal_maker_cert, self.mode) {
            (Some(l), Some(c), _) => Some((l.clone(), c.clone())),
            (None, None, Mode::Development) => Some((
                "seal-maker-sm2".to_owned(),
                self.keys_dev_dir.join("seal-maker-sm2.crt"),
            )),
            _ => None,
        }
    }

    /// The department whose seal seals annotated copies, with the development default.
    pub fn effective_copy_sealer(&self) -> Option<String> {
        match (&self.copy_sealer, self.mode) {
            (Some(u), _) => Some(u.trim().to_owned()),
            (None, Mode::Development) => Some(DEV_COPY_SEALER.to_owned()),
            _ => None,
        }
    }

    /// The status-list signer's key label, with the development default.
    pub fn effective_status_signer(&self) -> Option<String> {
        match (&self.status_signer_label, self.mode) {
            (Some(l), _) => Some(l.clone()),
            (None, Mode::Development) => Some("status-signer-sm2".to_owned()),
            _ => None,
        }
    }

    /// The folder of the published trust lists, with its default.
    pub fn effective_trust_lists_dir(&self) -> PathBuf {
        self.trust_lists_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("trust-lists"))
    }

    /// The trust folder, with the development default.
    pub fn effective_trust_dir(&self) -> Option<PathBuf> {
        match (&self.trust_dir, self.mode) {
            (Some(d), _) => Some(d.clone()),
            (None, Mode::Development) => Some(self.keys_dev_dir.join("pki")),
            (None, Mode::Production) => None,
        }
    }

    /// The base URL QR codes point to (see [`Config::public_base_url`]).
    pub fn effective_public_base_url(&self) -> String {
        match &self.public_base_url {
            Some(u) => u.clone(),
            None => {
                let mut addr = self.listen;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::IpAddr::from([127, 0, 0, 1]));
                }
                format!("http://{addr}")
            }
        }
    }

    /// The database URL to connect to.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("zhengku.db").display()
            ),
        }
    }
}

/// A base URL must be http(s) and survive the QR URL form (crate `zhengku-qr`).
fn check_base_url(url: &str) -> Result<(), ConfigError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(ConfigError::Invalid {
            key: "public_base_url",
            detail: format!("{url:?} (expected an http:// or https:// URL)"),
        });
    }
    zhengku_qr::payload_url(url, "ZK1:").map_err(|e| ConfigError::Invalid {
        key: "public_base_url",
        detail: e.to_string(),
    })?;
    // Longer, and the QR codes of the shipped types may need more than version 15, which
    // phone cameras read less surely at the printed size.
    let len = url.trim_end_matches('/').len();
    if len > zhengku_qr::MAX_BASE_URL_LEN {
        return Err(ConfigError::Invalid {
            key: "public_base_url",
            detail: format!(
                "{url:?} is {len} characters; at most {} keep licence QR codes within version 15",
                zhengku_qr::MAX_BASE_URL_LEN
            ),
        });
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn flags_override_file_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nmode = \"development\"\nbody_limit = 4096\n",
        )
        .unwrap();
        let c = Config::resolve(Overrides {
            config_file: Some(path.clone()),
            body_limit: Some(8192),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.mode, Mode::Development);
        assert_eq!(c.body_limit, 8192);
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert!(
            c.effective_database_url()
                .ends_with("data/zhengku.db?mode=rwc")
        );
    }

    #[test]
    fn public_base_url_defaults_to_the_listen_address_and_is_checked() {
        let c = Config::resolve(Overrides {
            mode: Some(Mode::Development),
            listen: Some("0.0.0.0:9090".parse().unwrap()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.effective_public_base_url(), "http://127.0.0.1:9090");
        let c = Config::resolve(Overrides {
            mode: Some(Mode::Development),
            public_base_url: Some("https://verify.example.gov.cn/".into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(
            c.effective_public_base_url(),
            "https://verify.example.gov.cn"
        );
        for bad in [
            "ftp://x.cn",
            "https://x.cn/a?b",
            "https://x_y.cn",
            "https://verify.licences.zhejiang.example.gov.cn",
        ] {
            let e = Config::resolve(Overrides {
                mode: Some(Mode::Development),
                public_base_url: Some(bad.into()),
                ..Overrides::default()
            })
            .unwrap_err();
            assert!(e.to_string().contains("public_base_url"), "{bad}: {e}");
        }
    }

    #[test]
    fn status_list_timing_is_bounded() {
        let dev = |refresh, ttl, exp| {
            Config::resolve(Overrides {
                mode: Some(Mode::Development),
                status_refresh_secs: refresh,
                status_ttl_secs: ttl,
                status_exp_secs: exp,
                ..Overrides::default()
            })
        };
        let t = dev(None, None, None).unwrap().status_timing;
        assert_eq!((t.refresh, t.ttl, t.exp), (300, 3600, 259_200));
        let t = dev(Some(1), Some(600), Some(7200)).unwrap().status_timing;
        assert_eq!((t.refresh, t.ttl, t.exp), (1, 600, 7200));
        for (refresh, ttl, exp, key) in [
            (Some(0), None, None, "status_refresh_secs"),
            (Some(601), Some(600), None, "status_refresh_secs"),
            (None, Some(59), None, "status_ttl_secs"),
            (None, Some(86_401), None, "status_ttl_secs"),
            (None, Some(3600), Some(3600), "status_exp_secs"),
            (None, None, Some(30 * 86_400 + 1), "status_exp_secs"),
        ] {
            let e = dev(refresh, ttl, exp).unwrap_err();
            assert!(
                e.to_string().contains(key),
                "{refresh:?} {ttl:?} {exp:?}: {e}"
            );
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let e = Config::resolve(Overrides {
            config_file: Some(path),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        let e = Config::resolve(Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("keystore"), "{e}");
        let e = Config::resolve(Overrides {
            mode: Some(Mode::Development),
            body_limit: Some(10),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("body_limit"), "{e}");
        // The prepared-key budget: MiB in, bytes kept; 64 MiB by default; at most 4096.
        let dev = |mib| Overrides {
            mode: Some(Mode::Development),
            verify_key_budget_mib: mib,
            ..Overrides::default()
        };
        assert_eq!(
            Config::resolve(dev(None)).unwrap().verify_key_budget,
            64 << 20
        );
        assert_eq!(Config::resolve(dev(Some(0))).unwrap().verify_key_budget, 0);
        assert_eq!(
            Config::resolve(dev(Some(8))).unwrap().verify_key_budget,
            8 << 20
        );
        let e = Config::resolve(dev(Some(5000))).unwrap_err();
        assert!(e.to_string().contains("verify_key_budget_mib"), "{e}");
    }
}
