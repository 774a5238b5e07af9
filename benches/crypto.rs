//! Signature, digest and canonical-encoding throughput.
//!
//! Run: `cargo bench -p zhengku --bench crypto`. Compare with
//! `openssl speed -seconds 3 sm2 ecdsap256` on the same machine (see BENCHMARKS.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use zhengku_crypto::{Algorithm, DigestAlgorithm, Hasher, PrivateKey, Signer};

fn signatures(c: &mut Criterion) {
    let msg = b"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";
    for alg in Algorithm::ALL {
        let Ok(key) = PrivateKey::generate(alg) else {
            panic!("key generation failed")
        };
        let Ok(sig) = key.sign(msg) else {
            panic!("signing failed")
        };
        let mut g = c.benchmark_group(alg.short_name());
        g.throughput(Throughput::Elements(1));
        g.bench_function("sign", |b| b.iter(|| key.sign(black_box(msg))));
        // `verify` is what every caller gets (the fast arithmetic with the generator's table;
        // before issue 13 it was the curve crate, now `verify_curve_crate`); `verify_prepared`
        // is a key with its own table, as the engine keeps for keys it meets again.
        g.bench_function("verify", |b| {
            b.iter(|| key.public_key().verify(black_box(msg), black_box(&sig)))
        });
        let prehash = key.public_key().prehash(msg);
        g.bench_function("verify_curve_crate", |b| {
            b.iter(|| {
                key.public_key()
                    .verify_with_curve_crate(black_box(&prehash), black_box(&sig))
            })
        });
        let prepared = key.public_key().prepare();
        g.bench_function("verify_prepared", |b| {
            b.iter(|| prepared.verify(black_box(msg), black_box(&sig)))
        });
        g.bench_function("prepare", |b| b.iter(|| key.public_key().prepare()));
        g.finish();
    }
}

fn digests(c: &mut Criterion) {
    let data = vec![0x5Au8; 1 << 20];
    let mut g = c.benchmark_group("digest-1MiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for alg in [DigestAlgorithm::Sm3, DigestAlgorithm::Sha256] {
        g.bench_function(alg.name(), |b| {
            b.iter(|| {
                let mut h = Hasher::new(alg);
                h.update(black_box(&data));
                h.finalize()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = signatures, digests
}
criterion_main!(benches);
