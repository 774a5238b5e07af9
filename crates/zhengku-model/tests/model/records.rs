//! Licence records: building from requests (every error at once), the canonical CBOR form,
//! its strict decoding, and the golden bytes.

use std::collections::BTreeSet;

use zhengku_cbor::{DecodeErrorKind, Value};
use zhengku_model::date::parse_date;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{
    HolderCode, HolderCodeType, IssueRequest, LicenceRecord, MAX_RECORD_LEN, RecordError,
    Timestamp, ValidationErrors,
};
use zhengku_model::testing::{self, sample_issue_request, sample_issued_at, sample_issuer};

use crate::vector_file;

fn build_business(req: &IssueRequest) -> Result<LicenceRecord, ValidationErrors> {
    testing::business_licence_type().build_record(
        req,
        &sample_issuer(),
        testing::sample_licence_id(),
        sample_issued_at(),
    )
}

fn codes(errors: &ValidationErrors) -> BTreeSet<(String, &'static str)> {
    errors
        .errors()
        .iter()
        .map(|e| (e.field.clone(), e.code))
        .collect()
}

fn expect_errors(result: Result<LicenceRecord, ValidationErrors>, want: &[(&str, &str)]) {
    let errors = result.expect_err("request should be refused");
    let got = codes(&errors);
    let want: BTreeSet<(String, &str)> = want.iter().map(|(f, c)| ((*f).to_owned(), *c)).collect();
    let got_pairs: BTreeSet<(String, &str)> = got.iter().map(|(f, c)| (f.clone(), *c)).collect();
    assert_eq!(got_pairs, want, "{errors}");
}

// --- building -------------------------------------------------------------------------------

#[test]
fn the_sample_request_builds_the_sample_record() {
    let record = build_business(&sample_issue_request()).unwrap();
    assert_eq!(record, testing::sample_record());
    assert_eq!(record.holder_code_type(), HolderCodeType::Uscc);
    assert_eq!(record.holder_code_type().as_str(), "001");
    assert!(record.is_long_term());
    assert!(record.is_within_validity(parse_date("2099-01-01").unwrap()));
    assert!(!record.is_within_validity(parse_date("2019-06-17").unwrap()));
}

#[test]
fn a_senior_citizen_card_builds_for_a_person_holder() {
    let card = testing::senior_citizen_card_type();
    let record = card
        .build_record(
            &testing::sample_senior_card_request(),
            &testing::sample_card_issuer(),
            testing::sample_senior_card_id(),
            sample_issued_at(),
        )
        .unwrap();
    assert_eq!(record.holder_code_type(), HolderCodeType::CitizenId);
    assert_eq!(record.holder_code_type().as_str(), "111");
    assert!(
        matches!(&record.holder_code, HolderCode::CitizenId(c) if c.as_str() == "330106195503150047")
    );
    assert_eq!(record.face["sex"], "女");
    let bytes = record.to_canonical_cbor();
    assert_eq!(LicenceRecord::from_canonical_cbor(&bytes).unwrap(), record);
}

#[test]
fn a_senior_citizen_card_checks_age_sex_and_birth_date_against_the_citizen_id() {
    let card = testing::senior_citizen_card_type();
    let mut req = testing::sample_senior_card_request();
    // Born 1964-03-16: one day short of 60 on 2024-03-15.
    req.holder_code = "330106196403160015".to_owned();
    assert!(zhengku_model::codes::CitizenId::parse(&req.holder_code).is_ok());
    req.face
        .insert("citizen_id".into(), req.holder_code.clone());
    let result = card.build_record(
        &req,
        &testing::sample_card_issuer(),
        testing::sample_senior_card_id(),
        sample_issued_at(),
    );
    // The new number is a man's (sequence 001) born on another day, so 性别 and 出生日期 no
    // longer repeat it either.
    expect_errors(
        result,
        &[
            ("holder_code", "holder_too_young"),
            ("face.sex", "mismatch"),
            ("face.birth_date", "mismatch"),
        ],
    );

    let mut req = testing::sample_senior_card_request();
    req.valid_until = Some("2030-01-01".into());
    req.holder_code = "91330106MA2H0YKU5B".into();
    req.face.insert("ethnicity".into(), "汉".into());
    let result = card.build_record(
        &req,
        &testing::sample_card_issuer(),
        testing::sample_senior_card_id(),
        sample_issued_at(),
    );
    expect_errors(
        result,
        &[
            ("valid_until", "end_date_not_allowed"),
            ("holder_code", "wrong_holder_kind"),
            ("face.citizen_id", "mismatch"),
            ("face.ethnicity", "not_an_option"),
        ],
    );
}

fn food_request() -> IssueRequest {
    let mut req = sample_issue_request();
    req.type_code = "11100000MB0143028R901".into();
    req.licence_number = "JY13301060012345".into();
    req.valid_from = "2024-03-15".into();
    req.valid_until = Some("2029-03-14".into());
    req.face = [
        ("operator_name", "杭州证库示例科技有限公司"),
        ("uscc", testing::HOLDER_USCC),
        ("legal_representative", "张三"),
        ("domicile", "浙江省杭州市西湖区文三路100号8幢1201室"),
        ("premises", "浙江省杭州市西湖区文三路100号8幢101室"),
        ("business_form", "餐饮服务经营者"),
        ("business_items", "热食类食品制售；冷食类食品制售"),
        ("permit_number", "JY13301060012345"),
        ("supervising_authority", "杭州市西湖区市场监督管理局"),
        ("complaint_hotline", "12315"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    req
}

fn build_food(req: &IssueRequest) -> Result<LicenceRecord, ValidationErrors> {
    let food = testing::food_business_permit_type();
    let id = LicenceId::generate(food.code(), &sample_issuer().code, 2024, 77, 1).unwrap();
    food.build_record(req, &sample_issuer(), id, sample_issued_at())
}

#[test]
fn a_fixed_term_permit_needs_an_end_date_within_its_years() {
    let record = build_food(&food_request()).unwrap();
    assert_eq!(record.valid_until, Some(parse_date("2029-03-14").unwrap()));

    // The fifth anniversary itself is allowed (both conventions are seen on real permits).
    let mut req = food_request();
    req.valid_until = Some("2029-03-15".into());
    assert!(build_food(&req).is_ok());

    req.valid_until = Some("2029-03-16".into());
    expect_errors(build_food(&req), &[("valid_until", "validity_exceeded")]);

    req.valid_until = None;
    expect_errors(build_food(&req), &[("valid_until", "required")]);

    req.valid_until = Some("2024-03-14".into());
    expect_errors(build_food(&req), &[("valid_until", "before_valid_from")]);

    req.valid_until = Some("2029-02-30".into());
    expect_errors(build_food(&req), &[("valid_until", "invalid_date")]);
}

#[test]
fn a_business_licence_may_have_a_fixed_term() {
    let mut req = sample_issue_request();
    req.valid_until = Some("2039-06-17".into());
    let record = build_business(&req).unwrap();
    assert!(!record.is_long_term());
    let bytes = record.to_canonical_cbor();
    assert_eq!(LicenceRecord::from_canonical_cbor(&bytes).unwrap(), record);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut req = sample_issue_request();
    req.type_code = "11100000MB03271699022".into();
    req.licence_number = " 91330106MA2H0YKU5B".into();
    req.holder_name = "杭州证库\n示例".into();
    req.holder_code = "91330106MA2H0YKU5C".into();
    req.issue_date = "2024-13-01".into();
    req.valid_from = "2019/06/18".into();
    req.jurisdiction = "990106".into();
    req.face.remove("legal_representative");
    req.face.insert("registered_capital".into(), "1,000".into());
    req.face.insert("established_on".into(), "2019-6-18".into());
    req.face.insert("domicile".into(), "住".repeat(201));
    req.face.insert("shareholders".into(), "李四".into());
    req.face.insert("uscc".into(), "91330106MA2H0YKU5B".into());
    req.face.insert(
        "registration_authority".into(),
        "杭州市市场监督管理局".into(),
    );

    let mut issuer = sample_issuer();
    issuer.name = "杭州市西湖区市场监督管理局\u{3000}".into();
    let other_issuer = zhengku_model::codes::Uscc::parse("11430000006122244L").unwrap();
    let foreign_id = LicenceId::generate(
        &zhengku_model::identifier::TypeCode::parse("11100000000013338W011").unwrap(),
        &other_issuer,
        2024,
        1,
        1,
    )
    .unwrap();

    let errors = testing::business_licence_type()
        .build_record(&req, &issuer, foreign_id, sample_issued_at())
        .unwrap_err();
    let want: BTreeSet<(String, &str)> = [
        ("type_code", "type_code_mismatch"),
        ("identifier", "type_code_mismatch"),
        ("identifier", "issuer_mismatch"),
        ("licence_number", "surrounding_whitespace"),
        ("holder_name", "control_char"),
        ("holder_code", "invalid_check_char"),
        ("issue_date", "invalid_date"),
        ("valid_from", "invalid_date"),
        ("jurisdiction", "invalid_area_code"),
        ("issuer_name", "surrounding_whitespace"),
        ("face.legal_representative", "required"),
        ("face.registered_capital", "invalid_money"),
        ("face.established_on", "invalid_date"),
        ("face.domicile", "too_long"),
        ("face.shareholders", "unknown_field"),
        ("face.registration_authority", "mismatch"),
        ("face.uscc", "mismatch"),
        ("face.entity_name", "mismatch"),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c))
    .collect();
    assert_eq!(codes(&errors), want, "{errors}");
    assert_eq!(errors.len(), want.len());

    let text = errors.to_string();
    assert!(
        text.starts_with("18 problem(s) in the issue request:"),
        "{text}"
    );
    assert!(
        text.contains("holder_code: unified social credit code (统一社会信用代码): check character wrong: expected B, found C (invalid_check_char)"),
        "{text}"
    );
    assert!(
        text.contains("face.domicile: 201 characters, at most 200 allowed (too_long)"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 19);
}

#[test]
fn lengths_count_characters_not_bytes() {
    let mut req = sample_issue_request();
    // 200 Chinese characters are 600 bytes, and exactly the limit.
    req.face.insert("domicile".into(), "址".repeat(200));
    assert!(build_business(&req).is_ok());
    req.face.insert("domicile".into(), "址".repeat(201));
    expect_errors(build_business(&req), &[("face.domicile", "too_long")]);
}

#[test]
fn text_rules_apply_to_every_text_value() {
    for (value, code) in [
        ("", "empty"),
        (" 张三", "surrounding_whitespace"),
        ("张三\u{3000}", "surrounding_whitespace"),
        ("张\t三", "control_char"),
        ("张\u{7f}三", "control_char"),
    ] {
        let mut req = sample_issue_request();
        req.face.insert("legal_representative".into(), value.into());
        expect_errors(build_business(&req), &[("face.legal_representative", code)]);
    }
    // Inner spaces are fine.
    let mut req = sample_issue_request();
    req.face
        .insert("legal_representative".into(), "John Smith".into());
    assert!(build_business(&req).is_ok());
}

#[test]
fn money_is_stored_in_one_spelling() {
    for (given, stored) in [
        ("100", "100"),
        ("100.50", "100.5"),
        ("0.000001", "0.000001"),
        ("3.0", "3"),
        ("0", "0"),
    ] {
        let mut req = sample_issue_request();
        req.face.insert("registered_capital".into(), given.into());
        let record = build_business(&req).unwrap();
        assert_eq!(record.face["registered_capital"], stored, "{given}");
    }
    for bad in [
        "0100",
        "-5",
        "+5",
        "1e3",
        "1.",
        ".5",
        "1.0000001",
        "１００",
        "100万",
    ] {
        let mut req = sample_issue_request();
        req.face.insert("registered_capital".into(), bad.into());
        expect_errors(
            build_business(&req),
            &[("face.registered_capital", "invalid_money")],
        );
    }
    // Optional: leaving it out is fine.
    let mut req = sample_issue_request();
    req.face.remove("registered_capital");
    assert!(
        !build_business(&req)
            .unwrap()
            .face
            .contains_key("registered_capital")
    );
}

#[test]
fn a_citizen_id_for_an_organisation_type_is_the_wrong_kind() {
    let mut req = sample_issue_request();
    req.holder_code = "11010519491231002X".into();
    req.face.insert("uscc".into(), "11010519491231002X".into());
    expect_errors(
        build_business(&req),
        &[
            ("holder_code", "wrong_holder_kind"),
            ("face.uscc", "invalid_check_char"),
        ],
    );
}

#[test]
fn issue_requests_deserialise_strictly() {
    let json_like_toml = r#"
        type_code = "11100000MB0143028R001"
        licence_number = "91330106MA2H0YKU5B"
        holder_name = "杭州证库示例科技有限公司"
        holder_code = "91330106MA2H0YKU5B"
        issue_date = "2024-03-15"
        valid_from = "2019-06-18"
        jurisdiction = "330106"
        [face]
        entity_type = "有限责任公司"
    "#;
    let req: IssueRequest = toml::from_str(json_like_toml).unwrap();
    assert_eq!(req.valid_until, None);
    assert_eq!(req.face.len(), 1);
    let with_typo = json_like_toml.replace("holder_name", "holdername");
    assert!(toml::from_str::<IssueRequest>(&with_typo).is_err());
}

// --- canonical form -------------------------------------------------------------------------

fn sample_bytes() -> Vec<u8> {
    testing::sample_record().to_canonical_cbor()
}

#[test]
fn canonical_form_round_trips_both_ways() {
    let record = testing::sample_record();
    let bytes = record.to_canonical_cbor();
    let back = LicenceRecord::from_canonical_cbor(&bytes).unwrap();
    assert_eq!(back, record);
    assert_eq!(back.to_canonical_cbor(), bytes);
}

#[test]
fn canonical_form_has_short_keys_a_version_and_text_dates() {
    let value = zhengku_cbor::decode(&sample_bytes(), &Default::default()).unwrap();
    let map = value.as_map().unwrap();
    assert_eq!(map.get_text_key("v"), Some(&Value::Unsigned(1)));
    assert_eq!(
        map.get_text_key("issue_date").and_then(Value::as_text),
        Some("2024-03-15")
    );
    assert_eq!(
        map.get_text_key("issued_at").and_then(Value::as_u64),
        Some(1_710_469_800)
    );
    assert_eq!(
        map.get_text_key("holder_code_type")
            .and_then(Value::as_text),
        Some("001")
    );
    // Long-term: no valid_until entry at all.
    assert_eq!(map.get_text_key("valid_until"), None);
    let keys: Vec<&str> = map.keys().filter_map(Value::as_text).collect();
    assert_eq!(
        keys,
        [
            "v",
            "id",
            "face",
            "name",
            "holder",
            "issuer",
            "number",
            "definer",
            "issued_at",
            "type_code",
            "type_name",
            "issue_date",
            "valid_from",
            "holder_code",
            "issuer_code",
            "jurisdiction",
            "holder_code_type",
        ]
    );
}

#[test]
fn golden_bytes_of_the_sample_record() {
    let hex: String = vector_file("sample_record.hex")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    let golden = hex::decode(hex.trim()).unwrap();
    assert_eq!(
        hex::encode(sample_bytes()),
        hex::encode(&golden),
        "the canonical encoding changed; if deliberate, bump FORMAT_VERSION and regenerate \
         (see examples/sample_record_hex.rs)"
    );
    assert_eq!(
        LicenceRecord::from_canonical_cbor(&golden).unwrap(),
        testing::sample_record()
    );
}

fn sample_value_with(edit: impl FnOnce(&mut zhengku_cbor::Map)) -> Vec<u8> {
    let Value::Map(mut map) = testing::sample_record().to_cbor_value() else {
        panic!("record is a map");
    };
    edit(&mut map);
    zhengku_cbor::encode(&Value::Map(map))
}

fn set(map: &mut zhengku_cbor::Map, key: &str, value: Value) {
    map.remove(&Value::text(key));
    map.insert_text(key, value).unwrap();
}

#[test]
fn non_canonical_bytes_are_rejected() {
    // issued_at 1710469800 = 0x65f3b2a8, written with an 8-byte argument instead of 4.
    let bytes = sample_bytes();
    let shortest = [0x1a, 0x65, 0xf3, 0xb2, 0xa8];
    let at: Vec<usize> = bytes
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == shortest)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1);
    let mut long = bytes[..at[0]].to_vec();
    long.extend_from_slice(&[0x1b, 0, 0, 0, 0, 0x65, 0xf3, 0xb2, 0xa8]);
    long.extend_from_slice(&bytes[at[0] + 5..]);
    match LicenceRecord::from_canonical_cbor(&long) {
        Err(RecordError::Cbor(e)) => {
            assert!(matches!(
                e.kind(),
                DecodeErrorKind::NonShortestArgument { width: 8, .. }
            ));
            assert_eq!(e.offset(), at[0]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut bytes = sample_bytes();
    let len = bytes.len();
    bytes.push(0x00);
    match LicenceRecord::from_canonical_cbor(&bytes) {
        Err(RecordError::Cbor(e)) => {
            assert_eq!(e.kind(), &DecodeErrorKind::TrailingBytes { count: 1 });
            assert_eq!(e.offset(), len);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_versions_are_named() {
    // Version 2 exists (version 1 plus a status reference), so version 2 without one is
    // refused for what it lacks.
    let v2 = sample_value_with(|m| set(m, "v", Value::Unsigned(2)));
    assert!(matches!(
        LicenceRecord::from_canonical_cbor(&v2),
        Err(RecordError::InvalidStatus { .. })
    ));
    // A newer version is reported as such even when it brings new keys.
    let v3 = sample_value_with(|m| {
        set(m, "v", Value::Unsigned(3));
        set(m, "photo", Value::bytes(vec![1, 2, 3]));
    });
    let err = LicenceRecord::from_canonical_cbor(&v3).unwrap_err();
    assert_eq!(err, RecordError::UnsupportedVersion { found: 3 });
    assert_eq!(
        err.to_string(),
        "unsupported record format version 3 (this library reads versions 1 and 2)"
    );
    let text_v = sample_value_with(|m| set(m, "v", Value::text("1")));
    assert!(matches!(
        LicenceRecord::from_canonical_cbor(&text_v),
        Err(RecordError::WrongType { .. })
    ));
    let no_v = sample_value_with(|m| {
        m.remove(&Value::text("v"));
    });
    assert_eq!(
        LicenceRecord::from_canonical_cbor(&no_v),
        Err(RecordError::MissingKey { key: "v" })
    );
}

#[test]
fn oversized_input_is_rejected_before_decoding() {
    let big = vec![0u8; MAX_RECORD_LEN + 1];
    assert_eq!(
        LicenceRecord::from_canonical_cbor(&big),
        Err(RecordError::TooLarge {
            len: MAX_RECORD_LEN + 1,
            max: MAX_RECORD_LEN
        })
    );
}

/// A predicate on the error a case must produce.
type ErrorCheck = fn(&RecordError) -> bool;

#[test]
fn structural_errors_name_the_entry() {
    let cases: Vec<(Vec<u8>, ErrorCheck)> = vec![
        (
            sample_value_with(|m| {
                m.remove(&Value::text("holder"));
            }),
            |e| matches!(e, RecordError::MissingKey { key: "holder" }),
        ),
        (
            sample_value_with(|m| set(m, "colour", Value::text("red"))),
            |e| matches!(e, RecordError::UnknownKey { key } if key == "\"colour\""),
        ),
        (
            sample_value_with(|m| set(m, "issued_at", Value::text("2024-03-15T02:30:00Z"))),
            |e| matches!(e, RecordError::WrongType { key, expected: "unsigned integer", .. } if key == "issued_at"),
        ),
        (
            sample_value_with(|m| {
                set(
                    m,
                    "issued_at",
                    Value::Unsigned(Timestamp::MAX.unix_seconds() + 1),
                )
            }),
            |e| matches!(e, RecordError::InvalidTimestamp { .. }),
        ),
        (
            sample_value_with(|m| set(m, "holder_code", Value::text("91330106MA2H0YKU5C"))),
            |e| {
                matches!(
                    e,
                    RecordError::InvalidCode {
                        key: "holder_code",
                        ..
                    }
                )
            },
        ),
        (
            sample_value_with(|m| set(m, "holder_code_type", Value::text("111"))),
            |e| {
                matches!(
                    e,
                    RecordError::InvalidCode {
                        key: "holder_code",
                        ..
                    }
                )
            },
        ),
        (
            sample_value_with(|m| set(m, "holder_code_type", Value::text("002"))),
            |e| matches!(e, RecordError::InvalidHolderCodeType { .. }),
        ),
        (
            sample_value_with(|m| set(m, "issue_date", Value::text("2024-02-30"))),
            |e| {
                matches!(
                    e,
                    RecordError::InvalidDate {
                        key: "issue_date",
                        ..
                    }
                )
            },
        ),
        (
            sample_value_with(|m| set(m, "id", Value::text("1.2.156.3005.2.x"))),
            |e| matches!(e, RecordError::InvalidIdentifier { key: "id", .. }),
        ),
        (
            sample_value_with(|m| set(m, "type_code", Value::text("11100000MB0143028R002"))),
            |e| matches!(e, RecordError::Inconsistent { .. }),
        ),
        (
            sample_value_with(|m| set(m, "valid_until", Value::text("2019-06-17"))),
            |e| matches!(e, RecordError::Inconsistent { .. }),
        ),
        (
            sample_value_with(|m| set(m, "holder", Value::text("杭州证库 "))),
            |e| matches!(e, RecordError::BadText { key, .. } if key == "holder"),
        ),
        (
            sample_value_with(|m| set(m, "face", Value::text("none"))),
            |e| matches!(e, RecordError::WrongType { key, expected: "map", .. } if key == "face"),
        ),
        (
            sample_value_with(|m| {
                let mut face = zhengku_cbor::Map::new();
                face.insert_text("Domicile", Value::text("x")).unwrap();
                set(m, "face", Value::Map(face));
            }),
            |e| matches!(e, RecordError::BadFieldName { .. }),
        ),
        (
            sample_value_with(|m| {
                let mut face = zhengku_cbor::Map::new();
                face.insert_text("domicile", Value::Unsigned(1)).unwrap();
                set(m, "face", Value::Map(face));
            }),
            |e| matches!(e, RecordError::WrongType { key, .. } if key == "face.domicile"),
        ),
        (
            zhengku_cbor::encode(&Value::array(vec![Value::Unsigned(1)])),
            |e| matches!(e, RecordError::NotAMap { found: "array" }),
        ),
    ];
    for (i, (bytes, check)) in cases.into_iter().enumerate() {
        match LicenceRecord::from_canonical_cbor(&bytes) {
            Ok(_) => panic!("case {i} accepted"),
            Err(e) => assert!(check(&e), "case {i}: {e:?}"),
        }
    }
}

#[test]
fn every_single_byte_change_of_the_sample_is_rejected_or_decodes_to_a_different_record() {
    // The signed bytes and the record determine each other: a changed byte either fails to
    // decode or gives a record that re-encodes to the changed bytes (never to the original).
    let bytes = sample_bytes();
    let original = testing::sample_record();
    let mut accepted = 0;
    for i in 0..bytes.len() {
        for delta in [1u8, 0x20, 0x80] {
            let mut changed = bytes.clone();
            changed[i] ^= delta;
            if let Ok(r) = LicenceRecord::from_canonical_cbor(&changed) {
                assert_ne!(r, original);
                assert_eq!(r.to_canonical_cbor(), changed);
                accepted += 1;
            }
        }
    }
    // Some changes (inside free text) are valid records; the property must have been tested.
    assert!(accepted > 0);
}

#[test]
fn timestamps_are_whole_utc_seconds() {
    let t = sample_issued_at();
    assert_eq!(t.to_string(), "2024-03-15T02:30:00Z");
    let odt = t.to_offset_date_time();
    assert_eq!(Timestamp::from_offset_date_time(odt), Some(t));
    let with_nanos = odt + time::Duration::milliseconds(5);
    assert_eq!(Timestamp::from_offset_date_time(with_nanos), None);
    let before_epoch = time::OffsetDateTime::UNIX_EPOCH - time::Duration::seconds(1);
    assert_eq!(Timestamp::from_offset_date_time(before_epoch), None);
    assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59Z");
    assert_eq!(
        Timestamp::from_unix_seconds(Timestamp::MAX.unix_seconds() + 1),
        None
    );
}

fn with_status(uri: &str, idx: u64) -> LicenceRecord {
    let mut r = testing::sample_record();
    r.status = Some(zhengku_status::Reference {
        idx,
        uri: uri.to_owned(),
    });
    r
}

#[test]
fn a_status_reference_makes_a_version_2_record() {
    let r = with_status("https://zk.example.gov.cn/sl/7", 912_345);
    let bytes = r.to_canonical_cbor();
    let back = LicenceRecord::from_canonical_cbor(&bytes).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.to_canonical_cbor(), bytes);
    let v = zhengku_cbor::decode(&bytes, &zhengku_cbor::Limits::default()).unwrap();
    let m = v.as_map().unwrap();
    assert_eq!(m.get_text_key("v"), Some(&Value::Unsigned(2)));
    // The draft's reference form, as Python or any CBOR reader sees it.
    let status = m.get_text_key("status").unwrap().as_map().unwrap();
    let inner = status
        .get_text_key("status_list")
        .unwrap()
        .as_map()
        .unwrap();
    assert_eq!(inner.get_text_key("idx"), Some(&Value::Unsigned(912_345)));
    assert_eq!(
        inner.get_text_key("uri").and_then(Value::as_text),
        Some("https://zk.example.gov.cn/sl/7")
    );
    // Without a reference the record stays version 1, byte for byte as before.
    let plain = testing::sample_record();
    let v1 =
        zhengku_cbor::decode(&plain.to_canonical_cbor(), &zhengku_cbor::Limits::default()).unwrap();
    assert_eq!(
        v1.as_map().unwrap().get_text_key("v"),
        Some(&Value::Unsigned(1))
    );
}

#[test]
fn status_references_are_exact_or_refused() {
    let good = with_status("https://zk.example.gov.cn/sl/7", 1).to_cbor_value();
    let status_of = |v: &Value| v.as_map().unwrap().get_text_key("status").unwrap().clone();
    let refused = |edit: &dyn Fn(&mut zhengku_cbor::Map)| {
        let mut v = good.clone();
        if let Value::Map(m) = &mut v {
            edit(m);
        }
        let bytes = zhengku_cbor::encode(&v);
        match LicenceRecord::from_canonical_cbor(&bytes) {
            Err(RecordError::InvalidStatus { .. }) => {}
            other => panic!("{other:?}"),
        }
    };
    // A version 1 record with a reference.
    refused(&|m| set(m, "v", Value::Unsigned(1)));
    // An extra key beside status_list, or inside it.
    refused(&|m| {
        let mut s = status_of(&Value::Map(m.clone()));
        if let Value::Map(sm) = &mut s {
            sm.insert_text("other", Value::Null).unwrap();
        }
        set(m, "status", s);
    });
    refused(&|m| {
        let mut inner = zhengku_cbor::Map::new();
        inner.insert_text("idx", Value::Unsigned(1)).unwrap();
        inner
            .insert_text("uri", Value::text("https://x/sl/1"))
            .unwrap();
        inner.insert_text("bits", Value::Unsigned(2)).unwrap();
        let mut outer = zhengku_cbor::Map::new();
        outer.insert_text("status_list", Value::Map(inner)).unwrap();
        set(m, "status", Value::Map(outer));
    });
    // Not an http(s) URI, an over-long one, a negative index.
    for uri in ["ftp://zk.example.gov.cn/sl/7", "https://a\nb/sl/1"] {
        let bytes = with_status(uri, 1).to_canonical_cbor();
        assert!(
            matches!(
                LicenceRecord::from_canonical_cbor(&bytes),
                Err(RecordError::InvalidStatus { .. })
            ),
            "{uri}"
        );
    }
    let long = format!("https://zk.example.gov.cn/{}", "s".repeat(200));
    assert!(
        LicenceRecord::from_canonical_cbor(&with_status(&long, 1).to_canonical_cbor()).is_err()
    );
    refused(&|m| {
        let mut inner = zhengku_cbor::Map::new();
        inner.insert_text("idx", Value::integer(-1)).unwrap();
        inner
            .insert_text("uri", Value::text("https://x/sl/1"))
            .unwrap();
        let mut outer = zhengku_cbor::Map::new();
        outer.insert_text("status_list", Value::Map(inner)).unwrap();
        set(m, "status", Value::Map(outer));
    });
}
