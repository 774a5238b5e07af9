//! The development file store: real files in a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use zhengku_crypto::{Algorithm, PrivateKey, Signer};
use zhengku_hsm::{DeploymentMode, FileKeyStore, HsmError, KeyInfo, KeyStore, KeyStoreConfig};

const MSG: &[u8] = b"licence bytes";

fn failure(result: Result<Arc<dyn Signer>, HsmError>) -> HsmError {
    match result {
        Ok(signer) => panic!("unexpectedly succeeded: key {}", signer.key_id()),
        Err(e) => e,
    }
}

fn dev_store(dir: &std::path::Path) -> Arc<dyn KeyStore> {
    zhengku_hsm::open(&KeyStoreConfig::file(DeploymentMode::Development, dir)).unwrap()
}

#[test]
fn keys_are_pkcs8_pem_files_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let store = dev_store(dir.path());
    for (label, alg) in [
        ("dept-sm2", Algorithm::Sm2Sm3),
        ("dept-p256", Algorithm::EcdsaP256Sha256),
    ] {
        let signer = store.generate(label, alg).unwrap();
        let path = dir.path().join(format!("{label}.key"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{label}: {mode:o}");
        // Exactly what zhengku-crypto (and so OpenSSL) writes, and the same key.
        let pem = std::fs::read_to_string(&path).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let key = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(key.public_key(), signer.public_key());
        assert_eq!(pem, *key.to_pkcs8_pem());
        signer
            .public_key()
            .verify(MSG, &signer.sign(MSG).unwrap())
            .unwrap();
    }
    // No temporary files are left behind.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["dept-p256.key", "dept-sm2.key"]);
}

#[test]
fn existing_keys_are_found_listed_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = dev_store(dir.path());
    let a = store.generate("a", Algorithm::Sm2Sm3).unwrap();
    let b = store.generate("b", Algorithm::EcdsaP256Sha256).unwrap();
    // A key made elsewhere (e.g. `zhengku keygen`) dropped into the folder.
    let c = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    std::fs::write(dir.path().join("c.key"), c.to_pkcs8_pem().as_bytes()).unwrap();
    // Things that are not keys of this store are ignored.
    std::fs::write(dir.path().join("README.md"), "dev keys").unwrap();
    std::fs::write(dir.path().join("c.pub"), c.public_key().to_pem()).unwrap();
    std::fs::write(dir.path().join(".tmp-1-2.key"), "partial").unwrap();

    let reopened = dev_store(dir.path());
    assert_eq!(
        reopened.list().unwrap(),
        vec![
            KeyInfo {
                label: "a".into(),
                algorithm: Algorithm::Sm2Sm3,
                key_id: a.key_id()
            },
            KeyInfo {
                label: "b".into(),
                algorithm: Algorithm::EcdsaP256Sha256,
                key_id: b.key_id()
            },
            KeyInfo {
                label: "c".into(),
                algorithm: Algorithm::Sm2Sm3,
                key_id: c.key_id()
            },
        ]
    );
    let signer = reopened.signer("c").unwrap();
    c.public_key()
        .verify(MSG, &signer.sign(MSG).unwrap())
        .unwrap();

    let before = std::fs::read(dir.path().join("a.key")).unwrap();
    for alg in Algorithm::ALL {
        assert!(matches!(
            failure(reopened.generate("a", alg)),
            HsmError::LabelTaken { ref label, .. } if label == "a"
        ));
    }
    assert_eq!(std::fs::read(dir.path().join("a.key")).unwrap(), before);
    assert!(matches!(
        failure(reopened.signer("zz")),
        HsmError::KeyNotFound { ref label, .. } if label == "zz"
    ));
}

#[test]
fn labels_cannot_escape_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("keys");
    let store = dev_store(&inner);
    std::fs::write(dir.path().join("outside.key"), "x").unwrap();
    for bad in [
        "../outside",
        "/etc/passwd",
        "..",
        ".",
        "a/b",
        "a\\b",
        "",
        ".hidden",
        "é",
    ] {
        assert!(
            matches!(
                failure(store.generate(bad, Algorithm::Sm2Sm3)),
                HsmError::InvalidLabel { .. }
            ),
            "{bad:?}"
        );
        assert!(
            matches!(failure(store.signer(bad)), HsmError::InvalidLabel { .. }),
            "{bad:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("outside.key")).unwrap(),
        "x"
    );
    assert_eq!(std::fs::read_dir(&inner).unwrap().count(), 0);
}

#[test]
fn production_mode_refuses_the_file_store() {
    let dir = tempfile::tempdir().unwrap();
    let err = zhengku_hsm::open(&KeyStoreConfig::file(
        DeploymentMode::Production,
        dir.path(),
    ))
    .err()
    .unwrap();
    assert!(matches!(err, HsmError::FileStoreInProduction { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("development only") && msg.contains("pkcs11"),
        "{msg}"
    );
    // And so does a configuration that does not say which mode it is for.
    let config: KeyStoreConfig =
        toml::from_str(&format!("kind = \"file\"\ndir = {:?}", dir.path())).unwrap();
    assert!(matches!(
        zhengku_hsm::open(&config).err().unwrap(),
        HsmError::FileStoreInProduction { .. }
    ));
}

#[test]
fn broken_key_files_and_folders_are_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileKeyStore::open(dir.path().join("k")).unwrap();
    store.health().unwrap();
    std::fs::write(
        store.dir().join("junk.key"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::write(store.dir().join("empty.key"), "").unwrap();
    std::fs::write(store.dir().join("bin.key"), [0xFFu8, 0x00, 0x80]).unwrap();
    // A public key where a private key belongs.
    let k = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    std::fs::write(store.dir().join("pub.key"), k.public_key().to_pem()).unwrap();
    for label in ["junk", "empty", "pub"] {
        let err = failure(store.signer(label));
        assert!(
            matches!(err, HsmError::InvalidKeyFile { .. }),
            "{label}: {err}"
        );
        assert!(err.to_string().contains(&format!("{label}.key")), "{err}");
    }
    assert!(matches!(failure(store.signer("bin")), HsmError::Io { .. }));
    assert!(store.list().is_err());

    std::fs::remove_dir_all(store.dir()).unwrap();
    assert!(matches!(store.health(), Err(HsmError::Io { .. })));
}

#[test]
fn concurrent_generation_of_one_label_yields_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dev_store(dir.path());
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    store
                        .generate("race", Algorithm::Sm2Sm3)
                        .map(|k| k.key_id())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, HsmError::LabelTaken { .. }))
    );
    assert_eq!(store.signer("race").unwrap().key_id(), *won[0]);
}
