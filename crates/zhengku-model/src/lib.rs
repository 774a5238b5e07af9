#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The licence model of zhengku (证库): what an electronic licence (电子证照) is, before it is
//! signed.
//!
//! Where to start:
//!
//! - [`codes`]: validators for 统一社会信用代码 ([`Uscc`](codes::Uscc)), 公民身份号码
//!   ([`CitizenId`](codes::CitizenId)) and 行政区划代码 ([`AreaCode`](codes::AreaCode)).
//! - [`identifier`]: the GB/T 36904 licence identifier (证照标识) [`LicenceId`], its
//!   [`TypeCode`] and the ISO/IEC 7064 MOD 37,36 check character.
//! - [`licence_type`]: licence types ([`LicenceType`]) defined by `templates/*/type.toml`, the
//!   [`Catalogue`] that loads them, and [`LicenceType::build_record`], which turns a
//!   department's [`IssueRequest`] into a record or reports every problem at once.
//! - [`record`]: the licence record ([`LicenceRecord`], GB/T 36903 core metadata plus 照面信息)
//!   and its canonical, signable form ([`LicenceRecord::to_canonical_cbor`]).
//! - [`signed`]: [`SignedLicence`], the record's canonical bytes with algorithm, key id and
//!   signature — what the library stores and every verifier checks.
//! - [`status`]: [`LicenceStatus`] (有效, 已暂停, 已撤销, …) and its transitions. Status is kept
//!   apart from the record because it changes after signing.
//! - [`esid`]: [`EsId`], the 印章编码 this library gives the seals it makes; [`seal_status`]:
//!   a seal's [`SealStatus`] (启用, 暂停, 注销, 过期).
//!
//! Nothing here does I/O except [`Catalogue::load_dir`], which reads template files from a
//! path it is given; everything else is a pure function of its inputs (no clock either).
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use zhengku_model::codes::Uscc;
//! use zhengku_model::{IssueRequest, Issuer, LicenceId, LicenceRecord, LicenceType, Timestamp};
//!
//! // A licence type, as a `templates/<dir>/type.toml` would define it.
//! let permit = LicenceType::from_toml_str(r#"
//!     code = "11100000MB0143028R901"
//!     name = "食品经营许可证"
//!     defining_authority = "国家市场监督管理总局"
//!     holder_kind = "organisation"
//!     validity = { kind = "fixed_years", years = 5 }
//!
//!     [[fields]]
//!     name = "business_form"
//!     label = "主体业态"
//!     kind = "enumeration"
//!     options = ["食品销售经营者", "餐饮服务经营者", "集中用餐单位食堂"]
//!     required = true
//! "#)?;
//!
//! // What a department sends.
//! let request = IssueRequest {
//!     type_code: "11100000MB0143028R901".into(),
//!     licence_number: "JY13301060012345".into(),
//!     holder_name: "杭州证库示例科技有限公司".into(),
//!     holder_code: "91330106MA2H0YKU5B".into(),
//!     issue_date: "2024-03-15".into(),
//!     valid_from: "2024-03-15".into(),
//!     valid_until: Some("2029-03-14".into()),
//!     jurisdiction: "330106".into(),
//!     face: BTreeMap::from([("business_form".into(), "餐饮服务经营者".into())]),
//! };
//!
//! // The issuing authority allots an identifier and builds the record to sign.
//! let issuer = Issuer::new("杭州市西湖区市场监督管理局", Uscc::parse("11330106MB0B12345L")?);
//! let id = LicenceId::generate(permit.code(), &issuer.code, 2024, 77, 1)?;
//! let issued_at = Timestamp::from_unix_seconds(1_710_469_800).ok_or("out of range")?;
//! let record = permit.build_record(&request, &issuer, id, issued_at)?;
//!
//! // The canonical bytes are what gets signed; they read back to the same record.
//! let bytes = record.to_canonical_cbor();
//! assert_eq!(LicenceRecord::from_canonical_cbor(&bytes)?, record);
//!
//! // A bad request is refused with every problem listed.
//! let mut bad = request.clone();
//! bad.holder_code = "91330106MA2H0YKU5C".into();
//! bad.face.insert("business_form".into(), "小作坊".into());
//! let id = LicenceId::generate(permit.code(), &issuer.code, 2024, 78, 1)?;
//! let errors = permit.build_record(&bad, &issuer, id, issued_at).unwrap_err();
//! assert!(errors.has("holder_code", "invalid_check_char"));
//! assert!(errors.has("face.business_form", "not_an_option"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// Implements the string conversions shared by every validated code type: `Display`,
/// `FromStr`, `AsRef<str>`, `TryFrom<String>`, `From<T> for String`, and serde as a string.
macro_rules! string_code {
    ($ty:ident, $err:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, $err> {
                $ty::parse(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $err;

            fn try_from(s: String) -> Result<Self, $err> {
                $ty::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(code: $ty) -> String {
                code.as_str().to_owned()
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                $ty::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_code;

pub mod codes;
pub mod date;
pub mod esid;
pub mod identifier;
pub mod licence_type;
pub mod record;
pub mod seal_status;
pub mod signed;
pub mod status;

#[doc(hidden)]
pub mod testing;

pub use esid::{EsId, EsIdError};
pub use identifier::{IdError, IssuerCode, LicenceId, TypeCode};
pub use licence_type::{Catalogue, CatalogueError, LicenceType, TypeDefError};
pub use record::{
    FieldError, HolderCode, HolderCodeType, IssueRequest, Issuer, LicenceRecord, RecordError,
    Timestamp, ValidationErrors,
};
pub use seal_status::{SealStatus, SealStatusError};
pub use signed::{SignedError, SignedLicence};
pub use status::{LicenceStatus, StatusError};
