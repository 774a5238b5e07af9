//! `zhengku` (证库): the command-line tool for the electronic licence and seal library.
//!
//! Exit codes are a contract scripts rely on: 0 valid / done, 1 verification failed or a
//! value is invalid, 2 usage or input error (one readable line on stderr).
#![forbid(unsafe_code)]

mod cli;
mod cmd_audit;
mod cmd_bundle;
mod cmd_id;
mod cmd_keygen;
mod cmd_keys;
mod cmd_licence;
mod cmd_pki;
mod cmd_seal;
mod cmd_serve;
mod cmd_sig;
mod cmd_sync;
mod cmd_trust_list;
mod cmd_verify;
mod files;

use std::process::ExitCode;

use clap::Parser;

/// What a command concluded, when it ran to the end: its exit status (not a check's
/// outcome, which is `zhengku_verify::Outcome`).
pub enum Exit {
    /// Everything checked out (exit 0).
    Valid,
    /// Ran fine, and found something invalid (exit 1).
    Invalid,
    /// Ran fine, and something essential could not be established: 无法核验 (exit 2). The
    /// output already says what.
    Unverifiable,
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // The service writes to stdout from many threads (the bootstrap token, logs): it must
    // not run while this thread holds the stdout lock the other commands use.
    let args = match args.command {
        cli::Command::Serve(a) => return exit(cmd_serve::run(*a)),
        command => command,
    };
    let stdout = std::io::stdout();
    let out = &mut stdout.lock();
    let result = match args {
        cli::Command::Keygen(a) => cmd_keygen::run(a, out),
        cli::Command::Sig(cli::SigCommand::Sign(a)) => cmd_sig::sign(a, out),
        cli::Command::Sig(cli::SigCommand::Verify(a)) => cmd_sig::verify(a, out),
        cli::Command::Id(cli::IdCommand::Check(a)) => cmd_id::check(a, out),
        cli::Command::Licence(cli::LicenceCommand::Sign(a)) => cmd_licence::sign(a, out),
        cli::Command::Licence(cli::LicenceCommand::Verify(a)) => cmd_licence::verify(a, out),
        cli::Command::Licence(cli::LicenceCommand::Show(a)) => cmd_licence::show(a, out),
        cli::Command::Licence(cli::LicenceCommand::Render(a)) => cmd_licence::render(a, out),
        cli::Command::Pki(a) => cmd_pki::run(a, out),
        cli::Command::Keys(cli::KeysCommand::List(a)) => cmd_keys::list_keys(a, out),
        cli::Command::Audit(cli::AuditCommand::Export(a)) => cmd_audit::export(a, out),
        cli::Command::Audit(cli::AuditCommand::Verify(a)) => cmd_audit::verify(a, out),
        cli::Command::Serve(_) => unreachable_serve(),
        cli::Command::Openapi => cmd_serve::openapi(out),
        cli::Command::Seal(cli::SealCommand::Draw(a)) => cmd_seal::draw(a, out),
        cli::Command::Seal(cli::SealCommand::Make(a)) => cmd_seal::make(a, out),
        cli::Command::Seal(cli::SealCommand::Stamp(a)) => cmd_seal::stamp(a, out),
        cli::Command::Seal(cli::SealCommand::Inspect(a)) => cmd_seal::inspect(a, out),
        cli::Command::Seal(cli::SealCommand::Verify(a)) => cmd_seal::verify(a, out),
        cli::Command::Verify(a) => cmd_verify::run(a, out),
        cli::Command::Bundle(cli::BundleCommand::Export(a)) => cmd_bundle::export(a, out),
        cli::Command::Sync(a) => cmd_sync::run(a, out),
        cli::Command::TrustList(cli::TrustListCommand::Make(a)) => cmd_trust_list::make(a, out),
        cli::Command::TrustList(cli::TrustListCommand::Show(a)) => cmd_trust_list::show(a, out),
        cli::Command::TrustList(cli::TrustListCommand::Verify(a)) => cmd_trust_list::verify(a, out),
    };
    exit(result)
}

/// `serve` is dispatched before stdout is locked.
fn unreachable_serve() -> anyhow::Result<Exit> {
    anyhow::bail!("internal: serve dispatched twice")
}

fn exit(result: anyhow::Result<Exit>) -> ExitCode {
    match result {
        Ok(Exit::Valid) => ExitCode::SUCCESS,
        Ok(Exit::Invalid) => ExitCode::from(1),
        Ok(Exit::Unverifiable) => ExitCode::from(2),
        // The reader went away (`zhengku … | head`): nothing more to say, and no one to say
        // it to. Exit 2 because the command did not finish.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(2)
        }
        Err(e) => {
            // One line: the error and its causes, outermost first.
            eprintln!("zhengku: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
