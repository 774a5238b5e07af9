//! `zhengku seal draw|make|stamp|inspect|verify`: electronic seals (电子印章) and
//! electronic signatures (电子签章) per GB/T 38540, offline: files in, text out.
//!
//! Making and stamping go through `zhengku_seal::make`; verifying through
//! `zhengku_verify::seal`, the same engine the service and the web page use. `inspect` only
//! reads and shows; it says so at the top of its output.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_crypto::{DigestAlgorithm, Hasher, PrivateKey};
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{SealSpec, StampInput, make_seal};
use zhengku_seal::{DecodedSeal, MAX_SIGNATURE_LEN, SealTime, decode_seal};
use zhengku_verify::inspect::{Decoded, Line};
use zhengku_verify::{Context as VerifyContext, DEFAULT_MAX_STATUS_AGE, Departments, Live};

use zhengku_trust::TrustMaterial;

use crate::cli::{SealDrawArgs, SealInspectArgs, SealMakeArgs, SealStampArgs, SealVerifyArgs};
use crate::{Exit, files};

/// Largest document `verify --data` reads into memory (the verifier takes the bytes).
const MAX_DOCUMENT_LEN: u64 = 1 << 30;

pub fn draw(args: SealDrawArgs, out: &mut dyn Write) -> Result<Exit> {
    let svg = round_seal_svg(&args.name, &args.bottom, args.size_mm)
        .context("cannot draw the seal picture")?;
    files::write_new(&args.out, svg.as_bytes(), 0o644, args.force)?;
    writeln!(
        out,
        "drew a {} mm development seal for {} -> {} (for development only: real seals use the \
         picture the seal-making authority registered)",
        args.size_mm,
        args.name.trim(),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

pub fn make(args: SealMakeArgs, out: &mut dyn Write) -> Result<Exit> {
    let maker = read_key(&args.maker_key)?;
    let maker_cert = read_one_cert(&args.maker_cert)?;
    check_key_matches(&maker, &maker_cert, &args.maker_key, &args.maker_cert)?;
    let holder_certs = args
        .holder_cert
        .iter()
        .map(|p| read_one_cert(p))
        .collect::<Result<Vec<_>>>()?;
    let ext = args
        .picture
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let picture_format = PictureFormat::parse(ext).with_context(|| {
        format!(
            "--picture {}: the file name must end in .svg or .png",
            args.picture.display()
        )
    })?;
    let picture = files::read_small(&args.picture)?;
    let now = OffsetDateTime::now_utc();
    let end = now
        .checked_add(time::Duration::days(i64::from(args.days)))
        .context("--days is too far in the future")?;
    let spec = SealSpec {
        es_id: args.esid,
        seal_type: args.seal_type,
        name: args.name,
        holder_certs,
        picture_format,
        picture,
        width_mm: args.width_mm,
        height_mm: args.height_mm,
        created: seal_time(now)?,
        valid_start: seal_time(now)?,
        valid_end: seal_time(end)?,
        extensions: Vec::new(),
    };
    let seal = make_seal(spec, &maker_cert, &maker).context("cannot make the seal")?;
    let der = seal.to_der().context("cannot encode the seal")?;
    files::write_new(&args.out, &der, 0o644, args.force)?;
    let p = &seal.seal_info.property;
    writeln!(
        out,
        "made seal {} {} ({}), valid {} to {}, signed by the maker with {} -> {}",
        seal.seal_info.es_id,
        p.name,
        zhengku_verify::inspect::type_label(p.seal_type),
        p.valid_start,
        p.valid_end,
        maker.public_key().algorithm(),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

pub fn stamp(args: SealStampArgs, out: &mut dyn Write) -> Result<Exit> {
    let seal_bytes = read_bounded(&args.seal, MAX_SIGNATURE_LEN as u64)?;
    let seal = match decode_seal(&seal_bytes)
        .with_context(|| format!("{} is not a seal", args.seal.display()))?
    {
        DecodedSeal::V4(s) => s,
        DecodedSeal::V1(_) => bail!(
            "{} is a GM/T 0031 v1 seal; zhengku stamps with GB/T 38540 v4 seals only",
            args.seal.display()
        ),
    };
    let holder = read_key(&args.holder_key)?;
    let holder_cert = read_one_cert(&args.holder_cert)?;
    check_key_matches(&holder, &holder_cert, &args.holder_key, &args.holder_cert)?;
    let property_info = match args.property_info {
        Some(p) => p,
        None => {
            let name = args
                .data
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.is_empty() || !name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                bail!(
                    "the file name of {} is not printable ASCII; give --property-info",
                    args.data.display()
                );
            }
            name
        }
    };
    let mut hasher = Hasher::new(DigestAlgorithm::Sm3);
    files::stream_into(&args.data, &mut hasher)?;
    let data_hash = hasher.finalize();
    let time = seal_time(OffsetDateTime::now_utc())?;
    let sig = zhengku_seal::make::stamp(
        &seal,
        &holder_cert,
        StampInput {
            time,
            data_hash,
            property_info: property_info.clone(),
        },
        &holder,
    )
    .context("cannot stamp")?;
    let der = sig.to_der().context("cannot encode the signature")?;
    files::write_new(&args.out, &der, 0o644, args.force)?;
    writeln!(
        out,
        "stamped {} ({}) with seal {} {} at {}, SM3 {} -> {}",
        args.data.display(),
        property_info,
        seal.seal_info.es_id,
        seal.seal_info.property.name,
        time,
        hex::encode(data_hash),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

pub fn verify(args: SealVerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    let input = read_bounded(&args.file, MAX_SIGNATURE_LEN as u64)?;
    let now = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    // One loader for trust, as `zhengku verify`: a PKI folder or bundle, anchor files.
    let mut paths: Vec<std::path::PathBuf> = args.pki_dir.iter().cloned().collect();
    paths.extend(args.trust.iter().cloned());
    let material = TrustMaterial::load(&paths)?;
    if let Some(dir) = &args.pki_dir
        && material.anchors.is_empty()
    {
        bail!("--pki-dir {}: no CA certificate is there", dir.display());
    }
    let mut engine = material.engine_trust();
    for p in &args.intermediate {
        engine.intermediates.extend(read_all(p, "CERTIFICATE")?);
    }
    for p in &args.crl {
        engine.crls.extend(read_all(p, "X509 CRL")?);
    }
    // A seal is not a licence: no department key plays a part in judging it.
    engine.departments = Departments::default();
    let ctx = VerifyContext {
        at: now,
        trust: engine.trust(),
        departments: &engine.departments,
        memo: None,
    };
    let decoded = zhengku_verify::inspect::decode_any(&input)
        .map_err(|e| anyhow::anyhow!("{} is {e}", args.file.display()))?;
    let examined = match decoded {
        Decoded::Signature(_) => {
            let document = match &args.data {
                Some(p) => Some(read_bounded(p, MAX_DOCUMENT_LEN)?),
                None => None,
            };
            zhengku_verify::examine_seal_signature(&input, document.as_deref(), &ctx)?
        }
        Decoded::Seal(_) => {
            if let Some(p) = &args.data {
                bail!(
                    "--data {}: {} is a seal, not a signature over a document",
                    p.display(),
                    args.file.display()
                );
            }
            zhengku_verify::examine_seal(&input, &ctx)?
        }
    };
    let statuses = material.statuses(DEFAULT_MAX_STATUS_AGE, now.unix_timestamp())?;
    let live = Live::gather(&examined, &statuses);
    let result = zhengku_verify::conclude(examined, &live, now);
    writeln!(out, "{}", result.report)?;
    writeln!(
        out,
        "verdict: {} ({})",
        result.verdict.label_zh(),
        result.verdict.as_str()
    )?;
    if engine.anchors.is_empty() && result.report.first_failure().is_none() {
        writeln!(
            out,
            "note: the signatures are intact, but nothing establishes whose keys they are: \
             no trust anchors were given (--trust or --pki-dir)"
        )?;
    }
    if statuses.is_empty() {
        writeln!(
            out,
            "note: the seal's status was not checked: give --trust with the verifier bundle \
             of the library that made the seal"
        )?;
    }
    Ok(match result.verdict.exit_code() {
        0 => Exit::Valid,
        1 => Exit::Invalid,
        _ => Exit::Unverifiable,
    })
}

/// The fields both versions' TBS_Sign share.
pub fn inspect(args: SealInspectArgs, out: &mut dyn Write) -> Result<Exit> {
    let input = read_bounded(&args.file, MAX_SIGNATURE_LEN as u64)?;
    let decoded = zhengku_verify::inspect::decode_any(&input)
        .map_err(|e| anyhow::anyhow!("{} is {e}", args.file.display()))?;
    let shown = zhengku_verify::inspect::inspect(&decoded);
    let picture = &shown.picture;
    if let Some(p) = &args.picture_out {
        files::write_new(p, picture, 0o644, args.force)?;
    }
    const NOTE: &str = "inspect shows what the file says; it does NOT verify anything \
                        (signatures, certificates, validity): use `zhengku seal verify`";
    if args.json {
        let mut map = serde_json::Map::new();
        map.insert("verified".into(), false.into());
        map.insert("note".into(), NOTE.into());
        map.insert("file".into(), args.file.display().to_string().into());
        map.insert("bytes".into(), input.len().into());
        map.insert("kind".into(), shown.kind.into());
        for line in &shown.lines {
            if let Line::Field { key, value, .. } = line {
                map.insert(key.clone(), value.clone().into());
            }
        }
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(map))?
        )?;
    } else {
        writeln!(out, "NOT VERIFIED: {NOTE}.")?;
        writeln!(out, "file: {} ({} bytes)", args.file.display(), input.len())?;
        writeln!(out, "kind: {}", shown.kind)?;
        for line in &shown.lines {
            match line {
                Line::Section(title) => writeln!(out, "\n{title}")?,
                Line::Field { label, value, .. } => writeln!(out, "  {label}: {value}")?,
            }
        }
    }
    if let Some(p) = &args.picture_out {
        if !args.json {
            writeln!(
                out,
                "\npicture written to {} ({} bytes)",
                p.display(),
                picture.len()
            )?;
        }
    }
    Ok(Exit::Valid)
}

fn seal_time(t: OffsetDateTime) -> Result<SealTime> {
    SealTime::from_unix_seconds(t.unix_timestamp())
        .map_err(|_| anyhow::anyhow!("time {t} cannot be written in a seal"))
}

pub(crate) fn read_key(path: &Path) -> Result<PrivateKey> {
    let pem = zeroize::Zeroizing::new(files::read_text(path)?);
    PrivateKey::from_pem(&pem)
        .with_context(|| format!("cannot read private key {}", path.display()))
}

/// The certificate's public key must be the key's: a mismatch would make a seal or a stamp
/// that no verifier accepts, so it is refused here with a clear message.
pub(crate) fn check_key_matches(
    key: &PrivateKey,
    cert: &[u8],
    key_path: &Path,
    cert_path: &Path,
) -> Result<()> {
    let public = zhengku_pki::certified_key(cert)
        .map_err(|e| anyhow::anyhow!("{}: {e}", cert_path.display()))?;
    if public.key_id() != key.public_key().key_id() {
        bail!(
            "{} is not the key of {} (key {}, certificate key {})",
            key_path.display(),
            cert_path.display(),
            key.public_key().key_id(),
            public.key_id()
        );
    }
    Ok(())
}

/// The one certificate in a file (PEM or DER).
pub(crate) fn read_one_cert(path: &Path) -> Result<Vec<u8>> {
    let mut all = read_all(path, "CERTIFICATE")?;
    if all.len() != 1 {
        bail!(
            "{} holds {} certificates (expected one)",
            path.display(),
            all.len()
        );
    }
    Ok(all.remove(0))
}

/// Every `label` block of a PEM file (other blocks are passed over), or the file itself
/// when it is DER.
pub(crate) fn read_all(path: &Path, label: &str) -> Result<Vec<Vec<u8>>> {
    let bytes = files::read_small(path)?;
    let blocks = zhengku_trust::der_blocks(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // DER (no label) is taken as what was asked for.
    let out: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|(l, _)| l.as_deref().is_none_or(|l| l == label))
        .map(|(_, der)| der)
        .collect();
    if out.is_empty() {
        bail!("{} holds no {label} block", path.display());
    }
    Ok(out)
}

/// Reads a whole file of at most `max` bytes.
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    Ok(zhengku_trust::read_bounded(path, max)?)
}
