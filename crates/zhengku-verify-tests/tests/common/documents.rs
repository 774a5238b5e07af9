//! The sample licence's face sources and the engine as an offline verifier with the
//! development SM2 anchors only, for the tests of licence OFDs and copies. Needs the
//! crate's `support` module (zhengku-pdf's).

use std::path::PathBuf;

use time::OffsetDateTime;
use zhengku_pdf::layout::Layout;
use zhengku_seal::Seal;
use zhengku_seal::make::make_seal;
use zhengku_testkit::keys_dev::{der as cert, key, pki};
use zhengku_verify::{Context, Departments, LicenceReport, LiveLists, Trust, verify_input};

/// The issuing department's seal's esID.
pub const ESID: &str = "3301060100000001";

/// Where this run leaves its files for a person to look at: `target/<name>/`.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = super::support::repo().join("target").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The business licence's layout.
pub fn layout() -> Layout {
    let dir = super::support::repo().join("templates/business-licence");
    Layout::from_toml_str(&std::fs::read_to_string(dir.join("layout.toml")).unwrap()).unwrap()
}

/// A seal for the development holder `holder` (a `seal-…-sm2` name), valid from a day ago.
pub fn seal_for(holder: &str) -> Seal {
    let now = OffsetDateTime::now_utc();
    let spec = super::support::xihu_seal_spec(
        ESID,
        vec![cert(&format!("{holder}.crt"))],
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    );
    make_seal(spec, &cert("seal-maker-sm2.crt"), &key("seal-maker-sm2")).unwrap()
}

/// The engine's verdict on `input` as of `at`, with the development SM2 anchors only (no
/// department list: the record's key must come from the certificate the file carries).
pub fn verify_at(input: &[u8], library: &LiveLists, at: OffsetDateTime) -> LicenceReport {
    let p = pki("sm2");
    let departments = Departments::default();
    let ctx = Context {
        at,
        trust: Trust {
            anchors: &p.anchors,
            intermediates: &p.intermediates,
            crls: &p.crls,
            revocation: zhengku_verify::Revocation::Required,
        },
        departments: &departments,
        memo: None,
    };
    verify_input(input, &ctx, library)
}
