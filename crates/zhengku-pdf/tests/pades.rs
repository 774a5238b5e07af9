//! PAdES B-B signing and reading back, judged by tools we did not write: `openssl cms
//! -verify` checks the CMS over the ByteRange content, `qpdf --check` the file structure,
//! pyHanko validates the whole PDF signature against the development P-256 root. The PDFs
//! are a minimal one built by hand (tests/support) and, once the renderer is there, real
//! rendered licences.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::path::Path;
use std::process::Command;

use support::*;
use zhengku_crypto::Signer;
use zhengku_pdf::cms::{self, SES_SIGNATURE_ATTRIBUTE_OID};
use zhengku_pdf::pades::{PadesError, SignRequest, contents_len_for, sign};
use zhengku_pdf::parse::{ParseError, parse_signed};

const ALGS: [&str; 2] = ["p256", "sm2"];

#[test]
fn signed_pdf_reads_back_with_full_coverage_and_the_record() {
    for alg in ALGS {
        for (what, pdf, record) in signed_pdfs(alg) {
            // ZHENGKU_KEEP_PDFS=DIR keeps the signed files for a look with other tools.
            if let Some(dir) = std::env::var_os("ZHENGKU_KEEP_PDFS") {
                std::fs::write(Path::new(&dir).join(format!("{alg}-{what}.pdf")), &pdf).unwrap();
            }
            let s = parse_signed(&pdf).unwrap();
            assert!(s.covers_whole_file_but_contents, "{:?}", s.coverage_problem);
            assert_eq!(s.bytes_after_range, 0);
            assert_eq!(s.signature_count, 1);
            assert_eq!(s.byte_range[0], 0);
            assert_eq!(s.byte_range[1], s.contents_at.start);
            assert_eq!(s.byte_range[2], s.contents_at.end);
            assert_eq!(s.byte_range[2] + s.byte_range[3], pdf.len());
            assert_eq!(s.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
            assert!(s.signing_time.as_deref().unwrap().starts_with("D:20"));
            assert_eq!(s.embedded_record.as_deref(), Some(record.as_slice()));
            assert_eq!(s.subject.as_deref(), Some(sample_identifier().as_str()));
            assert_eq!(s.title.as_deref(), Some("营业执照"));
            // The CMS: detached id-data, the chain, the signature over the signed attributes.
            let sd = cms::decode(&s.cms).unwrap();
            assert_eq!(sd.version, 1);
            assert!(!sd.has_content);
            assert_eq!(sd.content_type, cms::oid::DATA);
            assert_eq!(sd.certificates, seal_chain(alg));
            assert_eq!(sd.signer.version, 1);
            let cert = sd.signer_certificate().unwrap();
            assert_eq!(cert, seal_chain(alg)[0]);
            let (digest, sig_alg) = cms::signer_algorithms(&sd.signer).unwrap();
            assert_eq!(sig_alg, seal_key(alg).algorithm());
            assert_eq!(
                sd.signer.message_digest().unwrap().unwrap(),
                zhengku_crypto::digest::digest(digest, &s.signed_content)
            );
            assert_eq!(
                sd.signer.content_type().unwrap().as_deref(),
                Some(cms::oid::DATA)
            );
            assert!(!sd.signer.has_signed_attr(cms::oid::SIGNING_TIME));
            let ess = sd.signer.signing_certificate_v2().unwrap().unwrap();
            assert_eq!(
                ess[0].cert_hash,
                zhengku_crypto::digest::digest(digest, cert)
            );
            assert!(ess[0].issuer_serial.is_some());
            let sig = zhengku_crypto::Signature::from_der(sig_alg, &sd.signer.signature).unwrap();
            seal_key(alg)
                .public_key()
                .verify(sd.signer.signed_attrs_der.as_ref().unwrap(), &sig)
                .unwrap();
            // The seal signature rides as the unsigned attribute, over SM3 of the same bytes.
            assert_eq!(sd.signer.unsigned_attrs[0].oid, SES_SIGNATURE_ATTRIBUTE_OID);
            let ses = sd.signer.ses_signature().unwrap().unwrap();
            let decoded = zhengku_seal::decode_signature(&ses).unwrap();
            let zhengku_seal::DecodedSignature::V4(v4) = decoded else {
                panic!("v4 expected")
            };
            assert_eq!(v4.to_sign.data_hash, zhengku_crypto::sm3(&s.signed_content));
            eprintln!(
                "{alg} {what}: signed PDF {} bytes, CMS {} bytes (SES_Signature {} bytes) in a \
             {}-byte hole",
                pdf.len(),
                s.cms.len(),
                ses.len(),
                (s.contents_at.len() - 2) / 2
            );
        }
    }
}

#[test]
fn without_a_seal_signature_there_is_no_unsigned_attribute() {
    let pdf = signed_minimal("p256", false);
    let s = parse_signed(&pdf).unwrap();
    let sd = cms::decode(&s.cms).unwrap();
    assert!(sd.signer.unsigned_attrs.is_empty());
    assert_eq!(sd.signer.ses_signature().unwrap(), None);
}

#[test]
fn too_small_a_hole_says_how_many_bytes_were_needed() {
    let chain = seal_chain("p256");
    let prepared = minimal_pdf(b"x", "t", "s", 200);
    let key = seal_key("p256");
    let req = SignRequest {
        signer: &key,
        chain: &chain,
        ses: None,
    };
    match sign(prepared, &req) {
        Err(PadesError::ContentsTooSmall { needed, available }) => {
            assert_eq!(available, 200);
            assert!(needed > chain.iter().map(Vec::len).sum::<usize>());
            // And the estimate is enough.
            assert!(needed <= contents_len_for(&chain, 0));
        }
        other => panic!("expected ContentsTooSmall, got {other:?}"),
    }
}

#[test]
fn the_wrong_key_for_the_certificate_is_refused() {
    let chain = seal_chain("p256");
    let prepared = minimal_pdf(b"x", "t", "s", 4096);
    let key = key("dept-xihu-samr-p256");
    let req = SignRequest {
        signer: &key,
        chain: &chain,
        ses: None,
    };
    assert!(matches!(
        sign(prepared, &req),
        Err(PadesError::Cms(cms::CmsError::KeyMismatch))
    ));
}

#[test]
fn appended_bytes_and_moved_ranges_are_reported() {
    let pdf = signed_minimal("p256", false);
    // An incremental update appended after signing.
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n10 0 obj\n<< /Foo 1 >>\nendobj\n%%EOF\n");
    let s = parse_signed(&appended).unwrap();
    assert!(s.covers_whole_file_but_contents);
    assert_eq!(s.bytes_after_range, appended.len() - pdf.len());

    // A ByteRange that leaves a gap before /Contents.
    let s0 = parse_signed(&pdf).unwrap();
    let old = format!(
        "[0 {} {} {}",
        s0.byte_range[1], s0.byte_range[2], s0.byte_range[3]
    );
    let new = format!(
        "[0 {} {} {}",
        s0.byte_range[1] - 10,
        s0.byte_range[2],
        s0.byte_range[3]
    );
    let mut text = pdf.clone();
    let at = find(&text, old.as_bytes()).unwrap();
    let mut replacement = new.into_bytes();
    replacement.resize(old.len(), b' ');
    text[at..at + old.len()].copy_from_slice(&replacement);
    let s = parse_signed(&text).unwrap();
    assert!(!s.covers_whole_file_but_contents);
    let why = s.coverage_problem.unwrap();
    assert!(why.contains("the first range ends at byte"), "{why}");
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn garbage_is_a_precise_error() {
    assert_eq!(parse_signed(b"hello"), Err(ParseError::NotPdf));
    assert_eq!(
        parse_signed(b"%PDF-1.7\n1 0 obj << /A 1 >> endobj\n"),
        Err(ParseError::NoSignature)
    );
    let e = parse_signed(b"%PDF-1.7\n1 0 obj << /ByteRange [0 1 2] /Contents <30> >> endobj")
        .unwrap_err();
    assert!(matches!(e, ParseError::ByteRange(_)), "{e}");
    let e = parse_signed(b"%PDF-1.7\n1 0 obj << /ByteRange [0 1 2 99] /Contents <30> >> endobj")
        .unwrap_err();
    assert!(e.to_string().contains("beyond the end"), "{e}");
    let e = parse_signed(
        b"%PDF-1.7\n1 0 obj << /ByteRange [0 1 2 3] /Contents <30030201000000FF> >> endobj",
    )
    .unwrap_err();
    assert!(e.to_string().contains("non-zero byte after the CMS"), "{e}");
    // Deep nesting and unterminated things do not panic.
    let mut deep = b"%PDF-1.7\n1 0 obj ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    assert!(parse_signed(&deep).is_err());
    let mut many = b"%PDF-1.7\n".to_vec();
    for _ in 0..20_000 {
        many.extend_from_slice(b"1 0 obj (");
    }
    assert!(parse_signed(&many).is_err());
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `openssl cms -verify` over the ByteRange content, with only the root as trust anchor (the
/// issuing CA comes from the CMS's certificates): must pass for P-256. For SM2 the
/// outcome is printed (OpenSSL 3.0's CMS has gaps for SM2; see the crate report).
#[test]
fn openssl_verifies_the_cms_over_the_byte_range() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for alg in ALGS {
        for (what, pdf, _) in signed_pdfs(alg) {
            let s = parse_signed(&pdf).unwrap();
            let cms_path = write(dir.path(), &format!("{alg}.cms"), &s.cms);
            let content = write(dir.path(), &format!("{alg}.bin"), &s.signed_content);
            let run_with = |content: &Path, extra: &[&str]| {
                Command::new(&openssl)
                    .args(["cms", "-verify", "-binary", "-inform", "DER"])
                    .args(extra)
                    .arg("-in")
                    .arg(&cms_path)
                    .arg("-content")
                    .arg(content)
                    .arg("-CAfile")
                    .arg(pem_path(&format!("pki/{alg}/root.crt")))
                    .args(["-purpose", "any", "-out", "/dev/null"])
                    .output()
                    .unwrap()
            };
            let run = |content: &Path| run_with(content, &[]);
            let out = run(&content);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            eprintln!("openssl cms -verify ({alg} {what}): {}", stderr.trim());
            if alg == "p256" {
                assert!(
                    out.status.success(),
                    "openssl refused the P-256 CMS: {stderr}"
                );
                assert!(stderr.contains("Verification successful"));
                // One changed byte of content: refused.
                let mut bad = s.signed_content.clone();
                bad[100] ^= 1;
                let bad = write(dir.path(), "bad.bin", &bad);
                assert!(!run(&bad).status.success());
            } else {
                // OpenSSL 3.0's CMS code verifies SM2 without a distinguishing ID (and cannot be
                // given one), while GM/T 0009 signers (zhengku, every Chinese CA) use the default
                // ID 1234567812345678: `cms -verify` fails even with -noverify, and the SM2
                // chain fails as `openssl verify` does without -vfyopt (docs/standards.md). So OpenSSL
                // checks the two halves it can: the SM2 signature over the signed attributes
                // with the ID, and the SM3 of the content inside them.
                let out = run_with(&content, &["-noverify"]);
                assert!(
                    !out.status.success(),
                    "OpenSSL 3.0 learnt SM2 CMS: make this test strict"
                );
                let sd = cms::decode(&s.cms).unwrap();
                let attrs = write(
                    dir.path(),
                    "attrs.der",
                    sd.signer.signed_attrs_der.as_ref().unwrap(),
                );
                let sig = write(dir.path(), "sig.der", &sd.signer.signature);
                let pubkey = Command::new(&openssl)
                    .args(["x509", "-pubkey", "-noout", "-in"])
                    .arg(pem_path("seal-xihu-samr-sm2.crt"))
                    .output()
                    .unwrap();
                let pubf = write(dir.path(), "holder.pub", &pubkey.stdout);
                let verify = |attrs: &Path| {
                    Command::new(&openssl)
                        .args(["pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt"])
                        .arg("distid:1234567812345678")
                        .args(["-pubin", "-inkey"])
                        .arg(&pubf)
                        .arg("-in")
                        .arg(attrs)
                        .arg("-sigfile")
                        .arg(&sig)
                        .output()
                        .unwrap()
                };
                let out = verify(&attrs);
                assert!(
                    out.status.success(),
                    "openssl pkeyutl refused the SM2 signature over the signed attributes: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let mut bad = sd.signer.signed_attrs_der.clone().unwrap();
                let n = bad.len();
                bad[n - 1] ^= 1;
                assert!(!verify(&write(dir.path(), "bad.der", &bad)).status.success());
                let dgst = Command::new(&openssl)
                    .args(["dgst", "-sm3", "-r"])
                    .arg(&content)
                    .output()
                    .unwrap();
                let sm3_hex = String::from_utf8_lossy(&dgst.stdout)[..64].to_uppercase();
                let parsed = Command::new(&openssl)
                    .args(["asn1parse", "-inform", "DER", "-in"])
                    .arg(&cms_path)
                    .output()
                    .unwrap();
                let parsed = String::from_utf8_lossy(&parsed.stdout);
                assert!(
                    parsed.contains(&format!("[HEX DUMP]:{sm3_hex}")),
                    "the CMS does not hold OpenSSL's SM3 of the content {sm3_hex}"
                );
                eprintln!(
                    "openssl ({alg} {what}): pkeyutl verifies the signed attributes; SM3 {sm3_hex} found"
                );
            }
        }
    }
}

#[test]
fn qpdf_checks_the_signed_pdf() {
    let Some(qpdf) = tool("qpdf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for alg in ALGS {
        for (what, pdf, _) in signed_pdfs(alg) {
            let p = write(dir.path(), "signed.pdf", &pdf);
            let out = Command::new(&qpdf).arg("--check").arg(&p).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "qpdf --check failed ({alg} {what}): {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.contains("No syntax or stream encoding errors"),
                "{text}"
            );
        }
    }
}

/// pyHanko's validation of the first signature, against the root `argv[2]` with the issuing
/// CA `argv[3]` available and revocation checked hard (no fetching) against the development
/// CRLs `argv[4..]`: prints its report and a RESULT line.
pub const PYHANKO_SCRIPT: &str = r#"
import sys
from asn1crypto import crl, pem
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext

def load_crl(path):
    data = open(path, 'rb').read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return crl.CertificateList.load(data)

root = load_cert_from_pemder(sys.argv[2])
issuing = load_cert_from_pemder(sys.argv[3])
crls = [load_crl(p) for p in sys.argv[4:]]
# The development CRLs last 30 days (`zhengku pki crl` renews them). While they are current,
# revocation is checked hard; once stale, pyHanko could only say "no current CRL", which is
# about keys-dev's age, not our PDF: then soft-fail, and say so.
import datetime
now = datetime.datetime.now(datetime.timezone.utc)
current = all(c['tbs_cert_list']['next_update'].native > now for c in crls)
mode = 'hard-fail' if current else 'soft-fail'
print("REVOCATION %s (development CRLs %s)" % (mode, 'current' if current else 'stale'))
vc = ValidationContext(trust_roots=[root], other_certs=[issuing], crls=crls,
                       allow_fetching=False, revocation_mode=mode)
with open(sys.argv[1], 'rb') as f:
    r = PdfFileReader(f)
    sig = r.embedded_signatures[0]
    st = validate_pdf_signature(sig, vc)
    print(st.pretty_print_details())
    print("RESULT intact=%s valid=%s trusted=%s coverage=%s modification=%s bottom_line=%s" % (
        st.intact, st.valid, st.trusted, st.coverage.name, st.modification_level.name,
        st.bottom_line))
"#;

fn pyhanko_validate(pdf: &[u8], alg: &str) -> String {
    run_pyhanko(PYHANKO_SCRIPT, pdf, alg)
}

#[test]
fn pyhanko_validates_the_p256_pdf() {
    if !have_pyhanko() {
        return;
    }
    for (_, pdf, _) in signed_pdfs("p256") {
        let text = pyhanko_validate(&pdf, "p256");
        assert!(
            text.contains("RESULT intact=True valid=True trusted=True coverage=ENTIRE_FILE"),
            "{text}"
        );
        assert!(text.contains("bottom_line=True"), "{text}");
    }
    let pdf = signed_minimal("p256", true);

    // One changed byte inside the ByteRange (in the page's text): pyHanko says not intact.
    let mut bad = pdf.clone();
    let at = find(&bad, b"test licence").unwrap();
    bad[at] = b'T';
    let text = pyhanko_validate(&bad, "p256");
    assert!(text.contains("RESULT intact=False"), "{text}");
}

/// A poor man's fuzz run (the libFuzzer target is fuzz/fuzz_targets/pdf_parse.rs): a few
/// thousand random mutations of a signed PDF — byte flips, runs of one byte, truncations,
/// splices — never panic the reader or the CMS decoder, and what the reader accepts is
/// self-consistent.
#[test]
fn mutated_pdfs_never_panic_and_stay_consistent() {
    let pdf = signed_minimal("sm2", true);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut m = pdf.clone();
        let n = m.len() as u64;
        match next() % 4 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let i = (next() % n) as usize;
                    m[i] = next() as u8;
                }
            }
            1 => {
                let i = (next() % n) as usize;
                let len = (next() % 64) as usize;
                let b = [b'[', b'<', b'(', b'0', b'/', b' ', 0xFF][(next() % 7) as usize];
                for x in m.iter_mut().skip(i).take(len) {
                    *x = b;
                }
            }
            2 => m.truncate((next() % n) as usize),
            _ => {
                let from = (next() % n) as usize;
                let to = (next() % n) as usize;
                let len = ((next() % 200) as usize).min(m.len() - from.max(to));
                let chunk = m[from..from + len].to_vec();
                m.splice(to..to, chunk);
            }
        }
        if let Ok(p) = parse_signed(&m) {
            let [a, alen, c, clen] = p.byte_range;
            assert_eq!(p.signed_content.len(), alen + clen);
            assert_eq!(&p.signed_content[..alen], &m[a..a + alen]);
            assert_eq!(p.bytes_after_range + c + clen, m.len());
            assert_eq!(cms::der_element_len(&p.cms), Some(p.cms.len()));
            if let Ok(sd) = cms::decode(&p.cms) {
                let _ = sd.signer_certificate();
                let _ = sd.signer.signing_certificate_v2();
                let _ = sd.signer.ses_signature();
                let _ = sd.signer.message_digest();
            }
        }
    }
}

/// The hostile PDFs are refused, never panicked on: the zip bomb behind 30,000 file
/// specifications for its number of dictionaries (not inflated 30,000 times), 40,000
/// objects for their number, deep nesting and endless strings for their shape (what
/// that costs is measured by the load bench's hostile scenario, not here).
#[test]
fn hostile_pdfs_are_refused_cheaply() {
    for (name, pdf) in hostile_pdfs() {
        assert!(pdf.len() < 1_500_000, "{name}: {} bytes", pdf.len());
        let r = zhengku_pdf::parse::parse_signed(&pdf);
        match name {
            "bomb" => assert!(
                matches!(
                    r,
                    Err(zhengku_pdf::parse::ParseError::TooLarge {
                        what: "dictionaries and arrays",
                        ..
                    })
                ),
                "{r:?}"
            ),
            "objects" => assert!(
                matches!(
                    r,
                    Err(zhengku_pdf::parse::ParseError::TooLarge {
                        what: "indirect objects",
                        ..
                    })
                ),
                "{r:?}"
            ),
            _ => assert!(
                r.as_ref().map_or(true, |p| p.embedded_record.is_none()),
                "{name}: {r:?}"
            ),
        }
    }
    // 3,000 file specifications (under the dictionary limit): refused for their number
    // before anything is inflated.
    let body = filespec_bomb_pdf(3_000);
    let p = zhengku_pdf::parse::parse_signed(&body).unwrap();
    let why = p.embedded_problem.unwrap();
    assert!(why.contains("3000 file specifications"), "{why}");
    // Four specifications of one 16 MiB stream: inflated once, and stopped at the limit.
    let body = filespec_bomb_pdf(4);
    let p = zhengku_pdf::parse::parse_signed(&body).unwrap();
    let why = p.embedded_problem.unwrap();
    assert!(why.contains("does not inflate"), "{why}");
}
