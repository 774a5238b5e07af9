//! zhengku seals an OFD (zhengku_ofd::sign, with the development seal of 杭州市西湖区市场监督
//! 管理局) and the engine judges it with the development anchors: every check passes and,
//! with the seal active in the library's records, the verdict is 有效; a second seal over
//! the first keeps both good; a changed byte of the page is 无效; and the OpenSSL CLI agrees
//! with the digests and the signature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_ofd::sign::{Stamp, seal};
use zhengku_ofd::{Limits, Ofd, Package};
use zhengku_seal::SealTime;
use zhengku_seal::make::{StampInput, make_seal, stamp};
use zhengku_testkit::keys_dev::{der as cert, key, pki};
use zhengku_testkit::tools::have;
use zhengku_verify::{
    Context, Departments, LiveLists, Outcome, SealLive, Trust, Verdict, verify_input,
};

#[path = "common/openssl_ofd.rs"]
mod openssl_ofd;
#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

const ESID: &str = "3301060100000001";

fn helloworld() -> Package {
    let bytes = zhengku_testkit::ofd_fixture("helloworld.ofd");
    Ofd::read(&bytes, &Limits::default())
        .unwrap()
        .package()
        .clone()
}

/// `package` sealed once more with the development seal.
fn sealed(package: &Package, seal_der: &[u8], s: &zhengku_seal::Seal) -> Package {
    let holder = key("seal-xihu-samr-sm2");
    let holder_cert = cert("seal-xihu-samr-sm2.crt");
    let now = OffsetDateTime::now_utc();
    seal(
        package,
        &Stamp {
            seal: seal_der,
            page_ref: "1",
            boundary: "150 230 42 42",
            date_time: "2026-12-04 10:08:09",
            provider: "zhengku",
            reserved: &[],
        },
        |xml, path| {
            stamp(
                s,
                &holder_cert,
                StampInput {
                    time: SealTime::from_unix_seconds(now.unix_timestamp() - 60).unwrap(),
                    data_hash: zhengku_crypto::sm3(xml),
                    property_info: path.to_owned(),
                },
                &holder,
            )
            .and_then(|sig| sig.to_der().map_err(Into::into))
        },
    )
    .unwrap()
}

#[test]
fn zhengku_seals_an_ofd_and_the_engine_and_openssl_agree() {
    let maker = key("seal-maker-sm2");
    let now = OffsetDateTime::now_utc();
    let spec = support::xihu_seal_spec(
        ESID,
        vec![cert("seal-xihu-samr-sm2.crt")],
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    );
    let the_seal = make_seal(spec, &cert("seal-maker-sm2.crt"), &maker).unwrap();
    let seal_der = the_seal.to_der().unwrap();
    let once = sealed(&helloworld(), &seal_der, &the_seal);
    let twice = sealed(&once, &seal_der, &the_seal);

    let p = pki("sm2");
    let trust = Trust {
        anchors: &p.anchors,
        intermediates: &p.intermediates,
        crls: &p.crls,
        revocation: zhengku_verify::Revocation::Required,
    };
    let departments = Departments::default();
    let ctx = Context {
        at: now,
        trust,
        departments: &departments,
        memo: None,
    };
    let mut library = LiveLists {
        max_age: 3600,
        complete: Some("test library".into()),
        ..LiveLists::default()
    };
    library.seals.insert(
        ESID.into(),
        SealLive {
            status: zhengku_model::SealStatus::Active,
            valid_start: now.unix_timestamp() - 86_400,
            valid_end: now.unix_timestamp() + 365 * 86_400,
            changed_at: None,
            key_compromise: false,
            reason: None,
            as_of: now.unix_timestamp(),
            source: "test library".into(),
            fingerprint: Some(zhengku_verify::seal::seal_fingerprint(&seal_der).unwrap()),
            attested_at: None,
            good_until: None,
        },
    );
    for (what, package, signatures) in [("once", &once, 1), ("twice", &twice, 2)] {
        let bytes = package.to_zip();
        let r = verify_input(&bytes, &ctx, &library);
        assert_eq!(r.verdict, Verdict::Valid, "{what}\n{}", r.report);
        for c in &r.report.checks {
            assert!(
                matches!(c.outcome, Outcome::Passed(_)),
                "{what}: {}\n{}",
                c.id,
                r.report
            );
        }
        let ofd = Ofd::read(&bytes, &Limits::default()).unwrap();
        assert_eq!(ofd.signatures.len(), signatures);
        // The signed form: absolute paths, SM3 by OID, the seal beside the signature.
        let s = ofd.signatures.last().unwrap().as_ref().unwrap();
        assert_eq!(s.check_method_text, "1.2.156.10197.1.401");
        assert!(s.seal.is_some());
        if have("openssl") {
            openssl_ofd::openssl_agrees(&ofd, s);
        }
    }
    // The page changed after sealing: 无效.
    let mut changed = twice.clone();
    let page = "Doc_0/Pages/Page_0/Content.xml";
    let mut content = changed.file(page).unwrap().to_vec();
    content[20] ^= 1;
    assert!(changed.insert(page, content));
    let r = verify_input(&changed.to_zip(), &ctx, &library);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // Without the library's word on the seal: 无法核验, never 有效.
    let r = verify_input(&once.to_zip(), &ctx, &zhengku_verify::NoLive);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
}
