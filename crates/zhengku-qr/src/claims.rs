//! The claims a QR payload carries, and the masking of personal data.
//!
//! # Claims map (CBOR, integer keys)
//!
//! | key | claim | CBOR type |
//! | --- | --- | --- |
//! | 1 | 证照标识 (GB/T 36904) without its fixed `1.2.156.3005.2.` arc, [packed](crate::pack) | bytes |
//! | 2 | 持证主体, masked for persons ([`mask_person_name`]) | text |
//! | 3 | 持证主体代码 of a person (type `111`), masked ([`mask_citizen_id`]) | text |
//! | 4 | 持证主体代码 of an organisation (type `001`, USCC), [packed](crate::pack) | bytes |
//! | 5 | 有效期起始日期, days since 1970-01-01 | unsigned |
//! | 6 | 有效期截止日期, days since 1970-01-01; absent for 长期 | unsigned |
//! | 7 | issued at, Unix seconds (UTC) | unsigned |
//! | 8 | digest of the full signed licence (`SignedLicence::to_bytes`), with the QR signature's hash (SM3 under SM2, SHA-256 under ES256), its first [`LICENCE_DIGEST_LEN`] bytes | bytes (16) |
//! | 9 | 发证日期, days after 有效期起始日期 (0 when the same day, negative when earlier); written by every payload made since, optional when reading (older payloads lack it) | integer |
//! | 10 | the status-list entry the signed record names, compact: `[list, idx]`, the list's number under the issuing library's `<base>/sl/<n>` (docs/status-lists.md); written when the record names one of zhengku's lists, optional when reading | array of 2 unsigned |
//!
//! Exactly one of keys 3 and 4 is present; which one gives the 持证主体代码类型.
//! The 证照类型代码 and the issuer's USCC are not repeated: the identifier holds both (and a
//! check character over them), and [`Claims`] gives them as fields, read from it. Keeping
//! the map small keeps the URL form of the payload within QR version 15 at level Q.
//! Every other key is refused when decoding.
//!
//! Two choices keep the URL form within QR version 15 (crate docs, "Size"):
//!
//! - The digest is truncated to 128 bits. It binds the QR code to one signed record, which
//!   the department has itself signed; forging a record that matches it needs a second
//!   preimage of a 128-bit truncated SM3 or SHA-256, about 2^128 work.
//! - The identifier and an organisation's USCC, written only with `0-9 A-Z .`, are carried
//!   [packed](crate::pack) (5.2 bits a character instead of 8), saving about 28 bytes.
//!
//! # Masking
//!
//! The QR code is shown to whoever is checking the licence, so it does not carry a person's
//! full name or citizen ID; the verifier compares what it shows against the document or
//! the holder. Whether the holder is a person is read from the holder code type
//! ([`HolderCodeType`]): `111` (公民身份号码) is a person, `001` (统一社会信用代码) an
//! organisation.
//!
//! - Person names keep the first and last character, each character between becomes `*`;
//!   a two-character name keeps the first: 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明.
//!   A one-character name becomes `*`.
//! - Citizen IDs keep the first 6 (the area code) and the last 4 characters; the 8 between
//!   (the birth date) become `*`: 110105199003070020 → 110105********0020.
//! - Organisation names and USCCs are public (they are printed on the 营业执照 and published in
//!   the enterprise credit register) and are not masked.

use time::Date;
#[cfg(test)]
use time::Month;
use zhengku_cbor::{Map, Value};
use zhengku_crypto::DigestAlgorithm;
use zhengku_model::SignedLicence;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::HolderCodeType;

use crate::QrError;

/// The claims of a QR payload (see the module docs for the CBOR map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// 证照标识.
    pub identifier: String,
    /// 证照类型代码 (part of the identifier).
    pub type_code: String,
    /// 证照颁发机构代码 (part of the identifier).
    pub issuer_code: String,
    /// 持证主体, masked for persons.
    pub holder_name: String,
    /// 持证主体代码, masked for persons.
    pub holder_code: String,
    /// 持证主体代码类型.
    pub holder_code_type: HolderCodeType,
    /// 有效期起始日期.
    pub valid_from: Date,
    /// 有效期截止日期; `None` is 长期.
    pub valid_until: Option<Date>,
    /// When the licence was signed, Unix seconds.
    pub issued_at: u64,
    /// 发证日期, the date the licence was issued as printed on it (claim 9). `None` in
    /// payloads made before the claim existed.
    pub issue_date: Option<Date>,
    /// Digest of `SignedLicence::to_bytes()` (SM3 under SM2, SHA-256 under ES256), its first
    /// [`LICENCE_DIGEST_LEN`] bytes.
    pub licence_digest: [u8; LICENCE_DIGEST_LEN],
    /// The status-list entry (list number, index) the record names (claim 10). `None` for
    /// records without one, and in payloads made before the claim existed.
    pub status_entry: Option<(u64, u64)>,
}

/// Masks a person's name: first and last character kept, the rest `*` (module docs).
pub fn mask_person_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut s = String::new();
            s.push(chars[0]);
            s.extend(std::iter::repeat_n('*', n - 2));
            s.push(chars[n - 1]);
            s
        }
    }
}

/// Masks a citizen ID: the first 6 and last 4 characters kept, the rest `*` (module docs).
/// Anything of 10 characters or fewer is masked entirely.
pub fn mask_citizen_id(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    if n <= 10 {
        return "*".repeat(n);
    }
    let mut s: String = chars[..6].iter().collect();
    s.extend(std::iter::repeat_n('*', n - 10));
    s.extend(&chars[n - 4..]);
    s
}

const EPOCH_JULIAN_DAY: i32 = 2_440_588; // 1970-01-01

fn date_number(d: Date) -> u64 {
    u64::try_from(d.to_julian_day() - EPOCH_JULIAN_DAY).unwrap_or(0)
}

fn date_from_number(n: u64) -> Option<Date> {
    // Model dates run to 9999-12-31.
    let days = i32::try_from(n).ok().filter(|&d| d <= 2_932_896)?;
    Date::from_julian_day(EPOCH_JULIAN_DAY + days).ok()
}

const IDENTIFIER: u64 = 1;
const HOLDER_NAME: u64 = 2;
const HOLDER_CITIZEN_ID: u64 = 3;
const HOLDER_USCC: u64 = 4;
const VALID_FROM: u64 = 5;
const VALID_UNTIL: u64 = 6;
const ISSUED_AT: u64 = 7;
const LICENCE_DIGEST: u64 = 8;
/// 发证日期 as days after the start of validity (usually 0 or a small negative number):
/// one or two bytes where an absolute day number would take five.
const ISSUE_DATE: u64 = 9;
/// The status-list entry, `[list, idx]`: 8 bytes where the record's reference with its URI
/// would take some 40.
const STATUS_ENTRY: u64 = 10;
/// Largest list number and index read (what zhengku's lists can hold).
const MAX_LIST: u64 = 1 << 32;
const ID_ARC: &str = "1.2.156.3005.2.";

/// Bytes of the licence digest carried (claim 8).
pub const LICENCE_DIGEST_LEN: usize = 16;

impl Claims {
    /// The claims for `signed`, masked, with its digest under `digest`.
    pub fn from_licence(signed: &SignedLicence, digest: DigestAlgorithm) -> Claims {
        let r = signed.record();
        let code_type = r.holder_code_type();
        let (holder_name, holder_code) = match code_type {
            HolderCodeType::CitizenId => (
                mask_person_name(&r.holder_name),
                mask_citizen_id(r.holder_code.as_str()),
            ),
            HolderCodeType::Uscc => (r.holder_name.clone(), r.holder_code.as_str().to_owned()),
        };
        Claims {
            identifier: r.identifier.to_string(),
            type_code: r.identifier.type_code().as_str().to_owned(),
            issuer_code: r.identifier.issuer().as_str().to_owned(),
            holder_name,
            holder_code,
            holder_code_type: code_type,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            issued_at: r.issued_at.unix_seconds(),
            issue_date: Some(r.issue_date),
            licence_digest: licence_digest(signed, digest),
            status_entry: r
                .status
                .as_ref()
                .and_then(|s| s.list_number().map(|n| (n, s.idx))),
        }
    }

    /// Whether `signed` is the licence these claims were made from (its digest matches).
    pub fn matches(&self, signed: &SignedLicence, digest: DigestAlgorithm) -> bool {
        licence_digest(signed, digest) == self.licence_digest
    }

    pub(crate) fn to_cbor(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: u64, v: Value| {
            // Keys are distinct constants; a duplicate cannot happen.
            let _ = m.insert(Value::unsigned(k), v);
        };
        let id = self
            .identifier
            .strip_prefix(ID_ARC)
            .unwrap_or(&self.identifier);
        put(IDENTIFIER, packed_or_text(id));
        put(HOLDER_NAME, Value::text(&self.holder_name));
        let code_key = match self.holder_code_type {
            HolderCodeType::CitizenId => HOLDER_CITIZEN_ID,
            HolderCodeType::Uscc => HOLDER_USCC,
        };
        put(
            code_key,
            match self.holder_code_type {
                HolderCodeType::CitizenId => Value::text(&self.holder_code),
                HolderCodeType::Uscc => packed_or_text(&self.holder_code),
            },
        );
        put(VALID_FROM, Value::unsigned(date_number(self.valid_from)));
        if let Some(until) = self.valid_until {
            put(VALID_UNTIL, Value::unsigned(date_number(until)));
        }
        put(ISSUED_AT, Value::unsigned(self.issued_at));
        put(LICENCE_DIGEST, Value::bytes(self.licence_digest.to_vec()));
        if let Some(d) = self.issue_date {
            put(
                ISSUE_DATE,
                Value::integer(i64::from(
                    d.to_julian_day() - self.valid_from.to_julian_day(),
                )),
            );
        }
        if let Some((list, idx)) = self.status_entry {
            put(
                STATUS_ENTRY,
                Value::array(vec![Value::unsigned(list), Value::unsigned(idx)]),
            );
        }
        Value::Map(m)
    }

    pub(crate) fn from_cbor(v: &Value) -> Result<Claims, QrError> {
        let m = v.as_map().ok_or(QrError::Claims("not a map"))?;
        for k in m.keys() {
            if !matches!(k.as_u64(), Some(IDENTIFIER..=STATUS_ENTRY)) {
                return Err(QrError::Claims("unknown claim key"));
            }
        }
        let get = |k: u64| m.get(&Value::unsigned(k));
        let text = |k: u64, what: &'static str| {
            get(k)
                .and_then(Value::as_text)
                .map(str::to_owned)
                .ok_or(QrError::Claims(what))
        };
        let date = |k: u64, what: &'static str| {
            get(k)
                .and_then(Value::as_u64)
                .and_then(date_from_number)
                .ok_or(QrError::Claims(what))
        };
        let (holder_code_type, code_key) = match (get(HOLDER_CITIZEN_ID), get(HOLDER_USCC)) {
            (Some(_), None) => (HolderCodeType::CitizenId, HOLDER_CITIZEN_ID),
            (None, Some(_)) => (HolderCodeType::Uscc, HOLDER_USCC),
            _ => return Err(QrError::Claims("holder code (exactly one of keys 3 and 4)")),
        };
        let valid_until = match get(VALID_UNTIL) {
            None => None,
            Some(_) => Some(date(VALID_UNTIL, "valid until")?),
        };
        let licence_digest = get(LICENCE_DIGEST)
            .and_then(Value::as_bytes)
            .and_then(|b| <[u8; LICENCE_DIGEST_LEN]>::try_from(b).ok())
            .ok_or(QrError::Claims("licence digest"))?;
        let packed = |k: u64, what: &'static str| {
            get(k)
                .and_then(Value::as_bytes)
                .and_then(crate::pack::unpack)
                .ok_or(QrError::Claims(what))
        };
        let id = LicenceId::parse(&format!("{ID_ARC}{}", packed(IDENTIFIER, "identifier")?))
            .map_err(|_| QrError::Claims("identifier"))?;
        let holder_code = match holder_code_type {
            HolderCodeType::CitizenId => text(code_key, "holder code")?,
            HolderCodeType::Uscc => packed(code_key, "holder code")?,
        };
        let valid_from = date(VALID_FROM, "valid from")?;
        let issue_date = match get(ISSUE_DATE) {
            None => None,
            Some(v) => Some(
                v.as_i64()
                    .and_then(|d| i32::try_from(d).ok())
                    .and_then(|d| d.checked_add(valid_from.to_julian_day()))
                    .and_then(|j| Date::from_julian_day(j).ok())
                    .ok_or(QrError::Claims("issue date"))?,
            ),
        };
        let status_entry = match get(STATUS_ENTRY) {
            None => None,
            Some(v) => match v.as_array() {
                Some([list, idx]) => Some(
                    list.as_u64()
                        .zip(idx.as_u64())
                        .filter(|(l, i)| *l >= 1 && *l < MAX_LIST && *i < MAX_LIST)
                        .ok_or(QrError::Claims("status entry"))?,
                ),
                _ => return Err(QrError::Claims("status entry is not [list, idx]")),
            },
        };
        Ok(Claims {
            status_entry,
            identifier: id.as_str().to_owned(),
            type_code: id.type_code().as_str().to_owned(),
            issuer_code: id.issuer().as_str().to_owned(),
            holder_name: text(HOLDER_NAME, "holder name")?,
            holder_code,
            holder_code_type,
            valid_from,
            valid_until,
            issued_at: get(ISSUED_AT)
                .and_then(Value::as_u64)
                .ok_or(QrError::Claims("issued at"))?,
            issue_date,
            licence_digest,
        })
    }
}

fn licence_digest(signed: &SignedLicence, digest: DigestAlgorithm) -> [u8; LICENCE_DIGEST_LEN] {
    let full = zhengku_crypto::digest::digest(digest, &signed.to_bytes());
    let mut out = [0u8; LICENCE_DIGEST_LEN];
    out.copy_from_slice(&full[..LICENCE_DIGEST_LEN]);
    out
}

/// The packed form of an identifier or USCC. Both are checked before they reach the claims
/// (only `0-9 A-Z .`), so the text fallback is for values made elsewhere in memory; the
/// decoder then refuses them, as it accepts only the packed form.
fn packed_or_text(s: &str) -> Value {
    crate::pack::pack(s).map_or_else(|| Value::text(s), Value::bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_names() {
        assert_eq!(mask_person_name("张三"), "张*");
        assert_eq!(mask_person_name("张小三"), "张*三");
        assert_eq!(mask_person_name("欧阳小明"), "欧**明");
        assert_eq!(mask_person_name("王秀英"), "王*英");
        assert_eq!(mask_person_name("王"), "*");
        assert_eq!(mask_person_name(""), "");
    }

    #[test]
    fn citizen_ids() {
        assert_eq!(mask_citizen_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_citizen_id("330106195503150047"), "330106********0047");
        assert_eq!(mask_citizen_id("1234567890"), "**********");
    }

    #[test]
    fn dates_as_numbers() {
        let d = Date::from_calendar_date(2029, Month::March, 14).ok();
        assert_eq!(d.map(date_number), Some(21_622));
        assert_eq!(date_from_number(21_622), d);
        assert_eq!(
            date_from_number(0),
            Date::from_calendar_date(1970, Month::January, 1).ok()
        );
        let last = Date::from_calendar_date(9999, Month::December, 31).ok();
        assert_eq!(date_from_number(2_932_896), last);
        assert_eq!(date_from_number(2_932_897), None);
    }
}
