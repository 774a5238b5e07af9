//! zhengku-pki: certificates and CRLs for zhengku's SM2 (GM/T 0015) and P-256 hierarchies,
//! and the certificate-path validation every verification in zhengku uses.
//!
//! Where to start:
//! - [`issue_certificate`] with a [`CertificateParams`] and an [`Issuer`] (self-signed for a
//!   root, or a CA certificate and its key): root and issuing CAs, department (licence
//!   signing), seal-maker, seal and server certificates. Every signature goes through a
//!   [`zhengku_crypto::Signer`], so the CA key can live in an HSM.
//! - [`issue_crl`]: an X.509 v2 CRL with a CRL number, signed by the issuing CA.
//! - [`validate()`](validate::validate): the certificate-path validation every verification
//!   in zhengku uses — a pure function of the certificates, anchors, CRLs, time and purpose,
//!   returning a [`VerifiedPath`] or a precise [`ValidationError`].
//! - [`CertView`]: one parsed view of a certificate (whose it is, its USCC, its roles, its
//!   key and validity) that the engine, the server and the CLI share.
//! - [`name::SubjectInfo`]: how departments are named, and where their unified social
//!   credit code (统一社会信用代码) goes.
//!
//! Pure: no files, no network, no clock — times are parameters.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ca;
pub mod cert;
mod crl;
mod error;
mod issue;
pub mod name;
pub mod oids;
pub mod validate;

pub use cert::{CertError, CertView, certified_key};
pub use crl::{RevocationReason, Revoked, issue_crl};
pub use error::IssueError;
pub use issue::{CertKind, CertificateParams, Issuer, Serial, issue_certificate, key_identifier};
pub use name::SubjectInfo;
pub use validate::{
    PathCert, Purpose, Revocation, ValidationError, ValidationInput, VerifiedPath, validate,
};
