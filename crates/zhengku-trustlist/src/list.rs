//! The trust list's content, its CBOR form, signing, and succession (crate docs).

use zhengku_cbor::{Limits, Map, Value};
use zhengku_cose::TypedDocument;
use zhengku_model::codes::{AreaCode, Uscc};

/// The protected header's `typ` of a trust list, and its HTTP media type.
pub const TRUST_LIST_TYP: &str = "application/zhengku-trustlist+cwt";
/// The longest a trust list may be relied on: `next_update - issued` (seconds).
pub const MAX_VALIDITY: u64 = 72 * 3600;
/// Most certificates in one list.
pub const MAX_CERTS: usize = 256;
/// Largest certificate, bytes.
pub const MAX_CERT_LEN: usize = 16 * 1024;
const VERSION: u64 = 1;

/// Why a trust list could not be made, read or accepted.
#[derive(Debug, thiserror::Error)]
pub enum TrustListError {
    /// The CBOR is not deterministic CBOR, or exceeds the limits.
    #[error("CBOR: {0}")]
    Cbor(#[from] zhengku_cbor::DecodeError),
    /// The envelope could not be made, read or verified.
    #[error("{0}")]
    Cose(#[from] zhengku_cose::CoseError),
    /// A field is missing, of the wrong type, or out of bounds.
    #[error("trust list: {0}")]
    Field(String),
}

pub(crate) fn field(s: impl Into<String>) -> TrustListError {
    TrustListError::Field(s.into())
}

/// What a certificate in the list is trusted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A licence CA for SM2 departments (an anchor).
    LicenceCaSm2,
    /// A licence CA for P-256 departments (an anchor).
    LicenceCaP256,
    /// A seal-making authority (制章者).
    SealMaker,
    /// The library's status-list signer.
    StatusSigner,
    /// An announced successor of the trust-list signer (key roll-over).
    SuccessorListSigner,
}

impl Role {
    /// Every role, in the order lists write them.
    pub const ALL: [Role; 5] = [
        Role::LicenceCaSm2,
        Role::LicenceCaP256,
        Role::SealMaker,
        Role::StatusSigner,
        Role::SuccessorListSigner,
    ];

    /// The role's name in the list.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::LicenceCaSm2 => "licence-ca-sm2",
            Role::LicenceCaP256 => "licence-ca-p256",
            Role::SealMaker => "seal-maker",
            Role::StatusSigner => "status-signer",
            Role::SuccessorListSigner => "successor-list-signer",
        }
    }

    /// The role a name stands for.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The operator of the region's library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Its name.
    pub name: String,
    /// Its unified social credit code.
    pub uscc: Uscc,
}

/// A trust list's content (crate docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    /// Strictly increasing from list to list; starts at 1.
    pub seq: u64,
    /// SHA-256 of the previous list's signed bytes; `None` only for `seq` 1.
    pub prev: Option<[u8; 32]>,
    /// When it was made, Unix seconds.
    pub issued: u64,
    /// When the next list is due; past it this one must not be relied on.
    pub next_update: u64,
    /// ISO 3166-2 region, e.g. `CN-ZJ`.
    pub region: String,
    /// The region's GB/T 2260 division code, e.g. `330000`.
    pub division: AreaCode,
    /// Who runs the region's library.
    pub operator: Operator,
    /// The library's base URL.
    pub base_url: String,
    /// Where its status lists are: `<base_url>/sl/{n}`, `{n}` the list's number.
    pub status_list_uri: String,
    /// Certificates (DER) by role, roles in [`Role::ALL`] order.
    pub certs: Vec<(Role, Vec<u8>)>,
    /// SHA-256 of the signed signer list that goes with this list
    /// ([`crate::SignerList`]): the departments' certificates, committed to here so that a
    /// signer list cannot be swapped or rolled back on its own.
    pub signers: [u8; 32],
}

pub(crate) fn limits() -> Limits {
    Limits::new(
        MAX_CERTS * (MAX_CERT_LEN + 64) + 64 * 1024,
        4,
        MAX_CERTS * 6 + 64,
    )
}

pub(crate) fn is_region(s: &str) -> bool {
    s.len() == 5 && s.starts_with("CN-") && s[3..].bytes().all(|b| b.is_ascii_uppercase())
}

fn is_http(s: &str) -> bool {
    s.len() <= 200
        && (s.starts_with("https://") || s.starts_with("http://"))
        && s.bytes().all(|b| b.is_ascii_graphic())
}

impl TrustList {
    /// Checks what reading checks, so that nothing is signed that would not read back.
    pub fn check(&self) -> Result<(), TrustListError> {
        if self.seq == 0 {
            return Err(field("seq starts at 1"));
        }
        if (self.seq == 1) != self.prev.is_none() {
            return Err(field("prev is null exactly for seq 1"));
        }
        if self.next_update <= self.issued || self.next_update - self.issued > MAX_VALIDITY {
            return Err(field(
                "next_update must be after issued, by at most 72 hours",
            ));
        }
        if !is_region(&self.region) {
            return Err(field("region is not ISO 3166-2 CN-XX"));
        }
        if self.operator.name.is_empty() || self.operator.name.chars().count() > 100 {
            return Err(field("operator name must be 1 to 100 characters"));
        }
        if !is_http(&self.base_url) {
            return Err(field("base_url is not an http(s) URL"));
        }
        if !is_http(&self.status_list_uri) || self.status_list_uri.matches("{n}").count() != 1 {
            return Err(field("status_list_uri is not an http(s) URI with one {n}"));
        }
        if self.certs.len() > MAX_CERTS {
            return Err(field(format!("more than {MAX_CERTS} certificates")));
        }
        if self.certs.windows(2).any(|w| w[0].0 > w[1].0) {
            return Err(field("certificates are not in role order"));
        }
        if self
            .certs
            .iter()
            .any(|(_, der)| der.is_empty() || der.len() > MAX_CERT_LEN)
        {
            return Err(field(format!(
                "a certificate is empty or over {MAX_CERT_LEN} bytes"
            )));
        }
        Ok(())
    }

    /// The payload: deterministic CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut operator = Map::new();
        // Distinct keys throughout: the inserts cannot fail.
        let _ = operator.insert_text("name", Value::text(self.operator.name.clone()));
        let _ = operator.insert_text("uscc", Value::text(self.operator.uscc.as_str()));
        let certs = self
            .certs
            .iter()
            .map(|(role, der)| {
                let mut c = Map::new();
                let _ = c.insert_text("role", Value::text(role.as_str()));
                let _ = c.insert_text("der", Value::bytes(der.clone()));
                Value::Map(c)
            })
            .collect::<Vec<_>>();
        let mut m = Map::new();
        let _ = m.insert_text("v", Value::unsigned(VERSION));
        let _ = m.insert_text("seq", Value::unsigned(self.seq));
        let _ = m.insert_text(
            "prev",
            self.prev.map_or(Value::Null, |p| Value::bytes(p.to_vec())),
        );
        let _ = m.insert_text("issued", Value::unsigned(self.issued));
        let _ = m.insert_text("next_update", Value::unsigned(self.next_update));
        let _ = m.insert_text("region", Value::text(self.region.clone()));
        let _ = m.insert_text("division", Value::text(self.division.as_str()));
        let _ = m.insert_text("operator", Value::Map(operator));
        let _ = m.insert_text("base_url", Value::text(self.base_url.clone()));
        let _ = m.insert_text("status_list_uri", Value::text(self.status_list_uri.clone()));
        let _ = m.insert_text("certs", Value::array(certs));
        let _ = m.insert_text("signers", Value::bytes(self.signers.to_vec()));
        zhengku_cbor::encode(&Value::Map(m))
    }

    /// Reads a payload strictly: deterministic CBOR, every key known and present, every
    /// value within [`TrustList::check`]'s bounds.
    pub fn from_cbor(bytes: &[u8]) -> Result<TrustList, TrustListError> {
        let v = zhengku_cbor::decode(bytes, &limits())?;
        let m = v.as_map().ok_or_else(|| field("not a map"))?;
        const KEYS: [&str; 12] = [
            "v",
            "seq",
            "prev",
            "issued",
            "next_update",
            "region",
            "division",
            "operator",
            "base_url",
            "status_list_uri",
            "certs",
            "signers",
        ];
        if m.len() != KEYS.len() || KEYS.iter().any(|k| m.get_text_key(k).is_none()) {
            return Err(field(format!(
                "the keys are not exactly {}",
                KEYS.join(", ")
            )));
        }
        let get = |k: &str| m.get_text_key(k).unwrap_or(&Value::Null);
        let uint = |k: &str| {
            get(k)
                .as_u64()
                .ok_or_else(|| field(format!("{k} is not an unsigned integer")))
        };
        let text = |v: &Value, k: &str| {
            v.as_text()
                .map(str::to_owned)
                .ok_or_else(|| field(format!("{k} is not text")))
        };
        if uint("v")? != VERSION {
            return Err(field("version is not 1"));
        }
        let prev = match get("prev") {
            Value::Null => None,
            v => Some(
                v.as_bytes()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| field("prev is not 32 bytes or null"))?,
            ),
        };
        let op = get("operator")
            .as_map()
            .filter(|o| o.len() == 2)
            .ok_or_else(|| field("operator is not {name, uscc}"))?;
        let operator = Operator {
            name: text(
                op.get_text_key("name").unwrap_or(&Value::Null),
                "operator.name",
            )?,
            uscc: Uscc::parse(&text(
                op.get_text_key("uscc").unwrap_or(&Value::Null),
                "operator.uscc",
            )?)
            .map_err(|e| field(format!("operator.uscc: {e}")))?,
        };
        let mut certs = Vec::new();
        for c in get("certs")
            .as_array()
            .ok_or_else(|| field("certs is not an array"))?
        {
            let c = c
                .as_map()
                .filter(|c| c.len() == 2)
                .ok_or_else(|| field("a certificate entry is not {role, der}"))?;
            let role = text(c.get_text_key("role").unwrap_or(&Value::Null), "role")?;
            let role = Role::parse(&role).ok_or_else(|| field(format!("unknown role {role:?}")))?;
            let der = c
                .get_text_key("der")
                .and_then(Value::as_bytes)
                .ok_or_else(|| field("a certificate's der is not bytes"))?;
            certs.push((role, der.to_vec()));
        }
        let list = TrustList {
            seq: uint("seq")?,
            prev,
            issued: uint("issued")?,
            next_update: uint("next_update")?,
            region: text(get("region"), "region")?,
            division: AreaCode::parse(&text(get("division"), "division")?)
                .map_err(|e| field(format!("division: {e}")))?,
            operator,
            base_url: text(get("base_url"), "base_url")?,
            status_list_uri: text(get("status_list_uri"), "status_list_uri")?,
            certs,
            signers: get("signers")
                .as_bytes()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| field("signers is not 32 bytes"))?,
        };
        list.check()?;
        Ok(list)
    }

    /// Whether the list may be relied on at `now`: issued, and before `next_update`.
    pub fn current_at(&self, now: u64) -> bool {
        self.issued <= now.saturating_add(300) && now < self.next_update
    }

    /// The certificates of one role.
    pub fn certs_of(&self, role: Role) -> impl Iterator<Item = &[u8]> {
        self.certs
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, der)| der.as_slice())
    }
}

/// Signed with the region's list key (`sign` after [`TrustList::check`]; `verify`).
impl TypedDocument for TrustList {
    const TYP: &'static str = TRUST_LIST_TYP;
    type Error = TrustListError;

    fn limits() -> Limits {
        limits()
    }

    fn payload(&self) -> Result<Vec<u8>, TrustListError> {
        self.check()?;
        Ok(self.to_cbor())
    }

    fn from_payload(bytes: &[u8]) -> Result<TrustList, TrustListError> {
        TrustList::from_cbor(bytes)
    }
}

/// What a newly offered list is, against the one held ([`succession`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Succession {
    /// The very list held (same `seq`, same bytes): nothing to do.
    Same,
    /// A later list that chains to the one held (`seq` + 1 and `prev` its hash), or, after a
    /// gap in `seq`, a later list whose chain cannot be checked from here (`gap` lists
    /// missed).
    Later {
        /// Lists between the held one and the offered one.
        gap: u64,
    },
}

/// Judges a verified list `offered` (whose signed bytes hash to `offered_sha256`) against
/// the list held, `held` with the hash of its signed bytes: a lower `seq` is a rollback, the
/// same `seq` with other bytes is equivocation, and the next `seq` must name the held list
/// as `prev`. Each refusal is an error whose message says which.
pub fn succession(
    held: (&TrustList, &[u8; 32]),
    offered: (&TrustList, &[u8; 32]),
) -> Result<Succession, TrustListError> {
    let ((h, h_hash), (o, o_hash)) = (held, offered);
    if o.seq < h.seq {
        return Err(field(format!(
            "rollback: the list offered is seq {}, older than the seq {} held",
            o.seq, h.seq
        )));
    }
    if o.seq == h.seq {
        return if o_hash == h_hash {
            Ok(Succession::Same)
        } else {
            Err(field(format!(
                "equivocation: two different lists both say seq {}",
                o.seq
            )))
        };
    }
    if o.seq == h.seq + 1 && o.prev.as_ref() != Some(h_hash) {
        return Err(field(format!(
            "broken chain: list {} does not name list {} held as its predecessor",
            o.seq, h.seq
        )));
    }
    Ok(Succession::Later {
        gap: o.seq - h.seq - 1,
    })
}
