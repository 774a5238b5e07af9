//! Annotated PDF copies (zhengku_pdf::copy): an incremental update over the issuer's signed
//! licence PDF, signed by the library's seal. pyHanko (a PDF signature validator we did not
//! write) judges both signatures of a P-256 copy: the issuer's still intact over its
//! revision, the change classified as form filling (a signature field added and signed),
//! and the library's over the whole file; qpdf checks the file's structure.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::process::Command;

use support::*;
use time::OffsetDateTime;
use zhengku_pdf::copy::{PdfCopyRequest, annotated_pdf_copy};
use zhengku_pdf::face::CopyFields;

const JUDGE: &str = r#"
import sys
from asn1crypto import crl, pem
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext

def load_crl(path):
    data = open(path, 'rb').read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return crl.CertificateList.load(data)

root = load_cert_from_pemder(sys.argv[2])
issuing = load_cert_from_pemder(sys.argv[3])
crls = [load_crl(p) for p in sys.argv[4:]]
vc = ValidationContext(trust_roots=[root], other_certs=[issuing], crls=crls,
                       allow_fetching=False, revocation_mode='soft-fail')
with open(sys.argv[1], 'rb') as f:
    r = PdfFileReader(f)
    for i, sig in enumerate(r.embedded_signatures):
        st = validate_pdf_signature(sig, vc)
        print("SIGNATURE %d field=%s intact=%s valid=%s trusted=%s coverage=%s modification=%s docmdp_ok=%s bottom_line=%s" % (
            i, sig.field_name, st.intact, st.valid, st.trusted, st.coverage.name,
            st.modification_level.name if st.modification_level else None,
            st.docmdp_ok, st.bottom_line))
"#;

fn judge(pdf: &[u8]) -> String {
    run_pyhanko(JUDGE, pdf, "p256")
}

#[test]
fn pyhanko_accepts_the_copy_as_form_filling_and_refuses_a_changed_one() {
    if !have_pyhanko() || !zhengku_testkit::tools::have("qpdf") {
        return;
    }
    let Some((original, _)) = signed_rendered("p256") else {
        return;
    };
    let fields = CopyFields {
        made_at: "2026-12-04 18:30:00".into(),
        made_by: "浙江省大数据发展管理局（为杭州市西湖区卫生健康局）".into(),
        cause: "核验经营主体资格".into(),
        matter: "食品经营许可证核发".into(),
        valid_until: OffsetDateTime::now_utc().date() + time::Duration::days(30),
    };
    let seal = library_seal("p256");
    let chain = vec![der("seal-library-p256.crt"), der("pki/p256/issuing.crt")];
    let copy = annotated_pdf_copy(&PdfCopyRequest {
        original: &original,
        fields: &fields,
        font: font().unwrap(),
        seal: &seal,
        signer: &zhengku_testkit::keys_dev::key("seal-library-p256"),
        chain: &chain,
        made_at: OffsetDateTime::now_utc() - time::Duration::seconds(5),
    })
    .unwrap();
    assert_eq!(
        &copy[..original.len()],
        &original[..],
        "the original is the first revision"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.pdf");
    std::fs::write(&path, &copy).unwrap();
    let _ = std::fs::write(repo().join("target/copy-p256.pdf"), &copy);
    let qpdf = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        qpdf.status.success(),
        "qpdf: {}{}",
        String::from_utf8_lossy(&qpdf.stdout),
        String::from_utf8_lossy(&qpdf.stderr)
    );
    // The issuer's signature: intact over its revision, the update judged form filling
    // (a signature field added and signed), trusted; the library's over the whole file.
    let text = judge(&copy);
    assert!(
        text.contains(
            "SIGNATURE 0 field=zhengku-seal intact=True valid=True trusted=True \
             coverage=ENTIRE_REVISION modification=FORM_FILLING docmdp_ok=True bottom_line=True"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "SIGNATURE 1 field=zhengku-copy intact=True valid=True trusted=True \
             coverage=ENTIRE_FILE"
        ) && text.matches("bottom_line=True").count() == 2,
        "{text}"
    );
    // A byte of the watermark changed after signing: the library's signature breaks.
    let at = copy.len() - 2000;
    let mut changed = copy.clone();
    changed[at] ^= 1;
    let text = judge(&changed);
    assert!(
        text.contains("SIGNATURE 1 field=zhengku-copy intact=False"),
        "{text}"
    );
}
