#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
use zhengku_server::{Config, Mode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = Config {
        data_dir: dir.path().to_owned(),
        mode: Mode::Development,
        templates_dir: root.join("templates"),
        keys_dev_dir: root.join("keys-dev"),
        ..Config::default()
    };
    let p = zhengku_server::prepare(&config, None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, p.router).await.unwrap() });
    let r = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
