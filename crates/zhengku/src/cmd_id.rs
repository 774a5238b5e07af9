//! `zhengku id check`: say what each value is — licence identifier (GB/T 36904), unified
//! social credit code (GB 32100), citizen ID number (GB 11643) or area code (GB/T 2260) —
//! and whether it is valid, and if not, why.

use std::io::Write;

use anyhow::Result;
use zhengku_model::LicenceId;
use zhengku_model::codes::{AreaCode, CitizenId, Uscc};

use crate::Exit;
use crate::cli::IdCheckArgs;

pub fn check(args: IdCheckArgs, out: &mut dyn Write) -> Result<Exit> {
    let mut all_valid = true;
    for value in &args.values {
        let (valid, line) = explain(value);
        all_valid &= valid;
        writeln!(out, "{value}: {line}")?;
    }
    Ok(if all_valid {
        Exit::Valid
    } else {
        Exit::Invalid
    })
}

/// One line about one value, and whether it is valid.
fn explain(value: &str) -> (bool, String) {
    if value.contains('.') {
        return match LicenceId::parse(value) {
            Ok(id) => (
                true,
                format!(
                    "valid licence identifier (证照标识): type {}, issuer {}, serial {}, version {:03}, check {}",
                    id.type_code(),
                    id.issuer(),
                    id.serial(),
                    id.version(),
                    id.check_char()
                ),
            ),
            Err(e) => (false, format!("INVALID licence identifier (证照标识): {e}")),
        };
    }
    let chars = value.chars().count();
    if chars == 18 {
        let uscc = Uscc::parse(value);
        let citizen = CitizenId::parse(value);
        return match (uscc, citizen) {
            (Ok(_), Ok(c)) => (
                true,
                format!(
                    "valid as both a unified social credit code (统一社会信用代码) and a citizen ID number (公民身份号码, born {}, {})",
                    c.birth_date(),
                    c.sex().label_zh()
                ),
            ),
            (Ok(u), Err(_)) => (
                true,
                format!(
                    "valid unified social credit code (统一社会信用代码): registration authority {}, kind {}, area {}, organisation {}",
                    u.registration_authority(),
                    u.organisation_kind(),
                    u.area(),
                    u.organisation_id()
                ),
            ),
            (Err(_), Ok(c)) => (
                true,
                format!(
                    "valid citizen ID number (公民身份号码): area {}, born {}, {}",
                    c.area(),
                    c.birth_date(),
                    c.sex().label_zh()
                ),
            ),
            (Err(u), Err(c)) => (
                false,
                format!("INVALID 18-character code: as a {u}; as a {c}"),
            ),
        };
    }
    if chars == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        return match AreaCode::parse(value) {
            Ok(a) => (
                true,
                format!("valid area code (行政区划代码), province {}", a.province()),
            ),
            Err(e) => (false, format!("INVALID area code (行政区划代码): {e}")),
        };
    }
    (
        false,
        format!(
            "INVALID: not a recognised identifier: a licence identifier is dotted (1.2.156.3005.2.…), \
             a unified social credit code or citizen ID number has 18 characters (this has {chars})"
        ),
    )
}
