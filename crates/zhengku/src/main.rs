//! `zhengku` (证库): the command-line tool for the electronic licence and seal library.
//!
//! Exit codes are a contract scripts rely on: 0 valid / done, 1 verification failed or a
//! value is invalid, 2 usage or input error (one readable line on stderr).

mod cli;
mod cmd_id;
mod cmd_keygen;
mod cmd_sig;
mod files;

use std::process::ExitCode;

use clap::Parser;

/// What a command concluded, when it ran to the end.
pub enum Outcome {
    /// Everything checked out (exit 0).
    Valid,
    /// Ran fine, and found something invalid (exit 1).
    Invalid,
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Keygen(a) => cmd_keygen::run(a),
        cli::Command::Sig(cli::SigCommand::Sign(a)) => cmd_sig::sign(a),
        cli::Command::Sig(cli::SigCommand::Verify(a)) => cmd_sig::verify(a),
        cli::Command::Id(cli::IdCommand::Check(a)) => cmd_id::check(a),
    };
    match result {
        Ok(Outcome::Valid) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(1),
        Err(e) => {
            // One line: the error and its causes, outermost first.
            eprintln!("zhengku: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
