//! Finding a QR code in a picture (`zhengku verify photo.jpg`): any bytes, as a PNG or JPEG
//! or neither, never panic and never decode past the scanner's size limits; a text found is
//! what the symbol held (valid UTF-8 by type).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(text)) = zhengku_qr::scan::qr_text(data) {
        assert!(text.len() <= data.len() * 8 + 4096);
    }
    let _ = zhengku_qr::scan::picture_format(data);
});
