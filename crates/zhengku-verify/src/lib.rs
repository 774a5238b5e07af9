#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The zhengku verification engine (验证): one pure library that the API, the web page and
//! the `zhengku` command line all call, so a seal is judged the same way everywhere.
//!
//! Where to start: [`seal::verify_signature`] checks an electronic signature (电子签章,
//! `SES_Signature` v4 or v1) step by step and returns a [`Report`]: every check in the
//! order careful verifiers use (STANDARDS.md), each passed, failed (with the reason) or
//! skipped (with why). [`seal::verify_seal`] checks a seal file (`.esl`) on its own.
//!
//! Verification is a function of explicit inputs, as in rustls-webpki: the bytes, the
//! document (optional), the trust anchors and CRLs, and the time to judge "now" by. Nothing
//! here reads a clock, a file or the network.

pub mod report;
pub mod seal;

pub use report::{Check, Outcome, Report};
