//! The development key store: one PKCS#8 PEM file per key, `<dir>/<label>.key`.
//!
//! Private keys sit in plain files (mode 0600), readable by anyone who can read the folder,
//! which is why [`crate::open`] refuses this store in [`crate::DeploymentMode::Production`].
//! The files are exactly what `zhengku keygen` and `openssl genpkey` write, so developers
//! can inspect and exchange them with ordinary tools.
//!
//! Writes are atomic and never overwrite: the key goes to a fresh temporary file in the same
//! folder, is flushed to disk, and is then hard-linked to its final name, which fails if the
//! name exists. A crash leaves either no key or a complete one, and two processes generating
//! the same label cannot both succeed.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use zhengku_crypto::{Algorithm, PrivateKey, Signer};

use crate::label::validate_label;
use crate::{HsmError, KeyInfo, KeyStore};

const EXTENSION: &str = "key";

/// Keys as PKCS#8 PEM files in one folder. Development only.
#[derive(Debug)]
pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    /// Opens (creating it with mode 0700 if missing) the key folder.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, HsmError> {
        let dir = dir.into();
        if !dir.is_dir() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(|source| HsmError::Io {
                    action: "create key folder",
                    path: dir.clone(),
                    source,
                })?;
        }
        let store = FileKeyStore { dir };
        store.health()?;
        Ok(store)
    }

    /// The key folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, label: &str) -> PathBuf {
        self.dir.join(format!("{label}.{EXTENSION}"))
    }

    fn describe(&self) -> String {
        format!("key folder {}", self.dir.display())
    }

    fn read_key(&self, path: &Path) -> Result<PrivateKey, HsmError> {
        let pem =
            zeroize::Zeroizing::new(fs::read_to_string(path).map_err(|source| HsmError::Io {
                action: "read key file",
                path: path.to_owned(),
                source,
            })?);
        PrivateKey::from_pem(&pem).map_err(|source| HsmError::InvalidKeyFile {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes `pem` to `final_path` atomically, failing if it exists.
    fn write_new(&self, final_path: &Path, pem: &str) -> Result<(), HsmError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}.{EXTENSION}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let io = |action, path: &Path| {
            let path = path.to_owned();
            move |source| HsmError::Io {
                action,
                path,
                source,
            }
        };
        let result = (|| {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io("create temporary key file", &tmp))?;
            file.write_all(pem.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io("write temporary key file", &tmp))?;
            fs::hard_link(&tmp, final_path).map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    HsmError::LabelTaken {
                        label: label_of(final_path),
                        store: self.describe(),
                    }
                } else {
                    io("link key file", final_path)(source)
                }
            })
        })();
        // The temporary name goes whether or not the link succeeded; a failure to remove it
        // leaves only a hidden file that `list` ignores.
        let _ = fs::remove_file(&tmp);
        result?;
        // Make the new directory entry durable too.
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync key folder", &self.dir))
    }
}

fn label_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl KeyStore for FileKeyStore {
    fn generate(&self, label: &str, alg: Algorithm) -> Result<Arc<dyn Signer>, HsmError> {
        validate_label(label)?;
        let path = self.path_of(label);
        if path.exists() {
            return Err(HsmError::LabelTaken {
                label: label.to_owned(),
                store: self.describe(),
            });
        }
        let key = PrivateKey::generate(alg).map_err(HsmError::KeyGeneration)?;
        self.write_new(&path, &key.to_pkcs8_pem())?;
        Ok(Arc::new(key))
    }

    fn signer(&self, label: &str) -> Result<Arc<dyn Signer>, HsmError> {
        validate_label(label)?;
        let path = self.path_of(label);
        if !path.is_file() {
            return Err(HsmError::KeyNotFound {
                label: label.to_owned(),
                store: self.describe(),
            });
        }
        Ok(Arc::new(self.read_key(&path)?))
    }

    fn list(&self) -> Result<Vec<KeyInfo>, HsmError> {
        let entries = fs::read_dir(&self.dir).map_err(|source| HsmError::Io {
            action: "list key folder",
            path: self.dir.clone(),
            source,
        })?;
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| HsmError::Io {
                action: "list key folder",
                path: self.dir.clone(),
                source,
            })?;
            let path = entry.path();
            // Only `<valid label>.key` files are keys; temporary files, READMEs and public
            // keys that share the folder are not.
            let Some(label) = path
                .extension()
                .filter(|e| *e == EXTENSION)
                .and_then(|_| path.file_stem())
                .and_then(|s| s.to_str())
            else {
                continue;
            };
            if validate_label(label).is_err() || !path.is_file() {
                continue;
            }
            let key = self.read_key(&path)?;
            keys.push(KeyInfo {
                label: label.to_owned(),
                algorithm: key.algorithm(),
                key_id: key.key_id(),
            });
        }
        keys.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(keys)
    }

    fn health(&self) -> Result<(), HsmError> {
        fs::read_dir(&self.dir)
            .map(drop)
            .map_err(|source| HsmError::Io {
                action: "read key folder",
                path: self.dir.clone(),
                source,
            })
    }
}
