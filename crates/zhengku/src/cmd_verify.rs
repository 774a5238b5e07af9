//! `zhengku verify INPUT...`: verify licences offline (or with `--online`, the live status
//! from a library) with the one engine the service and the web page use
//! (`zhengku_verify::examine` and `conclude`).
//!
//! An INPUT is a file — a licence PDF, a PNG or JPEG photo or scan of the QR code (found
//! and decoded here, in Rust), a signed licence record, a seal (`.esl`) or an
//! `SES_Signature` — or, when it starts with `ZK1:`, `http://` or `https://`, the QR text
//! itself. Trust comes from `--trust`, read by the one loader (`zhengku_trust`): anchors, intermediates and
//! CRLs for chains, the departments' certificates whose keys sign licences and QR codes,
//! and a bundle's status list. Nothing is fetched unless `--online` is given.
//!
//! Exit status, the engine's verdict table (`zhengku_verify::engine`): 0 every input 有效;
//! 1 some input 无效, or genuine but 已暂停, 已撤销 or 已过期; 2 some input 无法核验 (no trust
//! anchors, no department certificate for its key, status unknown or older than
//! `--max-status-age`, not issued by the bundle's library), or could not be read at all
//! (unreadable file, no QR code in a picture, bad arguments, the library unreachable). The
//! worst wins.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_model::{LicenceStatus, SealStatus};
use zhengku_trust::{StatusList, TrustMaterial, read_bounded};
use zhengku_verify::{
    Context, Departments, Examined, LicenceLive, LicenceReport, Live, LiveLists,
    Outcome as CheckOutcome, RecordDigests, Revocation, SealLive, Trust,
};

use crate::Outcome;
use crate::cli::VerifyInputArgs;

/// Largest input file read (a licence PDF is well under a megabyte; a phone photo a few).
const MAX_INPUT_LEN: u64 = 64 << 20;

/// An input made ready for the engine.
struct Prepared {
    /// The bytes the engine sniffs (for a picture: the QR text).
    bytes: Vec<u8>,
    /// How it was obtained, for the report (e.g. "QR code in a PNG picture").
    via: Option<String>,
}

/// Reads one INPUT: a literal payload or URL, or a file (a picture is scanned for its QR).
fn prepare(input: &str) -> Result<Prepared> {
    let lower = input.trim_start().to_ascii_lowercase();
    if lower.starts_with("zk1:") || lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Prepared {
            bytes: input.trim().as_bytes().to_vec(),
            via: None,
        });
    }
    let bytes = read_bounded(Path::new(input), MAX_INPUT_LEN)?;
    if let Some(format) = zhengku_qr::scan::picture_format(&bytes) {
        let text = zhengku_qr::scan::qr_text(&bytes)
            .with_context(|| format!("{input}: cannot read the {format} picture"))?
            .with_context(|| format!("{input}: no QR code found in the {format} picture"))?;
        if !text.contains(zhengku_qr::PREFIX) {
            bail!("{input}: the QR code holds no zhengku payload: {text:?}");
        }
        return Ok(Prepared {
            bytes: text.into_bytes(),
            via: Some(format!("QR code in a {format} picture")),
        });
    }
    if zhengku_verify::sniff(&bytes).is_none() {
        bail!(
            "{input}: not something zhengku verifies (a PDF, a PNG or JPEG with the QR code, a \
             QR payload or URL, a signed licence record, a seal or a signature)"
        );
    }
    Ok(Prepared { bytes, via: None })
}

/// The live statuses of `ids` from the library at `base` (`GET /v1/licences/{id}/status`).
/// A licence the library does not know is left out (its status stays unknown) and said on
/// standard error; any other failure is an error.
/// The live statuses of the licences `ids` and the seals `esids` from the library at
/// `base` (`GET /v1/licences/{id}/status`, `GET /v1/seals/{esid}/status`), into `lists`.
/// What the library does not know is left out (its status stays unknown) and said on
/// standard error; any other failure is an error.
fn fetch_statuses(
    base: &str,
    ids: &[String],
    esids: &[String],
    lists: &mut LiveLists,
) -> Result<()> {
    #[derive(Deserialize)]
    struct StatusView {
        status: String,
        checked_at: Option<String>,
    }
    #[derive(Deserialize)]
    struct SealView {
        status: String,
        valid_start: i64,
        valid_end: i64,
        changed_at: Option<i64>,
        key_compromise: bool,
        fingerprint: Option<String>,
        as_of: i64,
    }
    let base = base.trim_end_matches('/').to_owned();
    let source = format!("online {base}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .context("cannot make an HTTP client")?;
        // `None`: the library does not know it.
        let get = |url: String, what: String| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let resp = client
                    .get(&url)
                    .send()
                    .await
                    .with_context(|| format!("--online: cannot reach {url}"))?;
                if resp.status() == reqwest::StatusCode::NOT_FOUND {
                    eprintln!("zhengku: note: the library at {base} does not know {what}");
                    return Ok(None);
                }
                if !resp.status().is_success() {
                    bail!("--online: {url} answered {}", resp.status());
                }
                let bytes = resp
                    .bytes()
                    .await
                    .with_context(|| format!("--online: {url}"))?;
                Ok(Some((url, bytes)))
            }
        };
        for id in ids {
            let Some((url, body)) = get(
                format!("{base}/v1/licences/{id}/status"),
                format!("licence {id}"),
            )
            .await?
            else {
                continue;
            };
            let view: StatusView = serde_json::from_slice(&body)
                .with_context(|| format!("--online: {url} did not answer a status"))?;
            let status: LicenceStatus = view
                .status
                .parse()
                .with_context(|| format!("--online: {url}"))?;
            let as_of = view
                .checked_at
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .unwrap_or_else(OffsetDateTime::now_utc)
                .unix_timestamp();
            lists.licences.insert(
                id.clone(),
                LicenceLive {
                    status,
                    reason: None,
                    as_of,
                    source: source.clone(),
                    record: None,
                },
            );
        }
        for esid in esids {
            let Some((url, body)) = get(
                format!("{base}/v1/seals/{esid}/status"),
                format!("seal {esid}"),
            )
            .await?
            else {
                continue;
            };
            let view: SealView = serde_json::from_slice(&body)
                .with_context(|| format!("--online: {url} did not answer a seal status"))?;
            let status: SealStatus = view
                .status
                .parse()
                .map_err(|_| anyhow!("--online: {url}: status {:?}", view.status))?;
            let fingerprint = view
                .fingerprint
                .as_deref()
                .map(|h| hex32(esid, h))
                .transpose()?;
            lists.seals.insert(
                esid.clone(),
                SealLive {
                    status,
                    valid_start: view.valid_start,
                    valid_end: view.valid_end,
                    changed_at: view.changed_at,
                    key_compromise: view.key_compromise,
                    reason: None,
                    as_of: view.as_of,
                    source: source.clone(),
                    fingerprint,
                    // The library's stamp records stay there: online, a stamp's time is
                    // not attested, so a seal not active now decides.
                    attested_at: None,
                },
            );
        }
        Ok(())
    })
}

fn hex32(what: &str, h: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(h).with_context(|| format!("{what}: not hex"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow!("{what}: not 32 bytes"))
}

/// A bundle's lists, as of its export: the library's complete lists, so a licence or seal
/// absent from them was not issued (made) there.
pub fn bundle_lists(list: &StatusList, max_age: i64) -> Result<LiveLists> {
    let generated = OffsetDateTime::parse(&list.generated_at, &Rfc3339)
        .with_context(|| format!("status list generated_at {:?}", list.generated_at))?
        .unix_timestamp();
    let source = format!("bundle {}", list.generated_at);
    let mut lists = LiveLists {
        complete: Some(source.clone()),
        max_age,
        ..LiveLists::default()
    };
    for e in &list.licences {
        let status: LicenceStatus = e
            .status
            .parse()
            .with_context(|| format!("status list entry {}", e.identifier))?;
        let record = match (&e.record_sha256, &e.record_sm3) {
            (Some(sha), Some(sm3)) => Some(RecordDigests {
                sha256: hex32(&e.identifier, sha)?,
                sm3: hex32(&e.identifier, sm3)?,
            }),
            _ => None,
        };
        lists.licences.insert(
            e.identifier.clone(),
            LicenceLive {
                status,
                reason: e.reason.clone(),
                as_of: generated,
                source: source.clone(),
                record,
            },
        );
    }
    for e in &list.seals {
        let status: SealStatus = e
            .status
            .parse()
            .map_err(|_| anyhow!("status list seal {}: status {:?}", e.esid, e.status))?;
        lists.seals.insert(
            e.esid.clone(),
            SealLive {
                status,
                valid_start: e.valid_start,
                valid_end: e.valid_end,
                changed_at: e.changed_at,
                key_compromise: e.key_compromise,
                reason: e.reason.clone(),
                as_of: generated,
                source: source.clone(),
                fingerprint: Some(hex32(&e.esid, &e.fingerprint)?),
                // A bundle does not carry the library's stamp records: a stamp's time is
                // not attested offline, so a seal not active now decides.
                attested_at: None,
            },
        );
    }
    Ok(lists)
}

/// What became of one input.
enum Result1 {
    Report(Box<LicenceReport>, Option<String>),
    Error(String),
}

pub fn run(args: VerifyInputArgs, out: &mut dyn Write) -> Result<Outcome> {
    let at = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    let max_age = i64::from(args.max_status_age) * 3600;
    let trust = TrustMaterial::load(&args.trust)?;
    if args.verbose {
        writeln!(out, "trust: {}", trust.counts())?;
        if let Some(l) = &trust.status {
            writeln!(out, "status list as of {}", l.generated_at)?;
        }
    }
    let prepared: Vec<Result<Prepared>> = args.inputs.iter().map(|i| prepare(i)).collect();

    let anchors = TrustMaterial::ders(&trust.anchors);
    let intermediates = TrustMaterial::ders(&trust.intermediates);
    let crls = TrustMaterial::ders(&trust.crls);
    let departments = Departments::new(trust.signers.iter().map(|n| n.der.as_slice()));
    let trust_in = Trust {
        anchors: &anchors,
        intermediates: &intermediates,
        crls: &crls,
        revocation: Revocation::Required,
    };
    let memo = zhengku_verify::Memo::new(trust_in);
    let ctx = Context {
        at,
        trust: trust_in,
        departments: &departments,
        memo: Some(&memo),
    };

    // Phase one for every input, then the statuses they name, then the verdicts.
    let examined: Vec<Result<(Examined, Option<String>), String>> = prepared
        .into_iter()
        .map(|p| match p {
            Ok(p) => Ok((zhengku_verify::examine(&p.bytes, &ctx), p.via)),
            Err(e) => Err(format!("{e:#}")),
        })
        .collect();
    let mut lists = match &trust.status {
        Some(list) => bundle_lists(list, max_age)?,
        None => LiveLists {
            max_age,
            ..LiveLists::default()
        },
    };
    if let Some(base) = &args.online {
        let found = examined.iter().filter_map(|e| e.as_ref().ok());
        let ids: Vec<String> = found
            .clone()
            .filter_map(|(e, _)| e.identifier().map(str::to_owned))
            .collect();
        let esids: Vec<String> = found
            .flat_map(|(e, _)| e.stamps.iter().map(|s| s.esid.clone()))
            .collect();
        fetch_statuses(base, &ids, &esids, &mut lists)?;
    }
    let results: Vec<Result1> = examined
        .into_iter()
        .map(|e| match e {
            Ok((ex, via)) => {
                let live = Live::gather(&ex, &lists);
                Result1::Report(Box::new(zhengku_verify::conclude(ex, &live, at)), via)
            }
            Err(e) => Result1::Error(e),
        })
        .collect();

    let mut codes = Vec::with_capacity(results.len());
    let mut json = Vec::new();
    for (input, result) in args.inputs.iter().zip(&results) {
        codes.push(match result {
            Result1::Error(_) => 2u8,
            Result1::Report(r, _) => r.verdict.exit_code(),
        });
        if args.json {
            json.push(json_of(input, result)?);
        } else {
            print_text(out, input, result, &ctx)?;
        }
    }
    if args.json {
        let value = if json.len() == 1 {
            json.remove(0)
        } else {
            serde_json::Value::Array(json)
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    }
    match codes.iter().copied().max().unwrap_or(0) {
        0 => Ok(Outcome::Valid),
        1 => Ok(Outcome::Invalid),
        _ => {
            out.flush()?;
            Err(anyhow!(
                "{} of {} input(s) could not be verified (无法核验)",
                codes.iter().filter(|&&c| c == 2).count(),
                codes.len()
            ))
        }
    }
}

fn json_of(input: &str, result: &Result1) -> Result<serde_json::Value> {
    Ok(match result {
        Result1::Report(r, via) => {
            let mut v = serde_json::to_value(r.as_ref())?;
            if let Some(m) = v.as_object_mut() {
                m.insert("input".into(), input.into());
                if let Some(via) = via {
                    m.insert("via".into(), via.as_str().into());
                }
            }
            v
        }
        Result1::Error(e) => serde_json::json!({ "input": input, "error": e }),
    })
}

fn print_text(out: &mut dyn Write, input: &str, result: &Result1, ctx: &Context<'_>) -> Result<()> {
    let shown: String = if input.len() > 72 {
        format!(
            "{}…",
            &input[..input.char_indices().nth(60).map_or(input.len(), |(i, _)| i)]
        )
    } else {
        input.to_owned()
    };
    writeln!(out, "== {shown}")?;
    let (r, via) = match result {
        Result1::Error(e) => {
            writeln!(out, "无法验证 (could not verify): {e}")?;
            writeln!(out)?;
            return Ok(());
        }
        Result1::Report(r, via) => (r, via),
    };
    writeln!(
        out,
        "{} ({})",
        r.verdict.label_zh(),
        r.verdict.as_str().to_uppercase()
    )?;
    writeln!(out, "  {} [{}]", r.report.subject, r.kind)?;
    if let Some(via) = via {
        writeln!(out, "  read from: {via}")?;
    }
    if let Some(f) = &r.facts {
        if let Some(t) = &f.type_name {
            writeln!(out, "  证照类型 licence:    {t} ({})", f.type_code)?;
        } else {
            writeln!(out, "  证照类型 type code:  {}", f.type_code)?;
        }
        writeln!(out, "  证照标识 identifier: {}", f.identifier)?;
        writeln!(
            out,
            "  颁发机构 issuer:     {} ({})",
            f.issuer_name.as_deref().unwrap_or("?"),
            f.issuer_code
        )?;
        writeln!(
            out,
            "  持证主体 holder:     {} ({})",
            f.holder_name, f.holder_code
        )?;
        writeln!(
            out,
            "  有效期 valid:        {} to {}",
            f.valid_from,
            f.valid_until
                .map_or_else(|| "长期 (no end date)".to_owned(), |d| d.to_string())
        )?;
        if let Some(d) = f.issue_date {
            writeln!(out, "  发证日期 issue date: {d}")?;
        }
        let issued = OffsetDateTime::from_unix_timestamp(f.issued_at)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| f.issued_at.to_string());
        writeln!(out, "  签发时间 signed at:  {issued}")?;
        match &f.status {
            Some(s) => writeln!(
                out,
                "  证照状态 status:     {} ({}) from {}{}",
                s.status.label_zh(),
                s.status.as_str(),
                s.source,
                s.reason
                    .as_deref()
                    .map(|r| format!(", reason: {r}"))
                    .unwrap_or_default()
            )?,
            None => writeln!(
                out,
                "  证照状态 status:     unknown (offline; no status list)"
            )?,
        }
    }
    for (k, v) in &r.report.facts {
        if r.facts.is_none() || !matches!(*k, "identifier") {
            writeln!(out, "  {k}: {v}")?;
        }
    }
    for c in &r.report.checks {
        let mark = c.outcome.mark();
        writeln!(
            out,
            "  [{mark}] {} {} ({}): {}",
            c.id,
            c.label,
            c.label_zh,
            c.outcome.detail()
        )?;
    }
    if ctx.trust.anchors.is_empty() && r.report.first_failure().is_none() {
        writeln!(
            out,
            "note: the document is intact, but its issuer is unverified: no trust anchors \
             were given (--trust DIR), so whose signature it is cannot be established"
        )?;
    }
    if ctx.departments.is_empty()
        && matches!(
            r.report.outcome("issuer_key"),
            Some(CheckOutcome::Unverifiable(_))
        )
    {
        writeln!(
            out,
            "note: no department certificates were given (--trust a bundle or the \
             department's certificate), so the issuer's signature could not be checked"
        )?;
    }
    writeln!(out)?;
    Ok(())
}
