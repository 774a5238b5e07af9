//! Signed licence envelopes: never panic; accepted input re-encodes byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_model::SignedLicence;

fuzz_target!(|data: &[u8]| {
    if let Ok(licence) = SignedLicence::from_bytes(data) {
        assert_eq!(licence.to_bytes(), data);
    }
});
