//! Hostile-input sweep: every single-byte change, truncation and extension of a valid
//! signature, public key and private key is either rejected with an error or (for the few
//! changes that still encode the same kind of object) accepted as a *different* value —
//! never a panic, never silently the same value from different bytes.
#![allow(clippy::unwrap_used, missing_docs)]

use zhengku_crypto::{Algorithm, PrivateKey, PublicKey, Signature, Signer};

fn variants(good: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..good.len() {
        for delta in [0x01u8, 0x80, 0xFF] {
            let mut v = good.to_vec();
            v[i] ^= delta;
            out.push(v);
        }
        out.push(good[..i].to_vec());
    }
    let mut longer = good.to_vec();
    longer.push(0);
    out.push(longer);
    out
}

#[test]
fn mutated_signatures_never_parse_to_the_same_signature() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let sig = key.sign(b"m").unwrap();
        let der = sig.to_der();
        for v in variants(&der) {
            if let Ok(parsed) = Signature::from_der(alg, &v) {
                assert_ne!(
                    parsed,
                    sig,
                    "two encodings of one signature: {}",
                    hex::encode(&v)
                );
                assert!(key.public_key().verify(b"m", &parsed).is_err());
            }
        }
    }
}

#[test]
fn mutated_public_keys_are_rejected_or_differ() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let spki = key.public_key().to_spki_der();
        for v in variants(spki) {
            if let Ok(parsed) = PublicKey::from_spki_der(&v) {
                assert_ne!(
                    parsed.to_spki_der(),
                    spki,
                    "mutation accepted as the same key: {}",
                    hex::encode(&v)
                );
            }
        }
    }
}

#[test]
fn mutated_private_keys_are_rejected_or_differ() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let der = key.to_pkcs8_der();
        for v in variants(&der) {
            // Changing the private scalar yields a key whose embedded public key no longer
            // matches, so nearly everything is rejected; nothing may panic.
            if let Ok(parsed) = PrivateKey::from_pkcs8_der(&v) {
                assert_eq!(parsed.public_key(), key.public_key());
            }
        }
    }
}
