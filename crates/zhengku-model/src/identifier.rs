//! The licence identifier 证照标识 of GB/T 36904:
//! `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
//!
//! - [`TypeCode`] 证照类型代码: the defining authority's USCC + a 3-digit sequence;
//! - [`IssuerCode`] 颁发机构代码: the issuing authority's USCC (a 6-digit area code is
//!   accepted when reading old data, never produced);
//! - serial: uppercase letters and digits; [`LicenceId::generate`] writes year + 7-digit
//!   sequence, other regions use other schemes (e.g. 20 random characters);
//! - version: three digits from `001`;
//! - check: ISO/IEC 7064 MOD 37,36 over type, issuer, serial and version concatenated
//!   ([`mod37_36_check_char`]).
//!
//! Parsing is strict (uppercase only, exact segment count, every check character verified),
//! so every single-character change of a valid identifier is rejected.

use crate::codes::{AreaCode, CodeError, Uscc};

/// The fixed object-identifier arc every licence identifier starts with.
pub const PREFIX: &str = "1.2.156.3005.2";

/// Alphabet of the MOD 37,36 check and of serials: values 0–35.
const ALNUM: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Longest serial accepted. Known schemes use 9 to 20 characters.
pub const MAX_SERIAL_LEN: usize = 32;

/// Why an identifier, or a part of one, was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier does not start with `1.2.156.3005.2.`.
    #[error("licence identifier must start with \"{PREFIX}.\", found {found:?}")]
    WrongPrefix {
        /// The start of the input (up to the prefix's length).
        found: String,
    },
    /// Not exactly five dot-separated segments after the prefix.
    #[error(
        "licence identifier needs 5 segments after the prefix (type, issuer, serial, version, check), found {found}"
    )]
    WrongSegmentCount {
        /// Segments found.
        found: usize,
    },
    /// A type code not 21 characters long.
    #[error("type code (证照类型代码) must be 21 characters, found {actual}")]
    TypeCodeLength {
        /// Characters found.
        actual: usize,
    },
    /// The type code's first 18 characters are not a valid USCC.
    #[error("type code (证照类型代码): defining authority code is invalid: {0}")]
    TypeCodeAuthority(#[source] CodeError),
    /// The type code's last three characters are not digits.
    #[error("type code (证照类型代码) must end in 3 digits, found {found:?}")]
    TypeCodeSequence {
        /// The last three characters.
        found: String,
    },
    /// An issuer code neither 18 (USCC) nor 6 (area code) characters long.
    #[error(
        "issuer code (颁发机构代码) must be an 18-character USCC or a 6-digit area code, found {actual} characters"
    )]
    IssuerLength {
        /// Characters found.
        actual: usize,
    },
    /// The issuer code has the right length but is not a valid code.
    #[error("issuer code (颁发机构代码) is invalid: {0}")]
    Issuer(#[source] CodeError),
    /// A serial that is empty or longer than [`MAX_SERIAL_LEN`].
    #[error("serial must be 1 to {MAX_SERIAL_LEN} characters, found {actual}")]
    SerialLength {
        /// Characters found.
        actual: usize,
    },
    /// A serial character other than 0-9 and A-Z.
    #[error("serial: character {found:?} not allowed at position {position} (expected 0-9 or A-Z)")]
    SerialChar {
        /// 1-based position within the serial.
        position: usize,
        /// The character found.
        found: char,
    },
    /// A version other than three digits from `001`.
    #[error("version must be three digits from 001 to 999, found {found:?}")]
    Version {
        /// The segment found.
        found: String,
    },
    /// A check segment that is not a single character 0-9 or A-Z.
    #[error("check segment must be one character 0-9 or A-Z, found {found:?}")]
    CheckSegment {
        /// The segment found.
        found: String,
    },
    /// The check character does not match.
    #[error("check character wrong: expected {expected}, found {found}")]
    CheckCharMismatch {
        /// The check character the other segments call for.
        expected: char,
        /// The check character found.
        found: char,
    },
    /// An argument to a constructor is out of range.
    #[error("{what} out of range: {value} (allowed {allowed})")]
    OutOfRange {
        /// Which argument.
        what: &'static str,
        /// Its value.
        value: u64,
        /// The allowed range.
        allowed: &'static str,
    },
}

impl IdError {
    /// A stable machine code for the error, used in test vectors and reports.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::WrongPrefix { .. } => "wrong_prefix",
            IdError::WrongSegmentCount { .. } => "wrong_segment_count",
            IdError::TypeCodeLength { .. } => "type_code_length",
            IdError::TypeCodeAuthority(_) => "type_code_authority",
            IdError::TypeCodeSequence { .. } => "type_code_sequence",
            IdError::IssuerLength { .. } => "issuer_length",
            IdError::Issuer(_) => "invalid_issuer",
            IdError::SerialLength { .. } => "serial_length",
            IdError::SerialChar { .. } => "serial_char",
            IdError::Version { .. } => "invalid_version",
            IdError::CheckSegment { .. } => "check_segment",
            IdError::CheckCharMismatch { .. } => "invalid_check_char",
            IdError::OutOfRange { .. } => "out_of_range",
        }
    }
}

fn alnum_value(c: char) -> Option<u32> {
    ALNUM
        .iter()
        .position(|&a| char::from(a) == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The ISO/IEC 7064 MOD 37,36 check character of `payload` (characters 0-9, A-Z), or `None`
/// if the payload has any other character.
///
/// The algorithm (a hybrid system, so it catches every single substitution and every
/// adjacent transposition): `c = 36`; for each character of value `v`:
/// `c = (c + v) mod 36` (0 becomes 36), then `c = 2c mod 37`; finally the check is the
/// character of value `(37 - c) mod 36`.
///
/// ```
/// use zhengku_model::identifier::mod37_36_check_char;
///
/// let payload = "11100000000013338W01111430000006122244L20230000403001";
/// assert_eq!(mod37_36_check_char(payload), Some('U'));
/// assert_eq!(mod37_36_check_char("abc"), None);
/// ```
pub fn mod37_36_check_char(payload: &str) -> Option<char> {
    let mut c: u32 = 36;
    for ch in payload.chars() {
        c = (c + alnum_value(ch)?) % 36;
        if c == 0 {
            c = 36;
        }
        c = (2 * c) % 37;
    }
    let value = (37 - c) % 36;
    ALNUM.get(value as usize).map(|&b| char::from(b))
}

// ---------------------------------------------------------------------------------------------

/// 证照类型代码 (licence type code): the defining authority's 18-character USCC followed by a
/// 3-digit sequence, e.g. `11100000MB0143028R001`.
///
/// The USCC must carry a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeCode {
    code: String,
    authority: Uscc,
}

impl TypeCode {
    /// Parses a 21-character type code.
    pub fn parse(s: &str) -> Result<TypeCode, IdError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 21 {
            return Err(IdError::TypeCodeLength {
                actual: chars.len(),
            });
        }
        let authority_str: String = chars[..18].iter().collect();
        let authority = Uscc::parse(&authority_str).map_err(IdError::TypeCodeAuthority)?;
        if !chars[18..].iter().all(char::is_ascii_digit) {
            return Err(IdError::TypeCodeSequence {
                found: chars[18..].iter().collect(),
            });
        }
        Ok(TypeCode {
            code: s.to_owned(),
            authority,
        })
    }

    /// The type code `authority` + `sequence` (0–999, written as three digits).
    pub fn new(authority: &Uscc, sequence: u16) -> Result<TypeCode, IdError> {
        if sequence > 999 {
            return Err(IdError::OutOfRange {
                what: "type code sequence",
                value: u64::from(sequence),
                allowed: "0-999",
            });
        }
        Ok(TypeCode {
            code: format!("{authority}{sequence:03}"),
            authority: authority.clone(),
        })
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// 证照定义机构代码: the USCC of the authority that defines the licence type.
    pub fn defining_authority(&self) -> &Uscc {
        &self.authority
    }

    /// The 3-digit sequence within the defining authority.
    pub fn sequence(&self) -> &str {
        &self.code[18..]
    }
}

crate::string_code!(TypeCode, IdError);

// ---------------------------------------------------------------------------------------------

/// 颁发机构代码 (issuer code) as found in an identifier.
///
/// New identifiers always carry a USCC; some old data has a 6-digit area code instead, which
/// is accepted when reading so that such licences can still be verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssuerCode {
    /// The issuing authority's 统一社会信用代码.
    Uscc(Uscc),
    /// A 行政区划代码 (old data only).
    Area(AreaCode),
}

impl IssuerCode {
    /// Parses an 18-character USCC or a 6-digit area code.
    pub fn parse(s: &str) -> Result<IssuerCode, IdError> {
        match s.chars().count() {
            18 => Uscc::parse(s)
                .map(IssuerCode::Uscc)
                .map_err(IdError::Issuer),
            6 => AreaCode::parse(s)
                .map(IssuerCode::Area)
                .map_err(IdError::Issuer),
            actual => Err(IdError::IssuerLength { actual }),
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        match self {
            IssuerCode::Uscc(u) => u.as_str(),
            IssuerCode::Area(a) => a.as_str(),
        }
    }

    /// The USCC, unless this is an old area code.
    pub fn as_uscc(&self) -> Option<&Uscc> {
        match self {
            IssuerCode::Uscc(u) => Some(u),
            IssuerCode::Area(_) => None,
        }
    }
}

crate::string_code!(IssuerCode, IdError);

// ---------------------------------------------------------------------------------------------

/// 证照标识 (licence identifier, GB/T 36904), e.g.
/// `1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`.
///
/// ```
/// use zhengku_model::identifier::{LicenceId, TypeCode};
/// use zhengku_model::codes::Uscc;
///
/// let type_code = TypeCode::parse("11100000000013338W011")?;
/// let issuer = Uscc::parse("11430000006122244L")?;
/// let id = LicenceId::generate(&type_code, &issuer, 2023, 403, 1)?;
/// assert_eq!(
///     id.to_string(),
///     "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
/// );
/// assert_eq!(LicenceId::parse(&id.to_string())?, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenceId {
    text: String,
    type_code: TypeCode,
    issuer: IssuerCode,
    serial: String,
    version: u16,
    check: char,
}

fn check_serial(serial: &str) -> Result<(), IdError> {
    let len = serial.chars().count();
    if len == 0 || len > MAX_SERIAL_LEN {
        return Err(IdError::SerialLength { actual: len });
    }
    for (i, c) in serial.chars().enumerate() {
        if !(c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(IdError::SerialChar {
                position: i + 1,
                found: c,
            });
        }
    }
    Ok(())
}

fn parse_version(s: &str) -> Result<u16, IdError> {
    let bad = || IdError::Version {
        found: s.to_owned(),
    };
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match s.parse::<u16>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(bad()),
    }
}

impl LicenceId {
    /// Parses and verifies an identifier: prefix, segment count, type code (with its USCC
    /// check), issuer code, serial, version and the MOD 37,36 check character.
    pub fn parse(s: &str) -> Result<LicenceId, IdError> {
        let rest = s
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or_else(|| IdError::WrongPrefix {
                found: s.chars().take(PREFIX.len() + 1).collect(),
            })?;
        let segments: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = segments[..] else {
            return Err(IdError::WrongSegmentCount {
                found: segments.len(),
            });
        };
        let type_code = TypeCode::parse(type_code)?;
        let issuer = IssuerCode::parse(issuer)?;
        check_serial(serial)?;
        let version_number = parse_version(version)?;
        let mut check_chars = check.chars();
        let found = match (check_chars.next(), check_chars.next()) {
            (Some(c), None) if alnum_value(c).is_some() => c,
            _ => {
                return Err(IdError::CheckSegment {
                    found: check.to_owned(),
                });
            }
        };
        let expected = Self::compute_check(&type_code, &issuer, serial, version);
        if found != expected {
            return Err(IdError::CheckCharMismatch { expected, found });
        }
        Ok(LicenceId {
            text: s.to_owned(),
            type_code,
            issuer,
            serial: serial.to_owned(),
            version: version_number,
            check: found,
        })
    }

    /// A new identifier in the year + sequence scheme: serial = 4-digit `year` + 7-digit
    /// zero-padded `sequence` (e.g. `20230000403`), version written as three digits.
    ///
    /// Only a USCC is accepted as issuer: area codes are tolerated in old data, never produced.
    pub fn generate(
        type_code: &TypeCode,
        issuer: &Uscc,
        year: u16,
        sequence: u32,
        version: u16,
    ) -> Result<LicenceId, IdError> {
        if !(1000..=9999).contains(&year) {
            return Err(IdError::OutOfRange {
                what: "year",
                value: u64::from(year),
                allowed: "1000-9999",
            });
        }
        if sequence > 9_999_999 {
            return Err(IdError::OutOfRange {
                what: "sequence",
                value: u64::from(sequence),
                allowed: "0-9999999",
            });
        }
        Self::with_serial(type_code, issuer, &format!("{year}{sequence:07}"), version)
    }

    /// A new identifier with a serial from another scheme (1–32 characters 0-9, A-Z).
    pub fn with_serial(
        type_code: &TypeCode,
        issuer: &Uscc,
        serial: &str,
        version: u16,
    ) -> Result<LicenceId, IdError> {
        check_serial(serial)?;
        Self::assemble(type_code, IssuerCode::Uscc(issuer.clone()), serial, version)
    }

    /// The same licence with another version (a re-issue after a change, 变更).
    pub fn with_version(&self, version: u16) -> Result<LicenceId, IdError> {
        Self::assemble(&self.type_code, self.issuer.clone(), &self.serial, version)
    }

    fn assemble(
        type_code: &TypeCode,
        issuer: IssuerCode,
        serial: &str,
        version: u16,
    ) -> Result<LicenceId, IdError> {
        if !(1..=999).contains(&version) {
            return Err(IdError::OutOfRange {
                what: "version",
                value: u64::from(version),
                allowed: "1-999",
            });
        }
        let version_text = format!("{version:03}");
        let check = Self::compute_check(type_code, &issuer, serial, &version_text);
        Ok(LicenceId {
            text: format!("{PREFIX}.{type_code}.{issuer}.{serial}.{version_text}.{check}"),
            type_code: type_code.clone(),
            issuer,
            serial: serial.to_owned(),
            version,
            check,
        })
    }

    /// Every part has been validated to be 0-9/A-Z, so the check always exists.
    fn compute_check(
        type_code: &TypeCode,
        issuer: &IssuerCode,
        serial: &str,
        version: &str,
    ) -> char {
        let payload = format!("{type_code}{issuer}{serial}{version}");
        mod37_36_check_char(&payload).unwrap_or('?')
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// 证照类型代码.
    pub fn type_code(&self) -> &TypeCode {
        &self.type_code
    }

    /// 颁发机构代码.
    pub fn issuer(&self) -> &IssuerCode {
        &self.issuer
    }

    /// The serial segment.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The version number (the segment is this number written with three digits).
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The MOD 37,36 check character.
    pub fn check_char(&self) -> char {
        self.check
    }
}

crate::string_code!(LicenceId, IdError);
