//! GB/T 36904 identifiers: vectors, generation, and the single-character-change property.

use zhengku_model::codes::Uscc;
use zhengku_model::identifier::{IdError, IssuerCode, LicenceId, TypeCode, mod37_36_check_char};

use crate::vector_file;

/// The real identifiers of docs/standards.md.
const REAL: [&str; 3] = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
];

#[test]
fn vector_file_lines_parse_or_fail_as_listed() {
    let (mut valid, mut invalid) = (0, 0);
    for (i, line) in vector_file("identifiers.txt").lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("valid"), Some(id), None) => {
                let parsed = LicenceId::parse(id)
                    .unwrap_or_else(|e| panic!("line {line_no}: {id} rejected: {e}"));
                assert_eq!(parsed.to_string(), id, "line {line_no}");
                valid += 1;
            }
            (Some("invalid"), Some(code), Some(id)) => {
                let id = if id == "<empty>" { "" } else { id };
                match LicenceId::parse(id) {
                    Ok(_) => panic!("line {line_no}: {id} accepted"),
                    Err(e) => assert_eq!(e.code(), code, "line {line_no}: {id}: {e}"),
                }
                invalid += 1;
            }
            _ => panic!("line {line_no}: malformed vector line {line:?}"),
        }
    }
    assert_eq!((valid, invalid), (8, 33));
}

#[test]
fn real_identifiers_parse_into_their_parts() {
    let id = LicenceId::parse(REAL[0]).unwrap();
    assert_eq!(id.type_code().as_str(), "11100000000013338W011");
    assert_eq!(
        id.type_code().defining_authority().as_str(),
        "11100000000013338W"
    );
    assert_eq!(id.type_code().sequence(), "011");
    assert_eq!(id.issuer().as_str(), "11430000006122244L");
    assert_eq!(id.serial(), "20230000403");
    assert_eq!(id.version(), 1);
    assert_eq!(id.check_char(), 'U');

    let id = LicenceId::parse(REAL[1]).unwrap();
    assert_eq!(
        (id.serial(), id.version(), id.check_char()),
        ("2025052201", 2, '0')
    );

    // The old-data case: an area code as issuer is accepted on reading.
    let id = LicenceId::parse(REAL[2]).unwrap();
    assert!(matches!(id.issuer(), IssuerCode::Area(a) if a.as_str() == "340100"));
    assert_eq!(id.issuer().as_uscc(), None);
}

#[test]
fn every_uscc_inside_the_real_identifiers_has_a_valid_check_char() {
    // Reported finding: no tolerance for a bad USCC check character is needed.
    for id in REAL {
        let parsed = LicenceId::parse(id).unwrap();
        let authority = parsed.type_code().defining_authority();
        assert_eq!(Uscc::parse(authority.as_str()).as_ref(), Ok(authority));
        if let Some(issuer) = parsed.issuer().as_uscc() {
            assert_eq!(Uscc::parse(issuer.as_str()).as_ref(), Ok(issuer));
        }
    }
}

#[test]
fn generate_reproduces_a_real_identifier() {
    let type_code = TypeCode::parse("11100000000013338W011").unwrap();
    let issuer = Uscc::parse("11430000006122244L").unwrap();
    let id = LicenceId::generate(&type_code, &issuer, 2023, 403, 1).unwrap();
    assert_eq!(id.to_string(), REAL[0]);
    assert_eq!(id, LicenceId::parse(REAL[0]).unwrap());

    let v2 = id.with_version(2).unwrap();
    assert_eq!(v2.version(), 2);
    assert_eq!(LicenceId::parse(v2.as_str()).unwrap(), v2);
    assert_ne!(v2.check_char(), id.check_char());
}

#[test]
fn generate_refuses_out_of_range_arguments() {
    let type_code = TypeCode::parse("11100000000013338W011").unwrap();
    let issuer = Uscc::parse("11430000006122244L").unwrap();
    for (year, seq, version, what) in [
        (999, 1, 1, "year"),
        (2023, 10_000_000, 1, "sequence"),
        (2023, 1, 0, "version"),
        (2023, 1, 1000, "version"),
    ] {
        match LicenceId::generate(&type_code, &issuer, year, seq, version) {
            Err(IdError::OutOfRange { what: w, .. }) => assert_eq!(w, what),
            other => panic!("{year} {seq} {version}: {other:?}"),
        }
    }
    let max = LicenceId::generate(&type_code, &issuer, 9999, 9_999_999, 999).unwrap();
    assert_eq!(max.serial(), "99999999999");
    assert!(matches!(
        LicenceId::with_serial(&type_code, &issuer, "abc", 1),
        Err(IdError::SerialChar {
            position: 1,
            found: 'a'
        })
    ));
    assert!(matches!(
        TypeCode::new(&issuer, 1000),
        Err(IdError::OutOfRange { .. })
    ));
    assert_eq!(
        TypeCode::new(&issuer, 7).unwrap().as_str(),
        "11430000006122244L007"
    );
}

/// The property the brief asks for: changing any one character of a real identifier into
/// any other printable ASCII character never yields an identifier that parses.
#[test]
fn every_single_character_substitution_of_a_real_identifier_is_rejected() {
    let printable: Vec<char> = (0x20u8..=0x7e).map(char::from).collect();
    let mut tried = 0;
    for id in REAL {
        let chars: Vec<char> = id.chars().collect();
        for pos in 0..chars.len() {
            for &c in &printable {
                if c == chars[pos] {
                    continue;
                }
                let mut changed = chars.clone();
                changed[pos] = c;
                let changed: String = changed.into_iter().collect();
                assert!(
                    LicenceId::parse(&changed).is_err(),
                    "{changed} (position {pos} of {id}) was accepted"
                );
                tried += 1;
            }
        }
    }
    let total_len: usize = REAL.iter().map(|s| s.len()).sum();
    assert_eq!(tried, total_len * 94);
}

#[test]
fn mod37_36_catches_every_adjacent_transposition_of_the_real_payloads() {
    for id in REAL {
        let parsed = LicenceId::parse(id).unwrap();
        let payload = format!(
            "{}{}{}{:03}",
            parsed.type_code(),
            parsed.issuer(),
            parsed.serial(),
            parsed.version()
        );
        let check = mod37_36_check_char(&payload).unwrap();
        assert_eq!(check, parsed.check_char());
        let chars: Vec<char> = payload.chars().collect();
        for i in 0..chars.len() - 1 {
            if chars[i] == chars[i + 1] {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert_ne!(mod37_36_check_char(&swapped), Some(check), "{swapped}");
        }
    }
}

#[test]
fn identifiers_are_serde_strings() {
    let id = LicenceId::parse(REAL[0]).unwrap();
    let toml_doc = format!("id = \"{id}\"\n");
    #[derive(serde::Deserialize)]
    struct Doc {
        id: LicenceId,
    }
    let doc: Doc = toml::from_str(&toml_doc).unwrap();
    assert_eq!(doc.id, id);
    let bad = toml_doc.replace(".U\"", ".V\"");
    let err = toml::from_str::<Doc>(&bad).err().unwrap().to_string();
    assert!(
        err.contains("check character wrong: expected U, found V"),
        "{err}"
    );
}
