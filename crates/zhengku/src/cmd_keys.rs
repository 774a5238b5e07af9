//! `zhengku keys list`, and opening the key store every command that signs uses: the
//! configured one (`--keystore FILE`, a PKCS#11 token in production) or the development
//! file store `keys-dev/keys`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use zhengku_hsm::{FileKeyStore, KeyStore, KeyStoreConfig};

use crate::cli::KeystoreArgs;
use crate::{Exit, files};

/// Opens the key store: the configured one, or the development file store.
pub fn open_keystore(args: &KeystoreArgs) -> Result<Arc<dyn KeyStore>> {
    let Some(path) = &args.keystore else {
        // No configuration: the development file store, as `keys-dev/` ships it.
        let store = FileKeyStore::open(PathBuf::from("keys-dev/keys"))
            .context("cannot open the development key store keys-dev/keys")?;
        return Ok(Arc::new(store));
    };
    let text = files::read_text(path)?;
    let config = toml::from_str::<KeyStoreConfig>(&text)
        .with_context(|| format!("key store configuration {}", path.display()))?;
    zhengku_hsm::open(&config).context("cannot open the key store")
}

pub fn list_keys(args: KeystoreArgs, out: &mut dyn Write) -> Result<Exit> {
    let store = open_keystore(&args)?;
    for k in store.list()? {
        writeln!(out, "{}\t{}\t{}", k.label, k.algorithm, k.key_id)?;
    }
    Ok(Exit::Valid)
}
