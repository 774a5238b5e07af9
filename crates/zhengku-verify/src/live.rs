//! What a library knows *now* about what was verified: the second phase's inputs.
//!
//! The first phase ([`crate::examine`]) says what the input claims — the licence's
//! identifier and record digest, each seal signature's esID and claimed stamp time. The
//! caller looks those up where it keeps them (the server in its database, the CLI in a
//! verifier bundle or online) and hands over a [`Live`]; [`crate::conclude`] judges with
//! it. Nothing here performs I/O.
//!
//! A lookup has three answers ([`Lookup`]): found; not held by a source that would hold it
//! if it had been issued there (a library's own records, a bundle's complete list: "not
//! issued here"); or no source at all. Only the first can make a licence 有效.

use std::collections::HashMap;

use zhengku_model::{LicenceStatus, SealStatus};

/// The answer of one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The source knows it.
    Found(T),
    /// The source would know it if it existed there, and does not: not issued (or made)
    /// here. The text names the source.
    NotHeld(String),
    /// No source was consulted.
    Unknown,
    /// A source was consulted and cannot answer now (its list is past `exp`, the trust list
    /// is past `next_update`, the record names no list entry): the text says why.
    Unavailable(String),
}

/// Digests of a signed licence record (`SignedLicence::to_bytes()`), to tell whether a
/// submitted record is the one a library stored without holding the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordDigests {
    /// SHA-256 of the record.
    pub sha256: [u8; 32],
    /// SM3 of the record (what an SM2-signed QR payload's digest claim is cut from).
    pub sm3: [u8; 32],
}

impl RecordDigests {
    /// Both digests of `record`.
    pub fn of(record: &[u8]) -> RecordDigests {
        RecordDigests {
            sha256: zhengku_crypto::sha256(record),
            sm3: zhengku_crypto::sm3(record),
        }
    }
}

/// A licence as a library knows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceLive {
    /// Stored status (valid, suspended, revoked, …); expiry is applied by the engine.
    pub status: LicenceStatus,
    /// Why it last changed, if known.
    pub reason: Option<String>,
    /// When this was known to be the status (the library's "now", a bundle's export time),
    /// Unix seconds. Older than [`Live::max_age`] at the verification time: stale.
    pub as_of: i64,
    /// Where it came from, for reports: `library`, `bundle <time>`, `online <url>`.
    pub source: String,
    /// Digests of the record the library stored, when the source gives them.
    pub record: Option<RecordDigests>,
    /// When the source says itself how long its answer holds (a signed status list's
    /// `exp`, Unix seconds): from then on the status is stale, whatever [`Live::max_age`]
    /// says. `None`: [`Live::max_age`] decides.
    pub good_until: Option<i64>,
}

/// A seal as a library knows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealLive {
    /// Stored status (active, suspended, revoked; expiry is applied from the window).
    pub status: SealStatus,
    /// The seal's validity window, Unix seconds.
    pub valid_start: i64,
    /// End of the window.
    pub valid_end: i64,
    /// When the status last changed to what it is (for suspended and revoked), Unix
    /// seconds. Stamps attested before it keep their force (unless the key was compromised).
    pub changed_at: Option<i64>,
    /// Revoked because its key was compromised: every stamp is invalid, whenever made.
    pub key_compromise: bool,
    /// Why it last changed, if known.
    pub reason: Option<String>,
    /// When this was known (as for [`LicenceLive::as_of`]).
    pub as_of: i64,
    /// Where it came from.
    pub source: String,
    /// The seal's fingerprint as the library made it ([`crate::seal::seal_fingerprint`]):
    /// a seal signature must carry exactly this seal.
    pub fingerprint: Option<[u8; 32]>,
    /// When the library recorded making the very signature verified (its own stamp
    /// record), Unix seconds: an attested stamp time. For a bare seal, when the library
    /// stored the seal.
    pub attested_at: Option<i64>,
    /// As [`LicenceLive::good_until`]: from then on the status is stale.
    pub good_until: Option<i64>,
}

/// Everything the second phase judges by.
#[derive(Debug, Clone)]
pub struct Live {
    /// The licence the input is about (`Unknown` for seals).
    pub licence: Lookup<LicenceLive>,
    /// One lookup per seal signature found, in the order of [`crate::Examined::stamps`].
    pub seals: Vec<Lookup<SealLive>>,
    /// The oldest a status may be, seconds: older is stale, and a stale status is
    /// unverifiable.
    pub max_age: i64,
}

/// The default [`Live::max_age`]: a day.
pub const DEFAULT_MAX_STATUS_AGE: i64 = 24 * 3600;

impl Live {
    /// Nothing known (offline without a bundle).
    pub fn unknown(stamps: usize) -> Live {
        Live {
            licence: Lookup::Unknown,
            seals: vec![Lookup::Unknown; stamps],
            max_age: DEFAULT_MAX_STATUS_AGE,
        }
    }

    /// Looks up what `examined` names in `source`.
    pub fn gather(examined: &crate::Examined, source: &dyn LiveSource) -> Live {
        Live {
            licence: examined
                .licence
                .as_ref()
                .map_or(Lookup::Unknown, |l| source.licence(l)),
            seals: examined.stamps.iter().map(|s| source.seal(s)).collect(),
            max_age: source.max_age(),
        }
    }
}

/// Where a verifier that holds its knowledge in memory (a bundle, a test) looks things up.
pub trait LiveSource {
    /// The licence the input claims to be (by identifier, or by its status-list entry).
    fn licence(&self, claim: &crate::LicenceClaim) -> Lookup<LicenceLive>;
    /// The seal a signature (or a bare seal) carries: by esID, or by its status-list
    /// entry; the signature's SHA-256 finds an attested stamp time.
    fn seal(&self, stamp: &crate::StampClaim) -> Lookup<SealLive>;
    /// [`Live::max_age`].
    fn max_age(&self) -> i64 {
        DEFAULT_MAX_STATUS_AGE
    }
}

/// No source: everything unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLive;

impl LiveSource for NoLive {
    fn licence(&self, _: &crate::LicenceClaim) -> Lookup<LicenceLive> {
        Lookup::Unknown
    }
    fn seal(&self, _: &crate::StampClaim) -> Lookup<SealLive> {
        Lookup::Unknown
    }
}

/// Statuses held in memory: a verifier bundle's lists, or a test's.
#[derive(Debug, Clone, Default)]
pub struct LiveLists {
    /// Licences by identifier.
    pub licences: HashMap<String, LicenceLive>,
    /// Seals by esID.
    pub seals: HashMap<String, SealLive>,
    /// `Some(source)` when the lists are a library's complete lists: anything absent was
    /// not issued there ([`Lookup::NotHeld`]). `None`: absent is unknown.
    pub complete: Option<String>,
    /// [`Live::max_age`].
    pub max_age: i64,
}

impl LiveLists {
    fn absent<T>(&self) -> Lookup<T> {
        match &self.complete {
            Some(source) => Lookup::NotHeld(source.clone()),
            None => Lookup::Unknown,
        }
    }
}

impl LiveSource for LiveLists {
    fn licence(&self, claim: &crate::LicenceClaim) -> Lookup<LicenceLive> {
        match self.licences.get(&claim.identifier) {
            Some(l) => Lookup::Found(l.clone()),
            None => self.absent(),
        }
    }
    fn seal(&self, stamp: &crate::StampClaim) -> Lookup<SealLive> {
        match self.seals.get(&stamp.esid) {
            Some(s) => Lookup::Found(s.clone()),
            None => self.absent(),
        }
    }
    fn max_age(&self) -> i64 {
        self.max_age
    }
}
