//! `zhengku id check`: placeholder until the model crate lands.
use anyhow::Result;
use crate::cli::IdCheckArgs;
use crate::Outcome;
pub fn check(_args: IdCheckArgs) -> Result<Outcome> {
    Ok(Outcome::Invalid)
}
