//! End-to-end: the three example licences as payloads, URLs and QR images, read back by
//! zbarimg (a decoder we did not write), verified, and tampered with.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use zhengku_crypto::{PrivateKey, Signer};
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{HolderCodeType, IssueRequest};
use zhengku_model::{LicenceType, SignedLicence, testing};
use zhengku_qr::{
    MAX_BASE_URL_LEN, QrError, QrSymbol, decode_payload, make_payload, max_version_at_q,
    payload_url, verify_payload,
};

const BASE_URL: &str = "https://zk.hangzhou.gov.cn";

fn repo() -> PathBuf {
    zhengku_testkit::repo_root()
}

/// A key of the development file key store, by file name.
fn key(name: &str) -> PrivateKey {
    zhengku_testkit::keys_dev::key(name.trim_end_matches(".key"))
}

fn sm2_key() -> PrivateKey {
    key("dept-xihu-samr-sm2.key")
}

fn p256_key() -> PrivateKey {
    key("dept-xihu-samr-p256.key")
}

/// The three templates' example requests, built and signed with `signer`.
const WORST_LIST: u64 = (1 << 16) - 1;
const WORST_IDX: u64 = (1 << 20) - 1;

fn examples(signer: &PrivateKey) -> Vec<(&'static str, SignedLicence)> {
    [
        "business-licence",
        "food-business-permit",
        "senior-citizen-card",
    ]
    .into_iter()
    .enumerate()
    .map(|(i, name)| {
        let dir = repo().join("templates").join(name);
        let ty =
            LicenceType::from_toml_str(&std::fs::read_to_string(dir.join("type.toml")).unwrap())
                .unwrap();
        let req: IssueRequest = serde_json::from_str(
            &std::fs::read_to_string(dir.join("example-request.json")).unwrap(),
        )
        .unwrap();
        let issuer = if name == "senior-citizen-card" {
            testing::sample_card_issuer()
        } else {
            testing::sample_issuer()
        };
        let seq = u32::try_from(i + 1).unwrap();
        let id = LicenceId::generate(ty.code(), &issuer.code, 2024, seq, 1).unwrap();
        let mut record = ty
            .build_record(&req, &issuer, id, testing::sample_issued_at())
            .unwrap();
        // The largest entry zhengku writes (list 65,535 of the manifest's 2^16, the last
        // index of a 2^20 list): the QR code's status claim at its longest.
        record.status = Some(zhengku_status::Reference::to_list(
            &format!("https://{}", "z".repeat(MAX_BASE_URL_LEN - 8)),
            WORST_LIST,
            WORST_IDX,
        ));
        (name, SignedLicence::sign(record, signer).unwrap())
    })
    .collect()
}

#[test]
fn payload_round_trip_and_masking() {
    for signer in [sm2_key(), p256_key()] {
        for (name, signed) in examples(&signer) {
            let payload = make_payload(&signed, &signer).unwrap();
            assert!(payload.starts_with("ZK1:"), "{payload}");
            let p = decode_payload(&payload).unwrap();
            assert_eq!(p.alg, signer.algorithm());
            assert_eq!(p.kid, signer.key_id());
            let claims = verify_payload(&p, signer.public_key()).unwrap();
            let r = signed.record();
            assert_eq!(claims.identifier, r.identifier.to_string());
            assert_eq!(claims.valid_until, r.valid_until, "{name}");
            assert!(claims.matches(&signed, signer.algorithm().digest()));
            match r.holder_code_type() {
                HolderCodeType::CitizenId => {
                    assert_eq!(claims.holder_name, "王*英");
                    assert_eq!(claims.holder_code, "330106********0047");
                }
                HolderCodeType::Uscc => {
                    assert_eq!(claims.holder_name, r.holder_name);
                    assert_eq!(claims.holder_code, r.holder_code.as_str());
                }
            }
            // The URL form carries the same payload.
            let url = payload_url(BASE_URL, &payload).unwrap();
            assert!(url.starts_with("HTTPS://ZK.HANGZHOU.GOV.CN/V/ZK1:"));
            assert!(!url.contains(' '));
            assert_eq!(decode_payload(&url).unwrap(), p);
            // The query and fragment forms too.
            let query = format!("https://x.example/v?p={}", url.split("/V/").nth(1).unwrap());
            assert_eq!(decode_payload(&query).unwrap(), p);
            assert_eq!(
                decode_payload(&format!("https://x.example/v/#{payload}")).unwrap(),
                p
            );
        }
    }
}

#[test]
fn wrong_key_and_algorithm_are_refused() {
    let sm2 = sm2_key();
    let p256 = p256_key();
    let (_, signed) = examples(&sm2).remove(0);
    let p = decode_payload(&make_payload(&signed, &sm2).unwrap()).unwrap();
    assert!(matches!(
        verify_payload(&p, p256.public_key()),
        Err(QrError::AlgorithmMismatch { .. })
    ));
    let other = key("dept-xihu-health-sm2.key");
    assert!(matches!(
        verify_payload(&p, other.public_key()),
        Err(QrError::WrongKey { .. })
    ));
}

#[test]
fn versions_fit_level_q() {
    for signer in [sm2_key(), p256_key()] {
        for (name, signed) in examples(&signer) {
            let payload = make_payload(&signed, &signer).unwrap();
            assert_eq!(
                decode_payload(&payload).unwrap().claims.status_entry,
                Some((WORST_LIST, WORST_IDX))
            );
            let url = payload_url(BASE_URL, &payload).unwrap();
            // The longest base URL promised to fit (crate docs, "Size").
            let long_base = format!("https://{}", "z".repeat(MAX_BASE_URL_LEN - 8));
            assert_eq!(long_base.len(), MAX_BASE_URL_LEN);
            let long_url = payload_url(&long_base, &payload).unwrap();
            for (form, text) in [("bare", &payload), ("url", &url), ("url-40", &long_url)] {
                let qr = QrSymbol::new(text).unwrap();
                eprintln!(
                    "{} {name} {form}: {} chars, version {} ({}x{} modules)",
                    signer.algorithm().short_name(),
                    text.len(),
                    qr.version(),
                    qr.width(),
                    qr.width()
                );
                assert!(
                    qr.version() <= max_version_at_q(),
                    "{name} {form}: v{}",
                    qr.version()
                );
            }
        }
    }
}

#[test]
fn url_escapes_only_what_a_path_cannot_carry() {
    let signer = sm2_key();
    let (_, signed) = examples(&signer).remove(0);
    let payload = make_payload(&signed, &signer).unwrap();
    let p = decode_payload(&payload).unwrap();
    let url = payload_url(BASE_URL, &payload).unwrap();
    let rest = url.split_once("/V/").unwrap().1;
    // Space and % always escaped; every remaining % starts one of the three escapes.
    assert!(!rest.contains(' '));
    for (i, _) in rest.match_indices('%') {
        assert!(
            ["%20", "%25", "%2F"].contains(&&rest[i..i + 3]),
            "{}",
            &rest[i..]
        );
    }
    // No path segment a browser would remove.
    for segment in rest.split('/') {
        assert!(segment != "." && segment != "..", "{url}");
    }
    assert_eq!(decode_payload(&url).unwrap(), p);
    // A `/` is escaped exactly where it would start a `.` or `..` segment (synthetic text:
    // payload_url does not parse the payload).
    let url = payload_url("http://h", "ZK1:A/./B/../C/.D/..E/.").unwrap();
    assert_eq!(url, "HTTP://H/V/ZK1:A%2F./B%2F../C/.D/..E%2F.");
}

#[test]
fn one_changed_character_is_refused() {
    let signer = sm2_key();
    let (_, signed) = examples(&signer).remove(2);
    let payload = make_payload(&signed, &signer).unwrap();
    let alphabet = zhengku_qr::base45::ALPHABET;
    let bytes = payload.as_bytes();
    let mut tried = 0;
    for i in 4..bytes.len() {
        for &c in alphabet.iter().chain(b"a#") {
            if c == bytes[i] {
                continue;
            }
            let mut t = bytes.to_vec();
            t[i] = c;
            let t = String::from_utf8(t).unwrap();
            let result = decode_payload(&t).and_then(|p| verify_payload(&p, signer.public_key()));
            assert!(result.is_err(), "position {i} -> {}", char::from(c));
            tried += 1;
        }
    }
    assert!(tried > 1000);
}

/// zbarimg on PATH (the testkit rule: skipped with a note outside CI, a failure under it).
fn zbarimg() -> Option<PathBuf> {
    zhengku_testkit::tools::tool("zbarimg")
}

/// What zbarimg reads from the symbol segno (an independent QR encoder, Python) makes for
/// `text` at level Q.
fn zbar_read_of_segno(zbarimg: &std::path::Path, dir: &std::path::Path, text: &str) -> String {
    let png = dir.join("segno.png");
    let out = Command::new("python3")
        .args([
            "-c",
            "import segno, sys\nsegno.make_qr(sys.argv[1], error='q', boost_error=False).save(sys.argv[2], scale=4, border=4)",
            text,
        ])
        .arg(&png)
        .output()
        .expect("python3 with segno (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "segno: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(zbarimg)
        .args(["--raw", "-q", "-Sbinary"])
        .arg(&png)
        .output()
        .unwrap();
    let read = String::from_utf8(out.stdout).unwrap();
    read.strip_suffix('\n').unwrap_or(&read).to_owned()
}

#[test]
fn zbarimg_reads_our_png() {
    let Some(zbarimg) = zbarimg() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for signer in [sm2_key(), p256_key()] {
        for (name, signed) in examples(&signer) {
            let payload = make_payload(&signed, &signer).unwrap();
            let url = payload_url(BASE_URL, &payload).unwrap();
            for text in [&payload, &url] {
                let qr = QrSymbol::new(text).unwrap();
                let png = qr.to_png(4).unwrap();
                let path = dir.path().join(format!("{name}.png"));
                std::fs::write(&path, &png).unwrap();
                let out = Command::new(&zbarimg)
                    .args(["--raw", "-q", "-Sbinary"])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "zbarimg failed on {name}: {out:?}");
                let read = String::from_utf8(out.stdout).unwrap();
                let read = read.strip_suffix('\n').unwrap_or(&read);
                if read != text.as_str() {
                    // zbar 0.23 misreads some alphanumeric symbols, appending digits (about
                    // 1 in 300 random texts of this length). It is zbar's defect, not the
                    // symbol's, only if a second encoder's symbol for the same text gets the
                    // very same misread.
                    assert!(
                        read.starts_with(text.as_str()),
                        "{name}: zbar read {read:?}"
                    );
                    assert_eq!(
                        zbar_read_of_segno(&zbarimg, dir.path(), text),
                        read,
                        "{name}: zbar misread only our symbol"
                    );
                }
                let p = decode_payload(&read[..text.len()]).unwrap();
                verify_payload(&p, signer.public_key()).unwrap();
            }
        }
    }
}

#[test]
fn svg_has_every_dark_module() {
    let qr = QrSymbol::new("ZK1:HELLO").unwrap();
    let svg = qr.to_svg();
    let dark = (0..qr.width())
        .flat_map(|y| (0..qr.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| qr.is_dark(x, y))
        .count();
    assert!(svg.starts_with("<svg "));
    assert_eq!(svg.matches("h1v1h-1z").count(), dark);
    assert!(matches!(QrSymbol::new("zk1:lower"), Err(QrError::Qr(_))));
}

/// A payload whose envelope is well formed but whose signature is not the department's over
/// these bytes: `cose` repacked as `ZK1:` text.
fn repacked(cose: &[u8]) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(cose, 9);
    format!(
        "{}{}",
        zhengku_qr::PREFIX,
        zhengku_qr::base45::encode(&compressed)
    )
}

#[test]
fn a_forger_using_the_departments_kid_or_another_payloads_signature_is_refused() {
    for dept in [sm2_key(), p256_key()] {
        let mut licences = examples(&dept);
        let (_, signed) = licences.remove(0);
        let (_, other) = licences.remove(0);
        let genuine = zhengku_qr::make_cose(&signed, &dept).unwrap();
        let envelope =
            zhengku_cose::Sign1::decode(&genuine, &zhengku_cbor::Limits::default()).unwrap();
        // A forger's key, but the department's kid in the protected header.
        let forger = PrivateKey::generate(dept.algorithm()).unwrap();
        let mut header = zhengku_cbor::Map::new();
        header
            .insert(
                zhengku_cbor::Value::integer(zhengku_cose::HEADER_KID),
                zhengku_cbor::Value::bytes(dept.key_id().as_bytes().to_vec()),
            )
            .unwrap();
        let forged = zhengku_cose::sign(header, envelope.payload().to_vec(), &forger).unwrap();
        let p = decode_payload(&repacked(&forged)).unwrap();
        assert_eq!(p.kid, dept.key_id());
        assert!(verify_payload(&p, dept.public_key()).is_err());
        // The department's own signature, but of another licence's claims.
        let other_sig = zhengku_qr::make_cose(&other, &dept).unwrap();
        let (at_g, at_o) = (genuine.len() - 64, other_sig.len() - 64);
        let mut swapped = genuine.clone();
        swapped[at_g..].copy_from_slice(&other_sig[at_o..]);
        let p = decode_payload(&repacked(&swapped)).unwrap();
        assert!(matches!(
            verify_payload(&p, dept.public_key()),
            Err(QrError::Envelope(zhengku_cose::CoseError::Verify(_)))
        ));
        // And the genuine one, repacked the same way, verifies.
        let p = decode_payload(&repacked(&genuine)).unwrap();
        verify_payload(&p, dept.public_key()).unwrap();
    }
}

/// Payloads made before status lists, base45 of the zlib-compressed COSE_Sign1 and without
/// claim 10, still read and verify; the new form is shorter by the zlib overhead.
#[test]
fn compressed_payloads_of_the_first_form_still_verify() {
    let signer = sm2_key();
    for (name, signed) in examples(&signer) {
        let cose = zhengku_qr::make_cose(&signed, &signer).unwrap();
        let old = format!(
            "ZK1:{}",
            zhengku_qr::base45::encode(&miniz_oxide::deflate::compress_to_vec_zlib(&cose, 9))
        );
        let new = make_payload(&signed, &signer).unwrap();
        assert!(
            new.len() < old.len(),
            "{name}: {} >= {}",
            new.len(),
            old.len()
        );
        for text in [&old, &new] {
            let p = decode_payload(text).unwrap();
            let claims = verify_payload(&p, signer.public_key()).unwrap();
            assert!(
                claims.matches(&signed, signer.algorithm().digest()),
                "{name}"
            );
        }
        // A zlib stream that is not one, behind the same prefix, is refused.
        let mut bad = miniz_oxide::deflate::compress_to_vec_zlib(&cose, 9);
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let bad = format!("ZK1:{}", zhengku_qr::base45::encode(&bad));
        assert!(decode_payload(&bad).is_err(), "{name}");
    }
}

/// Claim 10 as written, judged by pycddl against `qr-status-entry`
/// (docs/cddl/status-list.cddl), read out of the COSE_Sign1 by cbor2.
#[test]
fn the_status_claim_matches_its_cddl() {
    use zhengku_testkit::tools::{have_python_module, python_says_ok};
    if !(have_python_module("pycddl", "pycddl") && have_python_module("cbor2", "cbor2")) {
        return;
    }
    let signer = sm2_key();
    let (_, signed) = examples(&signer).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qr.cose");
    std::fs::write(&path, zhengku_qr::make_cose(&signed, &signer).unwrap()).unwrap();
    let script = r#"
import sys, cbor2, pycddl
cddl = open(sys.argv[2]).read()
claims = cbor2.loads(cbor2.loads(open(sys.argv[1], "rb").read()).value[2])
pycddl.Schema("root = qr-status-entry\n" + cddl).validate_cbor(cbor2.dumps(claims[10]))
assert claims[10] == [65535, 1048575], claims[10]
print("ok")
"#;
    let cddl = zhengku_testkit::repo_root().join("docs/cddl/status-list.cddl");
    python_says_ok(script, &[path.as_os_str(), cddl.as_os_str()]).unwrap();
}
