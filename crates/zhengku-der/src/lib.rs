#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! zhengku-der: the one DER layer of zhengku's hand-written ASN.1 code — the structures the
//! `der` and `x509` crates cannot read the way the field writes them, or cannot hold.
//!
//! - [`Reader`] and [`Tlv`] ([`reader`]): single TLVs over a byte slice, every offset
//!   relative to the whole input, so each [`Error`] names the element and the byte where it
//!   starts. [`Length::Strict`] accepts DER lengths only (shortest form);
//!   [`Length::Lenient`] also the long form where the short would do. Both refuse
//!   indefinite lengths, lengths of more than [`MAX_LENGTH_OCTETS`] octets, multi-byte tags
//!   and elements longer than what contains them. The reader never recurses on the input:
//!   callers descend one level at a time ([`Tlv::reader`]) along their schema.
//! - [`writer`]: elements with shortest definite lengths, SEQUENCE, and SET OF sorted in
//!   DER order ([`writer::set_of`]). Reading strict and writing back gives the same bytes.
//! - [`Oid`] ([`oid`]): OBJECT IDENTIFIERs with arcs up to 128 bits (the UUID arc `2.25`),
//!   from and to the dotted form and DER; a malformed one is an [`OidError`], never a
//!   placeholder.
//! - [`pem`]: the one PEM splitter, for text with several blocks and for files that are PEM
//!   or DER.
//!
//! Who uses it: `zhengku-seal` (seals and seal signatures, read strictly with their schema's
//! leniencies on top), `zhengku-pdf`'s `cms` (CMS SignedData in PDF signatures, read
//! leniently), `zhengku-pki` (certificate-policy OIDs with 128-bit arcs), `zhengku-crypto`
//! (PEM key files) and `zhengku-trust` (PEM or DER certificate and CRL files).
//!
//! Pure: no I/O. Depends on `thiserror` and, for base64 inside PEM, `pem-rfc7468`.
//!
//! ```
//! use zhengku_der::{Length, Oid, Reader, tag, writer};
//!
//! let oid: Oid = "1.2.156.10197.1.501".parse()?;
//! let der = writer::sequence(&[&writer::oid(&oid), &writer::integer(1)]);
//! let mut r = Reader::new(&der, Length::Strict);
//! let seq = r.read(tag::SEQUENCE, "Example")?;
//! r.finish("Example")?;
//! let mut fields = seq.reader();
//! assert_eq!(fields.read(tag::OID, "Example.alg")?.oid("Example.alg")?, Oid::sm2_with_sm3());
//! assert_eq!(fields.read(tag::INTEGER, "Example.n")?.uint("Example.n", 10)?, 1);
//! fields.finish("Example")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod oid;
pub mod pem;
pub mod reader;
pub mod tag;
pub mod writer;

pub use oid::{Oid, OidError};
pub use reader::{
    Error, ErrorKind, Header, Length, MAX_LENGTH_OCTETS, Reader, Tlv, is_ia5, is_printable,
};

#[cfg(test)]
mod tests;
