//! Turning a department's issue request into a record: [`LicenceType::build_record`].
//!
//! Validation reports every failing field at once, each with a stable machine code, so a
//! department fixes its data in one round trip instead of one error per attempt.
//!
//! The text rules and the one normalisation are described in the [`record`](super) module
//! docs.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{HolderCode, LicenceRecord, MAX_RECORD_LEN, Timestamp};
use crate::codes::{AreaCode, CitizenId, CodeError, Uscc};
use crate::date::{add_years, format_date, parse_date};
use crate::identifier::{IssuerCode, LicenceId, TypeCode};
use crate::licence_type::{
    CodeFieldKind, FieldDef, FieldKind, HolderKind, LicenceType, MustMatch, Validity,
};

/// Longest 证照编号, in characters.
pub const MAX_LICENCE_NUMBER_LEN: usize = 64;
/// Longest 持证主体 or 颁发机构 name, in characters.
pub const MAX_NAME_LEN: usize = 200;

/// What a department sends to have a licence issued. All values are text, so that every
/// problem can be reported by [`LicenceType::build_record`] rather than by the JSON/TOML
/// parser one at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type_code": "11100000MB0143028R001",
    "licence_number": "91330106MA2H0YKU5B",
    "holder_name": "杭州证库示例科技有限公司",
    "holder_code": "91330106MA2H0YKU5B",
    "issue_date": "2024-03-15",
    "valid_from": "2019-06-18",
    "jurisdiction": "330106",
    "face": {"entity_name": "杭州证库示例科技有限公司", "legal_representative": "张三"}
})))]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// 证照类型代码; must be the type's own code.
    pub type_code: String,
    /// 证照编号.
    pub licence_number: String,
    /// 持证主体.
    pub holder_name: String,
    /// 持证主体代码: a USCC for organisation types, a citizen ID for person types.
    pub holder_code: String,
    /// 证照颁发日期, `YYYY-MM-DD`.
    pub issue_date: String,
    /// 证照有效期起始日期, `YYYY-MM-DD`.
    pub valid_from: String,
    /// 证照有效期截止日期, `YYYY-MM-DD`; absent for 长期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// 证照所属管辖属地编码 (6-digit area code).
    pub jurisdiction: String,
    /// 照面信息: face field name → value.
    #[serde(default)]
    pub face: BTreeMap<String, String>,
}

/// 证照颁发机构: the authority issuing (and signing) the licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The authority's name, e.g. 杭州市西湖区市场监督管理局.
    pub name: String,
    /// Its 统一社会信用代码.
    pub code: Uscc,
}

impl Issuer {
    /// An issuer.
    pub fn new(name: impl Into<String>, code: Uscc) -> Self {
        Issuer {
            name: name.into(),
            code,
        }
    }
}

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field: a request field (`holder_code`), `issuer_name`, `identifier`, or
    /// `face.<name>`.
    pub field: String,
    /// A stable machine code, e.g. `invalid_check_char`, `required`, `too_long`.
    pub code: &'static str,
    /// A message for people.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

/// Every problem found in a request; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// The problems, in field order of the request.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Whether there is a problem with `field` of machine code `code`.
    pub fn has(&self, field: &str, code: &str) -> bool {
        self.0.iter().any(|e| e.field == field && e.code == code)
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no problems (never true for a returned error).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s) in the issue request:", self.0.len())?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Collects problems as validation goes.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    fn code_error(&mut self, field: &str, e: &CodeError) {
        self.push(field, e.code(), e.to_string());
    }

    /// Applies the text rules of the module docs; `Some(value)` if they all hold.
    fn text(&mut self, field: &str, value: &str, max_len: usize) -> Option<String> {
        let before = self.0.len();
        if value.is_empty() {
            self.push(field, "empty", "must not be empty");
            return None;
        }
        if let Some((i, c)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
            self.push(
                field,
                "control_char",
                format!(
                    "control character U+{:04X} at position {}",
                    u32::from(c),
                    i + 1
                ),
            );
        }
        if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
            self.push(
                field,
                "surrounding_whitespace",
                "has leading or trailing whitespace (nothing is trimmed automatically)",
            );
        }
        let len = value.chars().count();
        if len > max_len {
            self.push(
                field,
                "too_long",
                format!("{len} characters, at most {max_len} allowed"),
            );
        }
        (self.0.len() == before).then(|| value.to_owned())
    }

    fn date(&mut self, field: &str, value: &str) -> Option<Date> {
        match parse_date(value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.push(field, "invalid_date", e.to_string());
                None
            }
        }
    }
}

/// Checks a money amount and returns its canonical spelling.
fn canonical_money(value: &str, decimals: u8) -> Result<String, String> {
    let (int, frac) = match value.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(format!(
            "{value:?} is not an amount (digits, optionally a point and more digits; no sign, no separators)"
        ));
    }
    if int.len() > 1 && int.starts_with('0') {
        return Err(format!("{value:?} has leading zeros"));
    }
    let frac = frac.unwrap_or("").trim_end_matches('0');
    if frac.len() > usize::from(decimals) {
        return Err(format!(
            "{value:?} has more than {decimals} digits after the point"
        ));
    }
    Ok(if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    })
}

fn check_integer(value: &str) -> Result<(), String> {
    let body = value.strip_prefix('-').unwrap_or(value);
    let ok = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit())
        && (body == "0" || !body.starts_with('0'))
        && value != "-0"
        && value.parse::<i64>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a whole number (optional minus sign, no leading zeros, 64-bit range)"
        ))
    }
}

/// The holder code, checked against the type's holder kind.
fn holder_code(p: &mut Problems, kind: HolderKind, value: &str) -> Option<HolderCode> {
    const FIELD: &str = "holder_code";
    match kind {
        HolderKind::Organisation => match Uscc::parse(value) {
            Ok(u) => Some(HolderCode::Uscc(u)),
            Err(_) if CitizenId::parse(value).is_ok() => {
                p.push(
                    FIELD,
                    "wrong_holder_kind",
                    "is a citizen ID number, but this licence type is held by organisations (统一社会信用代码 expected)",
                );
                None
            }
            Err(e) => {
                p.code_error(FIELD, &e);
                None
            }
        },
        HolderKind::Person => match CitizenId::parse(value) {
            Ok(c) => Some(HolderCode::CitizenId(c)),
            Err(_) if Uscc::parse(value).is_ok() => {
                p.push(
                    FIELD,
                    "wrong_holder_kind",
                    "is a unified social credit code, but this licence type is held by persons (公民身份号码 expected)",
                );
                None
            }
            Err(e) => {
                p.code_error(FIELD, &e);
                None
            }
        },
    }
}

/// The end date, checked against the type's validity rule.
fn valid_until(
    p: &mut Problems,
    validity: Validity,
    from: Option<Date>,
    value: Option<&str>,
) -> Option<Option<Date>> {
    const FIELD: &str = "valid_until";
    let until = match value {
        None => None,
        Some(s) => Some(p.date(FIELD, s)?),
    };
    match (validity, until) {
        (Validity::FixedYears(years), None) => {
            p.push(
                FIELD,
                "required",
                format!("this licence type is valid for {years} years: give the end date"),
            );
            return None;
        }
        (
            Validity::LongTerm {
                end_date_allowed: false,
            },
            Some(_),
        ) => {
            p.push(
                FIELD,
                "end_date_not_allowed",
                "this licence type is long-term (长期) and takes no end date",
            );
            return None;
        }
        _ => {}
    }
    if let (Some(from), Some(until)) = (from, until) {
        if until < from {
            p.push(
                FIELD,
                "before_valid_from",
                format!(
                    "{} is before valid_from {}",
                    format_date(until),
                    format_date(from)
                ),
            );
            return None;
        }
        if let Validity::FixedYears(years) = validity {
            // The anniversary itself is allowed: both "to the day before" and "to the same
            // day" are seen on real licences.
            if add_years(from, years).is_none_or(|last| until > last) {
                p.push(
                    FIELD,
                    "validity_exceeded",
                    format!(
                        "{} is more than {years} years after valid_from {}",
                        format_date(until),
                        format_date(from)
                    ),
                );
                return None;
            }
        }
    }
    Some(until)
}

/// What face values may have to repeat.
struct CoreValues<'a> {
    holder_name: &'a str,
    holder_code: &'a str,
    issuer_name: &'a str,
    licence_number: &'a str,
    citizen: Option<&'a CitizenId>,
}

impl CoreValues<'_> {
    fn get(&self, target: MustMatch) -> Option<String> {
        match target {
            MustMatch::HolderName => Some(self.holder_name.to_owned()),
            MustMatch::HolderCode => Some(self.holder_code.to_owned()),
            MustMatch::IssuerName => Some(self.issuer_name.to_owned()),
            MustMatch::LicenceNumber => Some(self.licence_number.to_owned()),
            MustMatch::HolderBirthDate => self.citizen.map(|c| format_date(c.birth_date())),
            MustMatch::HolderSex => self.citizen.map(|c| c.sex().label_zh().to_owned()),
        }
    }
}

/// Checks one face value and returns its canonical form.
fn face_value(p: &mut Problems, def: &FieldDef, value: &str) -> Option<String> {
    let field = format!("face.{}", def.name());
    let canonical = match def.kind() {
        FieldKind::Text => return p.text(&field, value, def.max_len()),
        FieldKind::Date => p.date(&field, value).map(format_date),
        FieldKind::Money { decimals, .. } => match canonical_money(value, *decimals) {
            Ok(v) => Some(v),
            Err(m) => {
                p.push(&field, "invalid_money", m);
                None
            }
        },
        FieldKind::Integer => match check_integer(value) {
            Ok(()) => Some(value.to_owned()),
            Err(m) => {
                p.push(&field, "invalid_integer", m);
                None
            }
        },
        FieldKind::Enumeration { options } => {
            if options.iter().any(|o| o == value) {
                Some(value.to_owned())
            } else {
                let listed = if options.len() <= 10 {
                    format!(": {}", options.join(", "))
                } else {
                    String::new()
                };
                p.push(
                    &field,
                    "not_an_option",
                    format!(
                        "{value:?} is not one of the {} options of {}{listed}",
                        options.len(),
                        def.label()
                    ),
                );
                None
            }
        }
        FieldKind::Code(kind) => {
            let result = match kind {
                CodeFieldKind::Uscc => Uscc::parse(value).map(|_| ()),
                CodeFieldKind::CitizenId => CitizenId::parse(value).map(|_| ()),
                CodeFieldKind::Area => AreaCode::parse(value).map(|_| ()),
            };
            match result {
                Ok(()) => Some(value.to_owned()),
                Err(e) => {
                    p.code_error(&field, &e);
                    None
                }
            }
        }
    }?;
    if canonical.chars().count() > def.max_len() {
        p.push(
            &field,
            "too_long",
            format!(
                "{} characters, at most {} allowed",
                canonical.chars().count(),
                def.max_len()
            ),
        );
        return None;
    }
    Some(canonical)
}

impl LicenceType {
    /// Checks `req` against this type and, if everything holds, makes the record that will be
    /// signed. `id` is the identifier allotted to the licence (see
    /// [`LicenceId::generate`]); `issued_at` is the signing time, passed in because nothing
    /// here reads the clock.
    ///
    /// Every problem is reported, each with the field it concerns and a machine code:
    ///
    /// | code | meaning |
    /// |---|---|
    /// | `type_code_mismatch` | `type_code` (or the identifier's type code) is not this type's |
    /// | `issuer_mismatch` | the identifier's issuer code is not the issuer's USCC |
    /// | `invalid_length`, `invalid_char`, `invalid_check_char`, `invalid_area_code`, `invalid_birth_date` | a code is invalid ([`CodeError::code`]) |
    /// | `wrong_holder_kind` | a citizen ID for an organisation type or the reverse |
    /// | `invalid_date` | not a `YYYY-MM-DD` calendar date from 1900 |
    /// | `required` | a required face field, or the end date of a fixed-term type, is missing |
    /// | `end_date_not_allowed` | an end date for a long-term-only type |
    /// | `before_valid_from` | `valid_until` before `valid_from` |
    /// | `validity_exceeded` | `valid_until` beyond the type's number of years |
    /// | `empty`, `control_char`, `surrounding_whitespace`, `too_long` | text rules (module docs) |
    /// | `unknown_field` | a face field the type does not define |
    /// | `not_an_option`, `invalid_money`, `invalid_integer` | a face value of the wrong form |
    /// | `mismatch` | a face field differs from the core value it must repeat |
    /// | `holder_too_young` | the holder is below the type's minimum age on the issue date |
    /// | `record_too_large` | the canonical record would exceed [`MAX_RECORD_LEN`] |
    pub fn build_record(
        &self,
        req: &IssueRequest,
        issuer: &Issuer,
        id: LicenceId,
        issued_at: Timestamp,
    ) -> Result<LicenceRecord, ValidationErrors> {
        let mut p = Problems::default();

        match TypeCode::parse(&req.type_code) {
            Ok(code) if &code == self.code() => {}
            Ok(code) => p.push(
                "type_code",
                "type_code_mismatch",
                format!(
                    "{code} is not the code of {} ({})",
                    self.name(),
                    self.code()
                ),
            ),
            Err(e) => p.push("type_code", e.code(), e.to_string()),
        }
        if id.type_code() != self.code() {
            p.push(
                "identifier",
                "type_code_mismatch",
                format!(
                    "identifier {id} has type code {}, not {}",
                    id.type_code(),
                    self.code()
                ),
            );
        }
        if id.issuer() != &IssuerCode::Uscc(issuer.code.clone()) {
            p.push(
                "identifier",
                "issuer_mismatch",
                format!(
                    "identifier {id} has issuer code {}, not the issuer's {}",
                    id.issuer(),
                    issuer.code
                ),
            );
        }
        let licence_number = p.text(
            "licence_number",
            &req.licence_number,
            MAX_LICENCE_NUMBER_LEN,
        );
        let holder_name = p.text("holder_name", &req.holder_name, MAX_NAME_LEN);
        let holder_code = holder_code(&mut p, self.holder_kind(), &req.holder_code);
        let issue_date = p.date("issue_date", &req.issue_date);
        let valid_from = p.date("valid_from", &req.valid_from);
        let valid_until = valid_until(
            &mut p,
            self.validity(),
            valid_from,
            req.valid_until.as_deref(),
        );
        let jurisdiction = match AreaCode::parse(&req.jurisdiction) {
            Ok(a) => Some(a),
            Err(e) => {
                p.code_error("jurisdiction", &e);
                None
            }
        };
        let issuer_name = p.text("issuer_name", &issuer.name, MAX_NAME_LEN);

        let citizen = match &holder_code {
            Some(HolderCode::CitizenId(c)) => Some(c),
            _ => None,
        };
        if let (Some(min_age), Some(citizen), Some(on)) =
            (self.holder_min_age(), citizen, issue_date)
        {
            let age = citizen.age_on(on);
            if age < i32::from(min_age) {
                p.push(
                    "holder_code",
                    "holder_too_young",
                    format!(
                        "holder is {age} on the issue date {}; this licence type needs {min_age} or older",
                        format_date(on)
                    ),
                );
            }
        }

        let face = self.check_face(
            &mut p,
            &req.face,
            &CoreValues {
                holder_name: &req.holder_name,
                holder_code: &req.holder_code,
                issuer_name: &issuer.name,
                licence_number: &req.licence_number,
                citizen,
            },
        );

        let (
            Some(licence_number),
            Some(holder_name),
            Some(holder_code),
            Some(issue_date),
            Some(valid_from),
            Some(valid_until),
            Some(jurisdiction),
            Some(issuer_name),
        ) = (
            licence_number,
            holder_name,
            holder_code,
            issue_date,
            valid_from,
            valid_until,
            jurisdiction,
            issuer_name,
        )
        else {
            return Err(ValidationErrors(p.0));
        };
        if !p.0.is_empty() {
            return Err(ValidationErrors(p.0));
        }
        let record = LicenceRecord {
            identifier: id,
            licence_number,
            name: self.name().to_owned(),
            type_name: self.name().to_owned(),
            type_code: self.code().clone(),
            defining_authority: self.defining_authority().to_owned(),
            issuer_name,
            issuer_code: issuer.code.clone(),
            issue_date,
            holder_name,
            holder_code,
            valid_from,
            valid_until,
            jurisdiction,
            face,
            issued_at,
            // The library assigns the status-list entry when it issues (zhengku-server).
            status: None,
        };
        let len = record.to_canonical_cbor().len();
        if len > MAX_RECORD_LEN {
            p.push(
                "face",
                "record_too_large",
                format!("the record would be {len} bytes, more than the limit of {MAX_RECORD_LEN}"),
            );
            return Err(ValidationErrors(p.0));
        }
        Ok(record)
    }

    fn check_face(
        &self,
        p: &mut Problems,
        face: &BTreeMap<String, String>,
        core: &CoreValues<'_>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for name in face.keys() {
            if self.field(name).is_none() {
                p.push(
                    format!("face.{name}"),
                    "unknown_field",
                    format!("{} has no face field {name:?}", self.name()),
                );
            }
        }
        for def in self.fields() {
            let field = format!("face.{}", def.name());
            let Some(value) = face.get(def.name()) else {
                if def.required() {
                    p.push(
                        &field,
                        "required",
                        format!("{} ({}) is required", def.label(), def.name()),
                    );
                }
                continue;
            };
            let Some(canonical) = face_value(p, def, value) else {
                continue;
            };
            if let Some(target) = def.must_match() {
                // `None` means the core value itself is invalid, which is reported already.
                if let Some(expected) = core.get(target).filter(|e| *e != canonical) {
                    p.push(
                        &field,
                        "mismatch",
                        format!(
                            "{canonical:?} differs from {} {expected:?}, which {} must repeat",
                            target.as_str(),
                            def.label()
                        ),
                    );
                    continue;
                }
            }
            out.insert(def.name().to_owned(), canonical);
        }
        out
    }
}
