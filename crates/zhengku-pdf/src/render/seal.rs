//! The seal impression (印章印模) on the page, from the seal's picture.
//!
//! **SVG** pictures are drawn as vector paths by a small interpreter of the SVG subset that
//! seal pictures may hold (see `zhengku_seal::artwork::check_picture`): `svg`, `g`, `path`
//! (all commands, arcs included), `circle`, `ellipse`, `rect`, `line`, `polyline`,
//! `polygon` and `text`/`tspan`, with `transform`, `fill`, `stroke`, `stroke-width`,
//! `fill-rule`, `font-size`, `font-weight` and `text-anchor` (as attributes or in `style`),
//! inherited as in SVG. Text is drawn as the outlines of the licence's own CJK font (bold is
//! a fill plus a thin stroke), so the seal's characters are part of the picture, as on
//! paper, not extractable page text. Gradients, masks, clip paths and `use` are not drawn.
//! A full SVG renderer (usvg/svg2pdf) was not used: it would bring its own font database
//! and a second PDF writer for one red circle with text.
//!
//! **PNG** pictures become an image XObject (Flate, 8 bits per component) with its alpha
//! channel as a soft mask.
//!
//! Both are painted with the Multiply blend mode, so the text under the seal shows through
//! the red ink like a real stamp.

use std::f32::consts::PI;

use crate::face::DisplayList as Content;
use zhengku_seal::artwork::MAX_PIXELS;

use super::RenderError;
use super::text::round;

/// A decoded PNG, ready to be an image XObject.
pub(super) struct SealImage {
    pub width: u32,
    pub height: u32,
    /// Whether `pixels` is RGB (else greyscale).
    pub rgb: bool,
    /// Flate-compressed samples.
    pub pixels: Vec<u8>,
    /// Flate-compressed alpha, if the picture has transparency.
    pub alpha: Option<Vec<u8>>,
}

/// A PNG seal picture's samples, 8 bits each, as decoded.
struct Samples {
    width: u32,
    height: u32,
    /// Samples per pixel (1 to 4).
    channels: usize,
    /// Whether the colour is RGB (else greyscale).
    rgb: bool,
    /// Whether the last sample of each pixel is alpha.
    has_alpha: bool,
    buf: Vec<u8>,
}

/// Decodes a PNG seal picture to 8-bit samples, refusing pictures over the seal pictures'
/// pixel bound before any pixel is decoded.
fn samples(data: &[u8]) -> Result<Samples, RenderError> {
    let bad = |e: String| RenderError::Seal(format!("PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| bad(e.to_string()))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(bad(format!("{width}×{height} pixels is too large")));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| bad("image too large to decode".into()))?;
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| bad(e.to_string()))?;
    buf.truncate(info.buffer_size());
    let (channels, rgb, has_alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, false, false),
        png::ColorType::GrayscaleAlpha => (2, false, true),
        png::ColorType::Rgb => (3, true, false),
        png::ColorType::Rgba => (4, true, true),
        png::ColorType::Indexed => return Err(bad("palette not expanded".into())),
    };
    Ok(Samples {
        width,
        height,
        channels,
        rgb,
        has_alpha,
        buf,
    })
}

/// Decodes a PNG seal picture.
pub(super) fn decode_png(data: &[u8]) -> Result<SealImage, RenderError> {
    let Samples {
        width,
        height,
        channels,
        rgb,
        has_alpha,
        buf,
    } = samples(data)?;
    let colour_channels = if rgb { 3 } else { 1 };
    let mut pixels = Vec::with_capacity(buf.len());
    let mut alpha = Vec::with_capacity(buf.len() / channels);
    for px in buf.chunks_exact(channels) {
        pixels.extend_from_slice(&px[..colour_channels]);
        if has_alpha {
            alpha.push(px[channels - 1]);
        }
    }
    Ok(SealImage {
        width,
        height,
        rgb,
        pixels: miniz_oxide::deflate::compress_to_vec_zlib(&pixels, 6),
        alpha: has_alpha.then(|| miniz_oxide::deflate::compress_to_vec_zlib(&alpha, 6)),
    })
}

/// Decodes a PNG seal picture to premultiplied RGBA (the raster writer's pixels): width,
/// height and the samples.
#[cfg(feature = "raster")]
pub(crate) fn decode_premultiplied(data: &[u8]) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let s = samples(data)?;
    let mut out = Vec::with_capacity(s.buf.len() / s.channels * 4);
    for px in s.buf.chunks_exact(s.channels) {
        let (r, g, b) = if s.rgb {
            (px[0], px[1], px[2])
        } else {
            (px[0], px[0], px[0])
        };
        let a = if s.has_alpha { px[s.channels - 1] } else { 255 };
        // Premultiplied, rounding to nearest: c·a/255.
        let pm = |c: u8| ((u16::from(c) * u16::from(a) + 127) / 255) as u8;
        out.extend_from_slice(&[pm(r), pm(g), pm(b), a]);
    }
    Ok((s.width, s.height, out))
}

/// Paint inherited down the SVG tree.
#[derive(Clone, Copy)]
struct Paint {
    fill: Option<[f32; 3]>,
    stroke: Option<[f32; 3]>,
    stroke_width: f32,
    even_odd: bool,
    font_size: f32,
    bold: bool,
    anchor: Anchor,
}

#[derive(Clone, Copy, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

/// Draws an SVG seal picture into the square of side `size` points whose top-left corner is
/// (`x`, `top`), keeping its aspect ratio, centred.
pub(crate) fn draw_svg(
    content: &mut Content,
    svg: &[u8],
    face: &ttf_parser::Face<'_>,
    (x, top): (f32, f32),
    size: f32,
) -> Result<(), RenderError> {
    let bad = |e: String| RenderError::Seal(format!("SVG: {e}"));
    let text = std::str::from_utf8(svg).map_err(|e| bad(e.to_string()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(text, options).map_err(|e| bad(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(bad("the root element is not <svg>".into()));
    }
    let (vx, vy, vw, vh) = match root.attribute("viewBox").map(numbers) {
        Some(v) if v.len() == 4 && v[2] > 0.0 && v[3] > 0.0 => (v[0], v[1], v[2], v[3]),
        _ => {
            let w = root.attribute("width").and_then(length).unwrap_or(100.0);
            let h = root.attribute("height").and_then(length).unwrap_or(w);
            (0.0, 0.0, w.max(1e-3), h.max(1e-3))
        }
    };
    let scale = size / vw.max(vh);
    let (dx, dy) = ((size - vw * scale) / 2.0, (size - vh * scale) / 2.0);
    content.save_state();
    // SVG user space (y down) into the page (y up).
    content.transform([
        scale,
        0.0,
        0.0,
        -scale,
        x + dx - vx * scale,
        top - dy + vy * scale,
    ]);
    let paint = Paint {
        fill: Some([0.0, 0.0, 0.0]),
        stroke: None,
        stroke_width: 1.0,
        even_odd: false,
        font_size: 16.0,
        bold: false,
        anchor: Anchor::Start,
    };
    let mut budget = 10_000usize;
    draw_children(content, root, paint, face, &mut budget);
    content.restore_state();
    Ok(())
}

fn draw_children(
    content: &mut Content,
    node: roxmltree::Node<'_, '_>,
    paint: Paint,
    face: &ttf_parser::Face<'_>,
    budget: &mut usize,
) {
    for child in node.children().filter(|n| n.is_element()) {
        // A hostile picture cannot make the page arbitrarily large.
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        draw_element(content, child, paint, face, budget);
    }
}

fn draw_element(
    content: &mut Content,
    el: roxmltree::Node<'_, '_>,
    parent: Paint,
    face: &ttf_parser::Face<'_>,
    budget: &mut usize,
) {
    let name = el.tag_name().name();
    if matches!(
        name,
        "defs"
            | "title"
            | "desc"
            | "symbol"
            | "clipPath"
            | "mask"
            | "linearGradient"
            | "radialGradient"
            | "use"
    ) {
        return;
    }
    let paint = inherit(el, parent);
    if attr(el, "display") == Some("none") || attr(el, "visibility") == Some("hidden") {
        return;
    }
    content.save_state();
    if let Some(t) = el.attribute("transform") {
        content.transform(parse_transform(t));
    }
    let num = |a: &str| el.attribute(a).and_then(length).unwrap_or(0.0);
    match name {
        "svg" | "g" => draw_children(content, el, paint, face, budget),
        "path" => {
            if let Some(d) = el.attribute("d") {
                path_data(content, d);
                paint_path(content, paint);
            }
        }
        "circle" => {
            let r = num("r");
            if r > 0.0 {
                ellipse(content, num("cx"), num("cy"), r, r);
                paint_path(content, paint);
            }
        }
        "ellipse" => {
            let (rx, ry) = (num("rx"), num("ry"));
            if rx > 0.0 && ry > 0.0 {
                ellipse(content, num("cx"), num("cy"), rx, ry);
                paint_path(content, paint);
            }
        }
        "rect" => {
            let (w, h) = (num("width"), num("height"));
            if w > 0.0 && h > 0.0 {
                content.rect(num("x"), num("y"), w, h);
                paint_path(content, paint);
            }
        }
        "line" => {
            content.move_to(num("x1"), num("y1"));
            content.line_to(num("x2"), num("y2"));
            paint_path(
                content,
                Paint {
                    fill: None,
                    ..paint
                },
            );
        }
        "polyline" | "polygon" => {
            let pts = el.attribute("points").map(numbers).unwrap_or_default();
            let mut it = pts.chunks_exact(2);
            if let Some(first) = it.next() {
                content.move_to(first[0], first[1]);
                for p in it {
                    content.line_to(p[0], p[1]);
                }
                if name == "polygon" {
                    content.close_path();
                }
                paint_path(content, paint);
            }
        }
        "text" => draw_text(content, el, paint, face),
        _ => {}
    }
    content.restore_state();
}

/// The element's own value of a presentation property: `style` first, then the attribute.
fn attr<'a>(el: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    el.attribute("style")
        .and_then(|style| {
            style.split(';').find_map(|decl| {
                let (k, v) = decl.split_once(':')?;
                (k.trim() == name).then(|| v.trim())
            })
        })
        .or_else(|| el.attribute(name))
}

fn inherit(el: roxmltree::Node<'_, '_>, parent: Paint) -> Paint {
    let mut p = parent;
    if let Some(v) = attr(el, "fill") {
        p.fill = colour(v).unwrap_or(p.fill);
    }
    if let Some(v) = attr(el, "stroke") {
        p.stroke = colour(v).unwrap_or(p.stroke);
    }
    if let Some(v) = attr(el, "stroke-width").and_then(length) {
        p.stroke_width = v;
    }
    if let Some(v) = attr(el, "fill-rule") {
        p.even_odd = v == "evenodd";
    }
    if let Some(v) = attr(el, "font-size").and_then(length) {
        p.font_size = v;
    }
    if let Some(v) = attr(el, "font-weight") {
        p.bold = v == "bold" || v == "bolder" || v.parse::<u32>().is_ok_and(|w| w >= 600);
    }
    match attr(el, "text-anchor") {
        Some("middle") => p.anchor = Anchor::Middle,
        Some("end") => p.anchor = Anchor::End,
        Some("start") => p.anchor = Anchor::Start,
        _ => {}
    }
    p
}

/// `Some(None)` for `none`, `Some(Some(rgb))` for a colour, `None` if not understood.
fn colour(v: &str) -> Option<Option<[f32; 3]>> {
    let v = v.trim();
    if v == "none" || v == "transparent" {
        return Some(None);
    }
    if let Some(c) = crate::layout::parse_hex_colour(v) {
        return Some(Some(c.0));
    }
    if let Some(inner) = v.strip_prefix("rgb(").and_then(|s| s.strip_suffix(')')) {
        let parts: Vec<f32> = inner
            .split(',')
            .filter_map(|p| {
                let p = p.trim();
                match p.strip_suffix('%') {
                    Some(pc) => pc.parse::<f32>().ok().map(|x| x / 100.0),
                    None => p.parse::<f32>().ok().map(|x| x / 255.0),
                }
            })
            .collect();
        if let [r, g, b] = parts[..] {
            return Some(Some([r, g, b].map(|x| x.clamp(0.0, 1.0))));
        }
    }
    let named = match v.to_ascii_lowercase().as_str() {
        "red" => [1.0, 0.0, 0.0],
        "black" => [0.0, 0.0, 0.0],
        "white" => [1.0, 1.0, 1.0],
        "crimson" => [0.863, 0.078, 0.235],
        "darkred" => [0.545, 0.0, 0.0],
        _ => return None,
    };
    Some(Some(named))
}

/// A length in user units; units other than user units are taken as user units except
/// `mm`, which the picture's own width/height use.
fn length(v: &str) -> Option<f32> {
    let v = v.trim();
    let num = v.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    num.trim().parse::<f32>().ok().filter(|x| x.is_finite())
}

/// Every number in a list (commas and/or whitespace, or signs, separating them).
fn numbers(s: &str) -> Vec<f32> {
    let mut out = Vec::new();
    let mut scan = Scanner::new(s);
    while let Some(n) = scan.number() {
        out.push(n);
    }
    out
}

fn paint_path(content: &mut Content, p: Paint) {
    if let Some([r, g, b]) = p.fill {
        content.set_fill_rgb(r, g, b);
    }
    if let Some([r, g, b]) = p.stroke {
        content.set_stroke_rgb(r, g, b);
        content.set_line_width(p.stroke_width);
    }
    match (p.fill.is_some(), p.stroke.is_some(), p.even_odd) {
        (true, true, false) => content.paint(crate::face::Paint::FillStroke),
        (true, true, true) => content.paint(crate::face::Paint::FillEvenOddStroke),
        (true, false, false) => content.paint(crate::face::Paint::Fill),
        (true, false, true) => content.paint(crate::face::Paint::FillEvenOdd),
        (false, true, _) => content.paint(crate::face::Paint::Stroke),
        (false, false, _) => content.paint(crate::face::Paint::None),
    };
}

/// Four cubic quarter-arcs.
fn ellipse(content: &mut Content, cx: f32, cy: f32, rx: f32, ry: f32) {
    const K: f32 = 0.552_284_8;
    let (kx, ky) = (rx * K, ry * K);
    content.move_to(cx + rx, cy);
    content.cubic_to(cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry);
    content.cubic_to(cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy);
    content.cubic_to(cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry);
    content.cubic_to(cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy);
    content.close_path();
}

use crate::face::concat as mul;

/// An SVG transform list as one PDF matrix.
fn parse_transform(s: &str) -> [f32; 6] {
    let mut m = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    for part in s.split(')') {
        let Some((name, args)) = part.split_once('(') else {
            continue;
        };
        let a = numbers(args);
        let t = match (name.trim().trim_start_matches(',').trim(), a.as_slice()) {
            ("matrix", [a, b, c, d, e, f]) => [*a, *b, *c, *d, *e, *f],
            ("translate", [x]) => [1.0, 0.0, 0.0, 1.0, *x, 0.0],
            ("translate", [x, y]) => [1.0, 0.0, 0.0, 1.0, *x, *y],
            ("scale", [s]) => [*s, 0.0, 0.0, *s, 0.0, 0.0],
            ("scale", [sx, sy]) => [*sx, 0.0, 0.0, *sy, 0.0, 0.0],
            ("rotate", [deg]) => rotation(*deg),
            ("rotate", [deg, cx, cy]) => mul(
                mul([1.0, 0.0, 0.0, 1.0, -cx, -cy], rotation(*deg)),
                [1.0, 0.0, 0.0, 1.0, *cx, *cy],
            ),
            ("skewX", [deg]) => [1.0, 0.0, deg.to_radians().tan(), 1.0, 0.0, 0.0],
            ("skewY", [deg]) => [1.0, deg.to_radians().tan(), 0.0, 1.0, 0.0, 0.0],
            _ => continue,
        };
        // Transforms in a list apply right to left: the later one acts on the point first.
        m = mul(t, m);
    }
    m
}

fn rotation(deg: f32) -> [f32; 6] {
    let (s, c) = deg.to_radians().sin_cos();
    [c, s, -s, c, 0.0, 0.0]
}

/// Text as glyph outlines of the CJK font.
fn draw_text(
    content: &mut Content,
    el: roxmltree::Node<'_, '_>,
    paint: Paint,
    face: &ttf_parser::Face<'_>,
) {
    let text: String = el
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let x = el
        .attribute("x")
        .map(numbers)
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0);
    let y = el
        .attribute("y")
        .map(numbers)
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0);
    let upem = f32::from(face.units_per_em().max(1));
    let k = paint.font_size / upem;
    let glyphs: Vec<(ttf_parser::GlyphId, f32)> = text
        .chars()
        .filter_map(|c| face.glyph_index(c))
        .map(|g| (g, f32::from(face.glyph_hor_advance(g).unwrap_or(0))))
        .collect();
    let width: f32 = glyphs.iter().map(|(_, a)| a * k).sum();
    let mut pen = match paint.anchor {
        Anchor::Start => x,
        Anchor::Middle => x - width / 2.0,
        Anchor::End => x - width,
    };
    let fill = paint.fill.unwrap_or([0.0, 0.0, 0.0]);
    for (gid, advance) in glyphs {
        content.save_state();
        content.transform([k, 0.0, 0.0, -k, pen, y]);
        if crate::face::glyph_outline(content, face, gid) {
            let [r, g, b] = fill;
            content.set_fill_rgb(r, g, b);
            if paint.bold {
                // CJK fonts come in one weight here; a stroke of 4% of the em thickens it.
                content.set_stroke_rgb(r, g, b);
                content.set_line_width(upem * 0.04);
                content.set_round_join();
                content.paint(crate::face::Paint::FillStroke);
            } else {
                content.fill_nonzero();
            }
        }
        content.restore_state();
        pen += advance * k;
    }
}

/// Reads numbers and command letters of SVG path data and point lists.
struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Scanner<'a> {
        Scanner {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn skip_separators(&mut self) {
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_whitespace() || self.s[self.i] == b',')
        {
            self.i += 1;
        }
    }

    /// The next command letter, if one comes next.
    fn command(&mut self) -> Option<u8> {
        self.skip_separators();
        let c = *self.s.get(self.i)?;
        if c.is_ascii_alphabetic() && c != b'e' && c != b'E' {
            self.i += 1;
            Some(c)
        } else {
            None
        }
    }

    fn at_number(&mut self) -> bool {
        self.skip_separators();
        self.s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'))
    }

    fn number(&mut self) -> Option<f32> {
        if !self.at_number() {
            return None;
        }
        let start = self.i;
        let s = self.s;
        let mut i = self.i;
        if matches!(s[i], b'-' | b'+') {
            i += 1;
        }
        let mut seen_dot = false;
        while i < s.len() && (s[i].is_ascii_digit() || (s[i] == b'.' && !seen_dot)) {
            seen_dot |= s[i] == b'.';
            i += 1;
        }
        if i < s.len() && matches!(s[i], b'e' | b'E') {
            let mut j = i + 1;
            if j < s.len() && matches!(s[j], b'-' | b'+') {
                j += 1;
            }
            if j < s.len() && s[j].is_ascii_digit() {
                while j < s.len() && s[j].is_ascii_digit() {
                    j += 1;
                }
                i = j;
            }
        }
        self.i = i.max(start + 1);
        std::str::from_utf8(&s[start..i])
            .ok()?
            .parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
    }

    /// An arc flag: a single `0` or `1`, which may run into the next number.
    fn flag(&mut self) -> Option<bool> {
        self.skip_separators();
        let c = *self.s.get(self.i)?;
        self.i += 1;
        match c {
            b'0' => Some(false),
            b'1' => Some(true),
            _ => None,
        }
    }
}

/// SVG path data into path construction operators. Stops at the first error, as SVG says.
fn path_data(content: &mut Content, d: &str) {
    let mut s = Scanner::new(d);
    let (mut cur, mut start) = ((0.0f32, 0.0f32), (0.0f32, 0.0f32));
    // The last control point, for S/s and T/t reflections.
    let mut last_cubic: Option<(f32, f32)> = None;
    let mut last_quad: Option<(f32, f32)> = None;
    let mut cmd = match s.command() {
        Some(c @ (b'M' | b'm')) => c,
        _ => return,
    };
    let mut first = true;
    loop {
        let rel = cmd.is_ascii_lowercase();
        let base = if rel { cur } else { (0.0, 0.0) };
        let pt = |s: &mut Scanner<'_>| -> Option<(f32, f32)> {
            let x = s.number()?;
            let y = s.number()?;
            Some((base.0 + x, base.1 + y))
        };
        let ok: Option<()> = (|| {
            match cmd.to_ascii_uppercase() {
                b'M' => {
                    let p = pt(&mut s)?;
                    if first {
                        content.move_to(p.0, p.1);
                        start = p;
                        // Further pairs after a moveto are lineto.
                        cmd = if rel { b'l' } else { b'L' };
                    } else {
                        content.line_to(p.0, p.1);
                    }
                    cur = p;
                    last_cubic = None;
                    last_quad = None;
                }
                b'L' => {
                    let p = pt(&mut s)?;
                    content.line_to(p.0, p.1);
                    cur = p;
                    last_cubic = None;
                    last_quad = None;
                }
                b'H' => {
                    let x = s.number()? + base.0;
                    cur = (x, cur.1);
                    content.line_to(cur.0, cur.1);
                    last_cubic = None;
                    last_quad = None;
                }
                b'V' => {
                    let y = s.number()? + base.1;
                    cur = (cur.0, y);
                    content.line_to(cur.0, cur.1);
                    last_cubic = None;
                    last_quad = None;
                }
                b'C' => {
                    let (c1, c2, p) = (pt(&mut s)?, pt(&mut s)?, pt(&mut s)?);
                    content.cubic_to(c1.0, c1.1, c2.0, c2.1, p.0, p.1);
                    cur = p;
                    last_cubic = Some(c2);
                    last_quad = None;
                }
                b'S' => {
                    let c1 = last_cubic.map_or(cur, |c| (2.0 * cur.0 - c.0, 2.0 * cur.1 - c.1));
                    let (c2, p) = (pt(&mut s)?, pt(&mut s)?);
                    content.cubic_to(c1.0, c1.1, c2.0, c2.1, p.0, p.1);
                    cur = p;
                    last_cubic = Some(c2);
                    last_quad = None;
                }
                b'Q' | b'T' => {
                    let q = if cmd.eq_ignore_ascii_case(&b'Q') {
                        pt(&mut s)?
                    } else {
                        last_quad.map_or(cur, |c| (2.0 * cur.0 - c.0, 2.0 * cur.1 - c.1))
                    };
                    let p = pt(&mut s)?;
                    content.cubic_to(
                        cur.0 + 2.0 / 3.0 * (q.0 - cur.0),
                        cur.1 + 2.0 / 3.0 * (q.1 - cur.1),
                        p.0 + 2.0 / 3.0 * (q.0 - p.0),
                        p.1 + 2.0 / 3.0 * (q.1 - p.1),
                        p.0,
                        p.1,
                    );
                    cur = p;
                    last_quad = Some(q);
                    last_cubic = None;
                }
                b'A' => {
                    let (rx, ry, rot) = (s.number()?, s.number()?, s.number()?);
                    let (large, sweep) = (s.flag()?, s.flag()?);
                    let p = pt(&mut s)?;
                    arc(content, cur, (rx, ry), rot, large, sweep, p);
                    cur = p;
                    last_cubic = None;
                    last_quad = None;
                }
                b'Z' => {
                    content.close_path();
                    cur = start;
                    last_cubic = None;
                    last_quad = None;
                }
                _ => return None,
            }
            Some(())
        })();
        if ok.is_none() {
            return;
        }
        first = false;
        // The same command repeats while numbers follow (never for Z).
        if !cmd.eq_ignore_ascii_case(&b'Z') && s.at_number() {
            continue;
        }
        match s.command() {
            Some(c) => {
                cmd = c;
                if c.eq_ignore_ascii_case(&b'M') {
                    first = true;
                }
            }
            None => return,
        }
    }
}

/// An elliptical arc (SVG endpoint form) as cubic Béziers (SVG 1.1 F.6.5, then at most 90°
/// a segment).
fn arc(
    content: &mut Content,
    from: (f32, f32),
    (rx, ry): (f32, f32),
    rotation_deg: f32,
    large: bool,
    sweep: bool,
    to: (f32, f32),
) {
    let (mut rx, mut ry) = (rx.abs(), ry.abs());
    if rx == 0.0 || ry == 0.0 || from == to {
        content.line_to(to.0, to.1);
        return;
    }
    let (sin, cos) = rotation_deg.to_radians().sin_cos();
    let (dx, dy) = ((from.0 - to.0) / 2.0, (from.1 - to.1) / 2.0);
    let (x1, y1) = (cos * dx + sin * dy, -sin * dx + cos * dy);
    let lambda = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry);
    if lambda > 1.0 {
        rx *= lambda.sqrt();
        ry *= lambda.sqrt();
    }
    let num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1;
    let den = rx * rx * y1 * y1 + ry * ry * x1 * x1;
    let mut coef = (num / den).max(0.0).sqrt();
    if large == sweep {
        coef = -coef;
    }
    let (cx1, cy1) = (coef * rx * y1 / ry, -coef * ry * x1 / rx);
    let cx = cos * cx1 - sin * cy1 + (from.0 + to.0) / 2.0;
    let cy = sin * cx1 + cos * cy1 + (from.1 + to.1) / 2.0;
    let angle = |ux: f32, uy: f32, vx: f32, vy: f32| {
        let a = (ux * vy - uy * vx).atan2(ux * vx + uy * vy);
        if a.is_nan() { 0.0 } else { a }
    };
    let (ux, uy) = ((x1 - cx1) / rx, (y1 - cy1) / ry);
    let (vx, vy) = ((-x1 - cx1) / rx, (-y1 - cy1) / ry);
    let theta = angle(1.0, 0.0, ux, uy);
    let mut delta = angle(ux, uy, vx, vy);
    if !sweep && delta > 0.0 {
        delta -= 2.0 * PI;
    } else if sweep && delta < 0.0 {
        delta += 2.0 * PI;
    }
    let segments = (delta.abs() / (PI / 2.0)).ceil().max(1.0);
    let step = delta / segments;
    let k = 4.0 / 3.0 * (step / 4.0).tan();
    let point = |a: f32| {
        let (s, c) = a.sin_cos();
        (
            cx + rx * c * cos - ry * s * sin,
            cy + rx * c * sin + ry * s * cos,
        )
    };
    let deriv = |a: f32| {
        let (s, c) = a.sin_cos();
        (-rx * s * cos - ry * c * sin, -rx * s * sin + ry * c * cos)
    };
    let mut a0 = theta;
    for i in 0..segments as usize {
        let a1 = if i + 1 == segments as usize {
            theta + delta
        } else {
            a0 + step
        };
        let (p0, p1) = (point(a0), point(a1));
        let (d0, d1) = (deriv(a0), deriv(a1));
        let end = if i + 1 == segments as usize { to } else { p1 };
        content.cubic_to(
            round(p0.0 + k * d0.0),
            round(p0.1 + k * d0.1),
            round(p1.0 - k * d1.0),
            round(p1.1 - k * d1.1),
            end.0,
            end.1,
        );
        a0 = a1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn numbers_and_transforms() {
        assert_eq!(numbers("1,2 3-4.5.5e1"), vec![1.0, 2.0, 3.0, -4.5, 5.0]);
        let m = parse_transform("rotate(90 10 10)");
        // (20,10) turns to (10,20) about (10,10).
        let (x, y) = (
            20.0 * m[0] + 10.0 * m[2] + m[4],
            20.0 * m[1] + 10.0 * m[3] + m[5],
        );
        assert!(
            (x - 10.0).abs() < 1e-4 && (y - 20.0).abs() < 1e-4,
            "{x} {y}"
        );
        let m = parse_transform("translate(5) scale(2)");
        // scale first, then translate.
        assert_eq!((m[0], m[4]), (2.0, 5.0));
    }

    #[test]
    fn path_data_all_commands() {
        let mut c = Content::default();
        path_data(
            &mut c,
            "M10 10h5v5H10V10zm1 1l2 2L4 4c1 1 2 2 3 3s1 1 2 2q1 1 2 2t1 1a5 5 0 01 10 0A3 3 30 1 0 0 0z",
        );
        use crate::face::Op;
        let count = |f: fn(&Op) -> bool| c.ops.iter().filter(|op| f(op)).count();
        assert_eq!(count(|op| matches!(op, Op::MoveTo(..))), 2, "{:?}", c.ops);
        assert_eq!(count(|op| matches!(op, Op::LineTo(..))), 6, "{:?}", c.ops);
        // C, S, Q, T, the half-circle arc (2 quarters) and the last arc (3 segments).
        assert_eq!(count(|op| matches!(op, Op::CubicTo(..))), 9, "{:?}", c.ops);
        assert_eq!(count(|op| matches!(op, Op::Close)), 2, "{:?}", c.ops);
        let rounded = |m: &[f32; 6]| m.map(|v| (v * 100.0).round() / 100.0);
        let arc = c.ops.windows(2).any(|w| match w {
            [Op::CubicTo(a), Op::CubicTo(b)] => {
                rounded(a)[4..] == [17.0, 7.0] && rounded(b) == [19.76, 7.0, 22.0, 9.24, 22.0, 12.0]
            }
            _ => false,
        });
        assert!(arc, "{:?}", c.ops);
        // Garbage stops the path without panicking.
        let mut c = Content::default();
        path_data(&mut c, "M1 1 L 2 x 3 4");
        path_data(&mut c, "");
        path_data(&mut c, "L1 1");
    }
}
