//! Canonical licence encoding and signed-licence throughput.
//!
//! Run: `cargo bench -p zhengku --bench licence`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::testing::sample_record;
use zhengku_model::{LicenceRecord, SignedLicence};

fn canonical(c: &mut Criterion) {
    let record = sample_record();
    let bytes = record.to_canonical_cbor();
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Elements(1));
    g.bench_function("encode", |b| {
        b.iter(|| black_box(&record).to_canonical_cbor())
    });
    g.bench_function("decode", |b| {
        b.iter(|| LicenceRecord::from_canonical_cbor(black_box(&bytes)))
    });
    g.finish();
}

fn signed(c: &mut Criterion) {
    for alg in Algorithm::ALL {
        let Ok(key) = PrivateKey::generate(alg) else {
            panic!("key generation failed")
        };
        let Ok(lic) = SignedLicence::sign(sample_record(), &key) else {
            panic!("signing failed")
        };
        let bytes = lic.to_bytes();
        let mut g = c.benchmark_group(format!("licence-{}", alg.short_name()));
        g.throughput(Throughput::Elements(1));
        g.bench_function("sign", |b| {
            b.iter(|| SignedLicence::sign(black_box(sample_record()), &key))
        });
        g.bench_function("decode+verify", |b| {
            b.iter(|| {
                SignedLicence::from_bytes(black_box(&bytes))
                    .and_then(|l| l.verify(key.public_key()))
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = canonical, signed
}
criterion_main!(benches);
