//! Signature algorithms by OID: which zhengku key algorithm a seal's or a stamp's
//! `signatureAlgorithm` names, and the OID zhengku writes for each. Readers need it to pick
//! the verifying algorithm; writers to label what they sign (so it is not behind `make`).

use zhengku_crypto::Algorithm;

use zhengku_der::Oid;

/// ecdsa-with-SHA256 (1.2.840.10045.4.3.2): P-256 seals, outside GB/T 38540.
pub fn ecdsa_with_sha256() -> Oid {
    Oid::ecdsa_with_sha256()
}

/// The signature algorithm OID for a key's algorithm.
pub fn signature_oid(alg: Algorithm) -> Oid {
    match alg {
        Algorithm::Sm2Sm3 => Oid::sm2_with_sm3(),
        _ => ecdsa_with_sha256(),
    }
}

/// The key algorithm a signature OID names, if zhengku knows it.
pub fn algorithm_of(oid: &Oid) -> Option<Algorithm> {
    if *oid == Oid::sm2_with_sm3() {
        Some(Algorithm::Sm2Sm3)
    } else if *oid == ecdsa_with_sha256() {
        Some(Algorithm::EcdsaP256Sha256)
    } else {
        None
    }
}
