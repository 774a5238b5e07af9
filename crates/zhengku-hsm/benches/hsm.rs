//! Signatures per second through SoftHSM2, on 1 and 2 threads:
//! - `p256-in-token`: C_Sign with CKM_ECDSA on a key that never leaves the token;
//! - `sm2-wrapped`: C_Decrypt (AES-GCM) of the sealed key by the token, then SM2 in process.
//!
//! Run: `cargo bench -p zhengku-hsm --bench hsm`. Criterion's elements/s is the aggregate
//! rate over all threads (each measured batch is timed on the wall clock).
//!
//! The bench makes its own token with `hsm/init-token.sh` in a temporary folder and re-runs
//! itself with `SOFTHSM2_CONF` pointing there (SoftHSM2 reads it once per process; see
//! `tests/support`). The folder is deleted afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use zhengku_crypto::{Algorithm, Signer};
use zhengku_hsm::{KeyStore, PinSource, Pkcs11Config, Pkcs11KeyStore};

/// Set in the re-run process: the token is ready.
const READY_VAR: &str = "ZHENGKU_HSM_BENCH_TOKEN_READY";
const THREADS: [u64; 2] = [1, 2];

fn signing(c: &mut Criterion) {
    let config = Pkcs11Config::new(
        support::module_path(),
        support::TOKEN,
        PinSource::env(support::PIN_VAR),
    )
    .with_sessions(2);
    let store = Pkcs11KeyStore::open(&config).unwrap();
    let signers: [(&str, Arc<dyn Signer>); 2] = [
        (
            "p256-in-token",
            store
                .generate("bench-p256", Algorithm::EcdsaP256Sha256)
                .unwrap(),
        ),
        (
            "sm2-wrapped",
            store.generate("bench-sm2", Algorithm::Sm2Sm3).unwrap(),
        ),
    ];
    let msg = b"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";
    let mut group = c.benchmark_group("softhsm2-sign");
    group.throughput(Throughput::Elements(1));
    for (name, signer) in &signers {
        let prehash = signer.public_key().prehash(msg);
        // Sanity: what is measured verifies.
        let sig = signer.sign_prehash(&prehash).unwrap();
        signer.public_key().verify(msg, &sig).unwrap();
        for threads in THREADS {
            let id = BenchmarkId::new(*name, format!("{threads}-thread"));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let per_thread = iters.div_ceil(threads);
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..threads {
                            s.spawn(|| {
                                for _ in 0..per_thread {
                                    black_box(signer.sign_prehash(black_box(&prehash)).unwrap());
                                }
                            });
                        }
                    });
                    // Scale to exactly `iters` signatures when the split rounded up.
                    let done = per_thread * threads;
                    start.elapsed().mul_f64(iters as f64 / done as f64)
                })
            });
        }
    }
    group.finish();
}

fn main() {
    if std::env::var_os(READY_VAR).is_none() {
        let token = support::TokenDir::create();
        let status = Command::new(std::env::current_exe().unwrap())
            .args(std::env::args_os().skip(1))
            .env(READY_VAR, "1")
            .env("SOFTHSM2_CONF", token.conf())
            .env(support::PIN_VAR, support::USER_PIN)
            .status()
            .unwrap();
        drop(token);
        std::process::exit(status.code().unwrap_or(1));
    }
    let mut criterion = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    signing(&mut criterion);
    criterion.final_summary();
}
