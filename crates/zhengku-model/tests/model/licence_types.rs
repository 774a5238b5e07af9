//! Licence type definitions: the repository's templates, and the checks on bad definitions.

use std::path::PathBuf;

use zhengku_model::licence_type::{
    Catalogue, CatalogueError, CodeFieldKind, FieldKind, HolderKind, LicenceType, MustMatch,
    TypeDefError, Validity,
};
use zhengku_model::testing;

use crate::templates_dir;

#[test]
fn the_repository_templates_load() {
    let catalogue = Catalogue::load_dir(templates_dir()).unwrap();
    assert_eq!(catalogue.len(), 3);

    let business = catalogue.get_str("11100000MB0143028R001").unwrap();
    assert_eq!(business.name(), "营业执照");
    assert_eq!(business.defining_authority(), "国家市场监督管理总局");
    assert_eq!(business.holder_kind(), HolderKind::Organisation);
    assert_eq!(
        business.validity(),
        Validity::LongTerm {
            end_date_allowed: true
        }
    );
    let capital = business.field("registered_capital").unwrap();
    assert_eq!(capital.label(), "注册资本");
    assert!(!capital.required());
    assert!(
        matches!(capital.kind(), FieldKind::Money { unit: Some(u), decimals: 6 } if u == "万元")
    );
    assert_eq!(
        business.field("entity_name").unwrap().must_match(),
        Some(MustMatch::HolderName)
    );

    let food = catalogue.get_str("11100000MB0143028R901").unwrap();
    assert_eq!(food.name(), "食品经营许可证");
    assert_eq!(food.validity(), Validity::FixedYears(5));
    assert!(matches!(
        food.field("business_form").unwrap().kind(),
        FieldKind::Enumeration { options } if options.len() == 3
    ));

    let card = catalogue.get_str("11100000000000001M001").unwrap();
    assert_eq!(card.name(), "老年人优待证");
    assert_eq!(card.holder_kind(), HolderKind::Person);
    assert_eq!(card.holder_min_age(), Some(60));
    assert_eq!(
        card.validity(),
        Validity::LongTerm {
            end_date_allowed: false
        }
    );
    assert_eq!(
        card.field("citizen_id").unwrap().kind(),
        &FieldKind::Code(CodeFieldKind::CitizenId)
    );
    assert!(matches!(
        card.field("ethnicity").unwrap().kind(),
        FieldKind::Enumeration { options } if options.len() == 56 && options[0] == "汉族"
    ));

    // The compiled-in copies used by `testing` are the same files.
    assert_eq!(&testing::business_licence_type(), business);
    assert_eq!(&testing::food_business_permit_type(), food);
    assert_eq!(&testing::senior_citizen_card_type(), card);
}

/// A scratch directory under the system temp dir, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("zhengku-model-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }

    fn write(&self, sub: &str, text: &str) {
        let d = self.0.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("type.toml"), text).unwrap();
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn load_dir_rejects_duplicate_type_codes_and_names_both_files() {
    let dir = ScratchDir::new("dup");
    dir.write("a", testing::BUSINESS_LICENCE_TOML);
    dir.write("b", testing::BUSINESS_LICENCE_TOML);
    match Catalogue::load_dir(&dir.0) {
        Err(CatalogueError::DuplicateTypeCode {
            code,
            first,
            second,
        }) => {
            assert_eq!(code, "11100000MB0143028R001");
            assert!(first.contains("/a/type.toml"), "{first}");
            assert!(second.contains("/b/type.toml"), "{second}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_dir_skips_folders_without_type_toml_and_reports_bad_files_by_path() {
    let dir = ScratchDir::new("bad");
    dir.write("good", testing::SENIOR_CITIZEN_CARD_TOML);
    std::fs::create_dir_all(dir.0.join("assets")).unwrap();
    std::fs::write(dir.0.join("README.md"), "not a template").unwrap();
    assert_eq!(Catalogue::load_dir(&dir.0).unwrap().len(), 1);

    dir.write("broken", "code = 1");
    match Catalogue::load_dir(&dir.0) {
        Err(CatalogueError::Definition {
            path,
            source: TypeDefError::Toml(_),
        }) => {
            assert!(path.ends_with("broken/type.toml"), "{}", path.display());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Catalogue::load_dir(dir.0.join("missing")),
        Err(CatalogueError::Io { .. })
    ));
}

#[test]
fn from_types_rejects_duplicates_too() {
    let t = testing::business_licence_type();
    assert!(matches!(
        Catalogue::from_types([t.clone(), t]),
        Err(CatalogueError::DuplicateTypeCode { .. })
    ));
}

const BASE: &str = r#"
code = "11100000MB0143028R001"
name = "营业执照"
defining_authority = "国家市场监督管理总局"
holder_kind = "organisation"

[validity]
kind = "long_term"

[[fields]]
name = "entity_type"
label = "类型"
kind = "text"
max_len = 60
"#;

fn with(extra: &str) -> Result<LicenceType, TypeDefError> {
    LicenceType::from_toml_str(&format!("{BASE}{extra}"))
}

fn replaced(from: &str, to: &str) -> Result<LicenceType, TypeDefError> {
    assert!(BASE.contains(from), "{from}");
    LicenceType::from_toml_str(&BASE.replacen(from, to, 1))
}

#[test]
fn the_base_definition_is_valid() {
    let t = with("").unwrap();
    assert_eq!(t.fields().len(), 1);
    assert_eq!(
        t.validity(),
        Validity::LongTerm {
            end_date_allowed: false
        }
    );
}

/// A predicate on the error a case must produce.
type ErrorCheck = fn(&TypeDefError) -> bool;

#[test]
fn bad_definitions_are_rejected_with_the_reason() {
    use TypeDefError as E;
    let field = |body: &str| format!("\n[[fields]]\n{body}\n");
    let cases: Vec<(&str, Result<LicenceType, TypeDefError>, ErrorCheck)> = vec![
        (
            "type code check char",
            replaced("028R001", "028X001"),
            |e| matches!(e, E::TypeCode { .. }),
        ),
        ("type code length", replaced("028R001", "028R01"), |e| {
            matches!(e, E::TypeCode { .. })
        }),
        ("empty name", replaced("营业执照", ""), |e| {
            matches!(e, E::BadText { .. })
        }),
        (
            "label with trailing space",
            replaced("\"类型\"", "\"类型 \""),
            |e| matches!(e, E::BadText { .. }),
        ),
        (
            "unknown top-level key",
            LicenceType::from_toml_str(&format!("colour = \"red\"\n{BASE}")),
            |e| matches!(e, E::Toml(_)),
        ),
        (
            "unknown field kind",
            with(&field("name = \"x\"\nlabel = \"X\"\nkind = \"float\"")),
            |e| matches!(e, E::Toml(_)),
        ),
        (
            "unknown field key",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"date\"\nformat = \"ymd\"",
            )),
            |e| matches!(e, E::Toml(_)),
        ),
        (
            "duplicate field",
            with(&field(
                "name = \"entity_type\"\nlabel = \"类型\"\nkind = \"date\"",
            )),
            |e| matches!(e, E::DuplicateField { name } if name == "entity_type"),
        ),
        (
            "camelCase field name",
            with(&field(
                "name = \"regCapital\"\nlabel = \"注册资本\"\nkind = \"money\"",
            )),
            |e| matches!(e, E::FieldName { .. }),
        ),
        (
            "text without max_len",
            with(&field("name = \"x\"\nlabel = \"X\"\nkind = \"text\"")),
            |e| matches!(e, E::MaxLen { found: None, .. }),
        ),
        (
            "max_len 0",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"text\"\nmax_len = 0",
            )),
            |e| matches!(e, E::MaxLen { found: Some(0), .. }),
        ),
        (
            "max_len too large",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"text\"\nmax_len = 4001",
            )),
            |e| {
                matches!(
                    e,
                    E::MaxLen {
                        found: Some(4001),
                        ..
                    }
                )
            },
        ),
        (
            "enumeration without options",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"enumeration\"",
            )),
            |e| matches!(e, E::Options { .. }),
        ),
        (
            "enumeration with empty list",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"enumeration\"\noptions = []",
            )),
            |e| matches!(e, E::Options { .. }),
        ),
        (
            "repeated option",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"enumeration\"\noptions = [\"甲\", \"甲\"]",
            )),
            |e| matches!(e, E::Options { problem, .. } if problem.contains("twice")),
        ),
        (
            "option longer than max_len",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"enumeration\"\noptions = [\"甲乙丙\"]\nmax_len = 2",
            )),
            |e| matches!(e, E::Options { .. }),
        ),
        (
            "options on a text field",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"text\"\nmax_len = 5\noptions = [\"甲\"]",
            )),
            |e| {
                matches!(
                    e,
                    E::AttributeNotAllowed {
                        attribute: "options",
                        ..
                    }
                )
            },
        ),
        (
            "unit on a date field",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"date\"\nunit = \"元\"",
            )),
            |e| {
                matches!(
                    e,
                    E::AttributeNotAllowed {
                        attribute: "unit",
                        ..
                    }
                )
            },
        ),
        (
            "code without code_kind",
            with(&field("name = \"x\"\nlabel = \"X\"\nkind = \"code\"")),
            |e| matches!(e, E::MissingCodeKind { .. }),
        ),
        (
            "decimals above 9",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"money\"\ndecimals = 10",
            )),
            |e| matches!(e, E::Decimals { found: 10, .. }),
        ),
        (
            "must_match holder_name on a date",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"date\"\nmust_match = \"holder_name\"",
            )),
            |e| matches!(e, E::MustMatch { .. }),
        ),
        (
            "must_match holder_birth_date for an organisation",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"date\"\nmust_match = \"holder_birth_date\"",
            )),
            |e| matches!(e, E::MustMatch { reason, .. } if reason.contains("person")),
        ),
        (
            "must_match holder_code with the wrong code kind",
            with(&field(
                "name = \"x\"\nlabel = \"X\"\nkind = \"code\"\ncode_kind = \"citizen_id\"\nmust_match = \"holder_code\"",
            )),
            |e| matches!(e, E::MustMatch { .. }),
        ),
        (
            "fixed_years without years",
            replaced("kind = \"long_term\"", "kind = \"fixed_years\""),
            |e| matches!(e, E::Validity { .. }),
        ),
        (
            "fixed_years 0",
            replaced("kind = \"long_term\"", "kind = \"fixed_years\"\nyears = 0"),
            |e| matches!(e, E::Validity { .. }),
        ),
        (
            "fixed_years with end_date_allowed",
            replaced(
                "kind = \"long_term\"",
                "kind = \"fixed_years\"\nyears = 5\nend_date_allowed = true",
            ),
            |e| matches!(e, E::Validity { .. }),
        ),
        (
            "long_term with years",
            replaced("kind = \"long_term\"", "kind = \"long_term\"\nyears = 5"),
            |e| matches!(e, E::Validity { .. }),
        ),
        (
            "holder_min_age for an organisation",
            replaced(
                "holder_kind = \"organisation\"",
                "holder_kind = \"organisation\"\nholder_min_age = 18",
            ),
            |e| matches!(e, E::HolderMinAge { .. }),
        ),
        (
            "unknown holder kind",
            replaced("\"organisation\"", "\"company\""),
            |e| matches!(e, E::Toml(_)),
        ),
    ];
    for (what, result, check) in cases {
        match result {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(check(&e), "{what}: unexpected error {e:?}"),
        }
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let e = with("\n[[fields]]\nname = \"x\"\nlabel = \"X\"\nkind = \"code\"\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "field \"x\": kind \"code\" needs code_kind = \"uscc\" | \"citizen_id\" | \"area\""
    );
    let e = replaced("028R001", "028X001").unwrap_err();
    assert!(e.to_string().contains("expected R, found X"), "{e}");
}
