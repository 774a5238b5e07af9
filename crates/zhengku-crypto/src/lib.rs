//! zhengku-crypto: the signatures, keys and digests every other part of zhengku uses.
//!
//! Two algorithms ([`Algorithm`]): SM2-with-SM3 (GM/T 0003/0009, the national standard for
//! licences and seals) and ECDSA P-256 with SHA-256. Start with [`PrivateKey`] (generate or
//! read a key), the [`Signer`] trait (how anything — an in-memory key, an HSM — signs),
//! [`PublicKey::verify`], and [`Signature`] (strict DER and raw `r || s`).
//!
//! This crate is pure: no files, no network, no clock. The only outside input is the
//! operating system's random generator, for keys and signature nonces.
//!
//! ```
//! use zhengku_crypto::{Algorithm, PrivateKey, PublicKey, Signature, Signer};
//!
//! let key = PrivateKey::generate(Algorithm::Sm2Sm3)?;
//! let sig = key.sign(b"licence bytes")?;
//! // What travels: a public key file and a DER signature.
//! let public = PublicKey::from_pem(&key.public_key().to_pem())?;
//! let sig = Signature::from_der(public.algorithm(), &sig.to_der())?;
//! public.verify(b"licence bytes", &sig)?;
//! assert!(public.verify(b"licence bytez", &sig).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alg;
pub mod digest;
mod error;
mod fastverify;
pub mod keys;
pub mod oid;
mod prepared;
mod sig;
mod signer;

pub use alg::{Algorithm, DigestAlgorithm, UnknownAlgorithm};
pub use digest::{Hasher, sha256, sm3};
pub use error::{KeyError, Scalar, SignError, SignatureError, VerifyError};
pub use keys::{DEFAULT_DIST_ID, DistId, KeyId, MessageHasher, PrivateKey, PublicKey, fill_random};
pub use prepared::{Direct, PreparedKey, PreparedKeys, SignatureVerifier};
pub use sig::Signature;
pub use signer::{AsyncSigner, Prehash, Signer};
