//! `zhengku licence sign|verify|show`: the canonical signed licence form from the command
//! line, for trying the model without the server and for auditors holding a licence file.

use std::io::Write;

use anyhow::{Context, Result, bail};
use serde_json::json;
use zhengku_crypto::{DistId, PrivateKey, PublicKey};
use zhengku_model::codes::Uscc;
use zhengku_model::{Catalogue, IssueRequest, Issuer, LicenceId, SignedLicence, Timestamp};

use crate::cli::{LicenceShowArgs, LicenceSignArgs, LicenceVerifyArgs};
use crate::{Exit, files};

pub fn sign(args: LicenceSignArgs, out: &mut dyn Write) -> Result<Exit> {
    let catalogue = Catalogue::load_dir(&args.templates).with_context(|| {
        format!(
            "cannot load licence types from {}",
            args.templates.display()
        )
    })?;
    let request: IssueRequest = serde_json::from_slice(&files::read_small(&args.request)?)
        .with_context(|| format!("{} is not an issue request", args.request.display()))?;
    let Some(licence_type) = catalogue.get_str(&request.type_code) else {
        bail!(
            "no licence type {:?} in {} (known: {})",
            request.type_code,
            args.templates.display(),
            catalogue
                .iter()
                .map(|t| format!("{} {}", t.code(), t.name()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let issuer_code = Uscc::parse(&args.issuer_code).context("--issuer-code")?;
    let issuer = Issuer::new(args.issuer_name, issuer_code);
    let year = match args.year {
        Some(y) => y,
        // The serial's year defaults to the year of issue; a malformed date is reported
        // with every other problem by build_record, so fall back to 0 only to get there.
        None => request
            .issue_date
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(0),
    };
    let id = LicenceId::generate(licence_type.code(), &issuer.code, year, args.sequence, 1)
        .context("cannot make the licence identifier")?;
    // Records carry whole seconds; the sub-second part of the clock is dropped.
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp())
        .ok()
        .and_then(Timestamp::from_unix_seconds)
        .context("system clock is out of range")?;
    let record = match licence_type.build_record(&request, &issuer, id, now) {
        Ok(r) => r,
        Err(errors) => {
            writeln!(
                out,
                "INVALID request {}: {} problem(s)",
                args.request.display(),
                errors.errors().len()
            )?;
            for e in errors.errors() {
                writeln!(out, "  {}: {} ({})", e.field, e.message, e.code)?;
            }
            return Ok(Exit::Invalid);
        }
    };
    let pem = zeroize::Zeroizing::new(files::read_text(&args.key)?);
    let mut key = PrivateKey::from_pem(&pem)
        .with_context(|| format!("cannot read private key {}", args.key.display()))?;
    if let Some(id) = args.distid {
        key = key.with_dist_id(DistId::new(id)?)?;
    }
    let signed = SignedLicence::sign(record, &key)?;
    files::write_new(&args.out, &signed.to_bytes(), 0o644, true)?;
    writeln!(
        out,
        "issued {} {} -> {}",
        signed.record().type_name,
        signed.record().identifier,
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

fn read_licence(path: &std::path::Path) -> Result<SignedLicence> {
    SignedLicence::from_bytes(&files::read_small(path)?)
        .with_context(|| format!("{} is not a signed licence", path.display()))
}

pub fn verify(args: LicenceVerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    let mut key = PublicKey::from_pem(&files::read_text(&args.public)?)
        .with_context(|| format!("cannot read public key {}", args.public.display()))?;
    if let Some(id) = args.distid {
        key = key.with_dist_id(DistId::new(id)?)?;
    }
    let licence = read_licence(&args.file)?;
    let r = licence.record();
    match licence.verify(&key) {
        Ok(()) => {
            writeln!(
                out,
                "valid: {} {} issued by {} ({}), {} signature by key {}",
                r.type_name,
                r.identifier,
                r.issuer_name,
                r.issuer_code,
                licence.algorithm(),
                licence.key_id()
            )?;
            Ok(Exit::Valid)
        }
        Err(e) => {
            writeln!(out, "INVALID: {} {}: {e}", r.type_name, r.identifier)?;
            Ok(Exit::Invalid)
        }
    }
}

pub fn show(args: LicenceShowArgs, out: &mut dyn Write) -> Result<Exit> {
    let licence = read_licence(&args.file)?;
    let r = licence.record();
    let valid_until = r
        .valid_until
        .map_or_else(|| "长期".to_owned(), |d| d.to_string());
    if args.json {
        let doc = json!({
            "verified": false,
            "algorithm": licence.algorithm().name(),
            "key_id": licence.key_id().to_string(),
            "identifier": r.identifier.to_string(),
            "licence_number": r.licence_number,
            "name": r.name,
            "type_name": r.type_name,
            "type_code": r.type_code.to_string(),
            "defining_authority": r.defining_authority,
            "issuer_name": r.issuer_name,
            "issuer_code": r.issuer_code.to_string(),
            "issue_date": r.issue_date.to_string(),
            "holder_name": r.holder_name,
            "holder_code": r.holder_code.as_str(),
            "holder_code_type": r.holder_code_type().as_str(),
            "valid_from": r.valid_from.to_string(),
            "valid_until": valid_until,
            "jurisdiction": r.jurisdiction.to_string(),
            "issued_at": r.issued_at.unix_seconds(),
            "face": r.face,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(Exit::Valid);
    }
    writeln!(
        out,
        "(contents only — not verified; run `zhengku licence verify`)"
    )?;
    let rows = [
        ("证照名称 name", r.name.clone()),
        ("证照标识 identifier", r.identifier.to_string()),
        ("证照编号 licence number", r.licence_number.clone()),
        ("证照类型 type", format!("{} {}", r.type_name, r.type_code)),
        (
            "证照定义机构 defining authority",
            r.defining_authority.clone(),
        ),
        (
            "颁发机构 issuer",
            format!("{} {}", r.issuer_name, r.issuer_code),
        ),
        ("颁发日期 issue date", r.issue_date.to_string()),
        (
            "持证主体 holder",
            format!(
                "{} {} ({})",
                r.holder_name,
                r.holder_code.as_str(),
                r.holder_code_type().as_str()
            ),
        ),
        (
            "有效期 validity",
            format!("{} – {valid_until}", r.valid_from),
        ),
        ("管辖属地 jurisdiction", r.jurisdiction.to_string()),
        (
            "签名 signature",
            format!("{} key {}", licence.algorithm(), licence.key_id()),
        ),
    ];
    for (label, value) in rows {
        writeln!(out, "{label}: {value}")?;
    }
    for (name, value) in &r.face {
        writeln!(out, "  {name}: {value}")?;
    }
    Ok(Exit::Valid)
}
