//! Licences: issuing, reading, reuse, status and history, and the licence types.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use zhengku_model::LicenceType;
use zhengku_model::date::format_date;
use zhengku_model::licence_type::{FieldKind, Validity};
use zhengku_store::{LicenceEvent, StoredLicence};

use super::{rfc3339, today};

/// The body of `POST /v1/licences:batch`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 1,000 issue requests.
    pub requests: Vec<zhengku_model::IssueRequest>,
}

/// 颁发机构 (issuer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IssuerView {
    /// Name.
    pub name: String,
    /// 统一社会信用代码.
    pub code: String,
}

/// 持证主体 (holder).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HolderView {
    /// Name.
    pub name: String,
    /// 持证主体代码.
    pub code: String,
    /// 持证主体代码类型: `001` USCC, `111` citizen ID.
    pub code_type: String,
}

/// The signature over the licence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    /// `SM2-SM3` or `ECDSA-P256-SHA256`.
    pub algorithm: String,
    /// The signing key's id (first 8 bytes of SHA-256 of its SubjectPublicKeyInfo), hex.
    pub key_id: String,
}

/// Where a licence's status is published: its entry in a Token Status List (the signed
/// record's `status`; docs/status-lists.md). Absent for licences issued before status lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusListView {
    /// The entry's index in the list.
    pub idx: u64,
    /// The list's URI (`<public base URL>/sl/<n>`).
    pub uri: String,
}

impl StatusListView {
    fn of(r: &zhengku_model::LicenceRecord) -> Option<StatusListView> {
        r.status.as_ref().map(|s| StatusListView {
            idx: s.idx,
            uri: s.uri.clone(),
        })
    }
}

/// A licence, as its issuer, an administrator or a reusing department sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceView {
    /// 证照标识 (GB/T 36904).
    pub identifier: String,
    /// 证照编号.
    pub licence_number: String,
    /// 证照名称.
    pub name: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照类型名称.
    pub type_name: String,
    /// 证照定义机构.
    pub defining_authority: String,
    /// 颁发机构.
    pub issuer: IssuerView,
    /// 持证主体.
    pub holder: HolderView,
    /// 颁发日期.
    pub issue_date: String,
    /// 有效期起始日期.
    pub valid_from: String,
    /// 有效期截止日期; null for 长期.
    pub valid_until: Option<String>,
    /// 管辖属地编码.
    pub jurisdiction: String,
    /// 照面信息.
    pub face: BTreeMap<String, String>,
    /// When the record was made and signed.
    pub issued_at: String,
    /// Stored status: `valid`, `suspended`, `revoked`, … .
    pub status: String,
    /// Status today: as stored, or `expired` once `valid_until` has passed.
    pub effective_status: String,
    /// Its status-list entry, as signed in the record.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_list: Option<StatusListView>,
    /// The signature's algorithm and key.
    pub signature: SignatureView,
    /// The signed licence in its canonical form (deterministic CBOR), base64: what
    /// `zhengku licence verify` checks offline.
    pub signed: String,
}

impl LicenceView {
    /// The view of a stored licence.
    pub fn of(l: &StoredLicence) -> LicenceView {
        let r = l.licence.record();
        LicenceView {
            identifier: r.identifier.to_string(),
            licence_number: r.licence_number.clone(),
            name: r.name.clone(),
            type_code: r.type_code.to_string(),
            type_name: r.type_name.clone(),
            defining_authority: r.defining_authority.clone(),
            issuer: IssuerView {
                name: r.issuer_name.clone(),
                code: r.issuer_code.as_str().to_owned(),
            },
            holder: HolderView {
                name: r.holder_name.clone(),
                code: r.holder_code.as_str().to_owned(),
                code_type: r.holder_code_type().as_str().to_owned(),
            },
            issue_date: format_date(r.issue_date),
            valid_from: format_date(r.valid_from),
            valid_until: r.valid_until.map(format_date),
            jurisdiction: r.jurisdiction.as_str().to_owned(),
            face: r.face.clone(),
            issued_at: rfc3339(i64::try_from(r.issued_at.unix_seconds()).unwrap_or(i64::MAX)),
            status: l.status.as_str().to_owned(),
            effective_status: l.status.on(r.valid_until, today()).as_str().to_owned(),
            status_list: StatusListView::of(r),
            signature: SignatureView {
                algorithm: l.licence.algorithm().name().to_owned(),
                key_id: l.licence.key_id().to_string(),
            },
            signed: STANDARD.encode(l.licence.to_bytes()),
        }
    }
}

/// The public status of a licence: no personal data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusView {
    /// 证照标识.
    pub identifier: String,
    /// Status today (`valid`, `suspended`, `revoked`, `expired`, …).
    pub status: String,
    /// The same in Chinese (有效, 暂停, 撤销, 过期, …).
    pub status_label: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照类型名称.
    pub type_name: String,
    /// 颁发机构.
    pub issuer: IssuerView,
    /// 有效期起始日期.
    pub valid_from: String,
    /// 有效期截止日期; null for 长期.
    pub valid_until: Option<String>,
    /// Its status-list entry, for verifiers that follow the list (no personal data).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_list: Option<StatusListView>,
    /// When this answer was made.
    pub checked_at: String,
}

impl StatusView {
    /// The public status of a stored licence, today.
    pub fn of(l: &StoredLicence) -> StatusView {
        let r = l.licence.record();
        let status = l.status.on(r.valid_until, today());
        StatusView {
            identifier: r.identifier.to_string(),
            status: status.as_str().to_owned(),
            status_label: status.label_zh().to_owned(),
            type_code: r.type_code.to_string(),
            type_name: r.type_name.clone(),
            issuer: IssuerView {
                name: r.issuer_name.clone(),
                code: r.issuer_code.as_str().to_owned(),
            },
            valid_from: format_date(r.valid_from),
            valid_until: r.valid_until.map(format_date),
            status_list: StatusListView::of(r),
            checked_at: rfc3339(OffsetDateTime::now_utc().unix_timestamp()),
        }
    }
}

/// One item of a successful batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchItem {
    /// Position in the request, from 0.
    pub index: usize,
    /// Always `issued` in a successful batch.
    pub outcome: String,
    /// The licence issued for it.
    pub licence: LicenceView,
}

/// The answer to a successful batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// Always true: a batch is stored all or nothing. When any item is invalid, the answer
    /// is a 422 problem listing every item's outcome, and nothing is issued.
    pub all_or_nothing: bool,
    /// How many licences were issued.
    pub issued: usize,
    /// One result per request item, in request order.
    pub items: Vec<BatchItem>,
}

/// The answer to a reuse lookup.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReuseResponse {
    /// The use cause given; every licence below was audited as used with it.
    pub use_cause: String,
    /// How many licences were found.
    pub count: usize,
    /// The licences, by identifier.
    pub licences: Vec<LicenceView>,
}

/// The body of suspend, resume and revoke.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// Why: e.g. the decision document number. 1 to 500 characters.
    pub reason: String,
}

/// One status change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Status before.
    pub from: String,
    /// Status after.
    pub to: String,
    /// Why.
    pub reason: String,
    /// Who (`<department USCC>/<key id>`).
    pub actor: String,
    /// When.
    pub at: String,
}

impl EventView {
    /// The view of an event.
    pub fn of(e: &LicenceEvent) -> EventView {
        EventView {
            from: e.from.as_str().to_owned(),
            to: e.to.as_str().to_owned(),
            reason: e.reason.clone(),
            actor: e.actor.clone(),
            at: rfc3339(e.at),
        }
    }
}

/// The answer to a status change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChangeResponse {
    /// 证照标识.
    pub identifier: String,
    /// The status now.
    pub status: String,
    /// The change made.
    pub event: EventView,
}

/// A licence's status history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryResponse {
    /// 证照标识.
    pub identifier: String,
    /// When it was issued.
    pub issued_at: String,
    /// Its status now.
    pub status: String,
    /// Every change, oldest first.
    pub events: Vec<EventView>,
}

/// One face field of a licence type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldView {
    /// The name used in `face`.
    pub name: String,
    /// The label printed on the licence.
    pub label: String,
    /// `text`, `date`, `money`, `enumeration`, `code` or `integer`.
    pub kind: String,
    /// Whether it must be given.
    pub required: bool,
    /// Longest value, characters.
    pub max_len: usize,
    /// For enumerations: the allowed values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
}

/// A licence type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceTypeView {
    /// 证照类型代码.
    pub code: String,
    /// 证照类型名称.
    pub name: String,
    /// 证照定义机构.
    pub defining_authority: String,
    /// `organisation` (holder code is a USCC) or `person` (a citizen ID).
    pub holder_kind: String,
    /// Validity rule: `fixed_years:<n>`, `long_term` or `long_term_or_end_date`.
    pub validity: String,
    /// Face fields.
    pub fields: Vec<FieldView>,
}

impl LicenceTypeView {
    /// The view of a type.
    pub fn of(t: &LicenceType) -> LicenceTypeView {
        LicenceTypeView {
            code: t.code().to_string(),
            name: t.name().to_owned(),
            defining_authority: t.defining_authority().to_owned(),
            holder_kind: t.holder_kind().as_str().to_owned(),
            validity: match t.validity() {
                Validity::FixedYears(n) => format!("fixed_years:{n}"),
                Validity::LongTerm {
                    end_date_allowed: false,
                } => "long_term".to_owned(),
                _ => "long_term_or_end_date".to_owned(),
            },
            fields: t
                .fields()
                .iter()
                .map(|f| FieldView {
                    name: f.name().to_owned(),
                    label: f.label().to_owned(),
                    kind: f.kind().as_str().to_owned(),
                    required: f.required(),
                    max_len: f.max_len(),
                    options: match f.kind() {
                        FieldKind::Enumeration { options } => Some(options.clone()),
                        _ => None,
                    },
                })
                .collect(),
        }
    }
}

/// The licence types this library issues.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceTypeList {
    /// The types, by code.
    pub types: Vec<LicenceTypeView>,
}
