//! Status lists (issue 14): making and signing a list of 2^20 entries, its compressed size
//! per million licences at 1 % and 5 % non-valid, reading one (decode, verify, inflate),
//! looking one status up in a list already read, and what an offline verifier pays to check
//! a whole synced snapshot (trust list, a signer list of 1,000 department certificates, the
//! manifest and two full lists) each time it starts.
//!
//! Run: `cargo bench -p zhengku --bench status_lists`. The sizes are printed first.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use zhengku_crypto::{Algorithm, Direct, PrivateKey};
use zhengku_status::{SignedStatusList, StatusList, StatusListClaims, TypedDocument};

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
    snapshot(&mut g);
    g.finish();
}

/// A region's snapshot as `zhengku verify --trust DIR` checks it on every start.
fn snapshot(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use zhengku_model::codes::{AreaCode, Uscc};
    use zhengku_status::{Manifest, ManifestEntry};
    use zhengku_testkit::keys_dev;
    use zhengku_trustlist::{Operator, RegionInfo, Role};

    const BASE: &str = "https://zk.example.gov.cn";
    let list_key = keys_dev::key("trust-list-signer-sm2");
    let status_key = keys_dev::key("status-signer-sm2");
    // 1,000 distinct department certificates (the real one with its last bytes varied:
    // the signer list is checked as a whole, not certificate by certificate).
    let dept = keys_dev::der("dept-xihu-samr-sm2.crt");
    let departments: Vec<Vec<u8>> = (0u32..1000)
        .map(|i| {
            let mut d = dept.clone();
            let n = d.len();
            d[n - 4..].copy_from_slice(&i.to_be_bytes());
            d
        })
        .collect();
    let Ok(made) = zhengku_trustlist::make(
        &RegionInfo {
            region: "CN-ZJ".into(),
            division: AreaCode::parse("330000").unwrap_or_else(|e| panic!("{e}")),
            operator: Operator {
                name: "浙江省大数据发展管理局".into(),
                uscc: Uscc::parse("11330000MB0D987650").unwrap_or_else(|e| panic!("{e}")),
            },
            base_url: BASE.into(),
        },
        vec![
            (Role::LicenceCaSm2, keys_dev::der("pki/sm2/issuing.crt")),
            (Role::StatusSigner, keys_dev::der("status-signer-sm2.crt")),
        ],
        departments.clone(),
        None,
        1_796_428_800,
        72 * 3600,
        &list_key,
    ) else {
        panic!("making the lists")
    };
    let tokens: Vec<Vec<u8>> = (1..=2u64)
        .map(|n| {
            let mut c = claims(list(1));
            c.sub = format!("{BASE}/sl/{n}");
            c.sign(&status_key).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let Ok(manifest) = (Manifest {
        iat: 1_764_806_400,
        exp: 1_764_806_400 + 72 * 3600,
        lists: tokens
            .iter()
            .enumerate()
            .map(|(i, t)| ManifestEntry {
                n: i as u64 + 1,
                kind: "licence".into(),
                uri: format!("{BASE}/sl/{}", i + 1),
                iat: 1_764_806_400,
                sha256: zhengku_crypto::sha256(t),
            })
            .collect(),
    })
    .sign(&status_key) else {
        panic!("signing the manifest")
    };
    println!(
        "snapshot: trust list {} B, signer list {} B (1,000 certificates), manifest {} B, \
         2 lists {} B",
        made.trust_list.len(),
        made.signer_list.len(),
        manifest.len(),
        tokens.iter().map(Vec::len).sum::<usize>()
    );
    g.bench_function(
        "open and check a snapshot (1,000 signers, 2 lists of 2^20)",
        |b| {
            b.iter(|| {
                zhengku_trustlist::open_snapshot(
                    list_key.public_key(),
                    black_box(&made.trust_list),
                    &made.signer_list,
                    &manifest,
                    |n| tokens.get(n as usize - 1).map(Vec::as_slice),
                    &Direct,
                )
                .map(|s| s.tokens.len())
            })
        },
    );
    let real: Vec<Vec<u8>> = (0..1000).map(|_| dept.clone()).collect();
    g.bench_function("read 1,000 department certificates", |b| {
        b.iter(|| zhengku_verify::Departments::new(real.iter().map(Vec::as_slice)).len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
