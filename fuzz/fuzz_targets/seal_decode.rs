//! Electronic seals and signatures (GB/T 38540 v4, GM/T 0031 v1): the lenient decoders never
//! panic; anything they accept re-encodes (strictly) without error, and the re-encoding
//! decodes to the same value and re-encodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_seal::{decode_seal, decode_signature};

fuzz_target!(|data: &[u8]| {
    if let Ok(seal) = decode_seal(data) {
        let der = seal.to_der().expect("a decoded seal re-encodes");
        let again = decode_seal(&der).expect("the re-encoded seal decodes");
        assert_eq!(again, seal);
        assert_eq!(again.to_der().expect("re-encodes"), der);
    }
    if let Ok(signature) = decode_signature(data) {
        let der = signature.to_der().expect("a decoded signature re-encodes");
        let again = decode_signature(&der).expect("the re-encoded signature decodes");
        assert_eq!(again, signature);
        assert_eq!(again.to_der().expect("re-encodes"), der);
    }
});
