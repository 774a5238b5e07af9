//! The JSON form of verification results (serde `Serialize`), one stable shape for the API
//! (`POST /v1/verify`), the web page and `zhengku verify --json`.
//!
//! A [`LicenceReport`] serialises as
//!
//! ```json
//! {
//!   "verdict": "valid",               // valid | suspended | revoked | expired | invalid | unverifiable
//!   "verdict_zh": "有效",              // 有效 | 已暂停 | 已撤销 | 已过期 | 无效 | 无法核验
//!   "exit_code": 0,                   // the CLI's: 0 valid, 1 invalid or not in force, 2 unverifiable
//!   "kind": "qr",                     // record | qr | pdf | seal | signature
//!   "subject": "zhengku QR payload (ZK1: COSE_Sign1)",
//!   "facts": {                        // null for seals and unreadable input
//!     "identifier": "1.2.156.3005.2.…", "type_code": "…", "type_name": "营业执照" | null,
//!     "issuer_code": "…", "issuer_name": "…" | null,
//!     "holder_name": "王*英", "holder_code": "330106********0047",
//!     "valid_from": "2024-03-15", "valid_until": "2029-03-14" | null,
//!     "issue_date": "2024-03-15" | null, // 发证日期
//!     "issued_at": 1710469800,          // Unix seconds (when it was signed)
//!     "status": null | { "status": "revoked", "status_zh": "已撤销", "reason": "…" | null,
//!                        "as_of": 1710469800, "source": "library" }
//!   },
//!   "details": [ { "name": "identifier", "value": "…" }, … ],   // the report's other facts
//!   "checks": [
//!     { "id": "qr_signature", "label": "…", "label_zh": "…",
//!       "outcome": "passed", "detail": "…" }      // passed | failed | unverifiable | skipped
//!   ]
//! }
//! ```
//!
//! A [`Report`] alone serialises as `{"subject", "details", "checks", "valid", "complete"}`;
//! a [`Check`] and an [`Outcome`] as in `checks` above; a [`CheckId`] as its id string
//! ([`CheckId::as_str`]); a [`Verdict`] as its lowercase name.
//! Field names and values are a contract: add fields, never rename them.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use crate::context::Verdict;
use crate::licence::{InputKind, LicenceFacts, LicenceReport};
use crate::live::LicenceLive;
use crate::report::{Check, CheckId, Outcome, Report};

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for InputKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for CheckId {
    /// The id as written ([`CheckId::as_str`]).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Outcome {
    /// `{"outcome": "passed", "detail": "…"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Outcome", 2)?;
        m.serialize_field("outcome", self.as_str())?;
        m.serialize_field("detail", self.detail())?;
        m.end()
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Check", 5)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("label", self.label)?;
        m.serialize_field("label_zh", self.label_zh)?;
        m.serialize_field("outcome", self.outcome.as_str())?;
        m.serialize_field("detail", self.outcome.detail())?;
        m.end()
    }
}

/// The report's `(name, value)` facts as `[{"name", "value"}, …]` (names may repeat).
struct Details<'a>(&'a [(&'static str, String)]);

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (name, value) in self.0 {
            seq.serialize_element(&Detail { name, value })?;
        }
        seq.end()
    }
}

struct Detail<'a> {
    name: &'a str,
    value: &'a str,
}

impl Serialize for Detail<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("value", self.value)?;
        m.end()
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Report", 5)?;
        m.serialize_field("subject", &self.subject)?;
        m.serialize_field("details", &Details(&self.facts))?;
        m.serialize_field("checks", &self.checks)?;
        m.serialize_field("valid", &self.valid())?;
        m.serialize_field("complete", &self.complete())?;
        m.end()
    }
}

impl Serialize for LicenceLive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("LicenceLive", 5)?;
        m.serialize_field("status", self.status.as_str())?;
        m.serialize_field("status_zh", self.status.label_zh())?;
        m.serialize_field("reason", &self.reason)?;
        m.serialize_field("as_of", &self.as_of)?;
        m.serialize_field("source", &self.source)?;
        m.end()
    }
}

impl Serialize for LicenceFacts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("LicenceFacts", 12)?;
        m.serialize_field("identifier", &self.identifier)?;
        m.serialize_field("type_code", &self.type_code)?;
        m.serialize_field("type_name", &self.type_name)?;
        m.serialize_field("issuer_code", &self.issuer_code)?;
        m.serialize_field("issuer_name", &self.issuer_name)?;
        m.serialize_field("holder_name", &self.holder_name)?;
        m.serialize_field("holder_code", &self.holder_code)?;
        // `Date`'s Display is ISO 8601 `YYYY-MM-DD` for the years a licence can have.
        m.serialize_field("valid_from", &self.valid_from.to_string())?;
        m.serialize_field("valid_until", &self.valid_until.map(|d| d.to_string()))?;
        m.serialize_field("issue_date", &self.issue_date.map(|d| d.to_string()))?;
        m.serialize_field("issued_at", &self.issued_at)?;
        m.serialize_field("status", &self.status)?;
        m.end()
    }
}

impl Serialize for LicenceReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("LicenceReport", 8)?;
        m.serialize_field("verdict", &self.verdict)?;
        m.serialize_field("verdict_zh", self.verdict.label_zh())?;
        m.serialize_field("exit_code", &self.verdict.exit_code())?;
        m.serialize_field("kind", &self.kind)?;
        m.serialize_field("subject", &self.report.subject)?;
        m.serialize_field("facts", &self.facts)?;
        m.serialize_field("details", &Details(&self.report.facts))?;
        m.serialize_field("checks", &self.report.checks)?;
        m.end()
    }
}
