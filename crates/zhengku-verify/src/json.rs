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
//!
//! The shape is defined once, by the wire types below ([`LicenceVerification`] and its
//! parts): a report is turned into them and they are serialised. With the `openapi` feature
//! they also derive `utoipa::ToSchema`, and they deserialise (strings as `Cow`, borrowed
//! when serialising, owned when read back) so clients and tests can read a report back; so the service's OpenAPI document describes exactly
//! what is sent (the service enables it; the CLI and verifiers do not link utoipa).

use std::borrow::Cow;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

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

/// A verification result (the engine's report, zhengku-verify `json`).
///
/// What `POST /v1/verify`, `POST /v1/verify/seal` and `zhengku verify --json` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceVerification<'a> {
    /// `valid`, `suspended`, `revoked`, `expired`, `invalid` or `unverifiable`.
    pub verdict: Cow<'a, str>,
    /// 有效, 已暂停, 已撤销, 已过期, 无效 or 无法核验.
    pub verdict_zh: Cow<'a, str>,
    /// What `zhengku verify` exits with for it: 0 valid, 1 invalid or not in force, 2
    /// unverifiable.
    pub exit_code: u8,
    /// What the input was: `pdf`, `qr`, `record`, `seal`, `signature`.
    pub kind: Cow<'a, str>,
    /// What was verified, in words.
    pub subject: Cow<'a, str>,
    /// The licence's facts; null for seals and unreadable input.
    pub facts: Option<LicenceFactsView<'a>>,
    /// Everything else read from the input.
    pub details: Vec<FactView<'a>>,
    /// Every check, in order.
    pub checks: Vec<CheckView<'a>>,
}

/// What the verified input says about the licence (personal data masked).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceFactsView<'a> {
    /// 证照标识.
    pub identifier: Cow<'a, str>,
    /// 证照类型代码.
    pub type_code: Cow<'a, str>,
    /// 证照类型名称, when known.
    pub type_name: Option<Cow<'a, str>>,
    /// 发证机构代码 (USCC).
    pub issuer_code: Cow<'a, str>,
    /// 发证机构, when known.
    pub issuer_name: Option<Cow<'a, str>>,
    /// 持证主体, masked for persons (张*三).
    pub holder_name: Cow<'a, str>,
    /// 持证主体代码, masked for persons.
    pub holder_code: Cow<'a, str>,
    /// 有效期起始日期, `YYYY-MM-DD`.
    pub valid_from: String,
    /// 有效期截止日期; null for 长期.
    pub valid_until: Option<String>,
    /// 发证日期, `YYYY-MM-DD`, when known.
    pub issue_date: Option<String>,
    /// When signed, Unix seconds.
    pub issued_at: i64,
    /// The live status, when the licence is in this library.
    pub status: Option<LiveStatusView<'a>>,
}

/// A licence's live status in this library.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveStatusView<'a> {
    /// Stored status: `valid`, `suspended`, `revoked`, `cancelled`, `expired`, `withdrawn`.
    pub status: Cow<'a, str>,
    /// The same in Chinese (有效, 已暂停, 已撤销, …).
    pub status_zh: Cow<'a, str>,
    /// Why it last changed, if it is not valid.
    pub reason: Option<Cow<'a, str>>,
    /// When this was the status, Unix seconds.
    pub as_of: i64,
    /// Where it came from: `library`.
    pub source: Cow<'a, str>,
}

/// A fact read from the input.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactView<'a> {
    /// Name.
    pub name: Cow<'a, str>,
    /// Value.
    pub value: Cow<'a, str>,
}

/// One check of a verification.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckView<'a> {
    /// Stable id.
    pub id: Cow<'a, str>,
    /// What is checked.
    pub label: Cow<'a, str>,
    /// The same, in Chinese.
    pub label_zh: Cow<'a, str>,
    /// `passed`, `failed`, `unverifiable` or `skipped`.
    pub outcome: Cow<'a, str>,
    /// What was found, or why it failed or was skipped.
    pub detail: Cow<'a, str>,
}

impl<'a> From<&'a Check> for CheckView<'a> {
    fn from(c: &'a Check) -> Self {
        CheckView {
            id: c.id.as_str().into(),
            label: c.label.into(),
            label_zh: c.label_zh.into(),
            outcome: c.outcome.as_str().into(),
            detail: c.outcome.detail().into(),
        }
    }
}

impl<'a> From<&'a LicenceLive> for LiveStatusView<'a> {
    fn from(l: &'a LicenceLive) -> Self {
        LiveStatusView {
            status: l.status.as_str().into(),
            status_zh: l.status.label_zh().into(),
            reason: l.reason.as_deref().map(Cow::Borrowed),
            as_of: l.as_of,
            source: l.source.as_str().into(),
        }
    }
}

impl<'a> From<&'a LicenceFacts> for LicenceFactsView<'a> {
    fn from(f: &'a LicenceFacts) -> Self {
        LicenceFactsView {
            identifier: f.identifier.as_str().into(),
            type_code: f.type_code.as_str().into(),
            type_name: f.type_name.as_deref().map(Cow::Borrowed),
            issuer_code: f.issuer_code.as_str().into(),
            issuer_name: f.issuer_name.as_deref().map(Cow::Borrowed),
            holder_name: f.holder_name.as_str().into(),
            holder_code: f.holder_code.as_str().into(),
            // `Date`'s Display is ISO 8601 `YYYY-MM-DD` for the years a licence can have.
            valid_from: f.valid_from.to_string(),
            valid_until: f.valid_until.map(|d| d.to_string()),
            issue_date: f.issue_date.map(|d| d.to_string()),
            issued_at: f.issued_at,
            status: f.status.as_ref().map(LiveStatusView::from),
        }
    }
}

/// The report's `(name, value)` facts as `[{"name", "value"}, …]` (names may repeat).
fn details<'a>(facts: &'a [(&'static str, String)]) -> Vec<FactView<'a>> {
    facts
        .iter()
        .map(|(name, value)| FactView {
            name: Cow::Borrowed(name),
            value: value.as_str().into(),
        })
        .collect()
}

impl<'a> From<&'a LicenceReport> for LicenceVerification<'a> {
    fn from(r: &'a LicenceReport) -> Self {
        LicenceVerification {
            verdict: r.verdict.as_str().into(),
            verdict_zh: r.verdict.label_zh().into(),
            exit_code: r.verdict.exit_code(),
            kind: r.kind.as_str().into(),
            subject: r.report.subject.as_str().into(),
            facts: r.facts.as_ref().map(LicenceFactsView::from),
            details: details(&r.report.facts),
            checks: r.report.checks.iter().map(CheckView::from).collect(),
        }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CheckView::from(self).serialize(s)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Report", 5)?;
        m.serialize_field("subject", &self.subject)?;
        m.serialize_field("details", &details(&self.facts))?;
        m.serialize_field("checks", &self.checks)?;
        m.serialize_field("valid", &self.valid())?;
        m.serialize_field("complete", &self.complete())?;
        m.end()
    }
}

impl Serialize for LicenceLive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LiveStatusView::from(self).serialize(s)
    }
}

impl Serialize for LicenceFacts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LicenceFactsView::from(self).serialize(s)
    }
}

impl Serialize for LicenceReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LicenceVerification::from(self).serialize(s)
    }
}
