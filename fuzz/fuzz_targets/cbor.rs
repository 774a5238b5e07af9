//! Deterministic CBOR and the licence record: the strict decoders never panic, and anything
//! they accept re-encodes to exactly the input. The lenient decoder accepts everything the
//! strict one does, with the same value; what only it accepts re-encodes to deterministic
//! CBOR that the strict decoder reads back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_cbor::Limits;
use zhengku_model::LicenceRecord;

fuzz_target!(|data: &[u8]| {
    let strict = zhengku_cbor::decode(data, &Limits::default());
    if let Ok(value) = &strict {
        assert_eq!(zhengku_cbor::encode(value), data);
    }
    match (
        zhengku_cbor::decode_lenient(data, &Limits::default()),
        strict,
    ) {
        (Ok(lenient), Ok(strict)) => assert_eq!(lenient, strict),
        (Err(e), Ok(_)) => panic!("the lenient decoder refused what the strict one read: {e}"),
        (Ok(lenient), Err(_)) => {
            let canonical = zhengku_cbor::encode(&lenient);
            assert_eq!(
                zhengku_cbor::decode(&canonical, &Limits::default()).ok(),
                Some(lenient)
            );
        }
        (Err(_), Err(_)) => {}
    }
    if let Ok(record) = LicenceRecord::from_canonical_cbor(data) {
        assert_eq!(record.to_canonical_cbor(), data);
    }
});
