//! Text on the page: characters to glyphs of the full font, widths, line breaking.
//!
//! [`TextSet::show`] records a run with its glyphs into the display list and notes every
//! glyph used; the writers subset the font from those (the PDF renumbers them as two-byte
//! CIDs, Identity-H, with `/W` widths and a ToUnicode map; the OFD keeps a Unicode cmap).

use std::collections::BTreeMap;

use super::RenderError;
use crate::face::{DisplayList, TextRun};
use crate::layout::Colour;

/// Characters that may hang at the end of a line rather than start the next one.
const NO_LINE_START: &str = "，。、；：？！）》」』”’〕】,.;:!?)%";
/// Characters that may not end a line.
const NO_LINE_END: &str = "（《「『“‘〔【(";

/// The glyphs used so far and how to measure text with them.
pub(crate) struct TextSet<'f> {
    face: &'f ttf_parser::Face<'f>,
    units_per_em: f32,
    /// Glyph id in the full font → the character it was first used for.
    used: BTreeMap<u16, char>,
}

/// One line of text, ready to show.
pub(crate) struct Line {
    pub text: String,
    pub width_pt: f32,
}

impl<'f> TextSet<'f> {
    pub(crate) fn new(face: &'f ttf_parser::Face<'f>) -> TextSet<'f> {
        TextSet {
            face,
            units_per_em: f32::from(face.units_per_em().max(1)),
            used: BTreeMap::new(),
        }
    }

    /// Every glyph shown, with its character.
    pub(crate) fn into_used(self) -> BTreeMap<u16, char> {
        self.used
    }

    /// The glyph of `c` in the full font; `item` names what is being printed, for the error.
    pub(crate) fn glyph(&self, c: char, item: &str) -> Result<ttf_parser::GlyphId, RenderError> {
        self.face
            .glyph_index(c)
            .ok_or_else(|| RenderError::MissingGlyph {
                ch: c,
                item: item.to_owned(),
            })
    }

    /// Advance of `c` in em.
    pub(crate) fn advance(&self, c: char, item: &str) -> Result<f32, RenderError> {
        let gid = self.glyph(c, item)?;
        Ok(f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) / self.units_per_em)
    }

    /// Width of `s` at `size` points, without extra spacing.
    pub(crate) fn width(&self, s: &str, size: f32, item: &str) -> Result<f32, RenderError> {
        s.chars()
            .try_fold(0.0, |w, c| Ok(w + self.advance(c, item)? * size))
    }

    /// Records `s` with its baseline starting at (`x`, `y`) points.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn show(
        &mut self,
        list: &mut DisplayList,
        s: &str,
        item: &str,
        (x, y): (f32, f32),
        size: f32,
        colour: Colour,
        spacing: f32,
        bold: bool,
    ) -> Result<(), RenderError> {
        let mut glyphs = Vec::with_capacity(s.len());
        let mut advances = Vec::with_capacity(s.len());
        for c in s.chars() {
            let gid = self.glyph(c, item)?;
            self.used.entry(gid.0).or_insert(c);
            glyphs.push(gid.0);
            advances.push(self.advance(c, item)? * size);
        }
        list.text(TextRun {
            text: s.to_owned(),
            glyphs,
            advances,
            x: round(x),
            y: round(y),
            size,
            colour: colour.0,
            spacing: round(spacing),
            bold,
        });
        Ok(())
    }

    /// Breaks `s` into lines at most `width` points wide at `size`. Runs of ASCII letters
    /// and digits stay together unless a run alone is too wide; closing punctuation hangs
    /// at the end of a line, opening punctuation moves to the next.
    pub(crate) fn wrap(
        &self,
        s: &str,
        width: f32,
        size: f32,
        item: &str,
    ) -> Result<Vec<Line>, RenderError> {
        // Tokens: an ASCII alphanumeric run, or one other character.
        let mut tokens: Vec<String> = Vec::new();
        for c in s.chars() {
            match tokens.last_mut() {
                Some(t)
                    if c.is_ascii_alphanumeric()
                        && t.chars().all(|p| p.is_ascii_alphanumeric()) =>
                {
                    t.push(c)
                }
                _ => tokens.push(c.to_string()),
            }
        }
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_w = 0.0;
        for token in tokens {
            let w = self.width(&token, size, item)?;
            let hangs = token.chars().all(|c| NO_LINE_START.contains(c));
            if line_w + w <= width + 0.01 || line.is_empty() || hangs {
                if w > width && line.is_empty() {
                    // A run wider than the line: break it by characters.
                    for c in token.chars() {
                        let cw = self.advance(c, item)? * size;
                        if line_w + cw > width + 0.01 && !line.is_empty() {
                            lines.push(Line {
                                text: std::mem::take(&mut line),
                                width_pt: line_w,
                            });
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                } else {
                    line.push_str(&token);
                    line_w += w;
                }
                continue;
            }
            // Break before this token; an opening bracket at the end moves along.
            let mut carry = String::new();
            let last = line.chars().last();
            if let Some(last) =
                last.filter(|&c| NO_LINE_END.contains(c) && line.chars().count() > 1)
            {
                line.pop();
                line_w -= self.advance(last, item)? * size;
                carry.push(last);
            }
            lines.push(Line {
                text: std::mem::take(&mut line),
                width_pt: line_w,
            });
            line = carry + &token;
            line_w = self.width(&line, size, item)?;
        }
        if !line.is_empty() {
            lines.push(Line {
                text: line,
                width_pt: line_w,
            });
        }
        Ok(lines)
    }
}

/// Rounds to 1/100 point, so numbers in the content stream stay short.
pub(crate) fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}
