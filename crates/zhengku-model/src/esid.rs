//! 印章编码 (esID): the code this library gives every seal it makes ([`EsId`]).
//!
//! GB/T 38540 leaves the esID's form to the seal-making system (it is an IA5String inside
//! the seal). This library writes 16 digits: the department's 行政区划代码 (6), the 印章类型
//! (2, `01` unit seal, `02` personal seal) and a sequence number (8) counted per area and
//! type by the library's own sequences ([`EsId::sequence_name`]). Seals made elsewhere may
//! carry any esID: verification reads theirs as text and never parses it with this type.

use std::fmt;

use crate::codes::{AreaCode, CodeError};

/// Digits of the sequence part.
const SEQUENCE_DIGITS: usize = 8;

/// Largest sequence number that fits the eight digits.
pub const MAX_ESID_SEQUENCE: u32 = 99_999_999;

/// Largest seal type that fits the two digits.
pub const MAX_ESID_SEAL_TYPE: u32 = 99;

/// Length of an esID this library makes.
pub const ESID_LEN: usize = 6 + 2 + SEQUENCE_DIGITS;

/// Why an esID could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EsIdError {
    /// Not 16 characters.
    #[error("an esID (印章编码) is {ESID_LEN} digits, found {actual} characters")]
    WrongLength {
        /// Characters found.
        actual: usize,
    },
    /// A character other than a digit.
    #[error("esID (印章编码): character {found:?} at position {position} is not a digit")]
    NotDigit {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The area code part is not a 行政区划代码.
    #[error("esID (印章编码): {0}")]
    Area(#[source] CodeError),
    /// The seal type is 0 or does not fit two digits.
    #[error("esID (印章编码): seal type {0} is not 1 to {MAX_ESID_SEAL_TYPE}")]
    SealType(u32),
    /// The sequence number does not fit eight digits.
    #[error("esID (印章编码): sequence number {0} is over {MAX_ESID_SEQUENCE}")]
    Sequence(u32),
}

/// 印章编码 as this library makes it: area code, seal type, sequence number (module docs).
///
/// ```
/// use zhengku_model::EsId;
/// use zhengku_model::codes::AreaCode;
///
/// let esid = EsId::new(&AreaCode::parse("330106")?, 1, 7)?;
/// assert_eq!(esid.as_str(), "3301060100000007");
/// assert_eq!(EsId::parse("3301060100000007")?, esid);
/// assert_eq!((esid.area().as_str(), esid.seal_type(), esid.sequence()), ("330106", 1, 7));
/// assert_eq!(EsId::sequence_name(1), "seal-01");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EsId {
    text: String,
    area: AreaCode,
    seal_type: u32,
    sequence: u32,
}

impl EsId {
    /// The esID of seal number `sequence` of type `seal_type` (1 unit, 2 personal) made for
    /// a department of `area`.
    pub fn new(area: &AreaCode, seal_type: u32, sequence: u32) -> Result<EsId, EsIdError> {
        if !(1..=MAX_ESID_SEAL_TYPE).contains(&seal_type) {
            return Err(EsIdError::SealType(seal_type));
        }
        if sequence > MAX_ESID_SEQUENCE {
            return Err(EsIdError::Sequence(sequence));
        }
        Ok(EsId {
            text: format!("{}{seal_type:02}{sequence:08}", area.as_str()),
            area: area.clone(),
            seal_type,
            sequence,
        })
    }

    /// Reads an esID this library made: 16 digits, a valid area code first, a seal type
    /// other than `00`.
    pub fn parse(s: &str) -> Result<EsId, EsIdError> {
        let chars = s.chars().count();
        if chars != ESID_LEN {
            return Err(EsIdError::WrongLength { actual: chars });
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(EsIdError::NotDigit {
                position: i + 1,
                found: c,
            });
        }
        // All ASCII digits from here, so byte slicing is on character boundaries.
        let area = AreaCode::parse(&s[..6]).map_err(EsIdError::Area)?;
        let seal_type = parse_digits(&s[6..8]);
        let sequence = parse_digits(&s[8..]);
        EsId::new(&area, seal_type, sequence)
    }

    /// The esID as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The department's area code (行政区划代码).
    pub fn area(&self) -> &AreaCode {
        &self.area
    }

    /// 印章类型: 1 unit seal, 2 personal seal.
    pub fn seal_type(&self) -> u32 {
        self.seal_type
    }

    /// The sequence number within the area and type.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The name of the library sequence that numbers seals of `seal_type` (per area):
    /// `seal-01`, `seal-02`.
    pub fn sequence_name(seal_type: u32) -> String {
        format!("seal-{seal_type:02}")
    }
}

/// The value of a run of ASCII digits short enough not to overflow (at most eight).
fn parse_digits(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
}

impl fmt::Display for EsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EsId {
    type Err = EsIdError;

    fn from_str(s: &str) -> Result<Self, EsIdError> {
        EsId::parse(s)
    }
}

impl AsRef<str> for EsId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl TryFrom<String> for EsId {
    type Error = EsIdError;

    fn try_from(s: String) -> Result<Self, EsIdError> {
        EsId::parse(&s)
    }
}

impl From<EsId> for String {
    fn from(esid: EsId) -> String {
        esid.text
    }
}

impl serde::Serialize for EsId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EsId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        EsId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn area() -> AreaCode {
        AreaCode::parse("330106").unwrap()
    }

    #[test]
    fn writes_area_type_and_sequence() {
        // The form the seal API and development bootstrap always wrote.
        let (area, seal_type, sequence) = (area(), 2u32, 123u32);
        let esid = EsId::new(&area, seal_type, sequence).unwrap();
        assert_eq!(
            esid.to_string(),
            format!("{}{seal_type:02}{sequence:08}", area.as_str())
        );
        assert_eq!(esid.as_str(), "3301060200000123");
        assert_eq!(
            EsId::new(&area, 1, MAX_ESID_SEQUENCE).unwrap().as_str(),
            "3301060199999999"
        );
    }

    #[test]
    fn reads_back_what_it_writes() {
        for (t, n) in [(1, 1), (2, 42), (99, MAX_ESID_SEQUENCE)] {
            let esid = EsId::new(&area(), t, n).unwrap();
            let back = EsId::parse(esid.as_str()).unwrap();
            assert_eq!(back, esid);
            assert_eq!((back.seal_type(), back.sequence()), (t, n));
            let json = serde_json::to_string(&esid).unwrap();
            assert_eq!(json, format!("\"{esid}\""));
            assert_eq!(serde_json::from_str::<EsId>(&json).unwrap(), esid);
        }
    }

    #[test]
    fn refuses_what_it_would_not_write() {
        assert_eq!(EsId::new(&area(), 0, 1), Err(EsIdError::SealType(0)));
        assert_eq!(EsId::new(&area(), 100, 1), Err(EsIdError::SealType(100)));
        assert_eq!(
            EsId::new(&area(), 1, MAX_ESID_SEQUENCE + 1),
            Err(EsIdError::Sequence(MAX_ESID_SEQUENCE + 1))
        );
        assert_eq!(
            EsId::parse("0000"),
            Err(EsIdError::WrongLength { actual: 4 })
        );
        assert_eq!(
            EsId::parse("33010601000000x7"),
            Err(EsIdError::NotDigit {
                position: 15,
                found: 'x'
            })
        );
        assert!(matches!(
            EsId::parse("0001060100000007"),
            Err(EsIdError::Area(_))
        ));
        assert_eq!(EsId::parse("3301060000000007"), Err(EsIdError::SealType(0)));
        assert!(EsId::parse("３３０１０６０１００００００７").is_err());
    }
}
