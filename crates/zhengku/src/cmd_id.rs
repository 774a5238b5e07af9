//! `zhengku id check`: placeholder until the model crate lands.
use crate::Outcome;
use crate::cli::IdCheckArgs;
use anyhow::Result;
pub fn check(_args: IdCheckArgs) -> Result<Outcome> {
    Ok(Outcome::Invalid)
}
