//! Vector drawing of the page art (border bands, frames, rosettes) into the display list.
//!
//! Everything is drawn as paths, not images: it stays sharp at any zoom and prints exactly.

use std::f32::consts::PI;

use super::text::round;
use crate::face::{DisplayList as Content, Geometry};
use crate::layout::{Art, Colour};

/// Draws one piece of art.
pub(crate) fn draw_art(content: &mut Content, g: &Geometry, art: &Art) {
    match art {
        Art::Guilloche {
            inset_mm,
            band_mm,
            colour,
            waves,
            period_mm,
        } => guilloche(content, g, *inset_mm, *band_mm, *colour, *waves, *period_mm),
        Art::Frame {
            inset_mm,
            line_mm,
            colour,
        } => {
            let i = g.pt(*inset_mm);
            stroke_style(content, *colour, g.pt(*line_mm));
            content.rect(i, i, g.width - 2.0 * i, g.height - 2.0 * i);
            content.stroke();
        }
        Art::Rosette {
            cx_mm,
            cy_mm,
            r_mm,
            colour,
        } => rosette(content, (g.x(*cx_mm), g.y(*cy_mm)), g.pt(*r_mm), *colour),
        Art::Band {
            x_mm,
            y_mm,
            width_mm,
            height_mm,
            colour,
        } => {
            let [r, gr, b] = colour.0;
            content.set_fill_rgb(r, gr, b);
            content.rect(
                g.x(*x_mm),
                g.y(y_mm + height_mm),
                g.pt(*width_mm),
                g.pt(*height_mm),
            );
            content.fill_nonzero();
        }
        Art::Rule {
            x1_mm,
            y1_mm,
            x2_mm,
            y2_mm,
            line_mm,
            colour,
        } => {
            stroke_style(content, *colour, g.pt(*line_mm));
            content.move_to(g.x(*x1_mm), g.y(*y1_mm));
            content.line_to(g.x(*x2_mm), g.y(*y2_mm));
            content.stroke();
        }
    }
}

fn stroke_style(content: &mut Content, colour: Colour, width: f32) {
    let [r, g, b] = colour.0;
    content.set_stroke_rgb(r, g, b);
    content.set_line_width(round(width));
}

/// Draws the closed curve `p(t)`, `t` in 0..1, as `segments` cubic Béziers whose control
/// points come from the curve's derivative (Hermite form), so a few segments per wave are
/// smooth.
fn smooth_closed(content: &mut Content, segments: usize, p: impl Fn(f32) -> (f32, f32)) {
    let n = segments.max(3);
    let h = 1.0 / n as f32;
    let eps = h * 1e-2;
    let d = |t: f32| {
        let (a, b) = (p(t - eps), p(t + eps));
        ((b.0 - a.0) / (2.0 * eps), (b.1 - a.1) / (2.0 * eps))
    };
    let start = p(0.0);
    content.move_to(round(start.0), round(start.1));
    for i in 0..n {
        let (t0, t1) = (i as f32 * h, (i + 1) as f32 * h);
        let (p0, p1) = (p(t0), p(t1));
        let (d0, d1) = (d(t0), d(t1));
        content.cubic_to(
            round(p0.0 + d0.0 * h / 3.0),
            round(p0.1 + d0.1 * h / 3.0),
            round(p1.0 - d1.0 * h / 3.0),
            round(p1.1 - d1.1 * h / 3.0),
            round(p1.0),
            round(p1.1),
        );
    }
    content.close_path();
}

/// A band of interlaced sine waves between two lines, running round the page on a rounded
/// rectangle.
fn guilloche(
    content: &mut Content,
    g: &Geometry,
    inset_mm: f32,
    band_mm: f32,
    colour: Colour,
    waves: u32,
    period_mm: f32,
) {
    let (inset, band) = (g.pt(inset_mm), g.pt(band_mm));
    // The mid-line of the band: a rectangle with corners rounded to the band's width.
    let mid = inset + band / 2.0;
    let (x0, y0, x1, y1) = (mid, mid, g.width - mid, g.height - mid);
    let r = band;
    let (w, h) = (x1 - x0 - 2.0 * r, y1 - y0 - 2.0 * r);
    let arc = PI * r / 2.0;
    let perimeter = 2.0 * (w + h) + 4.0 * arc;
    // Point and outward normal at arc length s, clockwise from the top-left.
    let along = move |s: f32| -> ((f32, f32), (f32, f32)) {
        let mut s = s.rem_euclid(perimeter);
        let corner = |cx: f32, cy: f32, start: f32, s: f32| {
            let a = start - s / r;
            ((cx + r * a.cos(), cy + r * a.sin()), (a.cos(), a.sin()))
        };
        if s < w {
            return ((x0 + r + s, y1), (0.0, 1.0));
        }
        s -= w;
        if s < arc {
            return corner(x1 - r, y1 - r, PI / 2.0, s);
        }
        s -= arc;
        if s < h {
            return ((x1, y1 - r - s), (1.0, 0.0));
        }
        s -= h;
        if s < arc {
            return corner(x1 - r, y0 + r, 0.0, s);
        }
        s -= arc;
        if s < w {
            return ((x1 - r - s, y0), (0.0, -1.0));
        }
        s -= w;
        if s < arc {
            return corner(x0 + r, y0 + r, -PI / 2.0, s);
        }
        s -= arc;
        if s < h {
            return ((x0, y0 + r + s), (-1.0, 0.0));
        }
        s -= h;
        corner(x0 + r, y1 - r, PI, s)
    };
    // A whole number of waves round the page, so the pattern closes without a seam.
    let count = (perimeter / g.pt(period_mm)).round().max(4.0);
    let amplitude = band / 2.0 * 0.82;
    stroke_style(content, colour, 0.45);
    for k in 0..waves {
        let phase = 2.0 * PI * k as f32 / waves as f32;
        smooth_closed(content, count as usize * 4, |t| {
            let ((x, y), (nx, ny)) = along(t * perimeter);
            let o = amplitude * (2.0 * PI * count * t + phase).sin();
            (x + nx * o, y + ny * o)
        });
        content.stroke();
    }
    // The band's edges.
    stroke_style(content, colour, 0.9);
    content.rect(inset, inset, g.width - 2.0 * inset, g.height - 2.0 * inset);
    content.stroke();
    stroke_style(content, colour, 0.5);
    let i = inset + band;
    content.rect(i, i, g.width - 2.0 * i, g.height - 2.0 * i);
    content.stroke();
}

/// A rosette: closed curves r(θ) = R·(0.72 + 0.28·sin(nθ + φ)) at turned phases.
fn rosette(content: &mut Content, (cx, cy): (f32, f32), radius: f32, colour: Colour) {
    const PETALS: f32 = 18.0;
    const CURVES: u32 = 10;
    stroke_style(content, colour, 0.35);
    for k in 0..CURVES {
        let phase = 2.0 * PI * k as f32 / CURVES as f32;
        smooth_closed(content, PETALS as usize * 4, |t| {
            let a = 2.0 * PI * t;
            let r = radius * (0.72 + 0.28 * (PETALS * a + phase).sin());
            (cx + r * a.cos(), cy + r * a.sin())
        });
        content.stroke();
    }
}
