//! The signer list (签发部门证书列表): every department certificate whose key may sign this
//! region's licences and QR codes. There may be thousands, and a QR code names its key only
//! by key id, so they travel in a list of their own beside the trust list, signed by the
//! same key; the trust list commits to it by hash ([`crate::TrustList::signers`]), so the two
//! are accepted or refused together.
//!
//! ```text
//! {"v": 1, "seq": uint, "issued": uint, "region": "CN-ZJ", "certs": [bstr, …]}
//! ```
//!
//! `seq` and `issued` are those of the trust list it goes with; `certs` are DER, in
//! increasing byte order without repeats, so one set of certificates has one encoding.
//! Withdrawing a department's key is leaving its certificate out of the next list.

use zhengku_cbor::{Limits, Map, Value};
use zhengku_cose::TypedDocument;
use zhengku_crypto::{PublicKey, SignatureVerifier};

use crate::list::{MAX_CERT_LEN, TrustListError, field, is_region};

/// The protected header's `typ` of a signer list, and its HTTP media type.
pub const SIGNER_LIST_TYP: &str = "application/zhengku-signerlist+cwt";
/// Most certificates in one signer list.
pub const MAX_SIGNERS: usize = 20_000;
/// Largest signed signer list, bytes (what a reader accepts before decoding).
pub const MAX_SIGNER_LIST_LEN: usize = 24 << 20;
const VERSION: u64 = 1;

/// A signer list's content (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerList {
    /// The `seq` of the trust list it goes with.
    pub seq: u64,
    /// When it was made (the trust list's `issued`), Unix seconds.
    pub issued: u64,
    /// ISO 3166-2 region, e.g. `CN-ZJ`.
    pub region: String,
    /// Department certificates, DER, in increasing byte order, no repeats.
    pub certs: Vec<Vec<u8>>,
}

fn limits() -> Limits {
    Limits::new(MAX_SIGNER_LIST_LEN, 3, MAX_SIGNERS + 16)
}

impl SignerList {
    /// A list of `certs` in their canonical order (sorted, repeats dropped).
    pub fn new(seq: u64, issued: u64, region: &str, mut certs: Vec<Vec<u8>>) -> SignerList {
        certs.sort();
        certs.dedup();
        SignerList {
            seq,
            issued,
            region: region.to_owned(),
            certs,
        }
    }

    /// Checks what reading checks, so that nothing is signed that would not read back.
    pub fn check(&self) -> Result<(), TrustListError> {
        if self.seq == 0 {
            return Err(field("signer list: seq starts at 1"));
        }
        if !is_region(&self.region) {
            return Err(field("signer list: region is not ISO 3166-2 CN-XX"));
        }
        if self.certs.len() > MAX_SIGNERS {
            return Err(field(format!(
                "signer list: more than {MAX_SIGNERS} certificates"
            )));
        }
        if self
            .certs
            .iter()
            .any(|der| der.is_empty() || der.len() > MAX_CERT_LEN)
        {
            return Err(field(format!(
                "signer list: a certificate is empty or over {MAX_CERT_LEN} bytes"
            )));
        }
        if self.certs.windows(2).any(|w| w[0] >= w[1]) {
            return Err(field(
                "signer list: certificates are not in increasing byte order without repeats",
            ));
        }
        Ok(())
    }

    /// The payload: deterministic CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut m = Map::new();
        // Distinct keys: the inserts cannot fail.
        let _ = m.insert_text("v", Value::unsigned(VERSION));
        let _ = m.insert_text("seq", Value::unsigned(self.seq));
        let _ = m.insert_text("issued", Value::unsigned(self.issued));
        let _ = m.insert_text("region", Value::text(self.region.clone()));
        let _ = m.insert_text(
            "certs",
            Value::array(
                self.certs
                    .iter()
                    .map(|d| Value::bytes(d.clone()))
                    .collect::<Vec<_>>(),
            ),
        );
        zhengku_cbor::encode(&Value::Map(m))
    }

    /// Reads a payload strictly: deterministic CBOR, exactly the keys above, within
    /// [`SignerList::check`]'s bounds.
    pub fn from_cbor(bytes: &[u8]) -> Result<SignerList, TrustListError> {
        let v = zhengku_cbor::decode(bytes, &limits())?;
        let m = v.as_map().ok_or_else(|| field("signer list: not a map"))?;
        const KEYS: [&str; 5] = ["v", "seq", "issued", "region", "certs"];
        if m.len() != KEYS.len() || KEYS.iter().any(|k| m.get_text_key(k).is_none()) {
            return Err(field(format!(
                "signer list: the keys are not exactly {}",
                KEYS.join(", ")
            )));
        }
        let get = |k: &str| m.get_text_key(k).unwrap_or(&Value::Null);
        let uint = |k: &str| {
            get(k)
                .as_u64()
                .ok_or_else(|| field(format!("signer list: {k} is not an unsigned integer")))
        };
        if uint("v")? != VERSION {
            return Err(field("signer list: version is not 1"));
        }
        let certs = get("certs")
            .as_array()
            .ok_or_else(|| field("signer list: certs is not an array"))?
            .iter()
            .map(|c| {
                c.as_bytes()
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| field("signer list: a certificate is not bytes"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let list = SignerList {
            seq: uint("seq")?,
            issued: uint("issued")?,
            region: get("region")
                .as_text()
                .map(str::to_owned)
                .ok_or_else(|| field("signer list: region is not text"))?,
            certs,
        };
        list.check()?;
        Ok(list)
    }
}

/// Signed with the region's list key (`sign` after [`SignerList::check`]; `verify`).
impl TypedDocument for SignerList {
    const TYP: &'static str = SIGNER_LIST_TYP;
    type Error = TrustListError;

    fn limits() -> Limits {
        limits()
    }

    fn payload(&self) -> Result<Vec<u8>, TrustListError> {
        self.check()?;
        Ok(self.to_cbor())
    }

    fn from_payload(bytes: &[u8]) -> Result<SignerList, TrustListError> {
        SignerList::from_cbor(bytes)
    }
}

/// The signer list `bytes`, checked as the one `list` names: its SHA-256 is `list.signers`,
/// it verifies with the list's key, and its seq and region are the list's.
pub(crate) fn named_by(
    list: &crate::TrustList,
    bytes: &[u8],
    key: &PublicKey,
    verifier: &dyn SignatureVerifier,
) -> Result<SignerList, TrustListError> {
    if zhengku_crypto::sha256(bytes) != list.signers {
        return Err(field(format!(
            "the signer list is not the one trust list seq {} names",
            list.seq
        )));
    }
    let signers = SignerList::verify(bytes, key, verifier)?;
    if signers.seq != list.seq || signers.region != list.region {
        return Err(field(
            "the signer list's seq or region is not its trust list's",
        ));
    }
    Ok(signers)
}
