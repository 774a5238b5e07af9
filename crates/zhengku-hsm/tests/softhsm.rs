//! The PKCS#11 key store against a real SoftHSM2 token (no mocks).
//!
//! Each test runs in its own process with its own token made by `hsm/init-token.sh`
//! (see `support`). Tests that inspect the token go through `Pkcs11KeyStore::session` and
//! plain cryptoki calls, so they check what is really stored, not what the store claims.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use cryptoki::context::Function;
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::Session;
use cryptoki::types::Ulong;
use support::{
    PIN_VAR, SO_PIN, TOKEN, USER_PIN, in_own_process, in_own_process_with_tokens, module_path,
};
use zhengku_crypto::{Algorithm, PrivateKey, Signer};
use zhengku_hsm::pkcs11::wrap::{APPLICATION, KEK_LABEL};
use zhengku_hsm::{
    DeploymentMode, HsmError, KeyInfo, KeyStore, KeyStoreConfig, PinSource, Pkcs11Config,
    Pkcs11KeyStore, Sm2Mode, VendorSm2,
};

const MSG: &[u8] = b"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";

/// The error of a call expected to fail (`Arc<dyn Signer>` has no Debug for `unwrap_err`).
fn failure(result: Result<Arc<dyn Signer>, HsmError>) -> HsmError {
    match result {
        Ok(signer) => panic!("unexpectedly succeeded: key {}", signer.key_id()),
        Err(e) => e,
    }
}

fn find(session: &Session, template: &[Attribute]) -> Vec<ObjectHandle> {
    session.find_objects(template).unwrap()
}

fn one(session: &Session, class: ObjectClass, label: &str) -> ObjectHandle {
    let found = find(
        session,
        &[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ],
    );
    assert_eq!(found.len(), 1, "{class} objects labelled {label:?}");
    found[0]
}

fn bool_attr(session: &Session, object: ObjectHandle, kind: AttributeType) -> bool {
    let attrs = session.get_attributes(object, &[kind]).unwrap();
    match attrs.as_slice() {
        [
            Attribute::Token(b)
            | Attribute::Private(b)
            | Attribute::Sensitive(b)
            | Attribute::Extractable(b)
            | Attribute::AlwaysSensitive(b)
            | Attribute::NeverExtractable(b)
            | Attribute::Sign(b)
            | Attribute::Wrap(b)
            | Attribute::Unwrap(b)
            | Attribute::Encrypt(b)
            | Attribute::Decrypt(b)
            | Attribute::Derive(b),
        ] => *b,
        other => panic!("{kind:?}: {other:?}"),
    }
}

fn value_attr(session: &Session, object: ObjectHandle, kind: AttributeType) -> Vec<u8> {
    let attrs = session.get_attributes(object, &[kind]).unwrap();
    match attrs.into_iter().next() {
        Some(
            Attribute::Value(v)
            | Attribute::EcParams(v)
            | Attribute::EcPoint(v)
            | Attribute::Id(v)
            | Attribute::Application(v),
        ) => v,
        other => panic!("{kind:?}: {other:?}"),
    }
}

/// The key is secret and stays in the token: sensitive, never extractable, and the token
/// refuses both to read its value and to wrap it out under another key.
fn assert_stays_in_token(session: &Session, key: ObjectHandle) {
    for (kind, expected) in [
        (AttributeType::Token, true),
        (AttributeType::Private, true),
        (AttributeType::Sensitive, true),
        (AttributeType::AlwaysSensitive, true),
        (AttributeType::Extractable, false),
        (AttributeType::NeverExtractable, true),
    ] {
        assert_eq!(bool_attr(session, key, kind), expected, "{kind:?}");
    }
    // C_GetAttributeValue(CKA_VALUE) answers CKR_ATTRIBUTE_SENSITIVE ...
    let info = session
        .get_attribute_info(key, &[AttributeType::Value])
        .unwrap();
    assert!(
        matches!(info.as_slice(), [AttributeInfo::Sensitive]),
        "{info:?}"
    );
    // ... so reading attributes yields no value at all.
    let read = session
        .get_attributes(key, &[AttributeType::Value])
        .unwrap();
    assert!(read.is_empty(), "{read:?}");
    // C_WrapKey under a fresh wrapping key is refused as unextractable.
    let wrapping = session
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Token(false),
                Attribute::ValueLen(Ulong::new(32)),
                Attribute::Wrap(true),
            ],
        )
        .unwrap();
    let wrapped = session.wrap_key(&Mechanism::AesKeyWrapPad, wrapping, key);
    assert!(
        matches!(
            wrapped,
            Err(CryptokiError::Pkcs11(
                RvError::KeyUnextractable,
                Function::WrapKey
            ))
        ),
        "{wrapped:?}"
    );
    session.destroy_object(wrapping).unwrap();
}

#[test]
fn init_script_makes_a_token_the_store_opens() {
    in_own_process(|t| {
        let store = t.open();
        store.health().unwrap();
        assert_eq!(store.token_label(), TOKEN);
        assert!(store.list().unwrap().is_empty());
        // The token is where the script said: SoftHSM2 wrote it under DIR/tokens.
        assert!(t.dir.join("tokens").read_dir().unwrap().next().is_some());
    });
}

#[test]
fn p256_keys_are_generated_on_the_token_and_sign_there() {
    in_own_process(|t| {
        let store = t.open();
        let signer = store
            .generate("dept-p256", Algorithm::EcdsaP256Sha256)
            .unwrap();
        assert_eq!(signer.algorithm(), Algorithm::EcdsaP256Sha256);
        let sig = signer.sign(MSG).unwrap();
        signer.public_key().verify(MSG, &sig).unwrap();
        assert!(signer.public_key().verify(b"other", &sig).is_err());

        let session = store.session().unwrap();
        let private = one(&session, ObjectClass::PRIVATE_KEY, "dept-p256");
        let public = one(&session, ObjectClass::PUBLIC_KEY, "dept-p256");
        assert_eq!(
            value_attr(&session, private, AttributeType::EcParams),
            [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        );
        assert!(bool_attr(&session, private, AttributeType::Sign));
        assert!(!bool_attr(&session, private, AttributeType::Derive));
        // CKA_EC_POINT is the DER OCTET STRING around the point the signer reports.
        let mut point = vec![0x04, 0x41];
        point.extend_from_slice(&signer.public_key().to_sec1_uncompressed());
        assert_eq!(value_attr(&session, public, AttributeType::EcPoint), point);
        // Both halves carry the key id as CKA_ID.
        for h in [private, public] {
            assert_eq!(
                value_attr(&session, h, AttributeType::Id),
                signer.key_id().as_bytes()
            );
        }
        drop(session);

        // The signer for the existing key is the same key.
        let again = store.signer("dept-p256").unwrap();
        assert_eq!(again.public_key(), signer.public_key());
        again
            .public_key()
            .verify(MSG, &again.sign(MSG).unwrap())
            .unwrap();
    });
}

#[test]
fn p256_private_key_cannot_be_read_or_extracted() {
    in_own_process(|t| {
        let store = t.open();
        store
            .generate("sealed-p256", Algorithm::EcdsaP256Sha256)
            .unwrap();
        let session = store.session().unwrap();
        let private = one(&session, ObjectClass::PRIVATE_KEY, "sealed-p256");
        assert_stays_in_token(&session, private);
    });
}

#[test]
fn sm2_keys_exist_on_the_token_only_sealed_under_its_kek() {
    in_own_process(|t| {
        let store = t.open();
        let signer = store.generate("dept-sm2", Algorithm::Sm2Sm3).unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Sm2Sm3);
        let sig = signer.sign(MSG).unwrap();
        signer.public_key().verify(MSG, &sig).unwrap();

        let session = store.session().unwrap();
        // Nothing but one private data object under the label: no key object.
        let all = find(&session, &[Attribute::Label(b"dept-sm2".to_vec())]);
        assert_eq!(all.len(), 1);
        let data = one(&session, ObjectClass::DATA, "dept-sm2");
        assert!(bool_attr(&session, data, AttributeType::Token));
        assert!(bool_attr(&session, data, AttributeType::Private));
        assert_eq!(
            value_attr(&session, data, AttributeType::Application),
            APPLICATION
        );
        let blob = value_attr(&session, data, AttributeType::Value);

        // The documented layout: "ZKW1" | len | SPKI | IV | GCM(scalar) — decrypt it by hand
        // with the KEK and the documented AAD, and check it is this key.
        let spki = signer.public_key().to_spki_der();
        assert_eq!(&blob[..4], b"ZKW1");
        assert_eq!(
            usize::from(u16::from_be_bytes([blob[4], blob[5]])),
            spki.len()
        );
        assert_eq!(&blob[6..6 + spki.len()], spki);
        let mut iv: [u8; 12] = blob[6 + spki.len()..18 + spki.len()].try_into().unwrap();
        let ciphertext = &blob[18 + spki.len()..];
        let mut aad = APPLICATION.to_vec();
        aad.push(0);
        aad.extend_from_slice(b"dept-sm2");
        aad.push(0);
        aad.extend_from_slice(spki);
        let kek = one(&session, ObjectClass::SECRET_KEY, KEK_LABEL);
        let params = GcmParams::new(&mut iv, &aad, Ulong::new(128)).unwrap();
        let scalar = session
            .decrypt(&Mechanism::AesGcm(params), kek, ciphertext)
            .unwrap();
        let d: [u8; 32] = scalar.as_slice().try_into().unwrap();
        let key = PrivateKey::from_scalar_bytes(Algorithm::Sm2Sm3, &d).unwrap();
        assert_eq!(key.public_key(), signer.public_key());
        // The scalar appears nowhere in what the token stores, not even 8 bytes of it.
        assert!(!blob.windows(8).any(|w| d.windows(8).any(|s| s == w)));

        // The KEK: AES-256, token-resident, private, sensitive, never extractable, only
        // encrypts and decrypts.
        assert_stays_in_token(&session, kek);
        assert!(bool_attr(&session, kek, AttributeType::Encrypt));
        assert!(bool_attr(&session, kek, AttributeType::Decrypt));
        assert!(!bool_attr(&session, kek, AttributeType::Wrap));
        assert!(!bool_attr(&session, kek, AttributeType::Unwrap));
        assert!(!bool_attr(&session, kek, AttributeType::Sign));
        let attrs = session
            .get_attributes(kek, &[AttributeType::KeyType, AttributeType::ValueLen])
            .unwrap();
        assert!(
            attrs.contains(&Attribute::KeyType(KeyType::AES)),
            "{attrs:?}"
        );
        assert!(
            attrs.contains(&Attribute::ValueLen(Ulong::new(32))),
            "{attrs:?}"
        );
        drop(session);

        // A second SM2 key reuses the one KEK.
        store.generate("dept-sm2-b", Algorithm::Sm2Sm3).unwrap();
        let session = store.session().unwrap();
        one(&session, ObjectClass::SECRET_KEY, KEK_LABEL);
        drop(session);

        let again = store.signer("dept-sm2").unwrap();
        assert_eq!(again.public_key(), signer.public_key());
        signer
            .public_key()
            .verify(MSG, &again.sign(MSG).unwrap())
            .unwrap();
    });
}

#[test]
fn sealed_sm2_key_copied_to_another_label_is_refused() {
    in_own_process(|t| {
        let store = t.open();
        let original = store.generate("original", Algorithm::Sm2Sm3).unwrap();
        let session = store.session().unwrap();
        let data = one(&session, ObjectClass::DATA, "original");
        let blob = value_attr(&session, data, AttributeType::Value);
        let template = |label: &str, value: Vec<u8>| {
            vec![
                Attribute::Class(ObjectClass::DATA),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Application(APPLICATION.to_vec()),
                Attribute::Value(value),
            ]
        };
        session
            .create_object(&template("moved", blob.clone()))
            .unwrap();
        // One flipped ciphertext bit, under the right label.
        let mut altered = blob.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        session
            .create_object(&template("altered", altered))
            .unwrap();
        session
            .create_object(&template("garbage", b"not a sealed key".to_vec()))
            .unwrap();
        drop(session);

        for label in ["moved", "altered"] {
            match failure(store.signer(label)) {
                HsmError::WrappedKeyRejected { label: l, rv } => {
                    assert_eq!(l, label);
                    // PKCS#11 says CKR_ENCRYPTED_DATA_INVALID; SoftHSM2 2.6 says
                    // CKR_GENERAL_ERROR for a failed GCM tag check.
                    assert!(
                        matches!(rv, RvError::EncryptedDataInvalid | RvError::GeneralError),
                        "{rv:?}"
                    );
                }
                other => panic!("{label}: {other:?}"),
            }
        }
        let err = failure(store.signer("garbage"));
        assert!(matches!(err, HsmError::CorruptWrappedKey { .. }), "{err}");
        assert!(err.to_string().contains("garbage"), "{err}");
        // The original is untouched.
        let sig = store.signer("original").unwrap().sign(MSG).unwrap();
        original.public_key().verify(MSG, &sig).unwrap();
    });
}

#[test]
fn list_reports_every_key_with_algorithm_and_key_id() {
    in_own_process(|t| {
        let store = t.open();
        let a = store.generate("b-sm2", Algorithm::Sm2Sm3).unwrap();
        let b = store
            .generate("a-p256", Algorithm::EcdsaP256Sha256)
            .unwrap();
        // An object another tool left on the token is not a key of ours.
        let session = store.session().unwrap();
        session
            .create_object(&[
                Attribute::Class(ObjectClass::DATA),
                Attribute::Token(true),
                Attribute::Label(b"notes".to_vec()),
                Attribute::Value(b"hello".to_vec()),
            ])
            .unwrap();
        drop(session);
        assert_eq!(
            store.list().unwrap(),
            vec![
                KeyInfo {
                    label: "a-p256".into(),
                    algorithm: Algorithm::EcdsaP256Sha256,
                    key_id: b.key_id(),
                },
                KeyInfo {
                    label: "b-sm2".into(),
                    algorithm: Algorithm::Sm2Sm3,
                    key_id: a.key_id(),
                },
            ]
        );
    });
}

#[test]
fn keys_outlive_the_store_that_made_them() {
    in_own_process(|t| {
        let (p256, sm2) = {
            let store = t.open();
            let p = store
                .generate("kept-p256", Algorithm::EcdsaP256Sha256)
                .unwrap();
            let s = store.generate("kept-sm2", Algorithm::Sm2Sm3).unwrap();
            (p.public_key().clone(), s.public_key().clone())
            // Store and signers drop here: every session closes and the token logs out.
        };
        let store: Arc<dyn KeyStore> = zhengku_hsm::open(&KeyStoreConfig::pkcs11(
            DeploymentMode::Production,
            t.config(),
        ))
        .unwrap();
        for (label, public) in [("kept-p256", p256), ("kept-sm2", sm2)] {
            let signer = store.signer(label).unwrap();
            assert_eq!(signer.public_key(), &public);
            public.verify(MSG, &signer.sign(MSG).unwrap()).unwrap();
        }
        assert_eq!(store.list().unwrap().len(), 2);
    });
}

#[test]
fn four_threads_sign_at_once_through_a_pool_of_two_sessions() {
    in_own_process(|t| {
        let store = Pkcs11KeyStore::open(&t.config().with_sessions(2)).unwrap();
        let signers: Vec<Arc<dyn Signer>> = vec![
            store
                .generate("t-p256", Algorithm::EcdsaP256Sha256)
                .unwrap(),
            store.generate("t-sm2", Algorithm::Sm2Sm3).unwrap(),
        ];
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|thread| {
                    let signers = &signers;
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        let mut sigs = HashSet::new();
                        for i in 0..40 {
                            let signer = &signers[(thread + i) % 2];
                            let msg = format!("thread {thread} message {i}");
                            let sig = signer.sign(msg.as_bytes()).unwrap();
                            signer.public_key().verify(msg.as_bytes(), &sig).unwrap();
                            sigs.insert(sig.to_raw());
                        }
                        sigs.len()
                    })
                })
                .collect();
            for h in handles {
                // Every signature distinct: fresh nonces in every thread.
                assert_eq!(h.join().unwrap(), 40);
            }
        });
    });
}

#[test]
fn a_taken_label_is_refused_whatever_holds_it() {
    in_own_process(|t| {
        let store = t.open();
        store
            .generate("taken-p", Algorithm::EcdsaP256Sha256)
            .unwrap();
        store.generate("taken-s", Algorithm::Sm2Sm3).unwrap();
        for label in ["taken-p", "taken-s"] {
            for alg in Algorithm::ALL {
                match failure(store.generate(label, alg)) {
                    HsmError::LabelTaken { label: l, store: s } => {
                        assert_eq!(l, label);
                        assert!(s.contains(TOKEN), "{s}");
                    }
                    other => panic!("{label} {alg}: {other:?}"),
                }
            }
        }
        // Nothing was added by the refused attempts.
        assert_eq!(store.list().unwrap().len(), 2);
    });
}

#[test]
fn unknown_and_invalid_labels_are_reported() {
    in_own_process(|t| {
        let store = t.open();
        match failure(store.signer("no-such-key")) {
            HsmError::KeyNotFound { label, store } => {
                assert_eq!(label, "no-such-key");
                assert!(store.contains(TOKEN));
            }
            other => panic!("{other:?}"),
        }
        for bad in ["", "../x", "a b", KEK_LABEL, &"x".repeat(65)] {
            assert!(matches!(
                store.generate(bad, Algorithm::Sm2Sm3),
                Err(HsmError::InvalidLabel { .. })
            ));
            assert!(matches!(
                store.signer(bad),
                Err(HsmError::InvalidLabel { .. })
            ));
        }
    });
}

#[test]
fn wrong_pin_is_reported_as_such() {
    in_own_process(|t| {
        let dir = tempfile::tempdir().unwrap();
        let pin_file = dir.path().join("pin");
        std::fs::write(&pin_file, "not-the-pin\n").unwrap();
        let config = Pkcs11Config::new(module_path(), TOKEN, PinSource::file(&pin_file));
        let err = Pkcs11KeyStore::open(&config).unwrap_err();
        assert!(
            matches!(&err, HsmError::WrongPin { token } if token == TOKEN),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("C_Login") && msg.contains("CKR_PIN_INCORRECT"),
            "{msg}"
        );
        // The right PIN, from a file with a trailing newline, works.
        std::fs::write(&pin_file, format!("{USER_PIN}\n")).unwrap();
        let store = Pkcs11KeyStore::open(&config).unwrap();
        store.health().unwrap();
        let _ = t;
    });
}

#[test]
fn unknown_token_is_reported_with_the_tokens_present() {
    in_own_process(|_| {
        let config = Pkcs11Config::new(module_path(), "no-such-token", PinSource::env(PIN_VAR));
        match Pkcs11KeyStore::open(&config) {
            Err(HsmError::TokenNotFound {
                label, available, ..
            }) => {
                assert_eq!(label, "no-such-token");
                assert_eq!(available, vec![TOKEN.to_owned()]);
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn duplicate_token_labels_are_refused_and_other_tokens_listed() {
    in_own_process_with_tokens(&["second-token", TOKEN], |_| {
        let config = Pkcs11Config::new(module_path(), TOKEN, PinSource::env(PIN_VAR));
        match Pkcs11KeyStore::open(&config) {
            Err(HsmError::TokenAmbiguous { label, count }) => {
                assert_eq!(label, TOKEN);
                assert_eq!(count, 2);
            }
            other => panic!("{other:?}"),
        }
        let config = Pkcs11Config::new(module_path(), "third", PinSource::env(PIN_VAR));
        match Pkcs11KeyStore::open(&config) {
            Err(e @ HsmError::TokenNotFound { .. }) => {
                let HsmError::TokenNotFound { available, .. } = &e else {
                    unreachable!()
                };
                let mut available = available.clone();
                available.sort();
                assert_eq!(available, ["second-token", TOKEN, TOKEN]);
                assert!(e.to_string().contains("\"second-token\""), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // The second token is usable on its own.
        let config = Pkcs11Config::new(module_path(), "second-token", PinSource::env(PIN_VAR));
        Pkcs11KeyStore::open(&config).unwrap().health().unwrap();
    });
}

#[test]
fn missing_pin_variable_is_reported_by_name() {
    in_own_process(|_| {
        let config = Pkcs11Config::new(
            module_path(),
            TOKEN,
            PinSource::env("ZHENGKU_TEST_NO_SUCH_PIN_VAR"),
        );
        let err = Pkcs11KeyStore::open(&config).unwrap_err();
        assert!(
            matches!(&err, HsmError::PinEnvMissing { var } if var == "ZHENGKU_TEST_NO_SUCH_PIN_VAR")
        );
    });
}

/// Needs no token: the module is refused before anything is initialised.
#[test]
fn missing_or_bogus_module_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("libnot-pkcs11.so");
    std::fs::write(&bogus, "not a shared library").unwrap();
    for module in [dir.path().join("missing.so"), bogus] {
        let config = Pkcs11Config::new(&module, TOKEN, PinSource::env(PIN_VAR));
        match Pkcs11KeyStore::open(&config) {
            Err(HsmError::ModuleLoad { path, .. }) => assert_eq!(path, module),
            other => panic!("{}: {other:?}", module.display()),
        }
        let msg = zhengku_hsm::open(&KeyStoreConfig::pkcs11(DeploymentMode::Production, config))
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains(&module.display().to_string()), "{msg}");
    }
}

#[test]
fn vendor_sm2_mechanisms_softhsm_lacks_are_reported() {
    in_own_process(|t| {
        let vendor = VendorSm2::new(0x8000_0001, 0x8000_0002).unwrap();
        let store = Pkcs11KeyStore::open(&t.config().with_sm2(Sm2Mode::Vendor(vendor))).unwrap();
        let err = failure(store.generate("vendor-sm2", Algorithm::Sm2Sm3));
        match &err {
            HsmError::MechanismNotSupported {
                token,
                mechanism,
                function,
                ..
            } => {
                assert_eq!(token, TOKEN);
                assert_eq!(mechanism, "vendor mechanism 0x80000001");
                assert!(matches!(function, Function::GetMechanismList));
            }
            other => panic!("{other}"),
        }
        assert!(err.to_string().contains("C_GetMechanismList"), "{err}");
        // P-256 is unaffected by the SM2 setting, and nothing was left under the label.
        store
            .generate("vendor-p256", Algorithm::EcdsaP256Sha256)
            .unwrap();
        assert_eq!(store.list().unwrap().len(), 1);
    });
}

/// The vendor SM2 path as far as SoftHSM2 can take it: SoftHSM2 (through OpenSSL) can
/// generate an EC key on the SM2 curve with CKM_EC_KEY_PAIR_GEN, but has no SM2 signing
/// mechanism. So the store finds the key, reads its public key and reports the missing
/// mechanism; the signature itself is untested here.
#[test]
fn in_token_sm2_keys_are_found_and_need_vendor_mechanisms() {
    in_own_process(|t| {
        let store = t.open();
        let sm2_oid = vec![0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D];
        let session = store.session().unwrap();
        let label = Attribute::Label(b"vendor-made".to_vec());
        let (public, _private) = session
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &[
                    Attribute::Token(true),
                    Attribute::Verify(true),
                    Attribute::EcParams(sm2_oid.clone()),
                    label.clone(),
                ],
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Sign(true),
                    label,
                ],
            )
            .unwrap();
        let point = value_attr(&session, public, AttributeType::EcPoint);
        drop(session);

        // Without [sm2.vendor], the key is recognised but refused, and not listed.
        match failure(store.signer("vendor-made")) {
            HsmError::UnsupportedKey { label, detail } => {
                assert_eq!(label, "vendor-made");
                assert!(detail.contains("sm2.vendor"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(store.list().unwrap().is_empty());

        // With it, the key is found and listed as SM2 with the token's public key ...
        let vendor = VendorSm2::new(0x1040, 0x8000_0002).unwrap();
        let store = Pkcs11KeyStore::open(&t.config().with_sm2(Sm2Mode::Vendor(vendor))).unwrap();
        let signer = store.signer("vendor-made").unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Sm2Sm3);
        assert_eq!(&point[2..], signer.public_key().to_sec1_uncompressed());
        assert_eq!(
            store.list().unwrap(),
            [KeyInfo {
                label: "vendor-made".into(),
                algorithm: Algorithm::Sm2Sm3,
                key_id: signer.key_id(),
            }]
        );
        // ... and signing names the mechanism the token refused, and the call.
        let err = signer.sign(MSG).unwrap_err().to_string();
        assert!(
            err.contains("vendor mechanism 0x80000002") && err.contains("C_SignInit"),
            "{err}"
        );
        // Generation stops before touching the token.
        let err = failure(store.generate("vendor-new", Algorithm::Sm2Sm3));
        assert!(
            matches!(err, HsmError::MechanismNotSupported { .. }),
            "{err}"
        );
    });
}

#[test]
fn pin_never_appears_in_debug_or_errors() {
    in_own_process(|t| {
        let config = t.config();
        let store = Pkcs11KeyStore::open(&config).unwrap();
        let signer = store.generate("debug-sm2", Algorithm::Sm2Sm3).unwrap();
        let p256 = store
            .generate("debug-p256", Algorithm::EcdsaP256Sha256)
            .unwrap();
        let texts = [
            format!("{config:?}"),
            format!(
                "{:?}",
                KeyStoreConfig::pkcs11(DeploymentMode::Production, config.clone())
            ),
            format!("{store:?}"),
            format!("{store:#?}"),
            format!("{:?}", store.signer("debug-sm2").unwrap().public_key()),
            format!("{:?}", signer.public_key()),
            format!("{:?}", p256.public_key()),
            failure(store.signer("nope")).to_string(),
        ];
        for text in &texts {
            assert!(!text.contains(USER_PIN), "{text}");
            assert!(!text.contains(SO_PIN), "{text}");
        }
        assert!(texts[2].contains(TOKEN), "{}", texts[2]);
        // What the PIN was read from, yes; the PIN, no.
        assert!(texts[0].contains(PIN_VAR), "{}", texts[0]);
    });
}
