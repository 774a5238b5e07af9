//! `zhengku seal draw|make|stamp|inspect|verify`: electronic seals (电子印章) and
//! electronic signatures (电子签章) per GB/T 38540, offline: files in, text out.
//!
//! Making and stamping go through `zhengku_seal::make`; verifying through
//! `zhengku_verify::seal`, the same engine the service and the web page use. `inspect` only
//! reads and shows; it says so at the top of its output.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_crypto::{DigestAlgorithm, Hasher, PrivateKey};
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{SealSpec, StampInput, algorithm_of, make_seal};
use zhengku_seal::{
    CertList, DecodedSeal, DecodedSignature, Extension, MAX_SIGNATURE_LEN, Oid, SealInfo, SealTime,
    decode_seal, decode_signature,
};
use zhengku_verify::{
    Context as VerifyContext, DEFAULT_MAX_STATUS_AGE, Departments, Live, LiveLists, Revocation,
    Trust,
};

use zhengku_trust::TrustMaterial;

use crate::cli::{SealDrawArgs, SealInspectArgs, SealMakeArgs, SealStampArgs, SealVerifyArgs};
use crate::{Outcome, files};

/// Largest document `verify --data` reads into memory (the verifier takes the bytes).
const MAX_DOCUMENT_LEN: u64 = 1 << 30;

pub fn draw(args: SealDrawArgs, out: &mut dyn Write) -> Result<Outcome> {
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
    Ok(Outcome::Valid)
}

pub fn make(args: SealMakeArgs, out: &mut dyn Write) -> Result<Outcome> {
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
        type_label(p.seal_type),
        p.valid_start,
        p.valid_end,
        maker.public_key().algorithm(),
        args.out.display()
    )?;
    Ok(Outcome::Valid)
}

pub fn stamp(args: SealStampArgs, out: &mut dyn Write) -> Result<Outcome> {
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
    Ok(Outcome::Valid)
}

pub fn verify(args: SealVerifyArgs, out: &mut dyn Write) -> Result<Outcome> {
    let input = read_bounded(&args.file, MAX_SIGNATURE_LEN as u64)?;
    let now = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    // One loader for trust, as `zhengku verify`: a PKI folder or bundle, anchor files.
    let mut paths: Vec<std::path::PathBuf> = args.pki_dir.iter().cloned().collect();
    paths.extend(args.trust.iter().cloned());
    let mut material = TrustMaterial::load(&paths)?;
    if let Some(dir) = &args.pki_dir
        && material.anchors.is_empty()
    {
        bail!("--pki-dir {}: no CA certificate is there", dir.display());
    }
    let mut intermediates = TrustMaterial::ders(&material.intermediates);
    for p in &args.intermediate {
        intermediates.extend(read_all(p, "CERTIFICATE")?);
    }
    let mut crls = TrustMaterial::ders(&material.crls);
    for p in &args.crl {
        crls.extend(read_all(p, "X509 CRL")?);
    }
    let anchors = TrustMaterial::ders(&material.anchors);
    let departments = Departments::default();
    let ctx = VerifyContext {
        at: now,
        trust: Trust {
            anchors: &anchors,
            intermediates: &intermediates,
            crls: &crls,
            revocation: Revocation::Required,
        },
        departments: &departments,
        memo: None,
    };
    let examined = match identify(&input, &args.file)? {
        Kind::Signature(_) => {
            let document = match &args.data {
                Some(p) => Some(read_bounded(p, MAX_DOCUMENT_LEN)?),
                None => None,
            };
            zhengku_verify::examine_seal_signature(&input, document.as_deref(), &ctx)?
        }
        Kind::Seal(_) => {
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
    let lists = match material.status.take() {
        Some(list) => crate::cmd_verify::bundle_lists(&list, DEFAULT_MAX_STATUS_AGE)?,
        None => LiveLists::default(),
    };
    let live = Live::gather(&examined, &lists);
    let result = zhengku_verify::conclude(examined, &live, now);
    writeln!(out, "{}", result.report)?;
    writeln!(
        out,
        "verdict: {} ({})",
        result.verdict.label_zh(),
        result.verdict.as_str()
    )?;
    if anchors.is_empty() && result.report.first_failure().is_none() {
        writeln!(
            out,
            "note: the signatures are intact, but nothing establishes whose keys they are: \
             no trust anchors were given (--trust or --pki-dir)"
        )?;
    }
    if material_has_no_status(&lists) {
        writeln!(
            out,
            "note: the seal's status was not checked: give --trust with the verifier bundle \
             of the library that made the seal"
        )?;
    }
    Ok(match result.verdict.exit_code() {
        0 => Outcome::Valid,
        1 => Outcome::Invalid,
        _ => Outcome::Unverifiable,
    })
}

fn material_has_no_status(lists: &LiveLists) -> bool {
    lists.complete.is_none() && lists.seals.is_empty()
}

/// The fields both versions' TBS_Sign share.
fn tbs_fields(
    d: &mut Dump,
    version: u32,
    time_info: zhengku_seal::SealTime,
    data_hash: &[u8],
    property_info: &str,
) {
    d.field("signature.version", "version (版本号)", version);
    d.field("signature.timeInfo", "timeInfo (签章时间)", time_info);
    d.field(
        "signature.dataHash",
        "dataHash (原文杂凑值)",
        hex::encode(data_hash),
    );
    d.field(
        "signature.propertyInfo",
        "propertyInfo (原文属性)",
        property_info,
    );
}

pub fn inspect(args: SealInspectArgs, out: &mut dyn Write) -> Result<Outcome> {
    let input = read_bounded(&args.file, MAX_SIGNATURE_LEN as u64)?;
    let kind = identify(&input, &args.file)?;
    let mut d = Dump::default();
    let picture = match &kind {
        Kind::Signature(DecodedSignature::V4(s)) => {
            d.kind = "GB/T 38540-2020 electronic signature (电子签章), SES_Signature v4 layout";
            d.section("Signature (电子签章 SES_Signature)");
            let t = &s.to_sign;
            tbs_fields(
                &mut d,
                t.version,
                t.time_info,
                &t.data_hash,
                &t.property_info,
            );
            ext_fields(&mut d, "signature.extDatas", &t.ext_datas);
            cert_fields(
                &mut d,
                "signature.cert",
                "signer certificate (签章人证书)",
                &s.cert,
            );
            alg_field(
                &mut d,
                "signature.signatureAlgorithm",
                "signatureAlgorithm (签名算法标识)",
                &s.signature_alg,
            );
            d.field(
                "signature.signature",
                "signature (签名值)",
                format!("{} bytes", s.signature.len()),
            );
            d.field(
                "signature.timeStamp",
                "timeStamp (时间戳)",
                match &s.time_stamp {
                    Some(ts) => format!("present, {} bytes (not checked)", ts.len()),
                    None => "absent".to_owned(),
                },
            );
            let seal = &t.seal;
            seal_fields(
                &mut d,
                "Seal inside the signature (电子印章 SESeal v4)",
                &seal.seal_info,
                &seal.maker_cert,
                &seal.sign_alg,
                &seal.signed_value,
            );
            seal.seal_info.picture.data.clone()
        }
        Kind::Signature(DecodedSignature::V1(s)) => {
            d.kind = "GM/T 0031-2014 electronic signature (电子签章), SES_Signature v1 layout";
            d.section("Signature (电子签章 SES_Signature)");
            let t = &s.to_sign;
            tbs_fields(
                &mut d,
                t.version,
                t.time_info,
                &t.data_hash,
                &t.property_info,
            );
            cert_fields(
                &mut d,
                "signature.cert",
                "signer certificate (签章人证书)",
                &t.cert,
            );
            alg_field(
                &mut d,
                "signature.signatureAlgorithm",
                "signatureAlgorithm (签名算法标识)",
                &t.signature_alg,
            );
            d.field(
                "signature.signature",
                "signature (签名值)",
                format!("{} bytes", s.signature.len()),
            );
            d.field(
                "signature.timeStamp",
                "timeStamp (时间戳)",
                "absent (v1 has none)",
            );
            let seal = &t.seal;
            seal_fields(
                &mut d,
                "Seal inside the signature (电子印章 SESeal v1)",
                &seal.seal_info,
                &seal.maker_cert,
                &seal.sign_alg,
                &seal.signed_value,
            );
            seal.seal_info.picture.data.clone()
        }
        Kind::Seal(DecodedSeal::V4(seal)) => {
            d.kind = "GB/T 38540-2020 electronic seal (电子印章), SESeal v4 layout";
            seal_fields(
                &mut d,
                "Seal (电子印章 SESeal v4)",
                &seal.seal_info,
                &seal.maker_cert,
                &seal.sign_alg,
                &seal.signed_value,
            );
            seal.seal_info.picture.data.clone()
        }
        Kind::Seal(DecodedSeal::V1(seal)) => {
            d.kind = "GM/T 0031-2014 electronic seal (电子印章), SESeal v1 layout";
            seal_fields(
                &mut d,
                "Seal (电子印章 SESeal v1)",
                &seal.seal_info,
                &seal.maker_cert,
                &seal.sign_alg,
                &seal.signed_value,
            );
            seal.seal_info.picture.data.clone()
        }
    };
    if let Some(p) = &args.picture_out {
        files::write_new(p, &picture, 0o644, args.force)?;
    }
    const NOTE: &str = "inspect shows what the file says; it does NOT verify anything \
                        (signatures, certificates, validity): use `zhengku seal verify`";
    if args.json {
        let mut map = serde_json::Map::new();
        map.insert("verified".into(), false.into());
        map.insert("note".into(), NOTE.into());
        map.insert("file".into(), args.file.display().to_string().into());
        map.insert("bytes".into(), input.len().into());
        map.insert("kind".into(), d.kind.into());
        for line in &d.lines {
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
        writeln!(out, "kind: {}", d.kind)?;
        for line in &d.lines {
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
    Ok(Outcome::Valid)
}

/// A seal file or a signature file, decoded.
enum Kind {
    Signature(DecodedSignature),
    Seal(DecodedSeal),
}

/// Tries SES_Signature first, then SESeal; when neither decodes, both reasons, on one line.
fn identify(input: &[u8], path: &Path) -> Result<Kind> {
    let sig_err = match decode_signature(input) {
        Ok(s) => return Ok(Kind::Signature(s)),
        Err(e) => e,
    };
    match decode_seal(input) {
        Ok(s) => Ok(Kind::Seal(s)),
        Err(seal_err) => bail!(
            "{} is neither a signature ({sig_err}) nor a seal ({seal_err})",
            path.display()
        ),
    }
}

/// What `inspect` shows, in order; text and JSON are both made from it.
#[derive(Default)]
struct Dump {
    kind: &'static str,
    lines: Vec<Line>,
}

enum Line {
    Section(&'static str),
    Field {
        key: String,
        label: String,
        value: String,
    },
}

impl Dump {
    fn section(&mut self, title: &'static str) {
        self.lines.push(Line::Section(title));
    }

    /// A field; the value is shown with control characters escaped (text from a file is
    /// not allowed to move the terminal's cursor).
    fn field(&mut self, key: impl Into<String>, label: impl Into<String>, value: impl ToString) {
        self.lines.push(Line::Field {
            key: key.into(),
            label: label.into(),
            value: clean(&value.to_string()),
        });
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
            if c.is_control() {
                Box::new(c.escape_default())
            } else {
                Box::new(std::iter::once(c))
            }
        })
        .collect()
}

fn seal_fields(
    d: &mut Dump,
    title: &'static str,
    info: &SealInfo,
    maker_cert: &[u8],
    sign_alg: &Oid,
    signed_value: &[u8],
) {
    d.section(title);
    let h = &info.header;
    d.field("seal.header.id", "header id (头标识)", &h.id);
    d.field("seal.header.version", "header version (版本号)", h.version);
    d.field("seal.header.vid", "header vid (厂商标识)", &h.vid);
    d.field("seal.esID", "esID (印章编码)", &info.es_id);
    let p = &info.property;
    d.field("seal.name", "name (印章名称)", &p.name);
    d.field("seal.type", "type (印章类型)", type_label(p.seal_type));
    d.field("seal.createDate", "createDate (制章日期)", p.create_date);
    d.field(
        "seal.validStart",
        "validStart (有效起始时间)",
        p.valid_start,
    );
    d.field("seal.validEnd", "validEnd (有效结束时间)", p.valid_end);
    match &p.cert_list {
        CertList::Certificates(certs) => {
            d.field(
                "seal.certList",
                "certList (签章人证书列表)",
                format!("{} certificate(s)", certs.len()),
            );
            for (i, c) in certs.iter().enumerate() {
                cert_fields(
                    d,
                    &format!("seal.certList.{}", i + 1),
                    &format!("holder certificate {} (签章人证书)", i + 1),
                    c,
                );
            }
        }
        CertList::Digests(digests) => {
            d.field(
                "seal.certList",
                "certList (签章人证书列表)",
                format!("{} certificate digest(s)", digests.len()),
            );
            for (i, c) in digests.iter().enumerate() {
                d.field(
                    format!("seal.certList.{}", i + 1),
                    format!("holder certificate {} digest (证书杂凑值)", i + 1),
                    format!("{}: {}", c.digest_type, hex::encode(&c.value)),
                );
            }
        }
    }
    let pic = &info.picture;
    d.field(
        "seal.picture.type",
        "picture type (图像类型)",
        &pic.picture_type,
    );
    d.field(
        "seal.picture.size",
        "picture size (图像显示宽度×高度)",
        format!("{} × {} mm", pic.width_mm, pic.height_mm),
    );
    d.field(
        "seal.picture.data",
        "picture data (图像数据)",
        format!(
            "{} bytes, SM3 {}",
            pic.data.len(),
            hex::encode(zhengku_crypto::sm3(&pic.data))
        ),
    );
    ext_fields(d, "seal.extDatas", &info.ext_datas);
    cert_fields(
        d,
        "seal.makerCert",
        "maker certificate (制章人证书)",
        maker_cert,
    );
    alg_field(
        d,
        "seal.signAlgID",
        "maker signAlgID (签名算法标识)",
        sign_alg,
    );
    d.field(
        "seal.signedValue",
        "maker signedValue (制章人签名值)",
        format!("{} bytes", signed_value.len()),
    );
}

fn ext_fields(d: &mut Dump, key: &str, ext: &Option<Vec<Extension>>) {
    let value = match ext {
        None => "none".to_owned(),
        Some(list) => list
            .iter()
            .map(|e| {
                format!(
                    "{}{} ({} bytes)",
                    e.oid,
                    if e.critical { " critical" } else { "" },
                    e.value.len()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    d.field(key, "extDatas (自定义数据)", value);
}

fn cert_fields(d: &mut Dump, key: &str, label: &str, der: &[u8]) {
    match X509Certificate::from_der(der) {
        Ok((_, c)) => {
            let t = |ts: i64| {
                OffsetDateTime::from_unix_timestamp(ts)
                    .ok()
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .unwrap_or_else(|| ts.to_string())
            };
            let v = c.validity();
            d.field(
                format!("{key}.subject"),
                format!("{label} subject"),
                c.subject(),
            );
            d.field(
                format!("{key}.issuer"),
                format!("{label} issuer"),
                c.issuer(),
            );
            d.field(
                format!("{key}.serial"),
                format!("{label} serial"),
                hex::encode(c.raw_serial()),
            );
            d.field(
                format!("{key}.validity"),
                format!("{label} validity"),
                format!(
                    "{} to {}",
                    t(v.not_before.timestamp()),
                    t(v.not_after.timestamp())
                ),
            );
        }
        Err(e) => d.field(
            format!("{key}.error"),
            label.to_owned(),
            format!("unreadable certificate ({} bytes): {e}", der.len()),
        ),
    }
}

fn alg_field(d: &mut Dump, key: &str, label: &str, oid: &Oid) {
    let name = match algorithm_of(oid) {
        Some(zhengku_crypto::Algorithm::Sm2Sm3) => "SM2-with-SM3",
        Some(zhengku_crypto::Algorithm::EcdsaP256Sha256) => {
            "ECDSA-SHA256 (P-256, outside GB/T 38540)"
        }
        Some(_) | None => "unknown to zhengku",
    };
    d.field(key, label, format!("{name}, OID {oid}"));
}

fn type_label(t: u32) -> String {
    match t {
        1 => "1 单位印章 (unit seal)".to_owned(),
        2 => "2 个人印章 (personal seal)".to_owned(),
        n => format!("{n} (not defined: GB/T 38540 has 1 单位印章 and 2 个人印章)"),
    }
}

fn seal_time(t: OffsetDateTime) -> Result<SealTime> {
    SealTime::from_unix_seconds(t.unix_timestamp())
        .map_err(|_| anyhow::anyhow!("time {t} cannot be written in a seal"))
}

fn read_key(path: &Path) -> Result<PrivateKey> {
    let pem = zeroize::Zeroizing::new(files::read_text(path)?);
    PrivateKey::from_pem(&pem)
        .with_context(|| format!("cannot read private key {}", path.display()))
}

/// The certificate's public key must be the key's: a mismatch would make a seal or a stamp
/// that no verifier accepts, so it is refused here with a clear message.
fn check_key_matches(
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
fn read_one_cert(path: &Path) -> Result<Vec<u8>> {
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
fn read_all(path: &Path, label: &str) -> Result<Vec<Vec<u8>>> {
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
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() as u64 > max {
        bail!("{} is larger than {max} bytes", path.display());
    }
    Ok(buf)
}
