//! Writes a signed licence PDF (the sample business licence, rendered with the system CJK
//! font, sealed and PAdES-signed with the development SM2 or P-256 keys) to standard output:
//! input for timing `zhengku verify` on PDFs.
//!
//!     cargo run --release -p zhengku-verify-tests --example licence_pdf -- sm2 > licence.pdf
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

use std::io::Write;

#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

fn main() {
    let alg = std::env::args().nth(1).unwrap_or_else(|| "sm2".into());
    let (pdf, _) = support::signed_rendered(&alg).expect("a CJK font (fonts-noto-cjk)");
    std::io::stdout().write_all(&pdf).unwrap();
}
