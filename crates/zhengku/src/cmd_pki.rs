//! `zhengku pki …`: running the SM2 and P-256 certificate
//! authorities from the command line. The CA keys stay in the key store (a PKCS#11 token in
//! production, `keys-dev/keys` in development); this module only keeps the public record:
//!
//! ```text
//! <dir>/<alg>/root.crt, issuing.crt      CA certificates (PEM)
//! <dir>/<alg>/root.crl, issuing.crl      current CRLs (PEM)
//! <dir>/<alg>/issued/<serial>.crt        every certificate issued (PEM)
//! <dir>/<alg>/state.json                 CRL numbers, issued and revoked serials
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, PublicKey, Signer};
use zhengku_model::codes::Uscc;
use zhengku_pki::ca::{self, CaPair, CaRecord};
use zhengku_pki::{
    CertKind, Purpose, Revocation, RevocationReason, Serial, SubjectInfo, ValidationInput, validate,
};

use crate::cli::{
    AlgArg, CertKindArg, KeystoreArgs, PkiArgs, PkiCommand, PkiCrlArgs, PkiInitArgs, PkiIssueArgs,
    PkiRevokeArgs, PkiVerifyArgs, PurposeArg,
};
use crate::cmd_keys::open_keystore;
use crate::{Exit, files};

pub fn run(args: PkiArgs, out: &mut dyn Write) -> Result<Exit> {
    match args.command {
        PkiCommand::Init(a) => init(&args.dir, &args.keystore, a, out),
        PkiCommand::Issue(a) => issue(&args.dir, &args.keystore, a, out),
        PkiCommand::Revoke(a) => revoke(&args.dir, &args.keystore, a, out),
        PkiCommand::Crl(a) => crl(&args.dir, &args.keystore, a, out),
        PkiCommand::Verify(a) => verify(&args.dir, a, out),
    }
}

fn alg_dir(dir: &Path, alg: Algorithm) -> PathBuf {
    dir.join(alg.short_name())
}

fn load_state(dir: &Path, alg: Algorithm) -> Result<CaRecord> {
    let path = alg_dir(dir, alg).join("state.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "no {alg} PKI in {} (run `zhengku pki init` first)",
            dir.display()
        )
    })?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))
}

fn save_state(dir: &Path, alg: Algorithm, state: &CaRecord) -> Result<()> {
    let path = alg_dir(dir, alg).join("state.json");
    files::write_new(&path, &serde_json::to_vec_pretty(state)?, 0o644, true)
}

fn write_pem(path: &Path, label: &'static str, der: &[u8]) -> Result<()> {
    let pem = pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map_err(|e| anyhow::anyhow!("PEM encoding failed: {e}"))?;
    files::write_new(path, pem.as_bytes(), 0o644, true)
}

/// Reads a certificate or CRL file: one PEM block, or DER.
fn read_der(path: &Path) -> Result<Vec<u8>> {
    let bytes = files::read_small(path)?;
    let mut blocks = zhengku_trust::der_blocks(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    match blocks.pop() {
        Some((_, der)) if blocks.is_empty() => Ok(der),
        _ => Err(anyhow::anyhow!(
            "{} holds {} certificates or CRLs (expected one)",
            path.display(),
            blocks.len() + 1
        )),
    }
}

fn algs_or_all(algs: &[AlgArg]) -> Vec<Algorithm> {
    if algs.is_empty() {
        Algorithm::ALL.to_vec()
    } else {
        algs.iter().map(|&a| a.into()).collect()
    }
}

fn now() -> OffsetDateTime {
    // Certificates carry whole seconds.
    let t = OffsetDateTime::now_utc();
    t - Duration::nanoseconds(i64::from(t.nanosecond()))
}

fn init(dir: &Path, ks: &KeystoreArgs, args: PkiInitArgs, out: &mut dyn Write) -> Result<Exit> {
    let store = open_keystore(ks)?;
    for alg in algs_or_all(&args.algs) {
        let adir = alg_dir(dir, alg);
        if adir.join("state.json").exists() && !args.force {
            bail!(
                "{} already holds a {alg} PKI (use --force to replace it)",
                adir.display()
            );
        }
        std::fs::create_dir_all(adir.join("issued"))
            .with_context(|| format!("cannot create {}", adir.display()))?;
        let stamp = now();
        // Labels carry the creation time, so --force never collides with old CA keys.
        let suffix = stamp.unix_timestamp();
        let root_label = format!("zhengku-{}-root-ca-{suffix}", alg.short_name());
        let issuing_label = format!("zhengku-{}-issuing-ca-{suffix}", alg.short_name());
        let root_key = store.generate(&root_label, alg)?;
        let issuing_key = store.generate(&issuing_label, alg)?;
        let pair = ca::make_pair(
            alg,
            &args.organisation,
            &args.crl_base_url,
            root_key.as_ref(),
            issuing_key.as_ref(),
            stamp,
        )?;
        write_pem(&adir.join("root.crt"), "CERTIFICATE", &pair.root)?;
        write_pem(&adir.join("issuing.crt"), "CERTIFICATE", &pair.issuing)?;
        let mut state = CaRecord::new(root_label, issuing_label, &args.crl_base_url);
        publish_crls(
            &adir,
            &mut state,
            &pair,
            root_key.as_ref(),
            issuing_key.as_ref(),
        )?;
        save_state(dir, alg, &state)?;
        writeln!(
            out,
            "{alg}: root CA {} and issuing CA {} (keys {} and {}) in {}",
            root_key.key_id(),
            issuing_key.key_id(),
            state.root_label,
            state.issuing_label,
            adir.display()
        )?;
    }
    Ok(Exit::Valid)
}

/// Publishes fresh CRLs from both CAs with the next CRL numbers.
fn publish_crls(
    adir: &Path,
    state: &mut CaRecord,
    pair: &CaPair,
    root_key: &dyn Signer,
    issuing_key: &dyn Signer,
) -> Result<()> {
    let (root_crl, issuing_crl) = state.publish_crls(pair, root_key, issuing_key, now())?;
    write_pem(&adir.join("root.crl"), "X509 CRL", &root_crl)?;
    write_pem(&adir.join("issuing.crl"), "X509 CRL", &issuing_crl)?;
    Ok(())
}

/// The CA certificates of one algorithm, as `init` wrote them.
fn read_pair(adir: &Path) -> Result<CaPair> {
    Ok(CaPair {
        root: read_der(&adir.join("root.crt"))?,
        issuing: read_der(&adir.join("issuing.crt"))?,
    })
}

fn issue(dir: &Path, ks: &KeystoreArgs, args: PkiIssueArgs, out: &mut dyn Write) -> Result<Exit> {
    let alg: Algorithm = args.alg.into();
    let mut state = load_state(dir, alg)?;
    let adir = alg_dir(dir, alg);
    if args.days <= 0 {
        bail!("--days must be positive");
    }
    let store = open_keystore(ks)?;
    let issuing_key = store.signer(&state.issuing_label)?;
    let pair = read_pair(&adir)?;

    let uscc = args
        .uscc
        .as_deref()
        .map(Uscc::parse)
        .transpose()
        .context("--uscc")?;
    let (kind, needs_uscc) = match args.kind {
        CertKindArg::Department => (CertKind::Department, true),
        CertKindArg::SealMaker => (CertKind::SealMaker, true),
        CertKindArg::Seal => (CertKind::Seal, true),
        CertKindArg::StatusSigner => (CertKind::StatusSigner, true),
        CertKindArg::ListSigner => (CertKind::ListSigner, true),
        CertKindArg::Server => (
            CertKind::Server {
                dns_names: args.dns_names.clone(),
                ip_addresses: args.ip_addresses.clone(),
            },
            false,
        ),
    };
    let subject = match uscc {
        Some(u) => SubjectInfo::organisation(args.name.clone(), u),
        None if needs_uscc => bail!(
            "--uscc is required for {:?} certificates (the organisation's unified social credit code)",
            args.kind
        ),
        None => SubjectInfo::named(args.name.clone()),
    };
    // The key: generated in the store, or an existing public key.
    let public: PublicKey = match (&args.label, &args.public_key) {
        (Some(label), None) => store.generate(label, alg)?.public_key().clone(),
        (None, Some(path)) => PublicKey::from_pem(&files::read_text(path)?)
            .with_context(|| format!("cannot read public key {}", path.display()))?,
        _ => bail!("give --label (generate the key in the key store) or --public-key"),
    };
    let (serial, cert) = state.issue(
        alg,
        &pair,
        issuing_key.as_ref(),
        kind,
        (&format!("{:?}", args.kind).to_lowercase(), &args.name),
        subject,
        &public,
        args.label.as_deref(),
        args.days,
        now(),
    )?;
    let serial = serial.to_hex();
    write_pem(
        &adir.join("issued").join(format!("{serial}.crt")),
        "CERTIFICATE",
        &cert,
    )?;
    if let Some(path) = &args.out {
        write_pem(path, "CERTIFICATE", &cert)?;
    }
    save_state(dir, alg, &state)?;
    writeln!(
        out,
        "issued {alg} {:?} certificate serial {serial} for {} (key {}){}",
        args.kind,
        args.name,
        public.key_id(),
        args.out
            .as_ref()
            .map(|p| format!(" -> {}", p.display()))
            .unwrap_or_default()
    )?;
    Ok(Exit::Valid)
}

fn revoke(dir: &Path, ks: &KeystoreArgs, args: PkiRevokeArgs, out: &mut dyn Write) -> Result<Exit> {
    let reason = RevocationReason::parse(&args.reason).with_context(|| {
        format!(
            "unknown reason {:?}; one of: {}",
            args.reason,
            RevocationReason::ALL.map(|r| r.name()).join(", ")
        )
    })?;
    let serial: Serial = args.serial.parse()?;
    let hex = serial.to_hex();
    // Find the hierarchy that issued it.
    let mut found = None;
    for alg in Algorithm::ALL {
        if let Ok(state) = load_state(dir, alg) {
            if state.has_issued(&hex) {
                found = Some((alg, state));
                break;
            }
        }
    }
    let Some((alg, mut state)) = found else {
        bail!(
            "serial {hex} was not issued by the CAs in {}",
            dir.display()
        );
    };
    state.revoke(&hex, reason, now())?;
    republish(dir, ks, alg, &mut state)?;
    writeln!(
        out,
        "revoked {alg} serial {hex} ({}); issuing CRL number {}",
        reason.name(),
        state.issuing_crl_number
    )?;
    Ok(Exit::Valid)
}

fn republish(dir: &Path, ks: &KeystoreArgs, alg: Algorithm, state: &mut CaRecord) -> Result<()> {
    let store = open_keystore(ks)?;
    let adir = alg_dir(dir, alg);
    let root_key = store.signer(&state.root_label)?;
    let issuing_key = store.signer(&state.issuing_label)?;
    let pair = read_pair(&adir)?;
    publish_crls(&adir, state, &pair, root_key.as_ref(), issuing_key.as_ref())?;
    save_state(dir, alg, state)
}

fn crl(dir: &Path, ks: &KeystoreArgs, args: PkiCrlArgs, out: &mut dyn Write) -> Result<Exit> {
    for alg in algs_or_all(&args.algs) {
        let Ok(mut state) = load_state(dir, alg) else {
            if args.algs.is_empty() {
                continue;
            }
            bail!("no {alg} PKI in {}", dir.display());
        };
        if let Some(days) = args.days {
            if !(1..=36_500).contains(&days) {
                bail!("--days {days}: give 1 to 36500");
            }
            state.crl_days = Some(days);
        }
        republish(dir, ks, alg, &mut state)?;
        writeln!(
            out,
            "{alg}: CRLs published (root number {}, issuing number {}), current for {} days",
            state.root_crl_number,
            state.issuing_crl_number,
            state.crl_days()
        )?;
    }
    Ok(Exit::Valid)
}

fn verify(dir: &Path, args: PkiVerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    let cert = read_der(&args.cert)?;
    let at = match &args.at {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .with_context(|| format!("--at {t:?} is not RFC 3339"))?,
        None => OffsetDateTime::now_utc(),
    };
    let (mut anchors, mut intermediates, mut crls) = (Vec::new(), Vec::new(), Vec::new());
    for alg in Algorithm::ALL {
        let adir = alg_dir(dir, alg);
        if !adir.join("root.crt").exists() {
            continue;
        }
        anchors.push(read_der(&adir.join("root.crt"))?);
        intermediates.push(read_der(&adir.join("issuing.crt"))?);
        for c in ["root.crl", "issuing.crl"] {
            if adir.join(c).exists() {
                crls.push(read_der(&adir.join(c))?);
            }
        }
    }
    if anchors.is_empty() {
        bail!("no PKI in {} (run `zhengku pki init` first)", dir.display());
    }
    let purpose = match args.purpose {
        PurposeArg::Licence => Purpose::LicenceSigning,
        PurposeArg::SealMaker => Purpose::SealMaking,
        PurposeArg::Seal => Purpose::SealStamping,
        PurposeArg::StatusSigner => Purpose::StatusSigning,
        PurposeArg::ListSigner => Purpose::ListSigning,
        PurposeArg::Server => Purpose::ServerAuth,
    };
    let input = ValidationInput {
        end_entity: &cert,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        time: at,
        revocation_at: at,
        purpose,
        revocation: if args.require_crl {
            Revocation::Required
        } else {
            Revocation::IfAvailable
        },
        signatures: &zhengku_crypto::Direct,
    };
    match validate(&input) {
        Ok(path) => {
            writeln!(
                out,
                "valid at {}: {}",
                at.format(&Rfc3339)?,
                path.chain[0].subject
            )?;
            for (i, c) in path.chain.iter().enumerate() {
                writeln!(
                    out,
                    "  {i}: {} (serial {}, until {})",
                    c.subject,
                    c.serial,
                    c.not_after.format(&Rfc3339)?
                )?;
            }
            if let Some(u) = &path.uscc {
                writeln!(out, "  统一社会信用代码: {u}")?;
            }
            writeln!(out, "  CRLs checked: {}", path.crls_checked)?;
            Ok(Exit::Valid)
        }
        Err(e) => {
            writeln!(out, "INVALID: {e}")?;
            Ok(Exit::Invalid)
        }
    }
}
