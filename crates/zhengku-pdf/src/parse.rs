//! A small, lenient reader of signed PDFs — zhengku's and others' — for the verification
//! engine: what the last signature signed, what it did not, and the embedded licence record.
//!
//! It does not build a full PDF document model. It scans the file for indirect objects
//! (`N G obj … endobj`, streams skipped by their `/Length`, or by searching `endstream` when
//! the length is indirect or wrong), so it reads classic and incrementally updated files and
//! files with cross-reference streams; objects inside object streams are not seen (signature
//! dictionaries cannot live there, since their offsets matter, and zhengku writes none).
//!
//! From the objects it takes:
//! - the **last** signature dictionary in file order (a dictionary with `/ByteRange`): its
//!   `/ByteRange`, `/Contents` (hex string, zero padding after the DER removed), `/SubFilter`
//!   and `/M`. Whether the ranges cover the whole file except exactly that `/Contents` hex
//!   string is computed and, when not, said precisely; bytes after the end of the ranges
//!   (an incremental update appended after signing) are counted;
//! - the embedded file named `licence.zkl` (a file specification with `/F` or `/UF`
//!   `licence.zkl` and `/EF`), uncompressed or FlateDecode;
//! - the document information's `/Title` and `/Subject` (text strings, PDFDocEncoding or
//!   UTF-16BE).
//!
//! Hostile input never panics and stays cheap: nesting is bounded ([`MAX_DEPTH`]), total
//! lexing work is bounded by a multiple of the input size, at most
//! [`MAX_EMBEDDED_FILES`] file specifications may name `licence.zkl`, each stream is
//! inflated at most once however many of them point at it, and an inflated embedded file
//! stops at [`MAX_EMBEDDED_LEN`] (a signed licence record is a few KiB). A PDF with 30,000
//! file specifications pointing at one stream that inflates to 16 MiB of zeros costs one
//! refusal, not 30,000 inflations. At most [`MAX_OBJECTS`] indirect objects and
//! [`MAX_CONTAINERS`] dictionaries and arrays are read: past that the file is refused
//! ([`ParseError::TooLarge`]) before the rest is lexed.

use std::collections::HashMap;
use std::ops::Range;

/// The name of the embedded licence record.
pub const LICENCE_FILE_NAME: &str = "licence.zkl";
/// Deepest nesting of arrays and dictionaries read.
pub const MAX_DEPTH: usize = 32;
/// Largest embedded file read (after inflating). A signed licence record is a few KiB;
/// 1 MiB leaves room for large photographs in a record while keeping a zip bomb cheap.
pub const MAX_EMBEDDED_LEN: usize = 1024 * 1024;
/// Most file specifications named `licence.zkl` a PDF may have (zhengku writes one).
pub const MAX_EMBEDDED_FILES: usize = 4;
/// Most indirect objects read. A licence PDF has about a hundred; past this the file is
/// refused before more of it is lexed.
pub const MAX_OBJECTS: usize = 10_000;
/// Most dictionaries and arrays read, in the whole file (a licence PDF has a few hundred).
pub const MAX_CONTAINERS: usize = 10_000;

/// A signed PDF as the verifier needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPdf {
    /// The last signature's `/ByteRange`: offset and length of the two signed ranges.
    pub byte_range: [usize; 4],
    /// The bytes the two ranges name, concatenated: what the CMS signs.
    pub signed_content: Vec<u8>,
    /// The `/Contents` value: the CMS, DER, with the trailing zero padding removed.
    pub cms: Vec<u8>,
    /// `/SubFilter` (e.g. `ETSI.CAdES.detached`), if present.
    pub sub_filter: Option<String>,
    /// `/M`, the claimed signing time as written (`D:YYYYMMDDHHmmSS+00'00'`), if present.
    pub signing_time: Option<String>,
    /// Bytes in the file after the end of the second range: appended after signing (an
    /// incremental update), not covered by the signature.
    pub bytes_after_range: usize,
    /// True when the ranges start at byte 0 and leave out exactly the `/Contents` hex
    /// string (delimiters included), and nothing else up to the end of the second range.
    /// Bytes after that are counted in [`SignedPdf::bytes_after_range`], not here.
    pub covers_whole_file_but_contents: bool,
    /// Why [`SignedPdf::covers_whole_file_but_contents`] is false, precisely.
    pub coverage_problem: Option<String>,
    /// Where the `/Contents` hex string is, `<` to `>` inclusive.
    pub contents_at: Range<usize>,
    /// How many signature dictionaries the file has (the last is the one described).
    pub signature_count: usize,
    /// The embedded `licence.zkl`, if there is exactly one readable such file (or several
    /// with equal contents).
    pub embedded_record: Option<Vec<u8>>,
    /// Why an embedded `licence.zkl` that is there could not be read, or several disagree.
    pub embedded_problem: Option<String>,
    /// The document information's `/Title`.
    pub title: Option<String>,
    /// The document information's `/Subject` (zhengku writes the licence identifier).
    pub subject: Option<String>,
    /// When the last signature is an annotated copy's (its dictionary has `/ZKCopy`, see
    /// `crate::copy`): the copy's fields and what its revision changes.
    pub copy: Option<CopyUpdate>,
}

/// An annotated copy's revision, as read: the fields its signature carries and whether the
/// revision does only what a copy does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyUpdate {
    /// `/ZKCopy` entries (`MadeAt`, `MadeBy`, `Cause`, `Matter`, `Until`), as text.
    pub fields: Vec<(String, String)>,
    /// Where the signed revision under the copy ends: the earlier signature's ByteRange end.
    pub original_end: Option<usize>,
    /// What the copy's revision does beyond adding its field, signature and appearance and
    /// listing the field in the page's `/Annots` and the form's `/Fields`; empty when
    /// nothing.
    pub problems: Vec<String>,
}

impl CopyUpdate {
    /// The field `key`, when given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a file could not be read as a signed PDF.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No `%PDF-` header in the first KiB.
    #[error("not a PDF: no %PDF- header in the first 1024 bytes")]
    NotPdf,
    /// No dictionary with `/ByteRange`.
    #[error("the PDF has no signature (no signature dictionary with /ByteRange)")]
    NoSignature,
    /// `/ByteRange` is malformed or points outside the file.
    #[error("the signature's /ByteRange {0}")]
    ByteRange(String),
    /// `/Contents` is missing, not a hex string, or not a DER element padded with zeros.
    #[error("the signature's /Contents {0}")]
    Contents(String),
    /// The signature dictionary repeats a key.
    #[error("the signature dictionary has /{0} more than once")]
    DuplicateKey(String),
    /// Too much lexing work for the input's size (a file built to make the reader spin).
    #[error("the PDF is too convoluted to read (more than {0} bytes of lexing)")]
    TooComplex(usize),
    /// More indirect objects, or more dictionaries and arrays, than a licence PDF has.
    #[error("the PDF has more than {limit} {what}; a licence PDF has a few hundred")]
    TooLarge {
        /// What there are too many of.
        what: &'static str,
        /// The most read.
        limit: usize,
    },
}

// ---- Lexing ---------------------------------------------------------------------------------

/// A PDF object, as far as this reader needs it.
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    Null,
    Bool(bool),
    /// A number; `Some` for integers that fit in i64.
    Num(Option<i64>),
    Name(Vec<u8>),
    /// Literal string, unescaped.
    Str(Vec<u8>),
    /// Hex string, decoded.
    Hex(Vec<u8>),
    Array(Vec<Node>),
    Dict(Vec<(Vec<u8>, Node)>),
    Ref(u32, u16),
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    obj: Obj,
    span: Range<usize>,
}

impl Node {
    fn dict(&self) -> Option<&[(Vec<u8>, Node)]> {
        match &self.obj {
            Obj::Dict(d) => Some(d),
            _ => None,
        }
    }
}

/// All values of `key` in a dictionary.
fn get_all<'a>(dict: &'a [(Vec<u8>, Node)], key: &str) -> impl Iterator<Item = &'a Node> {
    dict.iter()
        .filter(move |(k, _)| k == key.as_bytes())
        .map(|(_, v)| v)
}

/// The value of `key` in a dictionary (the first, if repeated).
fn get<'a>(dict: &'a [(Vec<u8>, Node)], key: &str) -> Option<&'a Node> {
    get_all(dict, key).next()
}

#[derive(Debug)]
struct LexError {
    /// How far the lexer got (for the work budget).
    at: usize,
    /// The file holds more dictionaries and arrays than [`MAX_CONTAINERS`].
    too_many: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_ws(b) && !is_delim(b)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    /// Dictionaries and arrays this lexer may still read.
    containers: usize,
}

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        Lexer::with_containers(b, pos, MAX_CONTAINERS)
    }

    fn with_containers(b: &'a [u8], pos: usize, containers: usize) -> Self {
        Lexer { b, pos, containers }
    }

    /// Counts one more dictionary or array.
    fn container(&mut self) -> Result<(), LexError> {
        match self.containers.checked_sub(1) {
            Some(n) => {
                self.containers = n;
                Ok(())
            }
            None => Err(LexError {
                at: self.pos,
                too_many: true,
            }),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn fail<T>(&self) -> Result<T, LexError> {
        Err(LexError {
            at: self.pos,
            too_many: false,
        })
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b.get(self.pos..).is_some_and(|r| r.starts_with(s))
    }

    /// A keyword (regular characters) at the current position, not consumed.
    fn keyword(&self) -> &'a [u8] {
        let rest = self.b.get(self.pos..).unwrap_or_default();
        let n = rest.iter().take_while(|&&c| is_regular(c)).count();
        &rest[..n]
    }

    fn object(&mut self, depth: usize) -> Result<Node, LexError> {
        if depth > MAX_DEPTH {
            return self.fail();
        }
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.fail();
        };
        let obj = match c {
            b'<' if self.starts_with(b"<<") => {
                self.container()?;
                self.pos += 2;
                let mut entries = Vec::new();
                loop {
                    self.skip_ws();
                    if self.starts_with(b">>") {
                        self.pos += 2;
                        break;
                    }
                    if self.peek() != Some(b'/') {
                        return self.fail();
                    }
                    let key = self.name()?;
                    let value = self.object(depth + 1)?;
                    entries.push((key, value));
                }
                Obj::Dict(entries)
            }
            b'<' => Obj::Hex(self.hex_string()?),
            b'(' => Obj::Str(self.literal_string()?),
            b'[' => {
                self.container()?;
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        None => return self.fail(),
                        Some(_) => items.push(self.object(depth + 1)?),
                    }
                }
                Obj::Array(items)
            }
            b'/' => Obj::Name(self.name()?),
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_ref()?,
            _ => {
                let kw = self.keyword();
                let obj = match kw {
                    b"true" => Obj::Bool(true),
                    b"false" => Obj::Bool(false),
                    b"null" => Obj::Null,
                    _ => return self.fail(),
                };
                self.pos += kw.len();
                obj
            }
        };
        Ok(Node {
            obj,
            span: start..self.pos,
        })
    }

    fn name(&mut self) -> Result<Vec<u8>, LexError> {
        self.pos += 1; // '/'
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if !is_regular(c) {
                break;
            }
            if c == b'#' {
                let h = self.b.get(self.pos + 1).copied().and_then(hex_val);
                let l = self.b.get(self.pos + 2).copied().and_then(hex_val);
                if let (Some(h), Some(l)) = (h, l) {
                    out.push(h << 4 | l);
                    self.pos += 3;
                    continue;
                }
            }
            out.push(c);
            self.pos += 1;
        }
        Ok(out)
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, LexError> {
        self.pos += 1; // '<'
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(c) = self.peek() else {
                return self.fail();
            };
            self.pos += 1;
            if c == b'>' {
                break;
            }
            if is_ws(c) {
                continue;
            }
            let Some(v) = hex_val(c) else {
                self.pos -= 1;
                return self.fail();
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            // An odd final digit is followed by an implicit 0 (ISO 32000-1 §7.3.4.3).
            out.push(h << 4);
        }
        Ok(out)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, LexError> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let Some(c) = self.peek() else {
                return self.fail();
            };
            self.pos += 1;
            match c {
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.fail();
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            // High-order overflow is ignored (§7.3.4.2).
                            out.push((v & 0xFF) as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        Ok(out)
    }

    fn number_or_ref(&mut self) -> Result<Obj, LexError> {
        let tok = self.keyword();
        if tok.is_empty() {
            return self.fail();
        }
        self.pos += tok.len();
        let text = std::str::from_utf8(tok).map_err(|_| LexError {
            at: self.pos,
            too_many: false,
        })?;
        let int = text.parse::<i64>().ok();
        if int.is_none() && text.parse::<f64>().is_err() {
            return self.fail();
        }
        // `num gen R`?
        if let Some(n) = int.and_then(|n| u32::try_from(n).ok()) {
            let save = self.pos;
            self.skip_ws();
            let gen_tok = self.keyword();
            if !gen_tok.is_empty() && gen_tok.iter().all(u8::is_ascii_digit) {
                let generation = std::str::from_utf8(gen_tok)
                    .ok()
                    .and_then(|g| g.parse::<u16>().ok());
                self.pos += gen_tok.len();
                self.skip_ws();
                if let Some(g) = generation
                    && self.keyword() == b"R"
                {
                    self.pos += 1;
                    return Ok(Obj::Ref(n, g));
                }
            }
            self.pos = save;
        }
        Ok(Obj::Num(int))
    }
}

// ---- Object scanning ------------------------------------------------------------------------

/// An indirect object found in the file.
#[derive(Debug)]
struct Indirect {
    id: (u32, u16),
    node: Node,
    /// The stream data's range (raw, still filtered), when the object is a stream.
    stream: Option<Range<usize>>,
    /// True when the stream's range came from a direct, consistent `/Length`.
    length_trusted: bool,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    rest.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Reads the two unsigned integers before an `obj` keyword at `at`: `num gen obj`.
fn object_header(b: &[u8], at: usize) -> Option<(u32, u16)> {
    let mut i = at;
    let ws_before = |i: usize| i > 0 && is_ws(b[i - 1]);
    if !ws_before(i) {
        return None;
    }
    while ws_before(i) {
        i -= 1;
    }
    let gen_end = i;
    while i > 0 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    let generation = std::str::from_utf8(&b[i..gen_end]).ok()?.parse().ok()?;
    if !ws_before(i) {
        return None;
    }
    while ws_before(i) {
        i -= 1;
    }
    let num_end = i;
    while i > 0 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    let num = std::str::from_utf8(&b[i..num_end]).ok()?.parse().ok()?;
    if i > 0 && is_regular(b[i - 1]) {
        return None;
    }
    Some((num, generation))
}

struct Scanner<'a> {
    b: &'a [u8],
    work: usize,
    budget: usize,
    /// Dictionaries and arrays still allowed ([`MAX_CONTAINERS`] in all).
    containers: usize,
}

impl Scanner<'_> {
    fn spend(&mut self, n: usize) -> Result<(), ParseError> {
        self.work = self.work.saturating_add(n);
        if self.work > self.budget {
            Err(ParseError::TooComplex(self.budget))
        } else {
            Ok(())
        }
    }

    /// Every indirect object, in file order.
    fn objects(&mut self) -> Result<Vec<Indirect>, ParseError> {
        let b = self.b;
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(at) = find(b, b"obj", pos) {
            pos = at + 3;
            let after_ok = b.get(at + 3).is_none_or(|&c| !is_regular(c));
            let Some(id) = object_header(b, at).filter(|_| after_ok) else {
                continue;
            };
            if out.len() >= MAX_OBJECTS {
                return Err(ParseError::TooLarge {
                    what: "indirect objects",
                    limit: MAX_OBJECTS,
                });
            }
            let mut lx = Lexer::with_containers(b, at + 3, self.containers);
            let node = match lx.object(0) {
                Ok(n) => n,
                Err(e) if e.too_many => {
                    return Err(ParseError::TooLarge {
                        what: "dictionaries and arrays",
                        limit: MAX_CONTAINERS,
                    });
                }
                Err(e) => {
                    self.containers = lx.containers;
                    self.spend(e.at.saturating_sub(at))?;
                    continue;
                }
            };
            self.containers = lx.containers;
            self.spend(lx.pos - at)?;
            lx.skip_ws();
            let mut stream = None;
            let mut length_trusted = false;
            if lx.keyword() == b"stream" {
                let mut start = lx.pos + 6;
                if b.get(start) == Some(&b'\r') {
                    start += 1;
                }
                if b.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let direct = node
                    .dict()
                    .and_then(|d| get(d, "Length"))
                    .and_then(|l| match l.obj {
                        Obj::Num(Some(n)) => usize::try_from(n).ok(),
                        _ => None,
                    });
                let consistent = direct.and_then(|len| {
                    let end = start.checked_add(len)?;
                    let mut e = Lexer::new(b, end);
                    e.skip_ws();
                    e.starts_with(b"endstream").then_some(end..e.pos + 9)
                });
                let (data, next) = match consistent {
                    Some(r) => {
                        length_trusted = true;
                        (start..r.start, r.end)
                    }
                    None => {
                        let Some(es) = find(b, b"endstream", start) else {
                            self.spend(b.len() - start)?;
                            continue;
                        };
                        self.spend(es - start)?;
                        let mut end = es;
                        if end > start && b[end - 1] == b'\n' {
                            end -= 1;
                        }
                        if end > start && b[end - 1] == b'\r' {
                            end -= 1;
                        }
                        (start..end, es + 9)
                    }
                };
                stream = Some(data);
                pos = next;
            } else {
                pos = lx.pos;
            }
            out.push(Indirect {
                id,
                node,
                stream,
                length_trusted,
            });
        }
        Ok(out)
    }

    /// The dictionaries after `trailer` keywords, in file order.
    fn trailers(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(at) = find(self.b, b"trailer", pos) {
            pos = at + 7;
            let mut lx = Lexer::new(self.b, at + 7);
            match lx.object(0) {
                Ok(n) => {
                    self.spend(lx.pos - at)?;
                    pos = lx.pos;
                    if n.dict().is_some() {
                        out.push(n);
                    }
                }
                Err(e) => self.spend(e.at.saturating_sub(at))?,
            }
        }
        Ok(out)
    }
}

/// Every dictionary in `node`, itself included, depth first.
fn dicts<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.obj {
        Obj::Dict(d) => {
            out.push(node);
            for (_, v) in d {
                dicts(v, out);
            }
        }
        Obj::Array(items) => {
            for v in items {
                dicts(v, out);
            }
        }
        _ => {}
    }
}

/// A PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM (PDF 2.0), else
/// PDFDocEncoding (read as Latin-1, which agrees on everything zhengku writes).
fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

fn string_value(node: &Node) -> Option<&[u8]> {
    match &node.obj {
        Obj::Str(s) | Obj::Hex(s) => Some(s),
        _ => None,
    }
}

fn name_value(node: &Node) -> Option<String> {
    match &node.obj {
        Obj::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// How many `n g obj` headers `b` holds, whatever precedes them.
fn object_headers(b: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(at) = find(b, b"obj", i) {
        i = at + 3;
        // Back over whitespace, digits (generation), whitespace, digits (number).
        let mut j = at;
        let mut groups = 0;
        loop {
            let ws_end = j;
            while j > 0 && is_ws(b[j - 1]) {
                j -= 1;
            }
            if j == ws_end {
                break;
            }
            let digits_end = j;
            while j > 0 && b[j - 1].is_ascii_digit() {
                j -= 1;
            }
            if j == digits_end {
                break;
            }
            groups += 1;
            if groups == 2 {
                break;
            }
        }
        if groups == 2 {
            n += 1;
        }
    }
    n
}

/// Whether two objects are the same, wherever they lie in the file.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.obj, &b.obj) {
        (Obj::Array(x), Obj::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Obj::Dict(x), Obj::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        (x, y) => x == y,
    }
}

/// Whether dictionary `new` is `old` but for `key`, whose array in `new` is the one in
/// `old` followed by references; returns those references.
fn extended(old: &Node, new: &Node, key: &str) -> Option<Vec<(u32, u16)>> {
    let (o, n) = (old.dict()?, new.dict()?);
    if o.len() != n.len() {
        return None;
    }
    let mut added = None;
    for ((k1, v1), (k2, v2)) in o.iter().zip(n) {
        if k1 != k2 {
            return None;
        }
        if k1.as_slice() == key.as_bytes() {
            let (Obj::Array(a), Obj::Array(b)) = (&v1.obj, &v2.obj) else {
                return None;
            };
            if b.len() <= a.len() || !a.iter().zip(b).all(|(p, q)| same(p, q)) {
                return None;
            }
            let refs: Option<Vec<(u32, u16)>> = b[a.len()..]
                .iter()
                .map(|i| match i.obj {
                    Obj::Ref(n, g) => Some((n, g)),
                    _ => None,
                })
                .collect();
            added = Some(refs?);
        } else if !same(v1, v2) {
            return None;
        }
    }
    added
}

/// The checks of an annotated copy's revision (see [`CopyUpdate::problems`]): objects from
/// `original_end` on may redefine the catalog only to add to its AcroForm's `/Fields`, a
/// page only to add to its `/Annots`, and add at most a signature field with its widget,
/// the signature dictionary `sig` and the widget's appearance (a form XObject).
fn copy_problems(pdf: &[u8], objects: &[Indirect], original_end: usize, sig: &Node) -> Vec<String> {
    let mut problems = Vec::new();
    // Every `n g obj` header in the update must be an object read here: a viewer finds
    // objects by the cross-reference offsets, and one this reader passed over (glued to the
    // bytes before it, say) could redraw the page unseen.
    let headers = object_headers(pdf.get(original_end..).unwrap_or_default());
    let before: HashMap<(u32, u16), &Indirect> = objects
        .iter()
        .filter(|o| o.node.span.start < original_end)
        .map(|o| (o.id, o))
        .collect();
    let update: Vec<&Indirect> = objects
        .iter()
        .filter(|o| o.node.span.start >= original_end)
        .collect();
    if headers != update.len() {
        problems.push(format!(
            "the copy's revision holds {headers} object header(s) but {} readable object(s)",
            update.len()
        ));
    }
    let kind =
        |o: &Indirect, key: &str| o.node.dict().and_then(|d| get(d, key)).and_then(name_value);
    let mut listed: Vec<(u32, u16)> = Vec::new();
    let mut widget = None;
    let mut appearance = None;
    for o in &update {
        let (n, _) = o.id;
        match before.get(&o.id) {
            Some(old) => {
                let old_kind = kind(old, "Type");
                let added = match old_kind.as_deref() {
                    Some("Catalog") => {
                        let form = |x: &Node| x.dict().and_then(|d| get(d, "AcroForm")).cloned();
                        match (form(&old.node), form(&o.node)) {
                            (Some(a), Some(b)) => {
                                // The catalog but for its form, the form but for /Fields.
                                let mut old_rest = old.node.clone();
                                let mut new_rest = o.node.clone();
                                for d in [&mut old_rest, &mut new_rest] {
                                    if let Obj::Dict(entries) = &mut d.obj {
                                        entries.retain(|(k, _)| k.as_slice() != b"AcroForm");
                                    }
                                }
                                if same(&old_rest, &new_rest) {
                                    extended(&a, &b, "Fields")
                                } else {
                                    None
                                }
                            }
                            _ => None,
                        }
                    }
                    Some("Page") => extended(&old.node, &o.node, "Annots"),
                    _ => None,
                };
                match added {
                    Some(refs) => listed.extend(refs),
                    None => problems.push(format!(
                        "object {n} ({}) is changed beyond listing the copy's field",
                        old_kind.as_deref().unwrap_or("untyped")
                    )),
                }
            }
            None => {
                let d = o.node.dict();
                let is = |key: &str, value: &str| kind(o, key).as_deref() == Some(value);
                if d.is_some_and(|_| is("FT", "Sig") && is("Subtype", "Widget")) && widget.is_none()
                {
                    widget = Some(o);
                } else if o.node.span == sig.span || same(&o.node, sig) {
                } else if o.stream.is_some() && is("Subtype", "Form") && appearance.is_none() {
                    appearance = Some(o);
                } else {
                    problems.push(format!(
                        "object {n} ({}) is added, and a copy adds no such object",
                        kind(o, "Type")
                            .or_else(|| kind(o, "Subtype"))
                            .unwrap_or_else(|| "untyped".into())
                    ));
                }
            }
        }
    }
    match widget {
        None => problems.push("the copy adds no signature field".into()),
        Some(w) => {
            if !listed.iter().all(|r| *r == w.id) || listed.len() != 2 {
                problems.push(format!(
                    "the page's /Annots and the form's /Fields must each list the copy's field \
                     ({} 0 R) once more, and nothing else (they add {listed:?})",
                    w.id.0
                ));
            }
            let v = w
                .node
                .dict()
                .and_then(|d| get(d, "V"))
                .map(|v| v.obj.clone());
            let sig_here = update
                .iter()
                .find(|o| o.node.span == sig.span)
                .map(|o| Obj::Ref(o.id.0, o.id.1));
            if v.is_none() || v != sig_here {
                problems.push("the copy's field does not hold the copy's signature".into());
            }
            let ap = w
                .node
                .dict()
                .and_then(|d| get(d, "AP"))
                .and_then(Node::dict)
                .and_then(|d| get(d, "N"))
                .map(|n| n.obj.clone());
            if let Some(a) = appearance
                && ap != Some(Obj::Ref(a.id.0, a.id.1))
            {
                problems.push("the added form XObject is not the field's appearance".into());
            }
        }
    }
    problems
}

/// The objects by id; a later definition (incremental update) replaces an earlier one.
fn by_id(objects: &[Indirect]) -> HashMap<(u32, u16), &Indirect> {
    objects.iter().map(|o| (o.id, o)).collect()
}

/// Reads a signed PDF (see the module documentation).
pub fn parse_signed(pdf: &[u8]) -> Result<SignedPdf, ParseError> {
    if find(&pdf[..pdf.len().min(1024)], b"%PDF-", 0).is_none() {
        return Err(ParseError::NotPdf);
    }
    let mut scanner = Scanner {
        b: pdf,
        work: 0,
        budget: pdf.len().saturating_mul(8).saturating_add(1 << 20),
        containers: MAX_CONTAINERS,
    };
    let objects = scanner.objects()?;
    let index = by_id(&objects);

    // The signature dictionaries, in file order.
    let mut all_dicts = Vec::new();
    for o in &objects {
        dicts(&o.node, &mut all_dicts);
    }
    let sigs: Vec<&Node> = all_dicts
        .iter()
        .copied()
        .filter(|n| n.dict().is_some_and(|d| get(d, "ByteRange").is_some()))
        .collect();
    let sig = sigs
        .iter()
        .max_by_key(|n| n.span.start)
        .ok_or(ParseError::NoSignature)?;
    let d = sig.dict().ok_or(ParseError::NoSignature)?;
    for key in ["ByteRange", "Contents"] {
        if get_all(d, key).count() > 1 {
            return Err(ParseError::DuplicateKey(key.to_owned()));
        }
    }

    // /ByteRange.
    let br_node = get(d, "ByteRange").ok_or(ParseError::NoSignature)?;
    let Obj::Array(items) = &br_node.obj else {
        return Err(ParseError::ByteRange("is not an array".into()));
    };
    let nums: Vec<usize> = items
        .iter()
        .filter_map(|i| match i.obj {
            Obj::Num(Some(n)) => usize::try_from(n).ok(),
            _ => None,
        })
        .collect();
    let byte_range: [usize; 4] = match <[usize; 4]>::try_from(nums.as_slice()) {
        Ok(a) if items.len() == 4 => a,
        _ => {
            return Err(ParseError::ByteRange(format!(
                "is not four non-negative integers ({} elements)",
                items.len()
            )));
        }
    };
    let [a, alen, c, clen] = byte_range;
    let first_end = a.checked_add(alen);
    let second_end = c.checked_add(clen);
    let (Some(first_end), Some(second_end)) = (first_end, second_end) else {
        return Err(ParseError::ByteRange(format!("{byte_range:?} overflows")));
    };
    if second_end > pdf.len() {
        return Err(ParseError::ByteRange(format!(
            "{byte_range:?} reaches byte {second_end}, beyond the end of the {}-byte file",
            pdf.len()
        )));
    }
    if first_end > c {
        return Err(ParseError::ByteRange(format!(
            "{byte_range:?}: the ranges overlap or are out of order"
        )));
    }

    // /Contents.
    let contents = get(d, "Contents").ok_or(ParseError::Contents("is missing".into()))?;
    let Obj::Hex(raw) = &contents.obj else {
        return Err(ParseError::Contents("is not a hex string".into()));
    };
    let contents_at = contents.span.clone();
    let cms_len = match raw.first() {
        Some(0x30) => crate::cms::der_element_len(raw)
            .ok_or_else(|| ParseError::Contents("does not start with a DER length".into()))?,
        Some(b) => {
            return Err(ParseError::Contents(format!(
                "does not hold a DER SEQUENCE (first byte 0x{b:02X})"
            )));
        }
        None => return Err(ParseError::Contents("is empty".into())),
    };
    if cms_len > raw.len() {
        return Err(ParseError::Contents(format!(
            "holds a {cms_len}-byte DER element in {} bytes: truncated",
            raw.len()
        )));
    }
    if let Some(p) = raw[cms_len..].iter().position(|&b| b != 0) {
        return Err(ParseError::Contents(format!(
            "has a non-zero byte after the CMS (at byte {} of the value), not zero padding",
            cms_len + p
        )));
    }
    let cms = raw[..cms_len].to_vec();

    // Coverage.
    let mut problems = Vec::new();
    if a != 0 {
        problems.push(format!("the first range starts at byte {a}, not 0"));
    }
    if first_end != contents_at.start {
        problems.push(format!(
            "the first range ends at byte {first_end}, but /Contents starts at {}",
            contents_at.start
        ));
    }
    if c != contents_at.end {
        problems.push(format!(
            "the second range starts at byte {c}, but /Contents ends at {}",
            contents_at.end
        ));
    }
    let coverage_problem = (!problems.is_empty()).then(|| {
        format!(
            "{byte_range:?} does not cover the file except /Contents at {}..{}: {}",
            contents_at.start,
            contents_at.end,
            problems.join("; ")
        )
    });
    let mut signed_content = Vec::with_capacity(alen + clen);
    signed_content.extend_from_slice(&pdf[a..first_end]);
    signed_content.extend_from_slice(&pdf[c..second_end]);

    // The embedded record.
    let (embedded_record, embedded_problem) = match embedded_licence(pdf, &all_dicts, &index) {
        Ok(r) => (r, None),
        Err(e) => (None, Some(e)),
    };

    // Document information.
    let trailers = scanner.trailers()?;
    let info_ref = trailers
        .iter()
        .chain(objects.iter().map(|o| &o.node).filter(|n| {
            n.dict()
                .is_some_and(|d| get(d, "Type").and_then(name_value).as_deref() == Some("XRef"))
        }))
        .filter_map(|t| t.dict().and_then(|d| get(d, "Info")))
        .filter_map(|i| match i.obj {
            Obj::Ref(n, g) => Some(((n, g), i.span.start)),
            _ => None,
        })
        .max_by_key(|(_, at)| *at)
        .map(|(id, _)| id);
    let info = info_ref
        .and_then(|id| index.get(&id))
        .and_then(|o| o.node.dict());
    let text = |key| {
        info.and_then(|d| get(d, key))
            .and_then(string_value)
            .map(text_string)
    };

    // An annotated copy's signature: its fields, the revision under it, what it changes.
    let copy = d
        .iter()
        .find(|(k, _)| k.as_slice() == b"ZKCopy")
        .map(|(_, v)| {
            let fields = v
                .dict()
                .map(|entries| {
                    entries
                        .iter()
                        .filter_map(|(k, v)| {
                            Some((
                                String::from_utf8_lossy(k).into_owned(),
                                text_string(string_value(v)?),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let earlier = sigs
                .iter()
                .filter(|n| n.span.start < sig.span.start)
                .max_by_key(|n| n.span.start)
                .and_then(|n| n.dict())
                .and_then(|d| get(d, "ByteRange"))
                .and_then(|br| match &br.obj {
                    Obj::Array(items) if items.len() == 4 => {
                        let v: Vec<usize> = items
                            .iter()
                            .filter_map(|i| match i.obj {
                                Obj::Num(Some(n)) => usize::try_from(n).ok(),
                                _ => None,
                            })
                            .collect();
                        (v.len() == 4).then(|| v[2].checked_add(v[3])).flatten()
                    }
                    _ => None,
                })
                .filter(|&end| end < pdf.len());
            let problems = match earlier {
                Some(end) => copy_problems(pdf, &objects, end, sig),
                None => vec!["no signed revision lies under the copy's signature".into()],
            };
            CopyUpdate {
                fields,
                original_end: earlier,
                problems,
            }
        });

    Ok(SignedPdf {
        copy,
        byte_range,
        signed_content,
        cms,
        sub_filter: get(d, "SubFilter").and_then(name_value),
        signing_time: get(d, "M").and_then(string_value).map(text_string),
        bytes_after_range: pdf.len() - second_end,
        covers_whole_file_but_contents: coverage_problem.is_none(),
        coverage_problem,
        contents_at,
        signature_count: sigs.len(),
        embedded_record,
        embedded_problem,
        title: text("Title"),
        subject: text("Subject"),
    })
}

/// The contents of the embedded file(s) named `licence.zkl`: `Ok(None)` when there is none.
fn embedded_licence(
    pdf: &[u8],
    all_dicts: &[&Node],
    index: &HashMap<(u32, u16), &Indirect>,
) -> Result<Option<Vec<u8>>, String> {
    // The file specifications named licence.zkl, counted before anything is inflated.
    let specs: Vec<&[(Vec<u8>, Node)]> = all_dicts
        .iter()
        .filter_map(|node| node.dict())
        .filter(|d| get(d, "EF").and_then(Node::dict).is_some())
        .filter(|d| {
            ["F", "UF"].iter().any(|k| {
                get(d, k)
                    .and_then(string_value)
                    .is_some_and(|s| text_string(s) == LICENCE_FILE_NAME)
            })
        })
        .collect();
    if specs.len() > MAX_EMBEDDED_FILES {
        return Err(format!(
            "{} file specifications name {LICENCE_FILE_NAME}; at most \
             {MAX_EMBEDDED_FILES} are read",
            specs.len()
        ));
    }
    let mut found: Vec<Vec<u8>> = Vec::new();
    // Each stream inflated once, however many file specifications name it.
    let mut decoded: HashMap<(u32, u16), Result<Vec<u8>, String>> = HashMap::new();
    for d in specs {
        let Some(ef) = get(d, "EF").and_then(Node::dict) else {
            continue;
        };
        let Some(r) = get(ef, "F").or_else(|| get(ef, "UF")) else {
            return Err(format!(
                "the {LICENCE_FILE_NAME} file specification has no /EF /F"
            ));
        };
        let Obj::Ref(n, g) = r.obj else {
            return Err(format!("{LICENCE_FILE_NAME}: /EF /F is not a reference"));
        };
        let Some(obj) = index.get(&(n, g)) else {
            return Err(format!("{LICENCE_FILE_NAME}: object {n} {g} is missing"));
        };
        let data = decoded
            .entry((n, g))
            .or_insert_with(|| stream_data(pdf, obj, index))
            .clone()
            .map_err(|e| format!("{LICENCE_FILE_NAME}: {e}"))?;
        if !found.contains(&data) {
            found.push(data);
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        n => Err(format!(
            "{n} embedded files named {LICENCE_FILE_NAME} with different contents"
        )),
    }
}

/// A stream's decoded data: no filter, or FlateDecode without predictors.
fn stream_data(
    pdf: &[u8],
    obj: &Indirect,
    index: &HashMap<(u32, u16), &Indirect>,
) -> Result<Vec<u8>, String> {
    let (Some(range), Some(d)) = (&obj.stream, obj.node.dict()) else {
        return Err("the embedded file is not a stream".into());
    };
    let mut range = range.clone();
    if !obj.length_trusted {
        // An indirect /Length: resolve it now that every object is known.
        if let Some(Obj::Ref(n, g)) = get(d, "Length").map(|l| &l.obj) {
            let len = index
                .get(&(*n, *g))
                .and_then(|o| match o.node.obj {
                    Obj::Num(Some(v)) => usize::try_from(v).ok(),
                    _ => None,
                })
                .ok_or("its indirect /Length is missing or not an integer")?;
            if len > range.len() {
                return Err(format!(
                    "/Length {len} exceeds the {} bytes before endstream",
                    range.len()
                ));
            }
            range.end = range.start + len;
        }
    }
    let filters: Vec<String> = match get(d, "Filter").map(|f| &f.obj) {
        None | Some(Obj::Null) => Vec::new(),
        Some(Obj::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
        Some(Obj::Array(items)) => items.iter().filter_map(name_value).collect(),
        Some(_) => return Err("its /Filter is neither a name nor an array".into()),
    };
    let raw = pdf
        .get(range)
        .ok_or("its data lies outside the file")?
        .to_vec();
    match filters.as_slice() {
        [] => Ok(raw),
        [f] if f == "FlateDecode" || f == "Fl" => {
            if get(d, "DecodeParms").is_some_and(|p| !matches!(p.obj, Obj::Null)) {
                return Err("FlateDecode with /DecodeParms (predictors) is not supported".into());
            }
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&raw, MAX_EMBEDDED_LEN)
                .map_err(|e| format!("FlateDecode data does not inflate: {e}"))
        }
        other => Err(format!("unsupported /Filter {other:?}")),
    }
}
