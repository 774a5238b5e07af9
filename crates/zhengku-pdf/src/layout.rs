//! Page layouts of licence types (版式): where each item of the face goes, from
//! `templates/<type>/layout.toml`.
//!
//! Lengths are in millimetres from the page's **top-left** corner (y grows downwards, as a
//! designer measures a printed form); font sizes are in points. A layout is data only; the
//! renderer ([`crate::render`]) checks it against the licence type (every face field it
//! names must exist).
//!
//! # Schema
//!
//! ```toml
//! [page]
//! width_mm = 297.0
//! height_mm = 210.0
//! background = "#fffdf6"        # optional paper colour
//!
//! [style]                        # optional; defaults shown
//! text_colour = "#1a1a1a"
//! label_colour = "#1a1a1a"
//! label_colon = false            # print 名称： rather than 名　　称
//! line_height = 1.45             # × font size
//!
//! [[art]]                        # drawn first, in order; kinds:
//! kind = "guilloche"             # band of interlaced waves around the page (防伪花边)
//! inset_mm = 9.0                 # outer edge from the paper's edge
//! band_mm = 7.0                  # width of the band
//! colour = "#b5863a"
//! waves = 3                      # interlaced curves (default 3)
//! period_mm = 9.0                # one wave's length (default 9)
//! [[art]]
//! kind = "frame"                 # rectangle: inset from the edge, line width
//! inset_mm = 18.0
//! line_mm = 0.35
//! colour = "#b5863a"
//! [[art]]
//! kind = "rosette"               # circular guilloche (watermark-like), very light
//! cx_mm = 148.5
//! cy_mm = 120.0
//! r_mm = 55.0
//! colour = "#f3e7cf"
//! [[art]]
//! kind = "band"                  # filled rectangle (header band)
//! x_mm = 0.0
//! y_mm = 0.0
//! width_mm = 210.0
//! height_mm = 20.0
//! colour = "#c8102e"
//! [[art]]
//! kind = "rule"                  # straight line
//! x1_mm = 20.0
//! y1_mm = 60.0
//! x2_mm = 277.0
//! y2_mm = 60.0
//! line_mm = 0.3
//! colour = "#b5863a"
//!
//! [title]                        # the licence name, centred on x_mm; y_mm is the baseline
//! text = "营业执照"              # optional: defaults to the licence type's name
//! x_mm = 148.5
//! y_mm = 45.0
//! size_pt = 40.0
//! spacing_em = 0.5               # extra space between characters
//! colour = "#1a1a1a"
//! bold = true                    # fill and stroke, as CJK fonts ship one weight here
//!
//! [[text]]                       # fixed text, e.g. 国家市场监督管理总局监制
//! text = "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn"
//! x_mm = 148.5
//! y_mm = 198.0
//! size_pt = 8.0
//! align = "centre"               # left (default) | centre | right
//! colour = "#5a4a3a"
//!
//! [[field]]                      # one printed item of the licence
//! item = "entity_name"           # a face field, or a record item (below)
//! label = "名称"                 # optional: defaults to the face field's label
//! x_mm = 30.0                    # where the label starts
//! y_mm = 80.0                    # baseline of the first line
//! label_width_mm = 26.0          # the value starts at x_mm + label_width_mm
//! width_mm = 120.0               # label and value together
//! size_pt = 12.0
//! label_size_pt = 12.0           # optional, defaults to size_pt
//! height_mm = 40.0               # optional: room for wrapped lines; the text shrinks
//!                                # (down to min_size_pt) and is then cut with …
//! min_size_pt = 8.0              # optional
//!
//! [qr]                           # the QR symbol including its quiet zone, top-left corner
//! x_mm = 236.0
//! y_mm = 22.0
//! size_mm = 42.0
//! caption = "扫描二维码验证"     # optional, centred under the symbol
//! caption_size_pt = 7.0
//!
//! [seal]                         # the seal impression, by its centre
//! centre_x_mm = 232.0
//! centre_y_mm = 170.0
//! size_mm = 42.0
//! ```
//!
//! Record items a field may name besides face fields: `identifier` (证照标识),
//! `licence_number` (证照编号), `holder_name`, `holder_code`, `issuer_name`, `issue_date`,
//! `valid_from`, `valid_until` (长期 when open-ended), `validity` (`from 至 until`) and
//! `type_name`. A face field may also be written `face.<name>`.

use serde::Deserialize;

/// Why a layout was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The TOML does not parse or does not follow the schema.
    #[error("layout.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range.
    #[error("layout.toml: {0}")]
    Invalid(String),
}

/// A layout file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct LoadError {
    /// The file or folder.
    pub path: String,
    /// What is wrong.
    pub detail: String,
}

/// Every `<templates_dir>/<dir>/layout.toml` whose `type.toml` is a type of `catalogue`, by
/// type code. With [`crate::font::load`], the crate's only file reading: the edges (server,
/// CLI) call it once.
pub fn load_dir(
    templates_dir: &std::path::Path,
    catalogue: &zhengku_model::Catalogue,
) -> Result<std::collections::HashMap<String, Layout>, LoadError> {
    let err = |p: &std::path::Path, detail: String| LoadError {
        path: p.display().to_string(),
        detail,
    };
    let mut out = std::collections::HashMap::new();
    let entries =
        std::fs::read_dir(templates_dir).map_err(|e| err(templates_dir, e.to_string()))?;
    let mut dirs: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("type.toml").is_file() && p.join("layout.toml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let type_path = dir.join("type.toml");
        let text =
            std::fs::read_to_string(&type_path).map_err(|e| err(&type_path, e.to_string()))?;
        let t = zhengku_model::LicenceType::from_toml_str(&text)
            .map_err(|e| err(&type_path, e.to_string()))?;
        if catalogue.get(t.code()).is_none() {
            continue;
        }
        let layout_path = dir.join("layout.toml");
        let text =
            std::fs::read_to_string(&layout_path).map_err(|e| err(&layout_path, e.to_string()))?;
        let layout = Layout::from_toml_str(&text).map_err(|e| err(&layout_path, e.to_string()))?;
        out.insert(t.code().as_str().to_owned(), layout);
    }
    Ok(out)
}

/// An RGB colour, written `#rrggbb` (or `#rgb`) in the layout.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Colour(pub [f32; 3]);

impl TryFrom<String> for Colour {
    type Error = String;

    fn try_from(s: String) -> Result<Colour, String> {
        parse_hex_colour(&s).ok_or_else(|| format!("colour {s:?} is not #rrggbb"))
    }
}

/// Parses `#rrggbb` or `#rgb` into RGB in 0–1.
pub(crate) fn parse_hex_colour(s: &str) -> Option<Colour> {
    let hex = s.strip_prefix('#')?;
    let digits: Vec<u8> = hex
        .chars()
        .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    let rgb = match digits.as_slice() {
        [r, g, b] => [r * 17, g * 17, b * 17],
        [r1, r2, g1, g2, b1, b2] => [r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2],
        _ => return None,
    };
    Some(Colour(rgb.map(|v| f32::from(v) / 255.0)))
}

impl Colour {
    /// Near-black, for text.
    pub const TEXT: Colour = Colour([0.1, 0.1, 0.1]);
}

/// A licence type's page layout. See the module documentation for the TOML schema.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Page size and paper colour.
    pub page: Page,
    /// Defaults for text.
    #[serde(default)]
    pub style: Style,
    /// Border and background art, drawn first.
    #[serde(default)]
    pub art: Vec<Art>,
    /// The licence's title.
    pub title: Title,
    /// Fixed text.
    #[serde(default, rename = "text")]
    pub texts: Vec<FixedText>,
    /// The printed items.
    #[serde(rename = "field")]
    pub fields: Vec<FieldBox>,
    /// The QR code.
    pub qr: QrBox,
    /// The seal impression.
    pub seal: SealBox,
    /// The page art, recorded on first use with each writer's encoding of it: it is the same
    /// for every licence of the type, and encoding it is most of a render's work.
    #[serde(skip)]
    pub(crate) art_cache: ArtCache,
}

/// A lazily computed value that takes no part in comparisons and prints as its size.
#[derive(Clone, Default)]
pub(crate) struct ArtCache(pub(crate) std::sync::OnceLock<crate::face::ArtLayer>);

impl PartialEq for ArtCache {
    fn eq(&self, _: &ArtCache) -> bool {
        true
    }
}

impl std::fmt::Debug for ArtCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.get() {
            Some(art) => write!(f, "ArtCache({} ops)", art.ops().len()),
            None => f.write_str("ArtCache(empty)"),
        }
    }
}

/// Page size and paper.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Width, mm.
    pub width_mm: f32,
    /// Height, mm.
    pub height_mm: f32,
    /// Paper colour; white (unpainted) when absent.
    #[serde(default)]
    pub background: Option<Colour>,
}

/// Defaults for the text of fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Style {
    /// Colour of values.
    pub text_colour: Colour,
    /// Colour of labels.
    pub label_colour: Colour,
    /// Whether labels end with a full-width colon (名称：) instead of being spread over
    /// the label width (名　　称).
    pub label_colon: bool,
    /// Distance between wrapped lines, as a multiple of the font size.
    pub line_height: f32,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            text_colour: Colour::TEXT,
            label_colour: Colour::TEXT,
            label_colon: false,
            line_height: 1.45,
        }
    }
}

/// Border or background art.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Art {
    /// A band of interlaced sine waves all round the page (防伪花边), between two lines.
    Guilloche {
        /// Outer edge of the band from the paper's edge, mm.
        inset_mm: f32,
        /// Width of the band, mm.
        band_mm: f32,
        /// Line colour.
        colour: Colour,
        /// Number of interlaced curves.
        #[serde(default = "default_waves")]
        waves: u32,
        /// Length of one wave, mm (adjusted so a whole number of waves goes round).
        #[serde(default = "default_period")]
        period_mm: f32,
    },
    /// A rectangle inset from the paper's edge.
    Frame {
        /// Distance from the paper's edge, mm.
        inset_mm: f32,
        /// Line width, mm.
        line_mm: f32,
        /// Line colour.
        colour: Colour,
    },
    /// A circular guilloche pattern (a rosette), drawn in a light colour behind the text.
    Rosette {
        /// Centre, mm from the left.
        cx_mm: f32,
        /// Centre, mm from the top.
        cy_mm: f32,
        /// Outer radius, mm.
        r_mm: f32,
        /// Line colour.
        colour: Colour,
    },
    /// A filled rectangle.
    Band {
        /// Left, mm.
        x_mm: f32,
        /// Top, mm.
        y_mm: f32,
        /// Width, mm.
        width_mm: f32,
        /// Height, mm.
        height_mm: f32,
        /// Fill colour.
        colour: Colour,
    },
    /// A straight line.
    Rule {
        /// Start, mm from the left.
        x1_mm: f32,
        /// Start, mm from the top.
        y1_mm: f32,
        /// End, mm from the left.
        x2_mm: f32,
        /// End, mm from the top.
        y2_mm: f32,
        /// Line width, mm.
        line_mm: f32,
        /// Line colour.
        colour: Colour,
    },
}

fn default_waves() -> u32 {
    3
}

fn default_period() -> f32 {
    9.0
}

/// The licence's title, centred.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    /// The text; the licence type's name when absent.
    #[serde(default)]
    pub text: Option<String>,
    /// Centre, mm from the left.
    pub x_mm: f32,
    /// Baseline, mm from the top.
    pub y_mm: f32,
    /// Font size, pt.
    pub size_pt: f32,
    /// Extra space between characters, em.
    #[serde(default)]
    pub spacing_em: f32,
    /// Colour.
    #[serde(default = "default_text_colour")]
    pub colour: Colour,
    /// Drawn heavier (filled and stroked).
    #[serde(default)]
    pub bold: bool,
}

fn default_text_colour() -> Colour {
    Colour::TEXT
}

/// Horizontal alignment of fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// `x_mm` is the left end.
    #[default]
    Left,
    /// `x_mm` is the centre.
    Centre,
    /// `x_mm` is the right end.
    Right,
}

/// Fixed text printed on every licence of the type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedText {
    /// The text.
    pub text: String,
    /// Anchor, mm from the left (see `align`).
    pub x_mm: f32,
    /// Baseline, mm from the top.
    pub y_mm: f32,
    /// Font size, pt.
    pub size_pt: f32,
    /// Alignment on `x_mm`.
    #[serde(default)]
    pub align: Align,
    /// Colour.
    #[serde(default = "default_text_colour")]
    pub colour: Colour,
}

/// One printed item: a label and a value that may wrap.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldBox {
    /// A face field name (or `face.<name>`), or a record item (see the module docs).
    pub item: String,
    /// The label; the face field's label (or the record item's usual one) when absent;
    /// empty prints the value alone.
    #[serde(default)]
    pub label: Option<String>,
    /// Left end of the label, mm.
    pub x_mm: f32,
    /// Baseline of the first line, mm from the top.
    pub y_mm: f32,
    /// Room for the label; the value starts this far right of `x_mm`.
    pub label_width_mm: f32,
    /// Label and value together, mm.
    pub width_mm: f32,
    /// Font size of the value, pt.
    pub size_pt: f32,
    /// Font size of the label, pt; `size_pt` when absent.
    #[serde(default)]
    pub label_size_pt: Option<f32>,
    /// Height available to the wrapped value, mm; one line when absent.
    #[serde(default)]
    pub height_mm: Option<f32>,
    /// Smallest font size to shrink a long value to, pt; `size_pt` (no shrinking) when
    /// absent.
    #[serde(default)]
    pub min_size_pt: Option<f32>,
}

/// Where the QR code goes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrBox {
    /// Left of the quiet zone, mm.
    pub x_mm: f32,
    /// Top of the quiet zone, mm.
    pub y_mm: f32,
    /// Side of the symbol with its quiet zone, mm.
    pub size_mm: f32,
    /// Text under the symbol.
    #[serde(default)]
    pub caption: Option<String>,
    /// Caption font size, pt.
    #[serde(default = "default_caption_size")]
    pub caption_size_pt: f32,
}

fn default_caption_size() -> f32 {
    7.0
}

/// Where the seal impression goes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealBox {
    /// Centre, mm from the left.
    pub centre_x_mm: f32,
    /// Centre, mm from the top.
    pub centre_y_mm: f32,
    /// Diameter (side of the square the picture is fitted into), mm.
    pub size_mm: f32,
}

impl Layout {
    /// Parses and checks a `layout.toml`.
    pub fn from_toml_str(s: &str) -> Result<Layout, LayoutError> {
        let layout: Layout = toml::from_str(s)?;
        layout.check()?;
        Ok(layout)
    }

    fn check(&self) -> Result<(), LayoutError> {
        let bad = |what: String| Err(LayoutError::Invalid(what));
        let (w, h) = (self.page.width_mm, self.page.height_mm);
        if !(50.0..=1200.0).contains(&w) || !(50.0..=1200.0).contains(&h) {
            return bad(format!("page {w}×{h} mm (each side 50 to 1200 mm)"));
        }
        let on_page = |x: f32, y: f32| (0.0..=w).contains(&x) && (0.0..=h).contains(&y);
        let size_ok = |pt: f32| (3.0..=120.0).contains(&pt);
        if !size_ok(self.title.size_pt) || !on_page(self.title.x_mm, self.title.y_mm) {
            return bad("title: off the page or size not 3 to 120 pt".into());
        }
        if !(0.5..=4.0).contains(&self.style.line_height) {
            return bad("style.line_height must be 0.5 to 4".into());
        }
        for t in &self.texts {
            if !size_ok(t.size_pt) || !on_page(t.x_mm, t.y_mm) {
                return bad(format!("text {:?}: off the page or bad size", t.text));
            }
        }
        if self.fields.is_empty() {
            return bad("no [[field]]".into());
        }
        for f in &self.fields {
            let min = f.min_size_pt.unwrap_or(f.size_pt);
            if !size_ok(f.size_pt)
                || !size_ok(min)
                || min > f.size_pt
                || f.label_size_pt.is_some_and(|s| !size_ok(s))
            {
                return bad(format!("field {}: font sizes must be 3 to 120 pt", f.item));
            }
            if !on_page(f.x_mm, f.y_mm)
                || f.label_width_mm < 0.0
                || f.width_mm <= f.label_width_mm
                || f.x_mm + f.width_mm > w
                || f.height_mm.is_some_and(|fh| fh <= 0.0 || f.y_mm + fh > h)
            {
                return bad(format!("field {}: box off the page or empty", f.item));
            }
        }
        let q = &self.qr;
        if q.size_mm < 15.0
            || !on_page(q.x_mm, q.y_mm)
            || !on_page(q.x_mm + q.size_mm, q.y_mm + q.size_mm)
        {
            return bad("qr: at least 15 mm and on the page".into());
        }
        let s = &self.seal;
        if !(10.0..=100.0).contains(&s.size_mm) || !on_page(s.centre_x_mm, s.centre_y_mm) {
            return bad("seal: 10 to 100 mm, centre on the page".into());
        }
        for art in &self.art {
            let ok = match art {
                Art::Guilloche {
                    inset_mm,
                    band_mm,
                    waves,
                    period_mm,
                    ..
                } => {
                    *band_mm > 0.0
                        && *inset_mm >= 0.0
                        && 2.0 * (inset_mm + band_mm) < w.min(h)
                        && (1..=12).contains(waves)
                        && *period_mm >= 2.0
                }
                Art::Frame {
                    inset_mm, line_mm, ..
                } => *line_mm > 0.0 && *inset_mm >= 0.0 && 2.0 * inset_mm < w.min(h),
                Art::Rosette { r_mm, .. } => *r_mm > 1.0,
                Art::Band {
                    width_mm,
                    height_mm,
                    ..
                } => *width_mm > 0.0 && *height_mm > 0.0,
                Art::Rule { line_mm, .. } => *line_mm > 0.0,
            };
            if !ok {
                return bad(format!("art {art:?}: sizes out of range"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn shipped_layouts_parse() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path().join("layout.toml");
            if path.is_file() {
                let text = std::fs::read_to_string(&path).unwrap();
                Layout::from_toml_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn bad_layouts_are_refused() {
        let good = r##"
            [page]
            width_mm = 210.0
            height_mm = 297.0
            [title]
            x_mm = 105.0
            y_mm = 40.0
            size_pt = 30.0
            [[field]]
            item = "holder_name"
            x_mm = 20.0
            y_mm = 80.0
            label_width_mm = 30.0
            width_mm = 150.0
            size_pt = 12.0
            [qr]
            x_mm = 150.0
            y_mm = 200.0
            size_mm = 40.0
            [seal]
            centre_x_mm = 100.0
            centre_y_mm = 250.0
            size_mm = 42.0
        "##;
        let layout = Layout::from_toml_str(good).unwrap();
        assert_eq!(layout.style.line_height, 1.45);
        for (from, to) in [
            ("width_mm = 210.0", "width_mm = 2100.0"),
            ("size_mm = 40.0", "size_mm = 10.0"),
            ("size_pt = 12.0", "size_pt = 0.5"),
            ("width_mm = 150.0", "width_mm = 250.0"),
            ("[seal]", "[seal]\ncolour = \"red\""),
            ("[page]", "[page]\nbackground = \"red\""),
        ] {
            assert!(
                Layout::from_toml_str(&good.replace(from, to)).is_err(),
                "{to} accepted"
            );
        }
        assert_eq!(parse_hex_colour("#fff"), Some(Colour([1.0, 1.0, 1.0])));
        assert_eq!(parse_hex_colour("#ff000"), None);
    }
}
