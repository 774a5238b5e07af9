//! Photos of QR codes for the scanner's tests (feature `photo`): the code scaled, on a grey
//! background, turned 9°, with noise and uneven light, saved as a JPEG of quality 70 — what
//! a phone camera hands a verifier. Deterministic: the noise comes from a fixed linear
//! congruential generator, so a photo that was read once is read every time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{GrayImage, ImageEncoder, Luma, imageops};

/// Rotates `img` by `degrees` about its centre (nearest neighbour, white outside).
pub fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let sx = c * dx + s * dy + cx;
        let sy = -s * dx + c * dy + cy;
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *img.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([255])
        }
    })
}

/// A photo-like JPEG of `picture` (module docs).
pub fn photo_jpeg(picture: &GrayImage) -> Vec<u8> {
    let (w, h) = picture.dimensions();
    let scaled = imageops::resize(
        picture,
        w * 17 / 10,
        h * 17 / 10,
        imageops::FilterType::Triangle,
    );
    let (sw, sh) = scaled.dimensions();
    let mut canvas = GrayImage::from_pixel(sw + 300, sh + 200, Luma([200]));
    imageops::overlay(&mut canvas, &scaled, 170, 80);
    let mut photo = rotate(&canvas, 9.0);
    // Deterministic noise (a linear congruential generator) and a light gradient.
    let mut seed: u32 = 12345;
    let width = photo.width();
    for (x, _, p) in photo.enumerate_pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let noise = i32::try_from((seed >> 16) % 41).unwrap() - 20;
        let light = i32::try_from(x * 40 / width).unwrap() - 20;
        p[0] = u8::try_from((i32::from(p[0]) + noise + light).clamp(0, 255)).unwrap();
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .write_image(
            photo.as_raw(),
            photo.width(),
            photo.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    out
}

/// [`photo_jpeg`] of a PNG (a QR image as `zhengku_qr::QrSymbol::to_png` writes it).
///
/// # Panics
/// When `png` does not decode.
pub fn photo_of_png(png: &[u8]) -> Vec<u8> {
    photo_jpeg(&image::load_from_memory(png).unwrap().to_luma8())
}
