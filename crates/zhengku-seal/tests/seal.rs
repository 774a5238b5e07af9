//! Seals and signatures: round trips, the lenient variants producers write, v1, rejections,
//! and the checked-in vectors in `tests/vectors/` (regenerate with `ZHENGKU_BLESS=1 cargo
//! test -p zhengku-seal --test seal vectors`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use zhengku_seal::*;

// ---- Samples built with the crate's types -------------------------------------------------

fn t(y: u16, mo: u8, d: u8) -> SealTime {
    SealTime::new(y, mo, d, 8, 30, 0).unwrap()
}

fn seal_info(cert_list: CertList, ext_datas: Option<Vec<Extension>>) -> SealInfo {
    SealInfo {
        header: Header::v4("ZHENGKU"),
        es_id: "330106000000000001".into(),
        property: Property {
            seal_type: 1,
            name: "杭州市西湖区市场监督管理局证照专用章".into(),
            cert_list,
            create_date: t(2025, 1, 2),
            valid_start: t(2025, 1, 2),
            valid_end: t(2030, 1, 1),
        },
        picture: Picture {
            picture_type: "PNG".into(),
            // Over 127 bytes, so long-form lengths are exercised.
            data: (0..300u16).map(|i| (i % 251) as u8).collect(),
            width_mm: 42,
            height_mm: 42,
        },
        ext_datas,
    }
}

fn certs() -> CertList {
    CertList::Certificates(vec![vec![0x30, 0x03, 0x02, 0x01, 0x01], vec![0xAB; 200]])
}

fn digests() -> CertList {
    CertList::Digests(vec![CertDigest {
        digest_type: "sm3".into(),
        value: vec![0x5A; 32],
    }])
}

fn extensions() -> Vec<Extension> {
    vec![
        Extension {
            oid: "1.2.156.10260.4.1.1".parse().unwrap(),
            critical: false,
            value: b"not critical".to_vec(),
        },
        Extension {
            oid: "2.25.197395512406178214226498125627408413362"
                .parse()
                .unwrap(),
            critical: true,
            value: b"critical".to_vec(),
        },
    ]
}

fn seal(cert_list: CertList, ext: Option<Vec<Extension>>) -> Seal {
    Seal {
        seal_info: seal_info(cert_list, ext),
        maker_cert: vec![0x30, 0x82, 0x01, 0x00, 0xEE],
        sign_alg: Oid::sm2_with_sm3(),
        signed_value: vec![0x11; 71],
    }
}

fn signature(time_stamp: Option<Vec<u8>>, ext: Option<Vec<Extension>>) -> SesSignature {
    SesSignature {
        to_sign: TbsSign {
            version: 4,
            seal: seal(certs(), None),
            time_info: SealTime::new(2025, 6, 30, 2, 3, 4).unwrap(),
            data_hash: vec![0x42; 32],
            property_info: "/Doc_0/Signs/Sign_0/Signature.xml".into(),
            ext_datas: ext,
        },
        cert: vec![0xAB; 200],
        signature_alg: Oid::sm2_with_sm3(),
        signature: vec![0x22; 72],
        time_stamp,
    }
}

fn seal_v1() -> SealV1 {
    SealV1 {
        seal_info: seal_info(certs(), None),
        maker_cert: vec![0xCC; 10],
        sign_alg: Oid::sm2_with_sm3(),
        signed_value: vec![0x33; 64],
    }
}

// ---- A tiny independent DER builder for hand-built inputs ----------------------------------

fn h(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    h(0x30, &parts.concat())
}

fn ia5(s: &str) -> Vec<u8> {
    h(0x16, s.as_bytes())
}

fn int(v: u8) -> Vec<u8> {
    h(0x02, &[v])
}

fn octets(b: &[u8]) -> Vec<u8> {
    h(0x04, b)
}

fn bits(b: &[u8]) -> Vec<u8> {
    h(0x03, &[&[0u8][..], b].concat())
}

fn sm2_oid() -> Vec<u8> {
    h(0x06, &[0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75])
}

/// A v4 SES_SealInfo by hand; `ext` is appended as given (already tagged or not).
fn hand_seal_info(version: u8, ext: Option<Vec<u8>>) -> Vec<u8> {
    let mut parts = vec![
        seq(&[ia5("ES"), int(version), ia5("V")]),
        ia5("1"),
        seq(&[
            int(2),
            h(0x0C, "张三".as_bytes()),
            int(1),
            seq(&[octets(b"cert")]),
            h(0x18, b"20250102083000Z"),
            h(0x18, b"20250102083000Z"),
            h(0x18, b"20300101083000Z"),
        ]),
        seq(&[ia5("SVG"), octets(b"<svg/>"), int(20), int(10)]),
    ];
    parts.extend(ext);
    seq(&parts)
}

fn hand_seal(version: u8, ext: Option<Vec<u8>>) -> Vec<u8> {
    seq(&[
        hand_seal_info(version, ext),
        octets(b"maker"),
        sm2_oid(),
        bits(&[1, 2, 3]),
    ])
}

/// One extension, `critical` FALSE written explicitly (lenient) or omitted (strict).
fn ext_list(explicit_false: bool) -> Vec<u8> {
    let oid = h(0x06, &[0x2A, 0x03]);
    let ext = if explicit_false {
        seq(&[oid, h(0x01, &[0x00]), octets(b"x")])
    } else {
        seq(&[oid, octets(b"x")])
    };
    seq(&[ext])
}

fn hand_v1_seal_info() -> Vec<u8> {
    seq(&[
        seq(&[ia5("ES"), int(1), ia5("V")]),
        ia5("1"),
        seq(&[
            int(1),
            h(0x0C, "测试单位公章".as_bytes()),
            seq(&[octets(b"c1"), octets(b"c2")]),
            h(0x17, b"150102083000Z"),
            h(0x17, b"150102083000Z"),
            h(0x17, b"200101083000Z"),
        ]),
        seq(&[ia5("GIF"), octets(b"GIF89a"), int(30), int(30)]),
    ])
}

fn hand_v1_seal() -> Vec<u8> {
    seq(&[
        hand_v1_seal_info(),
        seq(&[octets(b"maker"), sm2_oid(), bits(&[9; 4])]),
    ])
}

fn hand_v1_tbs() -> Vec<u8> {
    seq(&[
        int(1),
        hand_v1_seal(),
        bits(b"2016-03-04 05:06:07"),
        bits(&[7; 32]),
        ia5("doc.pdf"),
        octets(b"signer"),
        sm2_oid(),
    ])
}

fn hand_v1_signature() -> Vec<u8> {
    seq(&[hand_v1_tbs(), bits(&[8; 64])])
}

// ---- Round trips --------------------------------------------------------------------------

fn v4_seals() -> Vec<(&'static str, Seal)> {
    vec![
        ("seal_v4_certs", seal(certs(), None)),
        ("seal_v4_digests", seal(digests(), None)),
        ("seal_v4_certs_ext", seal(certs(), Some(extensions()))),
        ("seal_v4_digests_empty_ext", seal(digests(), Some(vec![]))),
    ]
}

fn v4_signatures() -> Vec<(&'static str, SesSignature)> {
    vec![
        ("signature_v4", signature(None, None)),
        (
            "signature_v4_ts_ext",
            signature(Some(vec![0x30, 0x00, 0x99]), Some(extensions())),
        ),
    ]
}

#[test]
fn v4_seals_round_trip_byte_identical() {
    for (name, s) in v4_seals() {
        let der = s.to_der().unwrap();
        let back = decode_seal(&der).unwrap();
        assert_eq!(back, DecodedSeal::V4(s.clone()), "{name}");
        assert_eq!(back.to_der().unwrap(), der, "{name}");
        assert_eq!(back.header_version(), 4);
    }
}

#[test]
fn v4_signatures_round_trip_byte_identical() {
    for (name, s) in v4_signatures() {
        let der = s.to_der().unwrap();
        let back = decode_signature(&der).unwrap();
        assert_eq!(back, DecodedSignature::V4(s.clone()), "{name}");
        assert_eq!(back.to_der().unwrap(), der, "{name}");
    }
}

#[test]
fn v1_seal_and_signature_round_trip() {
    let s = seal_v1();
    let der = s.to_der().unwrap();
    assert_eq!(decode_seal(&der).unwrap(), DecodedSeal::V1(s.clone()));
    let sig = SesSignatureV1 {
        to_sign: TbsSignV1 {
            version: 1,
            seal: s,
            time_info: t(2016, 3, 4),
            data_hash: vec![1; 32],
            property_info: "x".into(),
            cert: vec![2; 5],
            signature_alg: Oid::sm2_with_sm3(),
        },
        signature: vec![3; 64],
    };
    let der = sig.to_der().unwrap();
    let back = decode_signature(&der).unwrap();
    assert_eq!(back, DecodedSignature::V1(sig));
    assert_eq!(back.to_der().unwrap(), der);
}

// ---- The signed forms -----------------------------------------------------------------------

#[test]
fn signed_forms_are_the_documented_sequences() {
    let s = seal(certs(), None);
    let info = s.seal_info.to_der().unwrap();
    let whole = s.to_der().unwrap();
    // SealInfo::to_der is the first element of the SESeal.
    let header_len = 4; // 30 82 xx xx
    assert_eq!(&whole[header_len..header_len + info.len()], &info[..]);
    // The alternative is SEQUENCE { eSealInfo, cert, signAlgID }: the SESeal minus signedValue.
    let alt = s.maker_tbs_alternative().unwrap();
    let expected = seq(&[info.clone(), octets(&s.maker_cert), sm2_oid()]);
    assert_eq!(alt, expected);

    let sig = signature(Some(vec![5]), None);
    let tbs = sig.to_sign.to_der().unwrap();
    assert_eq!(
        &sig.to_der().unwrap()[header_len..header_len + tbs.len()],
        &tbs[..]
    );

    // v1: the maker signs SEQUENCE { sealInfo, cert, signatureAlgorithm }.
    let DecodedSeal::V1(s1) = decode_seal(&hand_v1_seal()).unwrap() else {
        panic!("not v1")
    };
    assert_eq!(
        s1.maker_tbs().unwrap(),
        seq(&[hand_v1_seal_info(), octets(b"maker"), sm2_oid()])
    );
    let DecodedSignature::V1(sig1) = decode_signature(&hand_v1_signature()).unwrap() else {
        panic!("not v1")
    };
    assert_eq!(sig1.to_sign.to_der().unwrap(), hand_v1_tbs());
}

// ---- Lenient decode, strict encode ----------------------------------------------------------

#[test]
fn seal_info_ext_datas_tagged_or_untagged_and_explicit_false() {
    let strict = hand_seal(4, Some(ext_list(false)));
    let variants = [
        hand_seal(4, Some(ext_list(true))),
        hand_seal(4, Some(h(0xA0, &ext_list(false)))),
        hand_seal(4, Some(h(0xA0, &ext_list(true)))),
    ];
    assert_eq!(decode_seal(&strict).unwrap().to_der().unwrap(), strict);
    for v in variants {
        let back = decode_seal(&v).unwrap();
        assert_eq!(back.to_der().unwrap(), strict);
    }
}

#[test]
fn header_versions_one_to_four_are_accepted_and_reported() {
    for version in 1..=4u8 {
        let der = hand_seal(version, None);
        let back = decode_seal(&der).unwrap();
        assert_eq!(back.header_version(), u32::from(version));
        assert_eq!(back.to_der().unwrap(), der);
    }
    for version in [0u8, 5] {
        let e = decode_seal(&hand_seal(version, None)).unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::UnsupportedHeaderVersion {
                found: u64::from(version)
            }
        );
        assert_eq!(e.element(), "SES_Header.version");
    }
}

#[test]
fn signature_time_stamp_and_ext_datas_untagged() {
    let tbs = |ext: Vec<u8>| {
        seq(&[
            int(4),
            hand_seal(4, None),
            h(0x18, b"20250630020304Z"),
            bits(&[4; 32]),
            ia5("p"),
            ext,
        ])
    };
    let sig =
        |tbs: Vec<u8>, ts: Vec<u8>| seq(&[tbs, octets(b"signer"), sm2_oid(), bits(&[6; 8]), ts]);
    let strict = sig(tbs(h(0xA0, &ext_list(false))), h(0xA0, &bits(b"ts")));
    assert_eq!(decode_signature(&strict).unwrap().to_der().unwrap(), strict);
    let lenient = sig(tbs(ext_list(true)), bits(b"ts"));
    assert_eq!(
        decode_signature(&lenient).unwrap().to_der().unwrap(),
        strict
    );
}

// ---- The signed bytes as received -----------------------------------------------------------

#[test]
fn signed_bytes_are_the_received_elements_of_a_lenient_v4_signature() {
    // A seal whose SealInfo writes `critical` FALSE, in a TBS_Sign whose extDatas is untagged.
    let info = hand_seal_info(2, Some(ext_list(true)));
    let seal_der = seq(&[info.clone(), octets(b"maker"), sm2_oid(), bits(&[1, 2, 3])]);
    let tbs = seq(&[
        int(4),
        seal_der.clone(),
        h(0x18, b"20250630020304Z"),
        bits(&[4; 32]),
        ia5("p"),
        ext_list(true),
    ]);
    let der = seq(&[tbs.clone(), octets(b"signer"), sm2_oid(), bits(&[6; 8])]);

    let (decoded, signed) = decode_signature_with_signed_bytes(&der).unwrap();
    assert_eq!(decoded, decode_signature(&der).unwrap());
    assert_eq!(signed.tbs_sign(), &tbs[..]);
    assert_eq!(signed.seal().seal_info(), &info[..]);
    assert_eq!(signed.seal().cert(), &octets(b"maker")[..]);
    assert_eq!(signed.seal().sign_alg(), &sm2_oid()[..]);
    assert_eq!(
        signed.seal().triple(),
        seq(&[info.clone(), octets(b"maker"), sm2_oid()])
    );
    // The strict re-encodings differ from what was signed.
    let DecodedSignature::V4(sig) = &decoded else {
        panic!("not v4")
    };
    assert_ne!(sig.to_sign.to_der().unwrap(), tbs);
    assert_ne!(sig.to_sign.seal.seal_info.to_der().unwrap(), info);
    assert_ne!(
        sig.to_sign.seal.maker_tbs_alternative().unwrap(),
        signed.seal().triple()
    );

    // The seal alone.
    let (seal, seal_signed) = decode_seal_with_signed_bytes(&seal_der).unwrap();
    assert_eq!(seal.header_version(), 2);
    assert_eq!(seal_signed, signed.seal());
}

#[test]
fn signed_bytes_of_strict_input_equal_the_re_encoding() {
    for (name, s) in v4_signatures() {
        let der = s.to_der().unwrap();
        let (_, signed) = decode_signature_with_signed_bytes(&der).unwrap();
        assert_eq!(signed.tbs_sign(), s.to_sign.to_der().unwrap(), "{name}");
        assert_eq!(
            signed.seal().seal_info(),
            s.to_sign.seal.seal_info.to_der().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.seal().triple(),
            s.to_sign.seal.maker_tbs_alternative().unwrap(),
            "{name}"
        );
    }
    for (name, s) in v4_seals() {
        let der = s.to_der().unwrap();
        let (_, signed) = decode_seal_with_signed_bytes(&der).unwrap();
        assert_eq!(signed.seal_info(), s.seal_info.to_der().unwrap(), "{name}");
    }
}

#[test]
fn v1_signed_bytes_are_the_maker_triple_and_tbs_as_received() {
    let seal_der = hand_v1_seal();
    let (seal, signed) = decode_seal_with_signed_bytes(&seal_der).unwrap();
    let DecodedSeal::V1(s1) = &seal else {
        panic!("not v1")
    };
    let triple = seq(&[hand_v1_seal_info(), octets(b"maker"), sm2_oid()]);
    assert_eq!(signed.triple(), triple);
    assert_eq!(s1.maker_tbs().unwrap(), triple);
    assert_eq!(signed.seal_info(), &hand_v1_seal_info()[..]);

    let sig_der = hand_v1_signature();
    let (_, signed) = decode_signature_with_signed_bytes(&sig_der).unwrap();
    assert_eq!(signed.tbs_sign(), &hand_v1_tbs()[..]);
    assert_eq!(signed.seal().triple(), triple);
}

// ---- v1 -------------------------------------------------------------------------------------

#[test]
fn hand_built_v1_seal_and_signature_decode() {
    let DecodedSeal::V1(s) = decode_seal(&hand_v1_seal()).unwrap() else {
        panic!("not v1")
    };
    assert_eq!(s.seal_info.header.version, 1);
    assert_eq!(s.seal_info.property.name, "测试单位公章");
    assert_eq!(
        s.seal_info.property.cert_list,
        CertList::Certificates(vec![b"c1".to_vec(), b"c2".to_vec()])
    );
    assert_eq!(
        s.seal_info.property.valid_end,
        SealTime::new(2020, 1, 1, 8, 30, 0).unwrap()
    );
    assert_eq!(s.sign_alg.to_string(), "1.2.156.10197.1.501");
    assert_eq!(s.to_der().unwrap(), hand_v1_seal());

    let DecodedSignature::V1(sig) = decode_signature(&hand_v1_signature()).unwrap() else {
        panic!("not v1")
    };
    assert_eq!(
        sig.to_sign.time_info,
        SealTime::new(2016, 3, 4, 5, 6, 7).unwrap()
    );
    assert_eq!(sig.to_sign.cert, b"signer");
    assert_eq!(sig.signature, vec![8; 64]);
    assert_eq!(sig.to_der().unwrap(), hand_v1_signature());
}

#[test]
fn v1_cannot_hold_digests_or_years_outside_utctime() {
    let mut s = seal_v1();
    s.seal_info.property.cert_list = digests();
    assert_eq!(s.to_der().unwrap_err(), EncodeError::DigestsInV1);
    let mut s = seal_v1();
    s.seal_info.property.valid_end = t(2050, 1, 1);
    assert!(matches!(
        s.to_der().unwrap_err(),
        EncodeError::TimeOutOfRange { year: 2050, .. }
    ));
}

// ---- Rejections -----------------------------------------------------------------------------

#[test]
fn every_truncation_is_an_error() {
    let samples: Vec<Vec<u8>> = v4_seals()
        .iter()
        .map(|(_, s)| s.to_der().unwrap())
        .chain([seal_v1().to_der().unwrap(), hand_v1_seal()])
        .collect();
    for der in &samples {
        for len in 0..der.len() {
            assert!(decode_seal(&der[..len]).is_err(), "seal cut at {len}");
        }
    }
    let sigs: Vec<Vec<u8>> = v4_signatures()
        .iter()
        .map(|(_, s)| s.to_der().unwrap())
        .chain([hand_v1_signature()])
        .collect();
    for der in &sigs {
        for len in 0..der.len() {
            assert!(
                decode_signature(&der[..len]).is_err(),
                "signature cut at {len}"
            );
        }
    }
}

#[test]
fn trailing_bytes_oversize_and_wrong_id_are_rejected() {
    let mut der = seal(certs(), None).to_der().unwrap();
    let len = der.len();
    der.push(0);
    let e = decode_seal(&der).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::TrailingBytes { count: 1 });
    assert_eq!(e.offset(), len);

    let big = vec![0u8; MAX_SEAL_LEN + 1];
    assert!(matches!(
        decode_seal(&big).unwrap_err().kind(),
        DecodeErrorKind::InputTooLarge { .. }
    ));
    let big = vec![0u8; MAX_SIGNATURE_LEN + 1];
    assert!(matches!(
        decode_signature(&big).unwrap_err().kind(),
        DecodeErrorKind::InputTooLarge { .. }
    ));

    let mut s = seal(certs(), None);
    s.seal_info.header.id = "EX".into();
    assert!(matches!(s.to_der(), Err(EncodeError::Header(_))));
    let mut der = hand_seal(4, None);
    let at = der
        .windows(4)
        .position(|w| w == [0x16, 0x02, b'E', b'S'])
        .unwrap();
    der[at + 3] = b'X';
    let e = decode_seal(&der).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::WrongHeaderId { found: "EX".into() }
    );
    assert_eq!(e.offset(), at);
}

#[test]
fn too_many_list_items_and_unknown_layouts_are_rejected() {
    let many = vec![octets(b""); MAX_LIST_ITEMS + 1].concat();
    let info = seq(&[
        seq(&[ia5("ES"), int(4), ia5("V")]),
        ia5("1"),
        seq(&[
            int(1),
            h(0x0C, b"n"),
            int(1),
            h(0x30, &many),
            h(0x18, b"20250102083000Z"),
            h(0x18, b"20250102083000Z"),
            h(0x18, b"20300101083000Z"),
        ]),
        seq(&[ia5("SVG"), octets(b""), int(1), int(1)]),
    ]);
    let der = seq(&[info, octets(b""), sm2_oid(), bits(&[])]);
    let e = decode_seal(&der).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::TooManyItems {
            max: MAX_LIST_ITEMS
        }
    );
    let e = decode_seal(&seq(&[int(1), int(2), int(3)])).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::UnknownLayout { elements: 3 });
    let e = decode_seal(&seq(&[octets(b"")])).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::UnknownLayout { elements: 1 });
}

#[test]
fn single_byte_changes_never_panic_and_accepted_inputs_round_trip() {
    let der = seal(digests(), Some(extensions())).to_der().unwrap();
    for i in 0..der.len() {
        for v in [0x00, 0x01, 0x30, 0x80, 0xA0, 0xFF, der[i] ^ 1] {
            let mut m = der.clone();
            m[i] = v;
            if let Ok(s) = decode_seal(&m) {
                let again = s.to_der().unwrap();
                assert_eq!(decode_seal(&again).unwrap(), s);
            }
        }
    }
}

/// The fuzz target's property (`fuzz/fuzz_targets/seal_decode.rs`) over deterministic
/// mutations of every vector: byte changes, insertions, deletions, length-byte bumps.
#[test]
fn mutated_vectors_hold_the_fuzz_property() {
    fn check(data: &[u8]) {
        if let Ok(seal) = decode_seal(data) {
            let der = seal.to_der().unwrap();
            let again = decode_seal(&der).unwrap();
            assert_eq!(again, seal);
            assert_eq!(again.to_der().unwrap(), der);
        }
        if let Ok(sig) = decode_signature(data) {
            let der = sig.to_der().unwrap();
            let again = decode_signature(&der).unwrap();
            assert_eq!(again, sig);
            assert_eq!(again.to_der().unwrap(), der);
        }
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (_, original) in vectors() {
        check(&original);
        for _ in 0..2000 {
            let mut m = original.clone();
            for _ in 0..=(next() % 3) {
                let at = (next() as usize) % m.len().max(1);
                match next() % 4 {
                    0 if !m.is_empty() => m[at] = next() as u8,
                    1 if !m.is_empty() => m[at] = m[at].wrapping_add(1),
                    2 => m.insert(at.min(m.len()), next() as u8),
                    _ if !m.is_empty() => {
                        m.remove(at);
                    }
                    _ => {}
                }
            }
            check(&m);
        }
    }
}

// ---- Checked-in vectors ---------------------------------------------------------------------

fn vectors() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, s) in v4_seals() {
        out.push((format!("{name}.der"), s.to_der().unwrap()));
    }
    for (name, s) in v4_signatures() {
        out.push((format!("{name}.der"), s.to_der().unwrap()));
    }
    out.push(("seal_v1_hand.der".into(), hand_v1_seal()));
    out.push(("signature_v1_hand.der".into(), hand_v1_signature()));
    out.push((
        "seal_v4_lenient_tagged_ext_explicit_false_header_v2.der".into(),
        hand_seal(2, Some(h(0xA0, &ext_list(true)))),
    ));
    out
}

#[test]
fn vectors_match_the_checked_in_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let bless = std::env::var_os("ZHENGKU_BLESS").is_some_and(|v| v == "1");
    for (name, bytes) in vectors() {
        let path = dir.join(&name);
        if bless {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{name}: {e} (regenerate with ZHENGKU_BLESS=1)"));
        assert_eq!(
            on_disk, bytes,
            "{name} differs (regenerate with ZHENGKU_BLESS=1)"
        );
        // Every vector decodes; strict ones re-encode to themselves.
        let der = if name.starts_with("seal") {
            decode_seal(&on_disk).unwrap().to_der().unwrap()
        } else {
            decode_signature(&on_disk).unwrap().to_der().unwrap()
        };
        if name.contains("lenient") {
            assert_ne!(der, on_disk, "{name}");
            assert_eq!(der, hand_seal(2, Some(ext_list(false))), "{name}");
        } else {
            assert_eq!(der, on_disk, "{name}");
        }
    }
}
