#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! zhengku-ofd: OFD files (开放版式文档, GB/T 33190-2016), the format of China's electronic
//! licence files (GB/T 36905-2018), read with bounds so that an uploaded one cannot cost
//! more than a licence is worth.
//!
//! Start with [`Ofd::read`]: the ZIP package ([`zip::Package`], every size, count and ratio
//! capped by [`Limits`], unsafe names refused), the document root, and every signature the
//! signature list names ([`Signature`]: the protected files with their digests, the signed
//! value, the seal, where the stamp shows). Checking a signature's `SES_Signature` and
//! seal is the verification engine's (`zhengku-verify`); this crate finds the bytes and the
//! digests. With the `write` feature (default; the engine leaves it out), [`sign::seal`]
//! appends a seal signature in zhengku's strict form. Pure: no I/O.

#[cfg(feature = "render")]
pub mod copy;
pub mod doc;
#[cfg(feature = "render")]
pub mod document;
#[cfg(feature = "render")]
pub mod face;
#[cfg(feature = "write")]
pub mod sign;
pub mod zip;

pub use doc::{
    AnnotParameters, CheckMethod, DocInfo, Ofd, Reference, Signature, StampAnnot, resolve,
};
pub use zip::{Limits, Package};

/// The signed licence record's file name, in the attachment folder of a licence OFD.
pub const RECORD_FILE_NAME: &str = "licence.zkl";
/// The issuing department's licence-signing certificate (DER), attached beside the record
/// when the library has it, so a verifier with only anchors can check the record.
pub const SIGNER_FILE_NAME: &str = "licence-signer.cer";

/// The annotation parameters an annotated copy (加注件) carries, GB/T 36903's names.
pub mod copy_names {
    /// 加注件制作时间: `YYYY-MM-DD HH:MM:SS`, China Standard Time.
    pub const MADE_AT: &str = "加注件制作时间";
    /// 加注件制作者.
    pub const MADE_BY: &str = "加注件制作者";
    /// 加注件制作事由: the use-cause.
    pub const CAUSE: &str = "加注件制作事由";
    /// 加注件有效期截止时间: `YYYY-MM-DD`, the last day of use.
    pub const VALID_UNTIL: &str = "加注件有效期截止时间";
    /// The matter the copy is for (办理事项), as the watermark names it.
    pub const MATTER: &str = "加注件办理事项";
}

/// Why an OFD could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfdError {
    /// The ZIP package is malformed, or past a limit.
    #[error("OFD package: {0}")]
    Zip(String),
    /// A required part is missing or malformed.
    #[error("OFD: {0}")]
    Structure(String),
}

/// Whether `bytes` look like an OFD: a ZIP archive (local file header first) with an
/// `OFD.xml` among the names in its first or last 64 KiB (a writer in name order puts it
/// late, and the central directory, which names every file, is at the end). A quick sniff;
/// [`Ofd::read`] decides.
pub fn sniff(bytes: &[u8]) -> bool {
    const WINDOW: usize = 64 << 10;
    let has = |b: &[u8]| b.windows(7).any(|w| w == b"OFD.xml");
    bytes.starts_with(b"PK\x03\x04")
        && (has(&bytes[..bytes.len().min(WINDOW)])
            || has(&bytes[bytes.len().saturating_sub(WINDOW)..]))
}
