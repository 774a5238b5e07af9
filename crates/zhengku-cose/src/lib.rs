//! COSE_Sign1 (RFC 9052 §4.2), the one signed envelope of zhengku's CBOR artefacts: QR
//! payloads, status-list tokens, the status-list manifest, trust lists and signer lists.
//!
//! A COSE_Sign1 is `[protected: bstr, unprotected: map, payload: bstr, signature: bstr]`,
//! usually wrapped in CBOR tag 18. The signature covers the Sig_structure
//! `["Signature1", protected, external_aad, payload]` (external_aad is always empty here)
//! and is the raw 64-byte `r‖s` of the curve (RFC 9053 §2.1 for ECDSA).
//!
//! Algorithms: ES256 ([`ALG_ES256`], -7) for P-256 and, as COSE registers no SM2 algorithm,
//! zhengku's private-use value [`ALG_SM2_SM3`] (-65792, below -65536) for SM2 with SM3,
//! signed with the key's distinguishing ID (by default `1234567812345678`).
//!
//! What is produced is strict: tag 18, deterministic CBOR, the protected header as a map
//! with `alg` first among its integer keys, an empty unprotected map. What is read is
//! lenient where others differ harmlessly: tag 18 may be missing or preceded by the CWT tag
//! 61 (RFC 8392 §6), and the unprotected header may hold entries (they are not signed, so
//! nothing here trusts them; [`Sign1::unprotected`] gives them to callers that want a
//! `kid` hint), and the CBOR need not be deterministic ([`Sign1::decode`]; zhengku's own
//! formats use [`Sign1::decode_deterministic`]). Either way the bytes signed are the bytes
//! received, never a re-encoding.

use zhengku_cbor::{Limits, Map, Value};
use zhengku_crypto::{Algorithm, PublicKey, SignError, Signature, SignatureVerifier, Signer};

/// COSE algorithm ES256 (ECDSA P-256 with SHA-256).
pub const ALG_ES256: i64 = -7;
/// zhengku's private-use COSE algorithm value for SM2 with SM3.
pub const ALG_SM2_SM3: i64 = -65792;

/// Header label `alg` (RFC 9052 §3.1).
pub const HEADER_ALG: i64 = 1;
/// Header label `content type`.
pub const HEADER_CONTENT_TYPE: i64 = 3;
/// Header label `kid`.
pub const HEADER_KID: i64 = 4;
/// Header label `typ` (RFC 9596).
pub const HEADER_TYP: i64 = 16;

/// The first byte of CBOR tag 18 (COSE_Sign1).
const TAG_SIGN1: u8 = 0xd2;
/// The first two bytes of CBOR tag 61 (CWT, RFC 8392 §6).
const TAG_CWT: [u8; 2] = [0xd8, 0x3d];

/// Why a COSE_Sign1 could not be made, read or verified.
#[derive(Debug, thiserror::Error)]
pub enum CoseError {
    /// The CBOR is not deterministic CBOR, or exceeds the limits.
    #[error("CBOR: {0}")]
    Cbor(#[from] zhengku_cbor::DecodeError),
    /// The structure is not a COSE_Sign1 as described in the crate docs.
    #[error("COSE_Sign1: {0}")]
    Structure(&'static str),
    /// The COSE algorithm is neither ES256 nor zhengku's SM2 value.
    #[error("unsupported COSE algorithm {0}")]
    UnknownAlgorithm(i64),
    /// The signer's algorithm has no COSE value here.
    #[error("no COSE algorithm for {0}")]
    UnsupportedKey(Algorithm),
    /// The key offered is of another algorithm than the envelope's.
    #[error("signed with {signed}, the key is {key}")]
    AlgorithmMismatch {
        /// The envelope's algorithm.
        signed: Algorithm,
        /// The key's algorithm.
        key: Algorithm,
    },
    /// The signature value is malformed.
    #[error("signature: {0}")]
    Signature(#[from] zhengku_crypto::SignatureError),
    /// The signature does not verify.
    #[error("signature does not verify: {0}")]
    Verify(#[from] zhengku_crypto::VerifyError),
    /// The document is of another type than the one expected (its protected `typ`).
    #[error("a {found} document where {expected} was expected")]
    WrongType {
        /// The type expected.
        expected: String,
        /// The type found (`none` when the header has none).
        found: String,
    },
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(#[from] SignError),
}

/// The COSE `alg` value for `alg`, if zhengku has one.
pub fn cose_alg(alg: Algorithm) -> Option<i64> {
    match alg {
        Algorithm::Sm2Sm3 => Some(ALG_SM2_SM3),
        Algorithm::EcdsaP256Sha256 => Some(ALG_ES256),
        _ => None,
    }
}

/// The signature algorithm a COSE `alg` value names.
pub fn algorithm(cose_alg: i64) -> Result<Algorithm, CoseError> {
    match cose_alg {
        ALG_SM2_SM3 => Ok(Algorithm::Sm2Sm3),
        ALG_ES256 => Ok(Algorithm::EcdsaP256Sha256),
        other => Err(CoseError::UnknownAlgorithm(other)),
    }
}

/// The bytes a COSE_Sign1 signature covers: `["Signature1", protected, h'', payload]`.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    zhengku_cbor::encode(&Value::array(vec![
        Value::text("Signature1"),
        Value::bytes(protected.to_vec()),
        Value::bytes(Vec::new()),
        Value::bytes(payload.to_vec()),
    ]))
}

/// Signs `payload` as a COSE_Sign1 (tag 18 included) with `signer`. `header` holds the
/// protected header's other entries (`typ`, `kid`, …); `alg` is added from the signer and
/// must not be in it.
pub fn sign(header: Map, payload: Vec<u8>, signer: &dyn Signer) -> Result<Vec<u8>, CoseError> {
    let alg = signer.algorithm();
    let value = cose_alg(alg).ok_or(CoseError::UnsupportedKey(alg))?;
    let mut header = header;
    header
        .insert(Value::integer(HEADER_ALG), Value::integer(value))
        .map_err(|_| CoseError::Structure("the header given already holds alg"))?;
    let protected = zhengku_cbor::encode(&Value::Map(header));
    let signature = signer.sign(&sig_structure(&protected, &payload))?;
    let mut out = vec![TAG_SIGN1];
    zhengku_cbor::encode_into(
        &Value::array(vec![
            Value::bytes(protected),
            Value::Map(Map::new()),
            Value::bytes(payload),
            Value::bytes(signature.to_raw().to_vec()),
        ]),
        &mut out,
    );
    Ok(out)
}

/// Signs `payload` with the protected header `{1: alg, 4: kid, 16: typ}`: the signer's
/// 8-byte zhengku key id, and the media type (RFC 9596) that says what the payload is, so
/// that no signed document of one type can pass for another (a status list for a manifest,
/// say).
pub fn sign_typed(typ: &str, payload: Vec<u8>, signer: &dyn Signer) -> Result<Vec<u8>, CoseError> {
    let mut header = Map::new();
    // Two distinct keys: the inserts cannot fail.
    let _ = header.insert(
        Value::integer(HEADER_KID),
        Value::bytes(signer.key_id().as_bytes().to_vec()),
    );
    let _ = header.insert(Value::integer(HEADER_TYP), Value::text(typ));
    sign(header, payload, signer)
}

/// Opens one of zhengku's own typed documents (made by [`sign_typed`]): reads it as
/// deterministic CBOR within `limits`, checks that its `typ` is `typ`, and verifies it with
/// `key`. The verified envelope's [`Sign1::payload`] is then the document.
pub fn open_typed(
    bytes: &[u8],
    limits: &Limits,
    typ: &str,
    key: &PublicKey,
    verifier: &dyn SignatureVerifier,
) -> Result<Sign1, CoseError> {
    let envelope = Sign1::decode_deterministic(bytes, limits)?;
    if envelope.typ() != Some(typ) {
        return Err(CoseError::WrongType {
            expected: typ.to_owned(),
            found: envelope.typ().unwrap_or("none").to_owned(),
        });
    }
    envelope.verify(key, verifier)?;
    Ok(envelope)
}

/// One of zhengku's own signed documents (a trust list, a signer list, a status-list
/// manifest): deterministic CBOR in a COSE_Sign1 whose `typ` says which. Implementors say
/// their `typ`, bounds and payload; signing and opening are the same for all.
pub trait TypedDocument: Sized {
    /// The protected header's `typ`, and the document's HTTP media type.
    const TYP: &'static str;
    /// What making or reading the document can fail with.
    type Error: From<CoseError>;
    /// Bounds for reading a signed document.
    fn limits() -> Limits;
    /// The payload, after the checks reading applies (nothing is signed that would not
    /// read back).
    fn payload(&self) -> Result<Vec<u8>, Self::Error>;
    /// Reads a payload strictly.
    fn from_payload(bytes: &[u8]) -> Result<Self, Self::Error>;

    /// Signs the document ([`sign_typed`]).
    fn sign(&self, signer: &dyn Signer) -> Result<Vec<u8>, Self::Error> {
        Ok(sign_typed(Self::TYP, self.payload()?, signer)?)
    }

    /// Reads a signed document and verifies it with `key` ([`open_typed`]).
    fn verify(
        bytes: &[u8],
        key: &PublicKey,
        verifier: &dyn SignatureVerifier,
    ) -> Result<Self, Self::Error> {
        let envelope = open_typed(bytes, &Self::limits(), Self::TYP, key, verifier)?;
        Self::from_payload(envelope.payload())
    }
}

/// A decoded COSE_Sign1, not yet verified: nothing in it is trustworthy until
/// [`Sign1::verify`] succeeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Sign1 {
    alg: Algorithm,
    protected: Vec<u8>,
    header: Map,
    unprotected: Map,
    payload: Vec<u8>,
    signature: Signature,
}

impl Sign1 {
    /// Reads COSE_Sign1 bytes from any producer (crate docs: tags 61 and 18 optional, the
    /// envelope and protected header in well-formed CBOR, deterministic or not), within
    /// `limits` for the envelope and for the protected header.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Sign1, CoseError> {
        Sign1::decode_with(bytes, limits, zhengku_cbor::decode_lenient)
    }

    /// [`Sign1::decode`] for zhengku's own formats: the envelope and the protected header
    /// must be deterministic CBOR, as zhengku writes them.
    pub fn decode_deterministic(bytes: &[u8], limits: &Limits) -> Result<Sign1, CoseError> {
        Sign1::decode_with(bytes, limits, zhengku_cbor::decode)
    }

    fn decode_with(
        bytes: &[u8],
        limits: &Limits,
        decode: fn(&[u8], &Limits) -> Result<Value, zhengku_cbor::DecodeError>,
    ) -> Result<Sign1, CoseError> {
        let mut rest = bytes;
        if let Some(r) = rest.strip_prefix(&TAG_CWT) {
            rest = r;
        }
        if let Some(r) = rest.strip_prefix(&[TAG_SIGN1]) {
            rest = r;
        }
        let v = decode(rest, limits)?;
        let Some([protected, unprotected, payload, signature]) = v.as_array() else {
            return Err(CoseError::Structure("not an array of four"));
        };
        let protected = protected
            .as_bytes()
            .ok_or(CoseError::Structure("protected header is not bytes"))?;
        let unprotected = unprotected
            .as_map()
            .ok_or(CoseError::Structure("unprotected header is not a map"))?
            .clone();
        let payload = payload.as_bytes().ok_or(CoseError::Structure(
            "payload is not bytes (detached payloads are not read)",
        ))?;
        let signature = signature
            .as_bytes()
            .ok_or(CoseError::Structure("signature is not bytes"))?;
        let header = decode(protected, limits)?;
        let header = header
            .as_map()
            .ok_or(CoseError::Structure("protected header is not a map"))?
            .clone();
        let alg = header
            .get(&Value::integer(HEADER_ALG))
            .and_then(Value::as_i64)
            .ok_or(CoseError::Structure(
                "alg missing from the protected header",
            ))?;
        let alg = algorithm(alg)?;
        let signature = Signature::from_raw(alg, signature)?;
        Ok(Sign1 {
            alg,
            protected: protected.to_vec(),
            header,
            unprotected,
            payload: payload.to_vec(),
            signature,
        })
    }

    /// The signature algorithm (from the protected header).
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The protected header.
    pub fn header(&self) -> &Map {
        &self.header
    }

    /// An integer-labelled entry of the protected header.
    pub fn header_value(&self, label: i64) -> Option<&Value> {
        self.header.get(&Value::integer(label))
    }

    /// The protected header's `typ` (16), when it is text.
    pub fn typ(&self) -> Option<&str> {
        self.header_value(HEADER_TYP).and_then(Value::as_text)
    }

    /// The unprotected header: not signed, so only ever a hint.
    pub fn unprotected(&self) -> &Map {
        &self.unprotected
    }

    /// The payload bytes, as signed.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The protected header's bytes, as signed.
    pub fn protected_bytes(&self) -> &[u8] {
        &self.protected
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Verifies the signature with `key`, checked by `verifier` (a verifier's cache of
    /// prepared keys, or [`zhengku_crypto::Direct`]).
    pub fn verify(
        &self,
        key: &PublicKey,
        verifier: &dyn SignatureVerifier,
    ) -> Result<(), CoseError> {
        if key.algorithm() != self.alg {
            return Err(CoseError::AlgorithmMismatch {
                signed: self.alg,
                key: key.algorithm(),
            });
        }
        verifier.verify_signature(
            key,
            &sig_structure(&self.protected, &self.payload),
            &self.signature,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zhengku_crypto::{Direct, PrivateKey};

    fn signed(alg: Algorithm) -> (PrivateKey, Vec<u8>) {
        let sk = PrivateKey::generate(alg).unwrap();
        let mut h = Map::new();
        h.insert(
            Value::integer(HEADER_TYP),
            Value::text("application/statuslist+cwt"),
        )
        .unwrap();
        let cose = sign(h, b"payload".to_vec(), &sk).unwrap();
        (sk, cose)
    }

    #[test]
    fn signs_and_verifies_both_algorithms() {
        for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
            let (sk, cose) = signed(alg);
            assert_eq!(cose[0], 0xd2);
            let s = Sign1::decode(&cose, &Limits::default()).unwrap();
            assert_eq!(s.algorithm(), alg);
            assert_eq!(s.payload(), b"payload");
            assert_eq!(
                s.header_value(HEADER_TYP).and_then(Value::as_text),
                Some("application/statuslist+cwt")
            );
            s.verify(sk.public_key(), &Direct).unwrap();
            // Untagged, and tagged CWT + COSE_Sign1, read the same.
            let untagged = Sign1::decode(&cose[1..], &Limits::default()).unwrap();
            assert_eq!(untagged, s);
            let mut cwt = vec![0xd8, 0x3d];
            cwt.extend_from_slice(&cose);
            assert_eq!(Sign1::decode(&cwt, &Limits::default()).unwrap(), s);
        }
    }

    #[test]
    fn any_change_fails() {
        for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
            let (sk, cose) = signed(alg);
            let other = PrivateKey::generate(alg).unwrap();
            let s = Sign1::decode(&cose, &Limits::default()).unwrap();
            assert!(matches!(
                s.verify(other.public_key(), &Direct),
                Err(CoseError::Verify(_))
            ));
            for i in 1..cose.len() {
                let mut bad = cose.clone();
                bad[i] ^= 0x01;
                if let Ok(s) = Sign1::decode(&bad, &Limits::default()) {
                    assert!(s.verify(sk.public_key(), &Direct).is_err(), "byte {i}");
                }
            }
        }
    }

    #[test]
    fn alg_is_the_signers_and_is_required() {
        let sk = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let mut h = Map::new();
        h.insert(Value::integer(HEADER_ALG), Value::integer(ALG_ES256))
            .unwrap();
        assert!(matches!(sign(h, vec![], &sk), Err(CoseError::Structure(_))));
        // A protected header without alg is refused.
        let protected = zhengku_cbor::encode(&Value::Map(Map::new()));
        let no_alg = zhengku_cbor::encode(&Value::array(vec![
            Value::bytes(protected),
            Value::Map(Map::new()),
            Value::bytes(vec![]),
            Value::bytes(vec![1; 64]),
        ]));
        assert!(matches!(
            Sign1::decode(&no_alg, &Limits::default()),
            Err(CoseError::Structure(_))
        ));
    }
}
