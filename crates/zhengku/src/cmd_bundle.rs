//! `zhengku bundle export`: an offline verifier bundle, everything `zhengku verify --trust
//! BUNDLE` needs to judge a licence without a network:
//!
//! The layout and the status list's format are `zhengku_verify::bundle`'s (the one
//! definition `zhengku verify --trust` and `zhengku seal verify` read with); this command
//! gathers what goes in from the library's database and writes the files.
//!
//! The status list is as current as the export: re-export it as often as verifiers need.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_store::Store;

use crate::cli::BundleExportArgs;
use crate::{Exit, files};
use zhengku_trust::TrustMaterial;
use zhengku_verify::bundle::{
    self, Named, STATUS_FILE, STATUS_FORMAT, SealEntry, StatusEntry, StatusList,
};

fn rfc3339(t: i64) -> Result<String> {
    Ok(OffsetDateTime::from_unix_timestamp(t)?.format(&Rfc3339)?)
}

fn pem(label: &str, der: &[u8]) -> Result<String> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map_err(|e| anyhow!("cannot encode PEM: {e}"))
}

pub fn export(args: BundleExportArgs, out: &mut dyn Write) -> Result<Exit> {
    check_out(&args)?;
    if let (Some(from), Some(pin)) = (&args.from, &args.pin) {
        return export_signed(from, pin, &args, out);
    }
    let Some(database_url) = &args.database_url else {
        bail!("give --from URL --pin CERT (signed lists), or --database-url (legacy status.json)");
    };
    export_legacy(database_url, &args, out)
}

/// The signed artefacts, as a sync fetches and checks them, flat in `--out`.
fn export_signed(
    from: &str,
    pin: &Path,
    args: &BundleExportArgs,
    out: &mut dyn Write,
) -> Result<Exit> {
    let pin = zhengku_trust::cert_file(pin).with_context(|| format!("--pin {}", pin.display()))?;
    let r = zhengku_trust::sync::export(from, &pin, &args.out, OffsetDateTime::now_utc())
        .with_context(|| format!("export from {from}"))?;
    writeln!(
        out,
        "wrote verifier bundle {}: {} trust list seq {} with its signer list, manifest, {} \
         status list(s) and CRLs, all signed; current until the trust list's next_update",
        args.out.display(),
        r.region,
        r.seq,
        r.lists.0 + r.lists.1
    )?;
    Ok(Exit::Valid)
}

/// `--out` is absent, empty, or `--force` was given.
fn check_out(args: &BundleExportArgs) -> Result<()> {
    if args.out.exists() {
        let not_empty = std::fs::read_dir(&args.out)
            .with_context(|| format!("cannot read {}", args.out.display()))?
            .next()
            .is_some();
        if not_empty && !args.force {
            bail!(
                "{} is not empty (use --force to write into it)",
                args.out.display()
            );
        }
    }
    Ok(())
}

/// The legacy export: certificates and an unsigned `status.json` from the database.
fn export_legacy(database_url: &str, args: &BundleExportArgs, out: &mut dyn Write) -> Result<Exit> {
    let trust = match &args.trust {
        Some(dir) => {
            if !dir.is_dir() {
                bail!("--trust {}: not a folder", dir.display());
            }
            TrustMaterial::load(std::slice::from_ref(dir))?
        }
        None => TrustMaterial::default(),
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let generated = OffsetDateTime::now_utc();
    let (departments, statuses, seals) = runtime.block_on(async {
        let store = Store::connect(database_url)
            .await
            .map_err(|e| anyhow!("cannot open the library database: {e}"))?;
        let result = async {
            let d = store
                .list_departments()
                .await
                .map_err(|e| anyhow!("cannot read the departments: {e}"))?;
            let s = store
                .licence_statuses()
                .await
                .map_err(|e| anyhow!("cannot read the licence statuses: {e}"))?;
            let seals = seal_entries(&store, &d).await?;
            Ok::<_, anyhow::Error>((d, s, seals))
        }
        .await;
        store.close().await;
        result
    })?;

    for sub in [
        bundle::ANCHORS_DIR,
        bundle::INTERMEDIATES_DIR,
        bundle::CRLS_DIR,
        bundle::SIGNERS_DIR,
    ] {
        let d = args.out.join(sub);
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let write_all = |sub: &str, list: &[Named], label: &str, ext: &str| -> Result<usize> {
        for n in list {
            let name = if n.name.ends_with(ext) {
                n.name.clone()
            } else {
                format!("{}{ext}", n.name)
            };
            files::write_new(
                &args.out.join(sub).join(name),
                pem(label, &n.der)?.as_bytes(),
                0o644,
                true,
            )?;
        }
        Ok(list.len())
    };
    let anchors = write_all(bundle::ANCHORS_DIR, &trust.anchors, "CERTIFICATE", ".crt")?;
    let intermediates = write_all(
        bundle::INTERMEDIATES_DIR,
        &trust.intermediates,
        "CERTIFICATE",
        ".crt",
    )?;
    let crls = write_all(bundle::CRLS_DIR, &trust.crls, "X509 CRL", ".crl")?;

    let mut signers = 0;
    for d in &departments {
        let Some(der) = &d.certificate_der else {
            eprintln!(
                "zhengku: note: department {} ({}) has no certificate; its licences cannot be \
                 verified offline",
                d.name,
                d.uscc.as_str()
            );
            continue;
        };
        let key = zhengku_pki::certified_key(der)
            .map_err(|e| anyhow!("department {}: {e}", d.uscc.as_str()))?;
        let path = args.out.join(bundle::signer_path(
            d.uscc.as_str(),
            &key.key_id().to_string(),
        ));
        files::write_new(&path, pem("CERTIFICATE", der)?.as_bytes(), 0o644, true)?;
        signers += 1;
    }

    let list = StatusList {
        format: STATUS_FORMAT.to_owned(),
        generated_at: generated.format(&Rfc3339)?,
        licences: statuses
            .iter()
            .map(|s| {
                Ok(StatusEntry {
                    identifier: s.identifier.clone(),
                    status: s.status.as_str().to_owned(),
                    reason: s.reason.clone(),
                    as_of: rfc3339(s.updated_at)?,
                    record_sha256: Some(hex::encode(s.record_sha256)),
                    record_sm3: Some(hex::encode(s.record_sm3)),
                })
            })
            .collect::<Result<_>>()?,
        seals,
    };
    let json = list.to_json()?;
    files::write_new(&args.out.join(STATUS_FILE), json.as_bytes(), 0o644, true)?;
    writeln!(
        out,
        "wrote verifier bundle {}: {anchors} anchor(s), {intermediates} intermediate(s), {crls} \
         CRL(s), {signers} department certificate(s), {} licence status(es) and {} seal(s) as \
         of {}",
        args.out.display(),
        list.licences.len(),
        list.seals.len(),
        list.generated_at
    )?;
    if anchors == 0 {
        writeln!(
            out,
            "note: no trust anchors (no --trust): verifiers will not check certificate chains"
        )?;
    }
    Ok(Exit::Valid)
}

/// Every seal the library made, with what a verifier judges a stamp by.
async fn seal_entries(
    store: &Store,
    departments: &[zhengku_store::Department],
) -> Result<Vec<SealEntry>> {
    let mut out = Vec::new();
    for d in departments {
        for s in store.seals_of_department(d.uscc.as_str()).await? {
            let esid = s.seal.esid.clone();
            let last = store.seal_events(&esid).await?.pop();
            let compromised = store.seal_key_compromised(&esid).await?;
            let fingerprint = zhengku_verify::seal::seal_fingerprint(&s.seal.esl)
                .map_err(|e| anyhow!("seal {esid} as stored does not decode: {e}"))?;
            out.push(SealEntry {
                esid,
                status: s.status.as_str().to_owned(),
                valid_start: s.seal.valid_start,
                valid_end: s.seal.valid_end,
                changed_at: last.as_ref().map(|e| e.at),
                key_compromise: compromised.is_some(),
                reason: last.map(|e| e.reason),
                fingerprint: hex::encode(fingerprint),
            });
        }
    }
    out.sort_by(|a, b| a.esid.cmp(&b.esid));
    Ok(out)
}
