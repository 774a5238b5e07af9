//! Prepared verifying keys (预计算验签公钥): a public key with its own fixed-base table, for
//! keys that verify many signatures — a department's key over every QR code it signed, a
//! seal maker's, a CA's. [`PublicKey::prepare`] builds one (about a millisecond and
//! [`PreparedKey::TABLE_BYTES`] of memory); [`PreparedKey::verify_prehash`] then needs only
//! additions. Unprepared keys verify through the same arithmetic with the generator's table
//! and a small window for the key ([`PublicKey::verify_prehash`]).
//!
//! Verification is on public data and runs in variable time (see the arithmetic's module,
//! `fastverify`); signing is untouched. Both paths are checked against the curve crates'
//! verification over many random triples, valid and invalid (`tests/fastverify.rs`).

use primeorder::PrimeField;
use sm2::elliptic_curve::ops::Reduce;

use crate::fastverify::{
    FastKey, FixedBaseTable, P256Fe, Sm2Fe, p256_generator, sm2_generator, x_mod_n_is,
};
use crate::{Algorithm, Prehash, PublicKey, Signature, VerifyError};

/// A public key with its precomputed table (module docs).
pub struct PreparedKey {
    public: PublicKey,
    fast: Fast,
}

impl std::fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedKey")
            .field("key_id", &self.public.key_id())
            .field("prepared", &self.is_prepared())
            .finish()
    }
}

/// The key's coordinates (and table) on its curve.
pub(crate) enum Fast {
    Sm2(FastKey<Sm2Fe>),
    P256(FastKey<P256Fe>),
    /// Coordinates that are not field elements (not reachable for a parsed key): the curve
    /// crate verifies instead.
    Unusable,
}

impl Fast {
    /// The key's affine point, without a table. `None` when its coordinates are not field
    /// elements (a key that parsed cannot be such).
    pub(crate) fn of(public: &PublicKey) -> Option<Fast> {
        let sec1 = public.to_sec1_uncompressed();
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        x.copy_from_slice(&sec1[1..33]);
        y.copy_from_slice(&sec1[33..65]);
        Some(match public.algorithm() {
            Algorithm::Sm2Sm3 => Fast::Sm2(FastKey::new(
                Option::from(Sm2Fe::from_repr(x.into()))?,
                Option::from(Sm2Fe::from_repr(y.into()))?,
            )),
            _ => Fast::P256(FastKey::new(
                Option::from(P256Fe::from_repr(x.into()))?,
                Option::from(P256Fe::from_repr(y.into()))?,
            )),
        })
    }

    /// Verifies; `None` when the fast path cannot run (a generator table that failed to
    /// build), so the caller falls back to the curve crate.
    pub(crate) fn verify(&self, e: &[u8; 32], sig: &Signature) -> Option<bool> {
        match self {
            Fast::Sm2(key) => sm2_verify(key, e, sig),
            Fast::P256(key) => p256_verify(key, e, sig),
            Fast::Unusable => None,
        }
    }
}

/// The signature's r and s as scalars in [1, n-1] (the `Signature` constructors ensure the
/// range; anything else is an invalid signature, not trusted to be impossible).
fn scalars<S>(sig: &Signature) -> Option<(S, S)>
where
    S: PrimeField<Repr: From<[u8; 32]>>,
{
    let r = Option::<S>::from(S::from_repr((*sig.r()).into()))?;
    let s = Option::<S>::from(S::from_repr((*sig.s()).into()))?;
    (!bool::from(r.is_zero()) && !bool::from(s.is_zero())).then_some((r, s))
}

/// SM2, GM/T 0003.2 §7.1 B1–B7, with the sum from the tables and the x check without an
/// inversion.
fn sm2_verify(key: &FastKey<Sm2Fe>, e: &[u8; 32], sig: &Signature) -> Option<bool> {
    let g = sm2_generator()?;
    // B1, B2: r, s in [1, n-1].
    let Some((r, s)) = scalars::<sm2::Scalar>(sig) else {
        return Some(false);
    };
    // B4, B5.
    let e = <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&(*e).into());
    let t = r + s;
    if bool::from(t.is_zero()) {
        return Some(false);
    }
    // B6: [s]G + [t]P. B7: (e + x1) mod n == r  ⟺  x1 mod n == r - e.
    let sum = key.sum(g, &s.to_repr().into(), &t.to_repr().into());
    let v = r - e;
    let n_minus_1 = -sm2::Scalar::ONE;
    Some(x_check::<Sm2Fe>(
        &sum,
        &v.to_repr().into(),
        &n_minus_1.to_repr().into(),
    ))
}

/// ECDSA over P-256 (FIPS 186-5 §6.4.2) as the p256 crate verifies it (high s accepted).
fn p256_verify(key: &FastKey<P256Fe>, e: &[u8; 32], sig: &Signature) -> Option<bool> {
    let g = p256_generator()?;
    let Some((r, s)) = scalars::<p256::Scalar>(sig) else {
        return Some(false);
    };
    let e = <p256::Scalar as Reduce<p256::FieldBytes>>::reduce(&(*e).into());
    let Some(w) = Option::<p256::Scalar>::from(s.invert()) else {
        return Some(false);
    };
    let (u1, u2) = (e * w, r * w);
    let sum = key.sum(g, &u1.to_repr().into(), &u2.to_repr().into());
    let n_minus_1 = -p256::Scalar::ONE;
    Some(x_check::<P256Fe>(
        &sum,
        &r.to_repr().into(),
        &n_minus_1.to_repr().into(),
    ))
}

/// `x mod n == v` for the sum (`v < n`, big-endian), given `n - 1` (big-endian).
fn x_check<F>(sum: &crate::fastverify::Jacobian<F>, v: &[u8; 32], n_minus_1: &[u8; 32]) -> bool
where
    F: PrimeField<Repr: From<[u8; 32]> + AsRef<[u8]>>,
{
    let (Some(v_fe), Some(n_fe)) = (
        Option::<F>::from(F::from_repr((*v).into())),
        Option::<F>::from(F::from_repr((*n_minus_1).into())).map(|m| m + F::ONE),
    ) else {
        return false;
    };
    // v + n < p  ⟺  v < p - n = (p - 1) - (n - 1).
    let p_minus_1: [u8; 32] = match (-F::ONE).to_repr().as_ref().try_into() {
        Ok(b) => b,
        Err(_) => return false,
    };
    let p_minus_n = be_sub(&p_minus_1, n_minus_1);
    let v_plus_n = (v < &p_minus_n).then(|| v_fe + n_fe);
    x_mod_n_is(sum, &v_fe, v_plus_n.as_ref())
}

/// `a - b` for big-endian 256-bit integers with `a >= b`.
fn be_sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        // 0 <= d < 256 here.
        out[i] = d as u8;
    }
    out
}

impl PublicKey {
    /// This key with its own table, for verifying many signatures (module docs).
    pub fn prepare(&self) -> PreparedKey {
        let mut fast = Fast::of(self);
        if let Some(f) = &mut fast {
            match f {
                Fast::Sm2(k) => k.prepare(),
                Fast::P256(k) => k.prepare(),
                Fast::Unusable => {}
            }
        }
        PreparedKey {
            public: self.clone(),
            fast: fast.unwrap_or(Fast::Unusable),
        }
    }
}

impl PreparedKey {
    /// Memory a prepared key's table takes, bytes.
    pub const TABLE_BYTES: usize = FixedBaseTable::<Sm2Fe>::BYTES;

    /// The key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Whether the table was built (it always is for a key that parsed).
    pub fn is_prepared(&self) -> bool {
        match &self.fast {
            Fast::Sm2(k) => k.is_prepared(),
            Fast::P256(k) => k.is_prepared(),
            Fast::Unusable => false,
        }
    }

    /// Verifies `signature` over `msg` (as [`PublicKey::verify`]).
    pub fn verify(&self, msg: &[u8], signature: &Signature) -> Result<(), VerifyError> {
        self.verify_prehash(&self.public.prehash(msg), signature)
    }

    /// Verifies `signature` over a prehash (as [`PublicKey::verify_prehash`], same answers).
    pub fn verify_prehash(
        &self,
        prehash: &Prehash,
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        self.public
            .verify_prehash_with(prehash, signature, Some(&self.fast))
    }
}

/// Who checks a signature for a verifier: directly with the key ([`Direct`]), or through a
/// cache of prepared keys ([`PreparedKeys`]). The verification engine passes one down to the
/// payload, record and seal checks, so keys it meets again are verified with their tables.
pub trait SignatureVerifier: Send + Sync + std::fmt::Debug {
    /// Verifies `signature` over `msg` with `key`; the same answer as [`PublicKey::verify`].
    fn verify_signature(
        &self,
        key: &PublicKey,
        msg: &[u8],
        signature: &Signature,
    ) -> Result<(), VerifyError>;

    /// Verifies a certificate's or a CRL's signature by its issuer's key: the same answer
    /// as [`verify_signature`](Self::verify_signature). A verifier meets the same few
    /// certificates and CRLs in every chain it builds, so [`PreparedKeys`] remembers those
    /// that verified; a document's own signature always goes through `verify_signature`.
    fn verify_issued(
        &self,
        key: &PublicKey,
        tbs: &[u8],
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        self.verify_signature(key, tbs, signature)
    }
}

/// Verifies with the key as given, keeping nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Direct;

impl SignatureVerifier for Direct {
    fn verify_signature(
        &self,
        key: &PublicKey,
        msg: &[u8],
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        key.verify(msg, signature)
    }
}

/// Prepared keys kept for a verifier, within a memory budget: a key is prepared on its
/// second use (one signature does not pay for a table), the least recently used table is
/// dropped when the budget is full. Keys are told apart by their whole SPKI and SM2
/// distinguishing ID, never by a short id. Thread-safe; a key is prepared outside the lock.
///
/// It also remembers certificate and CRL signatures that verified
/// ([`SignatureVerifier::verify_issued`]): at most [`PreparedKeys::MAX_REMEMBERED`] of them (forgotten
/// all at once past that, about 3 MiB at most), each by the whole key, the whole digest
/// of what was signed and the whole signature, so only the very same signature over the
/// very same bytes by the very same key is answered from memory. Failures are not
/// remembered.
#[derive(Debug)]
pub struct PreparedKeys {
    budget: usize,
    inner: std::sync::Mutex<KeyCache>,
}

#[derive(Debug, Default)]
struct KeyCache {
    clock: u64,
    /// Keys seen once, with when (cleared when it grows past [`MAX_SEEN`]).
    seen: std::collections::HashMap<Vec<u8>, u64>,
    /// Prepared keys with their last use.
    prepared: std::collections::HashMap<Vec<u8>, (std::sync::Arc<PreparedKey>, u64)>,
    /// Certificate and CRL signatures that verified ([`remembered_id`]).
    verified: std::collections::HashSet<Vec<u8>>,
}

/// Most keys remembered as seen once.
const MAX_SEEN: usize = 1 << 16;

impl Default for PreparedKeys {
    fn default() -> Self {
        PreparedKeys::new(PreparedKeys::DEFAULT_BUDGET)
    }
}

impl PreparedKeys {
    /// The default budget: 64 MiB, a little over 400 keys.
    pub const DEFAULT_BUDGET: usize = 64 << 20;

    /// Most certificate and CRL signatures remembered as verified.
    pub const MAX_REMEMBERED: usize = 1 << 14;

    /// A cache whose tables take at most `budget` bytes (0: never prepare).
    pub fn new(budget: usize) -> PreparedKeys {
        PreparedKeys {
            budget,
            inner: std::sync::Mutex::new(KeyCache::default()),
        }
    }

    /// How many keys are prepared now, and the bytes their tables take.
    pub fn usage(&self) -> (usize, usize) {
        let n = self.lock().prepared.len();
        (n, n * PreparedKey::TABLE_BYTES)
    }

    /// How many certificate and CRL signatures are remembered as verified.
    pub fn remembered(&self) -> usize {
        self.lock().verified.len()
    }

    fn verify_prehash_with_table(
        &self,
        key: &PublicKey,
        e: &Prehash,
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        match self.prepared(key) {
            Some(p) => p.verify_prehash(e, signature),
            None => key.verify_prehash(e, signature),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeyCache> {
        // A panic elsewhere cannot leave the cache inconsistent (each change is one insert
        // or remove), so a poisoned lock is taken over.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The prepared form of `key` when it has one, preparing it on its second use.
    fn prepared(&self, key: &PublicKey) -> Option<std::sync::Arc<PreparedKey>> {
        let capacity = self.budget / PreparedKey::TABLE_BYTES;
        if capacity == 0 {
            return None;
        }
        let id = cache_id(key);
        {
            let mut c = self.lock();
            c.clock += 1;
            let now = c.clock;
            if let Some((p, last)) = c.prepared.get_mut(&id) {
                *last = now;
                return Some(p.clone());
            }
            if c.seen.remove(&id).is_none() {
                if c.seen.len() >= MAX_SEEN {
                    c.seen.clear();
                }
                c.seen.insert(id, now);
                return None;
            }
        }
        // Second use: prepare outside the lock, then keep it, dropping the least recently
        // used tables past the budget.
        let p = std::sync::Arc::new(key.prepare());
        let mut c = self.lock();
        c.clock += 1;
        let now = c.clock;
        while c.prepared.len() >= capacity {
            let Some(oldest) = c
                .prepared
                .iter()
                .min_by_key(|(_, (_, last))| *last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            c.prepared.remove(&oldest);
        }
        c.prepared.insert(id, (p.clone(), now));
        Some(p)
    }
}

/// What tells keys apart in the cache: the SPKI and the distinguishing ID.
fn cache_id(key: &PublicKey) -> Vec<u8> {
    let mut id = key.to_spki_der().to_vec();
    if let Some(d) = key.dist_id() {
        id.push(0);
        id.extend_from_slice(d.as_str().as_bytes());
    }
    id
}

/// What tells remembered signatures apart: the key (as [`cache_id`]), the digest of what
/// was signed (for SM2 it includes Z, so the key and ID again) and the signature.
fn remembered_id(key: &PublicKey, e: &Prehash, signature: &Signature) -> Vec<u8> {
    let mut id = cache_id(key);
    id.extend_from_slice(e.digest());
    id.extend_from_slice(&signature.to_raw());
    id
}

impl SignatureVerifier for PreparedKeys {
    fn verify_signature(
        &self,
        key: &PublicKey,
        msg: &[u8],
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        self.verify_prehash_with_table(key, &key.prehash(msg), signature)
    }

    fn verify_issued(
        &self,
        key: &PublicKey,
        tbs: &[u8],
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        let e = key.prehash(tbs);
        let id = remembered_id(key, &e, signature);
        if self.lock().verified.contains(&id) {
            return Ok(());
        }
        self.verify_prehash_with_table(key, &e, signature)?;
        let mut c = self.lock();
        if c.verified.len() >= PreparedKeys::MAX_REMEMBERED {
            c.verified.clear();
        }
        c.verified.insert(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{PrivateKey, Signer};

    #[test]
    fn keys_are_prepared_on_second_use_within_the_budget() {
        let keys = PreparedKeys::new(2 * PreparedKey::TABLE_BYTES);
        let signers: Vec<PrivateKey> = (0..3)
            .map(|_| PrivateKey::generate(Algorithm::Sm2Sm3).unwrap())
            .collect();
        let msg = b"licence";
        for (i, sk) in signers.iter().enumerate() {
            let sig = sk.sign(msg).unwrap();
            keys.verify_signature(sk.public_key(), msg, &sig).unwrap();
            assert_eq!(keys.usage().0, i.min(2), "first use prepares nothing");
            keys.verify_signature(sk.public_key(), msg, &sig).unwrap();
            assert_eq!(keys.usage().0, (i + 1).min(2), "second use prepares");
            // A wrong signature is still refused through the table.
            let other = signers[(i + 1) % 3].sign(msg).unwrap();
            assert!(keys.verify_signature(sk.public_key(), msg, &other).is_err());
        }
        assert_eq!(keys.usage(), (2, 2 * PreparedKey::TABLE_BYTES));
        // No budget: nothing is ever prepared.
        let none = PreparedKeys::new(0);
        let sig = signers[0].sign(msg).unwrap();
        for _ in 0..3 {
            none.verify_signature(signers[0].public_key(), msg, &sig)
                .unwrap();
        }
        assert_eq!(none.usage().0, 0);
    }

    #[test]
    fn issued_signatures_are_remembered_only_as_they_verified() {
        let keys = PreparedKeys::default();
        let (a, b) = (
            PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap(),
            PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap(),
        );
        let tbs = b"tbsCertificate";
        let sig = a.sign(tbs).unwrap();
        for _ in 0..3 {
            keys.verify_issued(a.public_key(), tbs, &sig).unwrap();
        }
        assert_eq!(keys.remembered(), 1);
        // The same signature under another key (for P-256 the digest is the same), over
        // other bytes, or another signature: checked, refused, not remembered.
        assert!(keys.verify_issued(b.public_key(), tbs, &sig).is_err());
        assert!(
            keys.verify_issued(a.public_key(), b"tbsCertificatE", &sig)
                .is_err()
        );
        let other = b.sign(tbs).unwrap();
        assert!(keys.verify_issued(a.public_key(), tbs, &other).is_err());
        assert_eq!(keys.remembered(), 1);
        // A document's signature is never answered from memory.
        assert!(keys.verify_signature(b.public_key(), tbs, &sig).is_err());
    }
}
