//! Signed-PDF reading and CMS decoding: never panic, and whatever the reader accepts is
//! self-consistent (the signed content is what the ByteRange names, the CMS is exactly one
//! DER element, the appended-byte count adds up to the file length).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_pdf::cms;
use zhengku_pdf::parse::parse_signed;

fn exercise(sd: &cms::SignedData) {
    let _ = sd.signer_certificate();
    let _ = sd.signer.message_digest();
    let _ = sd.signer.content_type();
    let _ = sd.signer.signing_certificate_v2();
    let _ = sd.signer.ses_signature();
    let _ = cms::signer_algorithms(&sd.signer);
    for c in &sd.certificates {
        let _ = cms::certificate_ids(c);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_signed(data) {
        let [a, alen, c, clen] = p.byte_range;
        assert_eq!(p.signed_content.len(), alen + clen);
        assert_eq!(&p.signed_content[..alen], &data[a..a + alen]);
        assert_eq!(p.bytes_after_range + c + clen, data.len());
        assert_eq!(cms::der_element_len(&p.cms), Some(p.cms.len()));
        if p.covers_whole_file_but_contents {
            assert_eq!(
                (a, a + alen, c),
                (0, p.contents_at.start, p.contents_at.end)
            );
        } else {
            assert!(p.coverage_problem.is_some());
        }
        if let Ok(sd) = cms::decode(&p.cms) {
            exercise(&sd);
        }
    }
    if let Ok(sd) = cms::decode(data) {
        exercise(&sd);
    }
});
