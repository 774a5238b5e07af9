//! A font subset that is still a font a reader can use by itself: the glyphs a face uses,
//! with a Unicode `cmap` and an `OS/2` table.
//!
//! The subsetter keeps glyphs, metrics and names but drops `cmap` and `OS/2`, because a PDF
//! maps its codes to glyphs itself (Identity-H) and never asks the font. An OFD's text is
//! Unicode (`TextCode` holds characters, not glyph ids), so the reader needs the font's own
//! character map: [`unicode_subset`] subsets, then rebuilds the OpenType file with a `cmap`
//! (format 4 for the Basic Multilingual Plane, format 12 for everything, both Windows
//! Unicode) mapping each character to its glyph in the subset, and the full font's `OS/2`
//! with its first and last character fields set to the subset's.

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;

use crate::font::CjkFont;
use crate::render::RenderError;

/// At most this many characters: format 4 takes 8 bytes a segment in a 16-bit length.
const MAX_CHARS: usize = 8000;

/// The font's subset for `chars` (character → glyph id in the full font), as an OpenType
/// file with a Unicode `cmap`.
pub fn unicode_subset(font: &CjkFont, chars: &BTreeMap<char, u16>) -> Result<Vec<u8>, RenderError> {
    let bad = |e: String| RenderError::Font(e);
    if chars.len() > MAX_CHARS {
        return Err(bad(format!(
            "{} characters, at most {MAX_CHARS}",
            chars.len()
        )));
    }
    let mut remapper = GlyphRemapper::new();
    let mut map = BTreeMap::new();
    for (&c, &gid) in chars {
        map.insert(u32::from(c), remapper.remap(gid));
    }
    let subset = subsetter::subset(font.data(), font.index(), &remapper)
        .map_err(|e| bad(format!("subsetting: {e}")))?;
    let mut tables = read_tables(&subset).ok_or_else(|| bad("subset does not parse".into()))?;
    let face = font
        .face()
        .ok_or_else(|| bad("the font no longer parses".into()))?;
    if let Some(os2) = face.raw_face().table(ttf_parser::Tag::from_bytes(b"OS/2")) {
        let mut os2 = os2.to_vec();
        // usFirstCharIndex and usLastCharIndex: the subset's, capped at 0xFFFF as the
        // format asks.
        if os2.len() >= 68 {
            let first = map.keys().next().copied().unwrap_or(0).min(0xFFFF) as u16;
            let last = map.keys().next_back().copied().unwrap_or(0).min(0xFFFF) as u16;
            os2[64..66].copy_from_slice(&first.to_be_bytes());
            os2[66..68].copy_from_slice(&last.to_be_bytes());
        }
        tables.insert(*b"OS/2", os2);
    }
    tables.insert(*b"cmap", cmap(&map));
    let flavour: [u8; 4] = subset
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("subset too short".into()))?;
    Ok(write_font(flavour, &tables))
}

/// The table directory of a single-face OpenType file.
fn read_tables(data: &[u8]) -> Option<BTreeMap<[u8; 4], Vec<u8>>> {
    let u16_at = |at: usize| Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?));
    let count = usize::from(u16_at(4)?);
    let mut tables = BTreeMap::new();
    for i in 0..count {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
        let offset = usize::try_from(u32_at(rec + 8)?).ok()?;
        let len = usize::try_from(u32_at(rec + 12)?).ok()?;
        tables.insert(tag, data.get(offset..offset.checked_add(len)?)?.to_vec());
    }
    Some(tables)
}

/// A `cmap` with a format 4 subtable (BMP) and a format 12 subtable (all), each mapping
/// every character of `map` to its glyph, one segment or group per character.
fn cmap(map: &BTreeMap<u32, u16>) -> Vec<u8> {
    let bmp: Vec<(u16, u16)> = map
        .iter()
        .filter_map(|(&c, &g)| {
            u16::try_from(c)
                .ok()
                .filter(|&c| c != 0xFFFF)
                .map(|c| (c, g))
        })
        .collect();
    // Format 4: one segment per character and the closing 0xFFFF segment.
    let seg_count = bmp.len() + 1;
    let seg_x2 = (seg_count * 2) as u16;
    let mut pow = 1usize;
    while pow * 2 <= seg_count {
        pow *= 2;
    }
    let search_range = (pow * 2) as u16;
    let entry_selector = pow.trailing_zeros() as u16;
    let mut f4 = Vec::new();
    let len4 = (16 + 8 * seg_count) as u16;
    for v in [
        4,
        len4,
        0,
        seg_x2,
        search_range,
        entry_selector,
        seg_x2 - search_range,
    ] {
        f4.extend_from_slice(&v.to_be_bytes());
    }
    for &(c, _) in &bmp {
        f4.extend_from_slice(&c.to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    f4.extend_from_slice(&0u16.to_be_bytes()); // reservedPad
    for &(c, _) in &bmp {
        f4.extend_from_slice(&c.to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    for &(c, g) in &bmp {
        f4.extend_from_slice(&g.wrapping_sub(c).to_be_bytes());
    }
    f4.extend_from_slice(&1u16.to_be_bytes());
    f4.extend(std::iter::repeat_n(0u8, 2 * seg_count)); // idRangeOffset: all 0

    let mut f12 = Vec::new();
    f12.extend_from_slice(&12u16.to_be_bytes());
    f12.extend_from_slice(&0u16.to_be_bytes());
    f12.extend_from_slice(&((16 + 12 * map.len()) as u32).to_be_bytes());
    f12.extend_from_slice(&0u32.to_be_bytes());
    f12.extend_from_slice(&(map.len() as u32).to_be_bytes());
    for (&c, &g) in map {
        f12.extend_from_slice(&c.to_be_bytes());
        f12.extend_from_slice(&c.to_be_bytes());
        f12.extend_from_slice(&u32::from(g).to_be_bytes());
    }

    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&2u16.to_be_bytes());
    let first = 4 + 2 * 8u32;
    for (encoding, offset) in [(1u16, first), (10, first + f4.len() as u32)] {
        out.extend_from_slice(&3u16.to_be_bytes());
        out.extend_from_slice(&encoding.to_be_bytes());
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out.extend_from_slice(&f4);
    out.extend_from_slice(&f12);
    out
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// An OpenType file of `tables` (in tag order, 4-byte aligned), with table checksums and
/// `head.checkSumAdjustment` set.
fn write_font(flavour: [u8; 4], tables: &BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    let count = tables.len() as u16;
    let mut pow = 1u16;
    while pow * 2 <= count {
        pow *= 2;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&flavour);
    for v in [
        count,
        pow * 16,
        pow.trailing_zeros() as u16,
        count * 16 - pow * 16,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        let mut data = data.clone();
        if tag == b"head" && data.len() >= 12 {
            data[8..12].fill(0);
            head_at = Some(offset + 8);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(&data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (tag, data) in tables {
        let start = out.len();
        out.extend_from_slice(data);
        if tag == b"head" && data.len() >= 12 {
            out[start + 8..start + 12].fill(0);
        }
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at..at + 4].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_subset_maps_every_character_to_the_same_outline() {
        let font = crate::font::load(None).unwrap();
        let full = font.face().unwrap();
        let text = "营业执照统一社会信用代码ABC123（）：";
        let chars: BTreeMap<char, u16> = text
            .chars()
            .map(|c| (c, full.glyph_index(c).unwrap().0))
            .collect();
        let bytes = unicode_subset(&font, &chars).unwrap();
        let sub = ttf_parser::Face::parse(&bytes, 0).unwrap();
        assert!(sub.number_of_glyphs() as usize <= chars.len() + 1);
        for (c, &gid) in &chars {
            let new = sub
                .glyph_index(*c)
                .unwrap_or_else(|| panic!("{c} not in the cmap"));
            assert_eq!(
                sub.glyph_hor_advance(new),
                full.glyph_hor_advance(ttf_parser::GlyphId(gid)),
                "{c}"
            );
            assert_ne!(new.0, 0, "{c} maps to .notdef");
        }
        assert_eq!(sub.glyph_index('国'), None, "only the characters asked for");
        // The whole file sums to the magic number, as head.checkSumAdjustment promises.
        assert_eq!(checksum(&bytes), 0xB1B0_AFBA);
    }
}
