//! Finding and decoding the QR code in a photo or scan (PNG or JPEG), for verifiers that
//! are handed a picture instead of the text (`zhengku verify photo.jpg`). Feature `scan`.
//!
//! rqrr's own binarisation (a moving average along each row) misses codes in many real
//! pictures: turned a few degrees, unevenly lit, or small on a full page. So a picture is
//! tried as it is, then binarised against the mean of a square window around each pixel
//! (three window sizes), then smoothed (a light Gaussian blur joins module edges that noise
//! and JPEG blocks broke up) and binarised again, then only more smoothed, then scaled to
//! three fifths (averaging neighbours) and tried again; then the same for nine overlapping
//! tiles of half the size (a small code among much text). Tiny pictures are first scaled
//! up, huge ones down.
//!
//! A picture is outside input: its header is read first and a picture wider or taller than
//! [`MAX_PIXELS_SIDE`], or needing more than [`MAX_DECODE_BYTES`] to decode, is refused
//! before any pixel is decoded, so a small file cannot claim a gigapixel canvas.

use std::io::Cursor;

use image::{GrayImage, ImageReader, Limits, Luma, imageops};

/// Widest or tallest picture decoded, pixels (a 48-megapixel phone photo is 8000 × 6000).
pub const MAX_PIXELS_SIDE: u32 = 10_000;

/// Most memory one decode may take, bytes.
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

/// Pictures are scaled so their longer side is at most this many pixels.
const MAX_SIDE: u32 = 4000;
/// ... and at least this many.
const MIN_SIDE: u32 = 600;

/// Why a picture could not be read (not: no QR code in it, which is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
#[error("cannot read the picture: {0}")]
pub struct ScanError(#[from] image::ImageError);

/// The picture formats scanned, by their first bytes: `Some("PNG")`, `Some("JPEG")`.
pub fn picture_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("JPEG")
    } else {
        None
    }
}

/// The text of the QR code in a PNG or JPEG, preferring one holding a zhengku payload
/// ([`crate::PREFIX`]); `Ok(None)` when no code is found.
pub fn qr_text(bytes: &[u8]) -> Result<Option<String>, ScanError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(image::ImageError::IoError)?;
    reader.limits(limits);
    let mut gray = reader.decode()?.to_luma8();
    let longest = gray.width().max(gray.height()).max(1);
    if !(MIN_SIDE..=MAX_SIDE).contains(&longest) {
        let target = if longest > MAX_SIDE {
            MAX_SIDE
        } else {
            2 * MIN_SIDE
        };
        let scale = |v: u32| {
            u32::try_from(u64::from(v) * u64::from(target) / u64::from(longest))
                .unwrap_or(1)
                .max(1)
        };
        let (w, h) = (scale(gray.width()), scale(gray.height()));
        gray = imageops::resize(&gray, w, h, imageops::FilterType::Triangle);
    }
    if let Some(t) = try_picture(&gray) {
        return Ok(Some(t));
    }
    let (w, h) = gray.dimensions();
    for ty in 0..3 {
        for tx in 0..3 {
            let tile = imageops::crop_imm(&gray, tx * w / 4, ty * h / 4, w / 2, h / 2);
            if let Some(t) = try_picture(&tile.to_image()) {
                return Ok(Some(t));
            }
        }
    }
    Ok(None)
}

fn try_picture(img: &GrayImage) -> Option<String> {
    if let Some(t) = decode(img) {
        return Some(t);
    }
    let longest = img.width().max(img.height());
    let thresholded = |img: &GrayImage| {
        [60, 30, 120].into_iter().find_map(|div| {
            let radius = (longest / div).max(7);
            decode(&binarise(img, radius, 10))
        })
    };
    // Then smoothed first: sensor noise and JPEG blocks break module edges into specks
    // that the finder-pattern search trips over; a light blur joins them again.
    thresholded(img)
        .or_else(|| thresholded(&imageops::blur(img, 1.2)))
        .or_else(|| decode(&imageops::blur(img, 2.0)))
        .or_else(|| {
            // Last, smaller: averaging neighbouring pixels is the gentlest denoiser when
            // modules are several pixels wide.
            let (w, h) = img.dimensions();
            let small = imageops::resize(
                img,
                (w * 3 / 5).max(1),
                (h * 3 / 5).max(1),
                imageops::FilterType::Triangle,
            );
            decode(&small).or_else(|| thresholded(&small))
        })
}

fn decode(img: &GrayImage) -> Option<String> {
    let (w, h) = img.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            img.get_pixel(x as u32, y as u32)[0]
        });
    let mut found = None;
    for grid in prepared.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            if text.contains(crate::PREFIX) {
                return Some(text);
            }
            found.get_or_insert(text);
        }
    }
    found
}

/// Black where a pixel is darker than the mean of the (2·radius+1)² window around it
/// less `offset`, else white (a summed-area table makes each mean O(1)).
fn binarise(img: &GrayImage, radius: u32, offset: u64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let stride = wu + 1;
    let mut sums = vec![0u64; stride * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u64;
        for x in 0..wu {
            row += u64::from(img.get_pixel(x as u32, y as u32)[0]);
            sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
        }
    }
    GrayImage::from_fn(w, h, |x, y| {
        let x0 = x.saturating_sub(radius) as usize;
        let y0 = y.saturating_sub(radius) as usize;
        let x1 = (x + radius + 1).min(w) as usize;
        let y1 = (y + radius + 1).min(h) as usize;
        let n = ((x1 - x0) * (y1 - y0)) as u64;
        let total = sums[y1 * stride + x1] + sums[y0 * stride + x0]
            - sums[y0 * stride + x1]
            - sums[y1 * stride + x0];
        let v = u64::from(img.get_pixel(x, y)[0]);
        // v < mean - offset, without division: v·n + offset·n < total.
        if (v + offset) * n < total {
            Luma([0])
        } else {
            Luma([255])
        }
    })
}
