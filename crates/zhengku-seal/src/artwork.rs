//! Seal pictures (印模图像): checking a picture before it goes into a seal, and drawing the
//! red round picture of a development seal from a department's name.
//!
//! A seal picture is shown wherever the seal is: on a licence PDF, on the verification page
//! in a browser. So a picture is checked as strictly as anything else that crosses into a
//! page:
//!
//! - **PNG** must decode completely (the `png` crate reads every row; a file that only
//!   starts like a PNG is refused) and be at most [`MAX_PIXELS`] pixels.
//! - **SVG** must parse as XML without a DTD (no entity expansion), have an `svg` root in
//!   the SVG namespace, use only drawing elements from an allow-list, carry no event
//!   handler attribute (`on…`), and refer to nothing outside itself (`href` only to
//!   `#fragment`, no `url(` other than `url(#…)`). Scripts, `foreignObject`, external
//!   images and style sheets are refused by name.
//! - Both are at most [`MAX_PICTURE_BYTES`], and the printed size is 10 to 100 mm a side
//!   (a unit seal is usually 42 mm, a personal seal 20 mm or less).
//!
//! [`round_seal_svg`] draws the conventional unit seal: a red ring, the name running
//! clockwise along the upper arc, a five-pointed star, and a line of text under it (for a
//! licence seal, 证照专用章). It is for development seals; real seals use the picture the
//! seal-making authority registered.

/// Largest picture accepted, bytes.
pub const MAX_PICTURE_BYTES: usize = 512 * 1024;

/// Largest PNG accepted, pixels (e.g. 2000 × 2000: 42 mm at about 1200 dpi).
pub const MAX_PIXELS: u64 = 4_000_000;

/// Smallest and largest printed side, mm.
pub const SIDE_MM: std::ops::RangeInclusive<u32> = 10..=100;

/// The picture formats a seal may carry (SES_ESPictrueInfo `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    /// PNG.
    Png,
    /// SVG.
    Svg,
}

impl PictureFormat {
    /// The name written into a seal (`PNG`, `SVG`).
    pub fn as_str(self) -> &'static str {
        match self {
            PictureFormat::Png => "PNG",
            PictureFormat::Svg => "SVG",
        }
    }

    /// Reads a format name, ignoring case (lenient on input).
    pub fn parse(s: &str) -> Result<PictureFormat, PictureError> {
        if s.eq_ignore_ascii_case("png") {
            Ok(PictureFormat::Png)
        } else if s.eq_ignore_ascii_case("svg") {
            Ok(PictureFormat::Svg)
        } else {
            Err(PictureError::Format(s.chars().take(16).collect()))
        }
    }

    /// The media type, for serving the picture.
    pub fn media_type(self) -> &'static str {
        match self {
            PictureFormat::Png => "image/png",
            PictureFormat::Svg => "image/svg+xml",
        }
    }
}

/// Why a picture was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    /// Not PNG or SVG.
    #[error("unsupported picture type {0:?} (expected PNG or SVG)")]
    Format(String),
    /// Empty or over [`MAX_PICTURE_BYTES`].
    #[error("picture is {0} bytes (expected 1 to {MAX_PICTURE_BYTES})")]
    Size(usize),
    /// The printed size is outside [`SIDE_MM`].
    #[error("picture size {width}×{height} mm (each side must be 10 to 100 mm)")]
    Dimensions {
        /// Width, mm.
        width: u32,
        /// Height, mm.
        height: u32,
    },
    /// The PNG does not decode.
    #[error("not a valid PNG: {0}")]
    Png(String),
    /// The PNG has too many pixels.
    #[error("PNG is {width}×{height} pixels (at most {MAX_PIXELS} pixels)")]
    PngTooLarge {
        /// Width, px.
        width: u32,
        /// Height, px.
        height: u32,
    },
    /// The SVG does not parse.
    #[error("not a valid SVG: {0}")]
    Svg(String),
    /// The SVG holds something a seal picture may not.
    #[error("SVG not allowed in a seal picture: {0}")]
    SvgForbidden(String),
    /// The name to draw is empty or too long.
    #[error("seal name must be 1 to 40 characters")]
    Name,
}

/// What a checked picture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureInfo {
    /// Its format.
    pub format: PictureFormat,
    /// For PNG, its size in pixels.
    pub pixels: Option<(u32, u32)>,
}

/// Checks a picture for a seal: its bytes and its printed size in mm.
pub fn check_picture(
    format: PictureFormat,
    data: &[u8],
    width_mm: u32,
    height_mm: u32,
) -> Result<PictureInfo, PictureError> {
    if data.is_empty() || data.len() > MAX_PICTURE_BYTES {
        return Err(PictureError::Size(data.len()));
    }
    if !SIDE_MM.contains(&width_mm) || !SIDE_MM.contains(&height_mm) {
        return Err(PictureError::Dimensions {
            width: width_mm,
            height: height_mm,
        });
    }
    match format {
        PictureFormat::Png => check_png(data),
        PictureFormat::Svg => check_svg(data),
    }
}

fn check_png(data: &[u8]) -> Result<PictureInfo, PictureError> {
    let decoder = png::Decoder::new(std::io::Cursor::new(data));
    let mut reader = decoder
        .read_info()
        .map_err(|e| PictureError::Png(e.to_string()))?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PictureError::PngTooLarge { width, height });
    }
    // Decode every frame: a truncated or corrupt image data stream is found here.
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| PictureError::Png("image too large to decode".into()))?;
    let mut buf = vec![0; size];
    reader
        .next_frame(&mut buf)
        .map_err(|e| PictureError::Png(e.to_string()))?;
    reader
        .finish()
        .map_err(|e| PictureError::Png(e.to_string()))?;
    Ok(PictureInfo {
        format: PictureFormat::Png,
        pixels: Some((width, height)),
    })
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Drawing elements a seal picture may use.
const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "path",
    "circle",
    "ellipse",
    "rect",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "use",
    "symbol",
    "clipPath",
    "mask",
    "linearGradient",
    "radialGradient",
    "stop",
];

fn check_svg(data: &[u8]) -> Result<PictureInfo, PictureError> {
    let text = std::str::from_utf8(data).map_err(|e| PictureError::Svg(e.to_string()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| PictureError::Svg(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(PictureError::Svg(
            "the root element is not <svg> in the SVG namespace".into(),
        ));
    }
    for node in root.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name();
        if tag.namespace() != Some(SVG_NS) || !SVG_ELEMENTS.contains(&tag.name()) {
            return Err(PictureError::SvgForbidden(format!(
                "element <{}>",
                tag.name()
            )));
        }
        for attr in node.attributes() {
            let name = attr.name();
            let value = attr.value().trim();
            if name.len() > 2 && name[..2].eq_ignore_ascii_case("on") {
                return Err(PictureError::SvgForbidden(format!(
                    "event handler attribute {name} on <{}>",
                    tag.name()
                )));
            }
            if name == "href" && !value.starts_with('#') {
                return Err(PictureError::SvgForbidden(format!(
                    "reference to {value:?} outside the picture"
                )));
            }
            if let Some(pos) = value.to_ascii_lowercase().find("url(") {
                let rest = value[pos + 4..]
                    .trim_start()
                    .trim_start_matches(['\'', '"']);
                if !rest.starts_with('#') {
                    return Err(PictureError::SvgForbidden(format!(
                        "url() outside the picture in {name}"
                    )));
                }
            }
        }
    }
    Ok(PictureInfo {
        format: PictureFormat::Svg,
        pixels: None,
    })
}

/// The red of Chinese official seals.
const SEAL_RED: &str = "#e60012";

/// Draws a round unit seal `diameter_mm` across: `name` clockwise along the upper arc, a
/// star in the middle, `bottom` (e.g. 证照专用章) under it. The SVG passes
/// [`check_picture`].
pub fn round_seal_svg(name: &str, bottom: &str, diameter_mm: u32) -> Result<String, PictureError> {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() || chars.len() > 40 || bottom.chars().count() > 20 {
        return Err(PictureError::Name);
    }
    let d = f64::from(diameter_mm);
    let c = d / 2.0;
    let ring = d * 0.03;
    // The name's characters: larger for short names, smaller for long ones.
    let n = chars.len() as f64;
    let font = (d * 0.12).min(d * 2.2 / n).max(d * 0.07);
    // Baselines, not centres: renderers differ on `dominant-baseline`, so the glyphs are
    // placed by their alphabetic baseline, with a CJK glyph's top about 0.88 em above it.
    let inner = c - ring - 0.2;
    let r_text = inner - d * 0.025 - font * 0.88;
    // The arc the name spans, degrees, centred on 12 o'clock.
    let span = (n * 23.0).clamp(60.0, 250.0);
    let mut out = String::with_capacity(4096);
    out.push_str(&format!(
        "<svg xmlns=\"{SVG_NS}\" width=\"{diameter_mm}mm\" height=\"{diameter_mm}mm\" \
         viewBox=\"0 0 {d} {d}\">\n"
    ));
    out.push_str(&format!(
        "<title>{}</title>\n<circle cx=\"{c}\" cy=\"{c}\" r=\"{:.3}\" fill=\"none\" \
         stroke=\"{SEAL_RED}\" stroke-width=\"{ring:.3}\"/>\n",
        escape(name),
        c - ring / 2.0 - 0.2
    ));
    out.push_str(&format!(
        "<g fill=\"{SEAL_RED}\" font-family=\"Noto Serif CJK SC, Noto Sans CJK SC, SimSun, serif\" \
         font-weight=\"bold\" text-anchor=\"middle\" font-size=\"{font:.3}\">\n"
    ));
    for (i, ch) in chars.iter().enumerate() {
        let theta = -span / 2.0 + span * (i as f64 + 0.5) / n;
        let rad = theta.to_radians();
        let x = c + r_text * rad.sin();
        let y = c - r_text * rad.cos();
        out.push_str(&format!(
            "<text x=\"{x:.3}\" y=\"{y:.3}\" transform=\"rotate({theta:.2} {x:.3} {y:.3})\">{}</text>\n",
            escape(&ch.to_string())
        ));
    }
    out.push_str("</g>\n");
    // The five-pointed star.
    let (r_out, r_in) = (d * 0.15, d * 0.15 * 0.382);
    let mut points = Vec::with_capacity(10);
    for k in 0..10 {
        let r = if k % 2 == 0 { r_out } else { r_in };
        let a = (f64::from(k) * 36.0).to_radians();
        points.push(format!("{:.3},{:.3}", c + r * a.sin(), c - r * a.cos()));
    }
    out.push_str(&format!(
        "<polygon fill=\"{SEAL_RED}\" points=\"{}\"/>\n",
        points.join(" ")
    ));
    if !bottom.is_empty() {
        out.push_str(&format!(
            "<text x=\"{c}\" y=\"{:.3}\" fill=\"{SEAL_RED}\" font-family=\"Noto Serif CJK SC, \
             Noto Sans CJK SC, SimSun, serif\" font-weight=\"bold\" text-anchor=\"middle\" \
             font-size=\"{:.3}\">{}</text>\n",
            c + d * 0.30,
            d * 0.085,
            escape(bottom)
        ));
    }
    out.push_str("</svg>\n");
    Ok(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn drawn_seals_pass_the_checks() {
        let svg = round_seal_svg("杭州市西湖区市场监督管理局", "证照专用章", 42).unwrap();
        assert!(svg.contains(">杭</text>") && svg.contains("证照专用章"));
        let info = check_picture(PictureFormat::Svg, svg.as_bytes(), 42, 42).unwrap();
        assert_eq!(info.format, PictureFormat::Svg);
        assert!(round_seal_svg("", "", 42).is_err());
        assert!(round_seal_svg(&"长".repeat(41), "", 42).is_err());
        // Markup in a name is text, not markup.
        let svg = round_seal_svg("<script>&", "", 42).unwrap();
        check_picture(PictureFormat::Svg, svg.as_bytes(), 42, 42).unwrap();
    }

    #[test]
    fn dangerous_svg_is_refused() {
        let wrap = |inner: &str| {
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">{inner}</svg>")
        };
        for (bad, why) in [
            (wrap("<script>alert(1)</script>"), "element <script>"),
            (
                wrap("<circle r=\"1\" onload=\"alert(1)\"/>"),
                "event handler",
            ),
            (
                wrap("<use href=\"https://evil.example/x.svg#a\"/>"),
                "outside",
            ),
            (
                wrap("<rect fill=\"url(https://evil.example/p)\"/>"),
                "url()",
            ),
            (
                wrap(
                    "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\"/></foreignObject>",
                ),
                "foreignObject",
            ),
            (
                wrap("<image href=\"data:image/png;base64,AA\"/>"),
                "element <image>",
            ),
        ] {
            let e = check_picture(PictureFormat::Svg, bad.as_bytes(), 42, 42).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        let dtd =
            "<!DOCTYPE svg [<!ENTITY a \"b\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&a;</svg>";
        assert!(matches!(
            check_picture(PictureFormat::Svg, dtd.as_bytes(), 42, 42),
            Err(PictureError::Svg(_))
        ));
        assert!(matches!(
            check_picture(PictureFormat::Svg, b"<svg/>", 42, 42),
            Err(PictureError::Svg(_))
        ));
        assert!(matches!(
            check_picture(PictureFormat::Svg, wrap("").as_bytes(), 5, 42),
            Err(PictureError::Dimensions { .. })
        ));
        check_picture(
            PictureFormat::Svg,
            wrap("<use href=\"#s\"/><rect fill=\"url(#g)\"/>").as_bytes(),
            42,
            42,
        )
        .unwrap();
    }

    fn tiny_png() -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 2, 2);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[255, 0, 0, 255].repeat(4)).unwrap();
        }
        out
    }

    #[test]
    fn png_must_decode_fully() {
        let png = tiny_png();
        let info = check_picture(PictureFormat::Png, &png, 42, 42).unwrap();
        assert_eq!(info.pixels, Some((2, 2)));
        for cut in [8, 20, png.len() - 13, png.len() - 1] {
            assert!(
                check_picture(PictureFormat::Png, &png[..cut], 42, 42).is_err(),
                "truncated at {cut} accepted"
            );
        }
        assert!(check_picture(PictureFormat::Png, b"\x89PNG\r\n\x1a\n", 42, 42).is_err());
        assert!(matches!(
            check_picture(PictureFormat::Png, &vec![0; MAX_PICTURE_BYTES + 1], 42, 42),
            Err(PictureError::Size(_))
        ));
        assert_eq!(PictureFormat::parse("png").unwrap(), PictureFormat::Png);
        assert!(PictureFormat::parse("gif").is_err());
    }
}
