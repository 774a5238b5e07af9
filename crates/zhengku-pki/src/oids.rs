//! Object identifiers of zhengku's certificate profiles.
//!
//! zhengku has no registered private arc, so its certificate-policy OIDs live under the
//! UUID arc 2.25 (ITU-T X.667 / ISO/IEC 9834-8), which anyone may use without
//! registration: each is `2.25.<a random UUID as a decimal integer>`, minted once for this
//! project. An operator with its own arc can map these to its own in a later version; a
//! validator checks them only for certificates zhengku issued.

use der::asn1::ObjectIdentifier;

/// Policy: signing electronic licences (电子证照签发) by an issuing department.
pub const POLICY_LICENCE_SIGNING: &str = "2.25.197395512406178214226498125627408413361";
/// Policy: making electronic seals (电子印章制作) by a seal-making authority (制章者).
pub const POLICY_SEAL_MAKING: &str = "2.25.197395512406178214226498125627408413362";
/// Policy: stamping with an electronic seal (电子签章) by the seal holder (签章者).
pub const POLICY_SEAL_STAMPING: &str = "2.25.197395512406178214226498125627408413363";

/// DER (tag, length, content) of a dotted OID whose arcs may exceed 32 bits, as UUID arcs
/// do (the `der` crate's `ObjectIdentifier` stops at 32-bit arcs). `None` if `dotted` is
/// not an OID.
pub fn oid_der(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = dotted
        .split('.')
        .map(|a| a.parse::<u128>().ok())
        .collect::<Option<_>>()?;
    let (&first, rest) = arcs.split_first()?;
    let (&second, rest) = rest.split_first()?;
    if first > 2 || (first < 2 && second > 39) {
        return None;
    }
    let mut content = Vec::new();
    for arc in std::iter::once(first * 40 + second).chain(rest.iter().copied()) {
        // Base-128, most significant group first, continuation bit on all but the last.
        let mut groups = vec![(arc & 0x7F) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7F) as u8 | 0x80);
            v >>= 7;
        }
        content.extend(groups.iter().rev());
    }
    // OIDs are far shorter than 128 bytes, so the short length form applies.
    let len = u8::try_from(content.len()).ok().filter(|&l| l < 0x80)?;
    let mut out = vec![0x06, len];
    out.extend_from_slice(&content);
    Some(out)
}

/// Dotted form of an OID's content bytes (after tag and length), arcs up to 128 bits; `None`
/// for malformed encodings. x509-parser prints arcs beyond 64 bits as hex, so the policy OIDs
/// above need this to be compared.
pub fn oid_dotted(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut v: u128 = 0;
    let mut in_arc = false;
    for &b in content {
        if !in_arc && b == 0x80 {
            return None; // non-minimal encoding
        }
        v = v.checked_mul(128)? | u128::from(b & 0x7F);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(v);
            v = 0;
        }
    }
    if in_arc {
        return None;
    }
    let (&first, rest) = arcs.split_first()?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        out.push('.');
        out.push_str(&arc.to_string());
    }
    Some(out)
}

/// id-kp-documentSigning (RFC 9336): the EKU for document signers.
pub const EKU_DOCUMENT_SIGNING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36");
/// id-kp-serverAuth (RFC 5280).
pub const EKU_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");

/// organizationIdentifier (X.520, 2.5.4.97): where zhengku puts a department's USCC, as
/// `NTRCN-<USCC>` (ETSI EN 319 412-1 §5.1.4: national trade register, country CN).
pub const ORGANIZATION_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.97");
/// serialNumber (X.520, 2.5.4.5): where some Chinese CAs put the USCC; accepted on input.
pub const SERIAL_NUMBER_ATTR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// SM2-with-SM3 signature (GM/T 0006).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// ecdsa-with-SHA256 (RFC 5758).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use der::Encode;

    #[test]
    fn oid_der_matches_the_der_crate_for_small_arcs() {
        for dotted in [
            "1.2.156.10197.1.501",
            "2.5.4.97",
            "1.3.6.1.5.5.7.3.36",
            "2.5.29.32",
        ] {
            let ours = super::oid_der(dotted).unwrap();
            let theirs = der::asn1::ObjectIdentifier::new(dotted)
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(ours, theirs, "{dotted}");
        }
        let big = super::oid_der(super::POLICY_LICENCE_SIGNING).unwrap();
        assert_eq!(big[2], 0x69); // 2 * 40 + 25
        for dotted in [
            super::POLICY_LICENCE_SIGNING,
            "1.2.156.10197.1.501",
            "2.5.4.97",
        ] {
            let der = super::oid_der(dotted).unwrap();
            assert_eq!(super::oid_dotted(&der[2..]).unwrap(), dotted);
        }
        assert!(super::oid_dotted(&[0x2A, 0x80, 0x01]).is_none());
        assert!(super::oid_dotted(&[0x2A, 0x86]).is_none());
        assert!(super::oid_der("3.1").is_none());
        assert!(super::oid_der("1.40").is_none());
        assert!(super::oid_der("1.x").is_none());
    }
}
