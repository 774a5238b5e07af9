//! Signature verification side by side in one process, on the same keys and messages:
//! OpenSSL (through the `openssl` crate, `EVP_PKEY_verify` on the SM2 or P-256 key),
//! zhengku unprepared (`PublicKey::verify_prehash`, the generator's table) and zhengku
//! prepared (`PreparedKey::verify_prehash`, the key's own table).
//!
//! All three verify the same prehash — e = SM3(Z_A ‖ M) with the distinguishing ID
//! `1234567812345678`, or SHA-256(M) — computed once by zhengku: the `openssl` crate cannot
//! set an SM2 distinguishing ID for `EVP_DigestVerify` (OpenSSL 3.0's default is not the
//! GM/T 0009 one), so the comparison is of the signature arithmetic, which is what differs.
//! Rounds interleave the three so a busy moment of the machine hits all alike; the output is
//! verifications per second per path and the ratios to OpenSSL.
//!
//! ```sh
//! cargo bench -p zhengku --bench verify_side_by_side   # 10 rounds of 1,000 per path
//! cargo test  -p zhengku --bench verify_side_by_side   # smoke run: every path verifies
//! ```
//!
//! Every signature is checked to verify in all three paths first, so the figures are of
//! successful verifications (and OpenSSL accepting zhengku's signatures is one more interop
//! check).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use openssl::pkey::PKey;
use openssl::pkey_ctx::PkeyCtx;
use zhengku_crypto::{Algorithm, Prehash, PrivateKey, Signature, Signer};

/// One way of verifying.
type VerifyFn<'a> = &'a dyn Fn(&Prehash, &Signature) -> bool;

/// One key, its signatures over `messages`, and the three verifiers.
struct Case {
    key: PrivateKey,
    openssl_key: PKey<openssl::pkey::Public>,
    prehashes: Vec<Prehash>,
    signatures: Vec<Signature>,
}

impl Case {
    fn new(alg: Algorithm, n: usize) -> Case {
        let key = PrivateKey::generate(alg).unwrap();
        let openssl_key = PKey::public_key_from_der(key.public_key().to_spki_der()).unwrap();
        let prehashes: Vec<Prehash> = (0..n)
            .map(|i| {
                let msg = format!(
                    "1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.2026{i:07}.001.J"
                );
                key.public_key().prehash(msg.as_bytes())
            })
            .collect();
        let signatures = prehashes
            .iter()
            .map(|e| key.sign_prehash(e).unwrap())
            .collect();
        Case {
            key,
            openssl_key,
            prehashes,
            signatures,
        }
    }

    fn openssl_verify(&self, e: &Prehash, sig: &Signature) -> bool {
        let mut ctx = PkeyCtx::new(&self.openssl_key).unwrap();
        ctx.verify_init().unwrap();
        ctx.verify(e.digest(), &sig.to_der()).unwrap_or(false)
    }
}

/// Verifications, and the time they took, of `f` over the case's prehashes.
fn rate(case: &Case, f: VerifyFn<'_>) -> (usize, Duration) {
    let start = Instant::now();
    for (e, s) in case.prehashes.iter().zip(&case.signatures) {
        assert!(f(black_box(e), black_box(s)));
    }
    (case.prehashes.len(), start.elapsed())
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (per_round, rounds) = if measuring { (1000, 10) } else { (20, 1) };
    println!(
        "verify side by side: {rounds} round(s) of {per_round} verifications per path, interleaved"
    );
    for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
        let case = Case::new(alg, per_round);
        let prepared = case.key.public_key().prepare();
        // Correctness first: every path verifies every signature.
        for (e, s) in case.prehashes.iter().zip(&case.signatures) {
            assert!(
                case.openssl_verify(e, s),
                "OpenSSL rejects a {alg} signature"
            );
            assert!(case.key.public_key().verify_prehash(e, s).is_ok());
            assert!(prepared.verify_prehash(e, s).is_ok());
        }
        // And refuses a signature over another prehash, in every path.
        let (e0, s1) = (&case.prehashes[0], &case.signatures[1]);
        assert!(!case.openssl_verify(e0, s1));
        assert!(case.key.public_key().verify_prehash(e0, s1).is_err());
        assert!(prepared.verify_prehash(e0, s1).is_err());
        let paths: [(&str, VerifyFn<'_>); 3] = [
            ("openssl", &|e, s| case.openssl_verify(e, s)),
            ("zhengku unprepared", &|e, s| {
                case.key.public_key().verify_prehash(e, s).is_ok()
            }),
            ("zhengku prepared", &|e, s| {
                prepared.verify_prehash(e, s).is_ok()
            }),
        ];
        let mut totals = [(0usize, Duration::ZERO); 3];
        for _ in 0..rounds {
            for (i, (_, f)) in paths.iter().enumerate() {
                let (n, t) = rate(&case, *f);
                totals[i].0 += n;
                totals[i].1 += t;
            }
        }
        let per_sec: Vec<f64> = totals
            .iter()
            .map(|(n, t)| *n as f64 / t.as_secs_f64().max(1e-9))
            .collect();
        for (i, (name, _)) in paths.iter().enumerate() {
            println!(
                "{:6} {name:20} {:>9.0}/s  {:>7.1} µs  {:>5.2}x OpenSSL",
                alg.short_name(),
                per_sec[i],
                1e6 / per_sec[i],
                per_sec[i] / per_sec[0]
            );
        }
    }
}
