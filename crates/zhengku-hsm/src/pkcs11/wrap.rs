//! SM2 keys on tokens without SM2: sealed under a token-resident AES-256 key with AES-GCM.
//!
//! # Design
//! Each token holds one key-encryption key (KEK): an AES-256 secret key labelled
//! [`KEK_LABEL`], created on first use with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE = true and
//! CKA_EXTRACTABLE = false, allowed only to encrypt and decrypt. An SM2 private scalar is
//! drawn in process memory, encrypted under the KEK inside the token (C_Encrypt,
//! CKM_AES_GCM), and stored as a private CKO_DATA token object under the key's label. To sign,
//! the token decrypts it (C_Decrypt) into zeroizing memory; the key signs once and is dropped.
//!
//! Why AES-GCM through C_Encrypt rather than CKM_AES_KEY_WRAP_PAD through C_WrapKey:
//! - C_UnwrapKey would have to create an SM2 private-key object on a token that does not
//!   know the curve, and then let us read its value back — only possible if it were
//!   extractable and non-sensitive, which defeats the purpose. C_Encrypt/C_Decrypt on plain
//!   bytes needs nothing of the token but AES.
//! - GCM authenticates additional data. The AAD binds the blob to its label and public key,
//!   so a blob copied to another label, or paired with another public key, fails to decrypt
//!   (the token says CKR_ENCRYPTED_DATA_INVALID) instead of signing under the wrong name.
//!   AES key wrap (RFC 5649) has no associated data.
//! - Any token with AES-GCM (SoftHSM2 and practically every HSM) can do it.
//!
//! The 96-bit IV is random for each sealing. One KEK seals only as many blobs as keys are
//! generated, far below the 2^32 random-IV limit of NIST SP 800-38D.
//!
//! # Object layout (CKA_VALUE of the data object)
//! `"ZKW1"` ‖ spki length (u16 big-endian) ‖ DER SubjectPublicKeyInfo ‖ IV (12 bytes) ‖
//! AES-GCM ciphertext of the 32-byte big-endian private scalar ‖ 16-byte tag (48 bytes).
//! The bare scalar rather than PKCS#8: parsing PKCS#8 validates its embedded public point,
//! which made every signature about 25% slower, and the public key is stored beside it.
//! CKA_APPLICATION is [`APPLICATION`]. AAD = `"zhengku-hsm sm2-wrapped v1" 0x00 label 0x00
//! spki` (labels cannot contain NUL). The public key is in clear so that `list` needs no
//! decryption.

use cryptoki::context::Function;
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::types::Ulong;
use zeroize::Zeroizing;
use zhengku_crypto::{Algorithm, KeyError, PrivateKey, PublicKey};

use crate::HsmError;
pub use crate::label::KEK_LABEL;

use super::pool::PooledSession;

/// CKA_APPLICATION of the data objects holding sealed SM2 keys.
pub const APPLICATION: &[u8] = b"zhengku-hsm sm2-wrapped v1";

const MAGIC: &[u8; 4] = b"ZKW1";
const IV_LEN: usize = 12;
const TAG_BITS: u64 = 128;
const TAG_LEN: usize = 16;
const SCALAR_LEN: usize = 32;
/// Bound for hostile or damaged objects: an SPKI of a 256-bit curve is 91 bytes.
const MAX_SPKI: usize = 256;

/// The template of a new KEK.
pub(crate) fn kek_template() -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(Ulong::new(32)),
        Attribute::Label(KEK_LABEL.as_bytes().to_vec()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Wrap(false),
        Attribute::Unwrap(false),
        Attribute::Sign(false),
        Attribute::Verify(false),
        Attribute::Derive(false),
    ]
}

/// A sealed SM2 key as stored on the token.
#[derive(Clone)]
pub(crate) struct Sealed {
    pub(crate) public: PublicKey,
    iv: [u8; IV_LEN],
    ciphertext: Vec<u8>,
}

/// A fresh SM2 key and its scalar (which `PrivateKey` does not hand out), drawn the way
/// `PrivateKey::generate` draws it: uniform over the valid range by rejection.
pub(crate) fn generate_sm2() -> Result<(Zeroizing<[u8; SCALAR_LEN]>, PrivateKey), HsmError> {
    loop {
        let mut d = Zeroizing::new([0u8; SCALAR_LEN]);
        getrandom::fill(d.as_mut_slice())
            .map_err(|e| HsmError::KeyGeneration(KeyError::Random(e.to_string())))?;
        match PrivateKey::from_scalar_bytes(Algorithm::Sm2Sm3, &d) {
            Ok(key) => return Ok((d, key)),
            // 0, >= n or n-1: probability about 2^-32; draw again.
            Err(KeyError::InvalidPrivateScalar { .. }) => continue,
            Err(e) => return Err(HsmError::KeyGeneration(e)),
        }
    }
}

impl Sealed {
    /// Encrypts the scalar `d` of the key `public` under `kek` for `label`.
    pub(crate) fn seal(
        session: &PooledSession<'_>,
        kek: ObjectHandle,
        label: &str,
        d: &Zeroizing<[u8; SCALAR_LEN]>,
        public: &PublicKey,
    ) -> Result<Self, HsmError> {
        let public = public.clone();
        let mut iv = [0u8; IV_LEN];
        getrandom::fill(&mut iv).map_err(|e| HsmError::Cryptoki {
            what: "drawing an IV for sealing an SM2 key".into(),
            detail: format!("random generator failed: {e}"),
        })?;
        let aad = aad(label, &public);
        let ciphertext = session
            .call(|s| {
                let mut iv = iv;
                let params = GcmParams::new(&mut iv, &aad, Ulong::new(TAG_BITS))?;
                s.encrypt(&Mechanism::AesGcm(params), kek, d.as_slice())
            })
            .map_err(|e| HsmError::pkcs11(format!("sealing SM2 key {label:?}"), e))?;
        Ok(Sealed {
            public,
            iv,
            ciphertext,
        })
    }

    /// Has the token decrypt the key for one use, and checks that the scalar really belongs
    /// to the stored public key (one point multiplication). Used once, when a signer is
    /// handed out. The result zeroizes itself when dropped.
    pub(crate) fn open_checked(
        &self,
        session: &PooledSession<'_>,
        kek: ObjectHandle,
        label: &str,
    ) -> Result<PrivateKey, HsmError> {
        let d = self.decrypt(session, kek, label)?;
        let key = PrivateKey::from_scalar_bytes(Algorithm::Sm2Sm3, &d)
            .map_err(|e| self.corrupt(label, format!("decrypted key: {e}")))?;
        // The AAD already binds the public key; this guards against a blob sealed by a
        // buggy writer.
        if key.public_key().to_spki_der() != self.public.to_spki_der() {
            return Err(self.corrupt(
                label,
                "decrypted key does not match the stored public key".into(),
            ));
        }
        Ok(key)
    }

    /// Has the token decrypt the key for one signature. The GCM tag binds the scalar to the
    /// stored public key, and [`SealedSm2::open_checked`] verified the pair when the signer
    /// was made, so the public point is not recomputed here (it would cost more than the
    /// signature itself).
    pub(crate) fn open(
        &self,
        session: &PooledSession<'_>,
        kek: ObjectHandle,
        label: &str,
    ) -> Result<PrivateKey, HsmError> {
        let d = self.decrypt(session, kek, label)?;
        PrivateKey::sm2_from_scalar_and_public(&d, &self.public)
            .map_err(|e| self.corrupt(label, format!("decrypted key: {e}")))
    }

    fn corrupt(&self, label: &str, detail: String) -> HsmError {
        HsmError::CorruptWrappedKey {
            label: label.to_owned(),
            detail,
        }
    }

    /// The token's decryption of the sealed scalar.
    fn decrypt(
        &self,
        session: &PooledSession<'_>,
        kek: ObjectHandle,
        label: &str,
    ) -> Result<Zeroizing<[u8; SCALAR_LEN]>, HsmError> {
        let aad = aad(label, &self.public);
        let plaintext = Zeroizing::new(
            session
                .call(|s| {
                    let mut iv = self.iv;
                    let params = GcmParams::new(&mut iv, &aad, Ulong::new(TAG_BITS))?;
                    s.decrypt(&Mechanism::AesGcm(params), kek, &self.ciphertext)
                })
                .map_err(|e| match e {
                    // A failed GCM tag check: CKR_ENCRYPTED_DATA_INVALID per PKCS#11 3.0;
                    // SoftHSM2 2.6 answers CKR_GENERAL_ERROR.
                    CryptokiError::Pkcs11(
                        rv @ (RvError::EncryptedDataInvalid
                        | RvError::EncryptedDataLenRange
                        | RvError::GeneralError),
                        Function::Decrypt,
                    ) => HsmError::WrappedKeyRejected {
                        label: label.to_owned(),
                        rv,
                    },
                    e => HsmError::pkcs11(format!("unsealing SM2 key {label:?}"), e),
                })?,
        );
        let d: &[u8; SCALAR_LEN] = plaintext.as_slice().try_into().map_err(|_| {
            self.corrupt(
                label,
                format!("decrypted key is {} bytes, not 32", plaintext.len()),
            )
        })?;
        Ok(Zeroizing::new(*d))
    }

    /// CKA_VALUE bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let spki = self.public.to_spki_der();
        let mut out = Vec::with_capacity(4 + 2 + spki.len() + IV_LEN + self.ciphertext.len());
        out.extend_from_slice(MAGIC);
        // SPKIs of our curves are 91 bytes; `decode` bounds the length at MAX_SPKI.
        out.extend_from_slice(&(spki.len() as u16).to_be_bytes());
        out.extend_from_slice(spki);
        out.extend_from_slice(&self.iv);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses CKA_VALUE bytes; never panics on malformed input.
    pub(crate) fn decode(label: &str, bytes: &[u8]) -> Result<Self, HsmError> {
        let corrupt = |detail: &str| HsmError::CorruptWrappedKey {
            label: label.to_owned(),
            detail: detail.to_owned(),
        };
        let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
            corrupt("does not start with \"ZKW1\" (not written by zhengku-hsm v1)")
        })?;
        let (len, rest) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| corrupt("truncated before the public key length"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if len > MAX_SPKI {
            return Err(corrupt("public key length out of range"));
        }
        let (spki, rest) = rest
            .split_at_checked(len)
            .ok_or_else(|| corrupt("truncated inside the public key"))?;
        let public = PublicKey::from_spki_der(spki)
            .map_err(|e| corrupt(&format!("stored public key: {e}")))?;
        if public.algorithm() != Algorithm::Sm2Sm3 {
            return Err(corrupt("stored public key is not an SM2 key"));
        }
        let (iv, ciphertext) = rest
            .split_first_chunk::<IV_LEN>()
            .ok_or_else(|| corrupt("truncated inside the IV"))?;
        if ciphertext.len() != SCALAR_LEN + TAG_LEN {
            return Err(corrupt(
                "ciphertext is not 48 bytes (32-byte key and 16-byte tag)",
            ));
        }
        Ok(Sealed {
            public,
            iv: *iv,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Additional authenticated data: binds a blob to its label and public key.
fn aad(label: &str, public: &PublicKey) -> Vec<u8> {
    let spki = public.to_spki_der();
    let mut aad = Vec::with_capacity(APPLICATION.len() + 2 + label.len() + spki.len());
    aad.extend_from_slice(APPLICATION);
    aad.push(0);
    aad.extend_from_slice(label.as_bytes());
    aad.push(0);
    aad.extend_from_slice(spki);
    aad
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Sealed {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        Sealed {
            public: key.public_key().clone(),
            iv: [7; IV_LEN],
            ciphertext: vec![9; SCALAR_LEN + TAG_LEN],
        }
    }

    #[test]
    fn layout_round_trips() {
        let s = sample();
        let bytes = s.encode();
        assert_eq!(&bytes[..4], b"ZKW1");
        let back = Sealed::decode("k", &bytes).unwrap();
        assert_eq!(back.public, s.public);
        assert_eq!(back.iv, s.iv);
        assert_eq!(back.ciphertext, s.ciphertext);
    }

    #[test]
    fn every_truncation_and_many_corruptions_are_errors_not_panics() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(
                matches!(
                    Sealed::decode("k", &bytes[..n]),
                    Err(HsmError::CorruptWrappedKey { .. })
                ),
                "prefix of {n} bytes"
            );
        }
        for i in 0..4 + 2 + 91 {
            let mut b = bytes.clone();
            b[i] ^= 0x80;
            assert!(Sealed::decode("k", &b).is_err(), "flip at {i}");
        }
        // A P-256 public key in an SM2 slot.
        let p256 = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let mut b = bytes.clone();
        b[6..97].copy_from_slice(p256.public_key().to_spki_der());
        assert!(Sealed::decode("k", &b).is_err());
    }

    #[test]
    fn aad_depends_on_label_and_public_key() {
        let s = sample();
        let other = sample();
        assert_ne!(aad("a", &s.public), aad("b", &s.public));
        assert_ne!(aad("a", &s.public), aad("a", &other.public));
    }
}
