//! Licence PDFs of the three template examples, judged by tools we did not write: qpdf
//! checks the structure, pdftotext extracts the Chinese, pdftoppm + zbarimg read the QR code
//! off the rendered page, pdfdetach takes the embedded record out.
//!
//! Set `ZHENGKU_RENDER_OUT=DIR` to keep the PDFs and 150 dpi PNGs for a look.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use time::macros::datetime;
use zhengku_crypto::PrivateKey;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::IssueRequest;
use zhengku_model::{LicenceType, SignedLicence, testing};
use zhengku_pdf::font::{self, CjkFont, FontError};
use zhengku_pdf::layout::Layout;
use zhengku_pdf::render::{RenderError, RenderInput, SealPicture, SignatureFields, render};
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_testkit::tools::tool;

const BASE_URL: &str = "https://zk.hangzhou.gov.cn";
const TYPES: [&str; 3] = [
    "business-licence",
    "food-business-permit",
    "senior-citizen-card",
];

fn repo() -> PathBuf {
    zhengku_testkit::repo_root()
}

/// A key of the development file key store, by file name.
fn key(name: &str) -> PrivateKey {
    zhengku_testkit::keys_dev::key(name.trim_end_matches(".key"))
}

/// One template's example, signed, with what rendering it needs.
struct Example {
    name: &'static str,
    ty: LicenceType,
    layout: Layout,
    signed: SignedLicence,
    qr_text: String,
    seal_svg: String,
}

fn examples() -> Vec<Example> {
    TYPES
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let dir = repo().join("templates").join(name);
            let ty = LicenceType::from_toml_str(
                &std::fs::read_to_string(dir.join("type.toml")).unwrap(),
            )
            .unwrap();
            let layout =
                Layout::from_toml_str(&std::fs::read_to_string(dir.join("layout.toml")).unwrap())
                    .unwrap();
            let req: IssueRequest = serde_json::from_str(
                &std::fs::read_to_string(dir.join("example-request.json")).unwrap(),
            )
            .unwrap();
            let (issuer, signer) = if name == "senior-citizen-card" {
                (
                    testing::sample_card_issuer(),
                    key("dept-xihu-health-p256.key"),
                )
            } else {
                (testing::sample_issuer(), key("dept-xihu-samr-sm2.key"))
            };
            let seq = u32::try_from(i + 1).unwrap();
            let id = LicenceId::generate(ty.code(), &issuer.code, 2024, seq, 1).unwrap();
            let record = ty
                .build_record(&req, &issuer, id, testing::sample_issued_at())
                .unwrap();
            let signed = SignedLicence::sign(record, &signer).unwrap();
            let payload = zhengku_qr::make_payload(&signed, &signer).unwrap();
            let qr_text = zhengku_qr::payload_url(BASE_URL, &payload).unwrap();
            let seal_svg = round_seal_svg(&issuer.name, "证照专用章", 42).unwrap();
            Example {
                name,
                ty,
                layout,
                signed,
                qr_text,
                seal_svg,
            }
        })
        .collect()
}

fn system_font() -> Option<CjkFont> {
    match font::load(None) {
        Ok(f) => Some(f),
        Err(e) => {
            zhengku_testkit::tools::missing("a CJK font (fonts-noto-cjk)", &e.to_string());
            None
        }
    }
}

fn signature_fields(contents_len: usize) -> SignatureFields<'static> {
    SignatureFields {
        name: "杭州市西湖区市场监督管理局电子证照专用章",
        reason: "电子证照签章",
        location: "浙江省杭州市西湖区",
        signing_time: datetime!(2024-03-15 09:30:00 UTC),
        contents_len,
    }
}

fn render_example(ex: &Example, font: &CjkFont, seal: Option<SealPicture<'_>>) -> Vec<u8> {
    let issuer = ex.signed.record().issuer_name.clone();
    let input = RenderInput {
        licence: &ex.signed,
        licence_type: &ex.ty,
        layout: &ex.layout,
        font,
        qr_text: &ex.qr_text,
        seal,
        issuer_name: &issuer,
        signature: signature_fields(8192),
    };
    let prepared = render(&input).unwrap_or_else(|e| panic!("{}: {e}", ex.name));
    prepared.bytes
}

fn svg_seal(ex: &Example) -> SealPicture<'_> {
    SealPicture {
        format: PictureFormat::Svg,
        bytes: ex.seal_svg.as_bytes(),
    }
}

fn run(tool: &Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} {:?}: {}{}",
        tool.display(),
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn out_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("ZHENGKU_RENDER_OUT") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            (None, PathBuf::from(dir))
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_owned();
            (Some(t), p)
        }
    }
}

#[test]
fn three_licences_pass_qpdf_pdftotext_zbarimg_pdfdetach() {
    let Some(font) = system_font() else { return };
    let (_keep, dir) = out_dir();
    for ex in examples() {
        let pdf = render_example(&ex, &font, Some(svg_seal(&ex)));
        eprintln!("{}: {} bytes", ex.name, pdf.len());
        assert!(pdf.len() < 200_000, "{}: {} bytes", ex.name, pdf.len());
        let path = dir.join(format!("{}.pdf", ex.name));
        std::fs::write(&path, &pdf).unwrap();
        let record = ex.signed.record();

        if let Some(qpdf) = tool("qpdf") {
            let out = run(&qpdf, &["--check".as_ref(), path.as_os_str()]);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("No syntax or stream encoding errors"),
                "{text}"
            );
        }

        if let Some(pdftotext) = tool("pdftotext") {
            let out = run(
                &pdftotext,
                &[
                    "-enc".as_ref(),
                    "UTF-8".as_ref(),
                    path.as_os_str(),
                    "-".as_ref(),
                ],
            );
            let text = String::from_utf8(out.stdout).unwrap();
            // Letter-spaced titles come out with spaces between the characters.
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(squeezed.contains(ex.ty.name()), "{}: {text}", ex.name);
            assert!(
                squeezed.contains(&record.holder_name),
                "{}: {text}",
                ex.name
            );
            assert!(text.contains(&record.identifier.to_string()), "{text}");
            assert!(squeezed.contains("2024年03月15日"), "{text}");
        }

        if let (Some(pdftoppm), Some(zbarimg)) = (tool("pdftoppm"), tool("zbarimg")) {
            let prefix = dir.join(ex.name);
            run(
                &pdftoppm,
                &[
                    "-r".as_ref(),
                    "150".as_ref(),
                    "-png".as_ref(),
                    "-singlefile".as_ref(),
                    path.as_os_str(),
                    prefix.as_os_str(),
                ],
            );
            let png = prefix.with_extension("png");
            let out = run(
                &zbarimg,
                &[
                    "--raw".as_ref(),
                    "-q".as_ref(),
                    "-Sbinary".as_ref(),
                    "-Sdisable".as_ref(),
                    "-Sqrcode.enable".as_ref(),
                    png.as_os_str(),
                ],
            );
            let read = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                read.strip_suffix('\n').unwrap_or(&read),
                ex.qr_text,
                "{}: QR read off the page",
                ex.name
            );
        }

        if let Some(pdfdetach) = tool("pdfdetach") {
            let out = run(&pdfdetach, &["-list".as_ref(), path.as_os_str()]);
            let list = String::from_utf8_lossy(&out.stdout);
            assert!(list.contains("1 embedded files"), "{list}");
            assert!(list.contains("licence.zkl"), "{list}");
            let saved = dir.join(format!("{}.zkl", ex.name));
            run(
                &pdfdetach,
                &[
                    "-save".as_ref(),
                    "1".as_ref(),
                    "-o".as_ref(),
                    saved.as_os_str(),
                    path.as_os_str(),
                ],
            );
            assert_eq!(std::fs::read(&saved).unwrap(), ex.signed.to_bytes());
        }
    }
}

#[test]
fn structure_placeholders_and_determinism() {
    let Some(font) = system_font() else { return };
    for ex in examples() {
        let issuer = ex.signed.record().issuer_name.clone();
        let mut input = RenderInput {
            licence: &ex.signed,
            licence_type: &ex.ty,
            layout: &ex.layout,
            font: &font,
            qr_text: &ex.qr_text,
            seal: Some(svg_seal(&ex)),
            issuer_name: &issuer,
            signature: signature_fields(6000),
        };
        let a = render(&input).unwrap();
        let b = render(&input).unwrap();
        assert_eq!(a, b, "{}: same input, same bytes", ex.name);

        let br = &a.bytes[a.byte_range_at.clone()];
        assert_eq!(br.first(), Some(&b'['));
        assert_eq!(br.last(), Some(&b']'));
        assert!(br.len() >= 2 + 4 * 10 + 3, "room for four 10-digit numbers");
        assert!(
            br.starts_with(b"[0 0 0 0 "),
            "{}",
            String::from_utf8_lossy(br)
        );
        assert!(a.bytes[..a.byte_range_at.start].ends_with(b"/ByteRange "));
        let contents = &a.bytes[a.contents_at.clone()];
        assert_eq!(contents.len(), 2 * 6000 + 2);
        assert_eq!((contents[0], contents[contents.len() - 1]), (b'<', b'>'));
        assert!(contents[1..contents.len() - 1].iter().all(|&c| c == b'0'));
        assert!(a.bytes[..a.contents_at.start].ends_with(b"/Contents "));

        let text = String::from_utf8_lossy(&a.bytes);
        for needle in [
            "/Type /Sig",
            "/Filter /Adobe.PPKLite",
            "/SubFilter /ETSI.CAdES.detached",
            "/M (D:20240315093000+00'00')",
            "/SigFlags 3",
            "/FT /Sig",
            "/AFRelationship /Source",
            "/Subtype /application#2Fcbor",
            "/EmbeddedFiles",
            "/AF [",
            "/ToUnicode",
            "/Encoding /Identity-H",
            "xref\n0 ",
        ] {
            assert!(text.contains(needle), "{}: no {needle}", ex.name);
        }
        assert!(!text.contains("/ObjStm") && !text.contains("/XRef"));
        // The record is there verbatim (no filter on its stream).
        let record = ex.signed.to_bytes();
        assert!(
            a.bytes
                .windows(record.len())
                .any(|w| w == record.as_slice())
        );

        // Another signing time is another document.
        input.signature.signing_time = datetime!(2024-03-15 09:30:01 UTC);
        assert_ne!(render(&input).unwrap().bytes, a.bytes);
    }
}

/// A 2×2 red PNG with alpha.
fn red_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 64, 64);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let mut px = Vec::new();
        for y in 0..64i32 {
            for x in 0..64i32 {
                let d = (x - 32).pow(2) + (y - 32).pow(2);
                let ring = (26 * 26..=30 * 30).contains(&d);
                px.extend_from_slice(&[230, 0, 18, if ring { 255 } else { 0 }]);
            }
        }
        w.write_image_data(&px).unwrap();
    }
    out
}

#[test]
fn png_seal_and_no_seal() {
    let Some(font) = system_font() else { return };
    let ex = examples().remove(1);
    let png = red_png();
    let with_png = render_example(
        &ex,
        &font,
        Some(SealPicture {
            format: PictureFormat::Png,
            bytes: &png,
        }),
    );
    let text = String::from_utf8_lossy(&with_png);
    assert!(text.contains("/SMask") && text.contains("/Subtype /Image"));
    let without = render_example(&ex, &font, None);
    assert!(!String::from_utf8_lossy(&without).contains("/Subtype /Image"));
    if let Some(qpdf) = tool("qpdf") {
        let dir = tempfile::tempdir().unwrap();
        for (name, pdf) in [("png", &with_png), ("none", &without)] {
            let path = dir.path().join(format!("{name}.pdf"));
            std::fs::write(&path, pdf).unwrap();
            run(&qpdf, &["--check".as_ref(), path.as_os_str()]);
        }
    }
    // A picture that is not a PNG is refused, not drawn.
    let e = render(&RenderInput {
        licence: &ex.signed,
        licence_type: &ex.ty,
        layout: &ex.layout,
        font: &font,
        qr_text: &ex.qr_text,
        seal: Some(SealPicture {
            format: PictureFormat::Png,
            bytes: b"\x89PNG\r\n\x1a\nbroken",
        }),
        issuer_name: "x",
        signature: signature_fields(100),
    })
    .unwrap_err();
    assert!(matches!(e, RenderError::Seal(_)), "{e}");
}

#[test]
fn clear_errors() {
    let e = font::load(Some(Path::new("/no/such/dir/NotoSerifCJK.ttc"))).unwrap_err();
    assert!(matches!(e, FontError::Io { .. }));
    assert!(
        e.to_string().contains("/no/such/dir/NotoSerifCJK.ttc"),
        "{e}"
    );
    // A file that is not a font.
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.ttf");
    std::fs::write(&bogus, b"hello").unwrap();
    let e = font::load(Some(&bogus)).unwrap_err();
    assert!(e.to_string().contains("not an OpenType font"), "{e}");

    let Some(font) = system_font() else { return };
    let mut exs = examples();
    let ex = exs.remove(0);
    let other = exs.remove(0);
    let issuer = ex.signed.record().issuer_name.clone();
    let base = RenderInput {
        licence: &ex.signed,
        licence_type: &ex.ty,
        layout: &ex.layout,
        font: &font,
        qr_text: &ex.qr_text,
        seal: None,
        issuer_name: &issuer,
        signature: signature_fields(100),
    };
    // The wrong type for the licence.
    let e = render(&RenderInput {
        licence_type: &other.ty,
        ..base
    })
    .unwrap_err();
    assert!(matches!(e, RenderError::TypeMismatch { .. }), "{e}");
    // A layout naming a field the type lacks.
    let bad = Layout::from_toml_str(
        &std::fs::read_to_string(repo().join("templates/business-licence/layout.toml"))
            .unwrap()
            .replace("item = \"entity_type\"", "item = \"no_such_field\""),
    )
    .unwrap();
    let e = render(&RenderInput {
        layout: &bad,
        ..base
    })
    .unwrap_err();
    assert!(e.to_string().contains("no_such_field"), "{e}");
    // Lowercase is not QR alphanumeric.
    let e = render(&RenderInput {
        qr_text: "https://lower.case",
        ..base
    })
    .unwrap_err();
    assert!(matches!(e, RenderError::Qr(_)), "{e}");
    // A character the font lacks (a private-use code point) is named.
    let mut record = ex.signed.record().clone();
    record
        .face
        .insert("legal_representative".into(), "张\u{e000}".into());
    let signed = SignedLicence::sign(record, &key("dept-xihu-samr-sm2.key")).unwrap();
    let e = render(&RenderInput {
        licence: &signed,
        ..base
    })
    .unwrap_err();
    assert!(
        matches!(e, RenderError::MissingGlyph { ch: '\u{e000}', .. }),
        "{e}"
    );
}

#[test]
fn long_scope_shrinks_then_is_cut_with_an_ellipsis() {
    let Some(font) = system_font() else { return };
    let ex = examples().remove(0);
    let signer = key("dept-xihu-samr-sm2.key");
    let (_keep, dir) = out_dir();
    for (chars, cut) in [(200, false), (4000, true)] {
        let mut record = ex.signed.record().clone();
        let scope: String = "技术服务、软件开发；".chars().cycle().take(chars).collect();
        record.face.insert("business_scope".into(), scope);
        let signed = SignedLicence::sign(record, &signer).unwrap();
        let pdf = render(&RenderInput {
            licence: &signed,
            licence_type: &ex.ty,
            layout: &ex.layout,
            font: &font,
            qr_text: &ex.qr_text,
            seal: Some(svg_seal(&ex)),
            issuer_name: "杭州市西湖区市场监督管理局",
            signature: signature_fields(100),
        })
        .unwrap();
        let path = dir.join(format!("scope-{chars}.pdf"));
        std::fs::write(&path, &pdf.bytes).unwrap();
        if let Some(pdftotext) = tool("pdftotext") {
            let out = run(
                &pdftotext,
                &[
                    "-enc".as_ref(),
                    "UTF-8".as_ref(),
                    path.as_os_str(),
                    "-".as_ref(),
                ],
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert_eq!(text.contains('…'), cut, "{chars}: {text}");
        }
    }
}
