//! Annotated copies (加注件): a copy of a licence made for one use, for a department that
//! states why (用证事由), for which matter (办理事项) and until when, watermarked with that
//! use and sealed by the library's own seal over the issuer's sealed original
//! (`zhengku_ofd::copy`); and the single-use, expiring links a copy is downloaded by.
//!
//! Who may ask: the issuing department, or another department with the `reuse` scope, or an
//! administrator; always with a use cause. The copy is kept as made and its making is
//! audited (`licence.copy`) in the same transaction; so are each link (`copy.link`) and each
//! download (`copy.download`, or `copy.download-refused` for a used or expired link).
//!
//! What a copy is made of, and the choices behind it:
//!
//! - **The original** is the licence's sealed OFD or PDF as `GET /v1/licences/{id}/ofd|pdf`
//!   makes it: an OFD copy (the default) for SM2 departments' licences (409 `not-offered`
//!   otherwise, as for the OFD), a PDF copy (`zhengku_pdf::copy`, an incremental update)
//!   for any. A PNG copy (`zhengku_png::copy`) is a picture of the face painted from the
//!   same display list, with the issuer's impression, and carries the signed record: there
//!   the issuer's word is the record's signature, for any department.
//! - **The library's seal** is the active seal of the department `copy_sealer` names (the
//!   library's operator); without one no copy is made (503). OFD and PNG copies need it to
//!   be SM2 (their seal signature is GB/T 38540's, which has no P-256 profile).
//! - **Its last day** is at most `copy_max_days` (90) after today (China Standard Time),
//!   and never after the licence's own last day.
//! - **A link** is 32 random bytes (base64url), kept as their SHA-256, good for
//!   `copy_link_secs` (600) seconds and one download.

use base64::Engine;
use time::{Date, OffsetDateTime};
use zhengku_crypto::Algorithm;
use zhengku_model::LicenceStatus;
use zhengku_pdf::face::CopyFields;
use zhengku_store::{LinkTaken, NewCopy, StoredCopy};

use crate::auth::Principal;
use crate::documents;
use crate::problem::{ApiError, InternalError};
use crate::reads::use_cause;
use crate::stamping;
use crate::state::AppState;

/// Longest matter name, characters.
pub const MAX_MATTER_CHARS: usize = 64;

/// China Standard Time: the dates and times a copy prints.
const CST: time::UtcOffset = time::macros::offset!(+8);

/// What a department asks for.
#[derive(Debug, Clone)]
pub struct CopyOrder {
    /// 用证事由.
    pub use_cause: Option<String>,
    /// 办理事项: what the copy may be used for (printed: 仅供办理…使用).
    pub matter: Option<String>,
    /// The copy's last day of use.
    pub valid_until: Option<String>,
    /// `ofd` (the default), `pdf` or `png`.
    pub format: Option<String>,
}

/// Which file a copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// A watermark annotation in the original OFD's open slot, sealed again.
    Ofd,
    /// An incremental update of the original PDF, signed again.
    Pdf,
    /// A picture of the face with the watermark, the record and the library's seal.
    Png,
}

impl CopyFormat {
    /// The name the API and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            CopyFormat::Ofd => "ofd",
            CopyFormat::Pdf => "pdf",
            CopyFormat::Png => "png",
        }
    }

    /// The media type a download is served as.
    pub fn media_type(name: &str) -> &'static str {
        match name {
            "pdf" => "application/pdf",
            "png" => "image/png",
            _ => "application/ofd",
        }
    }
}

/// A made copy, as the API shows it.
#[derive(Debug, Clone)]
pub struct MadeCopy {
    /// The copy kept (its fields; `file` is left empty: it was handed to the store).
    pub copy: StoredCopy,
    /// 加注件制作者, as printed.
    pub made_by: String,
}

fn field(name: &str, code: &str, message: &str) -> ApiError {
    ApiError::field(name, code, message)
}

fn date_of(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Makes and keeps an annotated copy of licence `identifier` for `principal` (module docs).
pub async fn make_copy(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    identifier: &str,
    order: CopyOrder,
) -> Result<MadeCopy, ApiError> {
    let id = zhengku_model::LicenceId::parse(identifier).map_err(|e| {
        ApiError::BadRequest(format!(
            "{identifier:?} is not a licence identifier (GB/T 36904): {e}"
        ))
    })?;
    let cause = use_cause(order.use_cause.as_deref(), false)?
        .unwrap_or_default()
        .to_owned();
    let matter = order.matter.as_deref().map(str::trim).unwrap_or_default();
    if matter.is_empty() || matter.chars().count() > MAX_MATTER_CHARS {
        return Err(field(
            "matter",
            "required",
            "name the matter the copy is for (办理事项), 1 to 64 characters",
        ));
    }
    let format = match order.format.as_deref().map(str::trim) {
        None | Some("ofd") => CopyFormat::Ofd,
        Some("pdf") => CopyFormat::Pdf,
        Some("png") => CopyFormat::Png,
        Some(_) => return Err(field("format", "invalid", "ofd, pdf or png")),
    };
    let now = OffsetDateTime::now_utc();
    let today = now.to_offset(CST).date();
    let max_days = state.copy_settings().max_days;
    let until = order
        .valid_until
        .as_deref()
        .and_then(date_of)
        .ok_or_else(|| field("valid_until", "required", "the copy's last day, YYYY-MM-DD"))?;
    if until < today || until > today + time::Duration::days(i64::from(max_days)) {
        return Err(field(
            "valid_until",
            "out_of_range",
            &format!("from today ({today}) to {max_days} days later"),
        ));
    }

    let licence = state.store().get_licence(id.as_str()).await?;
    let record = licence.licence.record();
    let own = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc == record.issuer_code);
    if !own && !principal.scopes.admin {
        principal.require(
            principal.scopes.reuse,
            "ask for copies of licences other departments issued (needs the reuse scope)",
        )?;
    }
    let status = licence.status.on(record.valid_until, today);
    if status != LicenceStatus::Valid {
        return Err(ApiError::InvalidTransition(format!(
            "licence {identifier} is {} ({}): copies are made of licences in force only",
            status.label_zh(),
            status.as_str()
        )));
    }
    if let Some(last) = record.valid_until
        && until > last
    {
        return Err(field(
            "valid_until",
            "after_licence",
            &format!("the licence itself is valid until {last}"),
        ));
    }

    // The library's seal.
    let sealer = state.copy_settings().sealer.clone().ok_or_else(|| {
        ApiError::Unavailable(
            "no copy sealer is configured (copy_sealer): annotated copies are not made".into(),
        )
    })?;
    let sealer_department = state.department(&sealer).await?;
    let stored_seal = state
        .store()
        .active_seal_for_department(&sealer, now.unix_timestamp())
        .await?
        .ok_or_else(|| {
            ApiError::Unavailable(format!(
                "the copy sealer {sealer} has no active seal: make one (POST /v1/seals)"
            ))
        })?;
    let seal = stamping::decode_v4(&stored_seal)?;
    let signer = state.signer(&stored_seal.seal.key_label).await?;
    if format != CopyFormat::Pdf && signer.algorithm() != Algorithm::Sm2Sm3 {
        return Err(ApiError::Unavailable(format!(
            "the copy sealer's seal {} is not SM2: {} copies are sealed with SM2 only",
            stored_seal.seal.esid,
            format.as_str().to_uppercase()
        )));
    }
    let holder_cert = stamping::holder_certificate(&seal, signer.as_ref())?;

    // The original, as the licence's document routes make it (OFD: SM2 issuers only); for
    // a picture, what its face is made of.
    let original = match format {
        CopyFormat::Ofd => Original::File(
            documents::licence_document(state, &licence, documents::Format::Ofd).await?,
        ),
        CopyFormat::Pdf => Original::File(
            documents::licence_document(state, &licence, documents::Format::Pdf).await?,
        ),
        CopyFormat::Png => Original::Face(Box::new(
            documents::sign_job(state, &licence, "PNG copy").await?.0,
        )),
    };
    let chain = documents::chain_for(state, holder_cert.clone());

    let asker = match &principal.department {
        Some(d) => d.name.clone(),
        None => principal.actor(),
    };
    let made_by = format!("{}（为{asker}）", sealer_department.name);
    let fields = CopyFields {
        made_at: zhengku_ofd::document::china_time(now),
        made_by: made_by.clone(),
        cause: cause.clone(),
        matter: matter.to_owned(),
        valid_until: until,
    };
    let docs = state.documents_arc();
    let file = tokio::task::spawn_blocking(move || match (format, original) {
        (CopyFormat::Png, Original::Face(job)) => {
            let doc = job.document().map_err(|e| e.to_string())?;
            zhengku_png::copy::annotated_png_copy(&zhengku_png::copy::PngCopyRequest {
                original: &doc,
                fields: &fields,
                seal: &seal,
                signer: signer.as_ref(),
                holder_cert: &holder_cert,
                made_at: now,
                dpi: zhengku_png::copy::DEFAULT_DPI,
            })
            .map_err(|e| e.to_string())
        }
        (CopyFormat::Ofd, Original::File(original)) => {
            zhengku_ofd::copy::annotated_copy(&zhengku_ofd::copy::CopyRequest {
                original: &original,
                fields: &fields,
                font: docs.font(),
                seal: &seal,
                signer: signer.as_ref(),
                holder_cert: &holder_cert,
                made_at: now,
            })
            .map_err(|e| e.to_string())
        }
        (CopyFormat::Pdf, Original::File(original)) => {
            zhengku_pdf::copy::annotated_pdf_copy(&zhengku_pdf::copy::PdfCopyRequest {
                original: &original,
                fields: &fields,
                font: docs.font(),
                seal: &seal,
                signer: signer.as_ref(),
                chain: &chain,
                made_at: now,
            })
            .map_err(|e| e.to_string())
        }
        _ => Err("the original does not fit the copy's format".to_owned()),
    })
    .await
    .map_err(|e| InternalError::caused("copy task", e))?
    .map_err(|e| ApiError::Unavailable(format!("the copy could not be made: {e}")))?;

    let mut raw = [0u8; 16];
    zhengku_crypto::fill_random(&mut raw).map_err(|e| InternalError::caused("copy id", e))?;
    let copy_id = hex::encode(raw);
    let department = principal
        .department
        .as_ref()
        .map_or_else(|| principal.actor(), |d| d.uscc.as_str().to_owned());
    let valid_until = until.to_string();
    let new = NewCopy {
        id: &copy_id,
        identifier: id.as_str(),
        department: &department,
        actor: &principal.actor(),
        use_cause: &cause,
        matter,
        made_at: now.unix_timestamp(),
        valid_until: &valid_until,
        format: format.as_str(),
        file: &file,
    };
    state.store().insert_copy(&new, request_id).await?;
    // The library's own record of the seal signature it just made.
    let ses = match format {
        CopyFormat::Ofd => documents::ses_digest(documents::Format::Ofd, &file)?,
        CopyFormat::Pdf => documents::ses_digest(documents::Format::Pdf, &file)?,
        CopyFormat::Png => png_ses_digest(&file)?,
    };
    state
        .store()
        .keep_stamp(
            &stored_seal.seal.esid,
            &ses,
            now.unix_timestamp(),
            &format!("annotated copy {copy_id} of {identifier}"),
        )
        .await?;
    // What was kept, from what is at hand (the file is not read back).
    let copy = StoredCopy {
        id: new.id.to_owned(),
        identifier: new.identifier.to_owned(),
        department: new.department.to_owned(),
        actor: new.actor.to_owned(),
        use_cause: new.use_cause.to_owned(),
        matter: new.matter.to_owned(),
        made_at: new.made_at,
        valid_until: new.valid_until.to_owned(),
        format: new.format.to_owned(),
        file: Vec::new(),
    };
    Ok(MadeCopy { copy, made_by })
}

/// What a copy is made from: the sealed original file, or (a picture) what its face is
/// made of.
enum Original {
    File(Vec<u8>),
    Face(Box<documents::SignJob>),
}

/// SHA-256 of the seal signature in a PNG copy this library just made.
fn png_ses_digest(png: &[u8]) -> Result<[u8; 32], ApiError> {
    let read = zhengku_png::PngCopy::read(png)
        .map_err(|e| InternalError::caused("reading back the PNG copy", e))?;
    let ses = read
        .signature
        .ok_or_else(|| InternalError::new("the PNG copy has no seal signature"))?;
    Ok(zhengku_crypto::sha256(ses))
}

/// A download link handed out.
#[derive(Debug, Clone)]
pub struct Link {
    /// The path to download from, with the token.
    pub path: String,
    /// When it stops working, Unix seconds.
    pub expires_at: i64,
}

/// A new single-use link to copy `copy_id`, for the department it was made for (or an
/// administrator).
pub async fn make_link(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    copy_id: &str,
) -> Result<Link, ApiError> {
    if copy_id.len() != 32 || !copy_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::BadRequest(format!(
            "{copy_id:?} is not a copy id (32 hex digits)"
        )));
    }
    let department = state.store().copy_department(copy_id).await?;
    let theirs = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc.as_str() == department);
    if !theirs && !principal.scopes.admin {
        return Err(ApiError::Forbidden(
            "a copy's links are for the department it was made for".into(),
        ));
    }
    let mut token = [0u8; 32];
    zhengku_crypto::fill_random(&mut token).map_err(|e| InternalError::caused("link", e))?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token);
    let expires_at = OffsetDateTime::now_utc().unix_timestamp()
        + i64::try_from(state.copy_settings().link_secs).unwrap_or(600);
    state
        .store()
        .insert_copy_link(
            &zhengku_crypto::sha256(token.as_bytes()),
            copy_id,
            &principal.actor(),
            expires_at,
            request_id,
        )
        .await?;
    Ok(Link {
        path: format!("/v1/share/downloads/{token}"),
        expires_at,
    })
}

/// The copy behind a download link, once (module docs).
pub async fn take_link(
    state: &AppState,
    request_id: &str,
    token: &str,
) -> Result<StoredCopy, ApiError> {
    // 32 bytes in base64url without padding: 43 characters.
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::NotFound {
            what: "download link",
            key: "(malformed)".into(),
        });
    }
    let taken = state
        .store()
        .take_copy_link(
            &zhengku_crypto::sha256(token.as_bytes()),
            OffsetDateTime::now_utc().unix_timestamp(),
            request_id,
        )
        .await?;
    match taken {
        LinkTaken::Copy(c) => Ok(*c),
        LinkTaken::Used => Err(ApiError::Gone(
            "this download link was used already: ask for a new one".into(),
        )),
        LinkTaken::Expired => Err(ApiError::Gone(
            "this download link has expired: ask for a new one".into(),
        )),
        LinkTaken::Unknown => Err(ApiError::NotFound {
            what: "download link",
            key: "(not issued)".into(),
        }),
    }
}
