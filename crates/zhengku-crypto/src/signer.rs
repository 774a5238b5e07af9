//! The one signing abstraction every part of zhengku signs through.
//!
//! A signer is handed a [`Prehash`] — the digest the signature scheme actually signs
//! (SM2: e = SM3(Z_A || M); P-256: SHA-256(M)) — never the message. That is what lets the
//! signer live elsewhere: a PKCS#11 token that does CKM_ECDSA on a digest, an SM2 key that
//! is unwrapped inside a token session, or a remote signing service, all receive 32 bytes.
//! The public key (and with it Z_A and the key id) is known locally, so the message is
//! hashed locally.
//!
//! [`Signer`] is synchronous; [`AsyncSigner`] is the same contract for backends that wait
//! on I/O. Every [`Signer`] is an [`AsyncSigner`], so code written against `AsyncSigner`
//! takes both.

use core::future::Future;
use std::sync::Arc;

use crate::error::SignError;
use crate::{Algorithm, KeyId, PublicKey, Signature};

/// The digest a signature covers, tagged with the algorithm it was computed for, so a
/// P-256 digest can never be handed to an SM2 key (or the other way round).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prehash {
    alg: Algorithm,
    digest: [u8; 32],
}

impl Prehash {
    /// Wraps a digest computed elsewhere. For SM2 it must already include Z_A; prefer
    /// [`PublicKey::prehash`] or [`PublicKey::message_hasher`], which do that for you.
    pub fn new(alg: Algorithm, digest: [u8; 32]) -> Self {
        Prehash { alg, digest }
    }

    /// The algorithm it was computed for.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The 32 digest bytes.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

impl core::fmt::Debug for Prehash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Prehash({}, {})", self.alg, hex::encode(self.digest))
    }
}

/// Something that holds a private key and signs with it.
pub trait Signer: Send + Sync {
    /// The public half; fixes the algorithm, key id and (SM2) distinguishing ID.
    fn public_key(&self) -> &PublicKey;

    /// Signs a prehash computed for [`Signer::public_key`].
    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError>;

    /// The algorithm.
    fn algorithm(&self) -> Algorithm {
        self.public_key().algorithm()
    }

    /// The key id.
    fn key_id(&self) -> KeyId {
        self.public_key().key_id()
    }

    /// Hashes `msg` as the algorithm requires and signs it.
    fn sign(&self, msg: &[u8]) -> Result<Signature, SignError> {
        self.sign_prehash(&self.public_key().prehash(msg))
    }
}

impl<T: Signer + ?Sized> Signer for Arc<T> {
    fn public_key(&self) -> &PublicKey {
        (**self).public_key()
    }
    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        (**self).sign_prehash(prehash)
    }
}

impl<T: Signer + ?Sized> Signer for Box<T> {
    fn public_key(&self) -> &PublicKey {
        (**self).public_key()
    }
    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        (**self).sign_prehash(prehash)
    }
}

impl<T: Signer + ?Sized> Signer for &T {
    fn public_key(&self) -> &PublicKey {
        (**self).public_key()
    }
    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        (**self).sign_prehash(prehash)
    }
}

/// A signer whose signing waits on something (a network HSM, a remote service).
///
/// No runtime is assumed: implementations return any `Send` future.
pub trait AsyncSigner: Send + Sync {
    /// The public half.
    fn public_key(&self) -> &PublicKey;

    /// Signs a prehash computed for [`AsyncSigner::public_key`].
    fn sign_prehash_async(
        &self,
        prehash: &Prehash,
    ) -> impl Future<Output = Result<Signature, SignError>> + Send;

    /// Hashes `msg` and signs it.
    fn sign_async(&self, msg: &[u8]) -> impl Future<Output = Result<Signature, SignError>> + Send {
        let prehash = AsyncSigner::public_key(self).prehash(msg);
        async move { self.sign_prehash_async(&prehash).await }
    }
}

impl<T: Signer + ?Sized> AsyncSigner for T {
    fn public_key(&self) -> &PublicKey {
        Signer::public_key(self)
    }

    fn sign_prehash_async(
        &self,
        prehash: &Prehash,
    ) -> impl Future<Output = Result<Signature, SignError>> + Send {
        core::future::ready(self.sign_prehash(prehash))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::PrivateKey;
    use std::task::{Context, Poll, Waker};

    /// Polls a future that never waits (ours complete on first poll).
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("future was not ready"),
        }
    }

    /// A signer standing in for one that lives elsewhere: it only ever sees the prehash.
    struct Remote {
        key: PrivateKey,
    }
    impl Signer for Remote {
        fn public_key(&self) -> &PublicKey {
            self.key.public_key()
        }
        fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
            self.key.sign_prehash(prehash)
        }
    }

    #[test]
    fn boxed_arc_and_async_signers_produce_verifiable_signatures() {
        for alg in Algorithm::ALL {
            let remote = Arc::new(Remote {
                key: PrivateKey::generate(alg).unwrap(),
            });
            let dynamic: Box<dyn Signer> = Box::new(remote.clone());
            let sig = dynamic.sign(b"licence").unwrap();
            Signer::public_key(&remote)
                .verify(b"licence", &sig)
                .unwrap();
            let sig = block_on(remote.sign_async(b"licence")).unwrap();
            Signer::public_key(&remote)
                .verify(b"licence", &sig)
                .unwrap();
            assert_eq!(
                Signer::key_id(&remote),
                Signer::public_key(&remote).key_id()
            );
        }
    }
}
