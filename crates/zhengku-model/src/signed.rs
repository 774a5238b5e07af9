//! The signed licence (签名的电子证照数据): canonical record bytes, the algorithm, the key id and
//! the signature, in one deterministic CBOR value.
//!
//! # Encoding (format version 1)
//! ```text
//! SignedLicence = [ 1,                      ; format version
//!                   record : bstr,          ; LicenceRecord::to_canonical_cbor()
//!                   alg    : tstr,          ; "SM2-SM3" | "ECDSA-P256-SHA256"
//!                   kid    : bstr .size 8,  ; zhengku_crypto::KeyId of the signing key
//!                   sig    : bstr .size 64 ] ; raw r || s
//! ```
//! The signature covers not the record bytes alone but the deterministic CBOR encoding of
//! ```text
//! ToBeSigned = [ "zhengku-licence", 1, alg, kid, record ]
//! ```
//! so the algorithm and key id are bound to the signature (no substitution), and a
//! signature made for another purpose with the same key (a seal, a PDF, a QR payload, each
//! with its own context string) can never pass as a licence signature.
//!
//! Decoding is strict: the whole value is deterministic CBOR with nothing after it, and the
//! record inside is strictly canonical too, so every signed licence has exactly one byte
//! string, and decode-then-encode is byte-identical.

use zhengku_cbor::{DecodeError, Limits, Value};
use zhengku_crypto::{
    Algorithm, AsyncSigner, KeyId, PublicKey, SignError, Signature, SignatureError, Signer,
    VerifyError,
};

use crate::record::{LicenceRecord, MAX_RECORD_LEN, RecordError};

/// The signed-licence format version this code reads and writes.
pub const SIGNED_FORMAT_VERSION: u64 = 1;

/// Context string that starts every licence to-be-signed structure.
pub const SIGNATURE_CONTEXT: &str = "zhengku-licence";

/// Largest signed licence accepted: the largest record plus the envelope.
pub const MAX_SIGNED_LEN: usize = MAX_RECORD_LEN + 256;

/// Why a signed licence could not be read or did not verify.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignedError {
    /// Over [`MAX_SIGNED_LEN`]; refused before decoding.
    #[error("signed licence is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not deterministic CBOR, or bytes after it.
    #[error("signed licence is not canonical CBOR: {0}")]
    Cbor(#[from] DecodeError),
    /// Not a five-element array of the right types.
    #[error("signed licence is malformed: {0}")]
    Shape(&'static str),
    /// A format version this code does not read.
    #[error(
        "unsupported signed-licence format version {found} (this library reads version {SIGNED_FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// An algorithm name zhengku does not know.
    #[error("unknown signature algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The signature bytes are malformed.
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    /// The record inside is not a valid canonical record.
    #[error("record: {0}")]
    Record(#[from] RecordError),
    /// Verified with a key other than the one the licence names.
    #[error("licence was signed by key {signed_by}, not by the given key {given}")]
    WrongKey {
        /// Key id in the licence.
        signed_by: KeyId,
        /// Key id of the key offered.
        given: KeyId,
    },
    /// The signature does not verify.
    #[error("signature does not verify: {0}")]
    Verify(#[from] VerifyError),
}

/// A licence record with its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedLicence {
    record: LicenceRecord,
    record_bytes: Vec<u8>,
    key_id: KeyId,
    signature: Signature,
}

/// The bytes a licence signature covers.
fn to_be_signed(alg: Algorithm, key_id: &KeyId, record_bytes: &[u8]) -> Vec<u8> {
    zhengku_cbor::encode(&Value::array(vec![
        Value::text(SIGNATURE_CONTEXT),
        Value::unsigned(SIGNED_FORMAT_VERSION),
        Value::text(alg.name()),
        Value::bytes(key_id.as_bytes().to_vec()),
        Value::bytes(record_bytes.to_vec()),
    ]))
}

impl SignedLicence {
    /// Signs `record` with `signer`.
    pub fn sign(record: LicenceRecord, signer: &impl Signer) -> Result<Self, SignError> {
        let record_bytes = record.to_canonical_cbor();
        let key_id = signer.key_id();
        let tbs = to_be_signed(signer.algorithm(), &key_id, &record_bytes);
        let signature = signer.sign(&tbs)?;
        Ok(SignedLicence {
            record,
            record_bytes,
            key_id,
            signature,
        })
    }

    /// Signs `record` with a signer that waits (an HSM behind a network, a remote service).
    pub async fn sign_async(
        record: LicenceRecord,
        signer: &impl AsyncSigner,
    ) -> Result<Self, SignError> {
        let record_bytes = record.to_canonical_cbor();
        let public = signer.public_key();
        let key_id = public.key_id();
        let tbs = to_be_signed(public.algorithm(), &key_id, &record_bytes);
        let signature = signer.sign_async(&tbs).await?;
        Ok(SignedLicence {
            record,
            record_bytes,
            key_id,
            signature,
        })
    }

    /// The deterministic encoding (format version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        zhengku_cbor::encode(&Value::array(vec![
            Value::unsigned(SIGNED_FORMAT_VERSION),
            Value::bytes(self.record_bytes.clone()),
            Value::text(self.signature.algorithm().name()),
            Value::bytes(self.key_id.as_bytes().to_vec()),
            Value::bytes(self.signature.to_raw().to_vec()),
        ]))
    }

    /// Reads a signed licence, strictly. This checks form only; call
    /// [`SignedLicence::verify`] with the issuer's key to check the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignedError> {
        if bytes.len() > MAX_SIGNED_LEN {
            return Err(SignedError::TooLarge {
                len: bytes.len(),
                max: MAX_SIGNED_LEN,
            });
        }
        let limits = Limits::new(MAX_SIGNED_LEN, 4, 16);
        let value = zhengku_cbor::decode(bytes, &limits)?;
        let items = value
            .as_array()
            .ok_or(SignedError::Shape("not a CBOR array"))?;
        let [version, record, alg, kid, sig] = items else {
            return Err(SignedError::Shape("array must have 5 elements"));
        };
        let version = version
            .as_u64()
            .ok_or(SignedError::Shape("version is not an unsigned integer"))?;
        if version != SIGNED_FORMAT_VERSION {
            return Err(SignedError::UnsupportedVersion { found: version });
        }
        let record_bytes = record
            .as_bytes()
            .ok_or(SignedError::Shape("record is not a byte string"))?;
        let alg_name = alg
            .as_text()
            .ok_or(SignedError::Shape("algorithm is not a text string"))?;
        // Strict on input: only the exact stable names, not the CLI aliases.
        let alg = Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == alg_name)
            .ok_or_else(|| SignedError::UnknownAlgorithm(alg_name.to_owned()))?;
        let key_id = kid
            .as_bytes()
            .and_then(KeyId::from_slice)
            .ok_or(SignedError::Shape("key id is not an 8-byte byte string"))?;
        let sig = sig
            .as_bytes()
            .ok_or(SignedError::Shape("signature is not a byte string"))?;
        let signature = Signature::from_raw(alg, sig)?;
        let record = LicenceRecord::from_canonical_cbor(record_bytes)?;
        Ok(SignedLicence {
            record,
            record_bytes: record_bytes.to_vec(),
            key_id,
            signature,
        })
    }

    /// Verifies the signature with `key`, which must be the key the licence names.
    ///
    /// Whether `key` belongs to the issuer named in the record, and whether its certificate
    /// was valid at signing time, is the caller's (the verification engine's) question.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignedError> {
        self.verify_with(key, &zhengku_crypto::Direct)
    }

    /// [`SignedLicence::verify`], with the signature checked by `verifier` (a verifier's
    /// cache of prepared keys).
    pub fn verify_with(
        &self,
        key: &PublicKey,
        verifier: &dyn zhengku_crypto::SignatureVerifier,
    ) -> Result<(), SignedError> {
        if key.key_id() != self.key_id {
            return Err(SignedError::WrongKey {
                signed_by: self.key_id,
                given: key.key_id(),
            });
        }
        let tbs = to_be_signed(self.signature.algorithm(), &self.key_id, &self.record_bytes);
        verifier.verify_signature(key, &tbs, &self.signature)?;
        Ok(())
    }

    /// The record (not yet trustworthy until [`SignedLicence::verify`] passed).
    pub fn record(&self) -> &LicenceRecord {
        &self.record
    }

    /// The record's canonical bytes, exactly as signed.
    pub fn record_bytes(&self) -> &[u8] {
        &self.record_bytes
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.signature.algorithm()
    }

    /// The signing key's id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing::sample_record;
    use zhengku_crypto::PrivateKey;

    fn signed(alg: Algorithm) -> (PrivateKey, SignedLicence) {
        let key = PrivateKey::generate(alg).unwrap();
        let lic = SignedLicence::sign(sample_record(), &key).unwrap();
        (key, lic)
    }

    #[test]
    fn signs_verifies_and_round_trips_byte_identically() {
        for alg in Algorithm::ALL {
            let (key, lic) = signed(alg);
            lic.verify(key.public_key()).unwrap();
            let bytes = lic.to_bytes();
            let back = SignedLicence::from_bytes(&bytes).unwrap();
            assert_eq!(back, lic);
            assert_eq!(back.to_bytes(), bytes);
            back.verify(key.public_key()).unwrap();
            assert_eq!(back.record(), &sample_record());
        }
    }

    /// The signature binds the algorithm and key id too: a licence signed by one key does
    /// not verify under another key, even one that claims the same id.
    #[test]
    fn other_keys_are_refused() {
        let (_, lic) = signed(Algorithm::Sm2Sm3);
        let other = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        assert!(matches!(
            lic.verify(other.public_key()),
            Err(SignedError::WrongKey { .. })
        ));
    }

    #[test]
    fn rejects_bad_envelopes_with_their_own_errors() {
        let (_, lic) = signed(Algorithm::EcdsaP256Sha256);
        let bytes = lic.to_bytes();

        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            SignedLicence::from_bytes(&trailing),
            Err(SignedError::Cbor(_))
        ));

        let huge = vec![0u8; MAX_SIGNED_LEN + 1];
        assert!(matches!(
            SignedLicence::from_bytes(&huge),
            Err(SignedError::TooLarge { .. })
        ));

        // Version 2.
        let mut v2 = bytes.clone();
        assert_eq!(v2[1], 0x01);
        v2[1] = 0x02;
        assert_eq!(
            SignedLicence::from_bytes(&v2),
            Err(SignedError::UnsupportedVersion { found: 2 })
        );

        // Non-canonical: the version written as a one-byte-argument integer (0x18 0x01).
        let mut nc = vec![bytes[0], 0x18, 0x01];
        nc.extend_from_slice(&bytes[2..]);
        assert!(matches!(
            SignedLicence::from_bytes(&nc),
            Err(SignedError::Cbor(_))
        ));

        // Four elements.
        let short = zhengku_cbor::encode(&Value::array(vec![
            Value::unsigned(1),
            Value::bytes(lic.record_bytes().to_vec()),
            Value::text("SM2-SM3"),
            Value::bytes(vec![0; 8]),
        ]));
        assert!(matches!(
            SignedLicence::from_bytes(&short),
            Err(SignedError::Shape(_))
        ));

        let unknown = zhengku_cbor::encode(&Value::array(vec![
            Value::unsigned(1),
            Value::bytes(lic.record_bytes().to_vec()),
            Value::text("RSA"),
            Value::bytes(vec![0; 8]),
            Value::bytes(vec![1; 64]),
        ]));
        assert_eq!(
            SignedLicence::from_bytes(&unknown),
            Err(SignedError::UnknownAlgorithm("RSA".into()))
        );
    }

    /// Every one-byte change anywhere in a signed licence — record, algorithm, key id or
    /// signature — is refused, either when reading or when verifying.
    #[test]
    fn every_single_byte_change_fails() {
        for alg in Algorithm::ALL {
            let (key, lic) = signed(alg);
            let bytes = lic.to_bytes();
            let mut checked = 0;
            for i in 0..bytes.len() {
                for delta in [0x01u8, 0x20, 0x80, 0xFF] {
                    let mut v = bytes.clone();
                    v[i] ^= delta;
                    if let Ok(parsed) = SignedLicence::from_bytes(&v) {
                        assert!(
                            parsed.verify(key.public_key()).is_err(),
                            "{alg}: byte {i} ^ {delta:#04x} still verifies"
                        );
                    }
                    checked += 1;
                }
            }
            assert_eq!(checked, bytes.len() * 4);
        }
    }
}
