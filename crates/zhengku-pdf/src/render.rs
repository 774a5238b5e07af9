//! Rendering a signed licence to a one-page PDF (电子证照版式文件), ready to be signed.
//!
//! [`render`] lays the licence out on its type's [`Layout`]: art, title, each face field's
//! label and value (dates as 2024年03月15日, money with its unit, 长期 for an open end, long
//! text wrapped and shrunk to its box), the QR code as vector modules, and the issuing
//! department's seal impression over the issuer and date, in red ink that multiplies with
//! the text below like a real stamp. Text is in a subset of the [`CjkFont`] (a Type0 font,
//! Identity-H, with `/W` widths and a ToUnicode map, so text extraction gives the Chinese).
//!
//! The file is also what the signer and the verifiers need:
//!
//! - an AcroForm with one signature field, its widget over the seal impression, whose value
//!   is a signature dictionary (`/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached`)
//!   with a `/ByteRange [0 0 0 0 …]` placeholder (room for four 10-digit numbers) and a
//!   `/Contents <00…>` placeholder of `2 × contents_len` hex digits: [`PreparedPdf`] says
//!   where both are;
//! - the signed licence record (`SignedLicence::to_bytes()`) as the embedded file
//!   `licence.zkl` (`/Subtype /application#2Fcbor`, `/AFRelationship /Source`, uncompressed
//!   so a reader can take the bytes as they are), listed in `/Names /EmbeddedFiles` and in
//!   the catalog's `/AF`;
//! - `/Info` with `/Title` (the licence type's name) and `/Subject` (the identifier);
//! - a classic cross-reference table (no object or xref streams), and a fixed `/ID` (the
//!   first 16 bytes of SM3 over the signed record), so the same inputs give the same bytes.

pub(crate) mod art;
pub(crate) mod seal;
pub(crate) mod text;

use std::collections::BTreeMap;

use pdf_writer::types::{
    AnnotationFlags, AssociationKind, BlendMode, CidFontType, FieldType, FontFlags, LineJoinStyle,
    SigFlags, SystemInfo, TextRenderingMode, UnicodeCmap,
};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;
use zhengku_model::{LicenceRecord, LicenceType, SignedLicence};
use zhengku_seal::artwork::PictureFormat;

use crate::PreparedPdf;
use crate::face::{self, DisplayList, Face, FaceInput, Op, Paint};
use crate::font::{CjkFont, Outlines};
use crate::layout::Layout;
use text::round;

/// The resource name of the one font.
const FONT: Name<'static> = Name(b"F1");

/// The embedded record's file name.
pub const RECORD_FILE_NAME: &str = "licence.zkl";

/// The `/ByteRange` placeholder is written as four 10-digit numbers, then blanked to
/// `[0 0 0 0` and spaces, so the signer can write any four offsets below 10¹⁰ in place.
const BYTE_RANGE_DIGITS: i32 = 1_000_000_000;

/// The seal picture to print: its format and bytes, as the seal registry holds them.
#[derive(Debug, Clone, Copy)]
pub struct SealPicture<'a> {
    /// PNG or SVG.
    pub format: PictureFormat,
    /// The picture.
    pub bytes: &'a [u8],
}

/// What goes into the signature dictionary besides the placeholders.
#[derive(Debug, Clone, Copy)]
pub struct SignatureFields<'a> {
    /// The signer, e.g. the seal's name (`/Name`).
    pub name: &'a str,
    /// Why (`/Reason`), e.g. 电子证照签章.
    pub reason: &'a str,
    /// Where (`/Location`), e.g. the issuer's jurisdiction.
    pub location: &'a str,
    /// The signing time (`/M`, written in UTC) — also the document's creation date.
    pub signing_time: time::OffsetDateTime,
    /// Bytes of room for the CMS signature; the hex string is twice as long.
    pub contents_len: usize,
}

/// Everything [`render`] needs.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// The licence.
    pub licence: &'a SignedLicence,
    /// Its type (labels and kinds of the face fields).
    pub licence_type: &'a LicenceType,
    /// The type's layout.
    pub layout: &'a Layout,
    /// The font.
    pub font: &'a CjkFont,
    /// The QR code's text (the verification URL with its payload).
    pub qr_text: &'a str,
    /// The issuing department's seal picture; none prints no impression.
    pub seal: Option<SealPicture<'a>>,
    /// The issuing department's name (the seal's owner), printed as 发证机关 when the layout
    /// names `issuer_name`.
    pub issuer_name: &'a str,
    /// The signature dictionary's fields.
    pub signature: SignatureFields<'a>,
}

/// Why a licence could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The font has no glyph for a character to print.
    #[error("the font has no glyph for {ch:?} (in {item})")]
    MissingGlyph {
        /// The character.
        ch: char,
        /// What was being printed.
        item: String,
    },
    /// The layout names a field the licence type does not define.
    #[error("layout names {0:?}, which is neither a record item nor a face field of the type")]
    UnknownItem(String),
    /// The licence's type code is not the type given.
    #[error("licence is of type {licence}, not {given}")]
    TypeMismatch {
        /// The record's type code.
        licence: String,
        /// The type given.
        given: String,
    },
    /// The QR text cannot be encoded.
    #[error("QR code: {0}")]
    Qr(#[from] zhengku_qr::QrError),
    /// The seal picture cannot be drawn.
    #[error("seal picture: {0}")]
    Seal(String),
    /// The font could not be parsed or subset.
    #[error("font: {0}")]
    Font(String),
    /// The page cannot be painted at the size asked for (`raster`).
    #[error("raster: {0}")]
    Raster(String),
    /// The signature room is out of range.
    #[error("contents_len {0} out of range (1 to 1000000 bytes)")]
    ContentsLen(usize),
}

/// The object numbers, fixed so the output is the same for the same input.
struct Refs {
    catalog: Ref,
    pages: Ref,
    page: Ref,
    content: Ref,
    font: Ref,
    cid_font: Ref,
    descriptor: Ref,
    font_file: Ref,
    to_unicode: Ref,
    ink: Ref,
    seal_image: Ref,
    seal_mask: Ref,
    field: Ref,
    signature: Ref,
    appearance: Ref,
    file_spec: Ref,
    record: Ref,
    info: Ref,
    art: Ref,
}

impl Refs {
    fn new() -> Refs {
        let mut next = Ref::new(1);
        let mut r = || next.bump();
        Refs {
            catalog: r(),
            pages: r(),
            page: r(),
            content: r(),
            font: r(),
            cid_font: r(),
            descriptor: r(),
            font_file: r(),
            to_unicode: r(),
            ink: r(),
            seal_image: r(),
            seal_mask: r(),
            field: r(),
            signature: r(),
            appearance: r(),
            file_spec: r(),
            record: r(),
            info: r(),
            art: r(),
        }
    }
}

/// Renders the licence; see the module documentation for what the PDF holds.
pub fn render(input: &RenderInput<'_>) -> Result<PreparedPdf, RenderError> {
    let contents_len = input.signature.contents_len;
    if contents_len == 0 || contents_len > 1_000_000 {
        return Err(RenderError::ContentsLen(contents_len));
    }
    let record = input.licence.record();
    let face = face::lay_out(&FaceInput {
        licence: input.licence,
        licence_type: input.licence_type,
        layout: input.layout,
        font: input.font,
        qr_text: input.qr_text,
        issuer_name: input.issuer_name,
    })?;
    let font_face = input
        .font
        .face()
        .ok_or_else(|| RenderError::Font("the font no longer parses".into()))?;
    let art = face.art.pdf(|ops| {
        let mut art = Content::new();
        replay(&mut art, ops, &mut Glyphs::default());
        miniz_oxide::deflate::compress_to_vec_zlib(&art.finish().into_vec(), 6)
    });
    let mut glyphs = Glyphs::default();
    let mut content = Content::new();
    content.x_object(Name(b"Art"));
    replay(&mut content, &face.ops, &mut glyphs);
    replay(&mut content, &face.qr.ops(), &mut glyphs);

    // The seal impression, last: over the issuer and date, as a stamp is.
    let seal_size = face.seal.size;
    let seal_corner = (face.seal.x, face.seal.top);
    let mut seal_image = None;
    if let Some(picture) = input.seal {
        content.save_state();
        content.set_parameters(Name(b"Ink"));
        match picture.format {
            PictureFormat::Svg => {
                let mut list = DisplayList::default();
                seal::draw_svg(&mut list, picture.bytes, &font_face, seal_corner, seal_size)?;
                replay(&mut content, &list.ops, &mut glyphs);
            }
            PictureFormat::Png => {
                let image = seal::decode_png(picture.bytes)?;
                // Fit the image into the square, keeping its aspect ratio.
                let (w, h) = (image.width as f32, image.height as f32);
                let k = seal_size / w.max(h);
                content.transform([
                    w * k,
                    0.0,
                    0.0,
                    h * k,
                    seal_corner.0 + (seal_size - w * k) / 2.0,
                    seal_corner.1 - seal_size + (seal_size - h * k) / 2.0,
                ]);
                content.x_object(Name(b"Seal"));
                seal_image = Some(image);
            }
        }
        content.restore_state();
    }

    let content = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish().into_vec(), 1);
    let seal_rect = Rect::new(
        round(seal_corner.0),
        round(seal_corner.1 - seal_size),
        round(seal_corner.0 + seal_size),
        round(seal_corner.1),
    );
    let streams = Streams {
        art,
        content: &content,
        seal_image,
        seal_rect,
    };
    assemble(input, record, &face, &glyphs, streams)
}

/// The subset's glyphs as the PDF numbers them: each glyph of the full font gets the next
/// CID as it is first shown, and the ToUnicode map remembers its character.
struct Glyphs {
    remapper: GlyphRemapper,
    unicode: BTreeMap<u16, char>,
}

impl Default for Glyphs {
    fn default() -> Glyphs {
        Glyphs {
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        }
    }
}

impl Glyphs {
    /// The run's two-byte CIDs.
    fn encode(&mut self, run: &face::TextRun) -> Vec<u8> {
        let mut out = Vec::with_capacity(run.glyphs.len() * 2);
        for (&gid, c) in run.glyphs.iter().zip(run.text.chars()) {
            let new = self.remapper.remap(gid);
            self.unicode.entry(new).or_insert(c);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

/// A signature's `/M`: a PDF date in UTC, `D:YYYYMMDDHHmmSS+00'00'`.
pub(crate) fn pdf_date(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Display-list ops holding no text (a watermark, say) as content-stream bytes.
pub(crate) fn replay_into_content(ops: &[Op]) -> Vec<u8> {
    let mut content = Content::new();
    replay(&mut content, ops, &mut Glyphs::default());
    content.finish().into_vec()
}

/// Plays display-list ops into a content stream.
fn replay(content: &mut Content, ops: &[Op], glyphs: &mut Glyphs) {
    for op in ops {
        match op {
            Op::Save => {
                content.save_state();
            }
            Op::Restore => {
                content.restore_state();
            }
            Op::Transform(m) => {
                content.transform(*m);
            }
            Op::FillRgb([r, g, b]) => {
                content.set_fill_rgb(*r, *g, *b);
            }
            Op::StrokeRgb([r, g, b]) => {
                content.set_stroke_rgb(*r, *g, *b);
            }
            Op::LineWidth(w) => {
                content.set_line_width(*w);
            }
            Op::RoundJoin => {
                content.set_line_join(LineJoinStyle::RoundJoin);
            }
            Op::MoveTo(x, y) => {
                content.move_to(*x, *y);
            }
            Op::LineTo(x, y) => {
                content.line_to(*x, *y);
            }
            Op::CubicTo([a, b, c, d, e, f]) => {
                content.cubic_to(*a, *b, *c, *d, *e, *f);
            }
            Op::Close => {
                content.close_path();
            }
            Op::Rect([x, y, w, h]) => {
                content.rect(*x, *y, *w, *h);
            }
            Op::Paint(p) => {
                match p {
                    Paint::Fill => content.fill_nonzero(),
                    Paint::FillEvenOdd => content.fill_even_odd(),
                    Paint::FillStroke => content.fill_nonzero_and_stroke(),
                    Paint::FillEvenOddStroke => content.fill_even_odd_and_stroke(),
                    Paint::Stroke => content.stroke(),
                    Paint::None => content.end_path(),
                };
            }
            Op::Text(run) => show(content, run, glyphs),
        }
    }
}

/// Shows a text run in the one font.
fn show(content: &mut Content, run: &face::TextRun, glyphs: &mut Glyphs) {
    let bytes = glyphs.encode(run);
    let [r, g, b] = run.colour;
    // Character spacing and rendering mode are graphics state that outlives the text
    // object: q … Q keeps them to this run.
    content.save_state();
    content.begin_text();
    content.set_font(FONT, run.size);
    content.set_fill_rgb(r, g, b);
    if run.bold {
        content.set_stroke_rgb(r, g, b);
        content.set_line_width(run.size * 0.035);
        content.set_text_rendering_mode(TextRenderingMode::FillStroke);
    }
    if run.spacing != 0.0 {
        content.set_char_spacing(run.spacing);
    }
    content.next_line(run.x, run.y);
    content.show(Str(&bytes));
    content.end_text();
    content.restore_state();
}

/// A deterministic six-letter subset tag (PDF 32000 9.6.4) from the glyphs used.
fn subset_tag(glyphs: impl Iterator<Item = u16>) -> String {
    let mut bytes = Vec::new();
    for g in glyphs {
        bytes.extend_from_slice(&g.to_be_bytes());
    }
    let digest = zhengku_crypto::digest::sm3(&bytes);
    digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The page's drawn parts, compressed.
struct Streams<'a> {
    art: &'a [u8],
    content: &'a [u8],
    seal_image: Option<seal::SealImage>,
    seal_rect: Rect,
}

/// Writes the objects and the placeholders and finds where they are.
fn assemble(
    input: &RenderInput<'_>,
    record: &LicenceRecord,
    face: &Face<'_>,
    glyphs: &Glyphs,
    streams: Streams<'_>,
) -> Result<PreparedPdf, RenderError> {
    let Streams {
        art,
        content,
        seal_image,
        seal_rect,
    } = streams;
    let refs = Refs::new();
    let font = input.font;
    let record_bytes = input.licence.to_bytes();
    let mut pdf = Pdf::new();
    let id = zhengku_crypto::digest::sm3(&record_bytes)[..16].to_vec();
    pdf.set_file_id((id.clone(), id));

    // Catalog: pages, the signature form, the embedded record.
    {
        let mut catalog = pdf.catalog(refs.catalog);
        catalog.pages(refs.pages);
        catalog.lang(TextStr("zh-CN"));
        catalog
            .names()
            .embedded_files()
            .names()
            .insert(Str(RECORD_FILE_NAME.as_bytes()), refs.file_spec);
        catalog.insert(Name(b"AF")).array().item(refs.file_spec);
        catalog
            .form()
            .fields([refs.field])
            .sig_flags(SigFlags::SIGNATURES_EXIST | SigFlags::APPEND_ONLY);
    }
    pdf.pages(refs.pages).kids([refs.page]).count(1);
    {
        let mut page = pdf.page(refs.page);
        page.parent(refs.pages)
            .media_box(Rect::new(0.0, 0.0, round(face.width), round(face.height)))
            .contents(refs.content)
            .annotations([refs.field]);
        let mut resources = page.resources();
        resources.fonts().pair(FONT, refs.font);
        resources.ext_g_states().pair(Name(b"Ink"), refs.ink);
        let mut x_objects = resources.x_objects();
        x_objects.pair(Name(b"Art"), refs.art);
        if seal_image.is_some() {
            x_objects.pair(Name(b"Seal"), refs.seal_image);
        }
    }
    pdf.stream(refs.content, content)
        .filter(Filter::FlateDecode);
    {
        let mut form = pdf.form_xobject(refs.art, art);
        form.filter(Filter::FlateDecode);
        form.bbox(Rect::new(0.0, 0.0, round(face.width), round(face.height)));
    }
    // The seal's ink: red multiplied with what is under it, like a stamp on paper.
    pdf.ext_graphics(refs.ink).blend_mode(BlendMode::Multiply);
    if let Some(image) = &seal_image {
        let mut x = pdf.image_xobject(refs.seal_image, &image.pixels);
        x.filter(Filter::FlateDecode);
        x.width(image.width as i32)
            .height(image.height as i32)
            .bits_per_component(8);
        if image.rgb {
            x.color_space().device_rgb();
        } else {
            x.color_space().device_gray();
        }
        if image.alpha.is_some() {
            x.s_mask(refs.seal_mask);
        }
        x.finish();
        if let Some(alpha) = &image.alpha {
            let mut m = pdf.image_xobject(refs.seal_mask, alpha);
            m.filter(Filter::FlateDecode);
            m.width(image.width as i32)
                .height(image.height as i32)
                .bits_per_component(8);
            m.color_space().device_gray();
        }
    }

    write_font(&mut pdf, &refs, font, glyphs)?;

    // The signature field: its widget over the seal impression, an empty appearance (the
    // impression itself is page content, so it prints with or without form support).
    {
        let mut field = pdf.form_field(refs.field);
        field
            .field_type(FieldType::Signature)
            .partial_name(TextStr("zhengku-seal"));
        field.pair(Name(b"V"), refs.signature);
        let mut widget = field.into_annotation();
        // into_annotation has written /Type /Annot /Subtype /Widget.
        widget
            .rect(seal_rect)
            .flags(AnnotationFlags::PRINT | AnnotationFlags::LOCKED)
            .page(refs.page);
        widget.appearance().normal().stream(refs.appearance);
    }
    {
        let (w, h) = (seal_rect.x2 - seal_rect.x1, seal_rect.y2 - seal_rect.y1);
        pdf.form_xobject(refs.appearance, b"")
            .bbox(Rect::new(0.0, 0.0, w, h));
    }
    let sig_start = pdf.len();
    {
        let sig = &input.signature;
        let mut dict = pdf.indirect(refs.signature).dict();
        dict.pair(Name(b"Type"), Name(b"Sig"));
        dict.pair(Name(b"Filter"), Name(b"Adobe.PPKLite"));
        dict.pair(Name(b"SubFilter"), Name(b"ETSI.CAdES.detached"));
        dict.insert(Name(b"ByteRange"))
            .array()
            .items([BYTE_RANGE_DIGITS; 4]);
        // Non-ASCII bytes make pdf-writer write a hex string; the digits are zeroed below.
        let placeholder = vec![0xffu8; sig.contents_len];
        dict.pair(Name(b"Contents"), Str(&placeholder));
        dict.pair(Name(b"M"), Str(pdf_date(sig.signing_time).as_bytes()));
        dict.pair(Name(b"Name"), TextStr(sig.name));
        dict.pair(Name(b"Reason"), TextStr(sig.reason));
        dict.pair(Name(b"Location"), TextStr(sig.location));
    }
    let sig_end = pdf.len();

    // The signed record, as is: no filter, so its bytes are in the file verbatim.
    pdf.file_spec(refs.file_spec)
        .path(Str(RECORD_FILE_NAME.as_bytes()))
        .unic_file(TextStr(RECORD_FILE_NAME))
        .description(TextStr("电子证照数据（签名的证照记录，CBOR）"))
        .association_kind(AssociationKind::Source)
        .embedded_file_with_unicode(refs.record);
    {
        let mut ef = pdf.embedded_file(refs.record, &record_bytes);
        ef.subtype(Name(b"application/cbor"));
        ef.params()
            .size(i32::try_from(record_bytes.len()).unwrap_or(i32::MAX));
    }

    let t = input.signature.signing_time.to_offset(time::UtcOffset::UTC);
    pdf.document_info(refs.info)
        .title(TextStr(input.licence_type.name()))
        .subject(TextStr(record.identifier.as_ref()))
        .author(TextStr(&record.issuer_name))
        .creator(TextStr("zhengku 证库"))
        .producer(TextStr("zhengku 证库"))
        .creation_date(
            Date::new(t.year().clamp(0, 9999) as u16)
                .month(u8::from(t.month()))
                .day(t.day())
                .hour(t.hour())
                .minute(t.minute())
                .second(t.second())
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );

    let mut bytes = pdf.finish();
    let (byte_range_at, contents_at) = placeholders(&mut bytes, sig_start..sig_end)
        .ok_or_else(|| RenderError::Font("signature placeholders not found".into()))?;
    Ok(PreparedPdf {
        bytes,
        byte_range_at,
        contents_at,
    })
}

/// Finds the placeholders in the signature dictionary (between `span`) and blanks them:
/// `[0 0 0 0` padded with spaces, and `<00…>`.
fn placeholders(
    bytes: &mut [u8],
    span: std::ops::Range<usize>,
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let find = |bytes: &[u8], from: usize, needle: &[u8]| {
        bytes[from..span.end]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    };
    let br = find(bytes, span.start, b"/ByteRange [")? + b"/ByteRange ".len();
    let br_end = find(bytes, br, b"]")? + 1;
    let zeros = b"[0 0 0 0";
    bytes[br..br_end].fill(b' ');
    bytes[br..br + zeros.len()].copy_from_slice(zeros);
    bytes[br_end - 1] = b']';
    let c = find(bytes, span.start, b"/Contents <")? + b"/Contents ".len();
    let c_end = find(bytes, c, b">")? + 1;
    bytes[c + 1..c_end - 1].fill(b'0');
    Some((br..br_end, c..c_end))
}

/// The subset font as a Type0 font with a CID-keyed descendant, `/W` widths and a
/// ToUnicode map.
fn write_font(
    pdf: &mut Pdf,
    refs: &Refs,
    font: &CjkFont,
    glyphs: &Glyphs,
) -> Result<(), RenderError> {
    let remapper = &glyphs.remapper;
    let subset = subsetter::subset(font.data(), font.index(), remapper)
        .map_err(|e| RenderError::Font(format!("subsetting: {e}")))?;
    let tag = subset_tag(remapper.remapped_gids());
    let base_font = format!("{tag}+{}", font.postscript_name());
    let base_font = Name(base_font.as_bytes());
    let face = font
        .face()
        .ok_or_else(|| RenderError::Font("the font no longer parses".into()))?;
    let upem = f32::from(face.units_per_em().max(1));
    let to_pdf = |v: f32| (v * 1000.0 / upem).round();

    pdf.type0_font(refs.font)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(refs.cid_font)
        .to_unicode(refs.to_unicode);

    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let widths: Vec<f32> = remapper
        .remapped_gids()
        .map(|old| {
            to_pdf(f32::from(
                face.glyph_hor_advance(ttf_parser::GlyphId(old))
                    .unwrap_or(0),
            ))
        })
        .collect();
    {
        let mut cid = pdf.cid_font(refs.cid_font);
        cid.subtype(match font.outlines() {
            Outlines::Cff => CidFontType::Type0,
            Outlines::TrueType => CidFontType::Type2,
        })
        .base_font(base_font)
        .system_info(system_info)
        .font_descriptor(refs.descriptor)
        .default_width(1000.0);
        cid.widths().consecutive(0, widths);
        if font.outlines() == Outlines::TrueType {
            cid.cid_to_gid_map_predefined(Name(b"Identity"));
        }
    }

    let [x0, y0, x1, y1] = font.bbox().map(|v| to_pdf(f32::from(v)));
    let (ascent, descent, cap) = font.vertical_metrics();
    {
        let mut d = pdf.font_descriptor(refs.descriptor);
        d.name(base_font)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(x0, y0, x1, y1))
            .italic_angle(0.0)
            .ascent(to_pdf(f32::from(ascent)))
            .descent(to_pdf(f32::from(descent)))
            .cap_height(to_pdf(f32::from(cap)))
            .stem_v(80.0);
        match font.outlines() {
            Outlines::Cff => d.font_file3(refs.font_file),
            Outlines::TrueType => d.font_file2(refs.font_file),
        };
    }
    let program = match font.outlines() {
        // The bare CFF table is the CIDFontType0C program every reader accepts.
        Outlines::Cff => ttf_parser::RawFace::parse(&subset, 0)
            .ok()
            .and_then(|raw| raw.table(ttf_parser::Tag::from_bytes(b"CFF ")))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| RenderError::Font("subset has no CFF table".into()))?,
        Outlines::TrueType => subset,
    };
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 1);
    {
        let mut stream = pdf.stream(refs.font_file, &compressed);
        stream.filter(Filter::FlateDecode);
        if font.outlines() == Outlines::Cff {
            stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
        } else {
            stream.pair(
                Name(b"Length1"),
                i32::try_from(program.len()).unwrap_or(i32::MAX),
            );
        }
    }

    let mut cmap = UnicodeCmap::new(Name(b"Zhengku-UCS"), system_info);
    let unicode: &BTreeMap<u16, char> = &glyphs.unicode;
    for (&gid, &c) in unicode {
        cmap.pair(gid, c);
    }
    let cmap = cmap.finish();
    pdf.cmap(refs.to_unicode, cmap.as_slice())
        .name(Name(b"Zhengku-UCS"))
        .system_info(system_info);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn placeholders_are_found_and_blanked() {
        let mut pdf = Pdf::new();
        let start = pdf.len();
        {
            let mut d = pdf.indirect(Ref::new(1)).dict();
            d.insert(Name(b"ByteRange"))
                .array()
                .items([BYTE_RANGE_DIGITS; 4]);
            d.pair(Name(b"Contents"), Str(&[0xff; 8]));
        }
        let end = pdf.len();
        let mut bytes = pdf.finish();
        let (br, c) = placeholders(&mut bytes, start..end).unwrap();
        assert_eq!(
            &bytes[br.clone()],
            b"[0 0 0 0                                    ]"
        );
        assert_eq!(br.len(), 45, "four 10-digit numbers fit");
        assert_eq!(&bytes[c], b"<0000000000000000>");
    }
}
