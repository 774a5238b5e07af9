//! `zhengku sig sign|verify`: detached signatures over files, interoperable with
//! `openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:…` (SM2) and `openssl dgst -sha256`
//! (P-256).

use std::io::Write;

use anyhow::{Context, Result};
use zhengku_crypto::{DistId, PrivateKey, PublicKey, Signature, SignatureError, Signer};

use crate::cli::{SignArgs, VerifyArgs};
use crate::{Exit, files};

pub fn sign(args: SignArgs, out: &mut dyn Write) -> Result<Exit> {
    let pem = zeroize::Zeroizing::new(files::read_text(&args.key)?);
    let mut key = PrivateKey::from_pem(&pem)
        .with_context(|| format!("cannot read private key {}", args.key.display()))?;
    if let Some(id) = args.distid {
        key = key.with_dist_id(DistId::new(id)?)?;
    }
    let mut hasher = key.public_key().message_hasher();
    files::stream_into(&args.input, &mut hasher)?;
    let sig = key.sign_prehash(&hasher.finalize())?;
    files::write_new(&args.out, &sig.to_der(), 0o644, true)?;
    writeln!(
        out,
        "signed {} with {} key {} -> {}",
        args.input.display(),
        key.algorithm(),
        key.key_id(),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}

pub fn verify(args: VerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    let mut key = PublicKey::from_pem(&files::read_text(&args.public)?)
        .with_context(|| format!("cannot read public key {}", args.public.display()))?;
    if let Some(id) = args.distid {
        key = key.with_dist_id(DistId::new(id)?)?;
    }
    let raw = files::read_small(&args.sig)?;
    let sig = read_signature(&key, &raw)
        .with_context(|| format!("cannot read signature {}", args.sig.display()))?;
    let mut hasher = key.message_hasher();
    files::stream_into(&args.input, &mut hasher)?;
    match key.verify_prehash(&hasher.finalize(), &sig) {
        Ok(()) => {
            writeln!(
                out,
                "valid: {} signature by key {}",
                key.algorithm(),
                key.key_id()
            )?;
            Ok(Exit::Valid)
        }
        Err(e) => {
            writeln!(out, "INVALID: {e} (key {})", key.key_id())?;
            Ok(Exit::Invalid)
        }
    }
}

/// DER is what zhengku and OpenSSL write; raw 64-byte r||s is accepted too (lenient on
/// input) when the bytes are not a valid DER signature. The DER error is the one reported,
/// since DER is what a file is expected to hold.
fn read_signature(key: &PublicKey, raw: &[u8]) -> Result<Signature, SignatureError> {
    let alg = key.algorithm();
    Signature::from_der(alg, raw).or_else(|der_err| {
        if raw.len() == 64 {
            Signature::from_raw(alg, raw).map_err(|_| der_err)
        } else {
            Err(der_err)
        }
    })
}
