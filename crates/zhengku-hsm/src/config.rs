//! Key store configuration: which backend, where its keys live, where its PIN comes from.
//!
//! It deserializes with serde from the service's TOML (see `hsm/README.md` for every key):
//!
//! ```toml
//! mode = "production"                      # or "development"; default "production"
//! kind = "pkcs11"
//! module = "/usr/lib/softhsm/libsofthsm2.so"
//! token = "zhengku"
//! pin = { env = "ZHENGKU_HSM_PIN" }        # or { file = "/run/secrets/zhengku-hsm-pin" }
//! sessions = 4                             # optional, 1..=64
//! sm2 = "wrapped"                          # optional; or a [sm2.vendor] table
//! ```
//!
//! ```toml
//! mode = "development"
//! kind = "file"
//! dir = "keys-dev"
//! ```
//!
//! Unknown keys are errors, so a misspelt setting is caught when the service starts rather
//! than silently ignored. The configuration names where the PIN is; it never holds the PIN,
//! so printing it is safe.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::HsmError;

/// Where the key store runs. Production refuses the file store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentMode {
    /// A developer's machine or CI: plain key files are allowed.
    Development,
    /// A real deployment: keys must live in a PKCS#11 token. The default, so that a
    /// configuration that forgets `mode` cannot end up with keys in plain files.
    #[default]
    Production,
}

/// Everything [`crate::open`] needs.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawConfig")]
pub struct KeyStoreConfig {
    /// Development or production.
    pub mode: DeploymentMode,
    /// Which backend, with its settings.
    pub backend: BackendConfig,
}

/// The backend and its settings (`kind = "file"` or `kind = "pkcs11"` in TOML).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendConfig {
    /// PKCS#8 PEM files in a folder (development only).
    File(FileStoreConfig),
    /// A PKCS#11 token.
    Pkcs11(Pkcs11Config),
}

/// Settings of the development file store.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStoreConfig {
    /// The folder holding `<label>.key` files; created (mode 0700) if missing.
    pub dir: PathBuf,
}

/// Settings of the PKCS#11 store.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkcs11Config {
    /// Path of the vendor's PKCS#11 shared library.
    pub module: PathBuf,
    /// Label of the token (CKA_LABEL of the token, as `softhsm2-util --show-slots` prints it).
    pub token: String,
    /// Where the user PIN comes from.
    pub pin: PinSource,
    /// How many sessions the signing pool may open (1..=64).
    pub sessions: usize,
    /// How SM2 keys are kept.
    pub sm2: Sm2Mode,
}

/// Where the token's user PIN is read from. The PIN itself never appears in configuration.
///
/// Deserialized by hand so that a PIN written straight into the configuration
/// (`pin = "1234"`) is refused without being repeated in the error message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinSource {
    /// An environment variable, by name (`pin = { env = "ZHENGKU_HSM_PIN" }`).
    Env(String),
    /// A file, e.g. a mounted secret (`pin = { file = "/run/secrets/hsm-pin" }`). One
    /// trailing newline (`\n` or `\r\n`) is removed, as `echo` and editors add one.
    File(PathBuf),
}

/// How the PKCS#11 store keeps SM2 keys.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sm2Mode {
    /// For tokens without SM2 (SoftHSM2, most HSMs sold outside China): zhengku generates the
    /// key and the token keeps it only encrypted under a token-resident AES key (see
    /// `hsm/README.md`, "SM2 keys").
    #[default]
    Wrapped,
    /// For tokens that generate and sign SM2 themselves through vendor mechanisms.
    Vendor(VendorSm2),
}

/// The vendor mechanisms of a token that does SM2 itself.
///
/// **Key generation and signing with these mechanisms are not tested here**: no SM2-capable
/// token is available to the project's tests. The code follows the PKCS#11 conventions such
/// tokens use (see `hsm/README.md`); the configuration is parse-tested, and finding an
/// in-token SM2 key and reporting missing mechanisms are tested against SoftHSM2. Try it
/// against the real token before relying on it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawVendorSm2")]
pub struct VendorSm2 {
    /// Key-pair generation mechanism: CKM_EC_KEY_PAIR_GEN (0x1040) or a vendor-defined
    /// number (at least CKM_VENDOR_DEFINED, 0x80000000).
    pub keygen_mechanism: u64,
    /// Signing mechanism, vendor-defined. It must sign a 32-byte e = SM3(Z_A || M) as given
    /// (the "raw" SM2 mechanism, like CKM_ECDSA for ECDSA) and return r || s or DER.
    pub sign_mechanism: u64,
    /// CKA_EC_PARAMS for the generated keys, DER. Default: the sm2p256v1 OID
    /// (`06082a811ccf5501822d`).
    pub ec_params: Vec<u8>,
    /// CKA_KEY_TYPE of the generated keys: CKK_EC (3, the default) or vendor-defined.
    pub key_type: u64,
}

/// DER of OID 1.2.156.10197.1.301 (sm2p256v1).
pub(crate) const SM2_EC_PARAMS: [u8; 10] =
    [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D];
/// DER of OID 1.2.840.10045.3.1.7 (prime256v1).
pub(crate) const P256_EC_PARAMS: [u8; 10] =
    [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

pub(crate) const CKM_EC_KEY_PAIR_GEN: u64 = 0x1040;
pub(crate) const CKM_VENDOR_DEFINED: u64 = 0x8000_0000;
pub(crate) const CKK_EC: u64 = 3;
const DEFAULT_SESSIONS: usize = 4;
const MAX_SESSIONS: usize = 64;

impl KeyStoreConfig {
    /// A file store in `dir`.
    pub fn file(mode: DeploymentMode, dir: impl Into<PathBuf>) -> Self {
        KeyStoreConfig {
            mode,
            backend: BackendConfig::File(FileStoreConfig { dir: dir.into() }),
        }
    }

    /// A PKCS#11 store.
    pub fn pkcs11(mode: DeploymentMode, config: Pkcs11Config) -> Self {
        KeyStoreConfig {
            mode,
            backend: BackendConfig::Pkcs11(config),
        }
    }
}

impl Pkcs11Config {
    /// A configuration with the defaults: 4 sessions, SM2 keys wrapped.
    pub fn new(module: impl Into<PathBuf>, token: impl Into<String>, pin: PinSource) -> Self {
        Pkcs11Config {
            module: module.into(),
            token: token.into(),
            pin,
            sessions: DEFAULT_SESSIONS,
            sm2: Sm2Mode::Wrapped,
        }
    }

    /// The same with another session pool size.
    pub fn with_sessions(mut self, sessions: usize) -> Self {
        self.sessions = sessions;
        self
    }

    /// The same with another SM2 mode.
    pub fn with_sm2(mut self, sm2: Sm2Mode) -> Self {
        self.sm2 = sm2;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), HsmError> {
        if !(1..=MAX_SESSIONS).contains(&self.sessions) {
            return Err(HsmError::Config(format!(
                "sessions = {} is out of range (1..={MAX_SESSIONS})",
                self.sessions
            )));
        }
        if self.token.is_empty() {
            return Err(HsmError::Config("token label is empty".into()));
        }
        if let Sm2Mode::Vendor(v) = &self.sm2 {
            v.validate().map_err(HsmError::Config)?;
        }
        Ok(())
    }
}

impl VendorSm2 {
    /// Vendor mechanisms with the default EC parameters (sm2p256v1) and key type (CKK_EC).
    pub fn new(keygen_mechanism: u64, sign_mechanism: u64) -> Result<Self, HsmError> {
        let v = VendorSm2 {
            keygen_mechanism,
            sign_mechanism,
            ec_params: SM2_EC_PARAMS.to_vec(),
            key_type: CKK_EC,
        };
        v.validate().map_err(HsmError::Config)?;
        Ok(v)
    }

    fn validate(&self) -> Result<(), String> {
        if self.keygen_mechanism != CKM_EC_KEY_PAIR_GEN
            && self.keygen_mechanism < CKM_VENDOR_DEFINED
        {
            return Err(format!(
                "sm2.vendor.keygen_mechanism = {:#x} must be CKM_EC_KEY_PAIR_GEN (0x1040) or \
                 vendor-defined (>= 0x80000000)",
                self.keygen_mechanism
            ));
        }
        if self.sign_mechanism < CKM_VENDOR_DEFINED {
            return Err(format!(
                "sm2.vendor.sign_mechanism = {:#x} must be vendor-defined (>= 0x80000000); \
                 standard PKCS#11 has no SM2 signing mechanism",
                self.sign_mechanism
            ));
        }
        if self.key_type != CKK_EC && self.key_type < CKM_VENDOR_DEFINED {
            return Err(format!(
                "sm2.vendor.key_type = {:#x} must be CKK_EC (3) or vendor-defined (>= 0x80000000)",
                self.key_type
            ));
        }
        // EC parameters are a DER OID (named curve) or SEQUENCE (explicit parameters); the
        // P-256 OID would make SM2 and P-256 keys indistinguishable on the token.
        if !matches!(self.ec_params.first(), Some(0x06 | 0x30)) {
            return Err(
                "sm2.vendor.ec_params must be DER: an OID (06 ..) or a SEQUENCE (30 ..)".into(),
            );
        }
        if self.ec_params == P256_EC_PARAMS {
            return Err("sm2.vendor.ec_params is the P-256 curve OID, not an SM2 curve".into());
        }
        Ok(())
    }
}

impl PinSource {
    /// Reads the PIN. Only the returned secret holds it; intermediate copies are zeroized.
    pub fn read(&self) -> Result<SecretString, HsmError> {
        let (pin, from) = match self {
            PinSource::Env(var) => {
                let value =
                    std::env::var(var).map_err(|_| HsmError::PinEnvMissing { var: var.clone() })?;
                (Zeroizing::new(value), format!("environment variable {var}"))
            }
            PinSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| HsmError::PinFile {
                    path: path.clone(),
                    source,
                })?;
                (Zeroizing::new(text), format!("file {}", path.display()))
            }
        };
        let trimmed = strip_one_newline(&pin);
        if trimmed.is_empty() {
            return Err(HsmError::PinEmpty { from });
        }
        Ok(SecretString::from(trimmed.to_owned()))
    }

    /// A file source.
    pub fn file(path: impl AsRef<Path>) -> Self {
        PinSource::File(path.as_ref().to_owned())
    }

    /// An environment variable source.
    pub fn env(var: impl Into<String>) -> Self {
        PinSource::Env(var.into())
    }
}

impl<'de> Deserialize<'de> for PinSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PinSourceVisitor)
    }
}

struct PinSourceVisitor;

const PIN_SHAPE: &str = "pin = { env = \"VARIABLE\" } or pin = { file = \"/path\" }";

impl<'de> serde::de::Visitor<'de> for PinSourceVisitor {
    type Value = PinSource;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(PIN_SHAPE)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<PinSource, A::Error> {
        use serde::de::Error;
        let mut source = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "env" => PinSource::Env(map.next_value()?),
                "file" => PinSource::File(map.next_value()?),
                other => {
                    return Err(A::Error::custom(format!(
                        "unknown key `{other}` in pin: expected {PIN_SHAPE}"
                    )));
                }
            };
            if source.replace(value).is_some() {
                return Err(A::Error::custom(format!(
                    "pin names more than one source: expected {PIN_SHAPE}"
                )));
            }
        }
        source.ok_or_else(|| A::Error::custom(format!("pin is empty: expected {PIN_SHAPE}")))
    }

    // Any other shape — above all a string, which would be the PIN itself — is refused
    // without echoing the value (serde's default message would quote it).
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<PinSource, E> {
        Err(E::custom(format!(
            "a PIN must not be written in the configuration: use {PIN_SHAPE}"
        )))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<PinSource, E> {
        self.visit_str("")
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<PinSource, E> {
        self.visit_str("")
    }
}

fn strip_one_newline(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}

/// The TOML shape: one table with a `kind` tag. Converted into [`KeyStoreConfig`], whose
/// split between mode and backend reads better in code.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawConfig {
    File {
        #[serde(default)]
        mode: DeploymentMode,
        dir: PathBuf,
    },
    Pkcs11 {
        #[serde(default)]
        mode: DeploymentMode,
        module: PathBuf,
        token: String,
        pin: PinSource,
        #[serde(default = "default_sessions")]
        sessions: usize,
        #[serde(default)]
        sm2: Sm2Mode,
    },
}

fn default_sessions() -> usize {
    DEFAULT_SESSIONS
}

impl TryFrom<RawConfig> for KeyStoreConfig {
    type Error = String;

    fn try_from(raw: RawConfig) -> Result<Self, String> {
        Ok(match raw {
            RawConfig::File { mode, dir } => KeyStoreConfig::file(mode, dir),
            RawConfig::Pkcs11 {
                mode,
                module,
                token,
                pin,
                sessions,
                sm2,
            } => {
                let config = Pkcs11Config {
                    module,
                    token,
                    pin,
                    sessions,
                    sm2,
                };
                config.validate().map_err(|e| e.to_string())?;
                KeyStoreConfig::pkcs11(mode, config)
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendorSm2 {
    keygen_mechanism: u64,
    sign_mechanism: u64,
    /// Hex, as `openssl ecparam -name SM2 -outform DER | xxd -p` prints it.
    #[serde(default)]
    ec_params: Option<String>,
    #[serde(default)]
    key_type: Option<u64>,
}

impl TryFrom<RawVendorSm2> for VendorSm2 {
    type Error = String;

    fn try_from(raw: RawVendorSm2) -> Result<Self, String> {
        let ec_params = match raw.ec_params {
            None => SM2_EC_PARAMS.to_vec(),
            Some(h) => {
                let cleaned: String = h
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != ':')
                    .collect();
                hex::decode(&cleaned)
                    .map_err(|e| format!("sm2.vendor.ec_params is not hex DER: {e}"))?
            }
        };
        let v = VendorSm2 {
            keygen_mechanism: raw.keygen_mechanism,
            sign_mechanism: raw.sign_mechanism,
            ec_params,
            key_type: raw.key_type.unwrap_or(CKK_EC),
        };
        v.validate()?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parse(s: &str) -> Result<KeyStoreConfig, String> {
        toml::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn pkcs11_config_with_defaults() {
        let c = parse(
            r#"
            kind = "pkcs11"
            module = "/usr/lib/softhsm/libsofthsm2.so"
            token = "zhengku"
            pin = { env = "ZHENGKU_HSM_PIN" }
            "#,
        )
        .unwrap();
        assert_eq!(c.mode, DeploymentMode::Production);
        let BackendConfig::Pkcs11(p) = c.backend else {
            panic!("not pkcs11")
        };
        assert_eq!(p.module, Path::new("/usr/lib/softhsm/libsofthsm2.so"));
        assert_eq!(p.token, "zhengku");
        assert_eq!(p.pin, PinSource::Env("ZHENGKU_HSM_PIN".into()));
        assert_eq!(p.sessions, 4);
        assert_eq!(p.sm2, Sm2Mode::Wrapped);
    }

    #[test]
    fn pkcs11_config_with_pin_file_and_vendor_sm2() {
        let c = parse(
            r#"
            mode = "development"
            kind = "pkcs11"
            module = "/opt/vendor/lib/libvendor-p11.so"
            token = "seal-01"
            pin = { file = "/run/secrets/hsm-pin" }
            sessions = 8

            [sm2.vendor]
            keygen_mechanism = 0x80000001
            sign_mechanism = 0x80000002
            ec_params = "06:08:2a:81:1c:cf:55:01:82:2d"
            key_type = 0x80000003
            "#,
        )
        .unwrap();
        assert_eq!(c.mode, DeploymentMode::Development);
        let BackendConfig::Pkcs11(p) = c.backend else {
            panic!("not pkcs11")
        };
        assert_eq!(p.pin, PinSource::File("/run/secrets/hsm-pin".into()));
        assert_eq!(p.sessions, 8);
        let Sm2Mode::Vendor(v) = p.sm2 else {
            panic!("not vendor")
        };
        assert_eq!(v.keygen_mechanism, 0x8000_0001);
        assert_eq!(v.sign_mechanism, 0x8000_0002);
        assert_eq!(v.ec_params, SM2_EC_PARAMS);
        assert_eq!(v.key_type, 0x8000_0003);
    }

    #[test]
    fn vendor_sm2_inline_table_gets_defaults() {
        let c = parse(
            r#"
            kind = "pkcs11"
            module = "/m.so"
            token = "t"
            pin = { env = "P" }
            sm2 = { vendor = { keygen_mechanism = 0x1040, sign_mechanism = 0x80000100 } }
            "#,
        )
        .unwrap();
        let BackendConfig::Pkcs11(p) = c.backend else {
            panic!("not pkcs11")
        };
        assert_eq!(
            p.sm2,
            Sm2Mode::Vendor(VendorSm2::new(0x1040, 0x8000_0100).unwrap())
        );
    }

    #[test]
    fn file_config() {
        let c = parse("mode = \"development\"\nkind = \"file\"\ndir = \"keys-dev\"").unwrap();
        assert_eq!(
            c,
            KeyStoreConfig::file(DeploymentMode::Development, "keys-dev")
        );
    }

    #[test]
    fn mistakes_are_reported_with_the_offending_key() {
        let cases: &[(&str, &str)] = &[
            ("kind = \"file\"\ndir = \"k\"\ndri = \"x\"", "dri"),
            ("kind = \"sqlite\"\ndir = \"k\"", "sqlite"),
            ("kind = \"file\"", "dir"),
            (
                "mode = \"staging\"\nkind = \"file\"\ndir = \"k\"",
                "staging",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = \"1234\"",
                "must not be written in the configuration",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { value = \"1\" }",
                "unknown key `value`",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\", file = \"f\" }",
                "more than one source",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\nsessions = 0",
                "sessions = 0",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\nsm2 = \"software\"",
                "software",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\n[sm2.vendor]\nkeygen_mechanism = 0x1040\nsign_mechanism = 0x1041",
                "sign_mechanism = 0x1041",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\n[sm2.vendor]\nkeygen_mechanism = 0x1040\nsign_mechanism = 0x80000001\nec_params = \"zz\"",
                "not hex",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\n[sm2.vendor]\nkeygen_mechanism = 0x1040\nsign_mechanism = 0x80000001\nec_params = \"06082a8648ce3d030107\"",
                "P-256",
            ),
            (
                "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = { env = \"P\" }\n[sm2.vendor]\nkeygen_mechanism = 0x1040\nsign_mechanism = 0x80000001\nsign_mech = 1",
                "sign_mech",
            ),
        ];
        for (toml, needle) in cases {
            let err = parse(toml).expect_err(toml);
            assert!(err.contains(needle), "{toml:?}: {err}");
        }
    }

    /// serde's own message would quote the value; ours must not repeat a PIN, and neither
    /// may the TOML error's display (which can quote source lines).
    #[test]
    fn a_pin_written_inline_is_refused_without_repeating_it() {
        let err = toml::from_str::<KeyStoreConfig>(
            "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = \"s3cret-77\"",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("s3cret-77"), "{err}");
        let err = toml::from_str::<KeyStoreConfig>(
            "kind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = 918273",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("918273"), "{err}");
        // Nested in a service's configuration, as it will be.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Service {
            keystore: KeyStoreConfig,
        }
        let err = toml::from_str::<Service>(
            "[keystore]\nkind = \"pkcs11\"\nmodule = \"/m\"\ntoken = \"t\"\npin = \"s3cret-77\"\n",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("s3cret-77"), "{err}");
        assert!(err.to_string().contains("must not be written"), "{err}");
    }

    #[test]
    fn pins_are_read_from_files_with_one_newline_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        for (content, expect) in [
            ("1234\n", Some("1234")),
            ("1234\r\n", Some("1234")),
            ("1234", Some("1234")),
            ("1234\n\n", Some("1234\n")),
            (" 12 34 \n", Some(" 12 34 ")),
            ("\n", None),
            ("", None),
        ] {
            let path = dir.path().join("pin");
            std::fs::write(&path, content).unwrap();
            let got = PinSource::file(&path).read();
            match expect {
                Some(pin) => {
                    use secrecy::ExposeSecret;
                    assert_eq!(got.unwrap().expose_secret(), pin);
                }
                None => assert!(matches!(got, Err(HsmError::PinEmpty { .. }))),
            }
        }
        let missing = PinSource::file(dir.path().join("nope")).read().unwrap_err();
        assert!(matches!(missing, HsmError::PinFile { .. }));
        assert!(missing.to_string().contains("nope"));
        let unset = PinSource::env("ZHENGKU_TEST_SURELY_UNSET_PIN_VAR")
            .read()
            .unwrap_err();
        assert!(
            unset
                .to_string()
                .contains("ZHENGKU_TEST_SURELY_UNSET_PIN_VAR"),
            "{unset}"
        );
    }
}
