//! The licence face (照面) as a display list: what is printed where, decided once, drawn by
//! more than one writer.
//!
//! [`lay_out`] makes the decisions a licence page needs (labels spread or shrunk to their
//! room, values wrapped and shrunk to their box, dates as 2024年03月15日, the title centred,
//! the QR caption wrapped) and records them as [`Op`]s: paths, paint and positioned text runs
//! whose glyphs are already chosen. The PDF writer ([`crate::render`]) and the OFD writer
//! (`zhengku-ofd`, feature `render`) replay the same list, so the two faces of a licence
//! match by construction: same runs, same glyphs, same coordinates.
//!
//! Coordinates are PDF points from the page's bottom-left corner (y up), the space the
//! drawing code was first written in; an OFD writer turns them into millimetres from the
//! top-left ([`Face::mm`]). The QR code and the seal impression are not ops but slots
//! ([`QrSlot`], [`SealSlot`]): a PDF draws the QR code as vector modules and the seal
//! picture as page content, an OFD places the QR code as an image and leaves the seal to its
//! signature's `StampAnnot`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use zhengku_model::licence_type::FieldKind;
use zhengku_model::{LicenceRecord, LicenceType, SignedLicence};
use zhengku_qr::QrSymbol;

use crate::font::CjkFont;
use crate::layout::{Align, Colour, FieldBox, Layout};
use crate::render::RenderError;
use crate::render::art;
use crate::render::text::{Line, TextSet, round};

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// How a path is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Filled, non-zero winding.
    Fill,
    /// Filled, even-odd rule.
    FillEvenOdd,
    /// Filled (non-zero) and stroked.
    FillStroke,
    /// Filled (even-odd) and stroked.
    FillEvenOddStroke,
    /// Stroked.
    Stroke,
    /// Neither: the path is dropped.
    None,
}

impl Paint {
    /// Whether the path is filled.
    pub fn fills(self) -> bool {
        !matches!(self, Paint::Stroke | Paint::None)
    }

    /// Whether the path is stroked.
    pub fn strokes(self) -> bool {
        matches!(
            self,
            Paint::FillStroke | Paint::FillEvenOddStroke | Paint::Stroke
        )
    }

    /// Whether the fill uses the even-odd rule.
    pub fn even_odd(self) -> bool {
        matches!(self, Paint::FillEvenOdd | Paint::FillEvenOddStroke)
    }
}

/// A run of text on one baseline, its glyphs chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// The characters.
    pub text: String,
    /// Each character's glyph in the full font.
    pub glyphs: Vec<u16>,
    /// Each character's advance, points, without character spacing.
    pub advances: Vec<f32>,
    /// Baseline start, points from the left.
    pub x: f32,
    /// Baseline, points from the bottom.
    pub y: f32,
    /// Font size, points.
    pub size: f32,
    /// Fill colour, RGB 0–1.
    pub colour: [f32; 3],
    /// Extra space after every character, points.
    pub spacing: f32,
    /// Drawn bold: filled and stroked with a line of 3.5% of the size.
    pub bold: bool,
}

impl TextRun {
    /// Width of the run, points, spacing included after every character but the last.
    pub fn width(&self) -> f32 {
        let n = self.advances.len() as f32;
        self.advances.iter().sum::<f32>() + self.spacing * (n - 1.0).max(0.0)
    }
}

/// One drawing step. The graphics state (transform, colours, line width) is saved and
/// restored as in PDF.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Save the graphics state.
    Save,
    /// Restore the last saved graphics state.
    Restore,
    /// Concatenate `[a b c d e f]` to the transform.
    Transform([f32; 6]),
    /// Fill colour, RGB 0–1.
    FillRgb([f32; 3]),
    /// Stroke colour, RGB 0–1.
    StrokeRgb([f32; 3]),
    /// Line width, user units.
    LineWidth(f32),
    /// Round line joins.
    RoundJoin,
    /// Start a subpath.
    MoveTo(f32, f32),
    /// A line.
    LineTo(f32, f32),
    /// A cubic Bézier: two control points and the end.
    CubicTo([f32; 6]),
    /// Close the subpath.
    Close,
    /// A rectangle subpath `x y width height`.
    Rect([f32; 4]),
    /// Paint the current path and start a new one.
    Paint(Paint),
    /// Text.
    Text(TextRun),
}

/// A recorder of [`Op`]s, with the drawing methods the page code calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisplayList {
    /// The ops, in order.
    pub ops: Vec<Op>,
}

#[allow(missing_docs)]
impl DisplayList {
    pub fn save_state(&mut self) {
        self.ops.push(Op::Save);
    }
    pub fn restore_state(&mut self) {
        self.ops.push(Op::Restore);
    }
    pub fn transform(&mut self, m: [f32; 6]) {
        self.ops.push(Op::Transform(m));
    }
    pub fn set_fill_rgb(&mut self, r: f32, g: f32, b: f32) {
        self.ops.push(Op::FillRgb([r, g, b]));
    }
    pub fn set_stroke_rgb(&mut self, r: f32, g: f32, b: f32) {
        self.ops.push(Op::StrokeRgb([r, g, b]));
    }
    pub fn set_line_width(&mut self, w: f32) {
        self.ops.push(Op::LineWidth(w));
    }
    pub fn set_round_join(&mut self) {
        self.ops.push(Op::RoundJoin);
    }
    pub fn move_to(&mut self, x: f32, y: f32) {
        self.ops.push(Op::MoveTo(x, y));
    }
    pub fn line_to(&mut self, x: f32, y: f32) {
        self.ops.push(Op::LineTo(x, y));
    }
    pub fn cubic_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.ops.push(Op::CubicTo([x1, y1, x2, y2, x, y]));
    }
    pub fn close_path(&mut self) {
        self.ops.push(Op::Close);
    }
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops.push(Op::Rect([x, y, w, h]));
    }
    pub fn paint(&mut self, p: Paint) {
        self.ops.push(Op::Paint(p));
    }
    pub fn fill_nonzero(&mut self) {
        self.paint(Paint::Fill);
    }
    pub fn stroke(&mut self) {
        self.paint(Paint::Stroke);
    }
    pub fn text(&mut self, run: TextRun) {
        self.ops.push(Op::Text(run));
    }
}

/// The page art of a layout (border bands, frames, rosettes, background), the same for
/// every licence of the type: recorded once, and kept with each writer's encoding of it, as
/// encoding the guilloche is most of a render's work.
#[derive(Debug, Clone, Default)]
pub struct ArtLayer {
    ops: Vec<Op>,
    pdf: OnceLock<Vec<u8>>,
    other: OnceLock<Vec<u8>>,
    raster: OnceLock<(u32, Vec<u8>)>,
}

impl ArtLayer {
    /// The art's ops.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The PDF writer's encoding, made on first use.
    pub(crate) fn pdf(&self, make: impl FnOnce(&[Op]) -> Vec<u8>) -> &[u8] {
        self.pdf.get_or_init(|| make(&self.ops))
    }

    /// Another writer's encoding (the OFD writer's), made on first use.
    pub fn cached(&self, make: impl FnOnce(&[Op]) -> Vec<u8>) -> &[u8] {
        self.other.get_or_init(|| make(&self.ops))
    }

    /// The raster writer's painting at one resolution (`key`), made on first use; `None`
    /// for any other resolution, which the caller paints afresh (one is kept: copies are
    /// painted at one).
    #[cfg(feature = "raster")]
    pub(crate) fn raster(&self, key: u32, make: impl FnOnce(&[Op]) -> Vec<u8>) -> Option<&[u8]> {
        let (k, pixels) = self.raster.get_or_init(|| (key, make(&self.ops)));
        (*k == key).then_some(pixels.as_slice())
    }
}

/// Where the QR code goes: its symbol and its square (quiet zone included).
#[derive(Debug, Clone)]
pub struct QrSlot {
    /// The symbol.
    pub symbol: QrSymbol,
    /// Left, points.
    pub x: f32,
    /// Top, points from the bottom.
    pub top: f32,
    /// Side, points.
    pub size: f32,
}

impl QrSlot {
    /// The symbol with its quiet zone as ops: a white square, and the dark modules as black
    /// rectangles, one per horizontal run, in a module-sized user space (exact module
    /// coordinates, so rounding cannot open gaps between them).
    pub fn ops(&self) -> Vec<Op> {
        // ISO/IEC 18004 asks for 4 modules of quiet zone (as zhengku-qr's images have).
        let quiet = 4;
        let qr = &self.symbol;
        let n = qr.width();
        let m = self.size / (n + 2 * quiet) as f32;
        let (x, top) = (self.x, self.top);
        let mut list = DisplayList::default();
        list.save_state();
        list.set_fill_rgb(1.0, 1.0, 1.0);
        list.rect(
            round(x),
            round(top - self.size),
            round(self.size),
            round(self.size),
        );
        list.fill_nonzero();
        list.set_fill_rgb(0.0, 0.0, 0.0);
        list.transform([
            m,
            0.0,
            0.0,
            -m,
            x + quiet as f32 * m,
            top - quiet as f32 * m,
        ]);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if !qr.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && qr.is_dark(col, row) {
                    col += 1;
                }
                list.rect(start as f32, row as f32, (col - start) as f32, 1.0);
            }
        }
        list.fill_nonzero();
        list.restore_state();
        list.ops
    }
}

/// Where the seal impression goes: the square its picture is fitted into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SealSlot {
    /// Left, points.
    pub x: f32,
    /// Top, points from the bottom.
    pub top: f32,
    /// Side, points.
    pub size: f32,
}

/// A laid-out licence face.
#[derive(Debug)]
pub struct Face<'l> {
    /// Page width, points.
    pub width: f32,
    /// Page height, points.
    pub height: f32,
    /// The layout's art, drawn first.
    pub art: &'l ArtLayer,
    /// Everything else but the QR code and the seal, in drawing order.
    pub ops: Vec<Op>,
    /// The QR code.
    pub qr: QrSlot,
    /// The seal impression's square.
    pub seal: SealSlot,
    /// Every glyph the text runs use, with the character it was first used for.
    pub glyphs: BTreeMap<u16, char>,
}

impl Face<'_> {
    /// A point `(x, y)` (points, bottom-left origin) in millimetres from the top-left.
    pub fn mm(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (x / PT_PER_MM, (self.height - y) / PT_PER_MM)
    }

    /// The text runs, in drawing order.
    pub fn runs(&self) -> impl Iterator<Item = &TextRun> {
        self.ops.iter().filter_map(|op| match op {
            Op::Text(run) => Some(run),
            _ => None,
        })
    }
}

/// What a face is laid out from.
#[derive(Debug, Clone, Copy)]
pub struct FaceInput<'a> {
    /// The licence.
    pub licence: &'a SignedLicence,
    /// Its type (labels and kinds of the face fields).
    pub licence_type: &'a LicenceType,
    /// The type's layout.
    pub layout: &'a Layout,
    /// The font.
    pub font: &'a CjkFont,
    /// The QR code's text.
    pub qr_text: &'a str,
    /// The issuing department's name, printed as 发证机关 when the layout names
    /// `issuer_name`.
    pub issuer_name: &'a str,
}

/// Concatenates affine matrices `[a b c d e f]`: `a` then `b`, as PDF's `cm` does (the new
/// transform is `a × current`) and as SVG applies an inner transform before an outer one.
pub fn concat(a: [f32; 6], b: [f32; 6]) -> [f32; 6] {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// Page geometry: millimetres from the top-left corner to points from the bottom-left.
pub(crate) struct Geometry {
    pub(crate) width: f32,
    pub(crate) height: f32,
}

impl Geometry {
    pub(crate) fn pt(&self, mm: f32) -> f32 {
        mm * PT_PER_MM
    }

    pub(crate) fn x(&self, mm: f32) -> f32 {
        mm * PT_PER_MM
    }

    pub(crate) fn y(&self, mm_from_top: f32) -> f32 {
        self.height - mm_from_top * PT_PER_MM
    }
}

/// Lays the licence out on its type's layout; see the module documentation.
pub fn lay_out<'l>(input: &FaceInput<'l>) -> Result<Face<'l>, RenderError> {
    let record = input.licence.record();
    if record.type_code != *input.licence_type.code() {
        return Err(RenderError::TypeMismatch {
            licence: record.type_code.to_string(),
            given: input.licence_type.code().to_string(),
        });
    }
    let layout = input.layout;
    let face = input
        .font
        .face()
        .ok_or_else(|| RenderError::Font("the font no longer parses".into()))?;
    let mut text = TextSet::new(&face);
    let g = Geometry {
        width: layout.page.width_mm * PT_PER_MM,
        height: layout.page.height_mm * PT_PER_MM,
    };
    let symbol = QrSymbol::new(input.qr_text)?;
    let art = layout.art_cache.0.get_or_init(|| {
        let mut list = DisplayList::default();
        if let Some(Colour([r, gr, b])) = layout.page.background {
            list.set_fill_rgb(r, gr, b);
            list.rect(0.0, 0.0, g.width, g.height);
            list.fill_nonzero();
        }
        for piece in &layout.art {
            art::draw_art(&mut list, &g, piece);
        }
        ArtLayer {
            ops: list.ops,
            ..ArtLayer::default()
        }
    });

    let mut list = DisplayList::default();
    draw_title(&mut list, &mut text, &g, input)?;
    for fixed in &layout.texts {
        let size = fixed.size_pt;
        let w = text.width(&fixed.text, size, "text")?;
        let x = match fixed.align {
            Align::Left => g.x(fixed.x_mm),
            Align::Centre => g.x(fixed.x_mm) - w / 2.0,
            Align::Right => g.x(fixed.x_mm) - w,
        };
        let y = g.y(fixed.y_mm);
        text.show(
            &mut list,
            &fixed.text,
            "text",
            (x, y),
            size,
            fixed.colour,
            0.0,
            false,
        )?;
    }
    for field in &layout.fields {
        draw_field(&mut list, &mut text, &g, input, field)?;
    }

    // The QR code's caption, under its square.
    let q = &layout.qr;
    if let Some(caption) = &q.caption {
        let size = q.caption_size_pt;
        let lines = text.wrap(caption, g.pt(q.size_mm) + 4.0 * size, size, "qr.caption")?;
        let centre = g.x(q.x_mm + q.size_mm / 2.0);
        let mut y = g.y(q.y_mm + q.size_mm) - size * 1.2;
        for Line {
            text: line,
            width_pt,
        } in lines
        {
            text.show(
                &mut list,
                &line,
                "qr.caption",
                (centre - width_pt / 2.0, y),
                size,
                layout.style.label_colour,
                0.0,
                false,
            )?;
            y -= size * 1.3;
        }
    }
    let s = &layout.seal;
    let seal_size = g.pt(s.size_mm);
    Ok(Face {
        width: g.width,
        height: g.height,
        art,
        ops: list.ops,
        qr: QrSlot {
            symbol,
            x: g.x(q.x_mm),
            top: g.y(q.y_mm),
            size: g.pt(q.size_mm),
        },
        seal: SealSlot {
            x: g.x(s.centre_x_mm) - seal_size / 2.0,
            top: g.y(s.centre_y_mm) + seal_size / 2.0,
            size: seal_size,
        },
        glyphs: text.into_used(),
    })
}

fn draw_title(
    list: &mut DisplayList,
    text: &mut TextSet<'_>,
    g: &Geometry,
    input: &FaceInput<'_>,
) -> Result<(), RenderError> {
    let t = &input.layout.title;
    let title = t.text.as_deref().unwrap_or(input.licence_type.name());
    let spacing = t.spacing_em * t.size_pt;
    let n = title.chars().count() as f32;
    // Character spacing follows every character; the last one's is not part of the width.
    let w = text.width(title, t.size_pt, "title")? + spacing * (n - 1.0).max(0.0);
    text.show(
        list,
        title,
        "title",
        (g.x(t.x_mm) - w / 2.0, g.y(t.y_mm)),
        t.size_pt,
        t.colour,
        spacing,
        t.bold,
    )
}

/// What a layout item prints: label and value.
fn item_text(
    input: &FaceInput<'_>,
    record: &LicenceRecord,
    item: &str,
) -> Result<Option<(String, String)>, RenderError> {
    let date = zh_date;
    let until = record.valid_until.map_or_else(|| "长期".to_owned(), date);
    let core = match item {
        "identifier" => Some(("证照标识", record.identifier.to_string())),
        "licence_number" => Some(("证照编号", record.licence_number.clone())),
        "holder_name" => Some(("持证主体", record.holder_name.clone())),
        "holder_code" => Some((
            record.holder_code_type().label_zh(),
            record.holder_code.as_str().to_owned(),
        )),
        "issuer_name" => Some(("发证机关", input.issuer_name.to_owned())),
        "issue_date" => Some(("发证日期", date(record.issue_date))),
        "valid_from" => Some(("有效期自", date(record.valid_from))),
        "valid_until" => Some(("有效期至", until.clone())),
        "validity" => Some((
            "有效期限",
            format!("{}至{}", date(record.valid_from), until),
        )),
        "type_name" => Some(("证照类型", record.type_name.clone())),
        _ => None,
    };
    if let Some((label, value)) = core {
        return Ok(Some((label.to_owned(), value)));
    }
    let name = item.strip_prefix("face.").unwrap_or(item);
    let def = input
        .licence_type
        .field(name)
        .ok_or_else(|| RenderError::UnknownItem(item.to_owned()))?;
    let Some(raw) = record.face.get(name) else {
        // An optional field the licence does not have: nothing is printed.
        return Ok(None);
    };
    let value = match def.kind() {
        FieldKind::Date => zhengku_model::date::parse_date(raw)
            .map(date)
            .unwrap_or_else(|_| raw.clone()),
        FieldKind::Money { unit, .. } => format!("{raw}{}", unit.as_deref().unwrap_or("")),
        _ => raw.clone(),
    };
    Ok(Some((def.label().to_owned(), value)))
}

/// A date as printed on a licence: 2024年03月15日.
pub fn zh_date(d: time::Date) -> String {
    format!("{}年{:02}月{:02}日", d.year(), u8::from(d.month()), d.day())
}

fn draw_field(
    list: &mut DisplayList,
    text: &mut TextSet<'_>,
    g: &Geometry,
    input: &FaceInput<'_>,
    f: &FieldBox,
) -> Result<(), RenderError> {
    let style = &input.layout.style;
    let record = input.licence.record();
    let Some((default_label, value)) = item_text(input, record, &f.item)? else {
        return Ok(());
    };
    let label = f.label.clone().unwrap_or(default_label);
    let item = f.item.as_str();
    let (x, y) = (g.x(f.x_mm), g.y(f.y_mm));

    // The label: spread over its room (名　　称) or followed by a colon (名称：), shrunk if
    // it does not fit.
    if !label.is_empty() {
        let mut size = f.label_size_pt.unwrap_or(f.size_pt);
        let label = if style.label_colon {
            format!("{label}：")
        } else {
            label
        };
        let room = g.pt(f.label_width_mm) - if style.label_colon { 0.0 } else { size };
        let natural = text.width(&label, size, item)?;
        if natural > room && natural > 0.0 {
            size *= room / natural;
        }
        let n = label.chars().count() as f32;
        let spacing = if style.label_colon || n < 2.0 {
            0.0
        } else {
            ((room - text.width(&label, size, item)?) / (n - 1.0)).clamp(0.0, size * 2.0)
        };
        text.show(
            list,
            &label,
            item,
            (x, y),
            size,
            style.label_colour,
            spacing,
            false,
        )?;
    }

    // The value: wrapped, shrunk to fit the box, cut with … if still too long.
    let value_x = x + g.pt(f.label_width_mm);
    let width = g.pt(f.width_mm - f.label_width_mm);
    let min = f.min_size_pt.unwrap_or(f.size_pt);
    let mut size = f.size_pt;
    let lines = loop {
        let lines = text.wrap(&value, width, size, item)?;
        let fits = |n: usize| match f.height_mm {
            None => n <= 1,
            Some(h) => {
                // The first baseline is at y; each further line adds a line height.
                (n as f32 - 1.0) * size * style.line_height + size * 0.3 <= g.pt(h)
            }
        };
        if fits(lines.len()) {
            break lines;
        }
        if size - 0.25 >= min {
            size -= 0.25;
            continue;
        }
        // Still too long at the smallest size: keep what fits and end with an ellipsis.
        let max_lines = match f.height_mm {
            None => 1,
            Some(h) => ((g.pt(h) - size * 0.3) / (size * style.line_height) + 1.0).floor() as usize,
        }
        .max(1);
        let mut kept: Vec<Line> = lines.into_iter().take(max_lines).collect();
        if let Some(last) = kept.last_mut() {
            let ellipsis = "…";
            let ew = text.width(ellipsis, size, item)?;
            while last.width_pt + ew > width && last.text.pop().is_some() {
                last.width_pt = text.width(&last.text, size, item)?;
            }
            last.text.push_str(ellipsis);
            last.width_pt += ew;
        }
        break kept;
    };
    let mut line_y = y;
    for line in lines {
        text.show(
            list,
            &line.text,
            item,
            (value_x, line_y),
            size,
            style.text_colour,
            0.0,
            false,
        )?;
        line_y -= size * style.line_height;
    }
    Ok(())
}

/// Appends the outline of glyph `gid` (font units, y up) to the current path; `false` when
/// the glyph has none. Text drawn this way is part of the picture, not extractable text,
/// and needs no font in the file: seal pictures and copy watermarks use it.
pub(crate) fn glyph_outline(
    list: &mut DisplayList,
    face: &ttf_parser::Face<'_>,
    gid: ttf_parser::GlyphId,
) -> bool {
    struct Sink<'a> {
        list: &'a mut DisplayList,
        last: (f32, f32),
    }
    impl ttf_parser::OutlineBuilder for Sink<'_> {
        fn move_to(&mut self, x: f32, y: f32) {
            self.list.move_to(x, y);
            self.last = (x, y);
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.list.line_to(x, y);
            self.last = (x, y);
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            let (x0, y0) = self.last;
            self.list.cubic_to(
                x0 + 2.0 / 3.0 * (x1 - x0),
                y0 + 2.0 / 3.0 * (y1 - y0),
                x + 2.0 / 3.0 * (x1 - x),
                y + 2.0 / 3.0 * (y1 - y),
                x,
                y,
            );
            self.last = (x, y);
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.list.cubic_to(x1, y1, x2, y2, x, y);
            self.last = (x, y);
        }
        fn close(&mut self) {
            self.list.close_path();
        }
    }
    let mut sink = Sink {
        list,
        last: (0.0, 0.0),
    };
    face.outline_glyph(gid, &mut sink).is_some()
}

/// The fields of an annotated copy (加注件, GB/T 36903), as printed and as carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFields {
    /// 加注件制作时间: when the copy was made, `YYYY-MM-DD HH:MM:SS` China Standard Time.
    pub made_at: String,
    /// 加注件制作者: who made it (the library, for the department that asked).
    pub made_by: String,
    /// 加注件制作事由: why (the use-cause).
    pub cause: String,
    /// The matter (事项) the copy is for, as printed in the watermark: 仅供办理…使用.
    pub matter: String,
    /// 加注件有效期截止时间: the last day the copy may be used.
    pub valid_until: time::Date,
}

impl CopyFields {
    /// The watermark's lines: 仅供办理{matter}使用 and 有效期至{date}.
    pub fn watermark_lines(&self) -> [String; 2] {
        [
            format!("仅供办理{}使用", self.matter),
            format!("有效期至{}", zh_date(self.valid_until)),
        ]
    }

    /// The fields line printed along the page's foot.
    pub fn footer(&self) -> String {
        format!(
            "加注件　制作者：{}　制作时间：{}　事由：{}　有效期至：{}",
            self.made_by,
            self.made_at,
            self.cause,
            zh_date(self.valid_until)
        )
    }
}

/// The watermark ink: red, stroked only, so the face under it stays readable.
const WATERMARK_RED: [f32; 3] = [0.84, 0.1, 0.1];

/// An annotated copy's watermark over a page of `width` × `height` points: the two lines of
/// [`CopyFields::watermark_lines`] large and turned 25° across the middle, and
/// [`CopyFields::footer`] small along the foot, all as glyph outlines in red (no font goes
/// into the file: the original's subset may lack these characters, and its resources are
/// sealed).
pub fn watermark(
    font: &CjkFont,
    width: f32,
    height: f32,
    fields: &CopyFields,
) -> Result<Vec<Op>, RenderError> {
    let face = font
        .face()
        .ok_or_else(|| RenderError::Font("the font no longer parses".into()))?;
    let upem = f32::from(face.units_per_em().max(1));
    let text = TextSet::new(&face);
    let mut list = DisplayList::default();
    // One run of outlines: baseline start (x, y) in the current space, `size` points.
    let outlined = |list: &mut DisplayList, s: &str, (x, y): (f32, f32), size: f32| {
        let mut pen = x;
        for c in s.chars() {
            let gid = text.glyph(c, "copy watermark")?;
            let k = size / upem;
            list.save_state();
            list.transform([k, 0.0, 0.0, k, pen, y]);
            if glyph_outline(list, &face, gid) {
                list.paint(Paint::Stroke);
            }
            list.restore_state();
            pen += text.advance(c, "copy watermark")? * size;
        }
        Ok::<(), RenderError>(())
    };
    let lines = fields.watermark_lines();
    let angle = 25f32.to_radians();
    let (sin, cos) = angle.sin_cos();
    // The longer line spans 55% of the page's width, turned about a point below and left of
    // the centre, so that its upper end stays clear of the QR code in the upper right.
    let longest = lines
        .iter()
        .map(|l| text.width(l, 1.0, "copy watermark"))
        .collect::<Result<Vec<f32>, _>>()?
        .into_iter()
        .fold(1.0f32, f32::max);
    let size = (width * 0.55 / longest).min(44.0);
    list.save_state();
    list.set_stroke_rgb(WATERMARK_RED[0], WATERMARK_RED[1], WATERMARK_RED[2]);
    list.transform([cos, sin, -sin, cos, width * 0.46, height * 0.42]);
    for (i, line) in lines.iter().enumerate() {
        let w = text.width(line, size, "copy watermark")?;
        let y = if i == 0 { size * 0.15 } else { -size * 1.15 };
        // Line widths are in glyph units inside each glyph's transform.
        list.set_line_width(upem * 0.012);
        outlined(&mut list, line, (-w / 2.0, y), size)?;
    }
    list.restore_state();
    // The fields along the foot, filled (small text reads better solid), on a white band
    // over the page's border art.
    let foot = fields.footer();
    let mut foot_size = 7.0;
    let foot_w = text.width(&foot, foot_size, "copy fields")?;
    if foot_w > width * 0.9 {
        foot_size *= width * 0.9 / foot_w;
    }
    let foot_w = text.width(&foot, foot_size, "copy fields")?;
    let k = foot_size / upem;
    let mut pen = (width - foot_w) / 2.0;
    let baseline = foot_size * 1.1;
    list.save_state();
    list.set_fill_rgb(1.0, 1.0, 1.0);
    list.rect(
        pen - foot_size,
        baseline - foot_size * 0.6,
        foot_w + 2.0 * foot_size,
        foot_size * 1.9,
    );
    list.fill_nonzero();
    list.set_fill_rgb(WATERMARK_RED[0], WATERMARK_RED[1], WATERMARK_RED[2]);
    for c in foot.chars() {
        let gid = text.glyph(c, "copy fields")?;
        list.save_state();
        list.transform([k, 0.0, 0.0, k, pen, baseline]);
        if glyph_outline(&mut list, &face, gid) {
            list.paint(Paint::Fill);
        }
        list.restore_state();
        pen += text.advance(c, "copy fields")? * foot_size;
    }
    list.restore_state();
    Ok(list.ops)
}
