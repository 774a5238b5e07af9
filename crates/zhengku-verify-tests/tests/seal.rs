//! Seals made and stamped with the development keys (keys-dev/), then verified: every check
//! passes on the real thing, and each kind of tampering fails at the check that should
//! catch it. The stamp's SM2 signature is also checked by the openssl CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_crypto::Signer;
use zhengku_seal::make::{StampInput, make_seal, stamp};
use zhengku_seal::{
    CertList, DecodedSeal, DecodedSignature, Seal, SealTime, SesSignature, decode_seal,
    decode_signature,
};
use zhengku_verify::seal::{
    Trust, verify_decoded_seal, verify_decoded_signature, verify_seal, verify_signature,
};
use zhengku_verify::{Outcome, Report};

#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

use zhengku_testkit::keys_dev::{DevPki as Pki, der as cert, dir as keys_dev, key, pki};

/// The development PKI as the engine takes it.
trait AsTrust {
    fn trust(&self) -> Trust<'_>;
}

impl AsTrust for Pki {
    fn trust(&self) -> Trust<'_> {
        Trust {
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            revocation: zhengku_verify::Revocation::IfAvailable,
        }
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn seal_time(t: OffsetDateTime) -> SealTime {
    SealTime::from_unix_seconds(t.unix_timestamp()).unwrap()
}

const DOC: &[u8] =
    b"licence 1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240000001.001.O";

/// A seal of 杭州市西湖区市场监督管理局, made by the development seal maker, and a stamp
/// with it over DOC, for `alg` ("sm2" or "p256").
fn made(alg: &str) -> (Seal, SesSignature) {
    made_with(alg, Vec::new())
}

/// [`made`], the seal carrying `extensions` (extDatas).
fn made_with(alg: &str, extensions: Vec<zhengku_seal::Extension>) -> (Seal, SesSignature) {
    let maker = key(&format!("seal-maker-{alg}"));
    let holder = key(&format!("seal-xihu-samr-{alg}"));
    let holder_cert = cert(&format!("seal-xihu-samr-{alg}.crt"));
    let t = now();
    let mut spec = support::xihu_seal_spec(
        "3301060100000001",
        vec![holder_cert.clone()],
        t - time::Duration::days(1),
        t + time::Duration::days(365),
    );
    spec.extensions = extensions;
    let seal = make_seal(spec, &cert(&format!("seal-maker-{alg}.crt")), &maker).unwrap();
    let sig = stamp(
        &seal,
        &holder_cert,
        StampInput {
            time: seal_time(t - time::Duration::minutes(1)),
            data_hash: zhengku_crypto::sm3(DOC),
            property_info: "licence 20240000001".into(),
        },
        &holder,
    )
    .unwrap();
    (seal, sig)
}

fn outcome<'a>(r: &'a Report, id: &str) -> &'a Outcome {
    r.outcome(id).unwrap_or_else(|| panic!("no check {id}"))
}

fn failed(r: &Report) -> Vec<&'static str> {
    r.checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
        .map(|c| c.id.as_str())
        .collect()
}

#[test]
fn made_seals_verify_completely() {
    for alg in ["sm2", "p256"] {
        let (seal, sig) = made(alg);
        let p = pki(alg);
        let der = sig.to_der().unwrap();
        let r = verify_signature(&der, Some(DOC), p.trust(), now()).unwrap();
        assert!(r.valid() && r.complete(), "{alg}:\n{r}");
        assert_eq!(r.checks.len(), 7);
        assert!(
            matches!(outcome(&r, "maker_signature"), Outcome::Passed(t) if t.contains("DER(SES_SealInfo)") && t.contains("as received")),
            "{r}"
        );
        assert!(
            matches!(outcome(&r, "signature"), Outcome::Passed(t) if t.contains("over the bytes as received")),
            "{r}"
        );
        // The same values built in memory: checked over the strict re-encoding, which for
        // zhengku's own output is the same bytes.
        let r = verify_decoded_signature(
            &DecodedSignature::V4(sig.clone()),
            Some(DOC),
            p.trust(),
            now(),
        );
        assert!(r.valid() && r.complete(), "{alg}:\n{r}");
        assert!(
            matches!(outcome(&r, "signature"), Outcome::Passed(t) if t.contains("over the strict re-encoding")),
            "{r}"
        );
        let text = r.to_string();
        assert!(text.ends_with("VALID"), "{text}");
        let r = verify_seal(&seal.to_der().unwrap(), p.trust(), now()).unwrap();
        assert!(r.valid() && r.complete(), "{alg}:\n{r}");
        // Without anchors the chains are unverifiable, never passed.
        let r = verify_signature(&der, None, Trust::default(), now()).unwrap();
        assert!(!r.valid() && !r.complete(), "{r}");
        assert!(r.first_failure().is_none(), "{r}");
        for id in ["maker_chain", "signer_certificate"] {
            assert!(matches!(outcome(&r, id), Outcome::Unverifiable(_)), "{id}");
        }
        assert!(matches!(outcome(&r, "data_hash"), Outcome::Skipped(_)));
    }
}

#[test]
fn tampering_fails_at_the_right_check() {
    let (seal, sig) = made("sm2");
    let p = pki("sm2");
    let verify = |s: &SesSignature, doc: &[u8]| {
        verify_signature(&s.to_der().unwrap(), Some(doc), p.trust(), now()).unwrap()
    };

    // Another document.
    assert_eq!(failed(&verify(&sig, b"another document")), ["data_hash"]);

    // The signature value changed.
    let mut s = sig.clone();
    let n = s.signature.len();
    s.signature[n - 3] ^= 1;
    assert_eq!(failed(&verify(&s, DOC)), ["signature"]);

    // The stamp time moved (the signature covers it).
    let mut s = sig.clone();
    s.to_sign.time_info = seal_time(now() - time::Duration::minutes(2));
    assert_eq!(failed(&verify(&s, DOC)), ["signature"]);

    // The picture inside the stamped seal changed: the stamp and the maker's signature break.
    let mut s = sig.clone();
    s.to_sign
        .seal
        .seal_info
        .picture
        .data
        .extend_from_slice(b"<!-- -->");
    assert_eq!(failed(&verify(&s, DOC)), ["signature", "maker_signature"]);
    // … and in the seal alone, the maker's signature.
    let mut alone = seal.clone();
    alone.seal_info.picture.data[10] ^= 1;
    let r = verify_seal(&alone.to_der().unwrap(), p.trust(), now()).unwrap();
    assert_eq!(failed(&r), ["maker_signature"]);

    // The certificate list replaced by another certificate.
    let mut s = sig.clone();
    s.to_sign.seal.seal_info.property.cert_list =
        CertList::Certificates(vec![cert("seal-maker-sm2.crt")]);
    assert_eq!(
        failed(&verify(&s, DOC)),
        ["signature", "signer_in_seal", "maker_signature"]
    );

    // A stamp outside the seal's validity, re-signed by the holder (a holder key alone
    // cannot extend a seal).
    let holder = key("seal-xihu-samr-sm2");
    let mut s = sig.clone();
    s.to_sign.time_info = seal_time(now() - time::Duration::days(30));
    s.signature = holder.sign(&s.to_sign.to_der().unwrap()).unwrap().to_der();
    // (The development certificates are younger than 30 days, so the certificate checks
    // fail too; the signatures hold.)
    let f = failed(&verify(&s, DOC));
    assert!(f.contains(&"seal_validity"), "{f:?}");
    assert!(
        !f.contains(&"signature") && !f.contains(&"maker_signature"),
        "{f:?}"
    );

    // A stamp from the future.
    let mut s = sig.clone();
    s.to_sign.time_info = seal_time(now() + time::Duration::days(3));
    s.signature = holder.sign(&s.to_sign.to_der().unwrap()).unwrap().to_der();
    let r = verify(&s, DOC);
    assert!(failed(&r).contains(&"seal_validity"), "{r}");

    // Signed by a key that is not the certificate's.
    let mut s = sig.clone();
    s.signature = key("dept-xihu-samr-sm2")
        .sign(&s.to_sign.to_der().unwrap())
        .unwrap()
        .to_der();
    assert_eq!(failed(&verify(&s, DOC)), ["signature"]);

    // A maker the anchors do not know.
    let other = pki("p256");
    let r = verify_signature(&sig.to_der().unwrap(), Some(DOC), other.trust(), now()).unwrap();
    assert!(failed(&r).contains(&"maker_chain"), "{r}");
}

#[test]
fn garbage_is_an_error_not_a_report() {
    assert!(verify_signature(b"\x30\x03\x02\x01\x04", None, Trust::default(), now()).is_err());
    assert!(verify_seal(b"", Trust::default(), now()).is_err());
}

/// The openssl CLI verifies the stamp's SM2 signature over DER(TBS_Sign) with the holder's
/// certificate: the signature is standard SM2-with-SM3, default distinguishing ID.
#[test]
fn openssl_verifies_the_stamp_signature() {
    let (_, sig) = made("sm2");
    let dir = tempfile::tempdir().unwrap();
    let tbs = dir.path().join("tbs.der");
    let sigf = dir.path().join("sig.der");
    let certf = dir.path().join("holder.crt");
    std::fs::write(&tbs, sig.to_sign.to_der().unwrap()).unwrap();
    std::fs::write(&sigf, &sig.signature).unwrap();
    std::fs::copy(keys_dev().join("seal-xihu-samr-sm2.crt"), &certf).unwrap();
    let pubkey = std::process::Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(&certf)
        .output()
        .expect("openssl");
    assert!(pubkey.status.success());
    let pubf = dir.path().join("holder.pub");
    std::fs::write(&pubf, &pubkey.stdout).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt"])
        .arg("distid:1234567812345678")
        .arg("-pubin")
        .arg("-inkey")
        .arg(&pubf)
        .arg("-in")
        .arg(&tbs)
        .arg("-sigfile")
        .arg(&sigf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And a flipped byte is refused by openssl too.
    let mut bad = sig.to_sign.to_der().unwrap();
    let n = bad.len();
    bad[n - 1] ^= 1;
    std::fs::write(&tbs, bad).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt"])
        .arg("distid:1234567812345678")
        .arg("-pubin")
        .arg("-inkey")
        .arg(&pubf)
        .arg("-in")
        .arg(&tbs)
        .arg("-sigfile")
        .arg(&sigf)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

// ---- Lenient input: signed as written, not as re-encoded --------------------------------------

/// One DER TLV (short or long definite length).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    zhengku_der::writer::tlv(tag, content)
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

/// The elements (whole TLVs) inside a DER SEQUENCE.
fn elements(der: &[u8]) -> Vec<Vec<u8>> {
    fn header(b: &[u8]) -> (usize, usize) {
        if b[1] < 0x80 {
            (2, usize::from(b[1]))
        } else {
            let n = usize::from(b[1] & 0x7F);
            let len = b[2..2 + n]
                .iter()
                .fold(0usize, |a, &x| (a << 8) | usize::from(x));
            (2 + n, len)
        }
    }
    let (h, len) = header(der);
    assert_eq!(h + len, der.len());
    let mut rest = &der[h..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (h, len) = header(rest);
        out.push(rest[..h + len].to_vec());
        rest = &rest[h + len..];
    }
    out
}

/// extDatas with one extension whose `critical` FALSE is written out (DER omits it).
fn ext_datas_explicit_false() -> Vec<u8> {
    seq(&[seq(&[
        tlv(0x06, &[0x2A, 0x03]),
        tlv(0x01, &[0x00]),
        tlv(0x04, b"lenient"),
    ])])
}

/// A seal and a stamp made by hand the way a lenient producer writes them, each signature
/// over those very bytes: the SES_SealInfo carries an extension with `critical` FALSE written
/// out, and the TBS_Sign carries extDatas without its `[0] EXPLICIT` tag. `triple` makes the
/// maker sign SEQUENCE { eSealInfo, cert, signAlgID } instead of SES_SealInfo.
/// Returns (SES_Signature, SESeal, TBS_Sign, SES_SealInfo), all as written.
fn lenient(triple: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let (seal, sig) = made("sm2");
    let maker = key("seal-maker-sm2");
    let holder = key("seal-xihu-samr-sm2");
    let mut info = elements(&seal.seal_info.to_der().unwrap());
    info.push(ext_datas_explicit_false());
    let info = seq(&info);
    let cert = tlv(0x04, &seal.maker_cert);
    let alg = tlv(0x06, seal.sign_alg.as_der_content());
    let maker_tbs = if triple {
        seq(&[info.clone(), cert.clone(), alg.clone()])
    } else {
        info.clone()
    };
    let maker_sig = maker.sign(&maker_tbs).unwrap().to_der();
    let seal_der = seq(&[info.clone(), cert, alg, bit_string(&maker_sig)]);

    assert!(sig.to_sign.ext_datas.is_none());
    let mut tbs = elements(&sig.to_sign.to_der().unwrap());
    tbs[1] = seal_der.clone();
    tbs.push(ext_datas_explicit_false());
    let tbs = seq(&tbs);
    let holder_sig = holder.sign(&tbs).unwrap().to_der();
    let der = seq(&[
        tbs.clone(),
        tlv(0x04, &sig.cert),
        tlv(0x06, sig.signature_alg.as_der_content()),
        bit_string(&holder_sig),
    ]);
    (der, seal_der, tbs, info)
}

#[test]
fn lenient_input_verifies_over_the_bytes_as_received() {
    let p = pki("sm2");
    let (der, seal_der, tbs, info) = lenient(false);
    let r = verify_signature(&der, Some(DOC), p.trust(), now()).unwrap();
    assert!(r.valid() && r.complete(), "{r}");
    assert!(
        matches!(outcome(&r, "signature"), Outcome::Passed(t) if t.ends_with("over the bytes as received")),
        "{r}"
    );
    assert!(
        matches!(outcome(&r, "maker_signature"),
            Outcome::Passed(t) if t.contains("over DER(SES_SealInfo), over the bytes as received")),
        "{r}"
    );

    // The strict re-encoding is other bytes, which nobody signed.
    let decoded = decode_signature(&der).unwrap();
    let DecodedSignature::V4(d) = &decoded else {
        panic!("not v4")
    };
    assert_ne!(d.to_sign.to_der().unwrap(), tbs);
    assert_ne!(d.to_sign.seal.seal_info.to_der().unwrap(), info);
    let strict = decoded.to_der().unwrap();
    assert_ne!(strict, der);
    let r = verify_decoded_signature(&decoded, Some(DOC), p.trust(), now());
    assert_eq!(failed(&r), ["signature", "maker_signature"], "{r}");
    assert!(
        matches!(outcome(&r, "signature"), Outcome::Failed(t) if t.contains("strict re-encoding")),
        "{r}"
    );
    // … and re-encoded bytes received as such fail the same way.
    let r = verify_signature(&strict, Some(DOC), p.trust(), now()).unwrap();
    assert_eq!(failed(&r), ["signature", "maker_signature"], "{r}");

    // The seal alone.
    let r = verify_seal(&seal_der, p.trust(), now()).unwrap();
    assert!(r.valid() && r.complete(), "{r}");
    assert!(
        matches!(outcome(&r, "maker_signature"), Outcome::Passed(t) if t.ends_with("over the bytes as received")),
        "{r}"
    );
    let decoded_seal = decode_seal(&seal_der).unwrap();
    assert!(matches!(decoded_seal, DecodedSeal::V4(_)));
    let r = verify_decoded_seal(&decoded_seal, p.trust(), now());
    assert_eq!(failed(&r), ["maker_signature"], "{r}");
}

#[test]
fn lenient_seal_signed_in_the_triple_form_verifies_as_received() {
    let p = pki("sm2");
    let (der, seal_der, _, _) = lenient(true);
    let r = verify_signature(&der, Some(DOC), p.trust(), now()).unwrap();
    assert!(r.valid() && r.complete(), "{r}");
    assert!(
        matches!(outcome(&r, "maker_signature"),
            Outcome::Passed(t) if t.contains("over DER(SEQUENCE{eSealInfo, cert, signAlgID}), over the bytes as received")),
        "{r}"
    );
    let r = verify_seal(&seal_der, p.trust(), now()).unwrap();
    assert!(r.valid() && r.complete(), "{r}");
    let r = verify_decoded_seal(&decode_seal(&seal_der).unwrap(), p.trust(), now());
    assert_eq!(failed(&r), ["maker_signature"], "{r}");
}

/// A version 1 (GM/T 0031-2014) seal and signature made with the development keys: the
/// maker signs DER(SEQUENCE{sealInfo, cert, signatureAlgorithm}), the signer DER(TBS_Sign
/// v1) with its certificate inside; every check passes, and tampering fails where it should.
#[test]
fn version_1_input_verifies_check_by_check() {
    let (v4, _) = made("sm2");
    let maker = key("seal-maker-sm2");
    let holder = key("seal-xihu-samr-sm2");
    let mut info = v4.seal_info.clone();
    info.header.version = 1;
    let mut seal = zhengku_seal::SealV1 {
        seal_info: info,
        maker_cert: cert("seal-maker-sm2.crt"),
        sign_alg: zhengku_seal::Oid::sm2_with_sm3(),
        signed_value: Vec::new(),
    };
    seal.signed_value = maker.sign(&seal.maker_tbs().unwrap()).unwrap().to_der();
    let mut to_sign = zhengku_seal::TbsSignV1 {
        version: 1,
        seal,
        time_info: seal_time(now() - time::Duration::minutes(1)),
        data_hash: zhengku_crypto::sm3(DOC).to_vec(),
        property_info: "licence 20240000001".into(),
        cert: cert("seal-xihu-samr-sm2.crt"),
        signature_alg: zhengku_seal::Oid::sm2_with_sm3(),
    };
    let signature = holder.sign(&to_sign.to_der().unwrap()).unwrap().to_der();
    let sig = zhengku_seal::SesSignatureV1 {
        to_sign: to_sign.clone(),
        signature: signature.clone(),
    };
    let der = sig.to_der().unwrap();
    let p = pki("sm2");
    let r = verify_signature(&der, Some(DOC), p.trust(), now()).unwrap();
    assert!(r.subject.contains("v1"), "{r}");
    assert!(r.valid() && r.complete(), "{r}");
    assert!(
        matches!(outcome(&r, "maker_signature"), Outcome::Passed(t) if t.contains("v1")),
        "{r}"
    );

    // Another document; a changed property: the data hash, then the signature, fail.
    let r = verify_signature(&der, Some(b"other"), p.trust(), now()).unwrap();
    assert_eq!(failed(&r), ["data_hash"]);
    to_sign.property_info = "licence 20240000002".into();
    let changed = zhengku_seal::SesSignatureV1 { to_sign, signature };
    let r = verify_signature(&changed.to_der().unwrap(), Some(DOC), p.trust(), now()).unwrap();
    assert_eq!(failed(&r), ["signature"]);
}

/// A seal that names its entry in a seal status list (zhengku's extension, signed by the
/// maker) is judged by that entry offline: active gives 有效, suspended or revoked for key
/// compromise does not; a seal naming no entry is 无法核验 from the lists alone; and a seal
/// whose entry was moved after the maker signed it (to an active one) is 无效, never 有效.
#[test]
fn seals_in_status_lists_are_judged_by_their_entry() {
    use zhengku_status::{Reference, StatusList, StatusListClaims};
    use zhengku_verify::{Context, Departments, ListSource, Live, Verdict};

    const BASE: &str = "https://zk.example.gov.cn";
    let alg = "sm2";
    let t = now();
    // A stamp over DOC with a seal naming entry `idx` of seal list 1 (or none).
    let stamped = |idx: Option<u64>| {
        let extensions = idx
            .map(|idx| zhengku_seal::Extension {
                oid: zhengku_status::SEAL_STATUS_EXTENSION.parse().unwrap(),
                critical: false,
                value: Reference::to_list(BASE, 1, idx).to_seal_extension(),
            })
            .into_iter()
            .collect();
        made_with(alg, extensions).1.to_der().unwrap()
    };
    let mut bits = StatusList::new(2, 1 << 10).unwrap();
    bits.set(5, 2).unwrap();
    bits.set(7, 3).unwrap();
    let mut source = ListSource::new(t.unix_timestamp());
    source.add(StatusListClaims {
        sub: format!("{BASE}/sl/1"),
        iat: u64::try_from(t.unix_timestamp()).unwrap() - 60,
        exp: Some(u64::try_from(t.unix_timestamp()).unwrap() + 3600),
        ttl: Some(3600),
        list: bits,
    });
    let p = pki(alg);
    let departments = Departments::default();
    let ctx = Context {
        at: t,
        trust: p.trust(),
        departments: &departments,
        memo: None,
    };
    let judge = |der: &[u8]| {
        let examined = zhengku_verify::examine_seal_signature(der, Some(DOC), &ctx).unwrap();
        let live = Live::gather(&examined, &source);
        zhengku_verify::conclude(examined, &live, t)
    };
    let r = judge(&stamped(Some(6)));
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    assert!(
        matches!(outcome(&r.report, "seal_status"), Outcome::Passed(d) if d.contains("/sl/1")),
        "{}",
        r.report
    );
    for (idx, what) in [(5, "suspended"), (7, "key compromise")] {
        let r = judge(&stamped(Some(idx)));
        assert_ne!(r.verdict, Verdict::Valid, "{what}\n{}", r.report);
        assert!(
            matches!(outcome(&r.report, "seal_status"), Outcome::Failed(_)),
            "{what}\n{}",
            r.report
        );
    }
    let r = judge(&stamped(None));
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    // The suspended seal's entry moved to the active entry 6 after the maker signed.
    let suspended = stamped(Some(5));
    let at = suspended
        .windows(4)
        .position(|w| w == b"cidx")
        .expect("the seal carries its entry");
    assert_eq!(suspended[at + 4], 0x05);
    let mut forged = suspended.clone();
    forged[at + 4] = 0x06;
    let r = judge(&forged);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(
        matches!(outcome(&r.report, "maker_signature"), Outcome::Failed(_)),
        "{}",
        r.report
    );
}
