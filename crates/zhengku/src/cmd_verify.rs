//! `zhengku verify INPUT...`: verify licences offline (or with `--online`, the live status
//! from a library) with the one engine the service and the web page use
//! (`zhengku_verify::examine` and `conclude`).
//!
//! An INPUT is a file — a licence PDF or OFD, a PNG annotated copy (加注件, verified by the
//! record and seal signature it carries), a PNG or JPEG photo or scan of the QR code (found
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
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_trust::{TrustMaterial, read_bounded};
use zhengku_verify::{Context, LicenceReport, Live, Outcome};

use crate::Exit;
use crate::cli::VerifyInputArgs;

/// Largest input file read (a licence PDF is well under a megabyte; a phone photo a few).
const MAX_INPUT_LEN: u64 = 64 << 20;

/// An input read and ready for the engine.
struct Input {
    /// The bytes the engine sniffs (for a picture: the QR text).
    bytes: Vec<u8>,
    /// How it was obtained, for the report (e.g. "QR code in a PNG picture").
    via: Option<String>,
}

/// Reads one INPUT: a literal payload or URL, or a file (a picture is scanned for its QR).
fn read_input(input: &str) -> Result<Input> {
    let lower = input.trim_start().to_ascii_lowercase();
    if lower.starts_with("zk1:") || lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Input {
            bytes: input.trim().as_bytes().to_vec(),
            via: None,
        });
    }
    let bytes = read_bounded(Path::new(input), MAX_INPUT_LEN)?;
    // A PNG annotated copy carries its proof (the record and the library's seal signature):
    // it is verified as a file, not scanned for its QR code.
    if zhengku_verify::sniff(&bytes) == Some(zhengku_verify::InputKind::Png) {
        return Ok(Input { bytes, via: None });
    }
    if let Some(format) = zhengku_qr::scan::picture_format(&bytes) {
        let text = zhengku_qr::scan::qr_text(&bytes)
            .with_context(|| format!("{input}: cannot read the {format} picture"))?
            .with_context(|| format!("{input}: no QR code found in the {format} picture"))?;
        if !text.contains(zhengku_qr::PREFIX) {
            bail!("{input}: the QR code holds no zhengku payload: {text:?}");
        }
        return Ok(Input {
            bytes: text.into_bytes(),
            via: Some(format!("QR code in a {format} picture")),
        });
    }
    if zhengku_verify::sniff(&bytes).is_none() {
        bail!(
            "{input}: not something zhengku verifies (a PDF or OFD, a PNG or JPEG with the QR code, a \
             QR payload or URL, a signed licence record, a seal or a signature)"
        );
    }
    Ok(Input { bytes, via: None })
}

/// What became of one input: the engine's report (and how the input was read), or why it
/// could not be read.
type Verified = Result<(Box<LicenceReport>, Option<String>), String>;

pub fn run(args: VerifyInputArgs, out: &mut dyn Write) -> Result<Exit> {
    let at = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    let material = TrustMaterial::load(&args.trust)?;
    if args.verbose {
        writeln!(out, "trust: {}", material.counts())?;
        if let Some(l) = &material.status {
            writeln!(out, "status list as of {}", l.generated_at)?;
        }
        if let Some(s) = &material.synced {
            let l = &s.snapshot.list;
            writeln!(
                out,
                "trust list {} seq {} (next update {}), {} signed status list(s)",
                l.region,
                l.seq,
                l.next_update,
                s.snapshot.tokens.len()
            )?;
        }
    }
    let engine = material.engine_trust();
    let memo = zhengku_verify::Memo::new(engine.trust());
    let ctx = Context {
        at,
        trust: engine.trust(),
        departments: &engine.departments,
        memo: Some(&memo),
    };

    // Phase one for every input, then the statuses they name, then the verdicts.
    let examined: Vec<_> = args
        .inputs
        .iter()
        .map(|i| match read_input(i) {
            Ok(input) => Ok((zhengku_verify::examine(&input.bytes, &ctx), input.via)),
            Err(e) => Err(format!("{e:#}")),
        })
        .collect();
    let mut statuses =
        material.statuses(i64::from(args.max_status_age) * 3600, at.unix_timestamp())?;
    if let Some(base) = &args.online {
        let found = examined.iter().filter_map(|e| e.as_ref().ok());
        let ids: Vec<String> = found
            .clone()
            .filter_map(|(e, _)| e.identifier().map(str::to_owned))
            .collect();
        let esids: Vec<String> = found
            .flat_map(|(e, _)| e.stamps.iter().map(|s| s.esid.clone()))
            .collect();
        for note in zhengku_trust::online::fetch_statuses(base, &ids, &esids, &mut statuses.lists)?
        {
            eprintln!("zhengku: note: {note}");
        }
    }
    let results: Vec<Verified> = examined
        .into_iter()
        .map(|e| {
            e.map(|(ex, via)| {
                let live = Live::gather(&ex, &statuses);
                (Box::new(zhengku_verify::conclude(ex, &live, at)), via)
            })
        })
        .collect();

    let codes: Vec<u8> = results
        .iter()
        .map(|r| r.as_ref().map_or(2, |(r, _)| r.verdict.exit_code()))
        .collect();
    if args.json {
        let mut json = args
            .inputs
            .iter()
            .zip(&results)
            .map(|(input, result)| json_of(input, result))
            .collect::<Result<Vec<_>>>()?;
        let value = if json.len() == 1 {
            json.remove(0)
        } else {
            serde_json::Value::Array(json)
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for (input, result) in args.inputs.iter().zip(&results) {
            print_text(out, input, result, &ctx)?;
        }
    }
    match codes.iter().copied().max().unwrap_or(0) {
        0 => Ok(Exit::Valid),
        1 => Ok(Exit::Invalid),
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

/// The engine's JSON for one input, with the input (and how it was read) added.
fn json_of(input: &str, result: &Verified) -> Result<serde_json::Value> {
    Ok(match result {
        Ok((r, via)) => {
            let mut v = serde_json::to_value(r.as_ref())?;
            if let Some(m) = v.as_object_mut() {
                m.insert("input".into(), input.into());
                if let Some(via) = via {
                    m.insert("via".into(), via.as_str().into());
                }
            }
            v
        }
        Err(e) => serde_json::json!({ "input": input, "error": e }),
    })
}

fn print_text(
    out: &mut dyn Write,
    input: &str,
    result: &Verified,
    ctx: &Context<'_>,
) -> Result<()> {
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
        Err(e) => {
            writeln!(out, "无法验证 (could not verify): {e}")?;
            writeln!(out)?;
            return Ok(());
        }
        Ok((r, via)) => (r, via),
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
        write!(out, "{f}")?;
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
            Some(Outcome::Unverifiable(_))
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
