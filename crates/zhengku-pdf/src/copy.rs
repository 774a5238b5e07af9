//! Annotated copies (加注件) of a licence PDF, by incremental update (feature `render`): the
//! issuer's signed file stays byte for byte the first revision, so its signature still
//! verifies over it; the update adds what a copy adds and the library signs the whole.
//!
//! The update, in the form pyHanko's difference analysis treats as filling in a form
//! (a signature field added and signed), not as changing the document:
//!
//! - a new signature field `zhengku-copy`, merged with its widget annotation (`/F` Print |
//!   Locked, the whole page as `/Rect`), whose normal appearance is the copy's watermark
//!   (`crate::face::watermark`: glyph outlines, no font) — so the watermark shows on
//!   screen and in print, and is part of what the library signs;
//! - its value, a signature dictionary (`ETSI.CAdES.detached`) whose `/Name`, `/M`,
//!   `/Reason` carry 加注件制作者, 制作时间 and 制作事由, and whose `/ZKCopy` dictionary carries
//!   all the copy's fields (`/MadeAt`, `/MadeBy`, `/Cause`, `/Matter`, `/Until`);
//! - the page again, with the widget added to `/Annots`, and the catalog again, with the
//!   field added to the AcroForm's `/Fields`: nothing else of either changes;
//! - a classic cross-reference section for these five objects, and a trailer with `/Prev`.
//!
//! The library's PAdES signature (with its seal's `SES_Signature` inside, as for licence
//! PDFs) covers the whole file but its `/Contents`. This reads only PDFs zhengku wrote
//! (classic cross-reference table, the catalog's AcroForm written inline); others are
//! refused.

use time::OffsetDateTime;
use zhengku_crypto::Signer;
use zhengku_seal::make::{StampInput, stamp};
use zhengku_seal::{Seal, SealTime};

use crate::PreparedPdf;
use crate::face::{CopyFields, watermark};
use crate::font::CjkFont;
use crate::pades::{self, PadesError, SignRequest};
use crate::render::RenderError;

/// The copy's signature field name.
pub const COPY_FIELD: &str = "zhengku-copy";

/// What a PDF copy is made from.
pub struct PdfCopyRequest<'a> {
    /// The issuer's signed licence PDF, as zhengku made it.
    pub original: &'a [u8],
    /// The copy's fields.
    pub fields: &'a CopyFields,
    /// The font the watermark's outlines come from.
    pub font: &'a CjkFont,
    /// The library's seal (v4).
    pub seal: &'a Seal,
    /// The seal holder's key: signs the CMS and the `SES_Signature`.
    pub signer: &'a dyn Signer,
    /// The holder's certificate chain, holder's first.
    pub chain: &'a [Vec<u8>],
    /// When the copy is made (`/M` and the seal's 签章时间).
    pub made_at: OffsetDateTime,
}

impl std::fmt::Debug for PdfCopyRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfCopyRequest")
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// Why a PDF copy could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfCopyError {
    /// The original is not a PDF zhengku wrote.
    #[error("the original: {0}")]
    Original(String),
    /// The watermark could not be drawn.
    #[error("watermark: {0}")]
    Render(#[from] RenderError),
    /// The time cannot be written in a seal.
    #[error("time {0} cannot be written in a seal")]
    Time(OffsetDateTime),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(#[from] PadesError),
}

fn bad(s: impl Into<String>) -> PdfCopyError {
    PdfCopyError::Original(s.into())
}

/// The number after `key` (a dictionary key with its slash) in `text`.
fn number_after(text: &str, key: &str) -> Option<u32> {
    let rest = &text[text.find(key)? + key.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The last `startxref` offset and the trailer dictionary's text before it.
fn trailer(pdf: &str) -> Option<(usize, &str)> {
    let at = pdf.rfind("startxref")?;
    let offset: usize = pdf[at + 9..].split_whitespace().next()?.parse().ok()?;
    let t = pdf[..at].rfind("trailer")?;
    Some((offset, &pdf[t..at]))
}

/// Object `n`'s offset and text (`n 0 obj … endobj`), by the cross-reference table at
/// `xref`.
fn object(pdf: &str, xref: usize, n: u32) -> Option<(usize, &str)> {
    let table = pdf.get(xref..)?.strip_prefix("xref")?;
    let mut lines = table.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next()?;
    let mut h = header.split_whitespace();
    let (first, count): (u32, u32) = (h.next()?.parse().ok()?, h.next()?.parse().ok()?);
    if n < first || n >= first + count {
        return None;
    }
    let entry = lines.nth((n - first) as usize)?;
    let offset: usize = entry.split_whitespace().next()?.parse().ok()?;
    let body = pdf.get(offset..)?;
    if !body.starts_with(&format!("{n} 0 obj")) {
        return None;
    }
    Some((offset, &body[..body.find("endobj")? + "endobj".len()]))
}

/// `text` with ` {add} 0 R` appended inside the array after `key`.
fn append_ref(text: &str, key: &str, add: u32) -> Option<String> {
    let at = text.find(key)? + key.len();
    let open = at + text[at..].find('[')?;
    let close = open + text[open..].find(']')?;
    Some(format!("{} {add} 0 R{}", &text[..close], &text[close..]))
}

/// A PDF text string as UTF-16BE hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

/// Makes the annotated copy (module docs); returns the signed file.
pub fn annotated_pdf_copy(req: &PdfCopyRequest<'_>) -> Result<Vec<u8>, PdfCopyError> {
    // The PDF's structure is ASCII: bytes past it (in binary streams) become `.`, one byte
    // each, so offsets in the text are offsets in the file.
    let pdf: String = req
        .original
        .iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '.' })
        .collect();
    let (xref, trailer_text) = trailer(&pdf).ok_or_else(|| bad("no trailer"))?;
    if !pdf[xref..].starts_with("xref") {
        return Err(bad("not a classic cross-reference table"));
    }
    let size = number_after(trailer_text, "/Size").ok_or_else(|| bad("no /Size"))?;
    let root = number_after(trailer_text, "/Root").ok_or_else(|| bad("no /Root"))?;
    let info = number_after(trailer_text, "/Info");
    let id = trailer_text
        .find("/ID")
        .and_then(|i| {
            let rest = &trailer_text[i..];
            let a = rest.find('<')?;
            let b = a + rest[a..].find('>')?;
            Some(rest[a + 1..b].to_owned())
        })
        .ok_or_else(|| bad("no /ID"))?;
    let (catalog_at, catalog) = object(&pdf, xref, root).ok_or_else(|| bad("no catalog"))?;
    if !catalog.contains("/AcroForm") || !catalog.contains("/Fields") {
        return Err(bad("the catalog has no inline AcroForm"));
    }
    let pages = number_after(catalog, "/Pages").ok_or_else(|| bad("no /Pages"))?;
    let (_, pages_obj) = object(&pdf, xref, pages).ok_or_else(|| bad("no page tree"))?;
    let page = number_after(
        &pages_obj[pages_obj.find("/Kids").ok_or_else(|| bad("no /Kids"))?..],
        "[",
    )
    .ok_or_else(|| bad("no first page"))?;
    let (page_at, page_obj) = object(&pdf, xref, page).ok_or_else(|| bad("no page"))?;
    // The two objects rewritten must be ASCII in the file (the text above stands in `.`
    // for anything else).
    for (n, at, text) in [(root, catalog_at, catalog), (page, page_at, page_obj)] {
        if !req.original[at..at + text.len()].is_ascii() {
            return Err(bad(format!("object {n} is not ASCII")));
        }
    }
    let media: Vec<f32> = page_obj
        .find("/MediaBox")
        .and_then(|i| {
            let rest = &page_obj[i..];
            let a = rest.find('[')?;
            let b = a + rest[a..].find(']')?;
            Some(
                rest[a + 1..b]
                    .split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect(),
            )
        })
        .unwrap_or_default();
    let [_, _, w, h] =
        <[f32; 4]>::try_from(media.as_slice()).map_err(|_| bad("no /MediaBox of four numbers"))?;

    let (field, sig, appearance) = (size, size + 1, size + 2);
    let new_catalog =
        append_ref(catalog, "/Fields", field).ok_or_else(|| bad("no /Fields array"))?;
    let new_page = append_ref(page_obj, "/Annots", field).ok_or_else(|| bad("no /Annots array"))?;

    // The watermark as the widget's appearance.
    let ops = watermark(req.font, w, h, req.fields)?;
    let drawn = crate::render::replay_into_content(&ops);
    let stream = miniz_oxide::deflate::compress_to_vec_zlib(&drawn, 6);

    let holder_cert = req
        .chain
        .first()
        .ok_or_else(|| bad("no signing certificate"))?;
    let seal_der = req
        .seal
        .to_der()
        .map_err(|e| bad(format!("the seal: {e}")))?;
    let contents_len = pades::contents_len_for(
        req.chain,
        pades::ses_len_estimate(seal_der.len(), holder_cert.len()),
    );
    let f = req.fields;
    let m = crate::render::pdf_date(req.made_at);
    let until = f.valid_until.to_string();

    let mut out = req.original.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    let mut put = |out: &mut Vec<u8>, n: u32, body: &[u8]| {
        offsets.push((n, out.len()));
        out.extend_from_slice(body);
        out.extend_from_slice(b"\n");
    };
    put(&mut out, root, new_catalog.as_bytes());
    put(&mut out, page, new_page.as_bytes());
    put(
        &mut out,
        field,
        format!(
            "{field} 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T ({COPY_FIELD}) \
             /F 132 /Rect [0 0 {w} {h}] /P {page} 0 R /V {sig} 0 R /AP << /N {appearance} 0 R >> >>\nendobj"
        )
        .as_bytes(),
    );
    let sig_start = out.len();
    let placeholder_br = format!("[{}]", " ".repeat(43));
    put(
        &mut out,
        sig,
        format!(
            "{sig} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \
             /ByteRange {placeholder_br} /Contents <{}> /M ({m}) /Name {} /Reason {} \
             /Location {} /ZKCopy << /MadeAt {} /MadeBy {} /Cause {} /Matter {} /Until ({until}) >> >>\nendobj",
            "0".repeat(2 * contents_len),
            text_string(&f.made_by),
            text_string(&format!("加注件：{}", f.cause)),
            text_string("电子证照库"),
            text_string(&f.made_at),
            text_string(&f.made_by),
            text_string(&f.cause),
            text_string(&f.matter),
        )
        .as_bytes(),
    );
    let sig_end = out.len();
    let mut form = format!(
        "{appearance} 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 {w} {h}] \
         /Resources << >> /Filter /FlateDecode /Length {} >>\nstream\n",
        stream.len()
    )
    .into_bytes();
    form.extend_from_slice(&stream);
    form.extend_from_slice(b"\nendstream\nendobj");
    put(&mut out, appearance, &form);

    // The cross-reference section: each object in its own subsection.
    let xref_at = out.len();
    let mut table = String::from("xref\n");
    offsets.sort_by_key(|(n, _)| *n);
    for (n, at) in &offsets {
        table.push_str(&format!("{n} 1\n{at:010} 00000 n\r\n"));
    }
    let info = info.map(|i| format!(" /Info {i} 0 R")).unwrap_or_default();
    let new_id: String = zhengku_crypto::sm3(&out)[..16]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root {root} 0 R{info} /ID [<{id}> <{new_id}>] /Prev {xref} >>\nstartxref\n{xref_at}\n%%EOF\n",
        appearance + 1
    ));
    out.extend_from_slice(table.as_bytes());

    // Where the placeholders are, for pades::sign.
    let find = |needle: &[u8], from: usize| {
        out[from..sig_end]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    };
    let br = find(b"/ByteRange [", sig_start).ok_or_else(|| bad("placeholder"))? + 11;
    let br_end = br + placeholder_br.len();
    let ct = find(b"/Contents <", sig_start).ok_or_else(|| bad("placeholder"))? + 10;
    let ct_end = ct + 2 * contents_len + 2;
    let prepared = PreparedPdf {
        bytes: out,
        byte_range_at: br..br_end,
        contents_at: ct..ct_end,
    };
    let time = SealTime::from_unix_seconds(req.made_at.unix_timestamp())
        .map_err(|_| PdfCopyError::Time(req.made_at))?;
    let ses = |data_hash: &[u8; 32]| -> Result<Vec<u8>, String> {
        stamp(
            req.seal,
            holder_cert,
            StampInput {
                time,
                data_hash: *data_hash,
                property_info: "annotated copy".to_owned(),
            },
            req.signer,
        )
        .map_err(|e| e.to_string())?
        .to_der()
        .map_err(|e| e.to_string())
    };
    Ok(pades::sign(
        prepared,
        &SignRequest {
            signer: req.signer,
            chain: req.chain,
            ses: Some(&ses),
        },
    )?)
}
