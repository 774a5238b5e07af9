//! Signature values: DER `SEQUENCE { r INTEGER, s INTEGER }` and raw 64-byte `r || s`.
//!
//! X.509, CMS and GB/T 38540 seals carry the DER form; compact forms (QR payloads, signed
//! licences) carry raw `r || s`. Both are read strictly — any DER that is not the unique
//! encoding, a zero or out-of-range scalar, or trailing bytes is an error naming the defect —
//! because a signature that can be re-encoded without invalidating it lets two different
//! byte strings stand for one signed object.

use crate::Algorithm;
use crate::error::{Scalar, SignatureError};

/// A signature: the algorithm and its two scalars, each in `[1, n-1]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    alg: Algorithm,
    r: [u8; 32],
    s: [u8; 32],
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Signature({}, {})", self.alg, hex::encode(self.to_raw()))
    }
}

impl Signature {
    /// Builds a signature from big-endian scalars, checking each is in `[1, n-1]`.
    pub fn from_scalars(alg: Algorithm, r: [u8; 32], s: [u8; 32]) -> Result<Self, SignatureError> {
        check_range(alg, &r, Scalar::R)?;
        check_range(alg, &s, Scalar::S)?;
        Ok(Signature { alg, r, s })
    }

    /// Reads raw `r || s` (64 bytes).
    pub fn from_raw(alg: Algorithm, bytes: &[u8]) -> Result<Self, SignatureError> {
        let (r, s) = match bytes.split_first_chunk::<32>() {
            Some((r, rest)) if rest.len() == 32 => (*r, rest),
            _ => return Err(SignatureError::RawLength { found: bytes.len() }),
        };
        let mut s_arr = [0u8; 32];
        s_arr.copy_from_slice(s);
        Self::from_scalars(alg, r, s_arr)
    }

    /// Reads strict DER `SEQUENCE { r INTEGER, s INTEGER }`.
    pub fn from_der(alg: Algorithm, der: &[u8]) -> Result<Self, SignatureError> {
        if der.is_empty() {
            return Err(SignatureError::Empty);
        }
        let mut outer = Reader { buf: der, pos: 0 };
        let body = outer.element(0x30, "SEQUENCE")?;
        if outer.pos != der.len() {
            return Err(SignatureError::TrailingBytes {
                count: der.len() - outer.pos,
            });
        }
        let mut inner = Reader {
            buf: der,
            pos: body.0,
        };
        inner.buf = &der[..body.1];
        let r = inner.integer(alg, Scalar::R)?;
        let s = inner.integer(alg, Scalar::S)?;
        if inner.pos != body.1 {
            return Err(SignatureError::ExtraElements);
        }
        Self::from_scalars(alg, r, s)
    }

    /// The algorithm this signature is for.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// `r`, big-endian, 32 bytes.
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// `s`, big-endian, 32 bytes.
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// Raw `r || s`.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }

    /// The unique DER encoding (70 to 72 bytes for these curves, shorter when a scalar
    /// happens to have leading zero bytes).
    pub fn to_der(&self) -> Vec<u8> {
        let r = der_integer(&self.r);
        let s = der_integer(&self.s);
        // r and s are at most 33 content bytes each, so the body is below 128 bytes and the
        // short length form always applies.
        let body_len = r.len() + s.len();
        let mut out = Vec::with_capacity(2 + body_len);
        out.push(0x30);
        out.push(body_len as u8);
        out.extend_from_slice(&r);
        out.extend_from_slice(&s);
        out
    }
}

fn check_range(alg: Algorithm, v: &[u8; 32], which: Scalar) -> Result<(), SignatureError> {
    if v.iter().all(|&b| b == 0) {
        return Err(SignatureError::ScalarZero { which });
    }
    // Big-endian byte strings of equal length compare like the numbers they encode.
    if v.as_slice() >= alg.order().as_slice() {
        return Err(SignatureError::ScalarOutOfRange { which, alg });
    }
    Ok(())
}

/// DER INTEGER (tag, length, content) of a non-negative 32-byte big-endian value.
fn der_integer(v: &[u8; 32]) -> Vec<u8> {
    let first = v.iter().position(|&b| b != 0).unwrap_or(31);
    let digits = &v[first..];
    let pad = digits[0] & 0x80 != 0;
    let len = digits.len() + usize::from(pad);
    let mut out = Vec::with_capacity(2 + len);
    out.push(0x02);
    out.push(len as u8);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// A cursor over DER for the one shape a signature has.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// Reads tag + length; returns the content's (start, end) and advances past it.
    fn element(&mut self, tag: u8, name: &'static str) -> Result<(usize, usize), SignatureError> {
        let offset = self.pos;
        let found = *self
            .buf
            .get(offset)
            .ok_or(SignatureError::Truncated { offset })?;
        if found != tag {
            return Err(SignatureError::UnexpectedTag {
                expected: name,
                found,
                offset,
            });
        }
        let len_at = offset + 1;
        let first = *self
            .buf
            .get(len_at)
            .ok_or(SignatureError::Truncated { offset: len_at })?;
        let (len, header) = match first {
            0..=0x7F => (usize::from(first), 2),
            0x81 => {
                let b = *self
                    .buf
                    .get(len_at + 1)
                    .ok_or(SignatureError::Truncated { offset: len_at + 1 })?;
                // Long form is only allowed where the short form cannot express the length.
                if b < 0x80 {
                    return Err(SignatureError::NonMinimalLength { offset: len_at });
                }
                (usize::from(b), 3)
            }
            // 0x80 is the indefinite form (BER only); 0x82.. would describe lengths no
            // signature of these curves can have, and are non-minimal for any such length.
            _ => return Err(SignatureError::NonMinimalLength { offset: len_at }),
        };
        let start = offset + header;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.buf.len())
            .ok_or(SignatureError::Truncated {
                offset: self.buf.len(),
            })?;
        self.pos = end;
        Ok((start, end))
    }

    fn integer(&mut self, alg: Algorithm, which: Scalar) -> Result<[u8; 32], SignatureError> {
        let (start, end) = self.element(0x02, "INTEGER")?;
        let content = &self.buf[start..end];
        let Some((&first, rest)) = content.split_first() else {
            // An INTEGER must have at least one content byte.
            return Err(SignatureError::Truncated { offset: start });
        };
        if first & 0x80 != 0 {
            return Err(SignatureError::NegativeInteger { which });
        }
        if first == 0 && rest.first().is_some_and(|b| b & 0x80 == 0) {
            return Err(SignatureError::NonMinimalInteger { which });
        }
        let digits = if first == 0 && !rest.is_empty() {
            rest
        } else {
            content
        };
        if digits.len() > 32 {
            return Err(SignatureError::ScalarOutOfRange { which, alg });
        }
        let mut out = [0u8; 32];
        out[32 - digits.len()..].copy_from_slice(digits);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample(alg: Algorithm) -> Signature {
        let mut r = [0x11u8; 32];
        r[0] = 0x81; // high bit set: DER needs a leading zero
        let s = [0x22u8; 32];
        Signature::from_scalars(alg, r, s).unwrap()
    }

    #[test]
    fn der_and_raw_round_trip() {
        for alg in Algorithm::ALL {
            let sig = sample(alg);
            let der = sig.to_der();
            assert_eq!(der.len(), 2 + 2 + 33 + 2 + 32);
            assert_eq!(Signature::from_der(alg, &der).unwrap(), sig);
            assert_eq!(Signature::from_raw(alg, &sig.to_raw()).unwrap(), sig);
        }
    }

    #[test]
    fn short_scalars_encode_minimally() {
        let mut r = [0u8; 32];
        r[31] = 1;
        let mut s = [0u8; 32];
        s[30] = 0x80;
        let sig = Signature::from_scalars(Algorithm::Sm2Sm3, r, s).unwrap();
        let der = sig.to_der();
        assert_eq!(
            der,
            [0x30, 0x08, 0x02, 0x01, 0x01, 0x02, 0x03, 0x00, 0x80, 0x00]
        );
        assert_eq!(Signature::from_der(Algorithm::Sm2Sm3, &der).unwrap(), sig);
    }

    #[test]
    fn rejects_each_defect_with_its_own_error() {
        let alg = Algorithm::EcdsaP256Sha256;
        let good = sample(alg).to_der();
        assert_eq!(Signature::from_der(alg, &[]), Err(SignatureError::Empty));

        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            Signature::from_der(alg, &trailing),
            Err(SignatureError::TrailingBytes { count: 1 })
        );

        let mut wrong_tag = good.clone();
        wrong_tag[0] = 0x31;
        assert!(matches!(
            Signature::from_der(alg, &wrong_tag),
            Err(SignatureError::UnexpectedTag {
                found: 0x31,
                offset: 0,
                ..
            })
        ));

        // Same content with a long-form length byte for a short length.
        let mut long_len = vec![0x30, 0x81, good[1]];
        long_len.extend_from_slice(&good[2..]);
        assert_eq!(
            Signature::from_der(alg, &long_len),
            Err(SignatureError::NonMinimalLength { offset: 1 })
        );

        let mut indefinite = good.clone();
        indefinite[1] = 0x80;
        assert_eq!(
            Signature::from_der(alg, &indefinite),
            Err(SignatureError::NonMinimalLength { offset: 1 })
        );

        assert!(matches!(
            Signature::from_der(alg, &good[..good.len() - 1]),
            Err(SignatureError::Truncated { .. })
        ));

        // s (0x22..) with a redundant leading zero.
        let mut body = vec![0x02, 0x21, 0x00];
        body.extend_from_slice(&[0x81; 32]);
        body.extend_from_slice(&[0x02, 0x21, 0x00]);
        body.extend_from_slice(&[0x22; 32]);
        let mut nonmin = vec![0x30, body.len() as u8];
        nonmin.extend_from_slice(&body);
        assert_eq!(
            Signature::from_der(alg, &nonmin),
            Err(SignatureError::NonMinimalInteger { which: Scalar::S })
        );

        // r negative.
        let mut neg = vec![0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01];
        assert_eq!(
            Signature::from_der(alg, &neg),
            Err(SignatureError::NegativeInteger { which: Scalar::R })
        );
        // r zero.
        neg[4] = 0x00;
        assert_eq!(
            Signature::from_der(alg, &neg),
            Err(SignatureError::ScalarZero { which: Scalar::R })
        );
        // Extra element after s.
        let mut extra = vec![0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00];
        extra[1] = 0x08;
        assert_eq!(
            Signature::from_der(alg, &extra),
            Err(SignatureError::ExtraElements)
        );
    }

    #[test]
    fn scalars_at_and_above_the_order_are_rejected() {
        for alg in Algorithm::ALL {
            let n = *alg.order();
            let mut n_minus_1 = n;
            n_minus_1[31] -= 1;
            let ok = [1u8; 32];
            assert!(Signature::from_scalars(alg, n_minus_1, ok).is_ok());
            assert_eq!(
                Signature::from_scalars(alg, ok, n),
                Err(SignatureError::ScalarOutOfRange {
                    which: Scalar::S,
                    alg
                })
            );
            assert_eq!(
                Signature::from_scalars(alg, [0xFF; 32], ok),
                Err(SignatureError::ScalarOutOfRange {
                    which: Scalar::R,
                    alg
                })
            );
            // 33 significant bytes in DER.
            let mut der = vec![0x30, 0x26, 0x02, 0x21, 0x01];
            der.extend_from_slice(&[0; 32]);
            der.extend_from_slice(&[0x02, 0x01, 0x01]);
            assert_eq!(
                Signature::from_der(alg, &der),
                Err(SignatureError::ScalarOutOfRange {
                    which: Scalar::R,
                    alg
                })
            );
        }
    }

    #[test]
    fn raw_length_is_checked() {
        assert_eq!(
            Signature::from_raw(Algorithm::Sm2Sm3, &[1; 63]),
            Err(SignatureError::RawLength { found: 63 })
        );
        assert_eq!(
            Signature::from_raw(Algorithm::Sm2Sm3, &[1; 65]),
            Err(SignatureError::RawLength { found: 65 })
        );
    }
}
