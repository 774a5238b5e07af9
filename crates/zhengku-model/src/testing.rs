//! Sample data for tests, examples and benchmarks in this and other crates. Not part of the
//! supported API.
//!
//! The holder, issuer and codes are fictitious (with correct check characters); the licence
//! types are the repository's own templates, compiled in.
//!
//! The helpers panic on failure: their inputs are constants, and this crate's tests check
//! that every one of them succeeds.

// Constant inputs, checked by this crate's tests; a panic here is a broken fixture.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;

use crate::codes::{AreaCode, Uscc};
use crate::date::parse_date;
use crate::identifier::{LicenceId, TypeCode};
use crate::licence_type::LicenceType;
use crate::record::{HolderCode, IssueRequest, Issuer, LicenceRecord, Timestamp};

/// `templates/business-licence/type.toml`.
pub const BUSINESS_LICENCE_TOML: &str =
    include_str!("../../../templates/business-licence/type.toml");
/// `templates/food-business-permit/type.toml`.
pub const FOOD_BUSINESS_PERMIT_TOML: &str =
    include_str!("../../../templates/food-business-permit/type.toml");
/// `templates/senior-citizen-card/type.toml`.
pub const SENIOR_CITIZEN_CARD_TOML: &str =
    include_str!("../../../templates/senior-citizen-card/type.toml");

/// The holder's (fictitious) USCC.
pub const HOLDER_USCC: &str = "91330106MA2H0YKU5B";
/// The issuer's (fictitious) USCC.
pub const ISSUER_USCC: &str = "11330106MB0B12345L";

/// 营业执照.
pub fn business_licence_type() -> LicenceType {
    LicenceType::from_toml_str(BUSINESS_LICENCE_TOML).expect("business-licence template")
}

/// 食品经营许可证.
pub fn food_business_permit_type() -> LicenceType {
    LicenceType::from_toml_str(FOOD_BUSINESS_PERMIT_TOML).expect("food-business-permit template")
}

/// 老年人优待证.
pub fn senior_citizen_card_type() -> LicenceType {
    LicenceType::from_toml_str(SENIOR_CITIZEN_CARD_TOML).expect("senior-citizen-card template")
}

/// A market regulation bureau: 杭州市西湖区市场监督管理局.
pub fn sample_issuer() -> Issuer {
    Issuer::new(
        "杭州市西湖区市场监督管理局",
        Uscc::parse(ISSUER_USCC).expect("issuer USCC"),
    )
}

/// 2024-03-15T02:30:00Z (10:30 in Beijing).
pub fn sample_issued_at() -> Timestamp {
    Timestamp::from_unix_seconds(1_710_469_800).expect("timestamp")
}

/// The business licence's identifier: serial 20240001234, version 001.
pub fn sample_licence_id() -> LicenceId {
    let type_code = TypeCode::parse("11100000MB0143028R001").expect("type code");
    let issuer = Uscc::parse(ISSUER_USCC).expect("issuer USCC");
    LicenceId::generate(&type_code, &issuer, 2024, 1234, 1).expect("identifier")
}

fn face(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const BUSINESS_FACE: [(&str, &str); 9] = [
    ("uscc", HOLDER_USCC),
    ("entity_name", "杭州证库示例科技有限公司"),
    ("entity_type", "有限责任公司（自然人投资或控股）"),
    ("legal_representative", "张三"),
    (
        "business_scope",
        "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；\
         信息系统集成服务（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。",
    ),
    ("registered_capital", "100"),
    ("established_on", "2019-06-18"),
    ("domicile", "浙江省杭州市西湖区文三路100号8幢1201室"),
    ("registration_authority", "杭州市西湖区市场监督管理局"),
];

/// The request a department would send for the sample business licence; with
/// [`sample_issuer`], [`sample_licence_id`] and [`sample_issued_at`] it builds exactly
/// [`sample_record`].
pub fn sample_issue_request() -> IssueRequest {
    IssueRequest {
        type_code: "11100000MB0143028R001".to_owned(),
        licence_number: HOLDER_USCC.to_owned(),
        holder_name: "杭州证库示例科技有限公司".to_owned(),
        holder_code: HOLDER_USCC.to_owned(),
        issue_date: "2024-03-15".to_owned(),
        valid_from: "2019-06-18".to_owned(),
        valid_until: None,
        jurisdiction: "330106".to_owned(),
        face: face(&BUSINESS_FACE),
    }
}

/// A business licence (营业执照) record, long-term, built field by field so that it does not
/// depend on validation code.
pub fn sample_record() -> LicenceRecord {
    LicenceRecord {
        identifier: sample_licence_id(),
        licence_number: HOLDER_USCC.to_owned(),
        name: "营业执照".to_owned(),
        type_name: "营业执照".to_owned(),
        type_code: TypeCode::parse("11100000MB0143028R001").expect("type code"),
        defining_authority: "国家市场监督管理总局".to_owned(),
        issuer_name: "杭州市西湖区市场监督管理局".to_owned(),
        issuer_code: Uscc::parse(ISSUER_USCC).expect("issuer USCC"),
        issue_date: parse_date("2024-03-15").expect("date"),
        holder_name: "杭州证库示例科技有限公司".to_owned(),
        holder_code: HolderCode::Uscc(Uscc::parse(HOLDER_USCC).expect("holder USCC")),
        valid_from: parse_date("2019-06-18").expect("date"),
        valid_until: None,
        jurisdiction: AreaCode::parse("330106").expect("area code"),
        face: face(&BUSINESS_FACE),
        issued_at: sample_issued_at(),
        status: None,
    }
}

/// A health bureau issuing senior citizen cards: 杭州市西湖区卫生健康局.
pub fn sample_card_issuer() -> Issuer {
    Issuer::new(
        "杭州市西湖区卫生健康局",
        Uscc::parse("11330106MB1C234566").expect("issuer USCC"),
    )
}

/// A request for a 老年人优待证 for a woman born 1955-03-15.
pub fn sample_senior_card_request() -> IssueRequest {
    IssueRequest {
        type_code: "11100000000000001M001".to_owned(),
        licence_number: "浙老优330106240001".to_owned(),
        holder_name: "王秀英".to_owned(),
        holder_code: "330106195503150047".to_owned(),
        issue_date: "2024-03-15".to_owned(),
        valid_from: "2024-03-15".to_owned(),
        valid_until: None,
        jurisdiction: "330106".to_owned(),
        face: face(&[
            ("full_name", "王秀英"),
            ("citizen_id", "330106195503150047"),
            ("sex", "女"),
            ("birth_date", "1955-03-15"),
            ("ethnicity", "汉族"),
            ("household_address", "浙江省杭州市西湖区西溪路1号"),
            ("issuing_authority", "杭州市西湖区卫生健康局"),
        ]),
    }
}

/// The identifier for the senior card sample.
pub fn sample_senior_card_id() -> LicenceId {
    let type_code = TypeCode::parse("11100000000000001M001").expect("type code");
    let issuer = Uscc::parse("11330106MB1C234566").expect("issuer USCC");
    LicenceId::generate(&type_code, &issuer, 2024, 1, 1).expect("identifier")
}
