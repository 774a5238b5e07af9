//! Interoperability with the `openssl` CLI (OpenSSL 3): signatures both ways, for SM2
//! (with default and custom distinguishing IDs) and P-256, and key files in both directions.

use zhengku_crypto::{Algorithm, DistId, PrivateKey, PublicKey, Signature, Signer};

use crate::util::Dir;

const DISTID: &str = "distid:1234567812345678";

fn openssl_sm2_key(d: &Dir) {
    d.openssl_ok(&["genpkey", "-algorithm", "SM2", "-out", "o.key"]);
    d.openssl_ok(&["pkey", "-in", "o.key", "-pubout", "-out", "o.pub"]);
}

#[test]
fn sm2_signature_made_by_openssl_verifies_in_zhengku() {
    let d = Dir::new();
    openssl_sm2_key(&d);
    d.write("doc", "营业执照 1.2.156.3005.2 ".repeat(50));
    d.openssl_ok(&[
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", DISTID, "-inkey", "o.key",
        "-in", "doc", "-out", "doc.sig",
    ]);
    let out = d
        .zhengku(&[
            "sig", "verify", "--pub", "o.pub", "--in", "doc", "--sig", "doc.sig",
        ])
        .expect(0);
    assert!(out.stdout.contains("valid: SM2-SM3"), "{}", out.stdout);

    // The library, too, and a changed document fails there and in the CLI.
    let public = PublicKey::from_pem(&String::from_utf8(d.read("o.pub")).unwrap()).unwrap();
    let sig = Signature::from_der(Algorithm::Sm2Sm3, &d.read("doc.sig")).unwrap();
    public.verify(&d.read("doc"), &sig).unwrap();
    let mut changed = d.read("doc");
    changed[3] ^= 1;
    assert!(public.verify(&changed, &sig).is_err());
    d.write("doc", changed);
    d.sig_verify("o.pub", "doc", "doc.sig").expect(1);
}

#[test]
fn sm2_signature_made_by_zhengku_verifies_in_openssl() {
    let d = Dir::new();
    d.keygen_to("sm2", "z.key", "z.pub");
    d.write("doc", b"licence record bytes".repeat(100));
    d.sig_sign("z.key", "doc", "doc.sig");
    let ok = d.openssl(&[
        "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", DISTID, "-pubin", "-inkey",
        "z.pub", "-in", "doc", "-sigfile", "doc.sig",
    ]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("Signature Verified Successfully"));

    d.write("doc", b"licence record bytez".repeat(100));
    let bad = d.openssl(&[
        "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", DISTID, "-pubin", "-inkey",
        "z.pub", "-in", "doc", "-sigfile", "doc.sig",
    ]);
    assert_ne!(bad.code, 0, "openssl accepted a signature over other bytes");
}

/// Many signatures, so the rare encodings (r or s with leading zero bytes, about 1 in 128
/// signatures each) are exercised against OpenSSL's DER parser too.
#[test]
fn many_sm2_and_p256_signatures_verify_in_openssl() {
    let d = Dir::new();
    let sm2 = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let p256 = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
    d.write("sm2.pub", sm2.public_key().to_pem());
    d.write("p256.pub", p256.public_key().to_pem());
    let mut script = String::from("set -e\n");
    for i in 0..150 {
        let msg = format!("message {i} ").repeat(i % 7 + 1);
        d.write(&format!("m{i}"), &msg);
        d.write(&format!("s{i}"), sm2.sign(msg.as_bytes()).unwrap().to_der());
        d.write(
            &format!("p{i}"),
            p256.sign(msg.as_bytes()).unwrap().to_der(),
        );
        script.push_str(&format!(
            "openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt {DISTID} -pubin -inkey sm2.pub -in m{i} -sigfile s{i} >/dev/null\n\
             openssl dgst -sha256 -verify p256.pub -signature p{i} m{i} >/dev/null\n"
        ));
    }
    d.write("check.sh", script);
    let out = std::process::Command::new("bash")
        .arg("check.sh")
        .current_dir(d.path(""))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl rejected one: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sm2_custom_distinguishing_id_interoperates() {
    let d = Dir::new();
    openssl_sm2_key(&d);
    d.write("doc", "证照");
    d.openssl_ok(&[
        "pkeyutl",
        "-sign",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:ALICE123@YAHOO.COM",
        "-inkey",
        "o.key",
        "-in",
        "doc",
        "-out",
        "doc.sig",
    ]);
    // The default ID does not match…
    d.sig_verify("o.pub", "doc", "doc.sig").expect(1);
    // …the right one does.
    d.zhengku(&[
        "sig",
        "verify",
        "--pub",
        "o.pub",
        "--in",
        "doc",
        "--sig",
        "doc.sig",
        "--distid",
        "ALICE123@YAHOO.COM",
    ])
    .expect(0);

    // And the other direction, through the library.
    let key = PrivateKey::from_pem(&String::from_utf8(d.read("o.key")).unwrap())
        .unwrap()
        .with_dist_id(DistId::new("ALICE123@YAHOO.COM").unwrap())
        .unwrap();
    d.write(
        "z.sig",
        key.sign(b"\xe8\xaf\x81\xe7\x85\xa7").unwrap().to_der(),
    );
    d.openssl_ok(&[
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:ALICE123@YAHOO.COM",
        "-pubin",
        "-inkey",
        "o.pub",
        "-in",
        "doc",
        "-sigfile",
        "z.sig",
    ]);
}

#[test]
fn p256_signatures_interoperate_both_ways() {
    let d = Dir::new();
    d.openssl_ec_key("P-256", "o");
    d.write("doc", "food business permit");
    d.openssl_ok(&["dgst", "-sha256", "-sign", "o.key", "-out", "o.sig", "doc"]);
    d.sig_verify("o.pub", "doc", "o.sig").expect(0);

    d.sig_sign("o.key", "doc", "z.sig");
    d.openssl_ok(&[
        "dgst",
        "-sha256",
        "-verify",
        "o.pub",
        "-signature",
        "z.sig",
        "doc",
    ]);
    d.write("doc", "food business permiT");
    assert_ne!(
        d.openssl(&[
            "dgst",
            "-sha256",
            "-verify",
            "o.pub",
            "-signature",
            "z.sig",
            "doc"
        ])
        .code,
        0
    );
    d.sig_verify("o.pub", "doc", "z.sig").expect(1);
}

/// zhengku writes exactly what OpenSSL writes for the same key, and reads what OpenSSL
/// writes in each of its forms (PKCS#8, SEC1 "traditional", compressed public points).
#[test]
fn key_files_round_trip_through_openssl() {
    let d = Dir::new();
    for alg in ["sm2", "p256"] {
        d.keygen_to(alg, "z.key", "z.pub");
        // OpenSSL accepts and checks our private key, and re-encodes both files identically.
        d.openssl_ok(&["pkey", "-in", "z.key", "-check", "-noout"]);
        let re_key = d.openssl_ok(&["pkey", "-in", "z.key"]).stdout;
        assert_eq!(
            re_key.as_bytes(),
            d.read("z.key"),
            "{alg} private key differs"
        );
        let re_pub = d.openssl_ok(&["pkey", "-in", "z.key", "-pubout"]).stdout;
        assert_eq!(
            re_pub.as_bytes(),
            d.read("z.pub"),
            "{alg} public key differs"
        );
        let re_pub2 = d
            .openssl_ok(&["pkey", "-pubin", "-in", "z.pub", "-pubout"])
            .stdout;
        assert_eq!(re_pub2.as_bytes(), d.read("z.pub"));

        // SEC1 ("EC PRIVATE KEY") and compressed-point forms that OpenSSL writes.
        // (`openssl ec` labels an SM2 one "SM2 PRIVATE KEY"; OpenSSL 3.0's `pkey -traditional`
        // cannot write SM2 at all.)
        d.openssl_ok(&["ec", "-in", "z.key", "-out", "sec1.key"]);
        let label = String::from_utf8(d.read("sec1.key")).unwrap();
        assert!(
            label.contains("-----BEGIN EC PRIVATE KEY-----")
                || label.contains("-----BEGIN SM2 PRIVATE KEY-----"),
            "{label}"
        );

        d.openssl_ok(&[
            "ec",
            "-in",
            "z.key",
            "-pubout",
            "-conv_form",
            "compressed",
            "-out",
            "c.pub",
        ]);
        let z_key = PrivateKey::from_pem(&String::from_utf8(d.read("z.key")).unwrap()).unwrap();
        let sec1 = PrivateKey::from_pem(&String::from_utf8(d.read("sec1.key")).unwrap()).unwrap();
        let comp = PublicKey::from_pem(&String::from_utf8(d.read("c.pub")).unwrap()).unwrap();
        assert_eq!(sec1.public_key(), z_key.public_key());
        assert_eq!(comp.key_id(), z_key.public_key().key_id());
        assert_eq!(comp.to_pem().as_bytes(), d.read("z.pub"));

        // And zhengku signs with the SEC1 file.
        d.write("doc", alg);
        d.sig_sign("sec1.key", "doc", "doc.sig");
        d.sig_verify("c.pub", "doc", "doc.sig").expect(0);
    }
}

#[test]
fn keys_on_other_curves_are_refused_with_the_curve_named() {
    let d = Dir::new();
    d.openssl_ec_key("secp384r1", "k");
    d.write("doc", "x");
    let r = d
        .zhengku(&["sig", "sign", "--key", "k.key", "--in", "doc", "--out", "s"])
        .expect(2);
    assert!(
        r.stderr.contains("unsupported curve 1.3.132.0.34"),
        "{}",
        r.stderr
    );
    d.openssl_ok(&["genpkey", "-algorithm", "ED25519", "-out", "e.key"]);
    let r = d
        .zhengku(&["sig", "sign", "--key", "e.key", "--in", "doc", "--out", "s"])
        .expect(2);
    assert!(
        r.stderr.contains("not an elliptic-curve key"),
        "{}",
        r.stderr
    );
    assert!(
        !d.path("s").exists(),
        "a failed sign must not write a signature"
    );
}

/// The fast verification paths against OpenSSL's own arithmetic (libcrypto through the
/// `openssl` crate, `EVP_PKEY_verify` on the key decoded from zhengku's SPKI): 20,000
/// (key, prehash, signature) triples over SM2 and P-256 — signatures made by zhengku, a bit
/// of them flipped, and signatures made for another prehash — each answered alike by
/// OpenSSL, `PublicKey::verify_prehash` and `PreparedKey::verify_prehash`. (The curve
/// crates are the other reference: `crates/zhengku-crypto/tests/fastverify.rs`.)
#[test]
fn fast_verification_agrees_with_openssl() {
    use openssl::pkey::PKey;
    use openssl::pkey_ctx::PkeyCtx;
    use zhengku_crypto::Prehash;

    let mut seed = 0x0ddc_0ffe_e000_2026u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed
    };
    let mut agreed = [0usize; 2];
    for alg in Algorithm::ALL {
        for _ in 0..20 {
            let sk = PrivateKey::generate(alg).unwrap();
            let pk = sk.public_key().clone();
            let prepared = pk.prepare();
            let ossl = PKey::public_key_from_der(pk.to_spki_der()).unwrap();
            let openssl_says = |e: &Prehash, sig: &Signature| {
                let mut ctx = PkeyCtx::new(&ossl).unwrap();
                ctx.verify_init().unwrap();
                ctx.verify(e.digest(), &sig.to_der()).unwrap_or(false)
            };
            let mut previous: Option<Prehash> = None;
            for i in 0..500 {
                let mut digest = [0u8; 32];
                for c in digest.chunks_mut(8) {
                    c.copy_from_slice(&next().to_be_bytes());
                }
                let e = Prehash::new(alg, digest);
                let sig = sk.sign_prehash(&e).unwrap();
                let (e, sig) = match i % 3 {
                    0 => (e, sig),
                    1 => {
                        let mut raw = sig.to_raw();
                        let bit = (next() % 512) as usize;
                        raw[bit / 8] ^= 1 << (bit % 8);
                        match Signature::from_raw(alg, &raw) {
                            Ok(s) => (e, s),
                            Err(_) => continue,
                        }
                    }
                    _ => match previous.replace(e) {
                        Some(other) => (other, sig),
                        None => continue,
                    },
                };
                let openssl = openssl_says(&e, &sig);
                assert_eq!(
                    pk.verify_prehash(&e, &sig).is_ok(),
                    openssl,
                    "{alg} case {i}"
                );
                assert_eq!(
                    prepared.verify_prehash(&e, &sig).is_ok(),
                    openssl,
                    "{alg} case {i}"
                );
                agreed[usize::from(openssl)] += 1;
            }
        }
    }
    assert!(agreed[0] > 5_000 && agreed[1] > 5_000, "{agreed:?}");
}
