//! The status-list manifest (状态列表清单): one signed document naming every status list a
//! library publishes, each with the `iat` and SHA-256 of its current token. A verifier
//! fetches it first: one request tells it which lists changed since its last sync, and,
//! since the manifest names every list, that none was withheld from it.
//!
//! zhengku's own format (the Token Status List draft has none; its Status List Aggregation
//! is an unsigned JSON list of URIs): a COSE_Sign1 whose protected header is `{1: alg, 4:
//! kid, 16: "application/zhengku-statuslist-manifest+cwt"}` and whose payload is
//! deterministic CBOR:
//!
//! ```text
//! {"v": 1, "iat": uint, "exp": uint, "lists": [
//!     {"n": uint, "kind": "licence" / "seal", "uri": tstr, "iat": uint, "sha256": bstr .size 32},
//!     …]}
//! ```
//!
//! Lists appear in increasing `n`, each once. It is signed by the same status signer as the
//! lists. See `docs/cddl/status-list.cddl`.

use zhengku_cbor::{Limits, Map, Value};
use zhengku_cose::TypedDocument;

use crate::StatusError;

/// The protected header's `typ` of a manifest, and its HTTP media type.
pub const MANIFEST_TYP: &str = "application/zhengku-statuslist-manifest+cwt";

/// The manifest format version this code writes and reads.
pub const MANIFEST_VERSION: u64 = 1;

/// Most lists a manifest may name (2^16 lists of 2^20 entries: 68 billion licences).
pub const MAX_LISTS: usize = 1 << 16;

/// One list in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The list's number.
    pub n: u64,
    /// `licence` or `seal`.
    pub kind: String,
    /// The list's URI (its tokens' `sub`).
    pub uri: String,
    /// The current token's `iat`.
    pub iat: u64,
    /// SHA-256 of the current token's bytes.
    pub sha256: [u8; 32],
}

/// A manifest's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// When it was made, Unix seconds.
    pub iat: u64,
    /// After this it must not be relied on.
    pub exp: u64,
    /// Every list, in increasing `n`.
    pub lists: Vec<ManifestEntry>,
}

fn limits() -> Limits {
    Limits::new(MAX_LISTS * 256, 4, MAX_LISTS * 12 + 16)
}

impl Manifest {
    /// The payload: deterministic CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        let lists = self
            .lists
            .iter()
            .map(|e| {
                let mut m = Map::new();
                // Distinct keys: the inserts cannot fail.
                let _ = m.insert_text("n", Value::unsigned(e.n));
                let _ = m.insert_text("kind", Value::text(e.kind.clone()));
                let _ = m.insert_text("uri", Value::text(e.uri.clone()));
                let _ = m.insert_text("iat", Value::unsigned(e.iat));
                let _ = m.insert_text("sha256", Value::bytes(e.sha256.to_vec()));
                Value::Map(m)
            })
            .collect::<Vec<_>>();
        let mut m = Map::new();
        let _ = m.insert_text("v", Value::unsigned(MANIFEST_VERSION));
        let _ = m.insert_text("iat", Value::unsigned(self.iat));
        let _ = m.insert_text("exp", Value::unsigned(self.exp));
        let _ = m.insert_text("lists", Value::array(lists));
        zhengku_cbor::encode(&Value::Map(m))
    }

    /// Reads a payload, strictly (zhengku's own format: deterministic CBOR, every key
    /// known, lists in increasing `n`).
    pub fn from_cbor(bytes: &[u8]) -> Result<Manifest, StatusError> {
        let v = zhengku_cbor::decode(bytes, &limits())?;
        let m = v
            .as_map()
            .ok_or(StatusError::Field("manifest is not a map"))?;
        let only = |m: &Map, keys: &[&str], what: &'static str| {
            if m.keys()
                .all(|k| k.as_text().is_some_and(|t| keys.contains(&t)))
            {
                Ok(())
            } else {
                Err(StatusError::Field(what))
            }
        };
        only(
            m,
            &["v", "iat", "exp", "lists"],
            "manifest has an unknown key",
        )?;
        let uint = |m: &Map, k: &str, what: &'static str| {
            m.get_text_key(k)
                .and_then(Value::as_u64)
                .ok_or(StatusError::Field(what))
        };
        if uint(m, "v", "manifest v missing")? != MANIFEST_VERSION {
            return Err(StatusError::Field("manifest version is not 1"));
        }
        let iat = uint(m, "iat", "manifest iat missing")?;
        let exp = uint(m, "exp", "manifest exp missing")?;
        let items = m
            .get_text_key("lists")
            .and_then(Value::as_array)
            .ok_or(StatusError::Field("manifest lists missing"))?;
        let mut lists = Vec::with_capacity(items.len());
        for item in items {
            let e = item
                .as_map()
                .ok_or(StatusError::Field("a manifest entry is not a map"))?;
            only(
                e,
                &["n", "kind", "uri", "iat", "sha256"],
                "a manifest entry has an unknown key",
            )?;
            let text = |k: &str, what: &'static str| {
                e.get_text_key(k)
                    .and_then(Value::as_text)
                    .map(str::to_owned)
                    .ok_or(StatusError::Field(what))
            };
            let entry = ManifestEntry {
                n: uint(e, "n", "manifest entry n missing")?,
                kind: text("kind", "manifest entry kind missing")?,
                uri: text("uri", "manifest entry uri missing")?,
                iat: uint(e, "iat", "manifest entry iat missing")?,
                sha256: e
                    .get_text_key("sha256")
                    .and_then(Value::as_bytes)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or(StatusError::Field("manifest entry sha256 is not 32 bytes"))?,
            };
            if !matches!(entry.kind.as_str(), "licence" | "seal") {
                return Err(StatusError::Field(
                    "manifest entry kind is not licence or seal",
                ));
            }
            if lists
                .last()
                .is_some_and(|prev: &ManifestEntry| prev.n >= entry.n)
            {
                return Err(StatusError::Field("manifest lists are not in increasing n"));
            }
            lists.push(entry);
        }
        Ok(Manifest { iat, exp, lists })
    }

    /// The entry for list `n`.
    pub fn entry(&self, n: u64) -> Option<&ManifestEntry> {
        self.lists
            .binary_search_by_key(&n, |e| e.n)
            .ok()
            .map(|i| &self.lists[i])
    }
}

/// Signed by the status signer (`{1: alg, 4: kid, 16: MANIFEST_TYP}` protected).
impl TypedDocument for Manifest {
    const TYP: &'static str = MANIFEST_TYP;
    type Error = StatusError;

    fn limits() -> Limits {
        limits()
    }

    fn payload(&self) -> Result<Vec<u8>, StatusError> {
        Ok(self.to_cbor())
    }

    fn from_payload(bytes: &[u8]) -> Result<Manifest, StatusError> {
        Manifest::from_cbor(bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zhengku_crypto::{Algorithm, Direct, PrivateKey};

    fn sample() -> Manifest {
        Manifest {
            iat: 1_764_806_400,
            exp: 1_764_806_400 + 72 * 3600,
            lists: (1..=3)
                .map(|n| ManifestEntry {
                    n,
                    kind: if n == 2 { "seal" } else { "licence" }.into(),
                    uri: format!("https://zk.example.gov.cn/sl/{n}"),
                    iat: 1_764_806_000 + n,
                    sha256: [n as u8; 32],
                })
                .collect(),
        }
    }

    #[test]
    fn signs_reads_and_refuses_changes() {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        let m = sample();
        let signed = m.sign(&key).unwrap();
        assert_eq!(
            Manifest::verify(&signed, key.public_key(), &Direct).unwrap(),
            m
        );
        assert_eq!(m.entry(2).map(|e| e.kind.as_str()), Some("seal"));
        assert!(m.entry(4).is_none());
        let other = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
        assert!(Manifest::verify(&signed, other.public_key(), &Direct).is_err());
        for i in 1..signed.len() {
            let mut bad = signed.clone();
            bad[i] ^= 0x02;
            assert!(
                Manifest::verify(&bad, key.public_key(), &Direct).is_err(),
                "byte {i}"
            );
        }
        // A status-list token is not a manifest, and the other way round.
        let token = crate::StatusListClaims {
            sub: "https://zk.example.gov.cn/sl/1".into(),
            iat: 1,
            exp: Some(2),
            ttl: Some(1),
            list: crate::StatusList::new(2, 8).unwrap(),
        }
        .sign(&key)
        .unwrap();
        assert!(Manifest::verify(&token, key.public_key(), &Direct).is_err());
        assert!(crate::SignedStatusList::decode(&signed).is_err());
    }

    #[test]
    fn lists_must_increase_and_keys_be_known() {
        let mut m = sample();
        m.lists.swap(0, 1);
        assert!(Manifest::from_cbor(&m.to_cbor()).is_err());
        let mut m = sample();
        m.lists[1].n = 1;
        assert!(Manifest::from_cbor(&m.to_cbor()).is_err());
        let mut m = sample();
        m.lists[0].kind = "other".into();
        assert!(Manifest::from_cbor(&m.to_cbor()).is_err());
        assert!(Manifest::from_cbor(&sample().to_cbor()).is_ok());
    }
}
