//! Annotated copies as PNG pictures (zhengku_png::copy): the business licence's face painted
//! from the same display list as its PDF and OFD, watermarked, sealed by the library, then
//! judged by the engine and by tools we did not write: zbarimg reads the QR code off the
//! picture, pngcheck checks every chunk, Pillow reads the copy's text and the resolution,
//! OpenSSL checks the seal signature's dataHash and SM2 signature. Forgeries fail: a pixel,
//! the last day or the record changed, the seal signature stripped, a chunk added after it.
//! The pictures are left in `target/png-copy/` to look at.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_model::{LicenceStatus, SignedLicence};
use zhengku_pdf::document::LicenceDocument;
use zhengku_pdf::face::CopyFields;
use zhengku_png::copy::{DEFAULT_DPI, PngCopyError, PngCopyRequest, annotated_png_copy};
use zhengku_png::{PngCopy, SIGNATURE_CHUNK, keywords, write_chunk};
use zhengku_seal::{DecodedSignature, decode_signature_with_signed_bytes};
use zhengku_testkit::keys_dev::{der as cert, key};
use zhengku_testkit::tools::{have, have_python_module, openssl_sm2_verifies, openssl_sm3};
use zhengku_verify::{LicenceReport, LiveLists, Outcome, Verdict};

#[path = "common/documents.rs"]
mod documents;
#[allow(dead_code)] // pdf_library: for the PDF tests
#[path = "common/live.rs"]
mod live;
#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

use documents::{layout, out_dir, seal_for, verify_at};

const ISSUER_HOLDER: &str = "seal-xihu-samr-sm2";

struct Made {
    png: Vec<u8>,
    licence: SignedLicence,
    qr_text: String,
}

fn fields(valid_until: time::Date) -> CopyFields {
    CopyFields {
        made_at: "2026-12-05 09:30:00".into(),
        made_by: "浙江省大数据发展管理局（为杭州市西湖区卫生健康局）".into(),
        cause: "核验经营主体资格".into(),
        matter: "食品经营许可证核发".into(),
        valid_until,
    }
}

/// A PNG copy of the sample licence sealed by the library seal of `alg`; `None` without a
/// CJK font.
fn made_with(alg: &str, fields: &CopyFields) -> Option<Result<Made, PngCopyError>> {
    let font = support::font()?;
    let licence = support::signed_record("sm2");
    let issuer_seal = seal_for(ISSUER_HOLDER);
    let layout = layout();
    let ty = zhengku_model::testing::business_licence_type();
    let payload = zhengku_qr::make_payload(&licence, &key("dept-xihu-samr-sm2")).unwrap();
    let qr_text = zhengku_qr::payload_url("https://zhengku.example.gov.cn", &payload).unwrap();
    let issuer_key = key(ISSUER_HOLDER);
    let chain = vec![cert(&format!("{ISSUER_HOLDER}.crt"))];
    let issuer_cert = cert("dept-xihu-samr-sm2.crt");
    let original = LicenceDocument {
        licence: &licence,
        licence_type: &ty,
        layout: &layout,
        font,
        qr_text: &qr_text,
        seal: &issuer_seal,
        signer: &issuer_key,
        chain: &chain,
        signing_time: OffsetDateTime::now_utc(),
        issuer_certificate: Some(&issuer_cert),
    };
    let png = annotated_png_copy(&PngCopyRequest {
        original: &original,
        fields,
        seal: &support::library_seal(alg),
        signer: &key(&format!("seal-library-{alg}")),
        holder_cert: &cert(&format!("seal-library-{alg}.crt")),
        made_at: OffsetDateTime::now_utc() - time::Duration::seconds(10),
        dpi: DEFAULT_DPI,
    });
    Some(png.map(|png| Made {
        png,
        licence: licence.clone(),
        qr_text,
    }))
}

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

fn made() -> Option<Made> {
    made_with("sm2", &fields(today() + time::Duration::days(30))).map(Result::unwrap)
}

/// The library's word as of `at`: the licence with `status`, the library's seal active
/// (the issuer's seal signs nothing in a PNG copy: its impression is a picture).
fn library_at(m: &Made, status: LicenceStatus, at: OffsetDateTime) -> LiveLists {
    let library_seal = support::library_seal("sm2").to_der().unwrap();
    live::licence_library(&m.licence, status, &[&library_seal], at.unix_timestamp())
}

fn verify(m: &Made, png: &[u8], status: LicenceStatus) -> LicenceReport {
    let now = OffsetDateTime::now_utc();
    verify_at(png, &library_at(m, status, now), now)
}

/// `png`'s chunks up to byte `end`, each as `edit` returns it (its CRC recomputed, so the
/// file still reads and only the seal can tell); `None` drops the chunk.
fn rewrite(
    png: &[u8],
    end: usize,
    mut edit: impl FnMut([u8; 4], &[u8]) -> Option<Vec<u8>>,
) -> Vec<u8> {
    let mut out = png[..8].to_vec();
    let mut at = 8;
    while at < end {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let k: [u8; 4] = png[at + 4..at + 8].try_into().unwrap();
        if let Some(d) = edit(k, &png[at + 8..at + 8 + len]) {
            write_chunk(&mut out, k, &d).unwrap();
        }
        at += 12 + len;
    }
    out
}

/// `png` with chunk `kind`'s data replaced by `data`.
fn with_chunk(png: &[u8], kind: [u8; 4], data: &[u8]) -> Vec<u8> {
    rewrite(png, png.len(), |k, d| {
        Some(if k == kind { data } else { d }.to_vec())
    })
}

/// `png`'s copy text `keyword` set to `value` (the translated keyword kept).
fn set_text(keyword: &str, value: &str) -> impl FnMut([u8; 4], &[u8]) -> Option<Vec<u8>> {
    move |k, d| {
        let ours = &k == b"iTXt" && d.starts_with(keyword.as_bytes()) && d[keyword.len()] == 0;
        if !ours {
            return Some(d.to_vec());
        }
        // keyword, 0, flag, method, language, 0, translated, 0, text
        let fields: Vec<&[u8]> = d[keyword.len() + 3..].splitn(3, |&b| b == 0).collect();
        let translated = std::str::from_utf8(fields[1]).unwrap();
        Some(zhengku_png::itxt(keyword, "zh-CN", translated, value).unwrap())
    }
}

/// The data of the first chunk `kind`.
fn chunk_data(png: &[u8], kind: [u8; 4]) -> Vec<u8> {
    let mut at = 8;
    while at < png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        if png[at + 4..at + 8] == kind {
            return png[at + 8..at + 8 + len].to_vec();
        }
        at += 12 + len;
    }
    panic!("no {} chunk", String::from_utf8_lossy(&kind))
}

#[test]
fn a_png_copy_is_valid_then_expires_while_the_licence_stays_valid() {
    let Some(m) = made() else { return };
    std::fs::write(
        out_dir("png-copy").join("business-licence-copy.png"),
        &m.png,
    )
    .unwrap();
    let r = verify(&m, &m.png, LicenceStatus::Valid);
    live::assert_every_check_passed(
        &r,
        &[
            "png_structure",
            "ses_signature",
            "embedded_record",
            "record_signature",
            "record_matches",
            "copy_validity",
        ],
    );
    let shown = format!("{}", r.report);
    assert!(
        shown.contains("食品经营许可证核发") && shown.contains("核验经营主体资格"),
        "{shown}"
    );
    assert_eq!(r.kind.as_str(), "png");

    // A day past the copy's last day: the copy is 已过期; the licence itself is 有效.
    let later = OffsetDateTime::now_utc() + time::Duration::days(31);
    let lib = library_at(&m, LicenceStatus::Valid, later);
    let r = verify_at(&m.png, &lib, later);
    assert_eq!(r.verdict, Verdict::Expired, "{}", r.report);
    assert!(matches!(
        r.report.outcome("copy_validity"),
        Some(Outcome::Failed(_))
    ));
    // A copy of the same licence good for 60 days is still 有效 then: the licence is.
    let longer = made_with("sm2", &fields(today() + time::Duration::days(60)))
        .unwrap()
        .unwrap();
    let lib = library_at(&longer, LicenceStatus::Valid, later);
    let r = verify_at(&longer.png, &lib, later);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    // The library's word decides the licence: revoked, the copy says so.
    let r = verify(&m, &m.png, LicenceStatus::Revoked);
    assert_eq!(r.verdict, Verdict::Revoked, "{}", r.report);
}

#[test]
fn forged_png_copies_fail() {
    let Some(m) = made() else { return };
    let valid = LicenceStatus::Valid;
    // One pixel's bytes changed (IDAT recompressed data differs): the seal no longer fits.
    let idat = chunk_data(&m.png, *b"IDAT");
    let mut raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x40;
    let forged = with_chunk(
        &m.png,
        *b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    let r = verify(&m, &forged, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(
        r.report.outcome("ses_signature"),
        Some(Outcome::Failed(_))
    ));
    // The last day moved later.
    let until = (today() + time::Duration::days(30)).to_string();
    let later = (today() + time::Duration::days(300)).to_string();
    let old = PngCopy::read(&m.png).unwrap();
    assert_eq!(old.text(keywords::VALID_UNTIL), Some(until.as_str()));
    let forged = rewrite(
        &m.png,
        m.png.len(),
        set_text(keywords::VALID_UNTIL.0, &later),
    );
    let moved = PngCopy::read(&forged).unwrap();
    assert_eq!(moved.text(keywords::VALID_UNTIL), Some(later.as_str()));
    let r = verify(&m, &forged, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // Another licence's record put in.
    let other = support::signed_record("p256");
    let r = verify(
        &m,
        &with_chunk(&m.png, zhengku_png::RECORD_CHUNK, &other.to_bytes()),
        valid,
    );
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // The seal signature stripped: the picture is vouched for by nobody.
    let ses = chunk_data(&m.png, SIGNATURE_CHUNK);
    let read = PngCopy::read(&m.png).unwrap();
    let mut stripped = read.signed.to_vec();
    write_chunk(&mut stripped, *b"IEND", &[]).unwrap();
    let r = verify(&m, &stripped, valid);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    for id in ["png_structure", "copy_validity"] {
        assert!(
            matches!(r.report.outcome(id), Some(Outcome::Unverifiable(_))),
            "{id}: {}",
            r.report
        );
    }
    // A chunk after the seal signature: not covered, so the file is malformed.
    let mut appended = read.signed.to_vec();
    write_chunk(&mut appended, SIGNATURE_CHUNK, &ses).unwrap();
    write_chunk(&mut appended, *b"tEXt", b"Comment\0valid until 2099").unwrap();
    write_chunk(&mut appended, *b"IEND", &[]).unwrap();
    let r = verify(&m, &appended, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(
        r.report.outcome("png_structure"),
        Some(Outcome::Failed(_))
    ));
    // Another seal's signature over the same bytes, by a seal no anchor vouches for, is
    // covered by the SES checks (zhengku-verify's seal tests); a broken CRC is unreadable.
    let mut broken = m.png.clone();
    let n = broken.len();
    broken[n - 20] ^= 1;
    let r = verify(&m, &broken, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
}

#[test]
fn p256_library_seals_make_no_png_copy() {
    let Some(r) = made_with("p256", &fields(today())) else {
        return;
    };
    assert!(matches!(r, Err(PngCopyError::NotSm2(_))), "{:?}", r.err());
}

#[test]
fn zbarimg_pngcheck_pillow_and_openssl_read_it() {
    let Some(m) = made() else { return };
    if !(have("zbarimg") & have("pngcheck") & have_python_module("PIL", "pillow")) {
        return;
    }
    let path = out_dir("png-copy").join("judged.png");
    std::fs::write(&path, &m.png).unwrap();
    // Small enough to upload to a service with the default 1 MiB body limit.
    assert!(m.png.len() < 900 << 10, "{} bytes", m.png.len());
    // zbarimg reads the QR code off the picture, watermark and all.
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), m.qr_text, "zbarimg read {text:?}");
    // pngcheck: every CRC, the chunk order, the private chunks' names.
    let out = std::process::Command::new("pngcheck")
        .arg("-v")
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("No errors detected"), "{said}");
    for name in ["zkLR", "zkCT", "zkSG", "iTXt", "pHYs"] {
        assert!(said.contains(name), "{name}: {said}");
    }
    // Pillow: the copy's fields under their keywords and GB/T 36903 names, the resolution.
    let until = (today() + time::Duration::days(30)).to_string();
    zhengku_testkit::tools::python_says_ok(
        r#"
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
t = im.text
want = {
    "Copy valid until": (sys.argv[2], "加注件有效期截止时间"),
    "Copy matter": ("食品经营许可证核发", "加注件办理事项"),
    "Copy cause": ("核验经营主体资格", "加注件制作事由"),
}
for k, (v, tkey) in want.items():
    assert t[k] == v, (k, t.get(k))
    assert t[k].tkey == tkey, (k, t[k].tkey)
dpi = im.info["dpi"]
assert abs(dpi[0] - float(sys.argv[3])) < 0.5, dpi
assert im.mode == "RGB", im.mode
# The watermark is red over the page: some pixels are clearly red.
red = sum(1 for r, g, b in im.resize((im.width // 4, im.height // 4)).getdata() if r > 180 and g < 120 and b < 120)
assert red > 500, red
print("ok")
"#,
        &[
            path.as_os_str(),
            std::ffi::OsStr::new(&until),
            std::ffi::OsStr::new(&DEFAULT_DPI.to_string()),
        ],
    )
    .unwrap();
    // OpenSSL: SM3 of every byte before zkSG is the seal signature's dataHash, and the SM2
    // signature verifies over TBS_Sign (and not over a changed byte of it).
    if !have("openssl") {
        return;
    }
    let read = PngCopy::read(&m.png).unwrap();
    let (decoded, signed) = decode_signature_with_signed_bytes(read.signature.unwrap()).unwrap();
    let DecodedSignature::V4(sig) = decoded else {
        panic!("v4")
    };
    assert_eq!(openssl_sm3(read.signed).unwrap(), sig.to_sign.data_hash);
    assert_eq!(
        openssl_sm2_verifies(&sig.cert, signed.tbs_sign(), &sig.signature),
        Some(true)
    );
    let mut wrong = signed.tbs_sign().to_vec();
    wrong[10] ^= 1;
    assert_eq!(
        openssl_sm2_verifies(&sig.cert, &wrong, &sig.signature),
        Some(false)
    );
}

/// `png` rewritten by `edit` and sealed again by the library's own seal: a copy the
/// library would never make, caught by the checks below the seal.
fn resealed(png: &[u8], edit: impl FnMut([u8; 4], &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let signed = PngCopy::read(png).unwrap().signed.len();
    let mut out = rewrite(png, signed, edit);
    let ses = zhengku_seal::make::stamp(
        &support::library_seal("sm2"),
        &cert("seal-library-sm2.crt"),
        zhengku_seal::make::StampInput {
            time: support::seal_time(OffsetDateTime::now_utc() - time::Duration::seconds(5)),
            data_hash: zhengku_crypto::sm3(&out),
            property_info: "forged".into(),
        },
        &key("seal-library-sm2"),
    )
    .unwrap()
    .to_der()
    .unwrap();
    write_chunk(&mut out, SIGNATURE_CHUNK, &ses).unwrap();
    write_chunk(&mut out, *b"IEND", &[]).unwrap();
    out
}

#[test]
fn checks_below_the_seal_hold_even_when_the_seal_fits() {
    let Some(m) = made() else { return };
    let valid = LicenceStatus::Valid;
    // Re-sealed unchanged: the library's seal fits and the copy is 有效 (the helper works).
    let same = resealed(&m.png, set_text(keywords::MATTER.0, "食品经营许可证核发"));
    let r = verify(&m, &same, valid);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    // Naming another licence than the record it carries.
    let other = resealed(
        &m.png,
        set_text(
            keywords::IDENTIFIER.0,
            "1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240009999.001.V",
        ),
    );
    let r = verify(&m, &other, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(
        r.report.outcome("record_matches"),
        Some(Outcome::Failed(_))
    ));
    // A last day that is not a date.
    let bad_date = resealed(&m.png, set_text(keywords::VALID_UNTIL.0, "下个月"));
    let r = verify(&m, &bad_date, valid);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // The record taken out: nobody but the library vouches for the face: 无法核验.
    let out = resealed(&m.png, |k, d| {
        (k != zhengku_png::RECORD_CHUNK).then(|| d.to_vec())
    });
    let r = verify(&m, &out, valid);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
}

#[test]
fn the_art_painted_once_is_the_art_painted_afresh() {
    let Some(font) = support::font() else { return };
    let licence = support::signed_record("sm2");
    let ty = zhengku_model::testing::business_licence_type();
    let paint = |layout: &zhengku_pdf::layout::Layout, dpi: f32| {
        let face = zhengku_pdf::face::lay_out(&zhengku_pdf::face::FaceInput {
            licence: &licence,
            licence_type: &ty,
            layout,
            font,
            qr_text: "HTTPS://ZHENGKU.EXAMPLE.GOV.CN/V/ZK1:TEST",
            issuer_name: &licence.record().issuer_name,
        })
        .unwrap();
        zhengku_pdf::raster::rasterise(&face, font, &[], &[], dpi)
    };
    // One layout: the first painting keeps its art at 120 dpi, the second copies it.
    let layout = layout();
    let first = paint(&layout, 120.0).unwrap();
    let again = paint(&layout, 120.0).unwrap();
    assert!(first == again, "the kept art differs from the art painted");
    // Another resolution is painted afresh: the same as a layout that kept that one.
    let afresh = paint(&layout, 96.0).unwrap();
    let kept = paint(&self::layout(), 96.0).unwrap();
    assert!(afresh == kept);
    assert_eq!((afresh.width, afresh.height), (1123, 794));
    // The art is there: far from white everywhere but the page.
    let coloured = afresh
        .rgb
        .chunks(3)
        .filter(|p| p != &[255, 255, 255])
        .count();
    assert!(
        coloured > afresh.rgb.len() / 3 / 4,
        "{coloured} coloured pixels"
    );
    assert!(paint(&layout, 20.0).is_err());
}
