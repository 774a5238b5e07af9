//! `zhengku trust-list make|show|verify`: the region's trust list and signer list. The
//! format and the rules (seq, prev, the signer list named by hash, acceptance against a
//! pinned key) are `zhengku_trustlist`'s; this reads the settings and files, opens the key
//! store, and writes or prints.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zhengku_crypto::Direct;
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_trust::synced::{SIGNERS, TRUST_LIST};
use zhengku_trust::{cert_file, certificates_in, read_bounded};
use zhengku_trustlist::{Operator, RegionInfo, Role, TrustList};

use crate::cli::{TrustListMakeArgs, TrustListShowArgs, TrustListVerifyArgs};
use crate::cmd_keys::open_keystore;
use crate::{Exit, files};

/// Largest list read (a signer list of thousands of certificates).
const MAX_LIST_LEN: u64 = zhengku_trustlist::MAX_SIGNER_LIST_LEN as u64;

/// `--config`: the region's settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    region: String,
    division: String,
    base_url: String,
    signing_label: String,
    operator: OperatorConfig,
    #[serde(default)]
    certs: BTreeMap<String, Vec<PathBuf>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorConfig {
    name: String,
    uscc: String,
}

fn unix_now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

fn time_text(t: u64) -> String {
    i64::try_from(t)
        .ok()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

pub fn make(args: TrustListMakeArgs, out: &mut dyn Write) -> Result<Exit> {
    let text = files::read_text(&args.config)?;
    let config: Config =
        toml::from_str(&text).with_context(|| format!("{}", args.config.display()))?;
    let base = args.config.parent().unwrap_or(Path::new("."));
    let region = RegionInfo {
        region: config.region.clone(),
        division: AreaCode::parse(&config.division).context("division")?,
        operator: Operator {
            name: config.operator.name.clone(),
            uscc: Uscc::parse(&config.operator.uscc).context("operator.uscc")?,
        },
        base_url: config.base_url.clone(),
    };
    let mut certs = Vec::new();
    for (role, paths) in &config.certs {
        let role = Role::parse(role).ok_or_else(|| {
            anyhow!(
                "{}: unknown role {role:?} (roles: {})",
                args.config.display(),
                Role::ALL.map(Role::as_str).join(", ")
            )
        })?;
        for p in paths {
            for der in certificates_in(&base.join(p))? {
                certs.push((role, der));
            }
        }
    }
    let mut departments = Vec::new();
    for p in &args.signer_certs {
        departments.extend(certificates_in(p)?);
    }
    if let Some(url) = &args.database_url {
        departments.extend(database_certificates(url)?);
    }
    let previous_path = args.out.join(TRUST_LIST);
    let previous = previous_path
        .is_file()
        .then(|| read_bounded(&previous_path, MAX_LIST_LEN))
        .transpose()?;
    let signer = open_keystore(&args.keystore)?
        .signer(&config.signing_label)
        .with_context(|| format!("the list key {:?}", config.signing_label))?;
    let made = zhengku_trustlist::make(
        &region,
        certs,
        departments,
        previous.as_deref(),
        unix_now(),
        args.validity_hours.saturating_mul(3600),
        signer.as_ref(),
    )?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    // The signer list first: a crash between the two leaves the old trust list, which
    // names the old signer list by hash, so verifiers refuse the pair and keep theirs
    // until `make` runs again.
    files::write_new(&args.out.join(SIGNERS), &made.signer_list, 0o644, true)?;
    files::write_new(&args.out.join(TRUST_LIST), &made.trust_list, 0o644, true)?;
    let l = &made.list;
    writeln!(
        out,
        "made trust list {} seq {} ({} certificate(s)) and its signer list ({} department \
         certificate(s)), valid until {} -> {}",
        l.region,
        l.seq,
        l.certs.len(),
        made.departments,
        time_text(l.next_update),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

/// Every department certificate registered in the library's database.
fn database_certificates(url: &str) -> Result<Vec<Vec<u8>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = zhengku_store::Store::connect(url)
            .await
            .map_err(|e| anyhow!("cannot open the library database: {e}"))?;
        let departments = store.list_departments().await;
        store.close().await;
        let departments = departments.map_err(|e| anyhow!("cannot read the departments: {e}"))?;
        Ok(departments
            .into_iter()
            .filter_map(|d| d.certificate_der)
            .collect())
    })
}

/// The trust list at `path`, or in the folder `path`.
fn list_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(TRUST_LIST)
    } else {
        path.to_owned()
    }
}

pub fn show(args: TrustListShowArgs, out: &mut dyn Write) -> Result<Exit> {
    let path = list_path(&args.list);
    let bytes = read_bounded(&path, MAX_LIST_LEN)?;
    let l = zhengku_trustlist::read_unverified(&bytes)
        .with_context(|| format!("{}", path.display()))?;
    print_list(out, &l)?;
    writeln!(
        out,
        "(signature not checked: `zhengku trust-list verify --pin CERT`)"
    )?;
    Ok(Exit::Valid)
}

fn print_list(out: &mut dyn Write, l: &TrustList) -> Result<()> {
    writeln!(
        out,
        "trust list {} ({}) seq {}",
        l.region,
        l.division.as_str(),
        l.seq
    )?;
    writeln!(
        out,
        "  prev: {}",
        l.prev
            .map_or_else(|| "none (the first list)".into(), hex::encode)
    )?;
    writeln!(out, "  issued: {}", time_text(l.issued))?;
    writeln!(out, "  next_update: {}", time_text(l.next_update))?;
    writeln!(
        out,
        "  operator: {} ({})",
        l.operator.name,
        l.operator.uscc.as_str()
    )?;
    writeln!(out, "  base_url: {}", l.base_url)?;
    writeln!(out, "  status_list_uri: {}", l.status_list_uri)?;
    writeln!(out, "  signer list: sha256 {}", hex::encode(l.signers))?;
    for (role, der) in &l.certs {
        let subject = zhengku_pki::CertView::parse(der)
            .map_or_else(|e| format!("unreadable: {e}"), |c| c.subject);
        writeln!(out, "  {}: {subject}", role.as_str())?;
    }
    Ok(())
}

pub fn verify(args: TrustListVerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    let at = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    let pin = cert_file(&args.pin).context("--pin")?;
    let key = zhengku_trustlist::list_signer_key(&pin, at)
        .with_context(|| format!("--pin {}", args.pin.display()))?;
    let trust = read_bounded(&args.dir.join(TRUST_LIST), MAX_LIST_LEN)?;
    let signers = read_bounded(&args.dir.join(SIGNERS), MAX_LIST_LEN)?;
    match zhengku_trustlist::accept(&key, None, &trust, &signers, at, &Direct) {
        Ok(a) => {
            print_list(out, &a.list)?;
            writeln!(
                out,
                "valid: signed by the pinned list signer, signer list of {} department \
                 certificate(s) as named, current until {}",
                a.signers.certs.len(),
                time_text(a.list.next_update)
            )?;
            Ok(Exit::Valid)
        }
        Err(e) => {
            writeln!(out, "INVALID: {e}")?;
            Ok(Exit::Invalid)
        }
    }
}
