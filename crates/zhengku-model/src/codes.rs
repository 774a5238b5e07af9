//! Validators for the national codes a licence carries: 统一社会信用代码 ([`Uscc`]),
//! 公民身份号码 ([`CitizenId`]) and 行政区划代码 ([`AreaCode`]).
//!
//! Every type here can only hold a valid code: the constructors check length, alphabet,
//! structure and check character, and say exactly what is wrong otherwise ([`CodeError`]).
//! Parsing is strict (uppercase only, no surrounding spaces): a code that reaches a signed
//! record must have one spelling.

use std::fmt;

use time::{Date, Month};

/// Which kind of code an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeKind {
    /// 统一社会信用代码 (unified social credit code, GB 32100-2015).
    Uscc,
    /// 公民身份号码 (citizen identity number, GB 11643).
    CitizenId,
    /// 行政区划代码 (administrative division code, GB/T 2260).
    AreaCode,
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeKind::Uscc => "unified social credit code (统一社会信用代码)",
            CodeKind::CitizenId => "citizen ID number (公民身份号码)",
            CodeKind::AreaCode => "area code (行政区划代码)",
        })
    }
}

/// Why a code was rejected. Positions are 1-based character positions, as printed on paper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The code has the wrong number of characters.
    #[error("{kind} must be {expected} characters long, found {actual}")]
    WrongLength {
        /// The code's kind.
        kind: CodeKind,
        /// Required length.
        expected: usize,
        /// Length found (in characters, not bytes).
        actual: usize,
    },
    /// A character is not allowed where it stands.
    #[error("{kind}: character {found:?} not allowed at position {position} (expected {allowed})")]
    InvalidChar {
        /// The code's kind.
        kind: CodeKind,
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
        /// What is allowed there.
        allowed: &'static str,
    },
    /// The check character does not match the rest of the code.
    #[error("{kind}: check character wrong: expected {expected}, found {found}")]
    CheckCharMismatch {
        /// The code's kind.
        kind: CodeKind,
        /// The check character the other characters call for.
        expected: char,
        /// The check character found.
        found: char,
    },
    /// The first two digits are not a province-level code (11–82).
    #[error("{kind}: province code {found} (first two digits) is not between 11 and 82")]
    InvalidProvince {
        /// The code's kind.
        kind: CodeKind,
        /// The two digits found.
        found: String,
    },
    /// The birth date in a citizen ID is not a calendar date on or after 1900-01-01.
    #[error("{kind}: birth date {found} is not a calendar date on or after 1900-01-01 (YYYYMMDD)")]
    InvalidBirthDate {
        /// The code's kind.
        kind: CodeKind,
        /// The eight digits found.
        found: String,
    },
}

impl CodeError {
    /// A stable machine code for the error (`invalid_length`, `invalid_char`,
    /// `invalid_check_char`, `invalid_area_code`, `invalid_birth_date`).
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::WrongLength { .. } => "invalid_length",
            CodeError::InvalidChar { .. } => "invalid_char",
            CodeError::CheckCharMismatch { .. } => "invalid_check_char",
            CodeError::InvalidProvince { .. } => "invalid_area_code",
            CodeError::InvalidBirthDate { .. } => "invalid_birth_date",
        }
    }

    /// The kind of code the error is about.
    pub fn kind(&self) -> CodeKind {
        match self {
            CodeError::WrongLength { kind, .. }
            | CodeError::InvalidChar { kind, .. }
            | CodeError::CheckCharMismatch { kind, .. }
            | CodeError::InvalidProvince { kind, .. }
            | CodeError::InvalidBirthDate { kind, .. } => *kind,
        }
    }
}

fn chars_of_length(s: &str, kind: CodeKind, expected: usize) -> Result<Vec<char>, CodeError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != expected {
        return Err(CodeError::WrongLength {
            kind,
            expected,
            actual: chars.len(),
        });
    }
    Ok(chars)
}

fn require_digit(kind: CodeKind, position: usize, c: char) -> Result<u32, CodeError> {
    c.to_digit(10)
        .filter(|_| c.is_ascii_digit())
        .ok_or(CodeError::InvalidChar {
            kind,
            position,
            found: c,
            allowed: "a digit 0-9",
        })
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码
// ---------------------------------------------------------------------------------------------

/// The 31 symbols of GB 32100-2015, in value order: digits and uppercase letters without
/// I, O, S, V, Z (too easily confused with 1, 0, 5, U, 2).
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: 3^(i-1) mod 31.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const USCC_ALLOWED: &str = "0-9 or an uppercase letter other than I, O, S, V, Z";
const USCC_AREA_ALLOWED: &str = "a digit 0-9 (positions 3-8 are the registration area code)";

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET
        .chars()
        .position(|a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

fn uscc_symbol(value: u32) -> char {
    USCC_ALPHABET
        .chars()
        .nth(value as usize % USCC_ALPHABET.len())
        .unwrap_or('0')
}

/// Checks the 17 body characters and returns the check character they call for.
fn uscc_body_check(body: &[char]) -> Result<char, CodeError> {
    let mut sum = 0u32;
    for (i, (&c, w)) in body.iter().zip(USCC_WEIGHTS).enumerate() {
        let position = i + 1;
        // Positions 3-8 hold the registration authority's area code, always digits.
        let value = if (3..=8).contains(&position) {
            require_digit(CodeKind::Uscc, position, c).map_err(|_| CodeError::InvalidChar {
                kind: CodeKind::Uscc,
                position,
                found: c,
                allowed: USCC_AREA_ALLOWED,
            })?
        } else {
            uscc_value(c).ok_or(CodeError::InvalidChar {
                kind: CodeKind::Uscc,
                position,
                found: c,
                allowed: USCC_ALLOWED,
            })?
        };
        sum += value * w;
    }
    Ok(uscc_symbol((31 - sum % 31) % 31))
}

/// 统一社会信用代码 (unified social credit code, GB 32100-2015): the 18-character code of a
/// legal person or other organisation.
///
/// Layout: registration authority (1) + organisation kind (1) + area code (6 digits) +
/// organisation identifier (9) + check character (1), over the alphabet [`USCC_ALPHABET`].
///
/// ```
/// use zhengku_model::codes::{CodeError, Uscc};
///
/// let code = Uscc::parse("11100000MB03271699")?;
/// assert_eq!(code.area(), "100000");
/// assert_eq!(Uscc::check_char("11100000MB0327169")?, '9');
/// assert!(matches!(
///     Uscc::parse("11100000MB03271698"),
///     Err(CodeError::CheckCharMismatch { expected: '9', found: '8', .. })
/// ));
/// # Ok::<(), CodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and validates a code: 18 characters from the alphabet, digits in positions 3–8,
    /// and a matching check character. Lowercase is rejected, not folded.
    pub fn parse(s: &str) -> Result<Uscc, CodeError> {
        let chars = chars_of_length(s, CodeKind::Uscc, 18)?;
        let expected = uscc_body_check(&chars[..17])?;
        let found = chars[17];
        if uscc_value(found).is_none() {
            return Err(CodeError::InvalidChar {
                kind: CodeKind::Uscc,
                position: 18,
                found,
                allowed: USCC_ALLOWED,
            });
        }
        if found != expected {
            return Err(CodeError::CheckCharMismatch {
                kind: CodeKind::Uscc,
                expected,
                found,
            });
        }
        Ok(Uscc(s.to_owned()))
    }

    /// The check character for the first 17 characters of a code.
    pub fn check_char(first17: &str) -> Result<char, CodeError> {
        let chars = chars_of_length(first17, CodeKind::Uscc, 17)?;
        uscc_body_check(&chars)
    }

    /// The code as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门代码 (registration authority), position 1.
    pub fn registration_authority(&self) -> char {
        self.0.chars().next().unwrap_or('0')
    }

    /// 机构类别代码 (organisation kind), position 2.
    pub fn organisation_kind(&self) -> char {
        self.0.chars().nth(1).unwrap_or('0')
    }

    /// 登记管理机关行政区划码 (registration area code), positions 3–8.
    pub fn area(&self) -> &str {
        &self.0[2..8]
    }

    /// 主体标识码 (organisation identifier, the former organisation code), positions 9–17.
    pub fn organisation_id(&self) -> &str {
        &self.0[8..17]
    }
}

// ---------------------------------------------------------------------------------------------
// 行政区划代码
// ---------------------------------------------------------------------------------------------

/// 行政区划代码 (administrative division code, GB/T 2260): six digits whose first two are a
/// province-level code between 11 (北京) and 82 (澳门).
///
/// Only the shape is checked; whether a code is in the current GB/T 2260 list is not (codes
/// are withdrawn and added every year, and old records keep old codes).
///
/// ```
/// use zhengku_model::codes::AreaCode;
///
/// assert_eq!(AreaCode::parse("330106")?.province(), "33");
/// assert!(AreaCode::parse("000000").is_err());
/// # Ok::<(), zhengku_model::codes::CodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

impl AreaCode {
    /// Parses six digits with a province code in 11..=82.
    pub fn parse(s: &str) -> Result<AreaCode, CodeError> {
        Self::parse_as(s, CodeKind::AreaCode)
    }

    /// Parses on behalf of a larger code, so errors name that code.
    fn parse_as(s: &str, kind: CodeKind) -> Result<AreaCode, CodeError> {
        let chars = chars_of_length(s, kind, 6)?;
        for (i, &c) in chars.iter().enumerate() {
            require_digit(kind, i + 1, c)?;
        }
        let province = &s[..2];
        if !("11"..="82").contains(&province) {
            return Err(CodeError::InvalidProvince {
                kind,
                found: province.to_owned(),
            });
        }
        Ok(AreaCode(s.to_owned()))
    }

    /// The code as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The province-level part, the first two digits.
    pub fn province(&self) -> &str {
        &self.0[..2]
    }
}

// ---------------------------------------------------------------------------------------------
// 公民身份号码
// ---------------------------------------------------------------------------------------------

/// ISO 7064 MOD 11-2 weights for positions 1–17 (2^(18-i) mod 11).
const CITIZEN_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum mod 11.
const CITIZEN_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// 性别 (sex), as encoded in the citizen ID sequence number: odd is male.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// The Chinese label printed on documents: 男 or 女.
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// 公民身份号码 (citizen identity number, GB 11643-1999): area code (6) + birth date
/// YYYYMMDD (8) + sequence (3, odd for men) + ISO 7064 MOD 11-2 check character (`X` for 10).
///
/// The birth date must be a real calendar date on or after 1900-01-01. Whether it lies in the
/// future is not checked: that needs a clock, and validation here is a pure function.
///
/// ```
/// use zhengku_model::codes::{CitizenId, Sex};
///
/// let id = CitizenId::parse("11010519491231002X")?;
/// assert_eq!(id.birth_date().to_string(), "1949-12-31");
/// assert_eq!(id.sex(), Sex::Female);
/// # Ok::<(), zhengku_model::codes::CodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId(String);

impl CitizenId {
    /// Parses and validates a number. A lowercase `x` is rejected, not folded.
    pub fn parse(s: &str) -> Result<CitizenId, CodeError> {
        let kind = CodeKind::CitizenId;
        let chars = chars_of_length(s, kind, 18)?;
        let mut sum = 0;
        for (i, (&c, w)) in chars.iter().zip(CITIZEN_WEIGHTS).enumerate() {
            sum += require_digit(kind, i + 1, c)? * w;
        }
        let found = chars[17];
        if !(found.is_ascii_digit() || found == 'X') {
            return Err(CodeError::InvalidChar {
                kind,
                position: 18,
                found,
                allowed: "a digit 0-9 or uppercase X",
            });
        }
        let expected = CITIZEN_CHECK[(sum % 11) as usize];
        if found != expected {
            return Err(CodeError::CheckCharMismatch {
                kind,
                expected,
                found,
            });
        }
        AreaCode::parse_as(&s[..6], kind)?;
        birth_date(&s[6..14]).ok_or_else(|| CodeError::InvalidBirthDate {
            kind,
            found: s[6..14].to_owned(),
        })?;
        Ok(CitizenId(s.to_owned()))
    }

    /// The number as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The area code of the place of first registration, positions 1–6.
    pub fn area(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date, positions 7–14.
    pub fn birth_date(&self) -> Date {
        // Validated in `parse`; the fallback is unreachable.
        birth_date(&self.0[6..14]).unwrap_or(Date::MIN)
    }

    /// The sequence number, positions 15–17.
    pub fn sequence(&self) -> &str {
        &self.0[14..17]
    }

    /// The holder's sex: odd sequence numbers are given to men.
    pub fn sex(&self) -> Sex {
        let last = self.0.as_bytes()[16];
        if (last - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`, for rules such as a minimum age.
    pub fn age_on(&self, on: Date) -> i32 {
        let born = self.birth_date();
        let mut age = on.year() - born.year();
        if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
            age -= 1;
        }
        age
    }
}

/// `YYYYMMDD` → a date on or after 1900-01-01.
fn birth_date(digits: &str) -> Option<Date> {
    let year: i32 = digits.get(..4)?.parse().ok()?;
    let month: u8 = digits.get(4..6)?.parse().ok()?;
    let day: u8 = digits.get(6..8)?.parse().ok()?;
    if year < 1900 {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

crate::string_code!(Uscc, CodeError);
crate::string_code!(AreaCode, CodeError);
crate::string_code!(CitizenId, CodeError);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn uscc_accepts_real_codes_and_computes_their_check_char() {
        for code in [
            "11100000000013338W",
            "11430000006122244L",
            "11330105002500287C",
            "11100000MB03271699",
            "11100000MB0143028R",
        ] {
            let u = Uscc::parse(code).unwrap();
            assert_eq!(u.as_str(), code);
            assert_eq!(
                Uscc::check_char(&code[..17]).unwrap(),
                code.chars().last().unwrap()
            );
        }
        let u = Uscc::parse("91330106MA2H0YKU5B").unwrap();
        assert_eq!(
            (
                u.registration_authority(),
                u.organisation_kind(),
                u.area(),
                u.organisation_id()
            ),
            ('9', '1', "330106", "MA2H0YKU5")
        );
    }

    #[test]
    fn uscc_errors_are_precise() {
        assert_eq!(
            Uscc::parse("11100000MB0327169"),
            Err(CodeError::WrongLength {
                kind: CodeKind::Uscc,
                expected: 18,
                actual: 17
            })
        );
        // Length counts characters, not bytes.
        assert!(matches!(
            Uscc::parse("11100000MB03271699证"),
            Err(CodeError::WrongLength { actual: 19, .. })
        ));
        assert!(matches!(
            Uscc::parse("证1100000MB03271699"),
            Err(CodeError::InvalidChar {
                position: 1,
                found: '证',
                ..
            })
        ));
        assert!(matches!(
            Uscc::parse("11100000mb03271699"),
            Err(CodeError::InvalidChar {
                position: 9,
                found: 'm',
                ..
            })
        ));
        assert!(matches!(
            Uscc::parse("1110000OMB03271699"),
            Err(CodeError::InvalidChar {
                position: 8,
                found: 'O',
                ..
            })
        ));
        // I, O, S, V, Z are outside the alphabet even where letters are allowed.
        for letter in ['I', 'O', 'S', 'V', 'Z'] {
            let code = format!("11100000M{letter}03271699");
            assert!(matches!(
                Uscc::parse(&code),
                Err(CodeError::InvalidChar { position: 10, .. })
            ));
        }
        let err = Uscc::parse("11430000006122244X").unwrap_err();
        assert_eq!(err.code(), "invalid_check_char");
        assert_eq!(
            err.to_string(),
            "unified social credit code (统一社会信用代码): check character wrong: expected L, found X"
        );
    }

    #[test]
    fn citizen_id_reads_birth_date_sex_and_area() {
        let id = CitizenId::parse("330106195807081239").unwrap();
        assert_eq!(id.area(), "330106");
        assert_eq!(id.sequence(), "123");
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.sex().label_zh(), "男");
        assert_eq!(
            id.birth_date(),
            Date::from_calendar_date(1958, Month::July, 8).unwrap()
        );
        let on = |y, m, d| Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
        assert_eq!(id.age_on(on(2018, 7, 7)), 59);
        assert_eq!(id.age_on(on(2018, 7, 8)), 60);
    }

    #[test]
    fn citizen_id_errors_are_precise() {
        // The example number of GB 11643 itself, born in 1880: before the 1900 floor.
        assert!(matches!(
            CitizenId::parse("440524188001010014"),
            Err(CodeError::InvalidBirthDate { ref found, .. }) if found == "18800101"
        ));
        assert!(matches!(
            CitizenId::parse("11010519491231002x"),
            Err(CodeError::InvalidChar {
                position: 18,
                found: 'x',
                ..
            })
        ));
        assert!(matches!(
            CitizenId::parse("110105194912310021"),
            Err(CodeError::CheckCharMismatch {
                expected: 'X',
                found: '1',
                ..
            })
        ));
        assert!(matches!(
            CitizenId::parse("1101051949123100"),
            Err(CodeError::WrongLength {
                expected: 18,
                actual: 16,
                ..
            })
        ));
        assert!(matches!(
            CitizenId::parse("1101A5194912310021"),
            Err(CodeError::InvalidChar { position: 5, .. })
        ));
        // 1949-02-30 with a correct check character: the date is what is wrong.
        let body = "11010519490230002";
        let sum: u32 = body
            .chars()
            .zip(CITIZEN_WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let bad_date = format!("{body}{}", CITIZEN_CHECK[(sum % 11) as usize]);
        assert_eq!(
            CitizenId::parse(&bad_date).unwrap_err().code(),
            "invalid_birth_date"
        );
        // Province 99 with a correct check character.
        let body = "99010519491231002";
        let sum: u32 = body
            .chars()
            .zip(CITIZEN_WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let bad_area = format!("{body}{}", CITIZEN_CHECK[(sum % 11) as usize]);
        assert!(matches!(
            CitizenId::parse(&bad_area),
            Err(CodeError::InvalidProvince { kind: CodeKind::CitizenId, ref found }) if found == "99"
        ));
    }

    #[test]
    fn area_code_shape() {
        assert!(AreaCode::parse("110000").is_ok());
        assert!(AreaCode::parse("820000").is_ok());
        assert_eq!(
            AreaCode::parse("100000").unwrap_err().code(),
            "invalid_area_code"
        );
        assert_eq!(
            AreaCode::parse("830000").unwrap_err().code(),
            "invalid_area_code"
        );
        assert_eq!(
            AreaCode::parse("33010").unwrap_err().code(),
            "invalid_length"
        );
        assert_eq!(
            AreaCode::parse("33010a").unwrap_err().code(),
            "invalid_char"
        );
        // Full-width digits are digits to Unicode, but not to GB/T 2260.
        assert_eq!(
            AreaCode::parse("３３0106").unwrap_err().code(),
            "invalid_char"
        );
    }

    #[test]
    fn codes_round_trip_through_strings_and_serde() {
        let u: Uscc = "11100000MB03271699".parse().unwrap();
        assert_eq!(u.to_string(), "11100000MB03271699");
        assert_eq!(String::from(u.clone()), "11100000MB03271699");
        let parsed: Result<Uscc, _> = Uscc::try_from("bad".to_owned());
        assert!(parsed.is_err());
    }
}
