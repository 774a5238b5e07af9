//! The fast verification paths against the curve crates': for any key, prehash and
//! signature (valid ones made by signing, when the input asks), `PublicKey::verify_prehash`
//! (generator table), `PreparedKey::verify_prehash` (the key's own table) and
//! `verify_with_curve_crate` give the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_crypto::{Algorithm, Prehash, PrivateKey, Signature, Signer};

fuzz_target!(|data: &[u8]| {
    if data.len() < 130 {
        return;
    }
    let alg = if data[0] & 1 == 0 {
        Algorithm::Sm2Sm3
    } else {
        Algorithm::EcdsaP256Sha256
    };
    let Ok(d) = <[u8; 32]>::try_from(&data[1..33]) else {
        return;
    };
    let Ok(sk) = PrivateKey::from_scalar_bytes(alg, &d) else {
        return;
    };
    let Ok(e) = <[u8; 32]>::try_from(&data[33..65]) else {
        return;
    };
    let e = Prehash::new(alg, e);
    let sig = if data[129] & 1 == 1 {
        match sk.sign_prehash(&e) {
            Ok(s) => s,
            Err(_) => return,
        }
    } else {
        match Signature::from_raw(alg, &data[65..129]) {
            Ok(s) => s,
            Err(_) => return,
        }
    };
    let pk = sk.public_key();
    let reference = pk.verify_with_curve_crate(&e, &sig).unwrap_or(false);
    assert_eq!(pk.verify_prehash(&e, &sig).is_ok(), reference);
    assert_eq!(pk.prepare().verify_prehash(&e, &sig).is_ok(), reference);
    if data[129] & 1 == 1 {
        assert!(reference, "a signature just made must verify");
    }
});
