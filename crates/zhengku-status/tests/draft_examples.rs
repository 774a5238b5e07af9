//! The draft's own examples (draft-ietf-oauth-status-list-21 §4.1–§4.3, §5.2, §6.3 and
//! Appendix C) as known answers: the encoder writes the draft's bytes, the decoder reads the
//! draft's statuses, and the draft's example tokens verify with the draft's example key
//! (P-256, kid "12") and fail once changed. The long vectors in `tests/vectors/` are the
//! Appendix C CBOR, as hex.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_cbor::{Limits, Value};
use zhengku_crypto::{Direct, PublicKey};
use zhengku_status::{Freshness, Reference, SignedStatusList, StatusList};

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn list_of(bits: u8, statuses: &[u8]) -> StatusList {
    let mut l = StatusList::new(bits, statuses.len() as u64).unwrap();
    for (i, s) in statuses.iter().enumerate() {
        l.set(i as u64, *s).unwrap();
    }
    l
}

/// The draft's example key (its repository's `EXAMPLE_KEY`, kid "12"), public half.
const EXAMPLE_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEI3HWm/0Ds1dPMI+IWmf4mBmH+Yae
AVbPVu7vB27CxXro393kSWP1uzWG2BXeiQkoh1scSmSBOYCW5gol6bOfUw==
-----END PUBLIC KEY-----
";

/// §5.2: the example Status List Token.
const STATUS_LIST_CWT: &[&str] = &[
    "d2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b637774a1044231",
    "325850a502782168747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f31",
    "061a648c5bea041a8898dfea19fffe19a8c019fffda2646269747301636c73744a78dadbb9180002",
    "17015d584093fa4d01032b18c35e2fe1101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d",
    "9772ce2bf3a12e0323ded7c982c5e101a5e67f0cbc1e2b6f57ce99c279",
];

/// §6.3: the example Referenced Token.
const REFERENCED_CWT: &[&str] = &[
    "d28443a10126a1044231325866a502653132333435017368747470733a2f2f6578616d706c652e63",
    "6f6d061a648c5bea041a8898dfea19ffffa16b7374617475735f6c697374a2636964780063757269",
    "782168747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f315840340f7e",
    "fea10f1a36dc4797636a17b4dd4848b68997d1d10e8cceb3a38ff33b3dda72964a83989f6cf98560",
    "c2fc97a08bc8977cc6b0f84cfedab93d3e4481e938",
];

/// §4.1's 1-bit example: 16 statuses.
const ONE_BIT: [u8; 16] = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
/// §4.1's 2-bit example: 12 statuses.
const TWO_BITS: [u8; 12] = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];

#[test]
fn the_short_examples_encode_and_decode_as_the_draft_says() {
    for (bits, statuses, raw, cbor) in [
        (
            1,
            &ONE_BIT[..],
            "b9a3",
            "a2646269747301636c73744a78dadbb918000217015d",
        ),
        (
            2,
            &TWO_BITS[..],
            "c944f9",
            "a2646269747302636c73744b78da3be9f2130003df0207",
        ),
    ] {
        let ours = list_of(bits, statuses);
        assert_eq!(ours.as_bytes(), unhex(raw), "{bits}-bit array");
        // The draft writes "bits" before "lst", which deterministic CBOR (keys sorted by
        // their encodings) does not: the maps differ in order only, and level 9 zlib writes
        // the draft's very `lst`.
        let draft = zhengku_cbor::decode_lenient(&unhex(cbor), &Limits::default()).unwrap();
        assert!(zhengku_cbor::decode(&unhex(cbor), &Limits::default()).is_err());
        assert_eq!(ours.to_cbor(), draft, "{bits}-bit CBOR");
        let theirs = StatusList::from_cbor(&draft).unwrap();
        for (i, s) in statuses.iter().enumerate() {
            assert_eq!(theirs.get(i as u64).unwrap(), *s, "{bits}-bit entry {i}");
        }
        assert!(
            theirs.get(theirs.len()).is_err(),
            "out of bounds is no status"
        );
    }
}

/// An Appendix C vector: the list, and its `lst` as the draft wrote it.
fn vector(name: &str) -> (StatusList, Vec<u8>) {
    let path = format!("{}/tests/vectors/{name}.hex", env!("CARGO_MANIFEST_DIR"));
    let bytes = unhex(&std::fs::read_to_string(path).unwrap());
    let v = zhengku_cbor::decode_lenient(&bytes, &Limits::default()).unwrap();
    let lst = v
        .as_map()
        .unwrap()
        .get_text_key("lst")
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec();
    (StatusList::from_cbor(&v).unwrap(), lst)
}

#[test]
fn the_long_vectors_of_appendix_c_hold_exactly_their_entries() {
    let one = [
        0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345,
    ]
    .map(|i| (i, 1));
    let two = [
        (0, 1),
        (1993, 2),
        (25460, 1),
        (159495, 3),
        (495669, 1),
        (554353, 1),
        (645645, 2),
        (723232, 1),
        (854545, 1),
        (934534, 2),
        (1000345, 3),
    ];
    let four = [
        (0, 1),
        (1993, 2),
        (35460, 3),
        (459495, 4),
        (595669, 5),
        (754353, 6),
        (845645, 7),
        (923232, 8),
        (924445, 9),
        (934534, 10),
        (1004534, 11),
        (1000345, 12),
        (1030203, 13),
        (1030204, 14),
        (1030205, 15),
    ];
    for (name, bits, entries) in [
        ("encoding1_long_cbor", 1, &one[..]),
        ("encoding2_long_cbor", 2, &two[..]),
        ("encoding4_cbor", 4, &four[..]),
    ] {
        let (l, lst) = vector(name);
        assert_eq!((l.bits(), l.len()), (bits, 1 << 20), "{name}");
        let nonzero: Vec<(u64, u8)> = (0..l.len())
            .filter_map(|i| Some((i, l.get(i).unwrap())).filter(|(_, v)| *v != 0))
            .collect();
        let mut want: Vec<(u64, u8)> = entries.to_vec();
        want.sort();
        assert_eq!(nonzero, want, "{name}");
        // Made again from the entries, the array is the same.
        let mut ours = StatusList::new(bits, 1 << 20).unwrap();
        for (i, v) in entries {
            ours.set(*i, *v).unwrap();
        }
        assert_eq!(ours.as_bytes(), l.as_bytes(), "{name}");
        // Compressed, it reads back the same; DEFLATE leaves encoders free, so the bytes
        // need not be the draft's, but they are no larger than 5 % more.
        let ours_lst = ours.compressed();
        assert_eq!(
            StatusList::from_compressed(u64::from(bits), &ours_lst).unwrap(),
            ours
        );
        assert!(
            ours_lst.len() * 100 <= lst.len() * 105,
            "{name}: {} vs {}",
            ours_lst.len(),
            lst.len()
        );
    }
}

#[test]
fn the_example_token_verifies_with_the_example_key_and_fails_when_changed() {
    let key = PublicKey::from_pem(EXAMPLE_KEY).unwrap();
    let token = unhex(&STATUS_LIST_CWT.concat());
    let signed = SignedStatusList::decode(&token).unwrap();
    assert_eq!(signed.kid(), Some(&b"12"[..]));
    let claims = signed.verify(&key, &Direct).unwrap();
    assert_eq!(claims.sub, "https://example.com/statuslists/1");
    assert_eq!(
        (claims.iat, claims.exp, claims.ttl),
        (1686920170, Some(2291720170), Some(43200))
    );
    for (i, s) in ONE_BIT.iter().enumerate() {
        assert_eq!(claims.list.get(i as u64).unwrap(), *s);
    }
    assert_eq!(claims.freshness(1686920170 + 60), Freshness::Fresh);
    assert_eq!(claims.freshness(1686920170 + 43200), Freshness::Stale);
    assert_eq!(claims.freshness(2291720170), Freshness::Expired);
    assert_eq!(claims.freshness(1686920170 - 3600), Freshness::NotYetIssued);
    // Any changed byte: unreadable, or refused by the signature. Bytes 36..41 are the
    // unprotected header `{4: h'3132'}`, which is not signed (so only a hint, module docs).
    assert_eq!(token[36..41], [0xa1, 0x04, 0x42, 0x31, 0x32]);
    for i in (0..token.len()).filter(|i| !(36..41).contains(i)) {
        let mut bad = token.clone();
        bad[i] ^= 0x04;
        if let Ok(s) = SignedStatusList::decode(&bad) {
            assert!(
                s.verify(&key, &Direct).is_err(),
                "byte {i} changed still verifies"
            );
        }
    }
}

#[test]
fn the_example_referenced_token_points_at_index_0() {
    let key = PublicKey::from_pem(EXAMPLE_KEY).unwrap();
    let token = unhex(&REFERENCED_CWT.concat());
    let envelope = zhengku_cose::Sign1::decode(&token, &Limits::default()).unwrap();
    envelope.verify(&key, &Direct).unwrap();
    let claims = zhengku_cbor::decode_lenient(envelope.payload(), &Limits::default()).unwrap();
    let status = claims
        .as_map()
        .unwrap()
        .get(&Value::integer(zhengku_status::CLAIM_STATUS))
        .unwrap();
    let r = Reference::from_cbor(status).unwrap();
    assert_eq!(
        r,
        Reference {
            idx: 0,
            uri: "https://example.com/statuslists/1".into()
        }
    );
    // Round trip through our encoding.
    assert_eq!(Reference::from_cbor(&r.to_cbor()).unwrap(), r);
}
