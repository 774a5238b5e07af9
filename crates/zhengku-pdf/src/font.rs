//! The CJK font licence PDFs are printed in (字体): loaded once, shared by every render.
//!
//! A licence face is Chinese text, so the PDF must embed a font that has the glyphs; the PDF
//! keeps only the glyphs it uses (a subset, made in [`crate::render`]). The font is an
//! OpenType file or collection with CFF (Noto Sans/Serif CJK, Source Han) or TrueType
//! outlines (WenQuanYi). In a collection the Simplified Chinese face is picked by its family
//! name (`… SC`), because the Japanese, Korean and Traditional faces draw some shared code
//! points with other glyph shapes (e.g. 骨, 直).
//!
//! [`CjkFont::from_bytes`] is pure; [`load`] is the one function in this crate that reads
//! files: the configured font, or the first of [`SYSTEM_FONT_PATHS`] that exists.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where [`load`] looks when no font is configured, in order: Noto Serif CJK first (宋体-like
/// faces are what printed licences use), then Noto Sans CJK, on Debian/Ubuntu
/// (fonts-noto-cjk), Arch (noto-fonts-cjk), Fedora (google-noto-*-cjk-fonts), then
/// WenQuanYi.
pub const SYSTEM_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// Characters every licence prints; a face without them is not a Chinese font.
const PROBE: &[char] = &['证', '照', '营', '业', '执', '年', '月', '日'];

/// Why a font could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    /// The configured font file could not be read.
    #[error("cannot read font file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No font was configured and none of the system paths holds a usable font.
    #[error(
        "no CJK font found: tried {}; install fonts-noto-cjk or configure a font file",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound {
        /// Every path looked at.
        tried: Vec<PathBuf>,
    },
    /// The data is not an OpenType font (or the face index is out of range).
    #[error("not an OpenType font (face {index}): {reason}")]
    Parse {
        /// The face index tried.
        index: u32,
        /// The parser's message.
        reason: String,
    },
    /// The font has no glyphs for Chinese text.
    #[error("font {family:?} has no glyph for {missing:?}: not a Chinese font")]
    NotChinese {
        /// The face's family name.
        family: String,
        /// A character it lacks.
        missing: char,
    },
    /// The font's outlines are neither CFF nor TrueType (e.g. CFF2 variable fonts).
    #[error("font {family:?} has neither CFF nor TrueType outlines")]
    Outlines {
        /// The face's family name.
        family: String,
    },
}

/// How the glyph outlines are stored, which decides how the PDF embeds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlines {
    /// Compact Font Format (`CFF ` table): embedded as CIDFontType0 / FontFile3
    /// CIDFontType0C.
    Cff,
    /// TrueType (`glyf` table): embedded as CIDFontType2 / FontFile2.
    TrueType,
}

/// A parsed CJK font face: the file's bytes, which face of a collection, and the metrics
/// the renderer needs. Cloning is cheap (the data is shared); it is `Send + Sync`.
#[derive(Clone)]
pub struct CjkFont {
    inner: Arc<Inner>,
}

struct Inner {
    data: Vec<u8>,
    index: u32,
    family: String,
    postscript_name: String,
    outlines: Outlines,
    units_per_em: u16,
    ascender: i16,
    descender: i16,
    cap_height: i16,
    bbox: [i16; 4],
}

impl std::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CjkFont")
            .field("family", &self.inner.family)
            .field("index", &self.inner.index)
            .field("bytes", &self.inner.data.len())
            .finish()
    }
}

impl CjkFont {
    /// Parses face `index` of `data` (0 for a single font) and checks it has Chinese glyphs.
    pub fn from_bytes(data: Vec<u8>, index: u32) -> Result<CjkFont, FontError> {
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| FontError::Parse {
            index,
            reason: e.to_string(),
        })?;
        let family = face_name(&face, &[16, 1]).unwrap_or_else(|| format!("face {index}"));
        if let Some(&missing) = PROBE.iter().find(|&&c| face.glyph_index(c).is_none()) {
            return Err(FontError::NotChinese { family, missing });
        }
        let tables = face.tables();
        let outlines = if tables.cff.is_some() {
            Outlines::Cff
        } else if tables.glyf.is_some() {
            Outlines::TrueType
        } else {
            return Err(FontError::Outlines { family });
        };
        // PostScript names are ASCII without spaces; make sure, as it becomes a PDF name.
        let postscript_name: String = face_name(&face, &[6])
            .unwrap_or_else(|| family.clone())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let bbox = face.global_bounding_box();
        let inner = Inner {
            index,
            postscript_name: if postscript_name.is_empty() {
                "CJKFont".to_owned()
            } else {
                postscript_name
            },
            outlines,
            units_per_em: face.units_per_em(),
            ascender: face.ascender(),
            descender: face.descender(),
            cap_height: face
                .capital_height()
                .unwrap_or((f32::from(face.ascender()) * 0.8) as i16),
            bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max],
            family,
            data,
        };
        Ok(CjkFont {
            inner: Arc::new(inner),
        })
    }

    /// Parses a font file or collection and picks its Simplified Chinese face: the first
    /// whose family name ends in ` SC` (or contains `SC`), else the first face with Chinese
    /// glyphs.
    pub fn from_file_bytes(data: Vec<u8>) -> Result<CjkFont, FontError> {
        let index = sc_face_index(&data).unwrap_or(0);
        CjkFont::from_bytes(data, index)
    }

    /// The family name, e.g. `Noto Serif CJK SC`.
    pub fn family(&self) -> &str {
        &self.inner.family
    }

    /// The PostScript name (ASCII), e.g. `NotoSerifCJKsc-Regular`.
    pub fn postscript_name(&self) -> &str {
        &self.inner.postscript_name
    }

    /// The face index within the file.
    pub fn index(&self) -> u32 {
        self.inner.index
    }

    /// The whole font file.
    pub fn data(&self) -> &[u8] {
        &self.inner.data
    }

    /// How the outlines are stored.
    pub fn outlines(&self) -> Outlines {
        self.inner.outlines
    }

    /// Font units per em.
    pub fn units_per_em(&self) -> u16 {
        self.inner.units_per_em
    }

    /// Ascender, descender and cap height in font units.
    pub fn vertical_metrics(&self) -> (i16, i16, i16) {
        (
            self.inner.ascender,
            self.inner.descender,
            self.inner.cap_height,
        )
    }

    /// The font's bounding box `[x_min, y_min, x_max, y_max]` in font units.
    pub fn bbox(&self) -> [i16; 4] {
        self.inner.bbox
    }

    /// The parsed face, for glyph look-ups. Parsing only reads the table directory, so this
    /// is cheap; it cannot fail because [`CjkFont::from_bytes`] parsed the same bytes.
    pub(crate) fn face(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.inner.data, self.inner.index).ok()
    }
}

/// The index of the Simplified Chinese face in a font collection, by family name.
pub fn sc_face_index(data: &[u8]) -> Option<u32> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let faces: Vec<(u32, String)> = (0..count)
        .filter_map(|i| {
            let face = ttf_parser::Face::parse(data, i).ok()?;
            Some((i, face_name(&face, &[16, 1]).unwrap_or_default()))
        })
        .collect();
    faces
        .iter()
        .find(|(_, name)| name.ends_with(" SC"))
        .or_else(|| faces.iter().find(|(_, name)| name.contains("SC")))
        .map(|(i, _)| *i)
        .or_else(|| {
            (0..count).find(|&i| {
                ttf_parser::Face::parse(data, i)
                    .is_ok_and(|f| PROBE.iter().all(|&c| f.glyph_index(c).is_some()))
            })
        })
}

/// The first Unicode name record with one of `ids`, in the order given.
fn face_name(face: &ttf_parser::Face<'_>, ids: &[u16]) -> Option<String> {
    ids.iter().find_map(|&id| {
        face.names()
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
    })
}

/// Loads the font: `path` if given (its Simplified Chinese face), else the first usable font
/// of [`SYSTEM_FONT_PATHS`]. The error names every file tried.
///
/// This is the only function of the crate that does I/O; call it once at start-up and share
/// the [`CjkFont`].
pub fn load(path: Option<&Path>) -> Result<CjkFont, FontError> {
    if let Some(path) = path {
        let data = std::fs::read(path).map_err(|source| FontError::Io {
            path: path.to_owned(),
            source,
        })?;
        return CjkFont::from_file_bytes(data);
    }
    let mut tried = Vec::new();
    for candidate in SYSTEM_FONT_PATHS {
        let candidate = Path::new(candidate);
        tried.push(candidate.to_owned());
        // A missing or unusable file is not an error yet: the next one may do.
        if let Some(font) = std::fs::read(candidate)
            .ok()
            .and_then(|data| CjkFont::from_file_bytes(data).ok())
        {
            return Ok(font);
        }
    }
    Err(FontError::NotFound { tried })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn system_font_is_simplified_chinese() {
        let font = match load(None) {
            Ok(font) => font,
            Err(e) => {
                zhengku_testkit::tools::missing("a CJK font (fonts-noto-cjk)", &e.to_string());
                return;
            }
        };
        assert!(font.family().contains("SC"), "{}", font.family());
        let face = font.face().unwrap();
        assert!(face.glyph_index('证').is_some());
    }

    #[test]
    fn shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<CjkFont>();
    }

    #[test]
    fn errors_are_clear() {
        let e = load(Some(Path::new("/nonexistent/font.ttc"))).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/font.ttc"), "{e}");
        let e = CjkFont::from_bytes(b"not a font".to_vec(), 0).unwrap_err();
        assert!(matches!(e, FontError::Parse { .. }), "{e}");
        let e = FontError::NotFound {
            tried: vec!["/a.ttc".into(), "/b.ttc".into()],
        };
        assert!(e.to_string().contains("/a.ttc, /b.ttc"), "{e}");
        assert!(e.to_string().contains("fonts-noto-cjk"), "{e}");
    }
}
