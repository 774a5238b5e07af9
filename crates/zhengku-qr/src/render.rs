//! QR symbols in alphanumeric mode at error correction level Q, as SVG and PNG.

use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

use crate::{QrError, base45};

/// Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: usize = 4;

/// The largest version (inclusive) zhengku prints: 77×77 modules, readable by phone cameras
/// at a few centimetres.
pub fn max_version_at_q() -> u8 {
    15
}

/// A QR symbol: one alphanumeric-mode segment, level Q, smallest version that fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    width: usize,
    dark: Vec<bool>,
}

impl QrSymbol {
    /// Encodes `text`, which must be QR alphanumeric (`0-9 A-Z $%*+-./:` and space).
    pub fn new(text: &str) -> Result<QrSymbol, QrError> {
        if let Some(c) = text.bytes().find(|b| !base45::ALPHABET.contains(b)) {
            return Err(QrError::Qr(format!(
                "character {:?} is not QR alphanumeric",
                char::from(c)
            )));
        }
        for v in 1..=40i16 {
            let mut bits = Bits::new(Version::Normal(v));
            if bits.push_alphanumeric_data(text.as_bytes()).is_err()
                || bits.push_terminator(EcLevel::Q).is_err()
            {
                continue;
            }
            let code =
                QrCode::with_bits(bits, EcLevel::Q).map_err(|e| QrError::Qr(e.to_string()))?;
            return Ok(QrSymbol {
                version: u8::try_from(v).unwrap_or(u8::MAX),
                width: code.width(),
                dark: code
                    .to_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect(),
            });
        }
        Err(QrError::Qr(
            "text too long for any QR version at level Q".to_owned(),
        ))
    }

    /// The QR version (1–40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at (`x`, `y`) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// An SVG image, one unit per module, with the quiet zone; scales to any size.
    pub fn to_svg(&self) -> String {
        let size = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
             shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" \
             fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// A black-and-white PNG (one bit a pixel), `px_per_module` pixels a module (at least
    /// 1), with the quiet zone. One bit a pixel keeps it small and quick to make: a symbol is
    /// two colours.
    pub fn to_png(&self, px_per_module: usize) -> Result<Vec<u8>, QrError> {
        let px = px_per_module.max(1);
        let side = (self.width + 2 * QUIET_ZONE) * px;
        let side32 = u32::try_from(side).map_err(|_| QrError::Png("image too large".into()))?;
        // Rows of packed bits, most significant first; 1 is white.
        let row_bytes = side.div_ceil(8);
        let mut row = vec![0u8; row_bytes];
        let mut pixels = Vec::with_capacity(row_bytes * side);
        for y in 0..self.width + 2 * QUIET_ZONE {
            row.fill(0);
            for x in 0..side {
                let module_x = x / px;
                let dark = (QUIET_ZONE..QUIET_ZONE + self.width).contains(&module_x)
                    && (QUIET_ZONE..QUIET_ZONE + self.width).contains(&y)
                    && self.is_dark(module_x - QUIET_ZONE, y - QUIET_ZONE);
                if !dark {
                    row[x / 8] |= 0x80 >> (x % 8);
                }
            }
            for _ in 0..px {
                pixels.extend_from_slice(&row);
            }
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, side32, side32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        // Runs of black and white compress well at the fast setting, and a licence render
        // makes one of these each time.
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out)
    }
}
