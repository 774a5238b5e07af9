//! OFDs signed by others (tests/fixtures, from ofdrw, with their provenance) read back: the
//! document root, each signature's files, references and stamp place; every reference's
//! digest is the SM3 of the file as stored. And hostile packages are refused before they
//! cost anything: unsafe or repeated names, too many entries, zip bombs, a wrong CRC or
//! local header, truncation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_ofd::{CheckMethod, Limits, Ofd, OfdError, Package};

use zhengku_testkit::ofd_fixture as fixture;

#[test]
fn signed_fixtures_read_and_their_digests_match() {
    for (name, provider, has_seal) in [
        ("SESV4SignDoc.ofd", "ofdrw-sign", true),
        ("allprotected.ofd", "ofdrw-sign", true),
        ("v4signed.ofd", "gomain_eseal", false),
        ("signedFile.ofd", "gomain_eseal", false),
    ] {
        let ofd = Ofd::read(&fixture(name), &Limits::default()).unwrap();
        assert_eq!(ofd.doc_root, "Doc_0/Document.xml", "{name}");
        assert_eq!(ofd.signatures.len(), 1, "{name}");
        let s = ofd.signatures[0].as_ref().unwrap();
        assert_eq!(s.provider.as_deref(), Some(provider), "{name}");
        assert_eq!(s.check_method, Some(CheckMethod::Sm3), "{name}");
        assert_eq!(s.seal.is_some(), has_seal, "{name}");
        assert!(ofd.package().file(&s.signed_value).is_some(), "{name}");
        assert!(!s.stamp_annots.is_empty(), "{name}");
        assert!(s.references.len() >= 3, "{name}");
        for r in &s.references {
            let data = ofd
                .package()
                .file(&r.file)
                .unwrap_or_else(|| panic!("{name}: {}", r.file));
            assert_eq!(
                CheckMethod::Sm3.digest(data).as_slice(),
                r.check_value.as_slice(),
                "{name}: {}",
                r.file
            );
        }
    }
    // ofdrw's whole-document protection covers the signature list itself.
    let all = Ofd::read(&fixture("allprotected.ofd"), &Limits::default()).unwrap();
    let s = all.signatures[0].as_ref().unwrap();
    assert!(
        s.references
            .iter()
            .any(|r| r.file == "Doc_0/Signs/Signatures.xml")
    );
    // The vendor's invoice leaves nothing of the document uncovered but its own parts, and
    // keeps its metadata as custom data.
    let vendor = Ofd::read(&fixture("v4signed.ofd"), &Limits::default()).unwrap();
    assert_eq!(vendor.uncovered(), Vec::<String>::new());
    let info = &vendor.doc_info;
    assert_eq!(
        info.doc_id.as_deref(),
        Some("0eb8011566b14d9f942a38d7df30f2de")
    );
    assert_eq!(info.creation_date.as_deref(), Some("2020-10-10"));
    assert_eq!(info.custom.len(), 10);
    assert_eq!(info.custom("发票号码"), Some("99999951"));
    assert_eq!(
        info.custom("销售方名称"),
        Some("杭州融易算企业管理咨询有限公司")
    );
    let other = Ofd::read(&fixture("signedFile.ofd"), &Limits::default()).unwrap();
    assert_eq!(other.doc_info.creator.as_deref(), Some("China Tax"));
}

#[test]
fn an_unsigned_document_has_no_signatures() {
    let ofd = Ofd::read(&fixture("helloworld.ofd"), &Limits::default()).unwrap();
    assert!(ofd.signatures.is_empty());
    assert!(ofd.signatures_file.is_none());
    assert!(zhengku_ofd::sniff(&fixture("helloworld.ofd")));
    assert!(!zhengku_ofd::sniff(b"%PDF-1.7"));
}

/// A ZIP archive of stored entries, written by hand so each field can be wrong on purpose.
struct Zip {
    local: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    fn new() -> Zip {
        Zip {
            local: Vec::new(),
            central: Vec::new(),
            count: 0,
        }
    }

    /// Adds `name` with `data`, compressed by `method` (0 stored, 8 deflate), declaring
    /// `crc` (None: the right one) and naming `local_name` in the local header.
    fn add_with(
        &mut self,
        name: &str,
        local_name: &str,
        data: &[u8],
        method: u16,
        crc: Option<u32>,
    ) -> &mut Zip {
        let body = match method {
            8 => miniz_oxide::deflate::compress_to_vec(data, 9),
            _ => data.to_vec(),
        };
        let crc = crc.unwrap_or_else(|| crc32fast::hash(data));
        let offset = self.local.len() as u32;
        let mut l = Vec::new();
        l.extend(0x0403_4b50u32.to_le_bytes());
        l.extend([20, 0, 0, 0]);
        l.extend(method.to_le_bytes());
        l.extend([0, 0, 0, 0]);
        l.extend(crc.to_le_bytes());
        l.extend((body.len() as u32).to_le_bytes());
        l.extend((data.len() as u32).to_le_bytes());
        l.extend((local_name.len() as u16).to_le_bytes());
        l.extend([0, 0]);
        l.extend(local_name.as_bytes());
        l.extend(&body);
        self.local.extend(l);
        let mut c = Vec::new();
        c.extend(0x0201_4b50u32.to_le_bytes());
        c.extend([20, 0, 20, 0, 0, 0]);
        c.extend(method.to_le_bytes());
        c.extend([0, 0, 0, 0]);
        c.extend(crc.to_le_bytes());
        c.extend((body.len() as u32).to_le_bytes());
        c.extend((data.len() as u32).to_le_bytes());
        c.extend((name.len() as u16).to_le_bytes());
        c.extend([0; 12]);
        c.extend(offset.to_le_bytes());
        c.extend(name.as_bytes());
        self.central.extend(c);
        self.count += 1;
        self
    }

    fn add(&mut self, name: &str, data: &[u8]) -> &mut Zip {
        self.add_with(name, name, data, 0, None)
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.local.clone();
        let cd_offset = out.len() as u32;
        out.extend(&self.central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend(self.count.to_le_bytes());
        out.extend(self.count.to_le_bytes());
        out.extend((self.central.len() as u32).to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend([0, 0]);
        out
    }
}

fn refused(bytes: &[u8], limits: &Limits, want: &str) {
    match Package::read(bytes, limits) {
        Err(OfdError::Zip(e)) => assert!(e.contains(want), "{e} (wanted {want:?})"),
        other => panic!("wanted a refusal mentioning {want:?}, got {other:?}"),
    }
}

#[test]
fn hostile_packages_are_refused() {
    let limits = Limits::default();
    // The hand-made archive itself reads.
    let ok = Zip::new()
        .add("OFD.xml", b"<OFD/>")
        .add_with("Doc_0/a.xml", "Doc_0/a.xml", &[b'a'; 5000], 8, None)
        .bytes();
    let p = Package::read(&ok, &limits).unwrap();
    assert_eq!(p.file("Doc_0/a.xml").unwrap().len(), 5000);

    for bad in ["../evil", "/etc/passwd", "a/../../b", "a\\b", "C:/x"] {
        refused(&Zip::new().add(bad, b"x").bytes(), &limits, "unsafe");
    }
    refused(
        &Zip::new().add("a.xml", b"1").add("a.xml", b"2").bytes(),
        &limits,
        "twice",
    );
    let mut many = Zip::new();
    for i in 0..20 {
        many.add(&format!("f{i}"), b"x");
    }
    refused(
        &many.bytes(),
        &Limits {
            max_entries: 10,
            ..limits
        },
        "entries",
    );
    // A bomb: 16 MiB of zeros deflate to some 16 KiB.
    let zeros = vec![0u8; 16 << 20];
    let bomb = Zip::new()
        .add_with("bomb.bin", "bomb.bin", &zeros, 8, None)
        .bytes();
    refused(&bomb, &limits, "inflates");
    refused(
        &bomb,
        &Limits {
            max_file: 1 << 20,
            ..limits
        },
        "bytes inflated",
    );
    refused(
        &Zip::new()
            .add_with("a.xml", "a.xml", b"hello", 0, Some(7))
            .bytes(),
        &limits,
        "CRC",
    );
    refused(
        &Zip::new()
            .add_with("a.xml", "b.xml", b"hello", 0, None)
            .bytes(),
        &limits,
        "local header",
    );
    refused(
        &Zip::new()
            .add_with("a.xml", "a.xml", b"hello", 12, None)
            .bytes(),
        &limits,
        "compression method",
    );
    refused(b"not a zip at all", &limits, "not a ZIP");
    // Every truncation of a real OFD is an error, never a panic.
    let real = fixture("SESV4SignDoc.ofd");
    for cut in (0..real.len()).step_by(331) {
        assert!(Ofd::read(&real[..cut], &limits).is_err(), "cut at {cut}");
    }
}

/// The strict form zhengku writes reads back to the same files.
#[test]
fn packages_written_read_back() {
    let read = Ofd::read(&fixture("SESV4SignDoc.ofd"), &Limits::default()).unwrap();
    let again = Package::read(&read.package().to_zip(), &Limits::default()).unwrap();
    assert_eq!(&again, read.package());
    let mut p = again.clone();
    assert!(p.insert("Doc_0/extra.xml", b"<x/>".to_vec()));
    assert!(!p.insert("../evil", Vec::new()));
    assert_eq!(p.len(), again.len() + 1);
}
