//! The licence record (证照记录): GB/T 36903 core metadata plus the face fields (照面信息),
//! and its canonical, signable byte form.
//!
//! - [`LicenceRecord`] is the data; every field is a validated type where one exists.
//! - [`LicenceType::build_record`](crate::LicenceType::build_record) makes a record from a
//!   department's [`IssueRequest`], reporting every problem at once ([`ValidationErrors`]).
//! - [`LicenceRecord::to_canonical_cbor`] / [`LicenceRecord::from_canonical_cbor`] are the
//!   signed form: deterministic CBOR with short text keys and a format version, decoded
//!   strictly ([`RecordError`]).
//!
//! # Rules for values in a request
//!
//! Every text value, core or face:
//! - is not empty (an optional face field is left out, not sent as `""`);
//! - has no control characters, line breaks included: a licence face prints each value in its
//!   own box and the layout is the template's business, not the data's;
//! - has no leading or trailing whitespace (the ideographic space U+3000 included). Nothing is
//!   trimmed silently: what a department sends is what gets signed, or it is refused with
//!   `surrounding_whitespace`;
//! - has at most `max_len` characters (Unicode scalar values, not bytes).
//!
//! Values are normalised in one place only: money amounts lose trailing fractional zeros
//! (`100.50` → `100.5`), because they are the same amount and the signed form must have one
//! spelling. Every other value is signed exactly as sent, or refused.
//!
//! Dates are `YYYY-MM-DD` from 1900-01-01 ([`date`](crate::date)). A fixed-term type
//! (`fixed_years = N`) needs `valid_until`, at most the same day N years after `valid_from`
//! (the anniversary itself is allowed: both "to the day before" and "to the same day" occur on
//! real licences). A long-term type (长期) takes no `valid_until` unless its definition says
//! `end_date_allowed` (营业期限 of a business licence with a fixed term).
//!
//! # Status is not in the record
//!
//! The record holds what was decided at issue time and never changes afterwards. The
//! licence's status ([`LicenceStatus`](crate::LicenceStatus): suspended, revoked, …) changes
//! after signing, so it is deliberately not part of the record or its signed bytes.

mod canonical;
mod issue;

use std::collections::BTreeMap;
use std::fmt;

use time::{Date, OffsetDateTime};

use crate::codes::{AreaCode, CitizenId, Uscc};
use crate::identifier::{LicenceId, TypeCode};

pub use canonical::{
    FORMAT_VERSION, FORMAT_VERSION_1, MAX_RECORD_LEN, MAX_STATUS_URI_LEN, RecordError,
};
pub use issue::{FieldError, IssueRequest, Issuer, ValidationErrors};

/// 持证主体代码类型 (holder code type, GB/T 36903).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HolderCodeType {
    /// `111`: 公民身份号码 (citizen ID number).
    CitizenId,
    /// `001`: 统一社会信用代码 (unified social credit code).
    Uscc,
}

impl HolderCodeType {
    /// The code as written in metadata: `111` or `001`.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderCodeType::CitizenId => "111",
            HolderCodeType::Uscc => "001",
        }
    }

    /// Parses `111` or `001`.
    pub fn parse(s: &str) -> Option<HolderCodeType> {
        match s {
            "111" => Some(HolderCodeType::CitizenId),
            "001" => Some(HolderCodeType::Uscc),
            _ => None,
        }
    }

    /// The Chinese name of the code kind.
    pub fn label_zh(self) -> &'static str {
        match self {
            HolderCodeType::CitizenId => "公民身份号码",
            HolderCodeType::Uscc => "统一社会信用代码",
        }
    }
}

impl fmt::Display for HolderCodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 持证主体代码 (holder code): the code identifies its own type, so the pair
/// (代码, 代码类型) can never disagree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HolderCode {
    /// An organisation's 统一社会信用代码.
    Uscc(Uscc),
    /// A person's 公民身份号码.
    CitizenId(CitizenId),
}

impl HolderCode {
    /// The code as written.
    pub fn as_str(&self) -> &str {
        match self {
            HolderCode::Uscc(u) => u.as_str(),
            HolderCode::CitizenId(c) => c.as_str(),
        }
    }

    /// 持证主体代码类型.
    pub fn code_type(&self) -> HolderCodeType {
        match self {
            HolderCode::Uscc(_) => HolderCodeType::Uscc,
            HolderCode::CitizenId(_) => HolderCodeType::CitizenId,
        }
    }
}

impl fmt::Display for HolderCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A UTC instant in whole seconds since 1970-01-01T00:00:00Z, up to 9999-12-31T23:59:59Z.
///
/// Whole seconds in UTC because the signed form must not depend on time zones or on how
/// precisely a clock was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The largest timestamp: 9999-12-31T23:59:59Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);

    /// A timestamp from Unix seconds; `None` after [`Timestamp::MAX`].
    pub fn from_unix_seconds(seconds: u64) -> Option<Timestamp> {
        (seconds <= Self::MAX.0).then_some(Timestamp(seconds))
    }

    /// A timestamp from a date-time; `None` if it is before 1970, after year 9999, or not a
    /// whole second (rather than silently truncating).
    pub fn from_offset_date_time(t: OffsetDateTime) -> Option<Timestamp> {
        if t.nanosecond() != 0 {
            return None;
        }
        u64::try_from(t.unix_timestamp())
            .ok()
            .and_then(Self::from_unix_seconds)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> u64 {
        self.0
    }

    /// The instant as a UTC date-time.
    pub fn to_offset_date_time(self) -> OffsetDateTime {
        // 0..=MAX always converts; the fallback is unreachable.
        i64::try_from(self.0)
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2024-03-15T02:30:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_offset_date_time();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// A licence record: GB/T 36903 core metadata plus the face fields, as signed.
///
/// Fields are public for reading and for tests that need a variant of a record; build real
/// records with [`LicenceType::build_record`](crate::LicenceType::build_record) or read them
/// with [`LicenceRecord::from_canonical_cbor`]. The status is not here (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LicenceRecord {
    /// 证照标识 (GB/T 36904 identifier).
    pub identifier: LicenceId,
    /// 证照编号 (the number the department gives the licence).
    pub licence_number: String,
    /// 证照名称.
    pub name: String,
    /// 证照类型名称.
    pub type_name: String,
    /// 证照类型代码.
    pub type_code: TypeCode,
    /// 证照定义机构.
    pub defining_authority: String,
    /// 证照颁发机构.
    pub issuer_name: String,
    /// 证照颁发机构代码.
    pub issuer_code: Uscc,
    /// 证照颁发日期.
    pub issue_date: Date,
    /// 持证主体.
    pub holder_name: String,
    /// 持证主体代码, which also gives 持证主体代码类型 ([`HolderCode::code_type`]).
    pub holder_code: HolderCode,
    /// 证照有效期起始日期.
    pub valid_from: Date,
    /// 证照有效期截止日期; `None` is 长期 (long-term).
    pub valid_until: Option<Date>,
    /// 证照所属管辖属地编码.
    pub jurisdiction: AreaCode,
    /// 照面信息: face field name → canonical value.
    pub face: BTreeMap<String, String>,
    /// When the record was made (and signed), UTC, whole seconds.
    pub issued_at: Timestamp,
    /// Where the licence's status is published (状态列表位置): its entry in a Token Status
    /// List. `None` for licences issued before status lists.
    pub status: Option<zhengku_status::Reference>,
}

impl LicenceRecord {
    /// 持证主体代码类型.
    pub fn holder_code_type(&self) -> HolderCodeType {
        self.holder_code.code_type()
    }

    /// Whether the licence has no end date (长期).
    pub fn is_long_term(&self) -> bool {
        self.valid_until.is_none()
    }

    /// Whether `on` lies in the validity period (both ends inclusive). This looks at dates
    /// only; revocation and other status changes are kept outside the record.
    pub fn is_within_validity(&self, on: Date) -> bool {
        on >= self.valid_from && self.valid_until.is_none_or(|until| on <= until)
    }
}
