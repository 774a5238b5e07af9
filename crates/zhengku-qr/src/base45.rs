//! Base45 (RFC 9285): two bytes to three characters of the QR alphanumeric alphabet.
//!
//! Decoding is strict: a character outside the alphabet (lowercase included), a length that
//! leaves one character over, or a group whose value does not fit its bytes is an error.

/// The 45 characters, in value order (RFC 9285 §4).
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a text is not base45.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    /// A character outside the alphabet, at this byte offset.
    #[error("invalid base45 character at offset {0}")]
    InvalidChar(usize),
    /// The length leaves a single character over (length ≡ 1 mod 3).
    #[error("invalid base45 length {0}")]
    InvalidLength(usize),
    /// A group's value is too large for its bytes, at this byte offset.
    #[error("base45 group out of range at offset {0}")]
    OutOfRange(usize),
}

/// Encodes `data` as base45.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(2) * 3);
    let push = |out: &mut String, v: usize| out.push(char::from(ALPHABET[v]));
    for chunk in data.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(&mut out, n % 45);
                push(&mut out, (n / 45) % 45);
                push(&mut out, n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(&mut out, n % 45);
                push(&mut out, n / 45);
            }
            _ => {}
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Decodes base45 text strictly.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::InvalidLength(bytes.len()));
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        let offset = i * 3;
        let mut n: u32 = 0;
        let mut weight: u32 = 1;
        for (j, &c) in chunk.iter().enumerate() {
            n += weight * value(c).ok_or(Base45Error::InvalidChar(offset + j))?;
            weight *= 45;
        }
        if chunk.len() == 3 {
            let v = u16::try_from(n).map_err(|_| Base45Error::OutOfRange(offset))?;
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.push(u8::try_from(n).map_err(|_| Base45Error::OutOfRange(offset))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").as_deref(), Ok(&b"ietf!"[..]));
        assert_eq!(decode("BB8").as_deref(), Ok(&b"AB"[..]));
        assert_eq!(decode("%69 VD92EX0").as_deref(), Ok(&b"Hello!!"[..]));
        assert_eq!(encode(b""), "");
        assert_eq!(decode("").as_deref(), Ok(&b""[..]));
    }

    #[test]
    fn round_trips_every_byte_pair_boundary() {
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..data.len() {
            assert_eq!(decode(&encode(&data[..len])).as_deref(), Ok(&data[..len]));
        }
        assert_eq!(
            decode(&encode(&[0xff, 0xff, 0xff])).as_deref(),
            Ok(&[0xff, 0xff, 0xff][..])
        );
    }

    #[test]
    fn strict_decoding() {
        // RFC 9285 §4.2: "GGW" is 65536 + ..., more than two bytes hold.
        assert_eq!(decode("GGW"), Err(Base45Error::OutOfRange(0)));
        assert_eq!(decode(":::"), Err(Base45Error::OutOfRange(0)));
        assert_eq!(decode("BB8:;"), Err(Base45Error::InvalidChar(4)));
        assert_eq!(decode("::"), Err(Base45Error::OutOfRange(0)));
        assert_eq!(decode("bb8"), Err(Base45Error::InvalidChar(0)));
        assert_eq!(decode("BB8A"), Err(Base45Error::InvalidLength(4)));
        assert_eq!(decode("A"), Err(Base45Error::InvalidLength(1)));
        assert_eq!(decode("B\u{e9}"), Err(Base45Error::InvalidChar(1)));
    }
}
