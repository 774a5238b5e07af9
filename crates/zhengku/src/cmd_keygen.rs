//! `zhengku keygen`: make a development or test key pair.

use std::io::Write;

use anyhow::{Result, bail};
use zhengku_crypto::PrivateKey;

use crate::cli::KeygenArgs;
use crate::{Exit, files};

pub fn run(args: KeygenArgs, out: &mut dyn Write) -> Result<Exit> {
    if args.pub_out.as_deref() == Some(args.out.as_path()) {
        bail!("--out and --pub-out name the same file");
    }
    let key = PrivateKey::generate(args.alg.into())?;
    files::write_new(&args.out, key.to_pkcs8_pem().as_bytes(), 0o600, args.force)?;
    if let Some(pub_out) = &args.pub_out {
        files::write_new(
            pub_out,
            key.public_key().to_pem().as_bytes(),
            0o644,
            args.force,
        )?;
    }
    let public = key.public_key();
    writeln!(
        out,
        "generated {} key {} -> {}",
        public.algorithm(),
        public.key_id(),
        args.out.display()
    )?;
    Ok(Exit::Valid)
}
