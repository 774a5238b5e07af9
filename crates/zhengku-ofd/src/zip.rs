//! The OFD package: a ZIP archive (PKWARE APPNOTE), read from the central directory with
//! every count, size and ratio bounded before anything is inflated, because an uploaded
//! OFD is hostile input.
//!
//! Read: stored (0) and deflated (8) entries, sizes and CRC-32 from the central directory
//! (a local header's data descriptor, bit 3, is then irrelevant), names in UTF-8.
//! Refused: encryption, ZIP64 and multi-disk archives (an OFD licence is a few hundred
//! kilobytes), other compression methods, unsafe or repeated names, an entry whose inflated
//! size, CRC-32 or local header disagrees with the central directory, and anything past
//! [`Limits`]. Folders (names ending in `/`) are skipped.

use std::collections::BTreeMap;

use crate::OfdError;

/// The bounds a package is read within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest archive, bytes.
    pub max_archive: usize,
    /// Most entries (files and folders).
    pub max_entries: usize,
    /// Largest inflated file, bytes.
    pub max_file: usize,
    /// Largest sum of inflated files, bytes.
    pub max_total: usize,
    /// Largest ratio of inflated to compressed size, for files over 64 KiB (a zip bomb's
    /// is in the thousands; XML and images stay far below).
    pub max_ratio: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_archive: 32 << 20,
            max_entries: 4096,
            max_file: 32 << 20,
            max_total: 128 << 20,
            max_ratio: 200,
        }
    }
}

/// The files of a package, by normalised name (no leading `/`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    files: BTreeMap<String, Vec<u8>>,
}

const EOCD: u32 = 0x0605_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2)
        .map(|s| usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn usize_at(b: &[u8], at: usize) -> Option<usize> {
    u32_at(b, at).and_then(|v| usize::try_from(v).ok())
}

fn bad(detail: impl Into<String>) -> OfdError {
    OfdError::Zip(detail.into())
}

/// Whether `name` is a safe relative path: segments of something other than `.` and `..`,
/// no backslash, no NUL, no drive letter.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 1024
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && !name.contains(':')
        && name
            .trim_end_matches('/')
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

impl Package {
    /// Reads an archive within `limits`.
    pub fn read(bytes: &[u8], limits: &Limits) -> Result<Package, OfdError> {
        if bytes.len() > limits.max_archive {
            return Err(bad(format!(
                "{} bytes, more than {}",
                bytes.len(),
                limits.max_archive
            )));
        }
        // The end-of-central-directory record: 22 bytes and a comment of at most 64 KiB.
        let lowest = bytes.len().saturating_sub(22 + 0xffff);
        let eocd = (lowest..=bytes.len().saturating_sub(22))
            .rev()
            .find(|&i| u32_at(bytes, i) == Some(EOCD))
            .ok_or_else(|| bad("no end of central directory: not a ZIP archive"))?;
        let field = |off: usize| u16_at(bytes, eocd + off).ok_or_else(|| bad("truncated"));
        if field(4)? != 0 || field(6)? != 0 {
            return Err(bad("multi-disk archives are not read"));
        }
        let count = field(10)?;
        let cd_size = usize_at(bytes, eocd + 12).ok_or_else(|| bad("truncated"))?;
        let cd_offset = usize_at(bytes, eocd + 16).ok_or_else(|| bad("truncated"))?;
        if count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
            return Err(bad("ZIP64 archives are not read"));
        }
        if count > limits.max_entries {
            return Err(bad(format!(
                "{count} entries, more than {}",
                limits.max_entries
            )));
        }
        if cd_offset.checked_add(cd_size).is_none_or(|end| end > eocd) {
            return Err(bad("the central directory lies outside the archive"));
        }
        let mut files = BTreeMap::new();
        let mut total = 0usize;
        let mut at = cd_offset;
        for _ in 0..count {
            let entry = CentralEntry::read(bytes, at)?;
            at = entry.next;
            if entry.name.ends_with('/') {
                if !safe_name(&entry.name) {
                    return Err(bad(format!("unsafe folder name {:?}", entry.name)));
                }
                continue;
            }
            if !safe_name(&entry.name) {
                return Err(bad(format!("unsafe file name {:?}", entry.name)));
            }
            if entry.size > limits.max_file {
                return Err(bad(format!(
                    "{}: {} bytes inflated, more than {}",
                    entry.name, entry.size, limits.max_file
                )));
            }
            total = total.saturating_add(entry.size);
            if total > limits.max_total {
                return Err(bad(format!(
                    "more than {} bytes inflated in all",
                    limits.max_total
                )));
            }
            if entry.size > 64 << 10 && entry.size / entry.compressed.max(1) > limits.max_ratio {
                return Err(bad(format!(
                    "{}: inflates {} times (at most {})",
                    entry.name,
                    entry.size / entry.compressed.max(1),
                    limits.max_ratio
                )));
            }
            let data = entry.data(bytes)?;
            if files.insert(entry.name.clone(), data).is_some() {
                return Err(bad(format!("{} appears twice", entry.name)));
            }
        }
        if at != cd_offset + cd_size {
            return Err(bad(
                "the central directory's size does not match its entries",
            ));
        }
        Ok(Package { files })
    }

    /// The file `name` (normalised: no leading `/`).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// Every file's name, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Puts `data` under `name` (normalised, no leading `/`), replacing what was there;
    /// `false` (and nothing changed) when the name is not a safe one.
    pub fn insert(&mut self, name: &str, data: Vec<u8>) -> bool {
        if !safe_name(name) || name.ends_with('/') {
            return false;
        }
        self.files.insert(name.to_owned(), data);
        true
    }

    /// The package as a ZIP archive of stored entries, in name order, UTF-8 names: the one
    /// strict form zhengku writes (and a test's way to change one file of a package).
    pub fn to_zip(&self) -> Vec<u8> {
        fn u16le(v: usize) -> [u8; 2] {
            u16::try_from(v).unwrap_or(u16::MAX).to_le_bytes()
        }
        fn u32le(v: usize) -> [u8; 4] {
            u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes()
        }
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in &self.files {
            let offset = out.len();
            let crc = crc32fast::hash(data).to_le_bytes();
            // Version 2.0, flag bit 11 (UTF-8 names), stored, no time.
            let common = |b: &mut Vec<u8>| {
                b.extend([20, 0, 0, 0x08, 0, 0, 0, 0, 0, 0]);
                b.extend(crc);
                b.extend(u32le(data.len()));
                b.extend(u32le(data.len()));
                b.extend(u16le(name.len()));
                b.extend([0, 0]);
            };
            out.extend(LOCAL.to_le_bytes());
            common(&mut out);
            out.extend(name.as_bytes());
            out.extend(data);
            central.extend(CENTRAL.to_le_bytes());
            central.extend([20, 0]);
            common(&mut central);
            central.extend([0; 10]);
            central.extend(u32le(offset));
            central.extend(name.as_bytes());
        }
        let cd_offset = out.len();
        out.extend(&central);
        out.extend(EOCD.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend(u16le(self.files.len()));
        out.extend(u16le(self.files.len()));
        out.extend(u32le(central.len()));
        out.extend(u32le(cd_offset));
        out.extend([0, 0]);
        out
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// One central-directory entry.
struct CentralEntry {
    name: String,
    method: usize,
    crc: u32,
    compressed: usize,
    size: usize,
    local: usize,
    /// Where the next entry starts.
    next: usize,
}

impl CentralEntry {
    fn read(b: &[u8], at: usize) -> Result<CentralEntry, OfdError> {
        let truncated = || bad("truncated central directory");
        if u32_at(b, at) != Some(CENTRAL) {
            return Err(bad("a central directory entry is missing its signature"));
        }
        let flags = u16_at(b, at + 8).ok_or_else(truncated)?;
        if flags & 1 != 0 {
            return Err(bad("encrypted entries are not read"));
        }
        let method = u16_at(b, at + 10).ok_or_else(truncated)?;
        let crc = u32_at(b, at + 16).ok_or_else(truncated)?;
        let compressed = usize_at(b, at + 20).ok_or_else(truncated)?;
        let size = usize_at(b, at + 24).ok_or_else(truncated)?;
        let name_len = u16_at(b, at + 28).ok_or_else(truncated)?;
        let extra_len = u16_at(b, at + 30).ok_or_else(truncated)?;
        let comment_len = u16_at(b, at + 32).ok_or_else(truncated)?;
        let local = usize_at(b, at + 42).ok_or_else(truncated)?;
        if compressed == 0xffff_ffff || size == 0xffff_ffff || local == 0xffff_ffff {
            return Err(bad("ZIP64 entries are not read"));
        }
        let name = b.get(at + 46..at + 46 + name_len).ok_or_else(truncated)?;
        let name = std::str::from_utf8(name)
            .map_err(|_| bad("an entry name is not UTF-8"))?
            .to_owned();
        Ok(CentralEntry {
            name,
            method,
            crc,
            compressed,
            size,
            local,
            next: at + 46 + name_len + extra_len + comment_len,
        })
    }

    /// The entry's bytes, inflated and checked against its size and CRC-32.
    fn data(&self, b: &[u8]) -> Result<Vec<u8>, OfdError> {
        let at = self.local;
        let truncated = || bad(format!("{}: truncated", self.name));
        if u32_at(b, at) != Some(LOCAL) {
            return Err(bad(format!("{}: no local header", self.name)));
        }
        let name_len = u16_at(b, at + 26).ok_or_else(truncated)?;
        let extra_len = u16_at(b, at + 28).ok_or_else(truncated)?;
        if b.get(at + 30..at + 30 + name_len) != Some(self.name.as_bytes()) {
            return Err(bad(format!(
                "{}: the local header names another file",
                self.name
            )));
        }
        let start = at + 30 + name_len + extra_len;
        let raw = start
            .checked_add(self.compressed)
            .and_then(|end| b.get(start..end))
            .ok_or_else(truncated)?;
        let data = match self.method {
            0 => raw.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, self.size)
                .map_err(|e| bad(format!("{}: deflate: {e:?}", self.name)))?,
            m => {
                return Err(bad(format!(
                    "{}: compression method {m} (only stored and deflated are read)",
                    self.name
                )));
            }
        };
        if data.len() != self.size {
            return Err(bad(format!(
                "{}: {} bytes, the directory says {}",
                self.name,
                data.len(),
                self.size
            )));
        }
        if crc32fast::hash(&data) != self.crc {
            return Err(bad(format!("{}: CRC-32 mismatch", self.name)));
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/", "a/b/c.xml"] {
            assert!(safe_name(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "a\\b",
            "C:x",
            "a\0b",
        ] {
            assert!(!safe_name(bad), "{bad:?}");
        }
    }
}
