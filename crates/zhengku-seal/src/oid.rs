//! Object identifiers (对象标识符) as they appear in seals: signature algorithms and extension
//! ids.
//!
//! [`Oid`] keeps the DER content bytes, checked well-formed, so any OID a producer wrote —
//! including arcs beyond 64 bits, which the `der` crate's type refuses — decodes and
//! re-encodes unchanged.

use std::fmt;

/// An OBJECT IDENTIFIER, held as its DER content bytes (after tag and length).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(Vec<u8>);

/// A dotted string that is not an OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an object identifier: {0:?}")]
pub struct OidParseError(String);

impl Oid {
    /// SM2 with SM3 (`1.2.156.10197.1.501`), the signature algorithm of both signatures in a
    /// seal made under GB/T 38540.
    pub fn sm2_with_sm3() -> Oid {
        Oid(vec![0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75])
    }

    /// The OID from its DER content bytes; `None` if they are not a well-formed OID (empty,
    /// a non-minimal arc, or an unfinished last arc).
    pub fn from_der_content(content: &[u8]) -> Option<Oid> {
        let last = *content.last()?;
        if last & 0x80 != 0 {
            return None;
        }
        let mut at_arc_start = true;
        for &b in content {
            if at_arc_start && b == 0x80 {
                return None;
            }
            at_arc_start = b & 0x80 == 0;
        }
        Some(Oid(content.to_vec()))
    }

    /// The DER content bytes.
    pub fn as_der_content(&self) -> &[u8] {
        &self.0
    }

    /// The arcs as numbers, or `None` if one exceeds 128 bits.
    fn arcs(&self) -> Option<Vec<u128>> {
        let mut arcs = Vec::new();
        let mut v: u128 = 0;
        for &b in &self.0 {
            if v > u128::MAX >> 7 {
                return None;
            }
            v = (v << 7) | u128::from(b & 0x7F);
            if b & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (v / 40).min(2);
                    arcs.push(first);
                    arcs.push(v - first * 40);
                } else {
                    arcs.push(v);
                }
                v = 0;
            }
        }
        Some(arcs)
    }
}

impl std::str::FromStr for Oid {
    type Err = OidParseError;

    /// Parses the dotted form, `1.2.156.10197.1.501`.
    fn from_str(dotted: &str) -> Result<Oid, OidParseError> {
        let err = || OidParseError(dotted.to_owned());
        let arcs: Vec<u128> = dotted
            .split('.')
            .map(|a| {
                if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    a.parse::<u128>().ok()
                }
            })
            .collect::<Option<_>>()
            .ok_or_else(err)?;
        let [first, second, rest @ ..] = arcs.as_slice() else {
            return Err(err());
        };
        if *first > 2 || (*first < 2 && *second > 39) {
            return Err(err());
        }
        let head = (first * 40).checked_add(*second).ok_or_else(err)?;
        let mut content = Vec::new();
        for arc in std::iter::once(head).chain(rest.iter().copied()) {
            let mut groups = vec![(arc & 0x7F) as u8];
            let mut v = arc >> 7;
            while v > 0 {
                groups.push((v & 0x7F) as u8 | 0x80);
                v >>= 7;
            }
            content.extend(groups.iter().rev());
        }
        Ok(Oid(content))
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arcs() {
            Some(arcs) => {
                let dotted: Vec<String> = arcs.iter().map(u128::to_string).collect();
                f.write_str(&dotted.join("."))
            }
            None => write!(f, "OID(0x{})", hex_string(&self.0)),
        }
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sm2_with_sm3_matches_its_dotted_form() {
        let parsed: Oid = "1.2.156.10197.1.501".parse().unwrap();
        assert_eq!(parsed, Oid::sm2_with_sm3());
        assert_eq!(Oid::sm2_with_sm3().to_string(), "1.2.156.10197.1.501");
    }

    #[test]
    fn big_arcs_and_bad_forms() {
        let uuid = "2.25.197395512406178214226498125627408413361";
        let oid: Oid = uuid.parse().unwrap();
        assert_eq!(oid.to_string(), uuid);
        assert_eq!(Oid::from_der_content(oid.as_der_content()), Some(oid));
        for bad in ["", "1", "3.1", "1.40", "1..2", "1.2.x", "+1.2"] {
            assert!(bad.parse::<Oid>().is_err(), "{bad}");
        }
        assert_eq!(Oid::from_der_content(&[]), None);
        assert_eq!(Oid::from_der_content(&[0x2A, 0x80, 0x01]), None);
        assert_eq!(Oid::from_der_content(&[0x2A, 0x81]), None);
    }
}
