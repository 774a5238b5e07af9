//! The licence face as pixels (feature `raster`): the same display list the PDF and OFD
//! writers replay ([`crate::face`]), painted with tiny-skia into an RGB raster. Annotated
//! copies handed out as pictures (PNG, `zhengku-png`) are made here.
//!
//! What is painted, in order, on white: the layout's art, the face's ops (text as the
//! outlines of the licence's font, so no font renderer is involved), the QR code
//! ([`QrSlot::ops`]), the seal impressions given (SVG through the same interpreter the PDF
//! uses, PNG as an image; both multiplied with what is under them, like ink), and an overlay
//! (a copy's watermark). Coordinates stay the display list's: points from the bottom-left;
//! one transform turns them into pixels from the top-left at the resolution asked for.
//!
//! tiny-skia was chosen over resvg: there is no SVG to render, only paths; resvg would bring
//! its own font stack for text we already have as outlines.

use tiny_skia::{
    BlendMode, Color, FillRule, FilterQuality, IntSize, LineJoin, Paint as SkPaint, PathBuilder,
    Pixmap, PixmapPaint, Rect, Stroke, Transform,
};
use zhengku_seal::artwork::PictureFormat;

use crate::face::{DisplayList, Face, Op, Paint, QrSlot, glyph_outline};
use crate::font::CjkFont;
use crate::render::RenderError;
use crate::render::SealPicture;
use crate::render::seal::{decode_premultiplied, draw_svg};

/// Lowest and highest resolution painted, dots per inch: below 72 a QR module of a licence
/// page falls under two pixels; above 600 an A4 page passes 34 million pixels.
pub const DPI_RANGE: std::ops::RangeInclusive<f32> = 72.0..=600.0;

/// A seal impression to paint: its picture fitted into a square.
#[derive(Debug, Clone, Copy)]
pub struct Impression<'a> {
    /// The picture, as the seal carries it.
    pub picture: SealPicture<'a>,
    /// The square's top-left corner, points (bottom-left origin).
    pub corner: (f32, f32),
    /// The square's side, points.
    pub size: f32,
}

/// A painted page: 8-bit RGB, rows top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// The resolution painted at, dots per inch.
    pub dpi: f32,
    /// `width × height × 3` samples.
    pub rgb: Vec<u8>,
}

/// Paints `face` with `impressions` over it and `overlay` on top (module docs) at `dpi`.
pub fn rasterise(
    face: &Face<'_>,
    font: &CjkFont,
    impressions: &[Impression<'_>],
    overlay: &[Op],
    dpi: f32,
) -> Result<Raster, RenderError> {
    if !DPI_RANGE.contains(&dpi) {
        return Err(RenderError::Raster(format!(
            "{dpi} dpi is outside {}–{}",
            DPI_RANGE.start(),
            DPI_RANGE.end()
        )));
    }
    let scale = dpi / 72.0;
    let (width, height) = (
        (face.width * scale).ceil() as u32,
        (face.height * scale).ceil() as u32,
    );
    let font_face = font
        .face()
        .ok_or_else(|| RenderError::Font("the font no longer parses".into()))?;
    let page = Transform::from_row(scale, 0.0, 0.0, -scale, 0.0, face.height * scale);
    let blank = || {
        let mut p = Pixmap::new(width, height)?;
        p.fill(Color::WHITE);
        Some(p)
    };
    // The art is the same for every licence of the layout, and most of the painting: kept
    // painted (at one resolution), and copied under each face.
    let art = face.art.raster(dpi.to_bits(), |ops| {
        blank().map_or_else(Vec::new, |mut p| {
            Painter::new(&mut p, page, &font_face).replay(ops);
            p.take()
        })
    });
    let mut pixmap = match art
        .and_then(|a| IntSize::from_wh(width, height).and_then(|s| Pixmap::from_vec(a.to_vec(), s)))
    {
        Some(p) => p,
        None => {
            let mut p =
                blank().ok_or_else(|| RenderError::Raster(format!("{width}×{height} pixels")))?;
            Painter::new(&mut p, page, &font_face).replay(face.art.ops());
            p
        }
    };
    let mut painter = Painter::new(&mut pixmap, page, &font_face);
    painter.replay(&face.ops);
    painter.replay(&QrSlot::ops(&face.qr));
    for i in impressions {
        painter.blend = BlendMode::Multiply;
        match i.picture.format {
            PictureFormat::Svg => {
                let mut list = DisplayList::default();
                draw_svg(&mut list, i.picture.bytes, &font_face, i.corner, i.size)?;
                painter.replay(&list.ops);
            }
            PictureFormat::Png => painter.image(i.picture.bytes, i.corner, i.size)?,
        }
        painter.blend = BlendMode::SourceOver;
    }
    painter.replay(overlay);
    drop(painter);
    // The page is opaque (white first), so premultiplied samples are the colours.
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    Ok(Raster {
        width,
        height,
        dpi,
        rgb,
    })
}

/// The graphics state saved and restored by `Save`/`Restore`.
#[derive(Clone, Copy)]
struct State {
    ctm: Transform,
    fill: [f32; 3],
    stroke: [f32; 3],
    line_width: f32,
    round_join: bool,
}

/// Replays ops onto a pixmap, as a PDF viewer would.
struct Painter<'p, 'f> {
    pixmap: &'p mut Pixmap,
    font: &'p ttf_parser::Face<'f>,
    state: State,
    saved: Vec<State>,
    path: PathBuilder,
    blend: BlendMode,
}

fn colour([r, g, b]: [f32; 3]) -> Color {
    Color::from_rgba(r.clamp(0.0, 1.0), g.clamp(0.0, 1.0), b.clamp(0.0, 1.0), 1.0)
        .unwrap_or(Color::BLACK)
}

impl<'p, 'f> Painter<'p, 'f> {
    fn new(pixmap: &'p mut Pixmap, page: Transform, font: &'p ttf_parser::Face<'f>) -> Self {
        Painter {
            pixmap,
            font,
            state: State {
                ctm: page,
                fill: [0.0; 3],
                stroke: [0.0; 3],
                line_width: 1.0,
                round_join: false,
            },
            saved: Vec::new(),
            path: PathBuilder::new(),
            blend: BlendMode::SourceOver,
        }
    }

    fn replay(&mut self, ops: &[Op]) {
        for op in ops {
            match op {
                Op::Save => self.saved.push(self.state),
                Op::Restore => {
                    if let Some(s) = self.saved.pop() {
                        self.state = s;
                    }
                }
                Op::Transform([a, b, c, d, e, f]) => {
                    self.state.ctm = self
                        .state
                        .ctm
                        .pre_concat(Transform::from_row(*a, *b, *c, *d, *e, *f));
                }
                Op::FillRgb(c) => self.state.fill = *c,
                Op::StrokeRgb(c) => self.state.stroke = *c,
                Op::LineWidth(w) => self.state.line_width = *w,
                Op::RoundJoin => self.state.round_join = true,
                Op::MoveTo(x, y) => self.path.move_to(*x, *y),
                Op::LineTo(x, y) => self.path.line_to(*x, *y),
                Op::CubicTo([a, b, c, d, e, f]) => self.path.cubic_to(*a, *b, *c, *d, *e, *f),
                Op::Close => self.path.close(),
                Op::Rect([x, y, w, h]) => {
                    // A rectangle of negative size is the same rectangle, drawn the other way.
                    let (x, w) = if *w < 0.0 { (x + w, -w) } else { (*x, *w) };
                    let (y, h) = if *h < 0.0 { (y + h, -h) } else { (*y, *h) };
                    if let Some(r) = Rect::from_xywh(x, y, w, h) {
                        self.path.push_rect(r);
                    }
                }
                Op::Paint(p) => self.paint(*p),
                Op::Text(run) => self.text(run),
            }
        }
    }

    /// Paints the current path and starts a new one.
    fn paint(&mut self, p: Paint) {
        let builder = std::mem::replace(&mut self.path, PathBuilder::new());
        let Some(path) = builder.finish() else {
            return;
        };
        let s = self.state;
        let mut paint = SkPaint {
            anti_alias: true,
            blend_mode: self.blend,
            ..SkPaint::default()
        };
        if p.fills() {
            paint.set_color(colour(s.fill));
            let rule = if p.even_odd() {
                FillRule::EvenOdd
            } else {
                FillRule::Winding
            };
            self.pixmap.fill_path(&path, &paint, rule, s.ctm, None);
        }
        if p.strokes() {
            paint.set_color(colour(s.stroke));
            let stroke = Stroke {
                width: s.line_width.max(0.0),
                line_join: if s.round_join {
                    LineJoin::Round
                } else {
                    LineJoin::Miter
                },
                ..Stroke::default()
            };
            self.pixmap.stroke_path(&path, &paint, &stroke, s.ctm, None);
        }
    }

    /// A text run as glyph outlines, filled (and stroked when bold, as the PDF does).
    fn text(&mut self, run: &crate::face::TextRun) {
        let upem = f32::from(self.font.units_per_em().max(1));
        let k = run.size / upem;
        let mut pen = run.x;
        for (&gid, advance) in run.glyphs.iter().zip(&run.advances) {
            let mut list = DisplayList::default();
            list.save_state();
            list.set_fill_rgb(run.colour[0], run.colour[1], run.colour[2]);
            list.transform([k, 0.0, 0.0, k, pen, run.y]);
            if glyph_outline(&mut list, self.font, ttf_parser::GlyphId(gid)) {
                if run.bold {
                    list.set_stroke_rgb(run.colour[0], run.colour[1], run.colour[2]);
                    // 3.5% of the size, in glyph units.
                    list.set_line_width(run.size * 0.035 / k);
                    list.paint(Paint::FillStroke);
                } else {
                    list.paint(Paint::Fill);
                }
            }
            list.restore_state();
            self.replay(&list.ops);
            pen += advance + run.spacing;
        }
    }

    /// A PNG picture fitted, centred, into the square at `corner` of side `size` points.
    fn image(&mut self, png: &[u8], corner: (f32, f32), size: f32) -> Result<(), RenderError> {
        let (w, h, pixels) = decode_premultiplied(png)?;
        let picture = IntSize::from_wh(w, h)
            .and_then(|s| Pixmap::from_vec(pixels, s))
            .ok_or_else(|| RenderError::Seal(format!("PNG: {w}×{h} pixels")))?;
        let (wf, hf) = (w as f32, h as f32);
        let k = size / wf.max(hf);
        // Image space is pixels from the top-left, rows down; the page's points go up, so
        // pixel (px, py) lands at (left + k·px, top − k·py).
        let place = Transform::from_row(
            k,
            0.0,
            0.0,
            -k,
            corner.0 + (size - wf * k) / 2.0,
            corner.1 - (size - hf * k) / 2.0,
        );
        let transform = self.state.ctm.pre_concat(place);
        let paint = PixmapPaint {
            blend_mode: self.blend,
            quality: FilterQuality::Bicubic,
            ..PixmapPaint::default()
        };
        self.pixmap
            .draw_pixmap(0, 0, picture.as_ref(), &paint, transform, None);
        Ok(())
    }
}
