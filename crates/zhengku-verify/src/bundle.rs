//! The legacy verifier bundle (离线核验包): what `zhengku bundle export --database-url`
//! writes and `zhengku verify --trust BUNDLE` (and `zhengku seal verify`) read, so a verifier
//! judges licences and seals without a network. Its status list is unsigned; the signed
//! artefacts of `zhengku sync` and `bundle export --from` replace it, and it stays for
//! licences issued before status lists (whose records name no list entry). This module is the format — folder layout, the status list and how
//! it becomes the engine's [`LiveLists`] — and the answers of a library's public status
//! routes (`--online`). Reading and writing the files is the edges' job (`zhengku-trust`
//! reads, the CLI writes); nothing here performs I/O.
//!
//! ```text
//! BUNDLE/anchors/*.crt          trust anchors (PEM)
//! BUNDLE/intermediates/*.crt    issuing CAs (PEM)
//! BUNDLE/crls/*.crl             CRLs (PEM)
//! BUNDLE/signers/<uscc>-<keyid>.crt   each department's signing certificate (PEM): the
//!                               keys licences and QR codes are signed with
//! BUNDLE/status.json            every licence's and every seal's status, as of one time
//!                               (format zhengku-status-list/1, [`StatusList`])
//! ```
//!
//! A status list is the library's *complete* list as of its export: a licence or seal absent
//! from it was not issued (made) by that library, and every status in it is as old as the
//! export, so it goes stale after the verifier's maximum status age (24 h by default).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_model::{LicenceStatus, SealStatus};

use crate::live::{LicenceLive, LiveLists, RecordDigests, SealLive};

/// The folder of trust anchors.
pub const ANCHORS_DIR: &str = "anchors";
/// The folder of intermediate CA certificates.
pub const INTERMEDIATES_DIR: &str = "intermediates";
/// The folder of CRLs.
pub const CRLS_DIR: &str = "crls";
/// The folder of department (signer) certificates.
pub const SIGNERS_DIR: &str = "signers";
/// The status list file.
pub const STATUS_FILE: &str = "status.json";
/// The status list format this code reads and writes.
pub const STATUS_FORMAT: &str = "zhengku-status-list/1";

/// Why a status list or a status answer cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Not JSON of the expected shape.
    #[error("not a status list: {0}")]
    Json(#[from] serde_json::Error),
    /// Another format version.
    #[error("status list format {0:?}, this zhengku reads {STATUS_FORMAT:?}")]
    Format(String),
    /// A field holds a value outside its domain (named, with the entry).
    #[error("{entry}: {detail}")]
    Entry {
        /// The licence identifier or esID, or the field.
        entry: String,
        /// What is wrong.
        detail: String,
    },
}

fn entry(entry: &str, detail: impl ToString) -> BundleError {
    BundleError::Entry {
        entry: entry.to_owned(),
        detail: detail.to_string(),
    }
}

/// A certificate or CRL with the name it had where it was found (for bundle copies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// A file name for it: where it came from, folders joined with `-`.
    pub name: String,
    /// DER.
    pub der: Vec<u8>,
}

/// The bundle path of a department's signing certificate.
pub fn signer_path(uscc: &str, key_id: &str) -> String {
    format!("{SIGNERS_DIR}/{uscc}-{key_id}.crt")
}

/// `status.json` of a verifier bundle: a library's complete lists, as of one time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusList {
    /// [`STATUS_FORMAT`].
    pub format: String,
    /// When the list was exported (RFC 3339): every status is as of this time.
    pub generated_at: String,
    /// Every licence in the library.
    pub licences: Vec<StatusEntry>,
    /// Every seal the library made (absent in lists from older exports).
    #[serde(default)]
    pub seals: Vec<SealEntry>,
}

/// One licence in a status list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusEntry {
    /// 证照标识.
    pub identifier: String,
    /// Stored status: valid, suspended, revoked, cancelled, withdrawn (expiry is applied by
    /// the verifier from the licence's own end date).
    pub status: String,
    /// Why it last changed, if it did.
    pub reason: Option<String>,
    /// When it last changed (RFC 3339).
    pub as_of: String,
    /// SHA-256 of the signed record the library stored (hex): the record or QR code
    /// verified must be this one. Absent in lists from older exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_sha256: Option<String>,
    /// SM3 of the same (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_sm3: Option<String>,
}

/// One seal in a status list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealEntry {
    /// 印章编码.
    pub esid: String,
    /// Stored status: active, suspended, revoked.
    pub status: String,
    /// Validity window, Unix seconds.
    pub valid_start: i64,
    /// End of the window.
    pub valid_end: i64,
    /// When the status last changed, Unix seconds.
    pub changed_at: Option<i64>,
    /// Revoked because its key was compromised: every stamp is invalid.
    #[serde(default)]
    pub key_compromise: bool,
    /// Why it last changed.
    pub reason: Option<String>,
    /// The seal's fingerprint (hex; [`crate::seal::seal_fingerprint`]).
    pub fingerprint: String,
}

impl StatusList {
    /// Reads `status.json`: JSON of this shape and [`STATUS_FORMAT`].
    pub fn from_json(bytes: &[u8]) -> Result<StatusList, BundleError> {
        let list: StatusList = serde_json::from_slice(bytes)?;
        if list.format != STATUS_FORMAT {
            return Err(BundleError::Format(list.format));
        }
        Ok(list)
    }

    /// `status.json` as written (pretty JSON).
    pub fn to_json(&self) -> Result<String, BundleError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// The lists as the engine takes them, complete as of the export, stale after
    /// `max_age` seconds.
    pub fn live_lists(&self, max_age: i64) -> Result<LiveLists, BundleError> {
        let generated = OffsetDateTime::parse(&self.generated_at, &Rfc3339)
            .map_err(|e| entry("generated_at", format!("{:?}: {e}", self.generated_at)))?
            .unix_timestamp();
        let source = format!("bundle {}", self.generated_at);
        let mut lists = LiveLists {
            complete: Some(source.clone()),
            max_age,
            ..LiveLists::default()
        };
        for e in &self.licences {
            let status: LicenceStatus =
                e.status.parse().map_err(|err| entry(&e.identifier, err))?;
            let record = match (&e.record_sha256, &e.record_sm3) {
                (Some(sha), Some(sm3)) => Some(RecordDigests {
                    sha256: hex32(&e.identifier, sha)?,
                    sm3: hex32(&e.identifier, sm3)?,
                }),
                _ => None,
            };
            lists.licences.insert(
                e.identifier.clone(),
                LicenceLive {
                    status,
                    reason: e.reason.clone(),
                    as_of: generated,
                    source: source.clone(),
                    record,
                    good_until: None,
                },
            );
        }
        for e in &self.seals {
            let status: SealStatus = e
                .status
                .parse()
                .map_err(|_| entry(&e.esid, format!("status {:?}", e.status)))?;
            lists.seals.insert(
                e.esid.clone(),
                SealLive {
                    status,
                    valid_start: e.valid_start,
                    valid_end: e.valid_end,
                    changed_at: e.changed_at,
                    key_compromise: e.key_compromise,
                    reason: e.reason.clone(),
                    as_of: generated,
                    source: source.clone(),
                    fingerprint: Some(hex32(&e.esid, &e.fingerprint)?),
                    // A bundle does not carry the library's stamp records: a stamp's time is
                    // not attested offline, so a seal not active now decides.
                    attested_at: None,
                    good_until: None,
                },
            );
        }
        Ok(lists)
    }
}

/// The answer of a library's `GET /v1/licences/{id}/status`, as the engine takes it.
/// `now` stands in for a missing or unreadable `checked_at`.
pub fn licence_status_answer(
    body: &[u8],
    source: &str,
    now: i64,
) -> Result<LicenceLive, BundleError> {
    #[derive(Deserialize)]
    struct View {
        status: String,
        checked_at: Option<String>,
    }
    let view: View = serde_json::from_slice(body)?;
    let status: LicenceStatus = view.status.parse().map_err(|e| entry("status", e))?;
    let as_of = view
        .checked_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .map_or(now, OffsetDateTime::unix_timestamp);
    Ok(LicenceLive {
        status,
        reason: None,
        as_of,
        source: source.to_owned(),
        record: None,
        good_until: None,
    })
}

/// The answer of a library's `GET /v1/seals/{esid}/status`, as the engine takes it.
pub fn seal_status_answer(body: &[u8], esid: &str, source: &str) -> Result<SealLive, BundleError> {
    #[derive(Deserialize)]
    struct View {
        status: String,
        valid_start: i64,
        valid_end: i64,
        changed_at: Option<i64>,
        key_compromise: bool,
        fingerprint: Option<String>,
        as_of: i64,
    }
    let view: View = serde_json::from_slice(body)?;
    let status: SealStatus = view
        .status
        .parse()
        .map_err(|_| entry("status", format!("{:?}", view.status)))?;
    let fingerprint = view
        .fingerprint
        .as_deref()
        .map(|h| hex32(esid, h))
        .transpose()?;
    Ok(SealLive {
        status,
        valid_start: view.valid_start,
        valid_end: view.valid_end,
        changed_at: view.changed_at,
        key_compromise: view.key_compromise,
        reason: None,
        as_of: view.as_of,
        source: source.to_owned(),
        fingerprint,
        // The library's stamp records stay there: online, a stamp's time is not attested,
        // so a seal not active now decides.
        attested_at: None,
        good_until: None,
    })
}

/// 32 bytes from 64 hex digits, or an error naming `what`.
fn hex32(what: &str, h: &str) -> Result<[u8; 32], BundleError> {
    let bytes = hex::decode(h).map_err(|_| entry(what, "not hex"))?;
    bytes.try_into().map_err(|_| entry(what, "not 32 bytes"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lists_round_trip_and_become_complete_live_lists() {
        let list = StatusList {
            format: STATUS_FORMAT.into(),
            generated_at: "2026-12-01T00:00:00Z".into(),
            licences: vec![StatusEntry {
                identifier: "A".into(),
                status: "suspended".into(),
                reason: Some("核查".into()),
                as_of: "2026-11-30T00:00:00Z".into(),
                record_sha256: Some("11".repeat(32)),
                record_sm3: Some("22".repeat(32)),
            }],
            seals: vec![],
        };
        let again = StatusList::from_json(list.to_json().unwrap().as_bytes()).unwrap();
        let lists = again.live_lists(3600).unwrap();
        assert_eq!(
            lists.complete.as_deref(),
            Some("bundle 2026-12-01T00:00:00Z")
        );
        let a = &lists.licences["A"];
        assert_eq!(a.status, LicenceStatus::Suspended);
        assert_eq!(a.as_of, 1_796_083_200);
        assert_eq!(a.record.unwrap().sm3, [0x22; 32]);
        assert_eq!(lists.max_age, 3600);
    }

    #[test]
    fn other_formats_and_bad_entries_are_refused() {
        let other = br#"{"format":"x/2","generated_at":"2026-12-01T00:00:00Z","licences":[]}"#;
        assert!(matches!(
            StatusList::from_json(other),
            Err(BundleError::Format(_))
        ));
        let bad = br#"{"format":"zhengku-status-list/1","generated_at":"2026-12-01T00:00:00Z",
            "licences":[{"identifier":"A","status":"valid","reason":null,"as_of":"x",
            "record_sha256":"zz","record_sm3":"00"}]}"#;
        let list = StatusList::from_json(bad).unwrap();
        assert!(matches!(list.live_lists(1), Err(BundleError::Entry { .. })));
    }
}
