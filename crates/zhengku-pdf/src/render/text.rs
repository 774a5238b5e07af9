//! Text on the page: characters to glyphs of the subset font, widths, line breaking.
//!
//! Every glyph used is given a new id by the subsetter's remapper as it is first met; the
//! content stream shows those ids as two-byte CIDs (Identity-H), and the subset font, the
//! `/W` widths and the ToUnicode map are written from the same remapper at the end.

use std::collections::BTreeMap;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Name, Str};
use subsetter::GlyphRemapper;

use super::RenderError;
use crate::layout::Colour;

/// The resource name of the one font.
pub(super) const FONT: Name<'static> = Name(b"F1");

/// Characters that may hang at the end of a line rather than start the next one.
const NO_LINE_START: &str = "，。、；：？！）》」』”’〕】,.;:!?)%";
/// Characters that may not end a line.
const NO_LINE_END: &str = "（《「『“‘〔【(";

/// The glyphs used so far and how to draw text with them.
pub(super) struct TextSet<'f> {
    face: &'f ttf_parser::Face<'f>,
    units_per_em: f32,
    remapper: GlyphRemapper,
    /// New glyph id → the character it was first used for (for ToUnicode).
    unicode: BTreeMap<u16, char>,
}

/// One line of text, ready to show.
pub(super) struct Line {
    pub text: String,
    pub width_pt: f32,
}

impl<'f> TextSet<'f> {
    pub(super) fn new(face: &'f ttf_parser::Face<'f>) -> TextSet<'f> {
        TextSet {
            face,
            units_per_em: f32::from(face.units_per_em().max(1)),
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        }
    }

    pub(super) fn face(&self) -> &'f ttf_parser::Face<'f> {
        self.face
    }

    pub(super) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    pub(super) fn remapper(&self) -> &GlyphRemapper {
        &self.remapper
    }

    pub(super) fn unicode(&self) -> &BTreeMap<u16, char> {
        &self.unicode
    }

    /// The glyph of `c` in the full font; `item` names what is being printed, for the error.
    pub(super) fn glyph(&self, c: char, item: &str) -> Result<ttf_parser::GlyphId, RenderError> {
        self.face
            .glyph_index(c)
            .ok_or_else(|| RenderError::MissingGlyph {
                ch: c,
                item: item.to_owned(),
            })
    }

    /// Advance of `c` in em.
    pub(super) fn advance(&self, c: char, item: &str) -> Result<f32, RenderError> {
        let gid = self.glyph(c, item)?;
        Ok(f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) / self.units_per_em)
    }

    /// Width of `s` at `size` points, without extra spacing.
    pub(super) fn width(&self, s: &str, size: f32, item: &str) -> Result<f32, RenderError> {
        s.chars()
            .try_fold(0.0, |w, c| Ok(w + self.advance(c, item)? * size))
    }

    /// The two-byte CIDs of `s`, remapping glyphs into the subset.
    fn encode(&mut self, s: &str, item: &str) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            let gid = self.glyph(c, item)?;
            let new = self.remapper.remap(gid.0);
            self.unicode.entry(new).or_insert(c);
            out.extend_from_slice(&new.to_be_bytes());
        }
        Ok(out)
    }

    /// Shows `s` with its baseline starting at (`x`, `y`) points.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn show(
        &mut self,
        content: &mut Content,
        s: &str,
        item: &str,
        (x, y): (f32, f32),
        size: f32,
        colour: Colour,
        char_spacing: f32,
        bold: bool,
    ) -> Result<(), RenderError> {
        let bytes = self.encode(s, item)?;
        let [r, g, b] = colour.0;
        // Character spacing and rendering mode are graphics state that outlives the text
        // object: q … Q keeps them to this run.
        content.save_state();
        content.begin_text();
        content.set_font(FONT, size);
        content.set_fill_rgb(r, g, b);
        if bold {
            content.set_stroke_rgb(r, g, b);
            content.set_line_width(size * 0.035);
            content.set_text_rendering_mode(TextRenderingMode::FillStroke);
        }
        if char_spacing != 0.0 {
            content.set_char_spacing(round(char_spacing));
        }
        content.next_line(round(x), round(y));
        content.show(Str(&bytes));
        content.end_text();
        content.restore_state();
        Ok(())
    }

    /// Breaks `s` into lines at most `width` points wide at `size`. Runs of ASCII letters
    /// and digits stay together unless a run alone is too wide; closing punctuation hangs
    /// at the end of a line, opening punctuation moves to the next.
    pub(super) fn wrap(
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
pub(super) fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}
