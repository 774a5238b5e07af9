//! Object identifiers (对象标识符): [`Oid`], the one type for them in zhengku's own DER code
//! (seals, CMS in PDFs, certificate policies).
//!
//! Arcs are `u128`: zhengku's own OIDs live under the UUID arc `2.25` (ITU-T X.667), whose
//! second arc is a 128-bit number, beyond the 32 or 64 bits other OID types hold. An arc
//! beyond 128 bits is an error, like every other malformed encoding: decoding never yields a
//! placeholder value.

use std::fmt;
use std::str::FromStr;

/// An OBJECT IDENTIFIER, held as its DER content bytes (after tag and length), checked
/// well-formed: every arc minimal and finished, and at most 128 bits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(Vec<u8>);

/// Why bytes or a dotted string are not an OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OidError {
    /// No content bytes.
    #[error("no content bytes")]
    Empty,
    /// An arc starting with octet 0x80 (a leading zero group: not minimal).
    #[error("arc at content byte {at} is not minimally encoded")]
    NonMinimalArc {
        /// Offset in the content bytes.
        at: usize,
    },
    /// The last octet has its continuation bit set.
    #[error("the last arc is unfinished")]
    Unfinished,
    /// An arc needs more than 128 bits.
    #[error("arc at content byte {at} exceeds 128 bits")]
    ArcTooLarge {
        /// Offset in the content bytes of the arc's first octet.
        at: usize,
    },
    /// Not the dotted form of an OID (`1.2.156.10197.1.501`): fewer than two arcs, a
    /// character other than a digit, an empty arc, a first arc above 2, a second arc above
    /// 39 under 0 or 1, or an arc beyond 128 bits.
    #[error("not an object identifier: {0:?}")]
    NotDotted(String),
}

impl Oid {
    /// SM2 with SM3 (`1.2.156.10197.1.501`, GM/T 0006), the signature algorithm of both
    /// signatures in a seal made under GB/T 38540.
    pub fn sm2_with_sm3() -> Oid {
        Oid(vec![0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75])
    }

    /// ecdsa-with-SHA256 (`1.2.840.10045.4.3.2`, RFC 5758).
    pub fn ecdsa_with_sha256() -> Oid {
        Oid(vec![0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02])
    }

    /// The OID from its DER content bytes (after tag and length).
    pub fn from_der_content(content: &[u8]) -> Result<Oid, OidError> {
        if content.is_empty() {
            return Err(OidError::Empty);
        }
        let mut arc_start = 0;
        let mut v: u128 = 0;
        for (i, &b) in content.iter().enumerate() {
            if i == arc_start && b == 0x80 {
                return Err(OidError::NonMinimalArc { at: i });
            }
            if v > u128::MAX >> 7 {
                return Err(OidError::ArcTooLarge { at: arc_start });
            }
            v = (v << 7) | u128::from(b & 0x7F);
            if b & 0x80 == 0 {
                arc_start = i + 1;
                v = 0;
            }
        }
        if arc_start != content.len() {
            return Err(OidError::Unfinished);
        }
        Ok(Oid(content.to_vec()))
    }

    /// The OID from a whole DER element: tag 0x06, a shortest-form length, the content and
    /// nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Oid, crate::Error> {
        let mut r = crate::Reader::new(der, crate::Length::Strict);
        let t = r.read(crate::tag::OID, "OBJECT IDENTIFIER")?;
        r.finish("OBJECT IDENTIFIER")?;
        t.oid("OBJECT IDENTIFIER")
    }

    /// The OID with these arcs: at least two, the first 0 to 2, the second at most 39 under
    /// 0 and 1; `None` otherwise (the caller says why).
    fn from_arcs(arcs: &[u128]) -> Option<Oid> {
        let [first, second, rest @ ..] = arcs else {
            return None;
        };
        if *first > 2 || (*first < 2 && *second > 39) {
            return None;
        }
        let head = (first * 40).checked_add(*second)?;
        let mut content = Vec::new();
        for arc in std::iter::once(head).chain(rest.iter().copied()) {
            // Base 128, most significant group first, continuation bit on all but the last.
            let mut groups = vec![(arc & 0x7F) as u8];
            let mut v = arc >> 7;
            while v > 0 {
                groups.push((v & 0x7F) as u8 | 0x80);
                v >>= 7;
            }
            content.extend(groups.iter().rev());
        }
        Some(Oid(content))
    }

    /// The DER content bytes.
    pub fn as_der_content(&self) -> &[u8] {
        &self.0
    }

    /// The whole DER element: tag, length, content.
    pub fn to_der(&self) -> Vec<u8> {
        crate::writer::oid(self)
    }

    /// The arcs, the first two split out of the first subidentifier.
    pub fn arcs(&self) -> Vec<u128> {
        let mut arcs = Vec::new();
        let mut v: u128 = 0;
        for &b in &self.0 {
            // Checked at construction: no arc exceeds 128 bits.
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
        arcs
    }
}

impl FromStr for Oid {
    type Err = OidError;

    /// Parses the dotted form, `1.2.156.10197.1.501`: digits only, no sign, no empty arc.
    fn from_str(dotted: &str) -> Result<Oid, OidError> {
        let err = || OidError::NotDotted(dotted.to_owned());
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
        Oid::from_arcs(&arcs).ok_or_else(err)
    }
}

impl fmt::Display for Oid {
    /// The dotted form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.arcs().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}
