//! Tests of the verification engine (`zhengku-verify`) that need documents made by the
//! writers: licence PDFs rendered and PAdES-signed (`zhengku-pdf` with `render`), seals
//! made and stamped (`zhengku-seal` with `make`), on file keys and on SoftHSM2, and the
//! seal bench. They live in their own package so that `zhengku-verify` itself — its
//! dev-dependencies included — links readers only (`cargo tree -p zhengku-verify` shows no
//! PDF writer, font subsetter, QR encoder or PNG codec). Nothing here is a library: the
//! crate is `tests/` and `benches/`.
