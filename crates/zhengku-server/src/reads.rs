//! Reads of personal data, closed-loop (数据调用全程留痕): who may read a licence (its record,
//! PDF or QR code), why, and the audit entry every read leaves.
//!
//! - the issuing department, with any of its keys: audited as `licence.read`, with the use
//!   cause it gives or, when it gives none, [`ISSUER_CAUSE`];
//! - an administrator: must state a use cause (用证事由), audited as `licence.read`;
//! - another department: needs the `reuse` scope and a use cause, audited as
//!   `licence.reuse` (as a reuse lookup is).
//!
//! The audit entry is written before the data is handed out; a read that cannot be audited
//! does not happen.

use zhengku_model::LicenceId;
use zhengku_store::{MAX_USE_CAUSE_CHARS, StoredLicence};

use crate::auth::Principal;
use crate::problem::ApiError;
use crate::state::AppState;

/// The use cause recorded when the issuing department reads its own licence without one.
pub const ISSUER_CAUSE: &str = "发证机关调阅本机关证照";

/// Checks a use cause: present (unless `optional`) and at most
/// [`MAX_USE_CAUSE_CHARS`] characters. `Ok(None)`: none given and none needed.
pub fn use_cause(given: Option<&str>, optional: bool) -> Result<Option<&str>, ApiError> {
    let cause = given.map(str::trim).filter(|c| !c.is_empty());
    match cause {
        None if optional => Ok(None),
        None => Err(ApiError::field(
            "use_cause",
            "required",
            "state why the licence is needed (用证事由)",
        )),
        Some(c) if c.chars().count() > MAX_USE_CAUSE_CHARS => Err(ApiError::field(
            "use_cause",
            "too_long",
            "at most 200 characters",
        )),
        Some(c) => Ok(Some(c)),
    }
}

/// Loads the licence `identifier` for `principal` and audits the read (module docs).
pub async fn read_licence(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    identifier: &str,
    given_cause: Option<&str>,
) -> Result<StoredLicence, ApiError> {
    let id = LicenceId::parse(identifier).map_err(|e| {
        ApiError::BadRequest(format!(
            "{identifier:?} is not a licence identifier (GB/T 36904): {e}"
        ))
    })?;
    let licence = state.store().get_licence(id.as_str()).await?;
    let own = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc == licence.licence.record().issuer_code);
    let (reuse, cause) = if own {
        (false, use_cause(given_cause, true)?.unwrap_or(ISSUER_CAUSE))
    } else if principal.scopes.admin {
        (false, use_cause(given_cause, false)?.unwrap_or_default())
    } else {
        principal.require(
            principal.scopes.reuse,
            "read licences other departments issued (needs the reuse scope)",
        )?;
        (true, use_cause(given_cause, false)?.unwrap_or_default())
    };
    state
        .store()
        .record_licence_read(id.as_str(), reuse, &principal.actor(), cause, request_id)
        .await?;
    Ok(licence)
}
