//! `zhengku serve` and `zhengku openapi`: the service, started from the command line.

use std::io::Write;

use anyhow::{Context, Result};
use zeroize::Zeroizing;
use zhengku_server::{Config, Overrides};

use crate::Exit;
use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> Result<Exit> {
    let mode = if args.dev {
        Some(zhengku_server::Mode::Development)
    } else {
        args.mode.as_deref().map(str::parse).transpose()?
    };
    let config = Config::resolve(Overrides {
        config_file: args.config,
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        mode,
        templates_dir: args.templates,
        keys_dev_dir: args.keys_dev,
        keystore: args.keystore,
        log_format: args.log_format.as_deref().map(str::parse).transpose()?,
        body_limit: args.body_limit,
        public_base_url: args.public_base_url,
        font: args.font,
        trust_dir: args.trust,
        verify_concurrency: args.verify_concurrency,
        verify_timeout_ms: args.verify_timeout_ms,
        verify_key_budget_mib: args.verify_key_budget_mib,
        status_refresh_secs: args.status_refresh_secs,
        status_ttl_secs: args.status_ttl_secs,
        status_exp_secs: args.status_exp_secs,
    })?;
    zhengku_server::init_tracing(config.log_format);
    // The token is a secret: read from the environment only (a flag would show in `ps`).
    let token = std::env::var(zhengku_server::bootstrap::TOKEN_ENV)
        .ok()
        .filter(|t| !t.is_empty())
        .map(Zeroizing::new);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(zhengku_server::serve(config, token))?;
    Ok(Exit::Valid)
}

pub fn openapi(out: &mut dyn Write) -> Result<Exit> {
    out.write_all(zhengku_server::openapi::document_json().as_bytes())?;
    Ok(Exit::Valid)
}
