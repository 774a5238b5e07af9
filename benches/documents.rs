//! Licence documents and QR verification, in process.
//!
//! What is measured:
//!
//! - **render+sign**: one sealed licence PDF, end to end, as the server makes it
//!   ([`zhengku_pdf::document::sealed_licence_pdf`]): the page laid out in the subset CJK
//!   font with the QR code and the seal impression, the GB/T 38540 `SES_Signature` over the
//!   ByteRange, and the PAdES B-B CMS signature, both with the development seal keys (file
//!   key store). Per licence type: p50, p99 and mean latency on one thread, then PDFs per
//!   second with one thread per core (2 here).
//! - **OFD render+seal**: the same licences as sealed OFDs
//!   ([`zhengku_ofd::document::sealed_licence_ofd`]): the same display list written as OFD
//!   pages, a font subset with a Unicode cmap, the QR image, the metadata, and the GB/T
//!   38540 seal signature over `Signature.xml`. SM2 types only (no P-256 OFD profile);
//!   the PDF and OFD rates of those types are measured side by side, interleaved, best of
//!   five rounds. Goal: the OFD at least as fast as the PDF.
//! - **PNG copy paint+seal**: an annotated copy as a picture
//!   ([`zhengku_png::copy::annotated_png_copy`]): the same display list painted at 120 dpi
//!   (tiny-skia) with both impressions and the watermark, PNG-encoded, and sealed (GB/T
//!   38540 over every byte). SM2 types; p50, p99 and mean, judged valid by the engine first.
//! - **QR verification**: the raw signature verification of a message the size of a QR
//!   payload's COSE Sig_structure (`PublicKey::verify`) against the whole engine's
//!   [`zhengku_verify::qr::verify_qr`] on the URL form: base45, zlib, COSE and claims
//!   decoding, key lookup, the signature, the department certificate's chain to the
//!   development root (at issue time and now), validity and live status — with a
//!   [`zhengku_verify::Memo`] as the server keeps one, and without (everything afresh).
//!   Target: with the memo, at least 90% of the raw rate. Five interleaved rounds, the best
//!   of each kept.
//!
//! `POST /v1/verify` over HTTP is in `benches/load.rs` (scenario `verify`).
//!
//! ```sh
//! cargo bench -p zhengku --bench documents       # measure (optimised, ~1 min)
//! cargo test  -p zhengku --bench documents       # smoke run: a few iterations, asserts only
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use zhengku_crypto::{PrivateKey, Signer};
use zhengku_model::SealStatus;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{IssueRequest, Timestamp};
use zhengku_model::{LicenceStatus, LicenceType, SignedLicence, testing};
use zhengku_ofd::document::sealed_licence_ofd;
use zhengku_pdf::document::{LicenceDocument, sealed_licence_pdf};
use zhengku_pdf::font::CjkFont;
use zhengku_pdf::layout::Layout;
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{SealSpec, make_seal};
use zhengku_seal::{Seal, SealTime};
use zhengku_verify::{
    Context, Departments, LicenceLive, LiveLists, Memo, RecordDigests, Revocation, SealLive, Trust,
    Verdict,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn der(rel: &str) -> Vec<u8> {
    pem_rfc7468::decode_vec(&read(rel)).unwrap().1
}

fn key(label: &str) -> PrivateKey {
    PrivateKey::from_pem(&String::from_utf8(read(&format!("keys-dev/keys/{label}.key"))).unwrap())
        .unwrap()
}

fn seal_time(t: OffsetDateTime) -> SealTime {
    SealTime::from_unix_seconds(t.unix_timestamp()).unwrap()
}

/// One licence type, ready to be made into PDFs.
struct Case {
    name: &'static str,
    licence: SignedLicence,
    licence_type: LicenceType,
    layout: Layout,
    qr_text: String,
    seal: Seal,
    holder: PrivateKey,
    chain: Vec<Vec<u8>>,
    issuer_certificate: Vec<u8>,
    signing_time: OffsetDateTime,
}

/// The three shipped types, issued a minute ago (the development certificates are young),
/// each by its development department, sealed as `zhengku serve --dev` seals them: the
/// market regulator with its SM2 seal key, the health department (P-256) with its own key.
fn cases() -> Vec<Case> {
    let now = OffsetDateTime::now_utc() - Duration::from_secs(60);
    let issued =
        Timestamp::from_unix_seconds(u64::try_from(now.unix_timestamp()).unwrap()).unwrap();
    let maker = key("seal-maker-sm2");
    let maker_cert = der("keys-dev/seal-maker-sm2.crt");
    [
        (
            "business-licence",
            "dept-xihu-samr-sm2",
            "seal-xihu-samr-sm2",
            "sm2",
        ),
        (
            "food-business-permit",
            "dept-xihu-samr-sm2",
            "seal-xihu-samr-sm2",
            "sm2",
        ),
        (
            "senior-citizen-card",
            "dept-xihu-health-p256",
            "seal-xihu-health-p256",
            "p256",
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (name, dept, holder_label, alg))| {
        let dir = format!("templates/{name}");
        let licence_type = LicenceType::from_toml_str(
            &String::from_utf8(read(&format!("{dir}/type.toml"))).unwrap(),
        )
        .unwrap();
        let layout =
            Layout::from_toml_str(&String::from_utf8(read(&format!("{dir}/layout.toml"))).unwrap())
                .unwrap();
        let req: IssueRequest =
            serde_json::from_slice(&read(&format!("{dir}/example-request.json"))).unwrap();
        let issuer = if name == "senior-citizen-card" {
            testing::sample_card_issuer()
        } else {
            testing::sample_issuer()
        };
        let id = LicenceId::generate(
            licence_type.code(),
            &issuer.code,
            2026,
            u32::try_from(i + 1).unwrap(),
            1,
        )
        .unwrap();
        let record = licence_type
            .build_record(&req, &issuer, id, issued)
            .unwrap();
        let dept_key = key(dept);
        let licence = SignedLicence::sign(record, &dept_key).unwrap();
        let payload = zhengku_qr::make_payload(&licence, &dept_key).unwrap();
        let qr_text = zhengku_qr::payload_url("http://127.0.0.1:8080", &payload).unwrap();
        let holder_cert = der(&format!("keys-dev/{holder_label}.crt"));
        let svg = round_seal_svg(&licence.record().issuer_name, "证照专用章", 42).unwrap();
        let seal = make_seal(
            SealSpec {
                es_id: format!("33010601{:08}", i + 1),
                seal_type: 1,
                name: format!("{}证照专用章", licence.record().issuer_name),
                holder_certs: vec![holder_cert.clone()],
                picture_format: PictureFormat::Svg,
                picture: svg.into_bytes(),
                width_mm: 42,
                height_mm: 42,
                created: seal_time(now - Duration::from_secs(3600)),
                valid_start: seal_time(now - Duration::from_secs(3600)),
                valid_end: seal_time(now + Duration::from_secs(86_400 * 365)),
                extensions: Vec::new(),
            },
            &maker_cert,
            &maker,
        )
        .unwrap();
        Case {
            name,
            licence,
            licence_type,
            layout,
            qr_text,
            seal,
            holder: key(holder_label),
            chain: vec![holder_cert, der(&format!("keys-dev/pki/{alg}/issuing.crt"))],
            issuer_certificate: der(&format!("keys-dev/{dept}.crt")),
            signing_time: now,
        }
    })
    .collect()
}

fn make(case: &Case, font: &CjkFont) -> Vec<u8> {
    sealed_licence_pdf(&document(case, font)).unwrap()
}

fn make_ofd(case: &Case, font: &CjkFont) -> Vec<u8> {
    sealed_licence_ofd(&document(case, font)).unwrap()
}

fn make_png(case: &Case, font: &CjkFont) -> Vec<u8> {
    let until = OffsetDateTime::now_utc().date() + time::Duration::days(30);
    let fields = zhengku_pdf::face::CopyFields {
        made_at: "2026-12-05 09:30:00".into(),
        made_by: "浙江省大数据发展管理局（为杭州市西湖区卫生健康局）".into(),
        cause: "核验经营主体资格".into(),
        matter: "食品经营许可证核发".into(),
        valid_until: until,
    };
    // The case's own seal stands in for the library's: the work is the same.
    zhengku_png::copy::annotated_png_copy(&zhengku_png::copy::PngCopyRequest {
        original: &document(case, font),
        fields: &fields,
        seal: &case.seal,
        signer: &case.holder,
        holder_cert: &case.chain[0],
        made_at: OffsetDateTime::now_utc(),
        dpi: zhengku_png::copy::DEFAULT_DPI,
    })
    .unwrap()
}

fn document<'a>(case: &'a Case, font: &'a CjkFont) -> LicenceDocument<'a> {
    LicenceDocument {
        licence: &case.licence,
        licence_type: &case.licence_type,
        layout: &case.layout,
        font,
        qr_text: &case.qr_text,
        seal: &case.seal,
        signer: &case.holder,
        chain: &case.chain,
        signing_time: case.signing_time,
        issuer_certificate: Some(&case.issuer_certificate),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Trust material and department certificates from keys-dev.
struct TrustSet {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    signers: Vec<Vec<u8>>,
}

impl TrustSet {
    fn dev() -> TrustSet {
        let crl = |name: &str| {
            let bytes = read(&format!("keys-dev/pki/{name}.crl"));
            match pem_rfc7468::decode_vec(&bytes) {
                Ok((_, d)) => d,
                Err(_) => bytes,
            }
        };
        TrustSet {
            anchors: vec![
                der("keys-dev/pki/sm2/root.crt"),
                der("keys-dev/pki/p256/root.crt"),
            ],
            intermediates: vec![
                der("keys-dev/pki/sm2/issuing.crt"),
                der("keys-dev/pki/p256/issuing.crt"),
            ],
            crls: ["sm2/root", "sm2/issuing", "p256/root", "p256/issuing"]
                .into_iter()
                .map(crl)
                .collect(),
            signers: vec![
                der("keys-dev/dept-xihu-samr-sm2.crt"),
                der("keys-dev/dept-xihu-health-p256.crt"),
            ],
        }
    }

    fn trust(&self) -> Trust<'_> {
        Trust {
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            revocation: Revocation::Required,
        }
    }
}

/// For each case: one document made and judged valid by `check` before anything is timed,
/// then `iterations` more timed; prints p50, p99, mean and the size.
fn latency_table(
    cases: &[&Case],
    iterations: u32,
    make: &mut dyn FnMut(&Case) -> Vec<u8>,
    check: &dyn Fn(&[u8], &Case),
) {
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>8}",
        "type", "p50", "p99", "mean", "KB"
    );
    for case in cases {
        let doc = make(case);
        check(&doc, case);
        let mut times: Vec<Duration> = (0..iterations)
            .map(|_| {
                let t = Instant::now();
                black_box(make(case));
                t.elapsed()
            })
            .collect();
        times.sort();
        let mean = times.iter().sum::<Duration>() / iterations.max(1);
        println!(
            "{:<22} {:>9} {:>9} {:>9} {:>8.1}",
            case.name,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(mean),
            doc.len() as f64 / 1024.0
        );
    }
}

/// Operations per second of `f`, run for `dur` (at least once).
fn rate(dur: Duration, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while n == 0 || start.elapsed() < dur {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (iterations, window) = if measuring {
        (300, Duration::from_secs(5))
    } else {
        (2, Duration::from_millis(50))
    };
    let font = zhengku_pdf::font::load(None).expect("a CJK font (fonts-noto-cjk)");
    let cases = cases();
    let trust = TrustSet::dev();
    // What the issuing library knows: each licence valid, with its stored record, and
    // each seal active, as made.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut statuses = LiveLists {
        max_age: zhengku_verify::DEFAULT_MAX_STATUS_AGE,
        ..LiveLists::default()
    };
    for c in &cases {
        statuses.licences.insert(
            c.licence.record().identifier.to_string(),
            LicenceLive {
                status: LicenceStatus::Valid,
                reason: None,
                as_of: now,
                source: "bench".into(),
                record: Some(RecordDigests::of(&c.licence.to_bytes())),
                good_until: None,
            },
        );
        let esl = c.seal.to_der().unwrap();
        statuses.seals.insert(
            c.seal.seal_info.es_id.clone(),
            SealLive {
                status: SealStatus::Active,
                valid_start: now - 86_400,
                valid_end: now + 86_400,
                changed_at: None,
                key_compromise: false,
                reason: None,
                as_of: now,
                source: "bench".into(),
                fingerprint: Some(zhengku_verify::seal::seal_fingerprint(&esl).unwrap()),
                attested_at: None,
                good_until: None,
            },
        );
    }
    let departments = Departments::new(trust.signers.iter().map(Vec::as_slice));
    let memo = Memo::new(trust.trust());
    fn ctx<'a>(
        trust: &'a TrustSet,
        departments: &'a Departments,
        memo: Option<&'a Memo>,
    ) -> Context<'a> {
        Context {
            at: OffsetDateTime::now_utc(),
            trust: trust.trust(),
            departments,
            memo,
        }
    }

    println!("render+sign (one thread; {iterations} PDFs per type)");
    let all: Vec<&Case> = cases.iter().collect();
    latency_table(&all, iterations, &mut |c| make(c, &font), &|doc, c| {
        let r = zhengku_verify::verify_input(doc, &ctx(&trust, &departments, None), &statuses);
        assert_eq!(r.verdict, Verdict::Valid, "{}: {r:?}", c.name);
    });
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let start = Instant::now();
    let made: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (cases, font) = (&cases, &font);
                s.spawn(move || {
                    let mut n = 0u64;
                    while n == 0 || start.elapsed() < window {
                        black_box(make(&cases[(t + n as usize) % cases.len()], font));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!(
        "PDFs/s, {threads} threads, types in turn: {:.0}",
        made as f64 / start.elapsed().as_secs_f64()
    );

    println!("\nOFD render+seal (one thread; {iterations} OFDs per SM2 type)");
    let sm2: Vec<&Case> = cases
        .iter()
        .filter(|c| c.holder.public_key().algorithm() == zhengku_crypto::Algorithm::Sm2Sm3)
        .collect();
    latency_table(&sm2, iterations, &mut |c| make_ofd(c, &font), &|doc, c| {
        let r = zhengku_verify::verify_input(doc, &ctx(&trust, &departments, None), &statuses);
        assert_eq!(r.verdict, Verdict::Valid, "{}: {r:?}", c.name);
    });
    // Side by side on the SM2 types, interleaved, best of five rounds each.
    let (mut pdf_rate, mut ofd_rate) = (0f64, 0f64);
    let mut turn = 0usize;
    for _ in 0..5 {
        let round = window / 5;
        pdf_rate = pdf_rate.max(rate(round, || {
            turn += 1;
            black_box(make(sm2[turn % sm2.len()], &font));
        }));
        ofd_rate = ofd_rate.max(rate(round, || {
            turn += 1;
            black_box(make_ofd(sm2[turn % sm2.len()], &font));
        }));
    }
    println!(
        "SM2 types, one thread: PDF {pdf_rate:.0}/s, OFD {ofd_rate:.0}/s (OFD/PDF {:.2})",
        ofd_rate / pdf_rate
    );

    let pictures = (iterations / 3).max(1);
    println!("\nPNG copy paint+seal (one thread; {pictures} pictures per SM2 type)");
    latency_table(&sm2, pictures, &mut |c| make_png(c, &font), &|doc, c| {
        let r = zhengku_verify::verify_input(doc, &ctx(&trust, &departments, None), &statuses);
        assert_eq!(r.verdict, Verdict::Valid, "{}: {r:?}", c.name);
    });

    println!("\nQR verification (one thread)");
    println!(
        "{:<22} {:>10} {:>12} {:>12} {:>7}",
        "type", "raw/s", "engine+memo", "engine", "memo %"
    );
    for case in &cases {
        let verify_once = |memo: Option<&Memo>| {
            let r = zhengku_verify::verify_input(
                case.qr_text.as_bytes(),
                &ctx(&trust, &departments, memo),
                &statuses,
            );
            assert_eq!(r.verdict, Verdict::Valid, "{}: {r:?}", case.name);
        };
        verify_once(Some(&memo));
        // The raw rate: one signature over a message of the Sig_structure's size.
        let dept = if case.name == "senior-citizen-card" {
            key("dept-xihu-health-p256")
        } else {
            key("dept-xihu-samr-sm2")
        };
        let msg = vec![0x5a; 200];
        let sig = dept.sign(&msg).unwrap();
        let public = dept.public_key().clone();
        // Interleaved rounds, best of each: the machine's other load (it is shared) falls on
        // all three alike instead of on whichever ran when it came.
        let (mut raw, mut with_memo, mut without) = (0f64, 0f64, 0f64);
        for _ in 0..5 {
            let round = window / 5;
            raw = raw.max(rate(round, || {
                public.verify(black_box(&msg), &sig).unwrap()
            }));
            with_memo = with_memo.max(rate(round, || verify_once(Some(&memo))));
            without = without.max(rate(round, || verify_once(None)));
        }
        println!(
            "{:<22} {:>10.0} {:>12.0} {:>12.0} {:>6.0}%",
            case.name,
            raw,
            with_memo,
            without,
            100.0 * with_memo / raw
        );
    }
}
