//! Licence types (证照类型), defined in `templates/<dir>/type.toml`, and the [`Catalogue`] of
//! them.
//!
//! A type says who defines it, who may hold it, how long it is valid and which fields are
//! printed on its face (照面信息). [`LicenceType::from_toml_str`] checks the definition itself
//! (valid type code, unique snake_case field names, sane lengths, options for enumerations …)
//! so that a bad template is caught when it is loaded, not when the first licence is issued.
//! Checking a department's request against a type is [`LicenceType::build_record`], in
//! [`record`](crate::record).
//!
//! # The `type.toml` schema
//!
//! ```toml
//! code = "11100000MB0143028R001"          # 证照类型代码: definer's USCC + 3 digits
//! name = "营业执照"                         # 证照类型名称 (also the licence name)
//! defining_authority = "国家市场监督管理总局" # 证照定义机构
//! holder_kind = "organisation"            # or "person"
//! holder_min_age = 60                     # optional, persons only: age on the issue date
//!
//! [validity]
//! kind = "long_term"                      # 长期 …
//! end_date_allowed = true                 # … unless the request gives an end date
//! # or: kind = "fixed_years", years = 5  (the request must give the end date, at most
//! #     `years` years after the start)
//!
//! [[fields]]                              # one table per face field, in print order
//! name = "registered_capital"             # snake_case key in the record
//! label = "注册资本"                        # printed label
//! kind = "money"                          # text | date | money | enumeration | code | integer
//! unit = "万元"                            # money only; `decimals` (default 6) too
//! required = false                        # default false
//! max_len = 32                            # characters; required for text
//! # options = ["…", "…"]                  # enumeration only
//! # code_kind = "uscc"                    # code only: uscc | citizen_id | area
//! # must_match = "holder_name"            # value must equal a core field (see MustMatch)
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::identifier::{IdError, TypeCode};
use crate::record::HolderCodeType;

/// Largest `max_len` a field may declare, in characters (经营范围 can be long, but a licence
/// face is one page).
pub const MAX_FIELD_LEN: usize = 4000;

/// Longest field name, in characters.
pub const MAX_FIELD_NAME_LEN: usize = 40;

/// Most fields a type may define.
pub const MAX_FIELDS: usize = 64;

/// Who holds a licence of this type (持证主体类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// An organisation, identified by its 统一社会信用代码 (holder code type `001`).
    Organisation,
    /// A natural person, identified by 公民身份号码 (holder code type `111`).
    Person,
}

impl HolderKind {
    /// The 持证主体代码类型 used for holders of this kind.
    pub fn holder_code_type(self) -> HolderCodeType {
        match self {
            HolderKind::Organisation => HolderCodeType::Uscc,
            HolderKind::Person => HolderCodeType::CitizenId,
        }
    }

    /// The lowercase name used in `type.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Organisation => "organisation",
            HolderKind::Person => "person",
        }
    }
}

/// How long a licence of a type is valid (有效期).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Validity {
    /// A fixed number of years: the request must give `valid_until`, no later than the same
    /// day `years` years after `valid_from`.
    FixedYears(u16),
    /// 长期 (no end date) by default; with `end_date_allowed`, a request may still give one
    /// (营业期限 of a business with a fixed term).
    LongTerm {
        /// Whether a request may give an end date.
        end_date_allowed: bool,
    },
}

/// Code kinds a `code` field can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFieldKind {
    /// 统一社会信用代码.
    Uscc,
    /// 公民身份号码.
    CitizenId,
    /// 行政区划代码.
    Area,
}

/// A core record value a face field must repeat exactly, for fields printed on the face that
/// are also core metadata (名称 of a business licence is the holder's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MustMatch {
    /// 持证主体 (holder name).
    HolderName,
    /// 持证主体代码 (holder code).
    HolderCode,
    /// 证照颁发机构 (issuer name).
    IssuerName,
    /// 证照编号 (licence number).
    LicenceNumber,
    /// The birth date in the holder's citizen ID, as `YYYY-MM-DD` (person holders only).
    HolderBirthDate,
    /// The sex in the holder's citizen ID, as 男 or 女 (person holders only).
    HolderSex,
}

impl MustMatch {
    /// The snake_case name used in `type.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            MustMatch::HolderName => "holder_name",
            MustMatch::HolderCode => "holder_code",
            MustMatch::IssuerName => "issuer_name",
            MustMatch::LicenceNumber => "licence_number",
            MustMatch::HolderBirthDate => "holder_birth_date",
            MustMatch::HolderSex => "holder_sex",
        }
    }
}

/// What a face field holds, and so how its value is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// Free text: no control characters, no leading or trailing whitespace.
    Text,
    /// A date `YYYY-MM-DD`.
    Date,
    /// An amount: digits with an optional fraction of at most `decimals` digits, no sign, no
    /// leading zeros. Stored without trailing fractional zeros (`100.50` → `100.5`).
    Money {
        /// Unit printed after the amount, e.g. 万元.
        unit: Option<String>,
        /// Most fractional digits.
        decimals: u8,
    },
    /// One of a fixed list of values.
    Enumeration {
        /// The allowed values, as printed.
        options: Vec<String>,
    },
    /// A national code, validated with its check character.
    Code(CodeFieldKind),
    /// A whole number, optionally negative, no leading zeros.
    Integer,
}

impl FieldKind {
    /// The kind's name in `type.toml`.
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Money { .. } => "money",
            FieldKind::Enumeration { .. } => "enumeration",
            FieldKind::Code(_) => "code",
            FieldKind::Integer => "integer",
        }
    }
}

/// A face field (照面信息项) of a licence type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldDef {
    name: String,
    label: String,
    kind: FieldKind,
    required: bool,
    max_len: usize,
    must_match: Option<MustMatch>,
}

impl FieldDef {
    /// The snake_case key of the field in a record's `face` map.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The printed label (Chinese).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// What the field holds.
    pub fn kind(&self) -> &FieldKind {
        &self.kind
    }

    /// Whether every licence of the type must have the field.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Most characters (not bytes) a value may have.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The core value this field must repeat, if any.
    pub fn must_match(&self) -> Option<MustMatch> {
        self.must_match
    }
}

/// A licence type (证照类型): the rules every licence of the type follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceType {
    code: TypeCode,
    name: String,
    defining_authority: String,
    holder_kind: HolderKind,
    holder_min_age: Option<u8>,
    validity: Validity,
    fields: Vec<FieldDef>,
}

/// Why a type definition was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TypeDefError {
    /// Not valid TOML, or not of the schema (unknown key, wrong value type, missing key).
    #[error("type definition is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// The `code` is not a valid 证照类型代码.
    #[error("code {code:?} is not a valid type code: {source}")]
    TypeCode {
        /// The code found.
        code: String,
        /// Why.
        #[source]
        source: IdError,
    },
    /// A name, label or option is empty, has control characters, or leading/trailing
    /// whitespace.
    #[error(
        "{what} {value:?} must be non-empty text without control characters or surrounding whitespace"
    )]
    BadText {
        /// Which value (e.g. "name", "field label").
        what: String,
        /// The value found.
        value: String,
    },
    /// A field name that is not snake_case ASCII of at most [`MAX_FIELD_NAME_LEN`] characters.
    #[error(
        "field name {name:?} must be snake_case ([a-z][a-z0-9_]*, at most {MAX_FIELD_NAME_LEN} characters)"
    )]
    FieldName {
        /// The name found.
        name: String,
    },
    /// Two fields with the same name.
    #[error("field {name:?} is defined twice")]
    DuplicateField {
        /// The name.
        name: String,
    },
    /// More fields than [`MAX_FIELDS`].
    #[error("{count} fields defined, at most {MAX_FIELDS} allowed")]
    TooManyFields {
        /// Fields found.
        count: usize,
    },
    /// A `max_len` outside 1..=[`MAX_FIELD_LEN`], or missing on a text field.
    #[error(
        "field {field:?}: max_len must be given for text fields and lie in 1..={MAX_FIELD_LEN}, found {found:?}"
    )]
    MaxLen {
        /// The field.
        field: String,
        /// The value found, if any.
        found: Option<usize>,
    },
    /// An enumeration without options, or with an empty or repeated option, or one longer
    /// than `max_len`.
    #[error("field {field:?}: {problem}")]
    Options {
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A `code` field without `code_kind`.
    #[error(
        "field {field:?}: kind \"code\" needs code_kind = \"uscc\" | \"citizen_id\" | \"area\""
    )]
    MissingCodeKind {
        /// The field.
        field: String,
    },
    /// An attribute given that the field's kind does not use (e.g. `options` on a text field).
    #[error("field {field:?}: {attribute} is not allowed for kind {kind}")]
    AttributeNotAllowed {
        /// The field.
        field: String,
        /// The attribute.
        attribute: &'static str,
        /// The field's kind.
        kind: &'static str,
    },
    /// `decimals` above 9.
    #[error("field {field:?}: decimals must be at most 9, found {found}")]
    Decimals {
        /// The field.
        field: String,
        /// The value found.
        found: u8,
    },
    /// A `must_match` that cannot apply to this field or holder kind.
    #[error("field {field:?}: must_match = {must_match:?} {reason}")]
    MustMatch {
        /// The field.
        field: String,
        /// The target.
        must_match: &'static str,
        /// Why it cannot apply.
        reason: &'static str,
    },
    /// An inconsistent `[validity]` table.
    #[error("validity: {reason}")]
    Validity {
        /// What is wrong.
        reason: &'static str,
    },
    /// `holder_min_age` on an organisation type, or above 150.
    #[error("holder_min_age: {reason}")]
    HolderMinAge {
        /// What is wrong.
        reason: &'static str,
    },
}

// --- The TOML schema, as deserialised before validation ------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawType {
    code: String,
    name: String,
    defining_authority: String,
    holder_kind: HolderKind,
    #[serde(default)]
    holder_min_age: Option<u8>,
    validity: RawValidity,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawValidityKind {
    FixedYears,
    LongTerm,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidity {
    kind: RawValidityKind,
    #[serde(default)]
    years: Option<u16>,
    #[serde(default)]
    end_date_allowed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawFieldKind {
    Text,
    Date,
    Money,
    Enumeration,
    Code,
    Integer,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    label: String,
    kind: RawFieldKind,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    max_len: Option<usize>,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    code_kind: Option<CodeFieldKind>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    decimals: Option<u8>,
    #[serde(default)]
    must_match: Option<MustMatch>,
}

/// Text that can be printed and signed: non-empty, no control characters, no leading or
/// trailing whitespace. Shared with record validation.
pub(crate) fn is_clean_text(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(char::is_control)
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
}

/// Field names: `[a-z][a-z0-9_]*`, at most [`MAX_FIELD_NAME_LEN`] characters. Shared with
/// record decoding.
pub(crate) fn is_field_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= MAX_FIELD_NAME_LEN
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn clean_text(what: impl Into<String>, value: String) -> Result<String, TypeDefError> {
    if is_clean_text(&value) {
        Ok(value)
    } else {
        Err(TypeDefError::BadText {
            what: what.into(),
            value,
        })
    }
}

/// Default `max_len` for kinds whose values have a natural bound.
const DATE_LEN: usize = 10;
const MONEY_DEFAULT_LEN: usize = 32;
const INTEGER_DEFAULT_LEN: usize = 20;
const DEFAULT_DECIMALS: u8 = 6;

fn field_from_raw(raw: RawField, holder_kind: HolderKind) -> Result<FieldDef, TypeDefError> {
    if !is_field_name(&raw.name) {
        return Err(TypeDefError::FieldName { name: raw.name });
    }
    let name = raw.name;
    let label = clean_text(format!("label of field {name:?}"), raw.label)?;
    let kind_name = match raw.kind {
        RawFieldKind::Text => "text",
        RawFieldKind::Date => "date",
        RawFieldKind::Money => "money",
        RawFieldKind::Enumeration => "enumeration",
        RawFieldKind::Code => "code",
        RawFieldKind::Integer => "integer",
    };
    let not_allowed = |attribute| TypeDefError::AttributeNotAllowed {
        field: name.clone(),
        attribute,
        kind: kind_name,
    };
    if raw.options.is_some() && !matches!(raw.kind, RawFieldKind::Enumeration) {
        return Err(not_allowed("options"));
    }
    if raw.code_kind.is_some() && !matches!(raw.kind, RawFieldKind::Code) {
        return Err(not_allowed("code_kind"));
    }
    if (raw.unit.is_some() || raw.decimals.is_some()) && !matches!(raw.kind, RawFieldKind::Money) {
        return Err(not_allowed(if raw.unit.is_some() {
            "unit"
        } else {
            "decimals"
        }));
    }
    if let Some(found) = raw.max_len.filter(|n| !(1..=MAX_FIELD_LEN).contains(n)) {
        return Err(TypeDefError::MaxLen {
            field: name,
            found: Some(found),
        });
    }

    let (kind, default_len) = match raw.kind {
        RawFieldKind::Text => {
            let Some(len) = raw.max_len else {
                return Err(TypeDefError::MaxLen {
                    field: name,
                    found: None,
                });
            };
            (FieldKind::Text, len)
        }
        RawFieldKind::Date => (FieldKind::Date, DATE_LEN),
        RawFieldKind::Integer => (FieldKind::Integer, INTEGER_DEFAULT_LEN),
        RawFieldKind::Money => {
            let decimals = raw.decimals.unwrap_or(DEFAULT_DECIMALS);
            if decimals > 9 {
                return Err(TypeDefError::Decimals {
                    field: name,
                    found: decimals,
                });
            }
            let unit = raw
                .unit
                .map(|u| clean_text(format!("unit of field {name:?}"), u))
                .transpose()?;
            (FieldKind::Money { unit, decimals }, MONEY_DEFAULT_LEN)
        }
        RawFieldKind::Code => {
            let Some(code_kind) = raw.code_kind else {
                return Err(TypeDefError::MissingCodeKind { field: name });
            };
            let len = match code_kind {
                CodeFieldKind::Uscc | CodeFieldKind::CitizenId => 18,
                CodeFieldKind::Area => 6,
            };
            (FieldKind::Code(code_kind), len)
        }
        RawFieldKind::Enumeration => {
            let options = raw.options.unwrap_or_default();
            let options = check_options(&name, options, raw.max_len)?;
            let longest = options.iter().map(|o| o.chars().count()).max().unwrap_or(1);
            (FieldKind::Enumeration { options }, longest)
        }
    };
    let max_len = raw.max_len.unwrap_or(default_len);
    if let Some(target) = raw.must_match {
        check_must_match(&name, target, &kind, holder_kind)?;
    }
    Ok(FieldDef {
        name,
        label,
        kind,
        required: raw.required,
        max_len,
        must_match: raw.must_match,
    })
}

fn check_options(
    field: &str,
    options: Vec<String>,
    max_len: Option<usize>,
) -> Result<Vec<String>, TypeDefError> {
    let problem = |problem: String| TypeDefError::Options {
        field: field.to_owned(),
        problem,
    };
    if options.is_empty() {
        return Err(problem(
            "kind \"enumeration\" needs a non-empty options list".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    for o in &options {
        if !is_clean_text(o) {
            return Err(problem(format!(
                "option {o:?} must be non-empty text without control characters or surrounding whitespace"
            )));
        }
        if !seen.insert(o.as_str()) {
            return Err(problem(format!("option {o:?} is listed twice")));
        }
        if let Some(max) = max_len.filter(|&max| o.chars().count() > max) {
            return Err(problem(format!(
                "option {o:?} is longer than max_len {max}"
            )));
        }
    }
    Ok(options)
}

fn check_must_match(
    field: &str,
    target: MustMatch,
    kind: &FieldKind,
    holder_kind: HolderKind,
) -> Result<(), TypeDefError> {
    let fail = |reason| {
        Err(TypeDefError::MustMatch {
            field: field.to_owned(),
            must_match: target.as_str(),
            reason,
        })
    };
    match target {
        MustMatch::HolderName | MustMatch::IssuerName | MustMatch::LicenceNumber => {
            if *kind != FieldKind::Text {
                return fail("needs a text field");
            }
        }
        MustMatch::HolderCode => {
            let wanted = match holder_kind {
                HolderKind::Organisation => CodeFieldKind::Uscc,
                HolderKind::Person => CodeFieldKind::CitizenId,
            };
            if *kind != FieldKind::Code(wanted) {
                return fail("needs a code field of the holder's code kind");
            }
        }
        MustMatch::HolderBirthDate => {
            if holder_kind != HolderKind::Person {
                return fail("applies to person holders only");
            }
            if *kind != FieldKind::Date {
                return fail("needs a date field");
            }
        }
        MustMatch::HolderSex => {
            if holder_kind != HolderKind::Person {
                return fail("applies to person holders only");
            }
            let FieldKind::Enumeration { options } = kind else {
                return fail("needs an enumeration field with options 男 and 女");
            };
            let mut sorted: Vec<&str> = options.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            if sorted != ["女", "男"] {
                return fail("needs an enumeration field with options 男 and 女");
            }
        }
    }
    Ok(())
}

impl LicenceType {
    /// Parses and checks a `type.toml` definition (see the [module docs](self) for the
    /// schema). Pure: the caller reads the file.
    pub fn from_toml_str(s: &str) -> Result<LicenceType, TypeDefError> {
        let raw: RawType = toml::from_str(s)?;
        let code = TypeCode::parse(&raw.code).map_err(|source| TypeDefError::TypeCode {
            code: raw.code.clone(),
            source,
        })?;
        let name = clean_text("name", raw.name)?;
        let defining_authority = clean_text("defining_authority", raw.defining_authority)?;
        let validity = match (
            raw.validity.kind,
            raw.validity.years,
            raw.validity.end_date_allowed,
        ) {
            (RawValidityKind::FixedYears, Some(years), None) if (1..=100).contains(&years) => {
                Validity::FixedYears(years)
            }
            (RawValidityKind::FixedYears, Some(_), None) => {
                return Err(TypeDefError::Validity {
                    reason: "years must lie in 1..=100",
                });
            }
            (RawValidityKind::FixedYears, None, _) => {
                return Err(TypeDefError::Validity {
                    reason: "kind \"fixed_years\" needs years",
                });
            }
            (RawValidityKind::FixedYears, Some(_), Some(_)) => {
                return Err(TypeDefError::Validity {
                    reason: "end_date_allowed applies to kind \"long_term\" only (fixed_years always has an end date)",
                });
            }
            (RawValidityKind::LongTerm, None, allowed) => Validity::LongTerm {
                end_date_allowed: allowed.unwrap_or(false),
            },
            (RawValidityKind::LongTerm, Some(_), _) => {
                return Err(TypeDefError::Validity {
                    reason: "years applies to kind \"fixed_years\" only",
                });
            }
        };
        match (raw.holder_kind, raw.holder_min_age) {
            (HolderKind::Organisation, Some(_)) => {
                return Err(TypeDefError::HolderMinAge {
                    reason: "applies to person holders only",
                });
            }
            (HolderKind::Person, Some(age)) if age > 150 => {
                return Err(TypeDefError::HolderMinAge {
                    reason: "must be at most 150",
                });
            }
            _ => {}
        }
        if raw.fields.len() > MAX_FIELDS {
            return Err(TypeDefError::TooManyFields {
                count: raw.fields.len(),
            });
        }
        let mut fields: Vec<FieldDef> = Vec::with_capacity(raw.fields.len());
        for raw_field in raw.fields {
            let field = field_from_raw(raw_field, raw.holder_kind)?;
            if fields.iter().any(|f| f.name == field.name) {
                return Err(TypeDefError::DuplicateField { name: field.name });
            }
            fields.push(field);
        }
        Ok(LicenceType {
            code,
            name,
            defining_authority,
            holder_kind: raw.holder_kind,
            holder_min_age: raw.holder_min_age,
            validity,
            fields,
        })
    }

    /// 证照类型代码.
    pub fn code(&self) -> &TypeCode {
        &self.code
    }

    /// 证照类型名称, e.g. 营业执照; also used as the licence name (证照名称).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// 证照定义机构 (the defining authority's name).
    pub fn defining_authority(&self) -> &str {
        &self.defining_authority
    }

    /// Who holds licences of this type.
    pub fn holder_kind(&self) -> HolderKind {
        self.holder_kind
    }

    /// Minimum holder age on the issue date, for person types (老年人优待证: 60).
    pub fn holder_min_age(&self) -> Option<u8> {
        self.holder_min_age
    }

    /// How long licences of this type are valid.
    pub fn validity(&self) -> Validity {
        self.validity
    }

    /// The face fields, in print order.
    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    /// The face field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

// --- Catalogue ------------------------------------------------------------------------------

/// Why a templates directory could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// A directory or file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `type.toml` is not a valid definition.
    #[error("{path}: {source}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: TypeDefError,
    },
    /// Two definitions share a type code.
    #[error("type code {code} is defined twice: {first} and {second}")]
    DuplicateTypeCode {
        /// The code.
        code: String,
        /// Where it was first defined (a path, or "argument N" for [`Catalogue::from_types`]).
        first: String,
        /// Where it was defined again.
        second: String,
    },
}

/// Every licence type the library knows, by type code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    types: BTreeMap<TypeCode, LicenceType>,
}

/// The file each template directory defines its type in.
pub const TYPE_FILE: &str = "type.toml";

impl Catalogue {
    /// Loads `dir/*/type.toml` (subdirectories without a `type.toml` are skipped), in
    /// directory-name order; rejects invalid definitions and duplicate type codes.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Catalogue, CatalogueError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| CatalogueError::Io { path, source }
        };
        let mut subdirs = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            if entry.file_type().map_err(io(&entry.path()))?.is_dir() {
                subdirs.push(entry.path());
            }
        }
        subdirs.sort();
        let mut catalogue = Catalogue::default();
        let mut origins: BTreeMap<TypeCode, String> = BTreeMap::new();
        for sub in subdirs {
            let path = sub.join(TYPE_FILE);
            if !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let ty =
                LicenceType::from_toml_str(&text).map_err(|source| CatalogueError::Definition {
                    path: path.clone(),
                    source,
                })?;
            catalogue.add(ty, path.display().to_string(), &mut origins)?;
        }
        Ok(catalogue)
    }

    /// A catalogue of already-parsed types; rejects duplicate type codes.
    pub fn from_types(
        types: impl IntoIterator<Item = LicenceType>,
    ) -> Result<Catalogue, CatalogueError> {
        let mut catalogue = Catalogue::default();
        let mut origins = BTreeMap::new();
        for (i, ty) in types.into_iter().enumerate() {
            catalogue.add(ty, format!("argument {i}"), &mut origins)?;
        }
        Ok(catalogue)
    }

    fn add(
        &mut self,
        ty: LicenceType,
        origin: String,
        origins: &mut BTreeMap<TypeCode, String>,
    ) -> Result<(), CatalogueError> {
        if let Some(first) = origins.get(&ty.code) {
            return Err(CatalogueError::DuplicateTypeCode {
                code: ty.code.to_string(),
                first: first.clone(),
                second: origin,
            });
        }
        origins.insert(ty.code.clone(), origin);
        self.types.insert(ty.code.clone(), ty);
        Ok(())
    }

    /// The type with this code.
    pub fn get(&self, code: &TypeCode) -> Option<&LicenceType> {
        self.types.get(code)
    }

    /// The type with this code, given as text (as in an [`IssueRequest`](crate::IssueRequest)).
    pub fn get_str(&self, code: &str) -> Option<&LicenceType> {
        TypeCode::parse(code).ok().and_then(|c| self.types.get(&c))
    }

    /// All types, by type code.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &LicenceType> {
        self.types.values()
    }

    /// Number of types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether there are no types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validity::FixedYears(y) => write!(f, "{y} years"),
            Validity::LongTerm {
                end_date_allowed: false,
            } => f.write_str("long-term (长期)"),
            Validity::LongTerm {
                end_date_allowed: true,
            } => f.write_str("long-term (长期) unless an end date is given"),
        }
    }
}
