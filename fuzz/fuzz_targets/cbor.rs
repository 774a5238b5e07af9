//! Deterministic CBOR and the licence record: the strict decoders never panic, and anything
//! they accept re-encodes to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_cbor::Limits;
use zhengku_model::LicenceRecord;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = zhengku_cbor::decode(data, &Limits::default()) {
        assert_eq!(zhengku_cbor::encode(&value), data);
    }
    if let Ok(record) = LicenceRecord::from_canonical_cbor(data) {
        assert_eq!(record.to_canonical_cbor(), data);
    }
});
