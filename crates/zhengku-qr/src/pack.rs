//! Packing of uppercase identifiers into bytes, so that they cost less in a QR code.
//!
//! A licence identifier (`11100000MB0143028R901.11330106MB0B12345L.20260000001.001.X`) and a
//! USCC are written only with `0-9`, `A-Z` and `.`. As CBOR text, each character costs a byte,
//! and through base45 about 1.6 QR characters. Read as a number in bijective base 37
//! (digits `0`…`9` = 1…10, `A`…`Z` = 11…36, `.` = 37) and written big-endian in the fewest
//! bytes, the same text takes 5.2 bits a character: the 58-character identifier above becomes
//! 38 bytes. Bijective numeration has no zero digit, so every text (leading `0`s included) has
//! exactly one packed form and every packed form without a leading zero byte exactly one text.

/// The alphabet, digit values 1 to 37 in order.
const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.";
const BASE: u32 = 37;

/// The longest text packed or unpacked (identifiers are at most about 90 characters).
pub const MAX_PACKED_TEXT: usize = 128;

fn digit(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p + 1).ok())
}

/// Packs `text` (only `0-9 A-Z .`, 1 to [`MAX_PACKED_TEXT`] characters); `None` otherwise.
pub fn pack(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || text.len() > MAX_PACKED_TEXT {
        return None;
    }
    // Little-endian base-256 number; multiply by 37 and add each digit.
    let mut n: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.bytes() {
        let mut carry = digit(c)?;
        for limb in n.iter_mut() {
            let v = u32::from(*limb) * BASE + carry;
            *limb = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            n.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    n.reverse();
    Some(n)
}

/// Unpacks bytes made by [`pack`]; `None` for a leading zero byte, an empty input or a text
/// longer than [`MAX_PACKED_TEXT`].
pub fn unpack(bytes: &[u8]) -> Option<String> {
    if bytes.first().is_none_or(|&b| b == 0) {
        return None;
    }
    // Big-endian base-256 number, held as big-endian 32-bit limbs (a verifier unpacks one
    // identifier per QR code, so this is on the hot path: limbs, not bytes, and only the
    // limbs still non-zero); take bijective base-37 digits from the low end.
    let pad = (4 - bytes.len() % 4) % 4;
    let mut n: Vec<u32> = std::iter::repeat_n(0u8, pad)
        .chain(bytes.iter().copied())
        .collect::<Vec<u8>>()
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut start = n.iter().position(|&l| l != 0).unwrap_or(n.len());
    let mut out = Vec::new();
    while start < n.len() {
        if out.len() >= MAX_PACKED_TEXT {
            return None;
        }
        // n = n - 1 (n > 0, so the borrow stops), then digit = n mod 37 + 1, n = n / 37.
        for limb in n[start..].iter_mut().rev() {
            if *limb == 0 {
                *limb = u32::MAX;
            } else {
                *limb -= 1;
                break;
            }
        }
        let mut rem = 0u64;
        for limb in n[start..].iter_mut() {
            let v = (rem << 32) | u64::from(*limb);
            // v < 37 · 2^32, so the quotient fits 32 bits.
            *limb = (v / u64::from(BASE)) as u32;
            rem = v % u64::from(BASE);
        }
        out.push(ALPHABET[rem as usize]);
        while start < n.len() && n[start] == 0 {
            start += 1;
        }
    }
    out.reverse();
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The byte-at-a-time unpacking this module used before (the reference).
    fn unpack_bytewise(bytes: &[u8]) -> Option<String> {
        if bytes.first().is_none_or(|&b| b == 0) {
            return None;
        }
        let mut n: Vec<u8> = bytes.to_vec();
        let mut out = Vec::new();
        while n.iter().any(|&b| b != 0) {
            if out.len() >= MAX_PACKED_TEXT {
                return None;
            }
            for limb in n.iter_mut().rev() {
                if *limb == 0 {
                    *limb = 0xff;
                } else {
                    *limb -= 1;
                    break;
                }
            }
            let mut rem = 0u32;
            for limb in n.iter_mut() {
                let v = (rem << 8) | u32::from(*limb);
                *limb = (v / BASE) as u8;
                rem = v % BASE;
            }
            out.push(ALPHABET[rem as usize]);
        }
        out.reverse();
        String::from_utf8(out).ok()
    }

    #[test]
    fn limbs_agree_with_the_bytewise_reference() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        for len in 0..80usize {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (seed >> 56) as u8
                    })
                    .collect();
                assert_eq!(unpack(&bytes), unpack_bytewise(&bytes), "{bytes:02x?}");
            }
        }
        for bytes in [
            &[1u8][..],
            &[0xff; 40][..],
            &[1, 0, 0, 0, 0][..],
            &[0x80, 0, 0, 0][..],
        ] {
            assert_eq!(unpack(bytes), unpack_bytewise(bytes));
        }
    }

    #[test]
    fn round_trips_and_is_short() {
        for t in [
            "0",
            "00",
            "A",
            ".",
            "11100000MB0143028R901.11330106MB0B12345L.20260000001.001.X",
            "91330106MA2H0YKU5B",
            "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        ] {
            let p = pack(t).unwrap();
            assert_ne!(p[0], 0, "{t}");
            assert_eq!(unpack(&p).as_deref(), Some(t), "{t}");
            // 5.21 bits a character, rounded up to bytes.
            assert!(p.len() <= (t.len() * 521).div_ceil(800), "{t}: {}", p.len());
        }
        assert_eq!(
            pack("11100000MB0143028R901.11330106MB0B12345L.20260000001.001.X")
                .unwrap()
                .len(),
            38
        );
    }

    #[test]
    fn distinct_texts_distinct_packings() {
        let texts = ["0", "00", "000", "1", "01", "10", "Z", ".", "0.", ".0"];
        let packed: std::collections::HashSet<Vec<u8>> =
            texts.iter().map(|t| pack(t).unwrap()).collect();
        assert_eq!(packed.len(), texts.len());
    }

    #[test]
    fn refuses_what_it_cannot_carry() {
        assert_eq!(pack(""), None);
        assert_eq!(pack("abc"), None);
        assert_eq!(pack("A*B"), None);
        assert_eq!(pack(&"1".repeat(MAX_PACKED_TEXT + 1)), None);
        assert_eq!(unpack(&[]), None);
        assert_eq!(unpack(&[0, 1]), None);
        assert_eq!(unpack(&[0xff; 200]), None);
    }
}
