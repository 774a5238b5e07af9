//! Prints N QR payload URLs of business licences signed by the development SM2 department
//! key (keys-dev), one a line: input for timing `zhengku verify` on many payloads.
//!
//!     cargo run --release -p zhengku-verify-tests --example qr_payloads -- 1000 > payloads.txt
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{IssueRequest, Timestamp};
use zhengku_model::{LicenceType, SignedLicence, testing};

fn main() {
    let n: u32 = std::env::args().nth(1).map_or(1000, |a| a.parse().unwrap());
    let key = zhengku_testkit::keys_dev::key("dept-xihu-samr-sm2");
    let dir = zhengku_testkit::repo_root().join("templates/business-licence");
    let ty = LicenceType::from_toml_str(&std::fs::read_to_string(dir.join("type.toml")).unwrap())
        .unwrap();
    let req: IssueRequest =
        serde_json::from_str(&std::fs::read_to_string(dir.join("example-request.json")).unwrap())
            .unwrap();
    let issuer = testing::sample_issuer();
    let at = OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp() - 3600)
        .unwrap();
    for seq in 1..=n {
        let id = LicenceId::generate(ty.code(), &issuer.code, 2026, seq, 1).unwrap();
        let record = ty
            .build_record(
                &req,
                &issuer,
                id,
                Timestamp::from_offset_date_time(at).unwrap(),
            )
            .unwrap();
        let signed = SignedLicence::sign(record, &key).unwrap();
        let payload = zhengku_qr::make_payload(&signed, &key).unwrap();
        println!(
            "{}",
            zhengku_qr::payload_url("https://zk.example.gov.cn", &payload).unwrap()
        );
    }
}
