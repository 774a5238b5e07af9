//! Making certificates: root and issuing CAs, and end-entity certificates for departments
//! (licence signing), seal makers (制章), seals (签章) and servers.
//!
//! # Why x509-cert's builder and not rcgen
//! rcgen cannot express SM2-with-SM3: it has no SM2 keys or algorithm identifier. x509-cert's
//! `CertificateBuilder` encodes any algorithm. zhengku uses it for the to-be-signed bytes
//! (`finalize`), signs those bytes itself through a [`zhengku_crypto::Signer`] — an HSM or a
//! file key — and assembles the certificate with the **DER** signature value. (Letting the
//! builder sign with `sm2::dsa::Signature` would put the raw 64-byte `r || s` in the BIT
//! STRING, which GM/T 0015 and OpenSSL reject.)
//!
//! # Profiles
//! | kind | basicConstraints | keyUsage (critical) | EKU / policy |
//! |---|---|---|---|
//! | root CA | cA, critical | keyCertSign, cRLSign | — |
//! | issuing CA | cA, pathLen 0, critical | keyCertSign, cRLSign | — |
//! | department | not CA, critical | digitalSignature, nonRepudiation | documentSigning; licence-signing policy |
//! | seal maker | not CA, critical | digitalSignature, nonRepudiation | documentSigning; seal-making policy |
//! | seal | not CA, critical | digitalSignature, nonRepudiation | documentSigning; stamping policy |
//! | server | not CA, critical | digitalSignature | serverAuth; subjectAltName |
//!
//! Every certificate has a subjectKeyIdentifier (RFC 7093 method 1: the leftmost 160 bits of
//! SHA-256 over the subjectPublicKey bits); every CA-issued one an authorityKeyIdentifier
//! (the issuer's SKI) and, when given, a CRL distribution point. SM2 certificates follow
//! GM/T 0015: id-ecPublicKey with sm2p256v1, signature algorithm SM2-with-SM3 without
//! parameters, DER `SEQUENCE { r, s }` in the signature BIT STRING.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use time::OffsetDateTime;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::{Certificate, TbsCertificate};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zhengku_crypto::{Algorithm, PublicKey, Signer};
use zhengku_der::{Oid, OidError, writer as enc};

use crate::{IssueError, SubjectInfo, oids};

/// What a certificate is for; fixes its extensions (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertKind {
    /// A self-signed root CA.
    RootCa,
    /// A CA under the root that issues end-entity certificates (pathLen 0).
    IssuingCa,
    /// An issuing department's licence-signing certificate.
    Department,
    /// A seal-making authority's certificate (制章者).
    SealMaker,
    /// A seal holder's stamping certificate (签章者).
    Seal,
    /// A library's status-list signer (状态列表签发者).
    StatusSigner,
    /// A region's trust-list signer (信任列表签发者).
    ListSigner,
    /// A TLS server certificate.
    Server {
        /// DNS names for subjectAltName.
        dns_names: Vec<String>,
        /// IP addresses for subjectAltName.
        ip_addresses: Vec<IpAddr>,
    },
}

impl CertKind {
    /// Whether the certificate is a CA certificate.
    pub fn is_ca(&self) -> bool {
        matches!(self, CertKind::RootCa | CertKind::IssuingCa)
    }

    /// The certificate-policy OID (dotted) zhengku writes for this kind, if any.
    pub fn policy(&self) -> Option<&'static str> {
        match self {
            CertKind::Department => Some(oids::POLICY_LICENCE_SIGNING),
            CertKind::SealMaker => Some(oids::POLICY_SEAL_MAKING),
            CertKind::Seal => Some(oids::POLICY_SEAL_STAMPING),
            CertKind::StatusSigner => Some(oids::POLICY_STATUS_SIGNING),
            CertKind::ListSigner => Some(oids::POLICY_LIST_SIGNING),
            _ => None,
        }
    }
}

/// A certificate serial number: 1 to 20 bytes, positive (RFC 5280 §4.1.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// A serial from big-endian bytes; leading zero bytes are dropped.
    pub fn new(bytes: &[u8]) -> Result<Self, IssueError> {
        let first = bytes.iter().position(|&b| b != 0);
        let Some(first) = first else {
            return Err(IssueError::Serial("serial number is zero".into()));
        };
        let digits = &bytes[first..];
        // A high bit would make the DER INTEGER negative unless padded; padding can make it
        // 21 bytes, so the limit applies to the padded form.
        let len = digits.len() + usize::from(digits[0] & 0x80 != 0);
        if len > 20 {
            return Err(IssueError::Serial(format!(
                "serial number needs {len} bytes; at most 20 are allowed"
            )));
        }
        Ok(Serial(digits.to_vec()))
    }

    /// A random 16-byte positive serial from the operating system's generator, the usual
    /// defence against chosen-prefix collisions.
    pub fn random() -> Result<Self, IssueError> {
        let mut b = [0u8; 16];
        zhengku_crypto::fill_random(&mut b)?;
        b[0] &= 0x7F;
        b[0] |= 0x01; // never zero, and always 16 significant bytes
        Self::new(&b)
    }

    /// The big-endian bytes (no sign padding).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex, as OpenSSL prints serials.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    pub(crate) fn to_x509(&self) -> Result<SerialNumber, IssueError> {
        let mut padded = Vec::with_capacity(self.0.len() + 1);
        if self.0.first().is_some_and(|b| b & 0x80 != 0) {
            padded.push(0);
        }
        padded.extend_from_slice(&self.0);
        SerialNumber::new(&padded).map_err(|e| IssueError::Serial(e.to_string()))
    }
}

impl FromStr for Serial {
    type Err = IssueError;
    fn from_str(s: &str) -> Result<Self, IssueError> {
        let bytes = hex::decode(s.trim_start_matches("0x"))
            .map_err(|e| IssueError::Serial(format!("{s:?} is not hex: {e}")))?;
        Serial::new(&bytes)
    }
}

/// Everything about the certificate to make, except who signs it.
#[derive(Debug, Clone)]
pub struct CertificateParams {
    /// What it is for.
    pub kind: CertKind,
    /// Who it is for.
    pub subject: SubjectInfo,
    /// Its serial number.
    pub serial: Serial,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// URL of the issuer's CRL, written as the CRL distribution point (CA-issued only).
    pub crl_url: Option<String>,
}

/// Who signs a certificate.
pub enum Issuer<'a> {
    /// The certificate is self-signed by this key (root CAs).
    SelfSigned(&'a dyn Signer),
    /// A CA, by its certificate (DER) and its key.
    Ca {
        /// The CA's certificate, DER.
        certificate: &'a [u8],
        /// The CA's key.
        signer: &'a dyn Signer,
    },
}

/// Makes a certificate for `public_key`, returning its DER.
pub fn issue_certificate(
    issuer: &Issuer<'_>,
    public_key: &PublicKey,
    params: &CertificateParams,
) -> Result<Vec<u8>, IssueError> {
    if params.not_after <= params.not_before {
        return Err(IssueError::Validity(
            "not_after is not after not_before".into(),
        ));
    }
    let subject = params.subject.to_name()?;
    let spki = SubjectPublicKeyInfoOwned::from_der(public_key.to_spki_der())?;
    let ski = key_identifier(public_key.to_spki_der())?;

    let (signer, issuer_name, issuer_ski) = match issuer {
        Issuer::SelfSigned(signer) => {
            if signer.public_key().to_spki_der() != public_key.to_spki_der() {
                return Err(IssueError::SelfSignedKeyMismatch);
            }
            (*signer, subject.clone(), None)
        }
        Issuer::Ca {
            certificate,
            signer,
        } => {
            let ca = CaInfo::read(certificate)?;
            ca.check_signer(*signer)?;
            (*signer, ca.subject, Some(ca.ski))
        }
    };

    let mut extensions = vec![
        extension(
            true,
            &BasicConstraints {
                ca: params.kind.is_ca(),
                path_len_constraint: matches!(params.kind, CertKind::IssuingCa).then_some(0),
            },
        )?,
        extension(true, &key_usage(&params.kind))?,
        extension(false, &SubjectKeyIdentifier(OctetString::new(ski)?))?,
    ];
    if let Some(issuer_ski) = issuer_ski {
        extensions.push(extension(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(issuer_ski)?),
                ..Default::default()
            },
        )?);
        if let Some(url) = &params.crl_url {
            extensions.push(extension(false, &crl_distribution_points(url)?)?);
        }
    }
    match &params.kind {
        CertKind::Department
        | CertKind::SealMaker
        | CertKind::Seal
        | CertKind::StatusSigner
        | CertKind::ListSigner => {
            extensions.push(extension(
                false,
                &ExtendedKeyUsage(vec![oids::EKU_DOCUMENT_SIGNING]),
            )?);
        }
        CertKind::Server {
            dns_names,
            ip_addresses,
        } => {
            extensions.push(extension(
                false,
                &ExtendedKeyUsage(vec![oids::EKU_SERVER_AUTH]),
            )?);
            let mut names = Vec::new();
            for d in dns_names {
                let ia5 = Ia5String::new(d)
                    .map_err(|_| IssueError::Subject(format!("{d:?} is not an ASCII host name")))?;
                names.push(GeneralName::DnsName(ia5));
            }
            names.extend(ip_addresses.iter().map(|ip| GeneralName::from(*ip)));
            if names.is_empty() {
                return Err(IssueError::Subject(
                    "a server certificate needs at least one DNS name or IP address".into(),
                ));
            }
            extensions.push(extension(false, &SubjectAltName(names))?);
        }
        CertKind::RootCa | CertKind::IssuingCa => {}
    }
    if let Some(policy) = params.kind.policy() {
        extensions.push(certificate_policies(policy)?);
    }

    let profile = Profile {
        subject,
        issuer: issuer_name,
        extensions,
    };
    let validity = Validity::new(to_time(params.not_before)?, to_time(params.not_after)?);
    let mut builder = CertificateBuilder::new(profile, params.serial.to_x509()?, validity, spki)
        .map_err(|e| IssueError::Encoding(e.to_string()))?;
    let key = BuilderKey::new(signer)?;
    let tbs = builder
        .finalize(&key)
        .map_err(|e| IssueError::Encoding(e.to_string()))?;
    let signature = signer.sign(&tbs)?;
    let cert = builder
        .assemble(BitString::from_bytes(&signature.to_der())?, &key)
        .map_err(|e| IssueError::Encoding(e.to_string()))?;
    Ok(cert.to_der()?)
}

/// What issuing needs from a CA certificate.
pub(crate) struct CaInfo {
    pub(crate) subject: Name,
    pub(crate) spki: Vec<u8>,
    pub(crate) ski: Vec<u8>,
}

impl CaInfo {
    pub(crate) fn read(der: &[u8]) -> Result<Self, IssueError> {
        let cert =
            Certificate::from_der(der).map_err(|e| IssueError::IssuerCertificate(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let is_ca = tbs
            .get_extension::<BasicConstraints>()
            .map_err(|e| IssueError::IssuerCertificate(e.to_string()))?
            .is_some_and(|(_, bc)| bc.ca);
        if !is_ca {
            return Err(IssueError::IssuerNotCa);
        }
        let spki = tbs.subject_public_key_info().to_der()?;
        // The AKI we write must equal the issuer's own SKI, however that was computed.
        let ski = match tbs
            .get_extension::<SubjectKeyIdentifier>()
            .map_err(|e| IssueError::IssuerCertificate(e.to_string()))?
        {
            Some((_, ski)) => ski.0.as_bytes().to_vec(),
            None => key_identifier(&spki)?,
        };
        Ok(CaInfo {
            subject: tbs.subject().clone(),
            spki,
            ski,
        })
    }
}

impl CaInfo {
    /// Refuses a signer whose key is not the one this CA certificate certifies.
    pub(crate) fn check_signer(&self, signer: &dyn Signer) -> Result<(), IssueError> {
        if self.spki == signer.public_key().to_spki_der() {
            return Ok(());
        }
        let cert_key = PublicKey::from_spki_der(&self.spki)?;
        Err(IssueError::IssuerKeyMismatch {
            signer: signer.key_id().to_string(),
            certificate: cert_key.key_id().to_string(),
        })
    }
}

/// RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 over the subjectPublicKey bits.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, IssueError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)?;
    let h = zhengku_crypto::sha256(spki.subject_public_key.raw_bytes());
    Ok(h[..20].to_vec())
}

fn key_usage(kind: &CertKind) -> KeyUsage {
    match kind {
        CertKind::RootCa | CertKind::IssuingCa => {
            KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        }
        CertKind::Department
        | CertKind::SealMaker
        | CertKind::Seal
        | CertKind::StatusSigner
        | CertKind::ListSigner => KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        CertKind::Server { .. } => KeyUsage(KeyUsages::DigitalSignature.into()),
    }
}

fn crl_distribution_points(url: &str) -> Result<CrlDistributionPoints, IssueError> {
    let uri = Ia5String::new(url)
        .map_err(|_| IssueError::Encoding(format!("CRL URL {url:?} is not ASCII")))?;
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(uri),
        ])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// certificatePolicies with one policy and no qualifiers, encoded by hand because the
/// policy OIDs have 128-bit arcs (see [`oids`]).
fn certificate_policies(policy: &str) -> Result<Extension, IssueError> {
    let oid: Oid = policy
        .parse()
        .map_err(|e: OidError| IssueError::Encoding(e.to_string()))?;
    // SEQUENCE OF PolicyInformation, PolicyInformation ::= SEQUENCE { OID }.
    let value = enc::sequence(&[&enc::sequence(&[&oid.to_der()])]);
    Ok(Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("2.5.29.32"),
        critical: false,
        extn_value: OctetString::new(value)?,
    })
}

/// An X.509 extension from its value type.
pub(crate) fn extension<T: Encode + der::oid::AssociatedOid>(
    critical: bool,
    value: &T,
) -> Result<Extension, IssueError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// X.509 time at whole seconds: UTCTime through 2049, GeneralizedTime from 2050
/// (RFC 5280 §4.1.2.5).
pub(crate) fn to_time(t: OffsetDateTime) -> Result<Time, IssueError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| IssueError::Validity(format!("{t} is before 1970")))?;
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| IssueError::Validity(format!("{t}: {e}")))?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    })
}

/// The algorithm identifier zhengku writes for `alg` (no parameters for either, per GM/T
/// 0015 and RFC 5758).
pub(crate) fn signature_algorithm(alg: Algorithm) -> AlgorithmIdentifierOwned {
    let oid = match alg {
        Algorithm::EcdsaP256Sha256 => oids::ECDSA_WITH_SHA256,
        _ => oids::SM2_WITH_SM3,
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// Our precomputed subject, issuer and extensions, handed to x509-cert's builder.
struct Profile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// Presents a zhengku [`Signer`] to x509-cert's builder, which only needs its public key
/// and algorithm identifier; the signing itself goes through the `Signer`.
struct BuilderKey {
    spki: SpkiBytes,
    alg: Algorithm,
}

impl BuilderKey {
    fn new(signer: &dyn Signer) -> Result<Self, IssueError> {
        Ok(BuilderKey {
            spki: SpkiBytes(signer.public_key().to_spki_der().to_vec()),
            alg: signer.algorithm(),
        })
    }
}

#[derive(Clone)]
struct SpkiBytes(Vec<u8>);

impl spki::EncodePublicKey for SpkiBytes {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::from_der(&self.0)?)
    }
}

impl signature::Keypair for BuilderKey {
    type VerifyingKey = SpkiBytes;
    fn verifying_key(&self) -> SpkiBytes {
        self.spki.clone()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for BuilderKey {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(signature_algorithm(self.alg))
    }
}
