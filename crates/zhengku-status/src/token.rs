//! Status-list tokens (draft §5.2): the signed CWT that carries a [`StatusList`], and the
//! [`Reference`] a licence carries to its entry (§6.3).

use zhengku_cbor::{Limits, Map, Value};
use zhengku_cose::Sign1;
use zhengku_crypto::{Algorithm, PublicKey, SignatureVerifier, Signer};

use crate::{StatusError, StatusList};

/// The protected header's `typ` (16) of a status-list token, and its HTTP media type.
pub const TYP: &str = "application/statuslist+cwt";

/// The longest token read: 8 MiB (a list compresses to at most about its own size, and
/// [`MAX_LIST_BYTES`](crate::MAX_LIST_BYTES) is 4 MiB).
pub const MAX_TOKEN_LEN: usize = 8 << 20;

/// CWT claim keys (RFC 8392 and draft §5.2, §6.3).
const CLAIM_SUB: i64 = 2;
const CLAIM_EXP: i64 = 4;
const CLAIM_IAT: i64 = 6;
/// `status_list` (requested assignment 65533; every example of the draft uses it).
const CLAIM_STATUS_LIST: i64 = 65533;
/// `ttl` (requested assignment 65534).
const CLAIM_TTL: i64 = 65534;
/// `status`, in a referenced token (requested assignment 65535).
pub const CLAIM_STATUS: i64 = 65535;

/// Bounds for reading a token: the envelope and the claims, each up to [`MAX_TOKEN_LEN`],
/// few items (a status list is one byte string, not many entries).
fn limits() -> Limits {
    Limits::new(MAX_TOKEN_LEN, 8, 4096)
}

/// The claims of a status-list token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListClaims {
    /// `sub` (2): the list's own URI, equal to the `uri` of every reference into it.
    pub sub: String,
    /// `iat` (6): when the token was made, Unix seconds.
    pub iat: u64,
    /// `exp` (4): after this, the token must not be relied on (Unix seconds).
    pub exp: Option<u64>,
    /// `ttl` (65534): how long, in seconds, a verifier may keep it before fetching again.
    pub ttl: Option<u64>,
    /// `status_list` (65533).
    pub list: StatusList,
}

/// How current a token is at a given time (see [`StatusListClaims::freshness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Within `ttl` of `iat`: as good as the list gets.
    Fresh,
    /// Past `iat + ttl` but before `exp`: usable, but the answer is "status as of `iat`",
    /// and a fresh copy should be fetched.
    Stale,
    /// At or past `exp` (or, with no `exp`, past `iat + ttl`; with neither, at once): no
    /// statement about any entry can be made.
    Expired,
    /// `iat` is later than the time asked about (beyond the allowed clock skew): not a list
    /// for that time.
    NotYetIssued,
}

/// How far a token's `iat` may be ahead of the verifier's clock.
pub const CLOCK_SKEW: u64 = 300;

impl StatusListClaims {
    /// The claims as deterministic CBOR (the token's payload).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut m = Map::new();
        // Distinct keys: the inserts cannot fail.
        let _ = m.insert(Value::integer(CLAIM_SUB), Value::text(self.sub.clone()));
        let _ = m.insert(Value::integer(CLAIM_IAT), Value::unsigned(self.iat));
        if let Some(exp) = self.exp {
            let _ = m.insert(Value::integer(CLAIM_EXP), Value::unsigned(exp));
        }
        if let Some(ttl) = self.ttl {
            let _ = m.insert(Value::integer(CLAIM_TTL), Value::unsigned(ttl));
        }
        let _ = m.insert(Value::integer(CLAIM_STATUS_LIST), self.list.to_cbor());
        zhengku_cbor::encode(&Value::Map(m))
    }

    /// Reads the claims from any well-formed CBOR (lenient: order is not checked). `sub`,
    /// `iat` and `status_list` are required; other claims are ignored (the draft lets a
    /// token carry more).
    pub fn from_cbor(bytes: &[u8]) -> Result<StatusListClaims, StatusError> {
        let v = zhengku_cbor::decode_lenient(bytes, &limits())?;
        let m = v
            .as_map()
            .ok_or(StatusError::Field("claims are not a map"))?;
        let get = |k: i64| m.get(&Value::integer(k));
        let uint = |k: i64, what: &'static str| match get(k) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or(StatusError::Field(what)),
        };
        let sub = get(CLAIM_SUB)
            .and_then(Value::as_text)
            .ok_or(StatusError::Field("sub (2) missing or not text"))?
            .to_owned();
        let iat = uint(CLAIM_IAT, "iat (6) is not an unsigned integer")?
            .ok_or(StatusError::Field("iat (6) missing"))?;
        let exp = uint(CLAIM_EXP, "exp (4) is not an unsigned integer")?;
        let ttl = uint(CLAIM_TTL, "ttl (65534) is not an unsigned integer")?;
        if ttl == Some(0) {
            return Err(StatusError::Field("ttl (65534) must be positive"));
        }
        let list = StatusList::from_cbor(
            get(CLAIM_STATUS_LIST).ok_or(StatusError::Field("status_list (65533) missing"))?,
        )?;
        Ok(StatusListClaims {
            sub,
            iat,
            exp,
            ttl,
            list,
        })
    }

    /// Signs the claims: a COSE_Sign1 with `{1: alg, 4: kid, 16: TYP}` protected, `kid`
    /// being the signer's 8-byte zhengku key id.
    pub fn sign(&self, signer: &dyn Signer) -> Result<Vec<u8>, StatusError> {
        Ok(zhengku_cose::sign_typed(TYP, self.to_cbor(), signer)?)
    }

    /// How current the token is at `now` (Unix seconds); see [`Freshness`]. A token without
    /// `exp` is taken to expire at `iat + ttl`, and one with neither at once: a verifier
    /// never relies on a list longer than its issuer said it could.
    pub fn freshness(&self, now: u64) -> Freshness {
        if self.iat > now.saturating_add(CLOCK_SKEW) {
            return Freshness::NotYetIssued;
        }
        let stale_at = self.ttl.map(|t| self.iat.saturating_add(t));
        let expires_at = self.exp.or(stale_at).unwrap_or(self.iat);
        if now >= expires_at {
            Freshness::Expired
        } else if stale_at.is_some_and(|s| now >= s) {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }
}

/// A status-list token as read, not yet verified: nothing in it is trustworthy until
/// [`SignedStatusList::verify`] succeeds.
#[derive(Debug, Clone)]
pub struct SignedStatusList {
    envelope: Sign1,
    claims: StatusListClaims,
}

impl SignedStatusList {
    /// Reads a token (COSE_Sign1 bytes, tag 18 or none; draft §5.2 requires the tag and
    /// forbids the CWT tag 61, both of which are forgiven here as they change nothing
    /// signed). The protected header must name the type [`TYP`].
    pub fn decode(bytes: &[u8]) -> Result<SignedStatusList, StatusError> {
        if bytes.len() > MAX_TOKEN_LEN {
            return Err(StatusError::TooLong(bytes.len()));
        }
        let envelope = Sign1::decode(bytes, &limits())?;
        if envelope.typ() != Some(TYP) {
            return Err(StatusError::Field(
                "the protected header's typ (16) is not application/statuslist+cwt",
            ));
        }
        let claims = StatusListClaims::from_cbor(envelope.payload())?;
        Ok(SignedStatusList { envelope, claims })
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.envelope.algorithm()
    }

    /// The `kid` of the protected header, if any (or of the unprotected one, as a hint
    /// only: it is not signed, and the key it names must still verify the signature).
    pub fn kid(&self) -> Option<&[u8]> {
        let kid = Value::integer(zhengku_cose::HEADER_KID);
        self.envelope
            .header()
            .get(&kid)
            .or_else(|| self.envelope.unprotected().get(&kid))
            .and_then(Value::as_bytes)
    }

    /// The claims, unverified (to find the key, or to show what a refused token said).
    pub fn unverified_claims(&self) -> &StatusListClaims {
        &self.claims
    }

    /// Verifies the signature with `key` and returns the claims.
    pub fn verify(
        &self,
        key: &PublicKey,
        verifier: &dyn SignatureVerifier,
    ) -> Result<&StatusListClaims, StatusError> {
        self.envelope.verify(key, verifier)?;
        Ok(&self.claims)
    }
}

/// What a licence (or seal) carries to find its status: the list's URI and its index there
/// (draft §6.3, `{"status_list": {"idx": n, "uri": "…"}}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `idx`.
    pub idx: u64,
    /// `uri`: the list token's `sub`.
    pub uri: String,
}

/// The extension (extnID) of a seal's `SES_SealInfo.extDatas` under which a seal zhengku
/// makes names its status-list entry (zhengku's own arc): the value is the deterministic
/// CBOR of the reference's `Status` map ([`Reference::to_seal_extension`]).
pub const SEAL_STATUS_EXTENSION: &str = "2.25.197395512406178214226498125627408413366";

/// Largest seal status extension value read.
const MAX_EXTENSION_LEN: usize = 512;

/// The path segment before a list's number in zhengku's list URIs: `<base>/sl/<n>`.
pub const LIST_PATH: &str = "/sl/";

/// The URI of zhengku's list `list` published under `base_url`: `<base_url>/sl/<list>`
/// (a list token's `sub`, and the `uri` of every reference into it).
pub fn list_uri(base_url: &str, list: u64) -> String {
    format!("{}{LIST_PATH}{list}", base_url.trim_end_matches('/'))
}

/// The list number of a zhengku list URI (`<base>/sl/<n>`, `n` in decimal without leading
/// zeros); `None` for any other URI.
pub fn list_number(uri: &str) -> Option<u64> {
    let (_, n) = uri.rsplit_once(LIST_PATH)?;
    if n.is_empty() || (n.len() > 1 && n.starts_with('0')) || !n.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    n.parse().ok()
}

impl Reference {
    /// The reference to entry `idx` of zhengku's list `list` published under `base_url`:
    /// `uri` is `<base_url>/sl/<list>`.
    pub fn to_list(base_url: &str, list: u64, idx: u64) -> Reference {
        Reference {
            idx,
            uri: list_uri(base_url, list),
        }
    }

    /// The list number of its URI ([`list_number`]).
    pub fn list_number(&self) -> Option<u64> {
        list_number(&self.uri)
    }

    /// The `Status` map `{"status_list": {"idx": idx, "uri": uri}}`.
    pub fn to_cbor(&self) -> Value {
        let mut inner = Map::new();
        let _ = inner.insert_text("idx", Value::unsigned(self.idx));
        let _ = inner.insert_text("uri", Value::text(self.uri.clone()));
        let mut outer = Map::new();
        let _ = outer.insert_text("status_list", Value::Map(inner));
        Value::Map(outer)
    }

    /// The value of a seal's [`SEAL_STATUS_EXTENSION`]: the `Status` map as deterministic CBOR.
    pub fn to_seal_extension(&self) -> Vec<u8> {
        zhengku_cbor::encode(&self.to_cbor())
    }

    /// Reads a seal's [`SEAL_STATUS_EXTENSION`] value (deterministic CBOR, at most 512 bytes).
    pub fn from_seal_extension(bytes: &[u8]) -> Result<Reference, StatusError> {
        if bytes.len() > MAX_EXTENSION_LEN {
            return Err(StatusError::Field("seal status extension too long"));
        }
        let v = zhengku_cbor::decode(bytes, &Limits::new(MAX_EXTENSION_LEN, 3, 8))
            .map_err(|_| StatusError::Field("seal status extension is not deterministic CBOR"))?;
        Reference::from_cbor(&v)
    }

    /// Reads a `Status` map; other status mechanisms in it are ignored.
    pub fn from_cbor(v: &Value) -> Result<Reference, StatusError> {
        let inner = v
            .as_map()
            .and_then(|m| m.get_text_key("status_list"))
            .and_then(Value::as_map)
            .ok_or(StatusError::Field("status has no status_list map"))?;
        let idx = inner
            .get_text_key("idx")
            .and_then(Value::as_u64)
            .ok_or(StatusError::Field(
                "status_list idx missing or not an integer",
            ))?;
        let uri = inner
            .get_text_key("uri")
            .and_then(Value::as_text)
            .ok_or(StatusError::Field("status_list uri missing or not text"))?
            .to_owned();
        Ok(Reference { idx, uri })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn zhengku_list_uris_name_their_list() {
        let r = Reference::to_list("https://zk.example.gov.cn/", 7, 12);
        assert_eq!(r.uri, "https://zk.example.gov.cn/sl/7");
        assert_eq!(r.list_number(), Some(7));
        for uri in [
            "https://zk.example.gov.cn/sl/",
            "https://zk.example.gov.cn/sl/07",
            "https://zk.example.gov.cn/sl/7?x",
            "https://zk.example.gov.cn/statuslists/7",
            "https://zk.example.gov.cn/sl/-7",
        ] {
            let r = Reference {
                idx: 0,
                uri: uri.into(),
            };
            assert_eq!(r.list_number(), None, "{uri}");
        }
    }
}
