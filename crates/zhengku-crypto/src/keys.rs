//! Public and private keys: reading them leniently, writing them in one canonical form,
//! naming them by a stable key id, and the SM2 distinguishing ID that belongs to a key.
//!
//! # What is accepted
//! - Public keys: DER or PEM (`PUBLIC KEY`) SubjectPublicKeyInfo whose algorithm is
//!   id-ecPublicKey with the named curve prime256v1 or sm2p256v1 (GM/T 0015), or — as written
//!   by OpenSSL 1.1.1 and some Chinese toolkits — the sm2p256v1 OID as the algorithm itself.
//!   Compressed or uncompressed points.
//! - Private keys: PKCS#8 (`PRIVATE KEY`, RFC 5208/5958) or SEC1 (`EC PRIVATE KEY`,
//!   RFC 5915) holding a named curve. An embedded public key must match the private scalar.
//!
//! # What is produced
//! One form only, the form OpenSSL 3 writes: id-ecPublicKey + named curve, uncompressed point;
//! PKCS#8 v1 wrapping a SEC1 ECPrivateKey with its public key and without curve parameters
//! (they are in the PKCS#8 algorithm identifier).
//!
//! # Key id
//! [`KeyId`] = the first 8 bytes of SHA-256 over the canonical DER SubjectPublicKeyInfo
//! (above). It is computed after re-encoding, so the same key read from a compressed point or
//! an old-style SM2 SPKI gets the same id. It does not depend on the SM2 distinguishing ID.
//! Like the `kid` of the EU Digital COVID Certificate it is a lookup hint, not a security
//! boundary: a verifier that finds a key by id still verifies the signature with that key.

use core::fmt;

use der::{Decode, asn1::ObjectIdentifier};
use p256::ecdsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use sm2::elliptic_curve::{
    Group, PrimeField,
    ops::{MulByGeneratorVartime, Reduce},
    point::AffineCoordinates,
    sec1::ToSec1Point,
};
use zeroize::{Zeroize, Zeroizing};
use zhengku_der::pem::PemError;

use crate::digest::{Hasher, sha256, sm3};
use crate::error::{KeyError, SignError, VerifyError};
use crate::oid;
use crate::{Algorithm, Prehash, Signature};

/// The default SM2 distinguishing ID of GM/T 0009: the ASCII string `1234567812345678`.
pub const DEFAULT_DIST_ID: &str = "1234567812345678";

/// 用户身份标识 ID (SM2 distinguishing identifier), hashed into Z_A before signing.
///
/// Signer and verifier must use the same ID; zhengku uses [`DEFAULT_DIST_ID`] unless a key is
/// configured otherwise.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DistId(String);

impl DistId {
    /// A distinguishing ID; at most 8191 bytes because its bit length is a 16-bit field.
    pub fn new(id: impl Into<String>) -> Result<Self, KeyError> {
        let id = id.into();
        if id.len() > usize::from(u16::MAX) / 8 {
            return Err(KeyError::DistIdTooLong { len: id.len() });
        }
        Ok(DistId(id))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for DistId {
    fn default() -> Self {
        DistId(DEFAULT_DIST_ID.to_owned())
    }
}

impl fmt::Debug for DistId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistId({:?})", self.0)
    }
}

/// A short, stable name for a public key (see the module docs for its derivation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// Length in bytes.
    pub const LEN: usize = 8;

    /// Wraps bytes read from an encoding.
    pub fn from_bytes(bytes: [u8; 8]) -> Self {
        KeyId(bytes)
    }

    /// Reads a key id from a byte slice of exactly [`KeyId::LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(KeyId)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    fn of_spki(spki: &[u8]) -> Self {
        let h = sha256(spki);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h[..8]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl core::str::FromStr for KeyId {
    type Err = hex::FromHexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut id = [0u8; 8];
        hex::decode_to_slice(s, &mut id)?;
        Ok(KeyId(id))
    }
}

/// Fills `buf` from the operating system's random generator (for nonces, serial numbers,
/// tokens); the same source keys and signature nonces come from.
pub fn fill_random(buf: &mut [u8]) -> Result<(), KeyError> {
    getrandom::fill(buf).map_err(|e| KeyError::Random(e.to_string()))
}

/// A public key with what verification needs precomputed (SM2: Z_A; both: the point).
#[derive(Clone)]
pub struct PublicKey {
    inner: PublicInner,
    spki: Vec<u8>,
    key_id: KeyId,
}

#[derive(Clone)]
enum PublicInner {
    Sm2 {
        point: sm2::ProjectivePoint,
        dist_id: DistId,
        /// Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), GM/T 0003.2 §5.5.
        z: [u8; 32],
    },
    P256(p256::ecdsa::VerifyingKey),
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki == other.spki && self.dist_id() == other.dist_id()
    }
}
impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PublicKey");
        d.field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id);
        if let Some(id) = self.dist_id() {
            d.field("dist_id", id);
        }
        d.finish()
    }
}

/// SPKI prefix for an uncompressed point: SEQUENCE { SEQUENCE { id-ecPublicKey, curve },
/// BIT STRING (0 unused bits) 04 || X || Y }. Both curve OIDs are 10 bytes of DER, so the
/// lengths (0x59 total, 0x13 algorithm, 0x42 bit string) are the same for both.
fn spki_prefix(alg: Algorithm) -> [u8; 26] {
    let mut p = [0u8; 26];
    p[..4].copy_from_slice(&[0x30, 0x59, 0x30, 0x13]);
    p[4..13].copy_from_slice(oid::DER_EC_PUBLIC_KEY);
    p[13..23].copy_from_slice(curve_der(alg));
    p[23..].copy_from_slice(&[0x03, 0x42, 0x00]);
    p
}

fn curve_der(alg: Algorithm) -> &'static [u8] {
    match alg {
        Algorithm::Sm2Sm3 => oid::DER_SM2P256V1,
        Algorithm::EcdsaP256Sha256 => oid::DER_PRIME256V1,
    }
}

fn der_error(what: &'static str, e: der::Error) -> KeyError {
    if matches!(e.kind(), der::ErrorKind::TrailingData { .. }) {
        KeyError::TrailingBytes { what }
    } else {
        KeyError::Der {
            what,
            detail: e.to_string(),
        }
    }
}

/// Which of our curves an AlgorithmIdentifier names.
fn curve_of(alg: &spki::AlgorithmIdentifierRef<'_>) -> Result<Algorithm, KeyError> {
    let ec_public_key = ObjectIdentifier::new_unwrap(oid::EC_PUBLIC_KEY);
    let sm2 = ObjectIdentifier::new_unwrap(oid::SM2P256V1);
    if alg.oid == sm2 {
        // Old-style SM2 SPKI: the curve OID is the algorithm; parameters absent or NULL.
        return Ok(Algorithm::Sm2Sm3);
    }
    if alg.oid != ec_public_key {
        return Err(KeyError::NotEcKey {
            oid: alg.oid.to_string(),
        });
    }
    let params = alg.parameters.as_ref().ok_or(KeyError::MissingCurve)?;
    let curve = params
        .decode_as::<ObjectIdentifier>()
        .map_err(|_| KeyError::MissingCurve)?;
    curve_from_oid(&curve)
}

fn curve_from_oid(curve: &ObjectIdentifier) -> Result<Algorithm, KeyError> {
    Algorithm::ALL
        .into_iter()
        .find(|a| curve.to_string() == a.curve_oid())
        .ok_or_else(|| KeyError::WrongCurve {
            oid: curve.to_string(),
        })
}

/// GM/T 0003.5 curve parameters a, b, xG, yG, in the order Z_A hashes them.
const SM2_CURVE_PARAMS: [u8; 128] = {
    let hex = b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC\
28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93\
32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7\
BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
    let mut out = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        out[i] = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
};

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit"),
    }
}

fn sm2_z(dist_id: &DistId, uncompressed: &[u8; 65]) -> [u8; 32] {
    let id = dist_id.as_str().as_bytes();
    // DistId::new bounds the length to 8191 bytes, so the bit length fits in 16 bits.
    let entl = (id.len() * 8) as u16;
    let mut buf = Vec::with_capacity(2 + id.len() + 128 + 64);
    buf.extend_from_slice(&entl.to_be_bytes());
    buf.extend_from_slice(id);
    buf.extend_from_slice(&SM2_CURVE_PARAMS);
    buf.extend_from_slice(&uncompressed[1..]);
    sm3(&buf)
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| der_error("SubjectPublicKeyInfo", e))?;
        let alg = curve_of(&spki.algorithm)?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or(KeyError::InvalidPoint {
                alg,
                detail: "BIT STRING has unused bits",
            })?;
        Self::from_sec1_point(alg, point)
    }

    /// Reads a PEM `PUBLIC KEY` (text around the armour is ignored).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::PemLabel {
                expected: "PUBLIC KEY",
                found: label,
            });
        }
        Self::from_spki_der(&der)
    }

    /// Reads a SEC1 point (`04 || X || Y`, or compressed `02/03 || X`) on `alg`'s curve.
    pub fn from_sec1_point(alg: Algorithm, point: &[u8]) -> Result<Self, KeyError> {
        let shape_ok = matches!(
            (point.len(), point.first()),
            (65, Some(4)) | (33, Some(2 | 3))
        );
        if !shape_ok {
            return Err(KeyError::InvalidPoint {
                alg,
                detail: "not a SEC1 point encoding (04||X||Y or 02/03||X)",
            });
        }
        let not_on_curve = KeyError::InvalidPoint {
            alg,
            detail: "point is not on the curve or is the identity",
        };
        let inner = match alg {
            Algorithm::Sm2Sm3 => {
                let pk = sm2::PublicKey::from_sec1_bytes(point).map_err(|_| not_on_curve)?;
                // The affine point as read: no inversion (a key is parsed for every
                // certificate a verification meets).
                let bytes = sm2_uncompressed(&pk);
                let dist_id = DistId::default();
                let z = sm2_z(&dist_id, &bytes);
                let inner = PublicInner::Sm2 {
                    point: pk.to_projective(),
                    dist_id,
                    z,
                };
                return Ok(Self::from_parts(inner, Algorithm::Sm2Sm3, bytes));
            }
            Algorithm::EcdsaP256Sha256 => PublicInner::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| not_on_curve)?,
            ),
        };
        Ok(Self::from_inner(inner))
    }

    fn from_inner(inner: PublicInner) -> Self {
        let (alg, point) = match &inner {
            PublicInner::Sm2 { point, .. } => (Algorithm::Sm2Sm3, sm2_point_bytes(point)),
            PublicInner::P256(vk) => {
                let ep = vk.as_affine().to_sec1_point(false);
                let mut out = [0u8; 65];
                out.copy_from_slice(ep.as_bytes());
                (Algorithm::EcdsaP256Sha256, out)
            }
        };
        Self::from_parts(inner, alg, point)
    }

    /// A key from its parts, its uncompressed point already known.
    fn from_parts(inner: PublicInner, alg: Algorithm, point: [u8; 65]) -> Self {
        let mut spki = Vec::with_capacity(91);
        spki.extend_from_slice(&spki_prefix(alg));
        spki.extend_from_slice(&point);
        let key_id = KeyId::of_spki(&spki);
        PublicKey {
            inner,
            spki,
            key_id,
        }
    }

    /// The same key with another SM2 distinguishing ID. Fails for P-256 keys, which have none.
    pub fn with_dist_id(&self, dist_id: DistId) -> Result<Self, KeyError> {
        match &self.inner {
            PublicInner::Sm2 { point, .. } => {
                // The point as the SPKI holds it: no inversion.
                let z = sm2_z(&dist_id, &self.to_sec1_uncompressed());
                Ok(PublicKey {
                    inner: PublicInner::Sm2 {
                        point: *point,
                        dist_id,
                        z,
                    },
                    spki: self.spki.clone(),
                    key_id: self.key_id,
                })
            }
            PublicInner::P256(_) => Err(KeyError::DistIdNotApplicable(self.algorithm())),
        }
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            PublicInner::Sm2 { .. } => Algorithm::Sm2Sm3,
            PublicInner::P256(_) => Algorithm::EcdsaP256Sha256,
        }
    }

    /// The SM2 distinguishing ID, or `None` for P-256.
    pub fn dist_id(&self) -> Option<&DistId> {
        match &self.inner {
            PublicInner::Sm2 { dist_id, .. } => Some(dist_id),
            PublicInner::P256(_) => None,
        }
    }

    /// The stable key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Canonical DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Canonical PEM `PUBLIC KEY`.
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki)
    }

    /// The uncompressed SEC1 point `04 || X || Y`.
    pub fn to_sec1_uncompressed(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out.copy_from_slice(&self.spki[26..]);
        out
    }

    /// Starts hashing a message for this key: SM2 keys begin with Z_A, so the result is
    /// e = SM3(Z_A || M); P-256 keys compute SHA-256(M).
    pub fn message_hasher(&self) -> MessageHasher {
        let alg = self.algorithm();
        let mut hasher = Hasher::new(alg.digest());
        if let PublicInner::Sm2 { z, .. } = &self.inner {
            hasher.update(z);
        }
        MessageHasher { alg, hasher }
    }

    /// The prehash of `msg` that this key's signatures cover.
    pub fn prehash(&self, msg: &[u8]) -> Prehash {
        let mut h = self.message_hasher();
        h.update(msg);
        h.finalize()
    }

    /// Verifies `signature` over `msg`.
    pub fn verify(&self, msg: &[u8], signature: &Signature) -> Result<(), VerifyError> {
        self.verify_prehash(&self.prehash(msg), signature)
    }

    /// Verifies `signature` over an already computed prehash. Runs the fast arithmetic with
    /// the generator's table (`fastverify`); a key that verifies many signatures is better
    /// [prepared](Self::prepare).
    pub fn verify_prehash(
        &self,
        prehash: &Prehash,
        signature: &Signature,
    ) -> Result<(), VerifyError> {
        self.verify_prehash_with(prehash, signature, None)
    }

    /// [`Self::verify_prehash`] with the key's fast form when the caller holds one (a
    /// prepared key), else one made here.
    pub(crate) fn verify_prehash_with(
        &self,
        prehash: &Prehash,
        signature: &Signature,
        fast: Option<&crate::prepared::Fast>,
    ) -> Result<(), VerifyError> {
        let alg = self.algorithm();
        for other in [signature.algorithm(), prehash.algorithm()] {
            if other != alg {
                return Err(VerifyError::AlgorithmMismatch {
                    key: alg,
                    signature: other,
                });
            }
        }
        let fast_answer = match fast {
            Some(f) => f.verify(prehash.digest(), signature),
            None => {
                crate::prepared::Fast::of(self).and_then(|f| f.verify(prehash.digest(), signature))
            }
        };
        let ok = match fast_answer {
            Some(ok) => ok,
            None => self.verify_with_curve_crate(prehash, signature)?,
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::Invalid(alg))
        }
    }

    /// The curve crates' own verification: the reference the fast path is tested against,
    /// and its fallback.
    #[doc(hidden)]
    pub fn verify_with_curve_crate(
        &self,
        prehash: &Prehash,
        signature: &Signature,
    ) -> Result<bool, VerifyError> {
        let alg = self.algorithm();
        let ok = match &self.inner {
            PublicInner::Sm2 { point, .. } => sm2_verify(point, prehash.digest(), signature),
            PublicInner::P256(vk) => {
                let sig = p256::ecdsa::Signature::from_scalars(*signature.r(), *signature.s())
                    .map_err(|_| VerifyError::Invalid(alg))?;
                vk.verify_prehash(prehash.digest(), &sig).is_ok()
            }
        };
        Ok(ok)
    }
}

/// `04 || X || Y` of a public key, from its affine point (no inversion).
fn sm2_uncompressed(pk: &sm2::PublicKey) -> [u8; 65] {
    let ep = pk.as_affine().to_sec1_point(false);
    let mut out = [0u8; 65];
    out.copy_from_slice(ep.as_bytes());
    out
}

fn sm2_point_bytes(point: &sm2::ProjectivePoint) -> [u8; 65] {
    let ep = point.to_affine().to_sec1_point(false);
    let mut out = [0u8; 65];
    out.copy_from_slice(ep.as_bytes());
    out
}

/// SM2 verification, GM/T 0003.2 §7.1 steps B1–B7. Variable time: every input is public.
fn sm2_verify(public: &sm2::ProjectivePoint, e: &[u8; 32], sig: &Signature) -> bool {
    // B1, B2: r, s in [1, n-1] — guaranteed by `Signature`'s constructors, so from_repr
    // cannot fail; treat failure as invalid rather than trusting that.
    let (Some(r), Some(s)) = (
        Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*sig.r()).into())),
        Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*sig.s()).into())),
    ) else {
        return false;
    };
    // B4: e as an integer mod n.
    let e = <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&(*e).into());
    // B5: t = r + s mod n, t != 0.
    let t = r + s;
    if bool::from(t.is_zero()) {
        return false;
    }
    // B6: (x1, y1) = [s]G + [t]P_A, not the point at infinity.
    let point = sm2::ProjectivePoint::mul_by_generator_and_mul_add_vartime(&s, &t, public);
    if bool::from(point.is_identity()) {
        return false;
    }
    // B7: R = e + x1 mod n == r.
    let x1 = <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&point.to_affine().x());
    e + x1 == r
}

/// Streaming computation of a [`Prehash`]; also a [`std::io::Write`].
#[derive(Clone)]
pub struct MessageHasher {
    alg: Algorithm,
    hasher: Hasher,
}

impl MessageHasher {
    /// Feeds message bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
    }

    /// The prehash of everything fed.
    pub fn finalize(self) -> Prehash {
        Prehash::new(self.alg, self.hasher.finalize())
    }
}

impl std::io::Write for MessageHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A private key held in process memory (development keys, and SM2 keys unwrapped from an
/// HSM for one signing call). Secret material is zeroized when it is dropped.
pub struct PrivateKey {
    secret: Secret,
    public: PublicKey,
}

enum Secret {
    Sm2(Sm2Secret),
    P256(p256::ecdsa::SigningKey),
}

/// d and the per-key constant (1 + d)^-1 of SM2 signing step A6, kept so that a signature
/// costs one fixed-base multiplication and no inversion.
struct Sm2Secret {
    d: sm2::Scalar,
    one_plus_d_inv: sm2::Scalar,
}

impl Drop for Sm2Secret {
    fn drop(&mut self) {
        self.d.zeroize();
        self.one_plus_d_inv.zeroize();
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a fresh key from the operating system's random generator.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        // Rejection sampling over 32 random bytes: a candidate fails only if it is 0 or
        // >= n (SM2: also n-1), about 2^-32 for both curves, so the loop practically runs once.
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
            match Self::from_scalar_bytes(alg, &bytes) {
                Ok(k) => return Ok(k),
                Err(KeyError::InvalidPrivateScalar { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Builds a key from its big-endian private scalar.
    pub fn from_scalar_bytes(alg: Algorithm, d: &[u8; 32]) -> Result<Self, KeyError> {
        let invalid = KeyError::InvalidPrivateScalar { alg };
        match alg {
            Algorithm::Sm2Sm3 => {
                let d: sm2::Scalar =
                    Option::from(sm2::Scalar::from_repr((*d).into())).ok_or(invalid.clone())?;
                // d must be in [1, n-2]: 1 + d must be invertible (GM/T 0003.1 §6.1).
                let one_plus_d_inv: sm2::Scalar =
                    Option::from((d + sm2::Scalar::ONE).invert()).ok_or(invalid.clone())?;
                if bool::from(d.is_zero()) {
                    return Err(invalid);
                }
                let point = sm2::ProjectivePoint::mul_by_generator(&d);
                let dist_id = DistId::default();
                let z = sm2_z(&dist_id, &sm2_point_bytes(&point));
                let public = PublicKey::from_inner(PublicInner::Sm2 { point, dist_id, z });
                Ok(PrivateKey {
                    secret: Secret::Sm2(Sm2Secret { d, one_plus_d_inv }),
                    public,
                })
            }
            Algorithm::EcdsaP256Sha256 => {
                let sk = p256::ecdsa::SigningKey::from_slice(d).map_err(|_| invalid)?;
                let public = PublicKey::from_inner(PublicInner::P256(*sk.verifying_key()));
                Ok(PrivateKey {
                    secret: Secret::P256(sk),
                    public,
                })
            }
        }
    }

    /// An SM2 key from its scalar and its already known public key, without recomputing the
    /// public point (the costly part of [`PrivateKey::from_scalar_bytes`]).
    ///
    /// For keys unsealed from authenticated storage that keeps both halves together (an HSM
    /// blob whose AEAD binds the public key): the caller vouches that `public` belongs to
    /// `d`. A wrong pairing cannot leak `d`; it makes signatures that do not verify. `public`
    /// keeps its distinguishing ID.
    pub fn sm2_from_scalar_and_public(d: &[u8; 32], public: &PublicKey) -> Result<Self, KeyError> {
        let alg = Algorithm::Sm2Sm3;
        if public.algorithm() != alg {
            return Err(KeyError::InvalidPrivateScalar { alg });
        }
        let invalid = KeyError::InvalidPrivateScalar { alg };
        let d: sm2::Scalar =
            Option::from(sm2::Scalar::from_repr((*d).into())).ok_or(invalid.clone())?;
        if bool::from(d.is_zero()) {
            return Err(invalid);
        }
        let one_plus_d_inv: sm2::Scalar =
            Option::from((d + sm2::Scalar::ONE).invert()).ok_or(invalid)?;
        Ok(PrivateKey {
            secret: Secret::Sm2(Sm2Secret { d, one_plus_d_inv }),
            public: public.clone(),
        })
    }

    /// Reads PKCS#8 DER (`PrivateKeyInfo`).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info =
            pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| der_error("PKCS#8 key", e))?;
        let alg = curve_of(&info.algorithm)?;
        let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
            .map_err(|e| der_error("ECPrivateKey inside PKCS#8", e))?;
        if let Some(sec1::EcParameters::NamedCurve(curve)) = &ec.parameters {
            if curve_from_oid(curve)? != alg {
                return Err(KeyError::Der {
                    what: "PKCS#8 key",
                    detail: "ECPrivateKey names another curve than the PKCS#8 algorithm".into(),
                });
            }
        }
        let outer_public = info.public_key.as_ref().and_then(|bs| bs.as_bytes());
        Self::from_ec_private_key(alg, &ec, outer_public)
    }

    /// Reads SEC1 DER (`ECPrivateKey` with a named curve).
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        let ec = sec1::EcPrivateKey::from_der(der).map_err(|e| der_error("SEC1 EC key", e))?;
        let alg = match &ec.parameters {
            Some(sec1::EcParameters::NamedCurve(curve)) => curve_from_oid(curve)?,
            None => return Err(KeyError::MissingCurve),
        };
        Self::from_ec_private_key(alg, &ec, None)
    }

    fn from_ec_private_key(
        alg: Algorithm,
        ec: &sec1::EcPrivateKey<'_>,
        outer_public: Option<&[u8]>,
    ) -> Result<Self, KeyError> {
        // RFC 5915 fixes the length at 32 for these curves; accept shorter (leading zeros
        // dropped by some writers) but never longer.
        let raw = ec.private_key;
        if raw.is_empty() || raw.len() > 32 {
            return Err(KeyError::InvalidPrivateScalar { alg });
        }
        let mut d = Zeroizing::new([0u8; 32]);
        d[32 - raw.len()..].copy_from_slice(raw);
        let key = Self::from_scalar_bytes(alg, &d)?;
        for embedded in [ec.public_key, outer_public].into_iter().flatten() {
            let claimed = PublicKey::from_sec1_point(alg, embedded)?;
            if claimed.to_spki_der() != key.public.to_spki_der() {
                return Err(KeyError::PublicKeyMismatch);
            }
        }
        Ok(key)
    }

    /// Reads a PEM private key: `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` / `SM2 PRIVATE KEY`
    /// (SEC1).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        let der = Zeroizing::new(der);
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            // OpenSSL 3's `openssl ec` labels SEC1 SM2 keys "SM2 PRIVATE KEY".
            "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => Self::from_sec1_der(&der),
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::PemLabel {
                expected: "an unencrypted PRIVATE KEY (decrypt it with `openssl pkcs8` first)",
                found: label,
            }),
            _ => Err(KeyError::PemLabel {
                expected: "PRIVATE KEY or EC PRIVATE KEY",
                found: label,
            }),
        }
    }

    /// Canonical PKCS#8 v1 DER, as OpenSSL 3 writes it.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let alg = self.public.algorithm();
        let d = self.scalar_bytes();
        let mut out = Zeroizing::new(Vec::with_capacity(138));
        out.extend_from_slice(&[0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13]);
        out.extend_from_slice(oid::DER_EC_PUBLIC_KEY);
        out.extend_from_slice(curve_der(alg));
        out.extend_from_slice(&[0x04, 0x6D, 0x30, 0x6B, 0x02, 0x01, 0x01, 0x04, 0x20]);
        out.extend_from_slice(d.as_slice());
        out.extend_from_slice(&[0xA1, 0x44, 0x03, 0x42, 0x00]);
        out.extend_from_slice(&self.public.to_sec1_uncompressed());
        out
    }

    /// Canonical PEM `PRIVATE KEY`.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem_encode("PRIVATE KEY", &self.to_pkcs8_der()))
    }

    fn scalar_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        match &self.secret {
            Secret::Sm2(s) => out.copy_from_slice(&s.d.to_repr()),
            Secret::P256(sk) => out.copy_from_slice(&sk.to_bytes()),
        }
        out
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The same key with another SM2 distinguishing ID (an error for P-256).
    pub fn with_dist_id(mut self, dist_id: DistId) -> Result<Self, KeyError> {
        self.public = self.public.with_dist_id(dist_id)?;
        Ok(self)
    }

    fn sign_digest(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        let alg = self.public.algorithm();
        if prehash.algorithm() != alg {
            return Err(SignError::AlgorithmMismatch {
                key: alg,
                prehash: prehash.algorithm(),
            });
        }
        match &self.secret {
            Secret::Sm2(secret) => sm2_sign(secret, prehash.digest()),
            Secret::P256(sk) => {
                let mut rng = getrandom::SysRng;
                let sig: p256::ecdsa::Signature = sk
                    .sign_prehash_with_rng(&mut rng, prehash.digest())
                    .map_err(|_| SignError::Crypto(alg))?;
                Signature::from_scalars(alg, sig.r().to_bytes().into(), sig.s().to_bytes().into())
                    .map_err(|_| SignError::Crypto(alg))
            }
        }
    }
}

/// SM2 signing, GM/T 0003.2 §6.1 steps A3–A7, with k from the OS generator as the
/// standard specifies.
fn sm2_sign(secret: &Sm2Secret, e: &[u8; 32]) -> Result<Signature, SignError> {
    let alg = Algorithm::Sm2Sm3;
    let e = <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&(*e).into());
    // Each attempt fails only with probability about 2^-32 (k out of range) or 2^-256
    // (r = 0, r + k = n, s = 0); 64 attempts failing means the generator is broken.
    for _ in 0..64 {
        let mut k_bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(k_bytes.as_mut_slice()).map_err(|_| SignError::Crypto(alg))?;
        let Some(mut k) = Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*k_bytes).into()))
        else {
            continue;
        };
        if bool::from(k.is_zero()) {
            continue;
        }
        // A4: (x1, y1) = [k]G, constant time with the precomputed base-point table.
        let x1 = sm2::ProjectivePoint::mul_by_generator(&k).to_affine().x();
        // A5: r = e + x1 mod n; retry if r = 0 or r + k = n.
        let r = e + <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&x1);
        if bool::from(r.is_zero() | (r + k).is_zero()) {
            k.zeroize();
            continue;
        }
        // A6: s = (1 + d)^-1 (k - r d) mod n; retry if s = 0.
        let s = secret.one_plus_d_inv * (k - r * secret.d);
        k.zeroize();
        if bool::from(s.is_zero()) {
            continue;
        }
        return Signature::from_scalars(alg, r.to_repr().into(), s.to_repr().into())
            .map_err(|_| SignError::Crypto(alg));
    }
    Err(SignError::Crypto(alg))
}

impl crate::Signer for PrivateKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_prehash(&self, prehash: &Prehash) -> Result<Signature, SignError> {
        self.sign_digest(prehash)
    }
}

/// Decodes the first PEM block in `text`, tolerating explanatory text before and after it
/// (as `openssl x509 -text` and friends write). The splitting is `zhengku_der::pem`'s.
fn decode_pem(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let pem_error = |e: PemError| match e {
        PemError::Invalid(detail) => KeyError::Pem(detail),
        other => KeyError::Pem(other.to_string()),
    };
    let block = zhengku_der::pem::blocks(text)
        .next()
        .ok_or_else(|| KeyError::Pem("no -----BEGIN line".into()))?
        .map_err(pem_error)?;
    let der = block.decode().map_err(pem_error)?;
    Ok((block.label().to_owned(), der))
}

fn pem_encode(label: &'static str, der: &[u8]) -> String {
    // Encoding only fails for labels with invalid characters or lengths beyond usize;
    // both are impossible for our constant labels and key-sized input.
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::Signer;

    #[test]
    fn generated_keys_sign_and_verify_and_round_trip_pkcs8() {
        for alg in Algorithm::ALL {
            let key = PrivateKey::generate(alg).unwrap();
            let sig = key.sign(b"message").unwrap();
            key.public_key().verify(b"message", &sig).unwrap();
            assert_eq!(
                key.public_key().verify(b"messagf", &sig),
                Err(VerifyError::Invalid(alg))
            );
            let der = key.to_pkcs8_der();
            let again = PrivateKey::from_pkcs8_der(&der).unwrap();
            assert_eq!(again.public_key(), key.public_key());
            let pem = key.to_pkcs8_pem();
            let again = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(again.to_pkcs8_der(), der);
            let pub_again = PublicKey::from_pem(&key.public_key().to_pem()).unwrap();
            assert_eq!(&pub_again, key.public_key());
            assert_eq!(pub_again.key_id(), key.public_key().key_id());
        }
    }

    /// Our SM2 signing (cached (1+d)^-1) and verification (vartime) must agree with the
    /// RustCrypto `sm2` crate's independent implementation in both directions.
    #[test]
    fn sm2_agrees_with_rustcrypto_sm2() {
        use p256::ecdsa::signature::{Signer as _, Verifier as _};
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let d = key.scalar_bytes();
        let theirs = sm2::dsa::SigningKey::from_slice(DEFAULT_DIST_ID, d.as_slice()).unwrap();
        for msg in [&b""[..], b"abc", &[7u8; 1000]] {
            let ours = key.sign(msg).unwrap();
            let as_theirs = sm2::dsa::Signature::from_slice(&ours.to_raw()).unwrap();
            theirs.verifying_key().verify(msg, &as_theirs).unwrap();
            let sig: sm2::dsa::Signature = theirs.sign(msg);
            let back = Signature::from_raw(Algorithm::Sm2Sm3, &sig.to_bytes()).unwrap();
            key.public_key().verify(msg, &back).unwrap();
        }
    }

    #[test]
    fn sm2_from_scalar_and_public_signs_like_the_full_constructor() {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let d = key.scalar_bytes();
        let fast = PrivateKey::sm2_from_scalar_and_public(&d, key.public_key()).unwrap();
        key.public_key()
            .verify(b"m", &fast.sign(b"m").unwrap())
            .unwrap();
        assert!(PrivateKey::sm2_from_scalar_and_public(&[0; 32], key.public_key()).is_err());
        let p = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        assert!(PrivateKey::sm2_from_scalar_and_public(&d, p.public_key()).is_err());
        // A wrong pairing yields signatures that fail, not a different valid key.
        let other = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let wrong = PrivateKey::sm2_from_scalar_and_public(&d, other.public_key()).unwrap();
        assert!(
            other
                .public_key()
                .verify(b"m", &wrong.sign(b"m").unwrap())
                .is_err()
        );
    }

    #[test]
    fn dist_id_changes_verification() {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let sig = key.sign(b"m").unwrap();
        let other = key
            .public_key()
            .with_dist_id(DistId::new("ALICE123@YAHOO.COM").unwrap())
            .unwrap();
        assert_eq!(other.key_id(), key.public_key().key_id());
        assert!(other.verify(b"m", &sig).is_err());
        let key = key
            .with_dist_id(DistId::new("ALICE123@YAHOO.COM").unwrap())
            .unwrap();
        other.verify(b"m", &key.sign(b"m").unwrap()).unwrap();
        let p = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        assert!(matches!(
            p.with_dist_id(DistId::default()),
            Err(KeyError::DistIdNotApplicable(_))
        ));
        assert!(matches!(
            DistId::new("x".repeat(8192)),
            Err(KeyError::DistIdTooLong { len: 8192 })
        ));
    }

    #[test]
    fn wrong_algorithm_is_reported() {
        let sm2 = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let p256 = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let sig = p256.sign(b"m").unwrap();
        assert_eq!(
            sm2.public_key().verify(b"m", &sig),
            Err(VerifyError::AlgorithmMismatch {
                key: Algorithm::Sm2Sm3,
                signature: Algorithm::EcdsaP256Sha256
            })
        );
        let ph = p256.public_key().prehash(b"m");
        assert!(matches!(
            sm2.sign_prehash(&ph),
            Err(SignError::AlgorithmMismatch { .. })
        ));
    }

    #[test]
    fn invalid_scalars_are_rejected() {
        for alg in Algorithm::ALL {
            assert!(PrivateKey::from_scalar_bytes(alg, &[0; 32]).is_err());
            assert!(PrivateKey::from_scalar_bytes(alg, alg.order()).is_err());
        }
        // SM2: d = n - 1 makes 1 + d = 0, which has no inverse.
        let mut n1 = *Algorithm::Sm2Sm3.order();
        n1[31] -= 1;
        assert_eq!(
            PrivateKey::from_scalar_bytes(Algorithm::Sm2Sm3, &n1).unwrap_err(),
            KeyError::InvalidPrivateScalar {
                alg: Algorithm::Sm2Sm3
            }
        );
    }

    #[test]
    fn compressed_and_old_style_spki_give_the_same_key_id() {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let pk = key.public_key();
        let unc = pk.to_sec1_uncompressed();
        let mut comp = vec![2 + (unc[64] & 1)];
        comp.extend_from_slice(&unc[1..33]);
        let from_comp = PublicKey::from_sec1_point(Algorithm::Sm2Sm3, &comp).unwrap();
        assert_eq!(from_comp.key_id(), pk.key_id());
        assert_eq!(from_comp.to_spki_der(), pk.to_spki_der());
        // Old-style: SEQUENCE { SEQUENCE { sm2p256v1 }, BIT STRING point }.
        let mut old = vec![0x30, 0x50, 0x30, 0x0A];
        old.extend_from_slice(oid::DER_SM2P256V1);
        old.extend_from_slice(&[0x03, 0x42, 0x00]);
        old.extend_from_slice(&unc);
        assert_eq!(old.len(), 2 + 0x50);
        let from_old = PublicKey::from_spki_der(&old).unwrap();
        assert_eq!(from_old.key_id(), pk.key_id());
    }

    #[test]
    fn malformed_public_keys_get_precise_errors() {
        let key = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let good = key.public_key().to_spki_der().to_vec();

        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            PublicKey::from_spki_der(&trailing),
            Err(KeyError::TrailingBytes {
                what: "SubjectPublicKeyInfo"
            })
        );

        // secp256k1 (1.3.132.0.10) in place of prime256v1: same length DER is not possible,
        // so build the whole SPKI.
        let mut k1 = vec![0x30, 0x56, 0x30, 0x10];
        k1.extend_from_slice(oid::DER_EC_PUBLIC_KEY);
        k1.extend_from_slice(&[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A]);
        k1.extend_from_slice(&[0x03, 0x42, 0x00]);
        k1.extend_from_slice(&key.public_key().to_sec1_uncompressed());
        assert_eq!(
            PublicKey::from_spki_der(&k1),
            Err(KeyError::WrongCurve {
                oid: "1.3.132.0.10".into()
            })
        );

        // A point moved off the curve.
        let mut off = good.clone();
        let last = off.len() - 1;
        off[last] ^= 1;
        assert!(matches!(
            PublicKey::from_spki_der(&off),
            Err(KeyError::InvalidPoint { .. })
        ));

        // A P-256 point labelled as SM2 is (overwhelmingly likely) not on the SM2 curve.
        let mut relabelled = good.clone();
        relabelled[13..23].copy_from_slice(oid::DER_SM2P256V1);
        assert!(matches!(
            PublicKey::from_spki_der(&relabelled),
            Err(KeyError::InvalidPoint {
                alg: Algorithm::Sm2Sm3,
                ..
            })
        ));

        // Non-minimal length in the outer SEQUENCE.
        let mut nonmin = vec![0x30, 0x81, 0x59];
        nonmin.extend_from_slice(&good[2..]);
        assert!(matches!(
            PublicKey::from_spki_der(&nonmin),
            Err(KeyError::Der { .. })
        ));

        // RSA.
        let rsa_alg = [
            0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut rsa = vec![0x30, 0x14];
        rsa.extend_from_slice(&rsa_alg);
        rsa.extend_from_slice(&[0x03, 0x03, 0x00, 0x01, 0x02]);
        assert_eq!(
            PublicKey::from_spki_der(&rsa),
            Err(KeyError::NotEcKey {
                oid: "1.2.840.113549.1.1.1".into()
            })
        );
        assert!(matches!(
            PublicKey::from_pem(&key.to_pkcs8_pem()),
            Err(KeyError::PemLabel { .. })
        ));
    }

    #[test]
    fn private_key_with_foreign_public_key_is_rejected() {
        let a = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let b = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let mut der = a.to_pkcs8_der().to_vec();
        let n = der.len();
        der[n - 65..].copy_from_slice(&b.public_key().to_sec1_uncompressed());
        assert_eq!(
            PrivateKey::from_pkcs8_der(&der).unwrap_err(),
            KeyError::PublicKeyMismatch
        );
    }

    #[test]
    fn key_id_is_documented_derivation() {
        let key = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let h = sha256(key.public_key().to_spki_der());
        assert_eq!(key.public_key().key_id().as_bytes(), &h[..8]);
        let s = key.public_key().key_id().to_string();
        assert_eq!(s.parse::<KeyId>().unwrap(), key.public_key().key_id());
    }
}
