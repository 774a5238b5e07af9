//! Annotated copies (加注件) of a sealed licence OFD (feature `render`): the original stays
//! byte for byte as the issuer sealed it; the copy fills the annotation slot the original
//! keeps open (an empty `Annotations.xml` its seal leaves out) with a watermark annotation
//! carrying the copy's fields, and the library seals the whole package once more.
//!
//! What is written:
//!
//! - `Doc_0/Annots/Annotations.xml` names `Doc_0/Annots/Page_0/Annotation.xml` for page 1;
//! - that file holds one `Annot Type="Watermark"` (`ReadOnly`, `Print`), whose `Parameters`
//!   are the copy's fields under GB/T 36903's names ([`crate::copy_names`]) and whose
//!   `Appearance` is the watermark (`zhengku_pdf::face::watermark`: 仅供办理…使用 and
//!   有效期至…, turned across the page, and the fields along the foot) as path objects:
//!   glyph outlines, because the original's sealed resources cannot take a new font;
//! - a second seal signature, by the library's own seal, whose references cover every file
//!   (the original's signature files included), so neither the watermark nor the fields can
//!   be changed or removed without breaking it, and the issuer's signature still checks
//!   out over the files it covered.

use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, Signer};
use zhengku_pdf::face::{CopyFields, PT_PER_MM, watermark};
use zhengku_pdf::font::CjkFont;
use zhengku_pdf::render::RenderError;
use zhengku_seal::make::{StampInput, stamp};
use zhengku_seal::{Seal, SealTime};

use crate::copy_names;
use crate::face::{NS, esc, num, objects};
use crate::sign::{SignError, Stamp, seal};
use crate::{Limits, Ofd, OfdError};

/// The page annotation file a copy writes.
pub const PAGE_ANNOTATIONS: &str = "Doc_0/Annots/Page_0/Annotation.xml";

/// Unit IDs of the watermark's objects start here, far above what zhengku's originals use
/// (their `MaxUnitID` stays as sealed).
const FIRST_ID: u32 = 100_000;

/// What a copy is made from.
pub struct CopyRequest<'a> {
    /// The sealed original (zhengku's licence OFD, its annotation slot still empty).
    pub original: &'a [u8],
    /// The copy's fields.
    pub fields: &'a CopyFields,
    /// The font the watermark's outlines come from.
    pub font: &'a CjkFont,
    /// The library's seal (v4, SM2).
    pub seal: &'a Seal,
    /// The seal holder's key.
    pub signer: &'a dyn Signer,
    /// The holder's certificate, one of the seal's.
    pub holder_cert: &'a [u8],
    /// The signing time: when the copy is made.
    pub made_at: OffsetDateTime,
}

impl std::fmt::Debug for CopyRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyRequest")
            .field("fields", &self.fields)
            .field("made_at", &self.made_at)
            .finish_non_exhaustive()
    }
}

/// Why a copy could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The original is not an OFD that can be annotated.
    #[error("{0}")]
    Original(#[from] OfdError),
    /// The original has no empty annotation slot left out of its seal.
    #[error(
        "the original keeps no open annotation slot (an empty annotation list its seal leaves out)"
    )]
    NoSlot,
    /// The library's seal is not SM2.
    #[error("OFD copies are sealed with SM2 only; the library's seal key is {0:?}")]
    NotSm2(Algorithm),
    /// The watermark could not be drawn.
    #[error("watermark: {0}")]
    Render(#[from] RenderError),
    /// A time cannot be written in a seal.
    #[error("time {0} cannot be written in a seal")]
    Time(OffsetDateTime),
    /// Sealing failed.
    #[error("sealing: {0}")]
    Sign(String),
}

/// Makes the annotated copy (module docs); returns the ZIP bytes.
pub fn annotated_copy(req: &CopyRequest<'_>) -> Result<Vec<u8>, CopyError> {
    let algorithm = req.signer.algorithm();
    if algorithm != Algorithm::Sm2Sm3 {
        return Err(CopyError::NotSm2(algorithm));
    }
    let ofd = Ofd::read(req.original, &Limits::default())?;
    let slot = ofd.annotations_file().ok_or(CopyError::NoSlot)?;
    if !ofd.uncovered().contains(&slot) || !ofd.is_empty_annotation_list(&slot) {
        return Err(CopyError::NoSlot);
    }
    let [_, _, w_mm, h_mm] = ofd
        .page_box()
        .ok_or_else(|| OfdError::Structure("the document has no page box".into()))?;
    let (w, h) = (w_mm * PT_PER_MM, h_mm * PT_PER_MM);
    let ops = watermark(req.font, w, h, req.fields)?;
    let mut next_id = FIRST_ID;
    let drawn = objects((w, h), &ops, &mut next_id, 0);
    let f = req.fields;
    let until = format!(
        "{:04}-{:02}-{:02}",
        f.valid_until.year(),
        u8::from(f.valid_until.month()),
        f.valid_until.day()
    );
    let parameters: String = [
        (copy_names::MADE_AT, f.made_at.as_str()),
        (copy_names::MADE_BY, f.made_by.as_str()),
        (copy_names::CAUSE, f.cause.as_str()),
        (copy_names::VALID_UNTIL, until.as_str()),
        (copy_names::MATTER, f.matter.as_str()),
    ]
    .iter()
    .map(|(n, v)| format!("<ofd:Parameter Name=\"{n}\">{}</ofd:Parameter>", esc(v)))
    .collect();
    let date = f.made_at.split(' ').next().unwrap_or("");
    let annotation = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ofd:PageAnnot xmlns:ofd=\"{NS}\">\
         <ofd:Annot ID=\"{}\" Type=\"Watermark\" Creator=\"{}\" LastModDate=\"{}\" \
         Visible=\"true\" Print=\"true\" NoZoom=\"false\" NoRotate=\"false\" ReadOnly=\"true\">\
         <ofd:Remark>加注件</ofd:Remark><ofd:Parameters>{parameters}</ofd:Parameters>\
         <ofd:Appearance Boundary=\"0 0 {} {}\">{drawn}</ofd:Appearance></ofd:Annot>\
         </ofd:PageAnnot>",
        next_id + 1,
        esc(&f.made_by),
        esc(date),
        num(w_mm),
        num(h_mm),
    );
    let list = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ofd:Annotations xmlns:ofd=\"{NS}\"><ofd:Page PageID=\"{}\">\
         <ofd:FileLoc>/{PAGE_ANNOTATIONS}</ofd:FileLoc></ofd:Page></ofd:Annotations>",
        crate::face::PAGE_ID
    );
    let mut package = ofd.package().clone();
    let _ = package.insert(&slot, list.into_bytes());
    let _ = package.insert(PAGE_ANNOTATIONS, annotation.into_bytes());

    let holder_cert = req.holder_cert;
    let time = SealTime::from_unix_seconds(req.made_at.unix_timestamp())
        .map_err(|_| CopyError::Time(req.made_at))?;
    let seal_der = req
        .seal
        .to_der()
        .map_err(|e| CopyError::Sign(e.to_string()))?;
    // The library's stamp at the page's lower right, over the foot line's end.
    let side = 30.0;
    let boundary = format!(
        "{:.3} {:.3} {side:.3} {side:.3}",
        w_mm - side - 16.0,
        h_mm - side - 12.0
    );
    let sealed = seal(
        &package,
        &Stamp {
            seal: &seal_der,
            page_ref: crate::face::PAGE_ID,
            boundary: &boundary,
            date_time: &f.made_at,
            provider: "zhengku",
            reserved: &[],
        },
        |xml, path| {
            stamp(
                req.seal,
                holder_cert,
                StampInput {
                    time,
                    data_hash: zhengku_crypto::sm3(xml),
                    property_info: path.to_owned(),
                },
                req.signer,
            )
            .map_err(|e| e.to_string())?
            .to_der()
            .map_err(|e| e.to_string())
        },
    )
    .map_err(|e| match e {
        SignError::Seal(s) => CopyError::Sign(s),
        other => CopyError::Sign(other.to_string()),
    })?;
    Ok(sealed.to_zip())
}
