//! Status lists (issue 14): making and signing a list of 2^20 entries, its compressed size
//! per million licences at 1 % and 5 % non-valid, reading one (decode, verify, inflate) and
//! looking one status up in a list already read.
//!
//! Run: `cargo bench -p zhengku --bench status_lists`. The sizes are printed first.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use zhengku_crypto::{Algorithm, Direct, PrivateKey};
use zhengku_status::{SignedStatusList, StatusList, StatusListClaims};

/// Entries in one zhengku list.
const ENTRIES: u64 = 1 << 20;

/// splitmix64: reproducible positions without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A full list with `percent` of its entries non-valid at random places (indices are
/// handed out at random, so revocations are spread out): four in five revoked, one in five
/// suspended.
fn list(percent: u64) -> StatusList {
    let Ok(mut l) = StatusList::new(2, ENTRIES) else {
        panic!("a list of 2^20 entries")
    };
    let mut rng = Rng(percent);
    let target = ENTRIES * percent / 100;
    let mut done = 0;
    while done < target {
        let idx = rng.next() % ENTRIES;
        if l.get(idx).unwrap_or(1) == 0 {
            let status = if rng.next().is_multiple_of(5) { 2 } else { 1 };
            if l.set(idx, status).is_ok() {
                done += 1;
            }
        }
    }
    l
}

fn claims(list: StatusList) -> StatusListClaims {
    StatusListClaims {
        sub: "https://zhengku.example.gov.cn/sl/1".into(),
        iat: 1_764_806_400,
        exp: Some(1_764_806_400 + 72 * 3600),
        ttl: Some(3600),
        list,
    }
}

fn sizes() {
    for percent in [0, 1, 5] {
        let l = list(percent);
        let lst = l.compressed().len();
        // Per million licences: the list holds 2^20 = 1,048,576 entries.
        let per_million = lst as f64 * 1_000_000.0 / ENTRIES as f64;
        println!(
            "status list, 2^20 entries at 2 bits, {percent} % non-valid: lst {lst} bytes \
             ({:.1} KiB per million licences; uncompressed {} KiB)",
            per_million / 1024.0,
            l.as_bytes().len() / 1024
        );
    }
}

fn bench(c: &mut Criterion) {
    sizes();
    let mut g = c.benchmark_group("status-list");
    g.sample_size(10);
    for alg in [Algorithm::Sm2Sm3, Algorithm::EcdsaP256Sha256] {
        let Ok(key) = PrivateKey::generate(alg) else {
            panic!("key generation failed")
        };
        let c1 = claims(list(1));
        let name = alg.short_name();
        g.bench_function(format!("encode+sign 2^20, 1 %, {name}"), |b| {
            b.iter(|| black_box(&c1).sign(&key))
        });
        let Ok(token) = c1.sign(&key) else {
            panic!("signing failed")
        };
        g.bench_function(format!("decode+verify+inflate, {name}"), |b| {
            b.iter(|| {
                let Ok(s) = SignedStatusList::decode(black_box(&token)) else {
                    panic!("decode")
                };
                s.verify(key.public_key(), &Direct).map(|c| c.list.len())
            })
        });
    }
    let cached = list(1);
    let mut rng = Rng(7);
    let indices: Vec<u64> = (0..1024).map(|_| rng.next() % ENTRIES).collect();
    g.sample_size(50);
    g.bench_function("lookup x1024 in a cached list", |b| {
        b.iter(|| {
            indices
                .iter()
                .map(|i| cached.status(black_box(*i)).map(|s| s.value()).unwrap_or(9) as u64)
                .sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
