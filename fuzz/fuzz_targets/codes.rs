//! Identifier and code parsers: never panic; what parses prints back as the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_model::LicenceId;
use zhengku_model::codes::{AreaCode, CitizenId, Uscc};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = LicenceId::parse(text) {
        assert_eq!(id.to_string(), text);
    }
    if let Ok(code) = Uscc::parse(text) {
        assert_eq!(code.as_str(), text);
    }
    if let Ok(code) = CitizenId::parse(text) {
        assert_eq!(code.as_str(), text);
    }
    if let Ok(code) = AreaCode::parse(text) {
        assert_eq!(code.as_str(), text);
    }
});
