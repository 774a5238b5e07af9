//! Certificate revocation lists (X.509 v2 CRLs, RFC 5280 §5) signed by an issuing CA:
//! a CRL number, the issuer's key identifier, and each revoked serial with its date and
//! reason code.

use der::Encode;
use der::asn1::{BitString, OctetString};
use time::OffsetDateTime;
use x509_cert::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use zhengku_crypto::Signer;

use crate::issue::{CaInfo, extension, signature_algorithm, to_time};
use crate::{IssueError, Serial};

/// Why a certificate was revoked (RFC 5280 §5.3.1 reason codes zhengku uses).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
}

impl RevocationReason {
    /// Every reason.
    pub const ALL: [RevocationReason; 7] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::CaCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::CertificateHold,
    ];

    /// The RFC 5280 name (`keyCompromise` …), as the CLI takes it.
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
        }
    }

    /// The numeric reason code.
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::CaCompromise => 2,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
        }
    }

    /// Reads an RFC 5280 name, case-insensitively, or a numeric code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s) || s.parse::<u8>() == Ok(r.code()))
    }

    fn to_x509(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::CaCompromise => CrlReason::CaCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::CertificateHold => CrlReason::CertificateHold,
        }
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// Its serial number.
    pub serial: Serial,
    /// When it was revoked.
    pub at: OffsetDateTime,
    /// Why.
    pub reason: RevocationReason,
}

/// Makes a CRL signed by the CA (`ca_certificate` DER and its key), returning its DER.
pub fn issue_crl(
    ca_certificate: &[u8],
    signer: &dyn Signer,
    crl_number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[Revoked],
) -> Result<Vec<u8>, IssueError> {
    if next_update <= this_update {
        return Err(IssueError::Validity(
            "nextUpdate is not after thisUpdate".into(),
        ));
    }
    let ca = CaInfo::read(ca_certificate)?;
    ca.check_signer(signer)?;
    let entries = revoked
        .iter()
        .map(|r| -> Result<RevokedCert, IssueError> {
            Ok(RevokedCert {
                serial_number: r.serial.to_x509()?,
                revocation_date: to_time(r.at)?,
                crl_entry_extensions: Some(vec![reason_extension(r.reason)?]),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let number = der::asn1::Uint::new(&crl_number.to_be_bytes())?;
    let tbs = TbsCertList {
        version: Version::V2,
        signature: signature_algorithm(signer.algorithm()),
        issuer: ca.subject,
        this_update: to_time(this_update)?,
        next_update: Some(to_time(next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(vec![
            extension(false, &CrlNumber(number))?,
            extension(
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(ca.ski)?),
                    ..Default::default()
                },
            )?,
        ]),
    };
    let tbs_der = tbs.to_der()?;
    let signature = signer.sign(&tbs_der)?;
    let crl = CertificateList {
        signature_algorithm: tbs.signature.clone(),
        tbs_cert_list: tbs,
        signature: BitString::from_bytes(&signature.to_der())?,
    };
    Ok(crl.to_der()?)
}

fn reason_extension(reason: RevocationReason) -> Result<Extension, IssueError> {
    // reasonCode (2.5.29.21) is an ENUMERATED; x509-cert's CrlReason encodes as one.
    Ok(Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("2.5.29.21"),
        critical: false,
        extn_value: OctetString::new(reason.to_x509().to_der()?)?,
    })
}
