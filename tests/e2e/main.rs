//! End-to-end tests: the built `zhengku` binary, checked against tools we did not write
//! (the `openssl` CLI, SoftHSM2, BouncyCastle). One test binary, modules by subject
//! (ripgrep's layout).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod util;

mod audit;
mod cli;
mod interop_bouncycastle;
mod interop_openssl;
mod licence;
mod lookalike;
mod pki;
mod seal;
mod seal_status;
mod serve;
mod share;
mod trust_reload;
mod trust_sync;
mod verify_cli;
mod verify_limits;
mod verify_web;
