//! Issuing (发证): from a department's requests to stored, signed licences.
//!
//! One path serves `POST /v1/licences` (one request) and `POST /v1/licences:batch` (up to
//! 1,000):
//!
//! 1. every request is checked against its licence type, and the caller's `issue:` scope
//!    against every type, before anything is written, so an invalid batch costs nothing
//!    and burns no identifiers;
//! 2. serial numbers are taken per (type, year) from blocks reserved in the database
//!    ([`crate::sequences`]), and each licence's status-list entry from runs reserved the
//!    same way ([`crate::status_entries`]): the signed record names both;
//! 3. records get their GB/T 36904 identifiers and are signed with the department's key
//!    through the key store, on the blocking pool (a PKCS#11 call blocks);
//! 4. licences, their audit entries and the idempotency record are stored in one
//!    transaction, all of them or none, shared with other calls waiting at that moment
//!    ([`crate::group_commit`]).
//!
//! A failure after step 2 leaves a gap in the serial numbers and unused (valid) status-list
//! entries, nothing else: identifiers and entries are signed into the licence, so they must
//! exist before the transaction that stores it.

use std::collections::BTreeMap;
use std::sync::Arc;

use time::OffsetDateTime;
use zhengku_crypto::Signer;
use zhengku_model::{IssueRequest, Issuer, LicenceId, LicenceRecord, SignedLicence, Timestamp};
use zhengku_store::{IdempotencyRecord, MAX_IDEMPOTENCY_KEY_CHARS, StoreError, StoredLicence};

use crate::auth::Principal;
use crate::group_commit::CommitError;
use crate::problem::{ApiError, BatchItemProblem, FieldProblem, InternalError};
use crate::state::AppState;

/// What issuing produced.
pub struct Issued {
    /// The licences, in request order.
    pub licences: Vec<StoredLicence>,
    /// True when these are the licences of an earlier call with the same `Idempotency-Key`.
    pub replayed: bool,
}

/// An `Idempotency-Key` header and the request it came with.
pub struct Idempotency {
    /// The header value.
    pub key: String,
    /// SHA-256 of the request body.
    pub request_hash: [u8; 32],
}

impl Idempotency {
    /// Checks the header value: 1 to 255 visible ASCII characters.
    pub fn new(key: &str, body: &[u8]) -> Result<Idempotency, ApiError> {
        if key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY_CHARS
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ApiError::BadRequest(
                "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
            ));
        }
        Ok(Idempotency {
            key: key.to_owned(),
            request_hash: zhengku_crypto::sha256(body),
        })
    }
}

/// Signing runs in chunks of this many records per blocking task, so a big batch uses
/// every core.
const SIGN_CHUNK: usize = 128;

/// Issues `requests` as `principal`'s department. `batch` selects the error shape: one
/// request's problems, or every item's outcome.
pub async fn issue(
    state: &AppState,
    principal: &Principal,
    requests: Vec<IssueRequest>,
    idempotency: Option<Idempotency>,
    request_id: &str,
    batch: bool,
) -> Result<Issued, ApiError> {
    let department = principal.department("issue licences")?;
    if let Some(idem) = &idempotency
        && let Some(replay) = replay(state, principal, idem).await?
    {
        return Ok(replay);
    }

    // 1. Validate everything first.
    let issuer = Issuer::new(department.name.clone(), department.uscc.clone());
    let now = now()?;
    let mut records: Vec<(LicenceRecord, u16)> = Vec::with_capacity(requests.len());
    let mut problems: Vec<Vec<FieldProblem>> = Vec::with_capacity(requests.len());
    for req in &requests {
        let Some(licence_type) = state.catalogue().get_str(&req.type_code) else {
            problems.push(vec![FieldProblem {
                field: "type_code".into(),
                code: "unknown_type".into(),
                message: format!(
                    "no licence type {:?} (GET /v1/licence-types lists them)",
                    req.type_code
                ),
            }]);
            continue;
        };
        principal.require(
            principal.scopes.may_issue(&req.type_code),
            &format!("issue licences of type {}", req.type_code),
        )?;
        // The serial's year is the year of issue. A malformed date is reported by
        // build_record with every other problem; the placeholder year only gets us there.
        let year = req
            .issue_date
            .get(..4)
            .and_then(|y| y.parse::<u16>().ok())
            .filter(|y| (1000..=9999).contains(y))
            .unwrap_or(2000);
        // A placeholder identifier for validation; the real one is set after allocation.
        let placeholder = LicenceId::generate(licence_type.code(), &department.uscc, year, 0, 1)
            .map_err(|e| InternalError::caused("placeholder identifier", e))?;
        match licence_type.build_record(req, &issuer, placeholder, now) {
            Ok(record) => {
                records.push((record, year));
                problems.push(Vec::new());
            }
            Err(errors) => problems.push(errors.errors().iter().map(FieldProblem::from).collect()),
        }
    }
    if problems.iter().any(|p| !p.is_empty()) {
        return Err(invalid(problems, batch));
    }

    // 2. Allocate identifiers: one block per (type, year).
    let mut counts: BTreeMap<(String, u16), u32> = BTreeMap::new();
    for (record, year) in &records {
        *counts
            .entry((record.type_code.to_string(), *year))
            .or_default() += 1;
    }
    let mut next: BTreeMap<(String, u16), u32> = BTreeMap::new();
    for ((type_code, year), count) in &counts {
        let first = state
            .sequences()
            .take(
                state.store(),
                department.uscc.as_str(),
                type_code,
                *year,
                *count,
            )
            .await?;
        next.insert((type_code.clone(), *year), first);
    }
    // Each licence's status-list entry, named in its signed record.
    let entries = state
        .status_entries()
        .take(state.store(), records.len())
        .await?;
    let base_url = state.documents().base_url().to_owned();
    let mut to_sign = Vec::with_capacity(records.len());
    for ((mut record, year), (list, idx)) in records.into_iter().zip(entries) {
        record.status = Some(zhengku_status::Reference::to_list(&base_url, list, idx));
        let slot = next
            .get_mut(&(record.type_code.to_string(), year))
            .ok_or_else(|| InternalError::new("sequence block missing"))?;
        record.identifier =
            LicenceId::generate(&record.type_code, &department.uscc, year, *slot, 1)
                .map_err(|e| InternalError::caused("identifier", e))?;
        *slot += 1;
        to_sign.push(record);
    }

    // 3. Sign.
    let signer = state.signer(&department.key_label).await?;
    let signed = sign_all(signer, to_sign).await?;

    // 4. Store, all or nothing, in the next group commit.
    let idem_record = idempotency.as_ref().map(|i| IdempotencyRecord {
        owner: principal.key_id.clone(),
        key: i.key.clone(),
        request_hash: i.request_hash,
    });
    let signed = match state
        .group_commit()
        .commit(
            signed,
            idem_record,
            principal.actor(),
            request_id.to_owned(),
        )
        .await
    {
        Ok(signed) => signed,
        // Another request with the same key won the race: answer as its retry.
        Err(CommitError::Store(StoreError::Conflict {
            what: "idempotency key",
            ..
        })) => {
            if let Some(idem) = &idempotency
                && let Some(replay) = replay(state, principal, idem).await?
            {
                return Ok(replay);
            }
            return Err(ApiError::Conflict("Idempotency-Key in use".into()));
        }
        Err(CommitError::Store(e)) => return Err(e.into()),
        Err(CommitError::Stopped) => {
            return Err(ApiError::Unavailable("the server is shutting down".into()));
        }
    };
    // Counted per type, so a batch of 1,000 takes the metrics lock once per type.
    for ((type_code, _year), n) in counts {
        state.metrics().record_issued(&type_code, u64::from(n));
    }
    let updated_at = OffsetDateTime::now_utc().unix_timestamp();
    Ok(Issued {
        licences: signed
            .into_iter()
            .map(|licence| StoredLicence {
                licence,
                status: zhengku_model::LicenceStatus::Valid,
                updated_at,
            })
            .collect(),
        replayed: false,
    })
}

/// The earlier result for this key, or `None` if there is none; 409 if the key was used
/// with a different request.
async fn replay(
    state: &AppState,
    principal: &Principal,
    idem: &Idempotency,
) -> Result<Option<Issued>, ApiError> {
    let Some(found) = state
        .store()
        .idempotent_result(&principal.key_id, &idem.key)
        .await?
    else {
        return Ok(None);
    };
    if found.request_hash != idem.request_hash {
        return Err(ApiError::IdempotencyMismatch(idem.key.clone()));
    }
    let licences = state.store().get_licences(&found.identifiers).await?;
    Ok(Some(Issued {
        licences,
        replayed: true,
    }))
}

fn invalid(problems: Vec<Vec<FieldProblem>>, batch: bool) -> ApiError {
    if !batch {
        let errors = problems.into_iter().flatten().collect::<Vec<_>>();
        return ApiError::Validation {
            detail: format!("{} invalid field(s); nothing was issued", errors.len()),
            errors,
        };
    }
    let bad = problems.iter().filter(|p| !p.is_empty()).count();
    let total = problems.len();
    ApiError::BatchInvalid {
        detail: format!("{bad} of {total} item(s) invalid; nothing was issued"),
        items: problems
            .into_iter()
            .enumerate()
            .map(|(index, errors)| BatchItemProblem {
                index,
                outcome: if errors.is_empty() {
                    "not_issued".into()
                } else {
                    "invalid".into()
                },
                errors,
            })
            .collect(),
    }
}

/// Signs every record, in chunks on the blocking pool.
async fn sign_all(
    signer: Arc<dyn Signer>,
    records: Vec<LicenceRecord>,
) -> Result<Vec<SignedLicence>, ApiError> {
    let mut tasks = Vec::new();
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let chunk: Vec<LicenceRecord> = records.by_ref().take(SIGN_CHUNK).collect();
        let signer = signer.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|r| SignedLicence::sign(r, &signer))
                .collect::<Result<Vec<_>, _>>()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        let signed = task
            .await
            .map_err(|e| InternalError::caused("signing task", e))?
            .map_err(|e| ApiError::Unavailable(format!("signing failed: {e}")))?;
        out.extend(signed);
    }
    Ok(out)
}

fn now() -> Result<Timestamp, ApiError> {
    // Records carry whole seconds.
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp())
        .ok()
        .and_then(Timestamp::from_unix_seconds)
        .ok_or_else(|| InternalError::new("system clock out of range").into())
}
