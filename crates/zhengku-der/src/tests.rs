#![allow(clippy::unwrap_used)]

use crate::pem::{self, DerBlock, PemError};
use crate::{ErrorKind, Length, Oid, OidError, Reader, tag, writer};

fn read_one(der: &[u8], length: Length) -> Result<crate::Tlv<'_>, crate::Error> {
    let mut r = Reader::new(der, length);
    let t = r.read_any("x")?;
    r.finish("x")?;
    Ok(t)
}

// ---- OIDs ---------------------------------------------------------------------------------

#[test]
fn sm2_with_sm3_has_its_known_encoding() {
    let oid: Oid = "1.2.156.10197.1.501".parse().unwrap();
    assert_eq!(oid, Oid::sm2_with_sm3());
    assert_eq!(
        oid.to_der(),
        [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75]
    );
    assert_eq!(oid.to_string(), "1.2.156.10197.1.501");
    assert_eq!(oid.arcs(), [1, 2, 156, 10197, 1, 501]);
    let ecdsa: Oid = "1.2.840.10045.4.3.2".parse().unwrap();
    assert_eq!(ecdsa, Oid::ecdsa_with_sha256());
    let sha256: Oid = "2.16.840.1.101.3.4.2.1".parse().unwrap();
    assert_eq!(
        sha256.to_der(),
        [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01
        ]
    );
    assert_eq!(Oid::from_der(&sha256.to_der()).unwrap(), sha256);
}

#[test]
fn uuid_arcs_beyond_64_bits_round_trip() {
    for dotted in [
        "2.25.197395512406178214226498125627408413361",
        "2.25.277267458742544463770506637841789180396",
        // u128::MAX as the third arc.
        "2.25.340282366920938463463374607431768211455",
        // The largest second arc under 2: its first subidentifier is u128::MAX.
        "2.340282366920938463463374607431768211375",
    ] {
        let oid: Oid = dotted.parse().unwrap();
        assert_eq!(oid.to_string(), dotted);
        assert_eq!(Oid::from_der_content(oid.as_der_content()), Ok(oid.clone()));
        assert_eq!(Oid::from_der(&oid.to_der()).unwrap(), oid);
    }
    let uuid: Oid = "2.25.197395512406178214226498125627408413361"
        .parse()
        .unwrap();
    assert_eq!(uuid.as_der_content()[0], 0x69); // 2 * 40 + 25
    assert!(uuid.arcs()[2] > u128::from(u64::MAX));
}

#[test]
fn malformed_oids_are_errors() {
    for bad in [
        "",
        "1",
        "3.1",
        "1.40",
        "1..2",
        "1.2.",
        "1.2.x",
        "+1.2",
        "1.-2",
        " 1.2",
        // One past u128::MAX, as an arc and as the first subidentifier.
        "2.25.340282366920938463463374607431768211456",
        "2.340282366920938463463374607431768211376",
    ] {
        assert_eq!(
            bad.parse::<Oid>(),
            Err(OidError::NotDotted(bad.to_owned())),
            "{bad}"
        );
    }
    assert_eq!(Oid::from_der_content(&[]), Err(OidError::Empty));
    assert_eq!(
        Oid::from_der_content(&[0x2A, 0x80, 0x01]),
        Err(OidError::NonMinimalArc { at: 1 })
    );
    assert_eq!(
        Oid::from_der_content(&[0x80, 0x01]),
        Err(OidError::NonMinimalArc { at: 0 })
    );
    assert_eq!(
        Oid::from_der_content(&[0x2A, 0x81]),
        Err(OidError::Unfinished)
    );
    // 19 groups carry 133 bits: an arc of 129 bits is refused, one of 128 is not.
    let mut big = vec![0x2A, 0x84];
    big.extend([0x80; 17]);
    big.push(0x00);
    assert_eq!(
        Oid::from_der_content(&big),
        Err(OidError::ArcTooLarge { at: 1 })
    );
    big[1] = 0x83;
    assert!(Oid::from_der_content(&big).is_ok());
    // A whole element: tag, strict length, nothing after it.
    let ok = Oid::sm2_with_sm3().to_der();
    assert!(Oid::from_der(&ok).is_ok());
    let mut trailing = ok.clone();
    trailing.push(0);
    assert!(Oid::from_der(&trailing).is_err());
    let mut wrong_tag = ok;
    wrong_tag[0] = tag::OCTET_STRING;
    assert!(Oid::from_der(&wrong_tag).is_err());
    let e = read_one(&[0x06, 0x02, 0x2A, 0x81], Length::Strict)
        .unwrap()
        .oid("alg")
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::BadOid(OidError::Unfinished));
}

// ---- Lengths ------------------------------------------------------------------------------

#[test]
fn non_minimal_long_lengths_are_strict_errors_and_lenient_reads() {
    for (der, content_len) in [
        // Long form for a short length.
        (&[0x04u8, 0x81, 0x05, 1, 2, 3, 4, 5][..], 5),
        // A leading zero length octet.
        (&[0x04, 0x82, 0x00, 0x02, 1, 2], 2),
        (&[0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 9], 1),
    ] {
        let e = read_one(der, Length::Strict).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::NonMinimalLength, "{der:02X?}");
        assert_eq!(e.offset(), 0);
        let t = read_one(der, Length::Lenient).unwrap();
        assert_eq!(t.content.len(), content_len);
        assert_eq!(t.raw, der);
        // Written back, it is DER, which strict reads.
        let strict = writer::tlv(t.tag, t.content);
        assert_eq!(
            read_one(&strict, Length::Strict).unwrap().content,
            t.content
        );
    }
}

#[test]
fn indefinite_and_overlong_lengths_are_refused_in_both_modes() {
    for length in [Length::Strict, Length::Lenient] {
        for (der, kind) in [
            (&[0x30u8, 0x80, 0, 0][..], ErrorKind::IndefiniteLength),
            (
                &[0x30, 0x85, 0, 0, 0, 0, 1, 0],
                ErrorKind::LengthTooLong { octets: 5 },
            ),
            (&[0x1F, 0x01, 0x00], ErrorKind::HighTagNumber { tag: 0x1F }),
            (
                &[0x30],
                ErrorKind::Truncated {
                    needed: 2,
                    available: 1,
                },
            ),
            (
                &[0x04, 0x82, 0x01],
                ErrorKind::Truncated {
                    needed: 4,
                    available: 3,
                },
            ),
            (
                &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
                ErrorKind::Truncated {
                    needed: 6 + 0xFFFF_FFFF,
                    available: 6,
                },
            ),
            (&[], ErrorKind::Missing),
        ] {
            let e = read_one(der, length).unwrap_err();
            assert_eq!(e.kind(), &kind, "{der:02X?} {length:?}");
        }
    }
}

#[test]
fn long_lengths_are_written_in_shortest_form() {
    let long = writer::tlv(tag::OCTET_STRING, &[7; 300]);
    assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2C]);
    assert_eq!(read_one(&long, Length::Strict).unwrap().content.len(), 300);
    assert_eq!(&writer::tlv(0x04, &[0; 0x7F])[..2], &[0x04, 0x7F]);
    assert_eq!(&writer::tlv(0x04, &[0; 0x80])[..3], &[0x04, 0x81, 0x80]);
    assert_eq!(
        &writer::tlv(0x04, &[0; 0x1_0000])[..5],
        &[0x04, 0x83, 1, 0, 0]
    );
    let h = crate::Header::read(&long[..4], Length::Strict).unwrap();
    assert_eq!(
        (h.header_len, h.content_len, h.total_len()),
        (4, 300, Some(304))
    );
}

// ---- Offsets ------------------------------------------------------------------------------

#[test]
fn errors_carry_the_absolute_offset_and_the_element() {
    // SEQUENCE { INTEGER 5, SEQUENCE { BOOLEAN 0x01 (bad), OCTET STRING } } and a stray byte.
    let inner = writer::sequence(&[
        &writer::tlv(tag::BOOLEAN, &[1]),
        &writer::octet_string(b"ab"),
    ]);
    let mut der = writer::sequence(&[&writer::integer(5), &inner]);
    der.push(0);
    let mut top = Reader::new(&der, Length::Strict);
    let outer = top.read(tag::SEQUENCE, "Outer").unwrap();
    let e = top.finish("Outer").unwrap_err();
    assert_eq!((e.offset(), e.element()), (der.len() - 1, "Outer"));
    assert_eq!(e.kind(), &ErrorKind::TrailingBytes { count: 1 });
    assert_eq!(
        e.to_string(),
        format!("Outer at byte {}: 1 trailing bytes", der.len() - 1)
    );

    let mut r = outer.reader();
    assert_eq!(r.offset(), 2);
    let n = r.read(tag::INTEGER, "Outer.n").unwrap();
    assert_eq!((n.offset, n.content_offset), (2, 4));
    assert_eq!(n.uint("Outer.n", 10).unwrap(), 5);
    let e = r.read(tag::OCTET_STRING, "Outer.inner").unwrap_err();
    assert_eq!(e.offset(), 5);
    assert_eq!(
        e.kind(),
        &ErrorKind::UnexpectedTag {
            expected: tag::OCTET_STRING,
            found: tag::SEQUENCE
        }
    );
    let s = r.read(tag::SEQUENCE, "Outer.inner").unwrap();
    r.finish("Outer").unwrap();
    let mut sr = s.reader();
    let b = sr.read(tag::BOOLEAN, "Inner.flag").unwrap();
    let e = b.boolean("Inner.flag").unwrap_err();
    assert_eq!((e.offset(), e.element()), (7, "Inner.flag"));
    assert_eq!(e.kind(), &ErrorKind::BadBoolean);
    assert_eq!(sr.count("Inner").unwrap(), 1);
    sr.read(tag::OCTET_STRING, "Inner.bytes").unwrap();
    let e = sr.read(tag::OCTET_STRING, "Inner.more").unwrap_err();
    assert_eq!((e.offset(), e.kind()), (der.len() - 1, &ErrorKind::Missing));

    // A truncated element deep inside is reported where it starts.
    let cut = [0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x05, 0x00];
    let mut r = Reader::new(&cut, Length::Lenient);
    let mut inner = r.read(tag::SEQUENCE, "S").unwrap().reader();
    inner.read(tag::INTEGER, "S.a").unwrap();
    let e = inner.read(tag::OCTET_STRING, "S.b").unwrap_err();
    assert_eq!(e.offset(), 5);
    assert_eq!(
        e.kind(),
        &ErrorKind::Truncated {
            needed: 7,
            available: 2
        }
    );
}

// ---- Primitives ---------------------------------------------------------------------------

#[test]
fn integers_round_trip_at_the_edges() {
    for v in [0u64, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, u64::MAX] {
        let der = writer::integer(v);
        let t = read_one(&der, Length::Strict).unwrap();
        assert_eq!(t.uint("x", u64::MAX).unwrap(), v, "{der:02X?}");
    }
    assert_eq!(writer::integer(0x80), [0x02, 0x02, 0x00, 0x80]);
    for bad in [
        &[0x02u8, 0x00][..],
        &[0x02, 0x02, 0x00, 0x01],
        &[0x02, 0x01, 0x80],
        &[0x02, 0x0A, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ] {
        let t = read_one(bad, Length::Strict).unwrap();
        assert_eq!(
            t.uint("x", u64::MAX).unwrap_err().kind(),
            &ErrorKind::BadInteger,
            "{bad:02X?}"
        );
    }
    let t = read_one(&[0x02, 0x01, 0x05], Length::Strict).unwrap();
    assert!(t.uint("x", 4).is_err());
}

#[test]
fn booleans_bit_strings_and_strings() {
    for (v, der) in [(true, [0x01, 0x01, 0xFF]), (false, [0x01, 0x01, 0x00])] {
        assert_eq!(writer::boolean(v), der);
        assert_eq!(read_one(&der, Length::Strict).unwrap().boolean("b"), Ok(v));
    }
    let bits = writer::bit_string(&[0xAB, 0xCD]);
    assert_eq!(bits, [0x03, 0x03, 0x00, 0xAB, 0xCD]);
    assert_eq!(
        read_one(&bits, Length::Strict).unwrap().bit_string("b"),
        Ok(&[0xAB, 0xCD][..])
    );
    for bad in [&[0x03u8, 0x00][..], &[0x03, 0x02, 0x01, 0xFE]] {
        let e = read_one(bad, Length::Strict).unwrap().bit_string("b");
        assert_eq!(e.unwrap_err().kind(), &ErrorKind::BadBitString);
    }
    let s = writer::tlv(tag::PRINTABLE_STRING, b"SM3 (a+b)");
    let t = read_one(&s, Length::Strict).unwrap();
    assert_eq!(t.printable_string("s"), Ok("SM3 (a+b)"));
    assert_eq!(t.ia5_string("s"), Ok("SM3 (a+b)"));
    let t = read_one(&[0x16, 0x01, b'@'], Length::Strict).unwrap();
    assert!(t.printable_string("s").is_err());
    assert_eq!(t.ia5_string("s"), Ok("@"));
    let utf8 = writer::tlv(tag::UTF8_STRING, "证照".as_bytes());
    let t = read_one(&utf8, Length::Strict).unwrap();
    assert_eq!(t.utf8_string("s"), Ok("证照"));
    assert_eq!(t.ia5_string("s").unwrap_err().kind(), &ErrorKind::BadString);
    let t = read_one(&[0x0C, 0x01, 0xFF], Length::Strict).unwrap();
    assert!(t.utf8_string("s").is_err());
}

// ---- SET OF -------------------------------------------------------------------------------

#[test]
fn set_of_is_sorted_by_encoding() {
    let s = writer::set_of(vec![vec![0x04, 0x01, 0x02], vec![0x02, 0x01, 0x05]]);
    assert_eq!(s, [0x31, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x02]);
    // Longer is not later: the content decides before the length does.
    let s = writer::set_of(vec![
        writer::octet_string(&[0x02; 200]),
        writer::octet_string(&[0x01]),
        writer::octet_string(&[0x01, 0x00]),
        writer::octet_string(&[]),
    ]);
    let mut r = Reader::new(&s, Length::Strict);
    let mut items = r.read(tag::SET, "set").unwrap().reader();
    let mut order = Vec::new();
    while !items.is_empty() {
        order.push(
            items
                .read(tag::OCTET_STRING, "item")
                .unwrap()
                .content
                .to_vec(),
        );
    }
    assert_eq!(
        order,
        [vec![], vec![0x01], vec![0x01, 0x00], vec![0x02; 200]]
    );
    // Encodings equal but for trailing zero octets compare equal and keep their order.
    let mut v = vec![vec![0x05, 0x00, 0x00], vec![0x05, 0x00]];
    writer::sort_set_of(&mut v);
    assert_eq!(v, [vec![0x05, 0x00, 0x00], vec![0x05, 0x00]]);
}

#[test]
fn strict_reads_write_back_byte_for_byte() {
    let der = writer::sequence(&[
        &writer::integer(300),
        &writer::oid(&Oid::sm2_with_sm3()),
        &writer::tlv(tag::CONTEXT_0, &writer::bit_string(&[1; 130])),
        &writer::set_of(vec![writer::boolean(true), writer::tlv(tag::NULL, &[])]),
    ]);
    let t = read_one(&der, Length::Strict).unwrap();
    let mut r = t.reader();
    let mut parts = Vec::new();
    while !r.is_empty() {
        let c = r.read_any("item").unwrap();
        parts.push(writer::tlv(c.tag, c.content));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    assert_eq!(writer::sequence(&refs), der);
    assert_eq!(tag::context(4, true), 0xA4);
    assert_eq!(tag::context(0, false), 0x80);
}

// ---- PEM ----------------------------------------------------------------------------------

const CERT_A: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
const CRL_B: &str = "-----BEGIN X509 CRL-----\nMAMCAQI=\n-----END X509 CRL-----\n";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nnot base64!\n-----END PRIVATE KEY-----\n";

#[test]
fn pem_splits_several_blocks_with_text_around_them() {
    let text = format!("Certificate:\n  Data: ...\n{CERT_A}between\n{KEY}{CRL_B}trailer");
    let found: Vec<_> = pem::blocks(&text).map(Result::unwrap).collect();
    let labels: Vec<&str> = found.iter().map(|b| b.label()).collect();
    assert_eq!(labels, ["CERTIFICATE", "PRIVATE KEY", "X509 CRL"]);
    assert_eq!(found[0].text(), CERT_A.trim_end());
    assert_eq!(found[0].decode(), Ok(vec![0x30, 0x03, 0x02, 0x01, 0x01]));
    assert!(matches!(found[1].decode(), Err(PemError::Invalid(_))));

    // The unwanted key block is passed over, not decoded.
    let blocks = pem::der_blocks(text.as_bytes(), |l| l != "PRIVATE KEY").unwrap();
    assert_eq!(
        blocks,
        [
            DerBlock {
                label: Some("CERTIFICATE".into()),
                der: vec![0x30, 0x03, 0x02, 0x01, 0x01]
            },
            DerBlock {
                label: Some("X509 CRL".into()),
                der: vec![0x30, 0x03, 0x02, 0x01, 0x02]
            },
        ]
    );
    assert!(pem::der_blocks(text.as_bytes(), |_| true).is_err());
    assert_eq!(pem::der_blocks(text.as_bytes(), |_| false), Ok(vec![]));
}

#[test]
fn pem_or_der_files() {
    let der = [0x30, 0x03, 0x02, 0x01, 0x01];
    assert_eq!(
        pem::der_blocks(&der, |_| true),
        Ok(vec![DerBlock {
            label: None,
            der: der.to_vec()
        }])
    );
    assert_eq!(
        pem::der_blocks(b"hello", |_| true),
        Err(PemError::NeitherPemNorDer)
    );
    assert_eq!(
        pem::der_blocks(b"", |_| true),
        Err(PemError::NeitherPemNorDer)
    );
    // Bytes before the first BEGIN need not be text; bytes after it must be.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend_from_slice(CERT_A.as_bytes());
    assert_eq!(pem::der_blocks(&bytes, |_| true).unwrap().len(), 1);
    bytes.push(0xFF);
    assert_eq!(pem::der_blocks(&bytes, |_| true), Err(PemError::NotText));
    assert_eq!(
        pem::der_blocks(b"-----BEGIN CERTIFICATE\nMAMCAQE=\n", |_| true),
        Err(PemError::BrokenHeader)
    );
    let e = pem::der_blocks(b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n", |_| true).unwrap_err();
    assert_eq!(e.to_string(), "no -----END CERTIFICATE-----");
    let e = pem::der_blocks(
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----",
        |_| true,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("invalid PEM: "), "{e}");
    assert!(pem::blocks("no pem here").next().is_none());
}
