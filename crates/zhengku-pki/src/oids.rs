//! Object identifiers of zhengku's certificate profiles.
//!
//! zhengku has no registered private arc, so its certificate-policy OIDs live under the
//! UUID arc 2.25 (ITU-T X.667 / ISO/IEC 9834-8), which anyone may use without
//! registration: each is `2.25.<a random UUID as a decimal integer>`, minted once for this
//! project. An operator with its own arc can map these to its own in a later version; a
//! validator checks them only for certificates zhengku issued.
//!
//! Their arcs exceed what the `der` crate's `ObjectIdentifier` holds (32 bits) and what
//! x509-parser prints in decimal (64 bits), so they are written and read with
//! `zhengku_der::Oid` (128-bit arcs).

use der::asn1::ObjectIdentifier;

/// Policy: signing electronic licences (电子证照签发) by an issuing department.
pub const POLICY_LICENCE_SIGNING: &str = "2.25.197395512406178214226498125627408413361";
/// Policy: making electronic seals (电子印章制作) by a seal-making authority (制章者).
pub const POLICY_SEAL_MAKING: &str = "2.25.197395512406178214226498125627408413362";
/// Policy: stamping with an electronic seal (电子签章) by the seal holder (签章者).
pub const POLICY_SEAL_STAMPING: &str = "2.25.197395512406178214226498125627408413363";
/// Policy: signing status lists and their manifest (状态列表签发) for a library. The Token
/// Status List draft's own EKU (id-kp-oauthStatusSigning) has no number yet, so the
/// certificate carries id-kp-documentSigning and this policy.
pub const POLICY_STATUS_SIGNING: &str = "2.25.197395512406178214226498125627408413364";
/// Policy: signing a region's trust list and signer list (信任列表签发), with the region's
/// list key; verifiers pin this certificate.
pub const POLICY_LIST_SIGNING: &str = "2.25.197395512406178214226498125627408413365";

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
    use zhengku_der::Oid;

    #[test]
    fn oids_encode_as_the_der_crate_does_for_small_arcs() {
        for dotted in [
            "1.2.156.10197.1.501",
            "2.5.4.97",
            "1.3.6.1.5.5.7.3.36",
            "2.5.29.32",
        ] {
            let ours = dotted.parse::<Oid>().unwrap().to_der();
            let theirs = der::asn1::ObjectIdentifier::new(dotted)
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(ours, theirs, "{dotted}");
        }
        for policy in [
            super::POLICY_LICENCE_SIGNING,
            super::POLICY_SEAL_MAKING,
            super::POLICY_SEAL_STAMPING,
            super::POLICY_STATUS_SIGNING,
        ] {
            let oid: Oid = policy.parse().unwrap();
            assert_eq!(oid.as_der_content()[0], 0x69); // 2 * 40 + 25
            assert_eq!(Oid::from_der(&oid.to_der()).unwrap().to_string(), policy);
        }
    }
}
