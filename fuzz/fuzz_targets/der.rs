//! The DER layer (zhengku-der) on arbitrary bytes: the TLV reader never panics in either
//! length mode and every element it hands out sits at the offset it claims; what the strict
//! reader accepts writes back byte for byte; what the lenient reader accepts writes back as
//! DER that the strict reader reads and writes back unchanged; primitives and OIDs decode
//! and encode back to the same bytes; the PEM splitter never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_der::{Length, Oid, Reader, Tlv, pem, tag, writer};

/// Deepest nesting this walk follows (the reader never recurses; the walk does).
const MAX_DEPTH: usize = 32;

/// Reads every element of `r` and, where an element is constructed and its content reads
/// as elements too, those nested in it; writes all of them back in DER. Content that does
/// not read as elements is kept as it is. `None` when `r` itself does not read.
fn rewrite(whole: &[u8], r: &mut Reader<'_>, depth: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let at = r.offset();
        let t = match r.read_any("element") {
            Ok(t) => t,
            Err(e) => {
                assert_eq!(e.offset(), at);
                return None;
            }
        };
        check_element(whole, &t, r.length());
        let nested = if t.is_constructed() && depth < MAX_DEPTH {
            rewrite(whole, &mut t.reader(), depth + 1)
        } else {
            None
        };
        let content = nested.unwrap_or_else(|| t.content.to_vec());
        writer::write_tlv(&mut out, t.tag, &content);
    }
    Some(out)
}

fn check_element(whole: &[u8], t: &Tlv<'_>, length: Length) {
    // Offsets are absolute.
    assert_eq!(&whole[t.offset..t.offset + t.raw.len()], t.raw);
    assert_eq!(
        &whole[t.content_offset..t.content_offset + t.content.len()],
        t.content
    );
    assert!(t.raw.ends_with(t.content));
    let strict = length == Length::Strict;
    if strict {
        assert_eq!(writer::tlv(t.tag, t.content), t.raw);
    }
    match t.tag {
        tag::INTEGER => {
            if let Ok(v) = t.uint("integer", u64::MAX) {
                assert_eq!(writer::integer(v)[2..], *t.content);
            }
        }
        tag::BOOLEAN => {
            if let Ok(b) = t.boolean("boolean") {
                assert_eq!(writer::boolean(b)[2..], *t.content);
            }
        }
        tag::BIT_STRING => {
            if let Ok(bytes) = t.bit_string("bits") {
                let again = writer::bit_string(bytes);
                let mut r = Reader::new(&again, Length::Strict);
                assert_eq!(r.read(tag::BIT_STRING, "bits").unwrap().content, t.content);
            }
        }
        tag::OID => {
            if let Ok(oid) = t.oid("oid") {
                check_oid(&oid, t.content);
                if strict {
                    assert_eq!(oid.to_der(), t.raw);
                }
            }
        }
        _ => {}
    }
}

fn check_oid(oid: &Oid, content: &[u8]) {
    assert_eq!(oid.as_der_content(), content);
    let dotted = oid.to_string();
    assert_eq!(dotted.parse::<Oid>().as_ref(), Ok(oid), "{dotted}");
    assert_eq!(Oid::from_der(&oid.to_der()).as_ref(), Ok(oid));
}

fuzz_target!(|data: &[u8]| {
    let strict = rewrite(data, &mut Reader::new(data, Length::Strict), 0);
    let lenient = rewrite(data, &mut Reader::new(data, Length::Lenient), 0);
    if let Some(out) = &strict {
        // DER read strictly writes back byte for byte; the lenient reader accepts it too.
        assert_eq!(out, data);
        assert!(lenient.is_some());
    }
    if let Some(out) = &lenient {
        // The lenient reading, written back, is DER: never longer, and a fixed point.
        assert!(out.len() <= data.len());
        let again = rewrite(out, &mut Reader::new(out, Length::Strict), 0);
        assert_eq!(again.as_ref(), Some(out));
    }
    // The whole input as OID content, and as a dotted OID.
    if let Ok(oid) = Oid::from_der_content(data) {
        check_oid(&oid, data);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(oid) = text.parse::<Oid>()
    {
        check_oid(&oid, oid.as_der_content());
    }
    let _ = pem::der_blocks(data, |_| true);
});
