//! Making a PNG annotated copy (feature `render`): the licence's face painted from the same
//! display list as its PDF and OFD (`zhengku_pdf::raster`), with the issuer's seal
//! impression, the copy's watermark and the library's impression, then the copy's parts and
//! the library's seal signature in the strict form [the crate](crate) describes:
//!
//! `PNG signature, IHDR, pHYs, IDAT…, iTXt (Title, Software, the identifier and the copy's
//! fields), zkLR, [zkCT], zkSG, IEND`.
//!
//! The library's seal must be SM2: the signature is a GB/T 38540 `SES_Signature`, as in an
//! OFD; there is no P-256 profile of it.

use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, Signer};
use zhengku_pdf::document::LicenceDocument;
use zhengku_pdf::face::{CopyFields, PT_PER_MM, lay_out, watermark};
use zhengku_pdf::raster::{Impression, rasterise};
use zhengku_pdf::render::{RenderError, SealPicture};
use zhengku_seal::artwork::PictureFormat;
use zhengku_seal::make::{StampInput, stamp};
use zhengku_seal::{Seal, SealTime};

use crate::{CERTIFICATE_CHUNK, RECORD_CHUNK, SIGNATURE_CHUNK, itxt, keywords, write_chunk};

/// The resolution copies are painted at: QR modules of about 5 pixels, 7-point text about
/// 12 pixels high, and an A4 page well under the service's default 1 MiB upload limit
/// (about 600 KB; at 150 dpi it passes 850 KB).
pub const DEFAULT_DPI: f32 = 120.0;

/// What a PNG copy is made from.
pub struct PngCopyRequest<'a> {
    /// The licence and its face's sources, as for its PDF or OFD. Only the face is taken from
    /// it (the licence, its type and layout, the font, the QR text, the issuer's seal
    /// picture, the issuer's certificate): the issuer's key signs nothing here.
    pub original: &'a LicenceDocument<'a>,
    /// The copy's fields.
    pub fields: &'a CopyFields,
    /// The library's seal (v4, SM2).
    pub seal: &'a Seal,
    /// The library seal holder's key.
    pub signer: &'a dyn Signer,
    /// The holder's certificate, one of the seal's.
    pub holder_cert: &'a [u8],
    /// When the copy is made: the seal signature's time.
    pub made_at: OffsetDateTime,
    /// Resolution, dots per inch ([`DEFAULT_DPI`]).
    pub dpi: f32,
}

impl std::fmt::Debug for PngCopyRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PngCopyRequest")
            .field("fields", &self.fields)
            .field("made_at", &self.made_at)
            .field("dpi", &self.dpi)
            .finish_non_exhaustive()
    }
}

/// Why a PNG copy could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PngCopyError {
    /// The library's seal is not SM2.
    #[error("PNG copies are sealed with SM2 only (GB/T 38540); the library's seal key is {0:?}")]
    NotSm2(Algorithm),
    /// The face could not be laid out or painted.
    #[error("painting: {0}")]
    Render(#[from] RenderError),
    /// The picture could not be encoded.
    #[error("encoding: {0}")]
    Encode(String),
    /// A time cannot be written in a seal.
    #[error("time {0} cannot be written in a seal")]
    Time(OffsetDateTime),
    /// Sealing failed.
    #[error("sealing: {0}")]
    Sign(String),
}

fn picture(seal: &Seal) -> Option<SealPicture<'_>> {
    let p = &seal.seal_info.picture;
    PictureFormat::parse(&p.picture_type)
        .ok()
        .map(|format| SealPicture {
            format,
            bytes: &p.data,
        })
}

/// Makes the PNG copy (module docs); returns the file.
pub fn annotated_png_copy(req: &PngCopyRequest<'_>) -> Result<Vec<u8>, PngCopyError> {
    let algorithm = req.signer.algorithm();
    if algorithm != Algorithm::Sm2Sm3 {
        return Err(PngCopyError::NotSm2(algorithm));
    }
    let time = SealTime::from_unix_seconds(req.made_at.unix_timestamp())
        .map_err(|_| PngCopyError::Time(req.made_at))?;
    let doc = req.original;
    let record = doc.licence.record();
    let face = lay_out(&doc.face_input())?;
    let mut impressions = Vec::with_capacity(2);
    if let Some(p) = picture(doc.seal) {
        impressions.push(Impression {
            picture: p,
            corner: (face.seal.x, face.seal.top),
            size: face.seal.size,
        });
    }
    // The library's impression where an OFD copy's stamp goes: 30 mm, its lower right
    // corner 16 mm from the right edge and 12 mm above the bottom, over the foot line's end.
    if let Some(p) = picture(req.seal) {
        let side = 30.0 * PT_PER_MM;
        impressions.push(Impression {
            picture: p,
            corner: (
                face.width - side - 16.0 * PT_PER_MM,
                side + 12.0 * PT_PER_MM,
            ),
            size: side,
        });
    }
    let overlay = watermark(doc.font, face.width, face.height, req.fields)?;
    let raster = rasterise(&face, doc.font, &impressions, &overlay, req.dpi)?;

    let mut file = Vec::with_capacity(raster.rgb.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut file, raster.width, raster.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        // Pixels per metre, so that printing the picture gives the page's size.
        let ppm = (req.dpi / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let encode = |e: png::EncodingError| PngCopyError::Encode(e.to_string());
        let mut writer = encoder.write_header().map_err(encode)?;
        writer.write_image_data(&raster.rgb).map_err(encode)?;
        writer.finish().map_err(encode)?;
    }
    // The encoder ends with IEND (12 bytes); the copy's chunks go before it.
    if !file.ends_with(b"IEND\xae\x42\x60\x82") {
        return Err(PngCopyError::Encode(
            "the encoder did not end with IEND".into(),
        ));
    }
    file.truncate(file.len() - 12);

    let f = req.fields;
    let until = format!(
        "{:04}-{:02}-{:02}",
        f.valid_until.year(),
        u8::from(f.valid_until.month()),
        f.valid_until.day()
    );
    let identifier = record.identifier.to_string();
    let title = format!(
        "{}（{}）加注件",
        doc.licence_type.name(),
        record.holder_name
    );
    let texts = [
        (("Title", "标题"), title.as_str()),
        (("Software", "软件"), "zhengku"),
        (keywords::IDENTIFIER, identifier.as_str()),
        (keywords::MADE_AT, f.made_at.as_str()),
        (keywords::MADE_BY, f.made_by.as_str()),
        (keywords::CAUSE, f.cause.as_str()),
        (keywords::MATTER, f.matter.as_str()),
        (keywords::VALID_UNTIL, until.as_str()),
    ];
    let encode = |e: crate::PngError| PngCopyError::Encode(e.to_string());
    for ((keyword, translated), text) in texts {
        let data = itxt(keyword, "zh-CN", translated, text).map_err(encode)?;
        write_chunk(&mut file, *b"iTXt", &data).map_err(encode)?;
    }
    write_chunk(&mut file, RECORD_CHUNK, &doc.licence.to_bytes()).map_err(encode)?;
    if let Some(cert) = doc.issuer_certificate {
        write_chunk(&mut file, CERTIFICATE_CHUNK, cert).map_err(encode)?;
    }
    let ses = stamp(
        req.seal,
        req.holder_cert,
        StampInput {
            time,
            data_hash: zhengku_crypto::sm3(&file),
            property_info: identifier,
        },
        req.signer,
    )
    .map_err(|e| PngCopyError::Sign(e.to_string()))?
    .to_der()
    .map_err(|e| PngCopyError::Sign(e.to_string()))?;
    write_chunk(&mut file, SIGNATURE_CHUNK, &ses).map_err(encode)?;
    write_chunk(&mut file, *b"IEND", &[]).map_err(encode)?;
    Ok(file)
}
