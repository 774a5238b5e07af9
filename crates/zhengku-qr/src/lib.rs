//! Signed QR payloads for zhengku licences, and the QR images that carry them.
//!
//! Start with [`make_payload`] (a department signs the claims of a [`SignedLicence`]), then
//! [`payload_url`] and [`QrSymbol`] to print it; a verifier calls [`decode_payload`] on the
//! scanned text and [`verify_payload`] with the department's key.
//!
//! # Payload
//!
//! After the EU Digital COVID Certificate's design: `ZK1:` + base45(COSE_Sign1).
//!
//! - [`base45`] is RFC 9285. Payloads made before status lists were base45(zlib(COSE_Sign1))
//!   (zlib level 9), and still read: the first byte tells them apart (a COSE_Sign1 starts
//!   with its tag, 0xd2; a zlib stream with 0x78 or another CMF byte whose low nibble is 8),
//!   and decompression refuses more than [`MAX_INFLATED_LEN`] bytes. zlib was dropped
//!   because it made these payloads larger, not smaller: the signature, digest, key id and
//!   packed identifier are incompressible and the names are short UTF-8 (the sample food
//!   permit: 224 bytes of COSE, 235 compressed), so writing them plain saves 17 characters,
//!   room for the status entry (claim 10).
//! - COSE_Sign1 (RFC 9052 §4.2) is CBOR tag 18 on
//!   `[protected: bstr, unprotected: {}, payload: bstr, signature: bstr]`. The protected header
//!   is the map `{1: alg, 4: kid}`; `kid` is the signing key's 8-byte zhengku [`KeyId`]. The
//!   payload is the [`Claims`] map (table in [`claims`]). The signature covers the
//!   Sig_structure `["Signature1", protected, h'', payload]` and is the raw 64-byte `r‖s`.
//! - `alg` is ES256 ([`COSE_ALG_ES256`], -7) for P-256 and, as COSE registers no SM2
//!   algorithm, zhengku's private-use value [`COSE_ALG_SM2_SM3`] (-65792) for SM2 with SM3,
//!   signed with the key's distinguishing ID (by default `1234567812345678`).
//! - All CBOR is deterministic (zhengku-cbor); decoding is strict and refuses anything else.
//!
//! # URL form
//!
//! A phone camera opens a QR code as a web page only when its text is a URL, and the QR
//! alphanumeric mode (5.5 bits a character, against 8 in byte mode) holds only `0-9 A-Z`
//! and ` $%*+-./:`: no lowercase, no `?`, `=` or `#`. So the URL is
//!
//! ```text
//! HTTPS://VERIFY.EXAMPLE.GOV.CN/V/ZK1:6BFOXN%20...
//! ```
//!
//! the verification site's base URL in uppercase (scheme and host are case-insensitive), the
//! path `/V/`, and the payload with the characters that a URL path cannot carry as they are
//! written as percent escapes, which are themselves alphanumeric: space as `%20` and `%` as
//! `%25`. A `/` stays as it is (the server takes the rest of the path unsplit), except where
//! the path segment it starts would be `.` or `..`: browsers remove such segments, so that
//! `/` is written `%2F`. The whole text stays in alphanumeric mode. The server's route must
//! match `/V/` in uppercase (paths are case-sensitive) and take the rest of the path
//! percent-decoded, unsplit.
//!
//! Size: the claims are kept small ([`claims`]: packed identifier, 128-bit digest), so that
//! for the three shipped licence types the URL form fits QR version 15 at level Q
//! ([`max_version_at_q`], 419 alphanumeric characters) with a base URL of up to
//! [`MAX_BASE_URL_LEN`] characters; the tests assert it for both algorithms and print the
//! sizes.
//! [`decode_payload`] accepts the URL form, the bare `ZK1:` text, and — for links typed or
//! made elsewhere — `…?p=<percent-encoded payload>` and `…#ZK1:…` (the payload verbatim).
//!
//! # Features: readers apart from writers
//!
//! Payloads (making, decoding, verifying) are always here and need only CBOR, zlib and the
//! signature crate. `render` (on by default) adds [`QrSymbol`], the QR image as SVG or PNG
//! (qrcode, png): the service and the PDF writer use it. `scan` adds the `scan` module, finding the
//! code in a photo (image, rqrr): the CLI uses it. The verification engine uses neither.
//!
//! [`KeyId`]: zhengku_crypto::KeyId

pub mod base45;
pub mod claims;
pub mod pack;
#[cfg(feature = "render")]
mod render;
#[cfg(feature = "scan")]
pub mod scan;

pub use claims::{Claims, LICENCE_DIGEST_LEN, mask_citizen_id, mask_person_name};
#[cfg(feature = "render")]
pub use render::{QrSymbol, max_version_at_q};

use zhengku_cbor::{Limits, Map, Value};
use zhengku_crypto::{Algorithm, KeyId, PublicKey, Signer};
use zhengku_model::SignedLicence;

/// The payload prefix: zhengku QR format 1.
pub const PREFIX: &str = "ZK1:";
/// COSE algorithm ES256 (ECDSA P-256 with SHA-256).
pub const COSE_ALG_ES256: i64 = zhengku_cose::ALG_ES256;
/// zhengku's private-use COSE algorithm value (below -65536) for SM2 with SM3.
pub const COSE_ALG_SM2_SM3: i64 = zhengku_cose::ALG_SM2_SM3;
/// The most bytes zlib decompression may produce.
pub const MAX_INFLATED_LEN: usize = 16 * 1024;
/// The longest base URL (scheme, host, port, path) for which the shipped licence types are
/// known to fit QR version 15 at level Q in the URL form.
pub const MAX_BASE_URL_LEN: usize = 40;
/// The longest text [`decode_payload`] looks at.
pub const MAX_TEXT_LEN: usize = 8 * 1024;

const COSE_SIGN1_TAG: u8 = 0xd2; // major type 6, tag 18

/// Why a payload could not be made, read or verified.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text has no `ZK1:` payload where one is expected.
    #[error("no ZK1: payload in the text")]
    NoPayload,
    /// The text is longer than [`MAX_TEXT_LEN`].
    #[error("text longer than {MAX_TEXT_LEN} bytes")]
    TooLong,
    /// A percent escape in a URL is malformed or not ASCII.
    #[error("malformed percent escape in the URL")]
    PercentEscape,
    /// The base45 text is invalid.
    #[error("base45: {0}")]
    Base45(#[from] base45::Base45Error),
    /// The zlib stream is invalid or inflates to more than [`MAX_INFLATED_LEN`].
    #[error("zlib: {0}")]
    Zlib(String),
    /// The CBOR is not deterministic CBOR.
    #[error("CBOR: {0}")]
    Cbor(#[from] zhengku_cbor::DecodeError),
    /// The COSE_Sign1 structure is not the one described in the crate docs.
    #[error("COSE_Sign1: {0}")]
    Cose(&'static str),
    /// The COSE_Sign1 envelope could not be made, read or verified.
    #[error("{0}")]
    Envelope(#[from] zhengku_cose::CoseError),
    /// The claims map is invalid: the named claim is missing or malformed.
    #[error("claims: {0}")]
    Claims(&'static str),
    /// The key offered is not the one named in the payload.
    #[error("payload signed by key {signed_by}, not by key {given}")]
    WrongKey {
        /// The payload's kid.
        signed_by: KeyId,
        /// The key offered.
        given: KeyId,
    },
    /// The key offered is of another algorithm than the payload's.
    #[error("payload algorithm {payload} does not match key algorithm {key}")]
    AlgorithmMismatch {
        /// The payload's algorithm.
        payload: Algorithm,
        /// The key's algorithm.
        key: Algorithm,
    },
    /// The signer's algorithm has no COSE value here.
    #[error("no COSE algorithm for {0}")]
    UnsupportedKey(Algorithm),
    /// The base URL has characters outside the QR alphanumeric set (after uppercasing).
    #[error("base URL {0:?} is not QR alphanumeric")]
    BaseUrl(String),
    /// The text does not fit a QR code at level Q.
    #[error("QR: {0}")]
    Qr(String),
    /// PNG encoding failed.
    #[error("PNG: {0}")]
    Png(String),
}

/// The COSE `alg` value for `alg`, if zhengku has one.
pub fn cose_alg(alg: Algorithm) -> Option<i64> {
    zhengku_cose::cose_alg(alg)
}

/// A decoded, not yet verified, payload.
#[derive(Debug, Clone, PartialEq)]
pub struct QrPayload {
    /// The signature algorithm (from the protected header).
    pub alg: Algorithm,
    /// The signing key's id (from the protected header).
    pub kid: KeyId,
    /// The claims, as read: not trustworthy until [`verify_payload`] succeeds.
    pub claims: Claims,
    envelope: zhengku_cose::Sign1,
}

/// The COSE_Sign1 bytes (tag 18 included) for the claims of `signed`, signed by `signer`.
pub fn make_cose(signed: &SignedLicence, signer: &dyn Signer) -> Result<Vec<u8>, QrError> {
    let alg = signer.algorithm();
    if cose_alg(alg).is_none() {
        return Err(QrError::UnsupportedKey(alg));
    }
    let claims = Claims::from_licence(signed, alg.digest());
    let mut header = Map::new();
    let _ = header.insert(
        Value::integer(zhengku_cose::HEADER_KID),
        Value::bytes(signer.key_id().as_bytes().to_vec()),
    );
    let payload = zhengku_cbor::encode(&claims.to_cbor());
    Ok(zhengku_cose::sign(header, payload, signer)?)
}

/// The `ZK1:` payload for `signed`, signed by `signer` (normally the issuing department's
/// key; it need not be the key that signed the licence): the COSE_Sign1 in base45, not
/// compressed (crate docs, "Payload").
pub fn make_payload(signed: &SignedLicence, signer: &dyn Signer) -> Result<String, QrError> {
    let cose = make_cose(signed, signer)?;
    Ok(format!("{PREFIX}{}", base45::encode(&cose)))
}

/// The URL form of `payload` under `base_url` (crate docs): uppercase base, `/V/`, and the
/// payload with space, `%` and `/` percent-escaped. Every character is QR alphanumeric.
pub fn payload_url(base_url: &str, payload: &str) -> Result<String, QrError> {
    let base = base_url.trim_end_matches('/').to_ascii_uppercase();
    if base.is_empty() || !base.bytes().all(|b| base45::ALPHABET.contains(&b)) {
        return Err(QrError::BaseUrl(base_url.to_owned()));
    }
    let mut out = format!("{base}/V/");
    for (i, c) in payload.char_indices() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '/' if starts_dot_segment(&payload[i + 1..]) => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Whether a path segment starting here is `.` or `..`, which browsers and servers remove
/// from paths ("remove_dot_segments", RFC 3986 §5.2.4); the `/` before it is then escaped.
fn starts_dot_segment(rest: &str) -> bool {
    let segment = rest.split('/').next().unwrap_or("");
    segment == "." || segment == ".."
}

fn percent_decode(s: &str) -> Result<String, QrError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(QrError::PercentEscape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| QrError::PercentEscape)?;
            let v = u8::from_str_radix(hex, 16).map_err(|_| QrError::PercentEscape)?;
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| QrError::PercentEscape)
}

/// The bare `ZK1:` payload in `text`: the text itself, or taken from a URL (crate docs).
pub fn extract_payload(text: &str) -> Result<String, QrError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(QrError::TooLong);
    }
    if text.starts_with(PREFIX) {
        return Ok(text.to_owned());
    }
    if !text.contains("://") {
        return Err(QrError::NoPayload);
    }
    // `…?p=…` (or `&p=`), up to the next `&` or `#`.
    if let Some((_, query)) = text.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        if let Some(v) = query.split('&').find_map(|kv| kv.strip_prefix("p=")) {
            return prefixed(percent_decode(v)?);
        }
    }
    // `…#ZK1:…`, verbatim: the fragment never reaches a server.
    if let Some((_, fragment)) = text.split_once('#') {
        return prefixed(fragment.to_owned());
    }
    // `…/V/ZK1:…` (path, percent-escaped).
    let upper = text.to_ascii_uppercase();
    if let Some(pos) = upper.find("/V/") {
        return prefixed(percent_decode(&text[pos + 3..])?);
    }
    Err(QrError::NoPayload)
}

fn prefixed(s: String) -> Result<String, QrError> {
    if s.starts_with(PREFIX) {
        Ok(s)
    } else {
        Err(QrError::NoPayload)
    }
}

/// Reads a payload (bare `ZK1:` text or a URL holding one) without verifying it.
pub fn decode_payload(text: &str) -> Result<QrPayload, QrError> {
    let payload = extract_payload(text)?;
    let body = payload.strip_prefix(PREFIX).ok_or(QrError::NoPayload)?;
    let bytes = base45::decode(body)?;
    // The first byte tells the two encodings apart: a COSE_Sign1 starts with its tag 18
    // (0xd2), a zlib stream with its CMF byte (low nibble 8, deflate: never 0xd2).
    if bytes.first() == Some(&COSE_SIGN1_TAG) {
        return decode_cose(&bytes);
    }
    let cose = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&bytes, MAX_INFLATED_LEN)
        .map_err(|e| QrError::Zlib(e.to_string()))?;
    decode_cose(&cose)
}

/// Reads COSE_Sign1 bytes (tag 18 included) without verifying them. Stricter than
/// [`zhengku_cose::Sign1::decode_deterministic`]: tag 18 is required, the unprotected header is empty
/// and the protected header is exactly `{1: alg, 4: kid}`.
pub fn decode_cose(cose: &[u8]) -> Result<QrPayload, QrError> {
    let limits = Limits::default();
    if cose.first() != Some(&COSE_SIGN1_TAG) {
        return Err(QrError::Cose("not tagged 18 (COSE_Sign1)"));
    }
    let envelope = zhengku_cose::Sign1::decode_deterministic(cose, &limits)?;
    if !envelope.unprotected().is_empty() {
        return Err(QrError::Cose("unprotected header is not an empty map"));
    }
    if envelope.header().len() != 2 {
        return Err(QrError::Cose(
            "protected header is not exactly {1: alg, 4: kid}",
        ));
    }
    let kid = envelope
        .header_value(zhengku_cose::HEADER_KID)
        .and_then(Value::as_bytes)
        .and_then(KeyId::from_slice)
        .ok_or(QrError::Cose("kid missing or not 8 bytes"))?;
    let claims = Claims::from_cbor(&zhengku_cbor::decode(envelope.payload(), &limits)?)?;
    Ok(QrPayload {
        alg: envelope.algorithm(),
        kid,
        claims,
        envelope,
    })
}

/// Verifies `p` with `key` (the key its kid names) and returns its claims.
pub fn verify_payload(p: &QrPayload, key: &PublicKey) -> Result<Claims, QrError> {
    verify_payload_with(p, key, &zhengku_crypto::Direct)
}

/// [`verify_payload`], with the signature checked by `verifier` (a verifier's cache of
/// prepared keys).
pub fn verify_payload_with(
    p: &QrPayload,
    key: &PublicKey,
    verifier: &dyn zhengku_crypto::SignatureVerifier,
) -> Result<Claims, QrError> {
    if key.algorithm() != p.alg {
        return Err(QrError::AlgorithmMismatch {
            payload: p.alg,
            key: key.algorithm(),
        });
    }
    if key.key_id() != p.kid {
        return Err(QrError::WrongKey {
            signed_by: p.kid,
            given: key.key_id(),
        });
    }
    p.envelope.verify(key, verifier)?;
    Ok(p.claims.clone())
}
