//! The canonical (signed) byte form of a [`LicenceRecord`].
//!
//! A deterministic CBOR map (RFC 8949 §4.2.1, via zhengku-cbor) with short snake_case text
//! keys:
//!
//! | key | value |
//! |---|---|
//! | `v` | format version, unsigned, [`FORMAT_VERSION`] |
//! | `id` | 证照标识, text |
//! | `number` | 证照编号, text |
//! | `name` | 证照名称, text |
//! | `type_name` / `type_code` | 证照类型名称 / 代码, text |
//! | `definer` | 证照定义机构, text |
//! | `issuer` / `issuer_code` | 证照颁发机构 / 代码, text |
//! | `issue_date` | 证照颁发日期, text `YYYY-MM-DD` |
//! | `holder` / `holder_code` / `holder_code_type` | 持证主体 / 代码 / 代码类型 (`001`, `111`), text |
//! | `valid_from` | text `YYYY-MM-DD` |
//! | `valid_until` | text `YYYY-MM-DD`; absent for 长期 |
//! | `jurisdiction` | 管辖属地编码, text |
//! | `face` | 照面信息, map text → text |
//! | `issued_at` | unsigned, Unix seconds UTC |
//! | `status` | where the licence's status is published (version 2 only): the Token Status List reference `{"status_list": {"idx": n, "uri": "…/sl/7"}}`, exactly those keys ([`zhengku_status::Reference`]) |
//!
//! Version 1 records have no `status`; version 2 records are version 1 plus `status`, which
//! they must hold. A record is written as version 2 exactly when it has a status reference,
//! so records made before status lists keep their version and their bytes.
//!
//! Decoding is strict: the bytes must be deterministic CBOR, the version known, every key
//! known and every required key present, every value of the right type and valid. So a
//! record has exactly one byte form, and `encode(decode(b)) == b` for every accepted `b`.

use std::collections::BTreeMap;

use time::Date;
use zhengku_cbor::{DecodeError, Limits, Map, Value};

use super::{HolderCode, HolderCodeType, LicenceRecord, Timestamp};
use crate::codes::{AreaCode, CitizenId, CodeError, Uscc};
use crate::date::{format_date, parse_date};
use crate::identifier::{IdError, LicenceId, TypeCode};
use crate::licence_type::{is_clean_text, is_field_name};

/// The format version of records with a status reference (`"v"`); this code reads it and
/// version 1 ([`FORMAT_VERSION_1`]).
pub const FORMAT_VERSION: u64 = 2;

/// The format version of records without a status reference (made before status lists,
/// or without one).
pub const FORMAT_VERSION_1: u64 = 1;

/// Longest status-list URI a record holds, in bytes.
pub const MAX_STATUS_URI_LEN: usize = 200;

/// Largest canonical record accepted, in bytes. Real records are 1–3 KiB; the bound keeps
/// hostile input cheap to reject.
pub const MAX_RECORD_LEN: usize = 64 * 1024;

const LIMITS: Limits = Limits::new(MAX_RECORD_LEN, 4, 4096);

mod key {
    pub(super) const VERSION: &str = "v";
    pub(super) const ID: &str = "id";
    pub(super) const NUMBER: &str = "number";
    pub(super) const NAME: &str = "name";
    pub(super) const TYPE_NAME: &str = "type_name";
    pub(super) const TYPE_CODE: &str = "type_code";
    pub(super) const DEFINER: &str = "definer";
    pub(super) const ISSUER: &str = "issuer";
    pub(super) const ISSUER_CODE: &str = "issuer_code";
    pub(super) const ISSUE_DATE: &str = "issue_date";
    pub(super) const HOLDER: &str = "holder";
    pub(super) const HOLDER_CODE: &str = "holder_code";
    pub(super) const HOLDER_CODE_TYPE: &str = "holder_code_type";
    pub(super) const VALID_FROM: &str = "valid_from";
    pub(super) const VALID_UNTIL: &str = "valid_until";
    pub(super) const JURISDICTION: &str = "jurisdiction";
    pub(super) const FACE: &str = "face";
    pub(super) const ISSUED_AT: &str = "issued_at";
    pub(super) const STATUS: &str = "status";

    /// Every key of format version 2 (version 1: all but `status`).
    pub(super) const ALL: [&str; 19] = [
        VERSION,
        ID,
        NUMBER,
        NAME,
        TYPE_NAME,
        TYPE_CODE,
        DEFINER,
        ISSUER,
        ISSUER_CODE,
        ISSUE_DATE,
        HOLDER,
        HOLDER_CODE,
        HOLDER_CODE_TYPE,
        VALID_FROM,
        VALID_UNTIL,
        JURISDICTION,
        FACE,
        ISSUED_AT,
        STATUS,
    ];
}

/// Why bytes are not a canonical licence record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Larger than [`MAX_RECORD_LEN`]; checked before decoding.
    #[error("record is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not deterministic CBOR (non-shortest form, unsorted keys, trailing bytes, …).
    #[error("record is not canonical CBOR: {0}")]
    Cbor(#[from] DecodeError),
    /// The top-level item is not a map.
    #[error("record must be a CBOR map, found {found}")]
    NotAMap {
        /// What was found.
        found: &'static str,
    },
    /// A format version this code does not know.
    #[error(
        "unsupported record format version {found} (this library reads versions {FORMAT_VERSION_1} and {FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// A required key is missing.
    #[error("record has no {key:?} entry")]
    MissingKey {
        /// The key.
        key: &'static str,
    },
    /// The status reference is not `{"status_list": {"idx": n, "uri": "http(s)://…"}}`
    /// exactly, or a version 1 record holds one, or a version 2 record lacks it.
    #[error("record status reference: {reason}")]
    InvalidStatus {
        /// What is wrong.
        reason: String,
    },
    /// A key that format version 1 does not define.
    #[error("record has an unknown entry {key}")]
    UnknownKey {
        /// The key, in CBOR diagnostic notation.
        key: String,
    },
    /// A value of the wrong CBOR type.
    #[error("record entry {key:?} must be a {expected}, found a {found}")]
    WrongType {
        /// The key (`face.<name>` inside the face map).
        key: String,
        /// The type wanted.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// Text that is empty, has control characters, or leading/trailing whitespace.
    #[error("record entry {key:?} is not clean text: {value:?}")]
    BadText {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A face field name that is not snake_case.
    #[error("face field name {name:?} is not snake_case")]
    BadFieldName {
        /// The name.
        name: String,
    },
    /// An invalid code (USCC, citizen ID, area code).
    #[error("record entry {key:?}: {source}")]
    InvalidCode {
        /// The key.
        key: &'static str,
        /// Why.
        #[source]
        source: CodeError,
    },
    /// An invalid identifier or type code.
    #[error("record entry {key:?}: {source}")]
    InvalidIdentifier {
        /// The key.
        key: &'static str,
        /// Why.
        #[source]
        source: IdError,
    },
    /// A date not of the form `YYYY-MM-DD` or not a real date.
    #[error("record entry {key:?} is not a valid date: {value:?}")]
    InvalidDate {
        /// The key.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// A `holder_code_type` other than `001` or `111`.
    #[error("holder_code_type must be \"001\" or \"111\", found {found:?}")]
    InvalidHolderCodeType {
        /// The value.
        found: String,
    },
    /// `issued_at` beyond year 9999.
    #[error("issued_at {found} is beyond 9999-12-31T23:59:59Z")]
    InvalidTimestamp {
        /// The value.
        found: u64,
    },
    /// Values that are each valid but contradict each other.
    #[error("record is inconsistent: {reason}")]
    Inconsistent {
        /// What contradicts what.
        reason: String,
    },
}

fn put(map: &mut Map, key: &'static str, value: Value) {
    // Keys are distinct constants, so insertion cannot meet a duplicate.
    let inserted = map.insert_text(key, value);
    debug_assert!(inserted.is_ok(), "duplicate record key {key}");
}

impl LicenceRecord {
    /// The canonical CBOR value of the record (what [`to_canonical_cbor`] encodes).
    ///
    /// [`to_canonical_cbor`]: LicenceRecord::to_canonical_cbor
    pub fn to_cbor_value(&self) -> Value {
        let mut m = Map::new();
        let version = if self.status.is_some() {
            FORMAT_VERSION
        } else {
            FORMAT_VERSION_1
        };
        put(&mut m, key::VERSION, Value::Unsigned(version));
        put(&mut m, key::ID, Value::text(self.identifier.as_str()));
        put(&mut m, key::NUMBER, Value::text(&self.licence_number));
        put(&mut m, key::NAME, Value::text(&self.name));
        put(&mut m, key::TYPE_NAME, Value::text(&self.type_name));
        put(&mut m, key::TYPE_CODE, Value::text(self.type_code.as_str()));
        put(&mut m, key::DEFINER, Value::text(&self.defining_authority));
        put(&mut m, key::ISSUER, Value::text(&self.issuer_name));
        put(
            &mut m,
            key::ISSUER_CODE,
            Value::text(self.issuer_code.as_str()),
        );
        put(
            &mut m,
            key::ISSUE_DATE,
            Value::text(format_date(self.issue_date)),
        );
        put(&mut m, key::HOLDER, Value::text(&self.holder_name));
        put(
            &mut m,
            key::HOLDER_CODE,
            Value::text(self.holder_code.as_str()),
        );
        put(
            &mut m,
            key::HOLDER_CODE_TYPE,
            Value::text(self.holder_code.code_type().as_str()),
        );
        put(
            &mut m,
            key::VALID_FROM,
            Value::text(format_date(self.valid_from)),
        );
        if let Some(until) = self.valid_until {
            put(&mut m, key::VALID_UNTIL, Value::text(format_date(until)));
        }
        put(
            &mut m,
            key::JURISDICTION,
            Value::text(self.jurisdiction.as_str()),
        );
        let mut face = Map::new();
        for (name, value) in &self.face {
            // BTreeMap keys are unique, so this cannot meet a duplicate either.
            let inserted = face.insert_text(name, Value::text(value));
            debug_assert!(inserted.is_ok());
        }
        put(&mut m, key::FACE, Value::Map(face));
        put(
            &mut m,
            key::ISSUED_AT,
            Value::Unsigned(self.issued_at.unix_seconds()),
        );
        if let Some(status) = &self.status {
            put(&mut m, key::STATUS, status.to_cbor());
        }
        Value::Map(m)
    }

    /// The canonical bytes to sign: deterministic CBOR of [`to_cbor_value`].
    ///
    /// Records made by [`LicenceType::build_record`](crate::LicenceType::build_record) or
    /// read by [`from_canonical_cbor`](LicenceRecord::from_canonical_cbor) always read back
    /// from these bytes. A record whose public fields were edited by hand (say, a holder name
    /// with a line break) still encodes, but may then be refused on reading.
    ///
    /// [`to_cbor_value`]: LicenceRecord::to_cbor_value
    pub fn to_canonical_cbor(&self) -> Vec<u8> {
        zhengku_cbor::encode(&self.to_cbor_value())
    }

    /// Reads canonical bytes back, strictly: anything [`to_canonical_cbor`] would not have
    /// written is an error.
    ///
    /// [`to_canonical_cbor`]: LicenceRecord::to_canonical_cbor
    pub fn from_canonical_cbor(bytes: &[u8]) -> Result<LicenceRecord, RecordError> {
        if bytes.len() > MAX_RECORD_LEN {
            return Err(RecordError::TooLarge {
                len: bytes.len(),
                max: MAX_RECORD_LEN,
            });
        }
        let value = zhengku_cbor::decode(bytes, &LIMITS)?;
        let Value::Map(map) = value else {
            return Err(RecordError::NotAMap {
                found: value.type_name(),
            });
        };
        // The version comes first, so that a newer record says so rather than failing on its
        // new keys.
        let version = match map.get_text_key(key::VERSION) {
            None => return Err(RecordError::MissingKey { key: key::VERSION }),
            Some(Value::Unsigned(v @ (FORMAT_VERSION_1 | FORMAT_VERSION))) => *v,
            Some(Value::Unsigned(found)) => {
                return Err(RecordError::UnsupportedVersion { found: *found });
            }
            Some(other) => {
                return Err(RecordError::WrongType {
                    key: key::VERSION.to_owned(),
                    expected: "unsigned integer",
                    found: other.type_name(),
                });
            }
        };
        match (version, map.get_text_key(key::STATUS).is_some()) {
            (FORMAT_VERSION_1, true) => {
                return Err(RecordError::InvalidStatus {
                    reason: "a version 1 record has no status reference".into(),
                });
            }
            (FORMAT_VERSION, false) => {
                return Err(RecordError::InvalidStatus {
                    reason: "a version 2 record must hold one".into(),
                });
            }
            _ => {}
        }
        for k in map.keys() {
            if !k.as_text().is_some_and(|t| key::ALL.contains(&t)) {
                return Err(RecordError::UnknownKey { key: k.to_string() });
            }
        }
        Reader { map: &map }.record()
    }
}

struct Reader<'a> {
    map: &'a Map,
}

impl Reader<'_> {
    fn value(&self, key: &'static str) -> Result<&Value, RecordError> {
        self.map
            .get_text_key(key)
            .ok_or(RecordError::MissingKey { key })
    }

    fn raw_text(&self, key: &'static str) -> Result<&str, RecordError> {
        let v = self.value(key)?;
        v.as_text().ok_or_else(|| RecordError::WrongType {
            key: key.to_owned(),
            expected: "text string",
            found: v.type_name(),
        })
    }

    fn text(&self, key: &'static str) -> Result<String, RecordError> {
        clean(key, self.raw_text(key)?)
    }

    fn code<T>(
        &self,
        key: &'static str,
        parse: fn(&str) -> Result<T, CodeError>,
    ) -> Result<T, RecordError> {
        parse(self.raw_text(key)?).map_err(|source| RecordError::InvalidCode { key, source })
    }

    fn date(&self, key: &'static str) -> Result<Date, RecordError> {
        let s = self.raw_text(key)?;
        parse_date(s).map_err(|_| RecordError::InvalidDate {
            key,
            value: s.to_owned(),
        })
    }

    fn face(&self) -> Result<BTreeMap<String, String>, RecordError> {
        let v = self.value(key::FACE)?;
        let m = v.as_map().ok_or_else(|| RecordError::WrongType {
            key: key::FACE.to_owned(),
            expected: "map",
            found: v.type_name(),
        })?;
        let mut face = BTreeMap::new();
        for (k, v) in m.iter() {
            let Some(name) = k.as_text() else {
                return Err(RecordError::WrongType {
                    key: format!("face key {k}"),
                    expected: "text string",
                    found: k.type_name(),
                });
            };
            if !is_field_name(name) {
                return Err(RecordError::BadFieldName {
                    name: name.to_owned(),
                });
            }
            let face_key = format!("face.{name}");
            let Some(value) = v.as_text() else {
                return Err(RecordError::WrongType {
                    key: face_key,
                    expected: "text string",
                    found: v.type_name(),
                });
            };
            face.insert(name.to_owned(), clean(&face_key, value)?);
        }
        Ok(face)
    }

    /// The status reference, exactly as [`Reference::to_cbor`] writes it (so the record
    /// still has one byte form), with an http(s) URI of clean text.
    ///
    /// [`Reference::to_cbor`]: zhengku_status::Reference::to_cbor
    fn status(&self) -> Result<Option<zhengku_status::Reference>, RecordError> {
        let Some(v) = self.map.get_text_key(key::STATUS) else {
            return Ok(None);
        };
        let invalid = |reason: &str| RecordError::InvalidStatus {
            reason: reason.to_owned(),
        };
        let r = zhengku_status::Reference::from_cbor(v).map_err(|e| invalid(&e.to_string()))?;
        if r.to_cbor() != *v {
            return Err(invalid(
                "not exactly {\"status_list\": {\"idx\": n, \"uri\": …}}",
            ));
        }
        if r.uri.len() > MAX_STATUS_URI_LEN
            || !is_clean_text(&r.uri)
            || !(r.uri.starts_with("https://") || r.uri.starts_with("http://"))
        {
            return Err(invalid(
                "the URI is not an http(s) URI of at most 200 bytes",
            ));
        }
        Ok(Some(r))
    }

    fn record(&self) -> Result<LicenceRecord, RecordError> {
        let identifier = LicenceId::parse(self.raw_text(key::ID)?).map_err(|source| {
            RecordError::InvalidIdentifier {
                key: key::ID,
                source,
            }
        })?;
        let type_code = TypeCode::parse(self.raw_text(key::TYPE_CODE)?).map_err(|source| {
            RecordError::InvalidIdentifier {
                key: key::TYPE_CODE,
                source,
            }
        })?;
        let issuer_code = self.code(key::ISSUER_CODE, Uscc::parse)?;
        let code_type_text = self.raw_text(key::HOLDER_CODE_TYPE)?;
        let holder_code = match HolderCodeType::parse(code_type_text) {
            Some(HolderCodeType::Uscc) => {
                HolderCode::Uscc(self.code(key::HOLDER_CODE, Uscc::parse)?)
            }
            Some(HolderCodeType::CitizenId) => {
                HolderCode::CitizenId(self.code(key::HOLDER_CODE, CitizenId::parse)?)
            }
            None => {
                return Err(RecordError::InvalidHolderCodeType {
                    found: code_type_text.to_owned(),
                });
            }
        };
        let valid_from = self.date(key::VALID_FROM)?;
        let valid_until = match self.map.get_text_key(key::VALID_UNTIL) {
            None => None,
            Some(_) => Some(self.date(key::VALID_UNTIL)?),
        };
        let issued_at_value = self.value(key::ISSUED_AT)?;
        let seconds = issued_at_value
            .as_u64()
            .ok_or_else(|| RecordError::WrongType {
                key: key::ISSUED_AT.to_owned(),
                expected: "unsigned integer",
                found: issued_at_value.type_name(),
            })?;
        let issued_at = Timestamp::from_unix_seconds(seconds)
            .ok_or(RecordError::InvalidTimestamp { found: seconds })?;

        let record = LicenceRecord {
            licence_number: self.text(key::NUMBER)?,
            name: self.text(key::NAME)?,
            type_name: self.text(key::TYPE_NAME)?,
            defining_authority: self.text(key::DEFINER)?,
            issuer_name: self.text(key::ISSUER)?,
            issue_date: self.date(key::ISSUE_DATE)?,
            holder_name: self.text(key::HOLDER)?,
            jurisdiction: self.code(key::JURISDICTION, AreaCode::parse)?,
            face: self.face()?,
            identifier,
            type_code,
            issuer_code,
            holder_code,
            valid_from,
            valid_until,
            issued_at,
            status: self.status()?,
        };
        check_consistency(&record)?;
        Ok(record)
    }
}

fn clean(key: &str, value: &str) -> Result<String, RecordError> {
    if is_clean_text(value) {
        Ok(value.to_owned())
    } else {
        Err(RecordError::BadText {
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// Cross-field rules that hold for every record `build_record` makes.
fn check_consistency(r: &LicenceRecord) -> Result<(), RecordError> {
    let fail = |reason: String| Err(RecordError::Inconsistent { reason });
    if r.identifier.type_code() != &r.type_code {
        return fail(format!(
            "identifier has type code {}, record has {}",
            r.identifier.type_code(),
            r.type_code
        ));
    }
    if r.identifier.issuer().as_uscc() != Some(&r.issuer_code) {
        return fail(format!(
            "identifier has issuer code {}, record has {}",
            r.identifier.issuer(),
            r.issuer_code
        ));
    }
    if let Some(until) = r.valid_until.filter(|until| *until < r.valid_from) {
        return fail(format!(
            "valid_until {} is before valid_from {}",
            format_date(until),
            format_date(r.valid_from)
        ));
    }
    Ok(())
}
