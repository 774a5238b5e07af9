//! Renders the three template examples to PDF and reports the time per render.
//!
//! ```sh
//! cargo run --release -p zhengku-pdf --example render_licence -- [OUT_DIR]
//! ```
//!
//! The licences are signed with the development keys in `keys-dev/keys`; the PDFs keep their
//! signature placeholders (sign them with `zhengku_pdf::pades::sign`).

use std::path::PathBuf;
use std::time::Instant;

use zhengku_crypto::PrivateKey;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::IssueRequest;
use zhengku_model::{LicenceType, SignedLicence, testing};
use zhengku_pdf::layout::Layout;
use zhengku_pdf::render::{RenderInput, SealPicture, SignatureFields, render};
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::args_os().nth(1).map(PathBuf::from);
    let t = Instant::now();
    let font = zhengku_pdf::font::load(None)?;
    println!("font {} loaded in {:?}", font.family(), t.elapsed());
    for (i, name) in [
        "business-licence",
        "food-business-permit",
        "senior-citizen-card",
    ]
    .into_iter()
    .enumerate()
    {
        let dir = repo.join("templates").join(name);
        let ty = LicenceType::from_toml_str(&std::fs::read_to_string(dir.join("type.toml"))?)?;
        let layout = Layout::from_toml_str(&std::fs::read_to_string(dir.join("layout.toml"))?)?;
        let req: IssueRequest =
            serde_json::from_str(&std::fs::read_to_string(dir.join("example-request.json"))?)?;
        let issuer = if name == "senior-citizen-card" {
            testing::sample_card_issuer()
        } else {
            testing::sample_issuer()
        };
        let key = PrivateKey::from_pem(&std::fs::read_to_string(
            repo.join("keys-dev/keys/dept-xihu-samr-sm2.key"),
        )?)?;
        let id = LicenceId::generate(ty.code(), &issuer.code, 2024, i as u32 + 1, 1)?;
        let record = ty
            .build_record(&req, &issuer, id, testing::sample_issued_at())
            .map_err(|e| format!("{e:?}"))?;
        let signed = SignedLicence::sign(record, &key)?;
        let qr = zhengku_qr::payload_url(
            "https://zk.hangzhou.gov.cn",
            &zhengku_qr::make_payload(&signed, &key)?,
        )?;
        let seal = round_seal_svg(&issuer.name, "证照专用章", 42)?;
        let input = RenderInput {
            licence: &signed,
            licence_type: &ty,
            layout: &layout,
            font: &font,
            qr_text: &qr,
            seal: Some(SealPicture {
                format: PictureFormat::Svg,
                bytes: seal.as_bytes(),
            }),
            issuer_name: &issuer.name,
            signature: SignatureFields {
                name: "电子证照专用章",
                reason: "电子证照签章",
                location: "浙江省杭州市西湖区",
                signing_time: time::OffsetDateTime::from_unix_timestamp(1_710_495_000)?,
                contents_len: 8192,
            },
        };
        let mut times = Vec::new();
        let mut pdf = render(&input)?;
        for _ in 0..50 {
            let t = Instant::now();
            pdf = render(&input)?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{name}: {} bytes ({} of them signature room), render p50 {:?}, min {:?}, max {:?}",
            pdf.bytes.len(),
            pdf.contents_at.len(),
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
        if let Some(out) = &out {
            std::fs::create_dir_all(out)?;
            std::fs::write(out.join(format!("{name}.pdf")), &pdf.bytes)?;
        }
    }
    Ok(())
}
