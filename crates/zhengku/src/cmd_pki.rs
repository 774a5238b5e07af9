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
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, PublicKey, Signer};
use zhengku_model::codes::Uscc;
use zhengku_pki::{
    CertKind, CertificateParams, Issuer, Purpose, Revocation, RevocationReason, Revoked, Serial,
    SubjectInfo, ValidationInput, issue_certificate, issue_crl, validate,
};

use crate::cli::{
    AlgArg, CertKindArg, KeystoreArgs, PkiArgs, PkiCommand, PkiCrlArgs, PkiInitArgs, PkiIssueArgs,
    PkiRevokeArgs, PkiVerifyArgs, PurposeArg,
};
use crate::cmd_keys::open_keystore;
use crate::{Outcome, files};

/// How long CRLs stay current; `zhengku pki crl` (or a revocation) publishes fresh ones.
const CRL_DAYS: i64 = 30;

pub fn run(args: PkiArgs, out: &mut dyn Write) -> Result<Outcome> {
    match args.command {
        PkiCommand::Init(a) => init(&args.dir, &args.keystore, a, out),
        PkiCommand::Issue(a) => issue(&args.dir, &args.keystore, a, out),
        PkiCommand::Revoke(a) => revoke(&args.dir, &args.keystore, a, out),
        PkiCommand::Crl(a) => crl(&args.dir, &args.keystore, a, out),
        PkiCommand::Verify(a) => verify(&args.dir, a, out),
    }
}

/// The public record of one algorithm's CAs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Key-store labels of the CA keys.
    root_label: String,
    issuing_label: String,
    crl_base_url: String,
    /// CRL number each CA used last.
    root_crl_number: u64,
    issuing_crl_number: u64,
    issued: Vec<IssuedEntry>,
    revoked: Vec<RevokedEntry>,
    /// How long each published CRL is current (nextUpdate − thisUpdate), days; absent:
    /// [`CRL_DAYS`]. Set by `pki crl --days` and kept for later revocations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crl_days: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IssuedEntry {
    serial: String,
    kind: String,
    subject: String,
    key_label: Option<String>,
    not_after: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct RevokedEntry {
    serial: String,
    at: String,
    reason: String,
}

fn alg_dir(dir: &Path, alg: Algorithm) -> PathBuf {
    dir.join(alg.short_name())
}

fn load_state(dir: &Path, alg: Algorithm) -> Result<State> {
    let path = alg_dir(dir, alg).join("state.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "no {alg} PKI in {} (run `zhengku pki init` first)",
            dir.display()
        )
    })?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))
}

fn save_state(dir: &Path, alg: Algorithm, state: &State) -> Result<()> {
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

fn init(dir: &Path, ks: &KeystoreArgs, args: PkiInitArgs, out: &mut dyn Write) -> Result<Outcome> {
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
        let base = args.crl_base_url.trim_end_matches('/');
        let crl_url = |ca: &str| format!("{base}/{}/{ca}.crl", alg.short_name());

        let alg_name = match alg {
            Algorithm::Sm2Sm3 => "SM2",
            _ => "P-256",
        };
        let ca_params = |kind, role: &str, years: i64, crl_url| -> Result<CertificateParams> {
            let mut subject =
                SubjectInfo::named(format!("{} {alg_name} {role}", args.organisation));
            subject.organisation = Some(args.organisation.clone());
            Ok(CertificateParams {
                kind,
                subject,
                serial: Serial::random()?,
                not_before: stamp - Duration::minutes(5),
                not_after: stamp + Duration::days(365 * years),
                crl_url,
            })
        };
        let root = issue_certificate(
            &Issuer::SelfSigned(root_key.as_ref()),
            root_key.public_key(),
            &ca_params(CertKind::RootCa, "根CA", 20, None)?,
        )?;
        let issuing = issue_certificate(
            &Issuer::Ca {
                certificate: &root,
                signer: root_key.as_ref(),
            },
            issuing_key.public_key(),
            &ca_params(CertKind::IssuingCa, "签发CA", 10, Some(crl_url("root")))?,
        )?;
        write_pem(&adir.join("root.crt"), "CERTIFICATE", &root)?;
        write_pem(&adir.join("issuing.crt"), "CERTIFICATE", &issuing)?;
        let mut state = State {
            root_label,
            issuing_label,
            crl_base_url: base.to_owned(),
            ..State::default()
        };
        publish_crls(
            &adir,
            &mut state,
            root_key.as_ref(),
            issuing_key.as_ref(),
            &root,
            &issuing,
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
    Ok(Outcome::Valid)
}

/// Issues fresh CRLs from both CAs with the next CRL numbers.
fn publish_crls(
    adir: &Path,
    state: &mut State,
    root_key: &dyn Signer,
    issuing_key: &dyn Signer,
    root: &[u8],
    issuing: &[u8],
) -> Result<()> {
    let stamp = now();
    let next = stamp + Duration::days(state.crl_days.unwrap_or(CRL_DAYS));
    let revoked = state
        .revoked
        .iter()
        .map(|r| -> Result<Revoked> {
            Ok(Revoked {
                serial: r.serial.parse()?,
                at: OffsetDateTime::parse(&r.at, &Rfc3339)?,
                reason: RevocationReason::parse(&r.reason)
                    .with_context(|| format!("unknown reason {}", r.reason))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    state.root_crl_number += 1;
    state.issuing_crl_number += 1;
    // Only end-entity certificates are revoked through this tool; the root's CRL lists none.
    let root_crl = issue_crl(root, root_key, state.root_crl_number, stamp, next, &[])?;
    let issuing_crl = issue_crl(
        issuing,
        issuing_key,
        state.issuing_crl_number,
        stamp,
        next,
        &revoked,
    )?;
    write_pem(&adir.join("root.crl"), "X509 CRL", &root_crl)?;
    write_pem(&adir.join("issuing.crl"), "X509 CRL", &issuing_crl)?;
    Ok(())
}

fn issue(
    dir: &Path,
    ks: &KeystoreArgs,
    args: PkiIssueArgs,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let alg: Algorithm = args.alg.into();
    let mut state = load_state(dir, alg)?;
    let adir = alg_dir(dir, alg);
    if args.days <= 0 {
        bail!("--days must be positive");
    }
    let store = open_keystore(ks)?;
    let issuing_key = store.signer(&state.issuing_label)?;
    let issuing = read_der(&adir.join("issuing.crt"))?;

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
    if public.algorithm() != alg {
        bail!(
            "the key is {}, but the {alg} CA was chosen",
            public.algorithm()
        );
    }
    let stamp = now();
    let params = CertificateParams {
        kind,
        subject,
        serial: Serial::random()?,
        not_before: stamp - Duration::minutes(5),
        not_after: stamp + Duration::days(args.days),
        crl_url: Some(format!(
            "{}/{}/issuing.crl",
            state.crl_base_url,
            alg.short_name()
        )),
    };
    let cert = issue_certificate(
        &Issuer::Ca {
            certificate: &issuing,
            signer: issuing_key.as_ref(),
        },
        &public,
        &params,
    )?;
    let serial = params.serial.to_hex();
    write_pem(
        &adir.join("issued").join(format!("{serial}.crt")),
        "CERTIFICATE",
        &cert,
    )?;
    if let Some(path) = &args.out {
        write_pem(path, "CERTIFICATE", &cert)?;
    }
    state.issued.push(IssuedEntry {
        serial: serial.clone(),
        kind: format!("{:?}", args.kind).to_lowercase(),
        subject: args.name.clone(),
        key_label: args.label.clone(),
        not_after: params.not_after.format(&Rfc3339)?,
    });
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
    Ok(Outcome::Valid)
}

fn revoke(
    dir: &Path,
    ks: &KeystoreArgs,
    args: PkiRevokeArgs,
    out: &mut dyn Write,
) -> Result<Outcome> {
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
            if state.issued.iter().any(|e| e.serial == hex) {
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
    if state.revoked.iter().any(|r| r.serial == hex) {
        bail!("serial {hex} is already revoked");
    }
    state.revoked.push(RevokedEntry {
        serial: hex.clone(),
        at: now().format(&Rfc3339)?,
        reason: reason.name().to_owned(),
    });
    republish(dir, ks, alg, &mut state)?;
    writeln!(
        out,
        "revoked {alg} serial {hex} ({}); issuing CRL number {}",
        reason.name(),
        state.issuing_crl_number
    )?;
    Ok(Outcome::Valid)
}

fn republish(dir: &Path, ks: &KeystoreArgs, alg: Algorithm, state: &mut State) -> Result<()> {
    let store = open_keystore(ks)?;
    let adir = alg_dir(dir, alg);
    let root_key = store.signer(&state.root_label)?;
    let issuing_key = store.signer(&state.issuing_label)?;
    let root = read_der(&adir.join("root.crt"))?;
    let issuing = read_der(&adir.join("issuing.crt"))?;
    publish_crls(
        &adir,
        state,
        root_key.as_ref(),
        issuing_key.as_ref(),
        &root,
        &issuing,
    )?;
    save_state(dir, alg, state)
}

fn crl(dir: &Path, ks: &KeystoreArgs, args: PkiCrlArgs, out: &mut dyn Write) -> Result<Outcome> {
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
            state.crl_days.unwrap_or(CRL_DAYS)
        )?;
    }
    Ok(Outcome::Valid)
}

fn verify(dir: &Path, args: PkiVerifyArgs, out: &mut dyn Write) -> Result<Outcome> {
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
            Ok(Outcome::Valid)
        }
        Err(e) => {
            writeln!(out, "INVALID: {e}")?;
            Ok(Outcome::Invalid)
        }
    }
}
