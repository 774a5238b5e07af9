//! Key files: SPKI, PKCS#8, SEC1 and PEM readers never panic; an accepted public key
//! re-reads from its canonical encoding as the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_crypto::{PrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::from_spki_der(data) {
        let again = PublicKey::from_spki_der(key.to_spki_der()).expect("canonical SPKI re-reads");
        assert_eq!(again, key);
    }
    if let Ok(key) = PrivateKey::from_pkcs8_der(data) {
        let again = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).expect("canonical PKCS#8");
        assert_eq!(again.public_key(), key.public_key());
    }
    let _ = PrivateKey::from_sec1_der(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PublicKey::from_pem(text);
        let _ = PrivateKey::from_pem(text);
    }
});
