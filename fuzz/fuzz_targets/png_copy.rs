//! PNG annotated copies from anyone (an upload to `POST /v1/verify`, a file given to
//! `zhengku verify`): reading never panics and stays within its bounds; what the seal
//! signature covers is a prefix of the file; and the engine judges whatever reads without
//! ever saying 有效 with no anchors to trust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_png::PngCopy;

fuzz_target!(|data: &[u8]| {
    if let Ok(png) = PngCopy::read(data) {
        assert!(png.chunks <= zhengku_png::MAX_CHUNKS);
        assert!(data.starts_with(png.signed));
        assert!(
            png.texts
                .iter()
                .all(|t| t.text.len() <= zhengku_png::MAX_TEXT)
        );
        let departments = zhengku_verify::Departments::default();
        let ctx = zhengku_verify::Context {
            at: time::OffsetDateTime::UNIX_EPOCH,
            trust: zhengku_verify::Trust::default(),
            departments: &departments,
            memo: None,
        };
        let r = zhengku_verify::verify_input(data, &ctx, &zhengku_verify::NoLive);
        assert_ne!(r.verdict, zhengku_verify::Verdict::Valid);
    }
});
