//! The key store's one error type.
//!
//! Operators read these messages in logs and readiness probes, so each variant says what was
//! being done, which PKCS#11 call (or file) failed and what to check, and carries the values
//! (labels, paths, return codes) a reader needs. None of them ever holds a PIN or key bytes.

use std::path::PathBuf;

use cryptoki::context::Function;
use cryptoki::error::{Error as CryptokiError, RvError};
use zhengku_crypto::KeyError;

/// Something the key store could not do.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// The configuration is inconsistent or holds a value out of range.
    #[error("invalid key store configuration: {0}")]
    Config(String),

    /// The file store was configured for a production deployment.
    #[error(
        "the file key store ({}) keeps private keys in plain files and is for development only: \
         use kind = \"pkcs11\" in production, or set mode = \"development\"",
        dir.display()
    )]
    FileStoreInProduction {
        /// The configured key folder.
        dir: PathBuf,
    },

    /// The PKCS#11 module (shared library) could not be loaded.
    #[error(
        "cannot load PKCS#11 module {}: {detail} (check `module` in the key store \
         configuration and that the HSM client library is installed)",
        path.display()
    )]
    ModuleLoad {
        /// The configured module path.
        path: PathBuf,
        /// What the loader said.
        detail: String,
    },

    /// No slot of the module holds a token with the configured label.
    #[error(
        "C_GetTokenInfo: no token labelled {label:?} in PKCS#11 module {} (tokens present: {}); \
         check `token` in the configuration or initialise the token (hsm/README.md)",
        module.display(),
        list_or_none(available)
    )]
    TokenNotFound {
        /// The configured token label.
        label: String,
        /// The module searched.
        module: PathBuf,
        /// Labels of the tokens that are present.
        available: Vec<String>,
    },

    /// More than one token has the configured label, so the store cannot pick one.
    #[error("{count} tokens are labelled {label:?}; give each token a unique label")]
    TokenAmbiguous {
        /// The configured token label.
        label: String,
        /// How many tokens carry it.
        count: usize,
    },

    /// C_Login returned CKR_PIN_INCORRECT.
    #[error(
        "C_Login to token {token:?} failed: wrong user PIN (CKR_PIN_INCORRECT); check the PIN \
         source in the configuration — repeated failures lock the PIN"
    )]
    WrongPin {
        /// The token label.
        token: String,
    },

    /// C_Login returned CKR_PIN_LOCKED.
    #[error(
        "C_Login to token {token:?} failed: the user PIN is locked (CKR_PIN_LOCKED); the \
         token's security officer must reset it"
    )]
    PinLocked {
        /// The token label.
        token: String,
    },

    /// The environment variable that should hold the PIN is not set (or not UTF-8).
    #[error("the PIN environment variable {var} is not set (or is not valid UTF-8)")]
    PinEnvMissing {
        /// Its name.
        var: String,
    },

    /// The PIN file could not be read.
    #[error("cannot read the PIN file {}: {source}", path.display())]
    PinFile {
        /// Its path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The PIN source holds an empty PIN.
    #[error("the PIN from {from} is empty")]
    PinEmpty {
        /// Where it came from (`environment variable X`, `file Y`).
        from: String,
    },

    /// A key label breaks the naming rule.
    #[error("invalid key label {label:?}: {reason}")]
    InvalidLabel {
        /// The label as given.
        label: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// No key with this label.
    #[error("no key labelled {label:?} in {store}")]
    KeyNotFound {
        /// The label asked for.
        label: String,
        /// Which store (`token "x"`, `folder y`).
        store: String,
    },

    /// `generate` was asked for a label that is in use; keys are never overwritten.
    #[error(
        "the label {label:?} is already taken in {store}; keys are never overwritten, choose another label"
    )]
    LabelTaken {
        /// The label.
        label: String,
        /// Which store.
        store: String,
    },

    /// The token lacks a mechanism this operation needs.
    #[error(
        "token {token:?} does not support {mechanism} (reported by {}); {hint}",
        c_name(*function)
    )]
    MechanismNotSupported {
        /// The token label.
        token: String,
        /// The mechanism, by name and number.
        mechanism: String,
        /// The call that showed it (C_GetMechanismList, or the call that was refused).
        function: Function,
        /// What to do about it.
        hint: &'static str,
    },

    /// A key exists under the label, but this store cannot sign with it.
    #[error("key {label:?} cannot be used: {detail}")]
    UnsupportedKey {
        /// The label.
        label: String,
        /// Why.
        detail: String,
    },

    /// The token refused to decrypt a wrapped SM2 key (AES-GCM authentication failed:
    /// CKR_ENCRYPTED_DATA_INVALID, or CKR_GENERAL_ERROR from SoftHSM2).
    #[error(
        "C_Decrypt refused the wrapped SM2 key {label:?} ({rv:?}): its AES-GCM check failed — \
         the blob was altered, copied from another label or token, or the token's \
         key-encryption key was replaced"
    )]
    WrappedKeyRejected {
        /// The label of the data object.
        label: String,
        /// The token's return code.
        rv: RvError,
    },

    /// A wrapped SM2 key object does not have the layout this crate writes.
    #[error("wrapped SM2 key object {label:?} is malformed: {detail}")]
    CorruptWrappedKey {
        /// The label.
        label: String,
        /// What is wrong.
        detail: String,
    },

    /// More than one key-encryption key with the fixed label exists.
    #[error(
        "{count} AES key-encryption keys are labelled {label:?} on token {token:?}; there must \
         be exactly one (see hsm/README.md, \"SM2 keys\")"
    )]
    KekAmbiguous {
        /// The fixed KEK label.
        label: &'static str,
        /// The token label.
        token: String,
        /// How many were found.
        count: usize,
    },

    /// Every pooled session stayed busy for too long.
    #[error("no PKCS#11 session became free within {seconds} s (pool of {size}); raise `sessions`")]
    PoolExhausted {
        /// The pool size.
        size: usize,
        /// How long the caller waited.
        seconds: u64,
    },

    /// Any other PKCS#11 call failure, with the call and its return code.
    #[error("{what}: {} failed with {rv:?} ({rv})", c_name(*function))]
    Pkcs11 {
        /// What the store was doing.
        what: String,
        /// The PKCS#11 function that failed.
        function: Function,
        /// Its return value.
        rv: RvError,
    },

    /// The PKCS#11 wrapper failed without a return code (conversions, missing functions).
    #[error("{what}: PKCS#11 library error: {detail}")]
    Cryptoki {
        /// What the store was doing.
        what: String,
        /// The wrapper's message.
        detail: String,
    },

    /// A key file or folder could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read key file`, `create key folder` …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// A key file holds something that is not a usable private key.
    #[error("key file {}: {source}", path.display())]
    InvalidKeyFile {
        /// The path.
        path: PathBuf,
        /// What is wrong with it.
        source: KeyError,
    },

    /// A public key read from a token is malformed.
    #[error("public key of {label:?} on the token is unusable: {source}")]
    InvalidPublicKey {
        /// The key label.
        label: String,
        /// What is wrong with it.
        source: KeyError,
    },

    /// Generating a key in process memory failed (random generator).
    #[error("key generation failed: {0}")]
    KeyGeneration(KeyError),
}

impl HsmError {
    /// Wraps a cryptoki error that has no more specific meaning, saying what was being done.
    pub(crate) fn pkcs11(what: impl Into<String>, err: CryptokiError) -> Self {
        match err {
            CryptokiError::Pkcs11(rv, function) => HsmError::Pkcs11 {
                what: what.into(),
                function,
                rv,
            },
            other => HsmError::Cryptoki {
                what: what.into(),
                detail: other.to_string(),
            },
        }
    }

    /// The PKCS#11 return code behind this error, if there is one.
    pub fn rv(&self) -> Option<RvError> {
        match self {
            HsmError::Pkcs11 { rv, .. } | HsmError::WrappedKeyRejected { rv, .. } => Some(*rv),
            _ => None,
        }
    }
}

/// `C_Sign` for `Function::Sign`: the name an operator finds in the PKCS#11 specification.
pub(crate) fn c_name(function: Function) -> String {
    format!("C_{function:?}")
}

fn list_or_none(labels: &[String]) -> String {
    if labels.is_empty() {
        "none".to_owned()
    } else {
        labels
            .iter()
            .map(|l| format!("{l:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
