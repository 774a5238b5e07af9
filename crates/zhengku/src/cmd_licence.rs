//! `zhengku licence sign|verify|show|render`: the canonical signed licence form from the
//! command line, for trying the model without the server and for auditors holding a licence
//! file; `render` makes its sealed PDF or OFD as the service does (zhengku_pdf::document,
//! zhengku_ofd::document).

use std::io::Write;

use anyhow::{Context, Result, bail};
use serde_json::json;
use zhengku_crypto::{DistId, PrivateKey, PublicKey};
use zhengku_model::codes::Uscc;
use zhengku_model::{Catalogue, IssueRequest, Issuer, LicenceId, SignedLicence, Timestamp};

use crate::cli::{
    DocumentFormat, LicenceRenderArgs, LicenceShowArgs, LicenceSignArgs, LicenceVerifyArgs,
};
use crate::cmd_seal::{check_key_matches, read_all, read_bounded, read_key, read_one_cert};
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

pub fn render(args: LicenceRenderArgs, out: &mut dyn Write) -> Result<Exit> {
    let format = match args.format {
        Some(f) => f,
        None => match args.out.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("pdf") => DocumentFormat::Pdf,
            Some(e) if e.eq_ignore_ascii_case("ofd") => DocumentFormat::Ofd,
            _ => bail!(
                "cannot tell the format from {}: give --format pdf or --format ofd",
                args.out.display()
            ),
        },
    };
    let signed = SignedLicence::from_bytes(&files::read_small(&args.file)?)
        .with_context(|| format!("{} is not a signed licence", args.file.display()))?;
    let record = signed.record();
    let catalogue = Catalogue::load_dir(&args.templates).with_context(|| {
        format!(
            "cannot load licence types from {}",
            args.templates.display()
        )
    })?;
    let Some(licence_type) = catalogue.get(&record.type_code) else {
        bail!(
            "no licence type {} in {}",
            record.type_code,
            args.templates.display()
        );
    };
    let layouts = zhengku_pdf::layout::load_dir(&args.templates, &catalogue)?;
    let Some(layout) = layouts.get(record.type_code.as_str()) else {
        bail!(
            "licence type {} has no layout.toml in {}",
            record.type_code,
            args.templates.display()
        );
    };
    let font = zhengku_pdf::font::load(args.font.as_deref())?;
    let seal = match zhengku_seal::decode_seal(&read_bounded(
        &args.seal,
        zhengku_seal::MAX_SIGNATURE_LEN as u64,
    )?)
    .with_context(|| format!("{} is not a seal", args.seal.display()))?
    {
        zhengku_seal::DecodedSeal::V4(s) => s,
        zhengku_seal::DecodedSeal::V1(_) => bail!(
            "{} is a GM/T 0031 v1 seal; zhengku seals licences with GB/T 38540 v4 seals only",
            args.seal.display()
        ),
    };
    let holder = read_key(&args.holder_key)?;
    let mut chain = vec![read_one_cert(&args.holder_cert)?];
    check_key_matches(&holder, &chain[0], &args.holder_key, &args.holder_cert)?;
    for path in &args.chain {
        chain.extend(read_all(path, "CERTIFICATE")?);
    }
    let licence_key = read_key(&args.licence_key)?;
    if licence_key.public_key().key_id() != signed.key_id() {
        bail!(
            "{} is not the key that signed {} (key {}, the licence's {})",
            args.licence_key.display(),
            args.file.display(),
            licence_key.public_key().key_id(),
            signed.key_id()
        );
    }
    let issuer_certificate = args.issuer_cert.as_deref().map(read_one_cert).transpose()?;
    let payload = zhengku_qr::make_payload(&signed, &licence_key)?;
    let qr_text = zhengku_qr::payload_url(&args.base_url, &payload)?;
    let issued_at = i64::try_from(record.issued_at.unix_seconds()).unwrap_or(i64::MAX);
    let signing_time = zhengku_pdf::document::signing_time(
        issued_at,
        seal.seal_info.property.valid_start.unix_seconds(),
    )
    .context("the signing time is out of range")?;
    let doc = zhengku_pdf::document::LicenceDocument {
        licence: &signed,
        licence_type,
        layout,
        font: &font,
        qr_text: &qr_text,
        seal: &seal,
        signer: &holder,
        chain: &chain,
        signing_time,
        issuer_certificate: issuer_certificate.as_deref(),
    };
    let bytes = match format {
        DocumentFormat::Pdf => zhengku_pdf::document::sealed_licence_pdf(&doc)?,
        DocumentFormat::Ofd => zhengku_ofd::document::sealed_licence_ofd(&doc)?,
    };
    files::write_new(&args.out, &bytes, 0o644, args.force)?;
    writeln!(
        out,
        "rendered {} {} -> {} ({} bytes, sealed by {})",
        record.identifier,
        match format {
            DocumentFormat::Pdf => "PDF",
            DocumentFormat::Ofd => "OFD",
        },
        args.out.display(),
        bytes.len(),
        seal.seal_info.property.name
    )?;
    Ok(Exit::Valid)
}
