//! Signature DER: never panics, and whatever is accepted is the unique encoding (re-encoding
//! gives back the input byte for byte) — a second encoding of one signature would let two
//! byte strings stand for one signed object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_crypto::{Algorithm, Signature};

fuzz_target!(|data: &[u8]| {
    for alg in Algorithm::ALL {
        if let Ok(sig) = Signature::from_der(alg, data) {
            assert_eq!(sig.to_der(), data);
        }
        if let Ok(sig) = Signature::from_raw(alg, data) {
            assert_eq!(&sig.to_raw()[..], data);
        }
    }
});
