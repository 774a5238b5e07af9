//! Test fixtures shared by zhengku-pdf's and zhengku-verify's PDF tests (the latter include
//! this file by path): the development keys and PKI (keys-dev/), a seal and a stamp closure
//! for the SES_Signature, a signed sample licence record, and a minimal one-page PDF built by
//! hand with the signature placeholders and the embedded `licence.zkl` exactly as the
//! renderer writes them.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::type_complexity,
    missing_docs
)]

use std::path::PathBuf;

use time::OffsetDateTime;
use zhengku_crypto::PrivateKey;
use zhengku_pdf::PreparedPdf;
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{SealSpec, StampInput, make_seal, stamp};
use zhengku_seal::{Seal, SealTime};

/// A PEM file under keys-dev/ as DER; a key of the development file key store.
pub use zhengku_testkit::keys_dev::{der, key};
/// A tool on PATH, or `None` (after a note) when missing outside CI; under `CI=true` a
/// missing tool fails the test.
#[allow(unused_imports)] // not every includer calls a tool
pub use zhengku_testkit::tools::tool;

pub fn repo() -> PathBuf {
    zhengku_testkit::repo_root()
}

pub fn keys_dev() -> PathBuf {
    zhengku_testkit::keys_dev::dir()
}

/// The seal holder's chain for `alg` ("sm2" / "p256"): holder, issuing CA.
pub fn seal_chain(alg: &str) -> Vec<Vec<u8>> {
    vec![
        der(&format!("seal-xihu-samr-{alg}.crt")),
        der(&format!("pki/{alg}/issuing.crt")),
    ]
}

pub fn seal_key(alg: &str) -> PrivateKey {
    key(&format!("seal-xihu-samr-{alg}"))
}

pub fn root(alg: &str) -> Vec<u8> {
    der(&format!("pki/{alg}/root.crt"))
}

pub fn pem_path(name: &str) -> PathBuf {
    keys_dev().join(name)
}

pub fn seal_time(t: OffsetDateTime) -> SealTime {
    SealTime::from_unix_seconds(t.unix_timestamp()).unwrap()
}

/// The department's seal (杭州市西湖区市场监督管理局证照专用章), made by the development seal
/// maker for `alg`, valid from a day ago for a year.
pub fn seal(alg: &str) -> Seal {
    let maker = key(&format!("seal-maker-{alg}"));
    let t = OffsetDateTime::now_utc();
    let spec = xihu_seal_spec(
        "3301060100000001",
        vec![der(&format!("seal-xihu-samr-{alg}.crt"))],
        t - time::Duration::days(1),
        t + time::Duration::days(365),
    );
    make_seal(spec, &der(&format!("seal-maker-{alg}.crt")), &maker).unwrap()
}

/// The library operator's copy seal (浙江省大数据发展管理局电子证照加注专用章, esID
/// 3300000000000001) for `alg`, made once per test process so its fingerprint stays the
/// same.
pub fn library_seal(alg: &str) -> Seal {
    static SM2: std::sync::OnceLock<Seal> = std::sync::OnceLock::new();
    static P256: std::sync::OnceLock<Seal> = std::sync::OnceLock::new();
    let cell = if alg == "sm2" { &SM2 } else { &P256 };
    cell.get_or_init(|| {
        let t = OffsetDateTime::now_utc();
        let mut spec = xihu_seal_spec(
            "3300000000000001",
            vec![der(&format!("seal-library-{alg}.crt"))],
            t - time::Duration::days(1),
            t + time::Duration::days(365),
        );
        spec.name = "浙江省大数据发展管理局电子证照加注专用章".into();
        make_seal(
            spec,
            &der(&format!("seal-maker-{alg}.crt")),
            &key(&format!("seal-maker-{alg}")),
        )
        .unwrap()
    })
    .clone()
}

/// Runs a pyHanko judge `script` over `pdf` with the development PKI of `alg`: argv is the
/// PDF, the root, the issuing CA and both CRLs. Returns what it printed.
pub fn run_pyhanko(script: &str, pdf: &[u8], alg: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("judge.py");
    std::fs::write(&script_path, script).unwrap();
    let pdf_path = dir.path().join("signed.pdf");
    std::fs::write(&pdf_path, pdf).unwrap();
    let out = std::process::Command::new("python3")
        .arg(&script_path)
        .arg(&pdf_path)
        .arg(pem_path(&format!("pki/{alg}/root.crt")))
        .arg(pem_path(&format!("pki/{alg}/issuing.crt")))
        .arg(pem_path(&format!("pki/{alg}/issuing.crl")))
        .arg(pem_path(&format!("pki/{alg}/root.crl")))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("pyHanko ({alg}):\n{text}");
    text
}

/// What the department's development seal says (杭州市西湖区市场监督管理局证照专用章, the
/// drawn red round picture, 42 mm), for the holders `holder_certs`, made at `start` and valid
/// from then until `end`: the one spec the seal tests and the seal bench make seals from.
pub fn xihu_seal_spec(
    es_id: &str,
    holder_certs: Vec<Vec<u8>>,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> SealSpec {
    let svg = round_seal_svg("杭州市西湖区市场监督管理局", "证照专用章", 42).unwrap();
    SealSpec {
        es_id: es_id.into(),
        seal_type: 1,
        name: "杭州市西湖区市场监督管理局证照专用章".into(),
        holder_certs,
        picture_format: PictureFormat::Svg,
        picture: svg.into_bytes(),
        width_mm: 42,
        height_mm: 42,
        created: seal_time(start),
        valid_start: seal_time(start),
        valid_end: seal_time(end),
        extensions: Vec::new(),
    }
}

/// The seal (DER) inside a signed PDF's seal signature: what a library that made the PDF
/// holds (a second call of [`seal`] makes another one: its times are now's).
pub fn seal_in(pdf: &[u8]) -> Vec<u8> {
    let parsed = zhengku_pdf::parse::parse_signed(pdf).unwrap();
    let sd = zhengku_pdf::cms::decode(&parsed.cms).unwrap();
    let ses = sd.signer.ses_signature().unwrap().unwrap();
    match zhengku_seal::decode_signature(&ses).unwrap() {
        zhengku_seal::DecodedSignature::V4(s) => s.to_sign.seal.to_der().unwrap(),
        zhengku_seal::DecodedSignature::V1(_) => panic!("zhengku makes v4 seals"),
    }
}

/// A stamp with `seal` over a document whose SM3 is `hash` (the SES_Signature DER).
pub fn stamp_der(seal: &Seal, alg: &str, hash: &[u8; 32]) -> Result<Vec<u8>, String> {
    let holder = seal_key(alg);
    let sig = stamp(
        seal,
        &der(&format!("seal-xihu-samr-{alg}.crt")),
        StampInput {
            time: seal_time(OffsetDateTime::now_utc() - time::Duration::minutes(1)),
            data_hash: *hash,
            property_info: "licence.pdf".into(),
        },
        &holder,
    )
    .map_err(|e| e.to_string())?;
    sig.to_der().map_err(|e| e.to_string())
}

/// The sample business licence record, issued a minute ago (the development certificates
/// are younger than the sample's issue date), signed by the department key for `alg`.
pub fn signed_record(alg: &str) -> zhengku_model::SignedLicence {
    let dept = key(&format!("dept-xihu-samr-{alg}"));
    let mut record = zhengku_model::testing::sample_record();
    let now = OffsetDateTime::now_utc().unix_timestamp() - 60;
    record.issued_at =
        zhengku_model::record::Timestamp::from_unix_seconds(u64::try_from(now).unwrap()).unwrap();
    zhengku_model::SignedLicence::sign(record, &dept).unwrap()
}

/// A PDF text string as UTF-16BE hex.
fn text(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

/// A minimal one-page PDF with an AcroForm signature field whose /V is the placeholder
/// signature dictionary, `record` embedded as `licence.zkl` (uncompressed), /Title and
/// /Subject (the identifier), a classic xref table. `contents_len` bytes of CMS room.
pub fn minimal_pdf(record: &[u8], title: &str, subject: &str, contents_len: usize) -> PreparedPdf {
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    let mut byte_range_at = 0..0;
    let mut contents_at = 0..0;
    let page = b"BT /F1 24 Tf 72 720 Td (zhengku test licence) Tj ET".to_vec();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> \
/Names << /EmbeddedFiles << /Names [(licence.zkl) 7 0 R] >> >> /AF [7 0 R] >>"
            .to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R /Annots [4 0 R] \
/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
            .to_vec(),
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /F 132 \
/P 3 0 R /V 5 0 R >>"
            .to_vec(),
        Vec::new(), // 5: the signature dictionary, written below
        [
            format!("<< /Length {} >>\nstream\n", page.len()).into_bytes(),
            page,
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<< /Type /Filespec /F (licence.zkl) /UF (licence.zkl) /AFRelationship /Source \
/Desc (signed licence record) /EF << /F 8 0 R /UF 8 0 R >> >>"
            .to_vec(),
        [
            format!(
                "<< /Type /EmbeddedFile /Subtype /application#2Fcbor /Length {} >>\nstream\n",
                record.len()
            )
            .into_bytes(),
            record.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
        format!(
            "<< /Title {} /Subject {} /Producer (zhengku test) >>",
            text(title),
            text(subject)
        )
        .into_bytes(),
    ];
    let placeholder_br = format!("[0 0 0 0{}]", " ".repeat(36));
    let sig_head =
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ";
    objects[4] = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        if i == 4 {
            out.extend_from_slice(sig_head);
            byte_range_at = out.len()..out.len() + placeholder_br.len();
            out.extend_from_slice(placeholder_br.as_bytes());
            out.extend_from_slice(b" /Contents ");
            let start = out.len();
            out.push(b'<');
            out.extend(std::iter::repeat_n(b'0', 2 * contents_len));
            out.push(b'>');
            contents_at = start..out.len();
            out.extend_from_slice(
                format!(
                    " /M (D:20260101000000+00'00') /Name {} /Reason {} /Location {} >>",
                    text("杭州市西湖区市场监督管理局证照专用章"),
                    text("电子证照签发"),
                    text("杭州市西湖区")
                )
                .as_bytes(),
            );
        } else {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 9 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>] >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    PreparedPdf {
        bytes: out,
        byte_range_at,
        contents_at,
    }
}

/// True when Python has pyHanko (fails under CI when not).
pub fn have_pyhanko() -> bool {
    zhengku_testkit::tools::have_python_module("pyhanko", "pyhanko")
}

/// The system CJK font (fonts-noto-cjk), loaded once; `None` (after a note) when missing
/// outside CI.
pub fn font() -> Option<&'static zhengku_pdf::font::CjkFont> {
    static FONT: std::sync::OnceLock<Option<zhengku_pdf::font::CjkFont>> =
        std::sync::OnceLock::new();
    FONT.get_or_init(|| match zhengku_pdf::font::load(None) {
        Ok(f) => Some(f),
        Err(e) => {
            zhengku_testkit::tools::missing("a CJK font (fonts-noto-cjk)", &e.to_string());
            None
        }
    })
    .as_ref()
}

/// The sample business licence rendered by `zhengku_pdf::render` with the seal's picture,
/// the QR code of a payload signed by the department key for `alg`, ready to sign with
/// `contents_len` bytes of room. `None` without a CJK font.
pub fn rendered(
    alg: &str,
    signed: &zhengku_model::SignedLicence,
    seal: &Seal,
    contents_len: usize,
) -> Option<PreparedPdf> {
    use zhengku_pdf::layout::Layout;
    use zhengku_pdf::render::{RenderInput, SealPicture, SignatureFields, render};
    let font = font()?;
    let dir = repo().join("templates/business-licence");
    let layout =
        Layout::from_toml_str(&std::fs::read_to_string(dir.join("layout.toml")).unwrap()).unwrap();
    let ty = zhengku_model::testing::business_licence_type();
    let dept = key(&format!("dept-xihu-samr-{alg}"));
    let payload = zhengku_qr::make_payload(signed, &dept).unwrap();
    let qr_text = zhengku_qr::payload_url("https://zhengku.example.gov.cn", &payload).unwrap();
    let input = RenderInput {
        licence: signed,
        licence_type: &ty,
        layout: &layout,
        font,
        qr_text: &qr_text,
        seal: Some(SealPicture {
            format: PictureFormat::Svg,
            bytes: &seal.seal_info.picture.data,
        }),
        issuer_name: &signed.record().issuer_name,
        signature: SignatureFields {
            name: &seal.seal_info.property.name,
            reason: "电子证照签章",
            location: "浙江省杭州市西湖区",
            signing_time: OffsetDateTime::now_utc(),
            contents_len,
        },
    };
    Some(render(&input).unwrap())
}

/// The room to reserve for `alg`'s chain and, if asked, a stamp with `seal`: the seal, the
/// holder's certificate and 300 bytes for TBS_Sign's other fields and the signature.
pub fn room(alg: &str, seal: &Seal, with_ses: bool) -> usize {
    let chain = seal_chain(alg);
    let ses = zhengku_pdf::pades::ses_len_estimate(seal.to_der().unwrap().len(), chain[0].len());
    zhengku_pdf::pades::contents_len_for(&chain, if with_ses { ses } else { 0 })
}

/// Signs `prepared` for `alg` with the seal key and chain, and `ses` as the seal
/// signature maker.
pub fn sign_with(
    alg: &str,
    prepared: PreparedPdf,
    ses: Option<&dyn Fn(&[u8; 32]) -> Result<Vec<u8>, String>>,
) -> Vec<u8> {
    let chain = seal_chain(alg);
    let key = seal_key(alg);
    let req = zhengku_pdf::pades::SignRequest {
        signer: &key,
        chain: &chain,
        ses,
    };
    let len = prepared.bytes.len();
    let out = zhengku_pdf::pades::sign(prepared, &req).unwrap();
    assert_eq!(out.len(), len, "signing must not change the file's length");
    out
}

/// Signs `prepared` for `alg` with the seal key and chain and, if `seal` is given, the
/// seal's SES_Signature.
pub fn sign_for(alg: &str, prepared: PreparedPdf, seal: Option<&Seal>) -> Vec<u8> {
    match seal {
        Some(seal) => sign_with(alg, prepared, Some(&|h: &[u8; 32]| stamp_der(seal, alg, h))),
        None => sign_with(alg, prepared, None),
    }
}

/// A hand-built PDF with the sample record, signed for `alg` with the seal key, chain and
/// (optionally) the seal's SES_Signature.
pub fn signed_minimal(alg: &str, with_ses: bool) -> Vec<u8> {
    signed_minimal_with(alg, with_ses, &signed_record(alg).to_bytes())
}

pub fn signed_minimal_with(alg: &str, with_ses: bool, record: &[u8]) -> Vec<u8> {
    let seal = seal(alg);
    let prepared = minimal_pdf(
        record,
        "营业执照",
        &sample_identifier(),
        room(alg, &seal, with_ses),
    );
    sign_for(alg, prepared, with_ses.then_some(&seal))
}

/// The sample business licence rendered by zhengku_pdf::render and signed for `alg`, with
/// the record embedded in it; `None` without a CJK font.
pub fn signed_rendered(alg: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let signed = signed_record(alg);
    let seal = seal(alg);
    let prepared = rendered(alg, &signed, &seal, room(alg, &seal, true))?;
    Some((sign_for(alg, prepared, Some(&seal)), signed.to_bytes()))
}

/// Every signed PDF to judge for `alg`: the hand-built one and the rendered one.
pub fn signed_pdfs(alg: &str) -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let record = signed_record(alg).to_bytes();
    let mut out = vec![("minimal", signed_minimal_with(alg, true, &record), record)];
    if let Some((pdf, record)) = signed_rendered(alg) {
        out.push(("rendered", pdf, record));
    }
    out
}

pub fn sample_identifier() -> String {
    zhengku_model::testing::sample_licence_id().to_string()
}

/// Object 1, a stream that inflates to 16 MiB of zeros, and object 2, an array of `specs`
/// file specifications named licence.zkl that all point at it (a PDF body, no header).
pub fn filespec_bomb(specs: usize) -> Vec<u8> {
    let zeros = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 16 << 20], 9);
    let mut bomb = format!(
        "1 0 obj\n<</Length {}/Filter/FlateDecode>>\nstream\n",
        zeros.len()
    )
    .into_bytes();
    bomb.extend_from_slice(&zeros);
    bomb.extend_from_slice(b"\nendstream\nendobj\n2 0 obj\n[");
    for _ in 0..specs {
        bomb.extend_from_slice(b"<</F(licence.zkl)/EF<</F 1 0 R>>>>");
    }
    bomb.extend_from_slice(b"]\nendobj");
    bomb
}

/// [`filespec_bomb`] as a PDF with a signature dictionary.
pub fn filespec_bomb_pdf(specs: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(&filespec_bomb(specs));
    pdf.extend_from_slice(
        b"\n3 0 obj\n<</Type/Sig/ByteRange[0 10 20 30]/Contents<3000>>>\nendobj\n%%EOF\n",
    );
    pdf
}

/// The nastiest PDFs we know how to make for the reader, each with a signature dictionary
/// so nothing stops before the hard part (none has a valid signature):
///
/// - `bomb`: 30,000 file specifications named licence.zkl, all pointing at one stream
///   that inflates to 16 MiB of zeros;
/// - `deep`: arrays nested 200,000 deep;
/// - `objects`: 40,000 tiny indirect objects (a huge cross-reference);
/// - `strings`: one literal string of 600,000 nested parentheses and escapes.
pub fn hostile_pdfs() -> Vec<(&'static str, Vec<u8>)> {
    fn pdf(body: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        out.extend_from_slice(body);
        out.extend_from_slice(
            b"\n9999 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached\
              /ByteRange[0 10 20 30]/Contents<3000>>>\nendobj\ntrailer\n<</Root 1 0 R>>\n%%EOF\n",
        );
        out
    }
    let bomb = filespec_bomb(30_000);
    let mut deep = b"1 0 obj\n".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 200_000));
    deep.extend(std::iter::repeat_n(b']', 200_000));
    deep.extend_from_slice(b"\nendobj");
    let mut objects = Vec::new();
    for i in 1..=40_000u32 {
        objects.extend_from_slice(format!("{i} 0 obj\n<</A {i}>>\nendobj\n").as_bytes());
    }
    let mut strings = b"1 0 obj\n(".to_vec();
    for _ in 0..200_000 {
        strings.extend_from_slice(b"(\\");
    }
    strings.extend_from_slice(b")\nendobj");
    vec![
        ("bomb", pdf(&bomb)),
        ("deep", pdf(&deep)),
        ("objects", pdf(&objects)),
        ("strings", pdf(&strings)),
    ]
}
