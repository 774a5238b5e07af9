//! Status lists (状态列表): how a verifier learns, offline and at scale, whether a licence or
//! a seal is valid, revoked or suspended, without asking the library about each one.
//!
//! The format is the IETF OAuth **Token Status List**, draft-ietf-oauth-status-list-21
//! (21 June 2026, in the RFC Editor queue; revision -20's text and examples are the same), in
//! its CWT form:
//!
//! - [`StatusList`] is the bit array: `bits` (1, 2, 4 or 8) per entry, entries packed into
//!   bytes from the least significant bit, entry 0 in bits 0..bits of byte 0 (draft §4.1).
//!   zhengku writes 2 bits: [`Status::Valid`] 0, [`Status::Invalid`] 1 (撤销/注销),
//!   [`Status::Suspended`] 2 (暂停) (draft §7.1).
//! - Its CBOR form (§4.3) is `{"bits": uint, "lst": bstr}`, `lst` being the array
//!   compressed with DEFLATE in the ZLIB format at the highest level.
//! - A [`token`] is a COSE_Sign1 (tag 18) whose protected header is `{1: alg, 4: kid, 16:
//!   "application/statuslist+cwt"}` and whose payload is the claims map `{2: sub (the list's
//!   URI), 6: iat, 4: exp, 65534: ttl, 65533: StatusList}` (§5.2).
//! - A licence carries a [`Reference`]: `{"status_list": {"idx": n, "uri": "…"}}` (§6.3,
//!   the value of claim 65535 in a CWT). Its index comes from an [`IndexPermutation`] of
//!   the list's entries, so indices never repeat and never reveal the issue order.
//!
//! - The [`manifest`] (zhengku's own) names every list with its current token's `iat` and
//!   SHA-256, signed: what changed, and that nothing was withheld.
//!
//! What is read is bounded: [`MAX_LIST_BYTES`] of inflated array, [`MAX_TOKEN_LEN`] of token.
//! What is written is deterministic CBOR; what is read may be any well-formed CBOR (the
//! draft's own example token has its claims out of canonical order), and signatures are
//! checked over the bytes received.

pub mod index;
pub mod list;
pub mod manifest;
pub mod token;

pub use index::IndexPermutation;
pub use list::{MAX_LIST_BYTES, Status, StatusList};
pub use manifest::{MANIFEST_TYP, Manifest, ManifestEntry};
pub use token::{
    CLAIM_STATUS, CLOCK_SKEW, Freshness, LIST_PATH, MAX_TOKEN_LEN, Reference,
    SEAL_STATUS_EXTENSION, SignedStatusList, StatusListClaims, TYP, list_number, list_uri,
};
/// Signing and opening a [`Manifest`] (and the trust lists built on this crate).
pub use zhengku_cose::TypedDocument;

/// Why a status list, a token or a reference could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// `bits` is not 1, 2, 4 or 8.
    #[error("bits must be 1, 2, 4 or 8, not {0}")]
    Bits(u64),
    /// An index past the end of the list.
    #[error("index {idx} is outside the list ({len} entries)")]
    Index {
        /// The index.
        idx: u64,
        /// The list's length.
        len: u64,
    },
    /// A status value that does not fit the list's `bits`.
    #[error("status {value} does not fit in {bits} bits")]
    Value {
        /// The value.
        value: u8,
        /// The list's bits.
        bits: u8,
    },
    /// The zlib stream is invalid or inflates to more than [`MAX_LIST_BYTES`].
    #[error("lst: {0}")]
    Zlib(String),
    /// The CBOR is malformed or exceeds the limits.
    #[error("CBOR: {0}")]
    Cbor(#[from] zhengku_cbor::DecodeError),
    /// The COSE_Sign1 envelope could not be made, read or verified.
    #[error("{0}")]
    Cose(#[from] zhengku_cose::CoseError),
    /// A required field is missing or has the wrong type.
    #[error("{0}")]
    Field(&'static str),
    /// The token is longer than [`MAX_TOKEN_LEN`].
    #[error("status-list token of {0} bytes, more than {MAX_TOKEN_LEN}")]
    TooLong(usize),
}
