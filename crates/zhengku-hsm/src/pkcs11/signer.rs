//! The two kinds of PKCS#11 signers handed out by the store.
//!
//! - [`TokenSigner`]: the private key is a token object; the token signs the prehash
//!   (CKM_ECDSA for P-256, the configured vendor mechanism for SM2).
//! - [`WrappedSm2Signer`]: the token decrypts the sealed SM2 key for one signature
//!   (see [`super::wrap`]).
//!
//! Both borrow a session from the store's pool per signature, so they can be shared across
//! threads (`Arc<dyn Signer>`) and sign in parallel up to the pool size.

use std::fmt;
use std::sync::Arc;

use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectHandle;
use zhengku_crypto::{Prehash, PublicKey, SignError, Signature, Signer};

use super::wrap::Sealed;
use super::{Inner, SignMechanism};
use crate::HsmError;

const BACKEND: &str = "pkcs11";

fn backend(e: HsmError) -> SignError {
    SignError::Backend {
        backend: BACKEND,
        detail: e.to_string(),
    }
}

fn check_algorithm(public: &PublicKey, prehash: &Prehash) -> Result<(), SignError> {
    if prehash.algorithm() != public.algorithm() {
        return Err(SignError::AlgorithmMismatch {
            key: public.algorithm(),
            prehash: prehash.algorithm(),
        });
    }
    Ok(())
}

/// A key that lives and signs inside the token.
pub struct TokenSigner {
    pub(super) inner: Arc<Inner>,
    pub(super) label: String,
    pub(super) private: ObjectHandle,
    pub(super) public: PublicKey,
    pub(super) mechanism: SignMechanism,
}

impl TokenSigner {
    /// The key's label on the token.
    pub fn label(&self) -> &str {
        &self.label
    }

    fn sign_on_token(&self, digest: &[u8; 32]) -> Result<Signature, HsmError> {
        let alg = self.public.algorithm();
        let session = self.inner.pool.get()?;
        let mechanism = self.mechanism.mechanism();
        let out = session
            .call(|s| s.sign(&mechanism, self.private, digest))
            .map_err(|e| match e {
                CryptokiError::Pkcs11(RvError::MechanismInvalid, f) => {
                    self.inner.unsupported(self.mechanism.number(), f)
                }
                e => HsmError::pkcs11(format!("signing with key {:?}", self.label), e),
            })?;
        // CKM_ECDSA returns r || s; some vendor SM2 mechanisms return DER instead.
        let sig = if out.len() == 64 {
            Signature::from_raw(alg, &out)
        } else {
            Signature::from_der(alg, &out)
        };
        sig.map_err(|e| HsmError::UnsupportedKey {
            label: self.label.clone(),
            detail: format!("the token returned a malformed signature: {e}"),
        })
    }
}

impl Signer for TokenSigner {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        check_algorithm(&self.public, prehash)?;
        self.sign_on_token(prehash.digest()).map_err(backend)
    }
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("token", &self.inner.token)
            .field("label", &self.label)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// An SM2 key kept sealed on the token and unsealed by it for each signature.
pub struct WrappedSm2Signer {
    pub(super) inner: Arc<Inner>,
    pub(super) label: String,
    pub(super) kek: ObjectHandle,
    pub(super) sealed: Sealed,
}

impl WrappedSm2Signer {
    /// The key's label on the token.
    pub fn label(&self) -> &str {
        &self.label
    }
}

impl Signer for WrappedSm2Signer {
    fn public_key(&self) -> &PublicKey {
        &self.sealed.public
    }

    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        check_algorithm(&self.sealed.public, prehash)?;
        let key = {
            let session = self.inner.pool.get().map_err(backend)?;
            self.sealed
                .open(&session, self.kek, &self.label)
                .map_err(backend)?
            // The session goes back to the pool before the (slower) arithmetic.
        };
        // `key` zeroizes its scalar when it drops at the end of this call.
        key.sign_prehash(prehash)
    }
}

impl fmt::Debug for WrappedSm2Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedSm2Signer")
            .field("token", &self.inner.token)
            .field("label", &self.label)
            .field("public", &self.sealed.public)
            .finish_non_exhaustive()
    }
}

impl SignMechanism {
    pub(super) fn mechanism(self) -> Mechanism<'static> {
        match self {
            SignMechanism::Ecdsa => Mechanism::Ecdsa,
            SignMechanism::Vendor(t) => Mechanism::VendorDefined(
                cryptoki::mechanism::vendor_defined::VendorDefinedMechanism::new::<()>(t, None),
            ),
        }
    }
}
