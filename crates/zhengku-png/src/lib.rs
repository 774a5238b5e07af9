#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! zhengku-png: annotated copies (加注件) as PNG pictures, sealed by the library; read with
//! bounds, written in one strict form.
//!
//! A picture of a licence is what a phone shows and a service-hall window accepts. On its
//! own it proves nothing, so a zhengku PNG copy carries its proof inside, in chunks a PNG
//! viewer skips (PNG's ancillary, private chunks):
//!
//! - the copy's fields as `iTXt` text ([`keywords`]: an English keyword, GB/T 36903's
//!   Chinese name as the translated keyword, the value in UTF-8);
//! - `zkLR`: the signed licence record (`.zkl`), whose issuer signature is the issuer's
//!   word on every field the picture shows;
//! - `zkCT` (when the library has it): the issuing department's licence-signing
//!   certificate, so that a verifier holding only anchors can check the record;
//! - `zkSG`: a GB/T 38540 `SES_Signature` by the library's seal whose dataHash is the SM3 of
//!   every byte of the file before this chunk (the PNG signature, `IHDR`, the pixels, the
//!   text and the record). Only `IEND` may follow it.
//!
//! So the pixels, the copy's fields and the record are all under the library's seal; the
//! issuer's seal impression in the picture is a picture (the issuer sealed the record, not
//! these pixels). [`PngCopy::read`] finds these parts and says what is wrong with the
//! structure; checking the signatures is the verification engine's (`zhengku-verify`).
//! With the `render` feature, [`copy::annotated_png_copy`] paints and seals one.
//!
//! Chunk names follow PNG's rules (ISO/IEC 15948 §5.4): a lower-case first letter is
//! ancillary (a viewer ignores it), a lower-case second letter private, the third upper-case,
//! and an upper-case fourth says "not safe to copy" (an editor that changes the pixels must
//! drop it, which is right: the seal no longer covers them). Pure: no I/O.

#[cfg(feature = "render")]
pub mod copy;

/// The eight bytes every PNG starts with.
pub const MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The signed licence record.
pub const RECORD_CHUNK: [u8; 4] = *b"zkLR";
/// The issuing department's licence-signing certificate, DER.
pub const CERTIFICATE_CHUNK: [u8; 4] = *b"zkCT";
/// The library's seal signature (`SES_Signature`, DER) over every byte before it.
pub const SIGNATURE_CHUNK: [u8; 4] = *b"zkSG";

/// Largest PNG read (a 300 dpi A4 copy is a few megabytes).
pub const MAX_LEN: usize = 32 << 20;
/// Most chunks read (a copy has about a dozen; `IDAT` may be split, but not this finely).
pub const MAX_CHUNKS: usize = 4096;
/// Longest text value kept.
pub const MAX_TEXT: usize = 4096;

/// The `iTXt` keywords of a copy's fields (Latin-1, as PNG asks), each with GB/T 36903's
/// name, written as the translated keyword.
pub mod keywords {
    /// The licence's identifier (证照标识).
    pub const IDENTIFIER: (&str, &str) = ("Licence identifier", "证照标识");
    /// 加注件制作时间: `YYYY-MM-DD HH:MM:SS`, China Standard Time.
    pub const MADE_AT: (&str, &str) = ("Copy made at", "加注件制作时间");
    /// 加注件制作者.
    pub const MADE_BY: (&str, &str) = ("Copy made by", "加注件制作者");
    /// 加注件制作事由.
    pub const CAUSE: (&str, &str) = ("Copy cause", "加注件制作事由");
    /// 加注件有效期截止时间: `YYYY-MM-DD`.
    pub const VALID_UNTIL: (&str, &str) = ("Copy valid until", "加注件有效期截止时间");
    /// The matter the copy is for (办理事项).
    pub const MATTER: (&str, &str) = ("Copy matter", "加注件办理事项");
}

/// Why a PNG could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PngError {
    /// Not a PNG, or broken, or past a bound.
    #[error("PNG: {0}")]
    Malformed(String),
}

fn malformed(s: impl Into<String>) -> PngError {
    PngError::Malformed(s.into())
}

/// A text chunk (`iTXt` uncompressed, or `tEXt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The keyword.
    pub keyword: String,
    /// The translated keyword (`iTXt` only).
    pub translated: String,
    /// The text.
    pub text: String,
}

/// The parts of a PNG a sealed copy is made of ([crate docs](crate)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PngCopy<'a> {
    /// Width, pixels (`IHDR`).
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// How many chunks the file has.
    pub chunks: usize,
    /// The text chunks, in file order.
    pub texts: Vec<Text>,
    /// The signed licence record (`zkLR`).
    pub record: Option<&'a [u8]>,
    /// The issuer's licence-signing certificate (`zkCT`).
    pub certificate: Option<&'a [u8]>,
    /// The seal signature (`zkSG`).
    pub signature: Option<&'a [u8]>,
    /// The bytes the seal signature must be over: the file up to its chunk.
    pub signed: &'a [u8],
    /// What is wrong with the structure though the file reads: a zhengku chunk twice, a
    /// chunk the seal signature does not cover, text that cannot be read.
    pub problems: Vec<String>,
}

impl PngCopy<'_> {
    /// The text under `keyword` (the English keyword, or the translated one), if exactly one
    /// chunk has it.
    pub fn text(&self, (keyword, translated): (&str, &str)) -> Option<&str> {
        let mut found = self.texts.iter().filter(|t| {
            t.keyword == keyword || (!t.translated.is_empty() && t.translated == translated)
        });
        let first = found.next()?;
        found.next().is_none().then_some(first.text.as_str())
    }

    /// Reads `bytes` (module docs). Errors are for a file that is not a readable PNG: a bad
    /// signature, a truncated chunk, a CRC that does not match, `IHDR` not first, `IEND`
    /// missing or not last, past a bound.
    pub fn read(bytes: &[u8]) -> Result<PngCopy<'_>, PngError> {
        if bytes.len() > MAX_LEN {
            return Err(malformed(format!(
                "{} bytes is more than the {MAX_LEN} read",
                bytes.len()
            )));
        }
        if !bytes.starts_with(&MAGIC) {
            return Err(malformed("not a PNG (no PNG signature)"));
        }
        let mut copy = PngCopy {
            width: 0,
            height: 0,
            chunks: 0,
            texts: Vec::new(),
            record: None,
            certificate: None,
            signature: None,
            signed: &[],
            problems: Vec::new(),
        };
        let mut at = MAGIC.len();
        let mut ended = false;
        while at < bytes.len() {
            if ended {
                return Err(malformed(format!("{} bytes after IEND", bytes.len() - at)));
            }
            let (kind, data, next) = chunk(bytes, at)?;
            copy.chunks += 1;
            if copy.chunks > MAX_CHUNKS {
                return Err(malformed(format!("more than {MAX_CHUNKS} chunks")));
            }
            let name = String::from_utf8_lossy(&kind).into_owned();
            if copy.chunks == 1 {
                if &kind != b"IHDR" || data.len() != 13 {
                    return Err(malformed("the first chunk is not a 13-byte IHDR"));
                }
                copy.width = be32(&data[..4]);
                copy.height = be32(&data[4..8]);
            } else if &kind == b"IHDR" {
                return Err(malformed("a second IHDR"));
            }
            if copy.signature.is_some() && &kind != b"IEND" {
                copy.problems.push(format!(
                    "chunk {name} comes after the seal signature, which does not cover it"
                ));
            }
            fn once<'b>(
                slot: &mut Option<&'b [u8]>,
                data: &'b [u8],
                name: &str,
                problems: &mut Vec<String>,
            ) {
                if slot.is_some() {
                    problems.push(format!("chunk {name} appears more than once"));
                } else {
                    *slot = Some(data);
                }
            }
            match &kind {
                b"IEND" => ended = true,
                b"iTXt" | b"tEXt" => match text(&kind, data) {
                    Ok(Some(t)) => copy.texts.push(t),
                    Ok(None) => {}
                    Err(e) => copy.problems.push(e),
                },
                k if *k == RECORD_CHUNK => once(&mut copy.record, data, &name, &mut copy.problems),
                k if *k == CERTIFICATE_CHUNK => {
                    once(&mut copy.certificate, data, &name, &mut copy.problems)
                }
                k if *k == SIGNATURE_CHUNK => {
                    if copy.signature.is_none() {
                        copy.signed = &bytes[..at];
                    }
                    once(&mut copy.signature, data, &name, &mut copy.problems);
                }
                _ => {}
            }
            at = next;
        }
        if !ended {
            return Err(malformed("no IEND: the file is cut short"));
        }
        Ok(copy)
    }
}

/// Whether `bytes` are a PNG carrying a zhengku copy's seal signature or record: a quick
/// sniff over the chunk headers (CRCs unchecked); [`PngCopy::read`] decides.
pub fn sniff(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&MAGIC) || bytes.len() > MAX_LEN {
        return false;
    }
    let mut at = MAGIC.len();
    for _ in 0..MAX_CHUNKS {
        let Some(head) = bytes.get(at..at + 8) else {
            return false;
        };
        let kind = [head[4], head[5], head[6], head[7]];
        if kind == SIGNATURE_CHUNK || kind == RECORD_CHUNK {
            return true;
        }
        let len = be32(&head[..4]) as usize;
        at = match at.checked_add(12).and_then(|a| a.checked_add(len)) {
            Some(a) => a,
            None => return false,
        };
    }
    false
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The chunk at `at`: its type, its data and where the next starts; its CRC checked.
fn chunk(bytes: &[u8], at: usize) -> Result<([u8; 4], &[u8], usize), PngError> {
    let head = bytes
        .get(at..at + 8)
        .ok_or_else(|| malformed(format!("a chunk header cut short at byte {at}")))?;
    let len = be32(&head[..4]) as usize;
    if len > i32::MAX as usize {
        return Err(malformed(format!("a chunk length of {len} at byte {at}")));
    }
    let kind = [head[4], head[5], head[6], head[7]];
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(malformed(format!(
            "a chunk type that is not letters at byte {at}"
        )));
    }
    let end = at + 8 + len;
    let data = bytes.get(at + 8..end).ok_or_else(|| {
        malformed(format!(
            "chunk {} at byte {at} says {len} bytes, the file ends first",
            String::from_utf8_lossy(&kind)
        ))
    })?;
    let crc = bytes
        .get(end..end + 4)
        .ok_or_else(|| malformed("a chunk's CRC cut short"))?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&kind);
    hasher.update(data);
    if hasher.finalize() != be32(crc) {
        return Err(malformed(format!(
            "chunk {} at byte {at}: its CRC does not match",
            String::from_utf8_lossy(&kind)
        )));
    }
    Ok((kind, data, end + 4))
}

/// A text chunk's parts; `None` for compressed text (not read: no copy field is written
/// compressed, and inflating is a cost hostile input should not get for free).
fn text(kind: &[u8; 4], data: &[u8]) -> Result<Option<Text>, String> {
    let bad = |what: &str| format!("{} chunk: {what}", String::from_utf8_lossy(kind));
    let (keyword, rest) = split0(data).ok_or_else(|| bad("no keyword terminator"))?;
    if keyword.is_empty() || keyword.len() > 79 {
        return Err(bad("a keyword of 1 to 79 bytes is required"));
    }
    // Keywords are Latin-1.
    let keyword: String = keyword.iter().map(|&b| char::from(b)).collect();
    if kind == b"tEXt" {
        let text: String = rest.iter().map(|&b| char::from(b)).collect();
        return Ok(Some(Text {
            keyword,
            translated: String::new(),
            text: bounded(text),
        }));
    }
    let [compressed, _method, rest @ ..] = rest else {
        return Err(bad("cut short"));
    };
    if *compressed != 0 {
        return Ok(None);
    }
    let (_language, rest) = split0(rest).ok_or_else(|| bad("no language tag terminator"))?;
    let (translated, text) = split0(rest).ok_or_else(|| bad("no translated keyword terminator"))?;
    let utf8 = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| bad("text that is not UTF-8"));
    Ok(Some(Text {
        keyword,
        translated: utf8(translated)?,
        text: bounded(utf8(text)?),
    }))
}

fn bounded(mut s: String) -> String {
    if s.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

fn split0(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == 0)?;
    Some((&b[..i], &b[i + 1..]))
}

/// Appends one chunk (length, type, data, CRC) to `out`.
pub fn write_chunk(out: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) -> Result<(), PngError> {
    let len = u32::try_from(data.len())
        .ok()
        .filter(|&l| l <= i32::MAX as u32)
        .ok_or_else(|| malformed(format!("a {}-byte chunk", data.len())))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&kind);
    hasher.update(data);
    out.extend_from_slice(&hasher.finalize().to_be_bytes());
    Ok(())
}

/// An uncompressed `iTXt` chunk's data: `keyword` (Latin-1 letters, digits and spaces, 1 to
/// 79 bytes), the language tag, the translated keyword and the text.
pub fn itxt(
    keyword: &str,
    language: &str,
    translated: &str,
    text: &str,
) -> Result<Vec<u8>, PngError> {
    if keyword.is_empty()
        || keyword.len() > 79
        || !keyword
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ')
        || !language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(malformed(format!(
            "keyword {keyword:?} or language {language:?}"
        )));
    }
    if translated.contains('\0') || text.contains('\0') {
        return Err(malformed(format!("{keyword}: text with a NUL")));
    }
    let mut out = Vec::with_capacity(keyword.len() + translated.len() + text.len() + 8);
    out.extend_from_slice(keyword.as_bytes());
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(language.as_bytes());
    out.push(0);
    out.extend_from_slice(translated.as_bytes());
    out.push(0);
    out.extend_from_slice(text.as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A small valid PNG with `extra` chunks before IEND.
    fn png(extra: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        write_chunk(&mut out, *b"IHDR", &ihdr).unwrap();
        let idat = miniz_oxide::deflate::compress_to_vec_zlib(&[0, 0], 6);
        write_chunk(&mut out, *b"IDAT", &idat).unwrap();
        for (k, d) in extra {
            write_chunk(&mut out, *k, d).unwrap();
        }
        write_chunk(&mut out, *b"IEND", &[]).unwrap();
        out
    }

    #[test]
    fn reads_the_parts_and_what_the_signature_covers() {
        let t = itxt("Copy matter", "zh-CN", "加注件办理事项", "开户").unwrap();
        let bytes = png(&[
            (*b"iTXt", t),
            (RECORD_CHUNK, b"record".to_vec()),
            (SIGNATURE_CHUNK, b"ses".to_vec()),
        ]);
        assert!(sniff(&bytes));
        let c = PngCopy::read(&bytes).unwrap();
        assert_eq!((c.width, c.height, c.chunks), (1, 1, 6));
        assert_eq!(c.text(keywords::MATTER), Some("开户"));
        assert_eq!(c.record, Some(&b"record"[..]));
        assert_eq!(c.signature, Some(&b"ses"[..]));
        // Everything up to the signature chunk's length field.
        let at = bytes.len() - 12 - (12 + 3);
        assert_eq!(c.signed, &bytes[..at]);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn flags_what_the_signature_leaves_out_and_repeats() {
        let bytes = png(&[
            (SIGNATURE_CHUNK, b"ses".to_vec()),
            (*b"tEXt", b"Comment\0later".to_vec()),
            (RECORD_CHUNK, b"a".to_vec()),
            (RECORD_CHUNK, b"b".to_vec()),
        ]);
        let c = PngCopy::read(&bytes).unwrap();
        assert_eq!(c.problems.len(), 4, "{:?}", c.problems);
        assert!(c.problems[0].contains("tEXt comes after the seal signature"));
        assert!(c.problems[3].contains("more than once"));
    }

    #[test]
    fn refuses_broken_files() {
        let good = png(&[(SIGNATURE_CHUNK, b"ses".to_vec())]);
        // A flipped bit anywhere in a chunk breaks its CRC.
        for i in [10, 20, good.len() - 20] {
            let mut bad = good.clone();
            bad[i] ^= 1;
            assert!(PngCopy::read(&bad).is_err(), "byte {i}");
        }
        assert!(PngCopy::read(&good[..good.len() - 1]).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(PngCopy::read(&trailing).is_err());
        assert!(PngCopy::read(b"GIF89a").is_err());
        // A length past the end is refused without reading it.
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        assert!(PngCopy::read(&huge).is_err());
        assert!(!sniff(&huge));
        // A plain PNG is not a copy.
        assert!(!sniff(&png(&[])));
    }

    #[test]
    fn compressed_text_is_skipped_and_bad_text_reported() {
        let mut z = b"Copy matter\0\x01\0zh\0x\0".to_vec();
        z.extend(miniz_oxide::deflate::compress_to_vec_zlib(b"x", 6));
        let bytes = png(&[(*b"iTXt", z), (*b"iTXt", b"nokeyword".to_vec())]);
        let c = PngCopy::read(&bytes).unwrap();
        assert!(c.texts.is_empty());
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert!(itxt("bad\0", "zh", "", "").is_err());
        assert!(itxt("Copy matter", "zh", "", "a\0b").is_err());
    }
}
