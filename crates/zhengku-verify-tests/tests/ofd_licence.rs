//! zhengku's own licence OFDs (zhengku_ofd::document): the business licence laid out from
//! the same display list as its PDF, sealed with the department's development seal, judged
//! by the engine and by tools we did not write: OpenSSL (every reference digest and the SM2
//! signature), fontTools (the embedded font's cmap has every character of the face),
//! ofdkit (the GB/T 36903 metadata, and every text run at the display list's and the
//! layout's positions within 0.1 mm), easyofd (renders the page; zbarimg reads the QR code
//! back from the picture). The files are left in `target/ofd-licence/` to look at.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_model::{LicenceStatus, SignedLicence};
use zhengku_ofd::copy::{CopyError, CopyRequest, PAGE_ANNOTATIONS, annotated_copy};
use zhengku_ofd::document::{OfdDocumentError, sealed_licence_ofd};
use zhengku_ofd::{Limits, Ofd, Package};
use zhengku_pdf::document::LicenceDocument;
use zhengku_pdf::face::{CopyFields, FaceInput, lay_out};
use zhengku_testkit::keys_dev::{der as cert, key};
use zhengku_testkit::tools::{have, have_python_module, python_says_ok};
use zhengku_verify::{LicenceReport, LiveLists, Outcome, Verdict};

#[path = "common/documents.rs"]
mod documents;
#[allow(dead_code)] // pdf_library: for the PDF tests
#[path = "common/live.rs"]
mod live;
use documents::{layout, out_dir, seal_for, verify_at};
#[path = "common/openssl_ofd.rs"]
mod openssl_ofd;
#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

struct Made {
    ofd: Vec<u8>,
    licence: SignedLicence,
    qr_text: String,
    seal_der: Vec<u8>,
}

/// The sample business licence as an OFD sealed by `holder`'s seal with `licence`; `None`
/// without a CJK font.
fn made_with(holder: &str, licence: SignedLicence) -> Option<Result<Made, OfdDocumentError>> {
    let font = support::font()?;
    let seal = seal_for(holder);
    let layout = layout();
    let ty = zhengku_model::testing::business_licence_type();
    let payload = zhengku_qr::make_payload(&licence, &key("dept-xihu-samr-sm2")).unwrap();
    let qr_text = zhengku_qr::payload_url("https://zhengku.example.gov.cn", &payload).unwrap();
    let signer = key(holder);
    let chain = vec![cert(&format!("{holder}.crt"))];
    let issuer = cert("dept-xihu-samr-sm2.crt");
    let ofd = sealed_licence_ofd(&LicenceDocument {
        licence: &licence,
        licence_type: &ty,
        layout: &layout,
        font,
        qr_text: &qr_text,
        seal: &seal,
        signer: &signer,
        chain: &chain,
        signing_time: OffsetDateTime::now_utc() - time::Duration::seconds(30),
        issuer_certificate: Some(&issuer),
    });
    Some(ofd.map(|ofd| Made {
        ofd,
        licence,
        qr_text,
        seal_der: seal.to_der().unwrap(),
    }))
}

fn made() -> Option<Made> {
    made_with("seal-xihu-samr-sm2", support::signed_record("sm2")).map(Result::unwrap)
}

/// What the issuing library knows: the licence `status`, the seal active, as of now.
fn library(m: &Made, status: LicenceStatus) -> LiveLists {
    library_at(m, status, OffsetDateTime::now_utc())
}

/// What the library knows, as of `at`; its own copy seal is active too.
fn library_at(m: &Made, status: LicenceStatus, at: OffsetDateTime) -> LiveLists {
    let library_seal = support::library_seal("sm2").to_der().unwrap();
    live::licence_library(
        &m.licence,
        status,
        &[&m.seal_der, &library_seal],
        at.unix_timestamp(),
    )
}

/// The engine's verdict on `ofd` now ([`documents::verify_at`]).
fn verify(ofd: &[u8], library: &LiveLists) -> LicenceReport {
    verify_at(ofd, library, OffsetDateTime::now_utc())
}

fn package(ofd: &[u8]) -> Package {
    Ofd::read(ofd, &Limits::default())
        .unwrap()
        .package()
        .clone()
}

#[test]
fn the_licence_ofd_is_valid_and_every_check_passes() {
    let Some(m) = made() else { return };
    std::fs::write(out_dir("ofd-licence").join("business-licence.ofd"), &m.ofd).unwrap();
    let r = verify(&m.ofd, &library(&m, LicenceStatus::Valid));
    live::assert_every_check_passed(&r, &[]);
    for id in [
        "embedded_record",
        "record_signature",
        "record_matches",
        "ofd_coverage",
        "ses_signature",
    ] {
        assert!(r.report.outcome(id).is_some(), "no {id}\n{}", r.report);
    }
    // The library's word decides the licence's standing, as for a PDF.
    let r = verify(&m.ofd, &library(&m, LicenceStatus::Revoked));
    assert_eq!(r.verdict, Verdict::Revoked, "{}", r.report);
}

#[test]
fn tampered_licence_ofds_fail() {
    let Some(m) = made() else { return };
    let lib = library(&m, LicenceStatus::Valid);
    let base = package(&m.ofd);
    let changed = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut p = base.clone();
        let mut data = p.file(name).unwrap().to_vec();
        f(&mut data);
        assert!(p.insert(name, data));
        p.to_zip()
    };
    // A changed character on the page, a changed metadata value, a changed record.
    let page = changed("Doc_0/Pages/Page_0/Content.xml", &|d| {
        let s = String::from_utf8(d.clone()).unwrap();
        *d = s
            .replacen("杭州证库示例科技有限公司", "杭州证库伪造科技有限公司", 1)
            .into_bytes();
    });
    let meta = changed("OFD.xml", &|d| {
        let s = String::from_utf8(d.clone()).unwrap();
        *d = s
            .replacen(
                "<ofd:CustomData Name=\"持证主体\">杭州",
                "<ofd:CustomData Name=\"持证主体\">宁波",
                1,
            )
            .into_bytes();
    });
    let record = changed("Doc_0/Attachs/licence.zkl", &|d| {
        let n = d.len();
        d[n - 1] ^= 1;
    });
    for (what, ofd) in [("page", page), ("metadata", meta), ("record", record)] {
        assert_ne!(ofd, m.ofd, "{what}: the change took");
        let r = verify(&ofd, &lib);
        assert_eq!(r.verdict, Verdict::Invalid, "{what}\n{}", r.report);
        assert!(
            matches!(r.report.outcome("ofd_references"), Some(Outcome::Failed(_))),
            "{what}\n{}",
            r.report
        );
    }
    // The reserved annotation slot filled by someone who cannot seal: nothing vouches for
    // what it draws.
    let mut p = base.clone();
    assert!(p.insert(
        zhengku_ofd::face::ANNOTATIONS,
        b"<ofd:Annotations xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Page PageID=\"1\"><ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>".to_vec()
    ));
    let r = verify(&p.to_zip(), &lib);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(
        matches!(
            r.report.outcome("ofd_coverage"),
            Some(Outcome::Unverifiable(_))
        ),
        "{}",
        r.report
    );
    // The issuer's record, sealed by another department: not the issuer's file.
    let Some(Ok(other)) = made_with("seal-xihu-health-sm2", support::signed_record("sm2")) else {
        panic!("the health bureau's seal makes an OFD")
    };
    let r = verify(&other.ofd, &library(&other, LicenceStatus::Valid));
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(
        matches!(r.report.outcome("record_matches"), Some(Outcome::Failed(_))),
        "{}",
        r.report
    );
    // A record signed by another key than its issuer's.
    let mut forged = support::signed_record("sm2").record().clone();
    forged.licence_number = "伪造".into();
    let forged = SignedLicence::sign(forged, &key("dept-xihu-health-sm2")).unwrap();
    let Some(Ok(f)) = made_with("seal-xihu-samr-sm2", forged) else {
        panic!("made")
    };
    let r = verify(&f.ofd, &library(&f, LicenceStatus::Valid));
    assert_ne!(r.verdict, Verdict::Valid, "{}", r.report);
}

#[test]
fn p256_departments_get_no_ofd() {
    let Some(font) = support::font() else { return };
    let licence = support::signed_record("p256");
    let seal = support::seal("p256");
    let layout = layout();
    let ty = zhengku_model::testing::business_licence_type();
    let signer = key("seal-xihu-samr-p256");
    let chain = vec![cert("seal-xihu-samr-p256.crt")];
    let e = sealed_licence_ofd(&LicenceDocument {
        licence: &licence,
        licence_type: &ty,
        layout: &layout,
        font,
        qr_text: "https://zhengku.example.gov.cn/V/x",
        seal: &seal,
        signer: &signer,
        chain: &chain,
        signing_time: OffsetDateTime::now_utc(),
        issuer_certificate: None,
    })
    .unwrap_err();
    assert!(matches!(e, OfdDocumentError::NotSm2(_)), "{e}");
    assert!(e.to_string().contains("SM2"), "{e}");
}

#[test]
fn openssl_agrees_with_every_digest_and_the_signature() {
    let Some(m) = made() else { return };
    if !have("openssl") {
        return;
    }
    let ofd = Ofd::read(&m.ofd, &Limits::default()).unwrap();
    let s = ofd.signatures[0].as_ref().unwrap();
    // Every file but the signature list, the signature's own two and the reserved slot.
    assert_eq!(
        s.references.len(),
        ofd.package().len() - 4,
        "{:?}",
        s.references
    );
    openssl_ofd::openssl_agrees(&ofd, s);
}

/// Reads the OFD with ofdkit, fontTools and easyofd; argv: the OFD, the expected runs
/// (JSON), the layout.toml, the expected metadata (JSON), the picture to write.
const JUDGE: &str = r#"
import io, json, math, sys, tomllib, zipfile, warnings
warnings.filterwarnings("ignore")
ofd_path, runs_path, layout_path, meta_path, png_path = sys.argv[1:6]
import ofdkit
from fontTools.ttLib import TTFont

doc = ofdkit.OFDDocument(ofd_path)
problems = []
meta = json.load(open(meta_path, encoding="utf-8"))
got = doc.info.custom_data
for k, v in meta.items():
    if got.get(k) != v:
        problems.append(f"CustomData {k}: {got.get(k)!r}, expected {v!r}")

runs = doc.pages[0].runs
def near(x, y, text=None):
    return [r for r in runs if abs(r.x - x) <= 0.1 and abs(r.y - y) <= 0.1
            and (text is None or r.text == text)]
expected = json.load(open(runs_path, encoding="utf-8"))
for e in expected:
    if not near(e["x"], e["y"], e["text"]):
        problems.append(f"no run {e['text']!r} at ({e['x']:.2f}, {e['y']:.2f})")
if len(runs) != len(expected):
    problems.append(f"{len(runs)} runs, the display list has {len(expected)}")

layout = tomllib.load(open(layout_path, "rb"))
for f in layout["field"]:
    x = f["x_mm"] + (f.get("label_width_mm", 0) if f.get("label") == "" else 0)
    if not near(x, f["y_mm"]):
        problems.append(f"nothing at field {f['item']}'s place ({x}, {f['y_mm']})")
for t in layout.get("text", []):
    if t.get("align", "left") == "left" and not near(t["x_mm"], t["y_mm"], t["text"]):
        problems.append(f"fixed text {t['text']!r} not at ({t['x_mm']}, {t['y_mm']})")

z = zipfile.ZipFile(ofd_path)
font = TTFont(io.BytesIO(z.read("Doc_0/Res/font_0.otf")))
cmap = font.getBestCmap()
for ch in sorted({c for e in expected for c in e["text"]}):
    if ord(ch) not in cmap:
        problems.append(f"the font's cmap has no {ch!r}")

from loguru import logger
logger.remove()
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as RLFont
pdfmetrics.registerFont(RLFont("宋体", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfontIndex=0))
import contextlib
from easyofd import OFD
with contextlib.redirect_stdout(io.StringIO()):
    o = OFD()
    o.read(ofd_path, fmt="path")
    pdf = o.to_pdf()
    pages = o.pdf2img(pdf)
if len(pages) != 1:
    problems.append(f"easyofd drew {len(pages)} pages")
else:
    pages[0].save(png_path)
print("ok" if not problems else "\n".join(problems))
"#;

#[test]
fn ofdkit_fonttools_easyofd_and_zbarimg_read_it() {
    let Some(m) = made() else { return };
    let tools_here = have_python_module("ofdkit", "ofdkit")
        & have_python_module("easyofd", "easyofd")
        & have_python_module("fontTools", "fonttools")
        & have("zbarimg");
    if !tools_here {
        return;
    }
    let dir = out_dir("ofd-licence");
    let ofd_path = dir.join("judged.ofd");
    std::fs::write(&ofd_path, &m.ofd).unwrap();
    // The runs as the display list has them, in millimetres from the top-left.
    let layout = layout();
    let ty = zhengku_model::testing::business_licence_type();
    let face = lay_out(&FaceInput {
        licence: &m.licence,
        licence_type: &ty,
        layout: &layout,
        font: support::font().unwrap(),
        qr_text: &m.qr_text,
        issuer_name: &m.licence.record().issuer_name,
    })
    .unwrap();
    let runs: Vec<serde_json::Value> = face
        .runs()
        .map(|r| {
            let (x, y) = face.mm((r.x, r.y));
            serde_json::json!({"text": r.text, "x": x, "y": y})
        })
        .collect();
    assert!(runs.len() > 20, "{} runs", runs.len());
    let runs_path = dir.join("runs.json");
    std::fs::write(&runs_path, serde_json::to_vec(&runs).unwrap()).unwrap();
    let meta: serde_json::Map<String, serde_json::Value> =
        zhengku_ofd::document::metadata(&m.licence, &m.licence.record().issuer_name)
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
    assert_eq!(meta["持证主体代码类型"], "001");
    let meta_path = dir.join("metadata.json");
    std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
    let png = dir.join("business-licence-easyofd.png");
    let _ = std::fs::remove_file(&png);
    let layout_path = support::repo().join("templates/business-licence/layout.toml");
    python_says_ok(
        JUDGE,
        &[
            ofd_path.as_os_str(),
            runs_path.as_os_str(),
            layout_path.as_os_str(),
            meta_path.as_os_str(),
            png.as_os_str(),
        ],
    )
    .unwrap();
    // zbarimg reads the QR code off easyofd's picture of the page.
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&png)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), m.qr_text, "zbarimg read {text:?}");
}

fn copy_fields(valid_until: time::Date) -> CopyFields {
    CopyFields {
        made_at: "2026-12-04 18:30:00".into(),
        made_by: "浙江省大数据发展管理局（为杭州市西湖区卫生健康局）".into(),
        cause: "核验经营主体资格".into(),
        matter: "食品经营许可证核发".into(),
        valid_until,
    }
}

fn copy_of(original: &[u8], fields: &CopyFields) -> Result<Vec<u8>, CopyError> {
    annotated_copy(&CopyRequest {
        original,
        fields,
        font: support::font().unwrap(),
        seal: &support::library_seal("sm2"),
        signer: &key("seal-library-sm2"),
        holder_cert: &cert("seal-library-sm2.crt"),
        made_at: OffsetDateTime::now_utc() - time::Duration::seconds(10),
    })
}

#[test]
fn an_annotated_copy_is_valid_then_expires_while_the_original_stays_valid() {
    let Some(m) = made() else { return };
    let today = OffsetDateTime::now_utc().date();
    let fields = copy_fields(today + time::Duration::days(30));
    let copy = copy_of(&m.ofd, &fields).unwrap();
    std::fs::write(
        out_dir("ofd-licence").join("business-licence-copy.ofd"),
        &copy,
    )
    .unwrap();

    let r = verify(&copy, &library(&m, LicenceStatus::Valid));
    live::assert_every_check_passed(&r, &[]);
    assert!(r.report.outcome("copy_validity").is_some(), "{}", r.report);
    let shown = format!("{}", r.report);
    assert!(
        shown.contains("食品经营许可证核发") && shown.contains("核验经营主体资格"),
        "{shown}"
    );
    // Two signatures: the issuer's, untouched, and the library's over everything.
    let read = Ofd::read(&copy, &Limits::default()).unwrap();
    assert_eq!(read.signatures.len(), 2);
    let original = Ofd::read(&m.ofd, &Limits::default()).unwrap();
    for name in original.package().names() {
        if name != zhengku_ofd::face::ANNOTATIONS && name != "Doc_0/Signs/Signatures.xml" {
            assert_eq!(
                read.package().file(name),
                original.package().file(name),
                "{name} changed in the copy"
            );
        }
    }
    if zhengku_testkit::tools::have("openssl") {
        for sig in read.signatures.iter().flatten() {
            openssl_ofd::openssl_agrees(&read, sig);
        }
    }
    let library_sig = read.signatures[1].as_ref().unwrap();
    assert_eq!(
        library_sig.references.len(),
        read.package().len() - 3,
        "the library's seal covers every file but the list and its own two"
    );

    // A day past the copy's last day: the copy is 已过期, the original still 有效.
    let later = OffsetDateTime::now_utc() + time::Duration::days(31);
    let lib = library_at(&m, LicenceStatus::Valid, later);
    let r = verify_at(&copy, &lib, later);
    assert_eq!(r.verdict, Verdict::Expired, "{}", r.report);
    assert!(
        matches!(r.report.outcome("copy_validity"), Some(Outcome::Failed(_))),
        "{}",
        r.report
    );
    let r = verify_at(&m.ofd, &lib, later);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    // The library's word still decides the licence: revoked, the copy says so too.
    let r = verify(&copy, &library(&m, LicenceStatus::Revoked));
    assert_eq!(r.verdict, Verdict::Revoked, "{}", r.report);
}

#[test]
fn a_changed_or_stripped_copy_fails() {
    let Some(m) = made() else { return };
    let today = OffsetDateTime::now_utc().date();
    let copy = copy_of(&m.ofd, &copy_fields(today + time::Duration::days(30))).unwrap();
    let lib = library(&m, LicenceStatus::Valid);
    let base = package(&copy);
    // The last day moved later.
    let mut p = base.clone();
    let annot = String::from_utf8(p.file(PAGE_ANNOTATIONS).unwrap().to_vec()).unwrap();
    let until = (today + time::Duration::days(30)).to_string();
    let later = (today + time::Duration::days(300)).to_string();
    assert!(annot.contains(&until), "{annot}");
    assert!(p.insert(PAGE_ANNOTATIONS, annot.replace(&until, &later).into_bytes()));
    let r = verify(&p.to_zip(), &lib);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // The watermark taken out (the slot emptied again) under the library's signature.
    let mut p = base.clone();
    let original = package(&m.ofd);
    assert!(
        p.insert(
            zhengku_ofd::face::ANNOTATIONS,
            original
                .file(zhengku_ofd::face::ANNOTATIONS)
                .unwrap()
                .to_vec()
        )
    );
    let r = verify(&p.to_zip(), &lib);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // The library's signature removed, the annotation left: its fields are vouched for by
    // nobody.
    let mut p = base.clone();
    let list = original
        .file("Doc_0/Signs/Signatures.xml")
        .unwrap()
        .to_vec();
    assert!(p.insert("Doc_0/Signs/Signatures.xml", list));
    let r = verify(&p.to_zip(), &lib);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    // A copy of a copy: the slot is no longer open.
    assert!(matches!(
        copy_of(&copy, &copy_fields(today)),
        Err(CopyError::NoSlot)
    ));
}
