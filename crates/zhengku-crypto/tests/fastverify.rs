//! The fast verification paths (`PublicKey::verify_prehash` with the generator's table,
//! `PreparedKey` with the key's own table) against the curve crates' own verification
//! (`PublicKey::verify_with_curve_crate`): any disagreement is a failure.
//!
//! - 100,000 random (key, prehash, signature) triples over SM2 and P-256: half made by
//!   signing (valid), half changed afterwards or drawn at random (invalid);
//! - hand-made edges: x1 >= n (the `v + n` branch of the x check), the key equal to G or
//!   to -G so that partial sums meet (doubling) or cancel (infinity), t = 0 for SM2, high s
//!   for P-256 (accepted by the p256 crate, so by us).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::sec1::ToSec1Point;
use zhengku_crypto::{Algorithm, Prehash, PrivateKey, PublicKey, Signature, Signer};

/// A small deterministic generator (splitmix64), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for c in out.chunks_mut(8) {
            c.copy_from_slice(&self.next().to_be_bytes());
        }
        out
    }
}

/// The three answers must agree; returns the crate's.
fn agree(
    key: &PublicKey,
    prepared: &zhengku_crypto::PreparedKey,
    e: &Prehash,
    sig: &Signature,
) -> bool {
    let reference = key.verify_with_curve_crate(e, sig).unwrap();
    let fast = key.verify_prehash(e, sig).is_ok();
    let table = prepared.verify_prehash(e, sig).is_ok();
    assert_eq!(
        (fast, table),
        (reference, reference),
        "{} key {} e {} sig {}",
        key.algorithm(),
        key.key_id(),
        hex(e.digest()),
        hex(&sig.to_raw())
    );
    reference
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn random_triples_agree_with_the_curve_crates() {
    let mut rng = Rng(0x5eed_2026_1204);
    let (keys, per_key) = (50, 1000);
    let mut counted = [0usize; 2];
    for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
        for _ in 0..keys {
            let sk = PrivateKey::generate(alg).unwrap();
            let pk = sk.public_key().clone();
            let prepared = pk.prepare();
            assert!(prepared.is_prepared());
            for i in 0..per_key {
                let e = Prehash::new(alg, rng.bytes32());
                let (sig, valid) = match i % 4 {
                    // Signed: valid.
                    0 | 1 => (sk.sign_prehash(&e).unwrap(), true),
                    // Signed, then one bit of r or s flipped.
                    2 => {
                        let mut raw = sk.sign_prehash(&e).unwrap().to_raw();
                        let bit = (rng.next() % 512) as usize;
                        raw[bit / 8] ^= 1 << (bit % 8);
                        match Signature::from_raw(alg, &raw) {
                            Ok(s) => (s, false),
                            Err(_) => continue,
                        }
                    }
                    // Random r and s.
                    _ => {
                        let mut raw = [0u8; 64];
                        raw[..32].copy_from_slice(&rng.bytes32());
                        raw[32..].copy_from_slice(&rng.bytes32());
                        match Signature::from_raw(alg, &raw) {
                            Ok(s) => (s, false),
                            Err(_) => continue,
                        }
                    }
                };
                assert_eq!(agree(&pk, &prepared, &e, &sig), valid, "case {}", i % 4);
                counted[usize::from(valid)] += 1;
            }
        }
    }
    assert!(counted[0] + counted[1] >= 100_000 - 200, "{counted:?}");
}

/// A public key from an SM2 or P-256 point (SEC1 uncompressed), through SPKI.
fn key_from_sec1(alg: Algorithm, point: &[u8]) -> PublicKey {
    let template = PrivateKey::generate(alg).unwrap();
    let mut spki = template.public_key().to_spki_der().to_vec();
    let n = spki.len();
    spki[n - 65..].copy_from_slice(point);
    PublicKey::from_spki_der(&spki).unwrap()
}

fn sig_of(alg: Algorithm, r: &[u8], s: &[u8]) -> Signature {
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice(r);
    raw[32..].copy_from_slice(s);
    Signature::from_raw(alg, &raw).unwrap()
}

/// A point whose x is at least n (x = n, n + 1, … until one is on the curve).
fn p256_point_with_large_x() -> p256::AffinePoint {
    let n_minus_1: [u8; 32] = (-p256::Scalar::ONE).to_repr().into();
    let mut x = n_minus_1;
    loop {
        // x += 1 (big-endian).
        for b in x.iter_mut().rev() {
            *b = b.wrapping_add(1);
            if *b != 0 {
                break;
            }
        }
        let mut sec1 = vec![0x02];
        sec1.extend_from_slice(&x);
        if let Ok(pk) = p256::PublicKey::from_sec1_bytes(&sec1) {
            return *pk.as_affine();
        }
    }
}

#[test]
fn p256_edges() {
    let alg = Algorithm::EcdsaP256Sha256;
    let g = p256::ProjectivePoint::GENERATOR;
    let mut rng = Rng(7);
    // x1 >= n: R with x_R >= n, r = x_R - n; any e, s; Q = u2^-1 (R - u1 G).
    let r_point = p256_point_with_large_x();
    let x_r = *r_point.to_sec1_point(false).x().unwrap();
    let r = <p256::Scalar as p256::elliptic_curve::ops::Reduce<p256::FieldBytes>>::reduce(&x_r);
    let s = p256::Scalar::from(12345u64);
    let e_bytes = rng.bytes32();
    let e = <p256::Scalar as p256::elliptic_curve::ops::Reduce<p256::FieldBytes>>::reduce(
        &e_bytes.into(),
    );
    let w = s.invert().unwrap();
    let (u1, u2) = (e * w, r * w);
    let q = (p256::ProjectivePoint::from(r_point) - g * u1) * u2.invert().unwrap();
    let key = key_from_sec1(alg, q.to_affine().to_sec1_point(false).as_bytes());
    let prepared = key.prepare();
    let sig = sig_of(alg, &r.to_repr(), &s.to_repr());
    assert!(
        agree(&key, &prepared, &Prehash::new(alg, e_bytes), &sig),
        "x1 >= n must verify"
    );

    // Q = G and e = r: u1 = u2, the sum doubles inside; Q = -G: it cancels (infinity).
    for (point, expect) in [(g, true), (-g, false)] {
        let key = key_from_sec1(alg, point.to_affine().to_sec1_point(false).as_bytes());
        let prepared = key.prepare();
        let k = p256::Scalar::from(99u64);
        let s = p256::Scalar::from(7u64);
        // With Q = G: sum = (u1 + u2) G = 2 e/s G; pick r = x(2 e/s G) mod n and e = r.
        let r = <p256::Scalar as p256::elliptic_curve::ops::Reduce<p256::FieldBytes>>::reduce(
            (g * k).to_affine().to_sec1_point(false).x().unwrap(),
        );
        // Choose s so that 2 r / s = k: s = 2 r / k.
        let s = if expect {
            (r + r) * k.invert().unwrap()
        } else {
            s
        };
        let sig = sig_of(alg, &r.to_repr(), &s.to_repr());
        let e = Prehash::new(alg, r.to_repr().into());
        assert_eq!(agree(&key, &prepared, &e, &sig), expect);
    }

    // High s: (r, n - s) verifies as (r, s) does.
    let sk = PrivateKey::generate(alg).unwrap();
    let e = Prehash::new(alg, rng.bytes32());
    let sig = sk.sign_prehash(&e).unwrap();
    let s = p256::Scalar::from_repr((*sig.s()).into()).unwrap();
    let high = sig_of(alg, sig.r(), &(-s).to_repr());
    let pk = sk.public_key().clone();
    let prepared = pk.prepare();
    assert!(agree(&pk, &prepared, &e, &sig));
    assert!(agree(&pk, &prepared, &e, &high));
}

#[test]
fn sm2_edges() {
    let alg = Algorithm::Sm2Sm3;
    let g = sm2::ProjectivePoint::GENERATOR;
    let reduce = |b: &[u8; 32]| {
        <sm2::Scalar as sm2::elliptic_curve::ops::Reduce<sm2::FieldBytes>>::reduce(&(*b).into())
    };
    let mut rng = Rng(11);
    // x1 >= n: R with x_R >= n; pick e, s; r = (e + x_R) mod n; t = r + s; P = t^-1 (R - sG).
    let n_minus_1: [u8; 32] = (-sm2::Scalar::ONE).to_repr().into();
    let mut x = n_minus_1;
    let r_point = loop {
        for b in x.iter_mut().rev() {
            *b = b.wrapping_add(1);
            if *b != 0 {
                break;
            }
        }
        let mut sec1 = vec![0x02];
        sec1.extend_from_slice(&x);
        if let Ok(pk) = sm2::PublicKey::from_sec1_bytes(&sec1) {
            break *pk.as_affine();
        }
    };
    let e_bytes = rng.bytes32();
    let e = reduce(&e_bytes);
    let s = sm2::Scalar::from(4242u64);
    let r = e + reduce(&x);
    let t = r + s;
    let p = (sm2::ProjectivePoint::from(r_point) - g * s) * t.invert().unwrap();
    let key = key_from_sec1(alg, p.to_affine().to_sec1_point(false).as_bytes());
    let prepared = key.prepare();
    let sig = sig_of(alg, &r.to_repr(), &s.to_repr());
    assert!(
        agree(&key, &prepared, &Prehash::new(alg, e_bytes), &sig),
        "x1 >= n must verify"
    );

    // t = 0: s = n - r is refused.
    let sk = PrivateKey::generate(alg).unwrap();
    let pk = sk.public_key().clone();
    let prepared = pk.prepare();
    let e = Prehash::new(alg, rng.bytes32());
    let sig = sk.sign_prehash(&e).unwrap();
    let r = sm2::Scalar::from_repr((*sig.r()).into()).unwrap();
    let t0 = sig_of(alg, sig.r(), &(-r).to_repr());
    assert!(!agree(&pk, &prepared, &e, &t0));

    // P = G and P = -G with s = t (r = 0 is not a signature, so use s and t = r + s with
    // [s]G + [t]P = [s + t]G or [s - t]G = [-r]G): both paths agree either way.
    for point in [g, -g] {
        let key = key_from_sec1(alg, point.to_affine().to_sec1_point(false).as_bytes());
        let prepared = key.prepare();
        for _ in 0..50 {
            let e = Prehash::new(alg, rng.bytes32());
            let sig = sig_of(
                alg,
                &rng.bytes32().map(|b| b & 0x7f),
                &rng.bytes32().map(|b| b & 0x7f),
            );
            agree(&key, &prepared, &e, &sig);
        }
        // A valid one: the private key of G is 1, of -G is n - 1.
        let d = if point == g {
            sm2::Scalar::ONE
        } else {
            -sm2::Scalar::ONE
        };
        let sk = PrivateKey::from_scalar_bytes(alg, &d.to_repr().into());
        if let Ok(sk) = sk {
            let e = Prehash::new(alg, rng.bytes32());
            let sig = sk.sign_prehash(&e).unwrap();
            assert!(agree(&key, &prepared, &e, &sig));
        }
    }
    let _ = sm2::Scalar::ZERO.is_zero();
    let _ = p256::ProjectivePoint::GENERATOR.to_affine();
}

/// The example of GB/T 32918.5-2017 (SM2 on the recommended curve): its private key gives
/// its public key, its ID and message give its Z_A and e, and its signature verifies on
/// every path (and fails once any bit changes). The same figures verified with the OpenSSL
/// CLI (`pkeyutl -verify -digest sm3 -pkeyopt distid:1234567812345678`) when written down.
#[test]
fn gbt_32918_example_key() {
    let alg = Algorithm::Sm2Sm3;
    let unhex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let d: [u8; 32] = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
        .try_into()
        .unwrap();
    let point = unhex(concat!(
        "04",
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    ));
    let sk = PrivateKey::from_scalar_bytes(alg, &d).unwrap();
    assert_eq!(sk.public_key().to_sec1_uncompressed().as_slice(), point);
    let key = key_from_sec1(alg, &point);
    // The default distinguishing ID is the standard's 1234567812345678.
    let e = key.prehash(b"message digest");
    assert_eq!(
        hex(e.digest()),
        "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
    );
    let sig = sig_of(
        alg,
        &unhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"),
        &unhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"),
    );
    let prepared = key.prepare();
    assert!(agree(&key, &prepared, &e, &sig));
    key.verify(b"message digest", &sig).unwrap();
    assert!(key.verify(b"message digesT", &sig).is_err());
    let raw = sig.to_raw();
    for bit in (0..512).step_by(7) {
        let mut bad = raw;
        bad[bit / 8] ^= 1 << (bit % 8);
        if let Ok(bad) = Signature::from_raw(alg, &bad) {
            assert!(
                !agree(&key, &prepared, &e, &bad),
                "bit {bit} flipped still verifies"
            );
        }
    }
    // And our own signature with that key verifies with the same Z_A.
    let ours = sk.sign_prehash(&e).unwrap();
    assert!(agree(&key, &prepared, &e, &ours));
}
