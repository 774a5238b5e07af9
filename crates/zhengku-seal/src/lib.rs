//! zhengku-seal: electronic seals (电子印章) and electronic signatures (电子签章) as DER, per
//! GB/T 38540-2020 (version 4) and GM/T 0031-2014 (version 1).
//!
//! Where to start:
//! - [`decode_seal`] / [`decode_signature`] read bytes from outside (an OFD file, a seal
//!   server) into a [`DecodedSeal`] / [`DecodedSignature`], which says the version: v4
//!   ([`Seal`], [`SesSignature`]) or v1 ([`SealV1`], [`SesSignatureV1`]).
//! - [`Seal`] and its [`SealInfo`] are the v4 seal a seal maker (制章者) makes;
//!   [`SesSignature`] and its [`TbsSign`] are a seal holder's (签章者) stamp on a document.
//! - The bytes each party signs, for values made in memory: [`SealInfo::to_der`] (v4 maker),
//!   [`Seal::maker_tbs_alternative`] (the form some verifiers use), [`SealV1::maker_tbs`] (v1
//!   maker), [`TbsSign::to_der`] and [`TbsSignV1::to_der`] (signer). For decoded input, the
//!   bytes as received: [`SealSignedBytes`], [`SignatureSignedBytes`].
//! - [`make`]: making a seal and stamping with it, over any `zhengku_crypto::Signer` (a key
//!   store key, an HSM). [`artwork`]: checking seal pictures, and drawing a development seal.
//!   Verifying is `zhengku-verify`'s job.
//!
//! Lenient decode, strict encode. Producers in the field disagree on details, so the decoder
//! accepts `extDatas` and `timeStamp` with or without their `[0] EXPLICIT` tag, `critical`
//! FALSE written out, and header versions 1 to 4. Every `to_der` writes one form only: the
//! ASN.1 in `docs/standards.md`, DER, `critical` FALSE omitted. So for an input already in that form,
//! `decode(x)?.to_der()? == x`. A signature over a lenient input was made over the input's
//! own bytes, not over the re-encoding: [`decode_seal_with_signed_bytes`] and
//! [`decode_signature_with_signed_bytes`] return those bytes as received
//! ([`SealSignedBytes`], [`SignatureSignedBytes`]), and verifiers check signatures over them.
//!
//! The TLV layer is `zhengku-der`, in its strict mode: single-byte tags, definite lengths in
//! shortest form. The leniencies above are schema rules on top of it, which a derived
//! decoder (the `der` crate's) could not express: optional `[0] EXPLICIT` tags, DEFAULT values
//! written out, a CHOICE picked by a sibling INTEGER (certListType), the version told apart
//! by element count, and errors that name the element and its byte offset.
//!
//! Hostile input is bounded: [`MAX_SEAL_LEN`], [`MAX_SIGNATURE_LEN`], [`MAX_LIST_ITEMS`]; the
//! decoder follows the fixed schema and never recurses on the input; trailing bytes are an
//! error; every [`DecodeError`] names the element and its byte offset.
//!
//! Pure: no I/O, no clock.
//!
//! ```
//! use zhengku_seal::*;
//!
//! let t = SealTime::new(2025, 1, 1, 0, 0, 0)?;
//! let seal = Seal {
//!     seal_info: SealInfo {
//!         header: Header::v4("ZHENGKU"),
//!         es_id: "33010600000001".into(),
//!         property: Property {
//!             seal_type: 1,
//!             name: "杭州市西湖区市场监督管理局证照专用章".into(),
//!             cert_list: CertList::Certificates(vec![b"holder certificate DER".to_vec()]),
//!             create_date: t,
//!             valid_start: t,
//!             valid_end: SealTime::new(2030, 1, 1, 0, 0, 0)?,
//!         },
//!         picture: Picture {
//!             picture_type: "PNG".into(),
//!             data: b"\x89PNG...".to_vec(),
//!             width_mm: 40,
//!             height_mm: 40,
//!         },
//!         ext_datas: None,
//!     },
//!     maker_cert: b"maker certificate DER".to_vec(),
//!     sign_alg: Oid::sm2_with_sm3(),
//!     signed_value: vec![0; 64], // the maker's signature over seal.seal_info.to_der()
//! };
//! let der = seal.to_der()?;
//! let back = decode_seal(&der)?;
//! assert_eq!(back, DecodedSeal::V4(seal));
//! assert_eq!(back.header_version(), 4);
//! assert_eq!(back.to_der()?, der);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alg;
#[cfg(feature = "make")]
pub mod artwork;
mod decode;
mod error;
#[cfg(feature = "make")]
pub mod make;
mod seal;
mod signature;
mod time;
mod v1;

pub use decode::{
    DecodedSeal, DecodedSignature, MAX_LIST_ITEMS, MAX_SEAL_LEN, MAX_SIGNATURE_LEN,
    SealSignedBytes, SignatureSignedBytes, decode_seal, decode_seal_with_signed_bytes,
    decode_signature, decode_signature_with_signed_bytes,
};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use seal::{CertDigest, CertList, Extension, Header, Picture, Property, Seal, SealInfo};
pub use signature::{SesSignature, TbsSign};
pub use time::{InvalidTime, SealTime};
pub use v1::{SealV1, SesSignatureV1, TbsSignV1};
pub use zhengku_der::{Oid, OidError};
