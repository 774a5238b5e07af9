#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Licence documents as PDF (电子证照版式文件): rendering and PAdES signing.
//!
//! Where to start: [`render::render`] lays a signed licence out on its type's page
//! ([`layout::Layout`], from `templates/<type>/layout.toml`) in an embedded subset CJK font
//! ([`font::CjkFont`]) with the QR code and the issuing department's seal impression, and
//! leaves a signature dictionary with room for the signature: a [`PreparedPdf`].
//! [`pades::sign`] fills that room with a PAdES baseline B-B signature (a detached CMS
//! SignedData, [`cms`]) made through any [`zhengku_crypto::Signer`], and embeds the seal's
//! GB/T 38540 `SES_Signature` over the same bytes. [`parse::parse_signed`] reads a signed
//! PDF back for the verification engine (zhengku-verify).
//!
//! The seal's `SES_Signature` travels as an unsigned attribute of the CMS SignerInfo, of
//! type `2.25.277267458742544463770506637841789180396` (the UUID
//! `d097c527-df1f-420c-9a24-9ffcfbc559ec` under the X.667 arc, minted for zhengku:
//! [`cms::SES_SIGNATURE_ATTRIBUTE_OID`]), value `SET { OCTET STRING (SES_Signature DER) }`;
//! its dataHash is SM3 of the ByteRange content.
//!
//! # Readers apart from writers
//!
//! Without features the crate is the reader: [`parse`] (the signed-PDF parser) and [`cms`]
//! (CMS SignedData decoding, and the encoder PAdES signing uses; DER only). That is all the
//! verification engine links. The `render` feature (on by default; the service and CLI ask
//! for it) adds the writer: `layout`, `font`, `render`, `document` and `pades` signing, with
//! pdf-writer, subsetter, ttf-parser, png and roxmltree, the QR image (zhengku-qr
//! `render`) and seal making (zhengku-seal `make`).
//!
//! Everything here is pure: bytes in, bytes out. Finding a font on disk is the one exception,
//! [`font::load`], kept separate for the edges (server, CLI) to call.

pub mod cms;
#[cfg(feature = "render")]
pub mod copy;
#[cfg(feature = "render")]
pub mod document;
#[cfg(feature = "render")]
pub mod face;
#[cfg(feature = "render")]
pub mod font;
#[cfg(feature = "render")]
pub mod layout;
#[cfg(feature = "render")]
pub mod otf;
#[cfg(feature = "render")]
pub mod pades;
pub mod parse;
#[cfg(feature = "raster")]
pub mod raster;
#[cfg(feature = "render")]
pub mod render;

use std::ops::Range;

/// A rendered PDF whose signature dictionary still holds placeholders: `/ByteRange` with
/// space-padded zeros and `/Contents` as a hex string of `0`s. [`pades::sign`] fills both in
/// place, so the file's length never changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPdf {
    /// The whole file.
    pub bytes: Vec<u8>,
    /// Where the `/ByteRange` array's text is, from `[` to `]` inclusive; wide enough for four
    /// 10-digit numbers.
    pub byte_range_at: Range<usize>,
    /// Where the `/Contents` hex string is, from `<` to `>` inclusive.
    pub contents_at: Range<usize>,
}
