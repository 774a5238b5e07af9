//! OFD packages from anyone (an upload to `POST /v1/verify`, a file given to `zhengku
//! verify`): reading never panics and stays within its limits; a package that reads writes
//! back (stored, in zhengku's strict form) to one that reads to the same files; and the
//! engine judges whatever reads without ever saying 有效 with no anchors to trust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_ofd::{Limits, Ofd, Package};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_total: 8 << 20,
        max_file: 4 << 20,
        ..Limits::default()
    };
    if let Ok(p) = Package::read(data, &limits) {
        assert!(p.len() <= limits.max_entries);
        let again = Package::read(&p.to_zip(), &Limits::default());
        assert_eq!(again.as_ref(), Ok(&p));
    }
    if let Ok(ofd) = Ofd::read(data, &limits) {
        assert!(ofd.package().file(&ofd.doc_root).is_some());
        let _ = ofd.uncovered();
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
