//! CMS SignedData (RFC 5652) as PAdES baseline B-B puts it in a PDF's `/Contents`: written
//! by [`sign_detached`], read back by [`decode`] for the verification engine.
//!
//! What [`sign_detached`] writes (DER throughout):
//!
//! - `ContentInfo { id-signedData, [0] SignedData }`, SignedData version 1, detached: the
//!   encapsulated content is `id-data` with no eContent (the signed bytes are the PDF's
//!   ByteRange, which the verifier already has);
//! - `certificates`: the chain as given, signer's certificate first (CertificateSet is a
//!   SET OF, but CMS needs DER only for the signed attributes; verifiers take any order);
//! - one SignerInfo, version 1, `sid` = issuerAndSerialNumber of the signer's certificate;
//! - digest and signature algorithms by the key: SHA-256 (`2.16.840.1.101.3.4.2.1`) and
//!   ecdsa-with-SHA256 (`1.2.840.10045.4.3.2`) for P-256; SM3 (`1.2.156.10197.1.401`) and
//!   SM2-with-SM3 (`1.2.156.10197.1.501`, GM/T 0006) for SM2, the SM2 signature made with
//!   Z_A of the key's distinguishing ID (GM/T 0009 default `1234567812345678`), as OpenSSL
//!   and GM/T 0010 expect. Algorithm parameters are absent (RFC 5754, RFC 5758);
//! - signed attributes, a DER SET OF in DER order: content-type (`id-data`),
//!   message-digest, and signing-certificate-v2 (RFC 5035) with one ESSCertIDv2 for the
//!   signer's certificate (hash algorithm omitted = SHA-256 for P-256, SM3 written out for
//!   SM2) including issuerSerial. No signing-time attribute: PAdES puts the time in the
//!   signature dictionary's `/M`;
//! - the signature: `SEQUENCE { r, s }` DER over the DER of the signed attributes;
//! - optionally one **unsigned attribute** carrying the GB/T 38540 `SES_Signature` (电子签章)
//!   made over the same bytes: type [`SES_SIGNATURE_ATTRIBUTE_OID`], value
//!   `SET { OCTET STRING (SES_Signature DER) }`. The unsigned attributes are the one place
//!   in a signed PDF that is outside the ByteRange and not covered by the CMS signature, so
//!   adding the seal there changes neither signature; the seal is protected by its own
//!   signature and its dataHash (SM3 of the ByteRange content).
//!
//! # The SES_Signature attribute type
//!
//! No standard names an attribute for a Chinese seal signature inside CMS, so zhengku mints
//! one under the UUID arc `2.25` (ITU-T X.667 / ISO/IEC 9834-8, usable without
//! registration), as it does for its certificate policies: UUID
//! [`SES_SIGNATURE_ATTRIBUTE_UUID`] (`d097c527-df1f-420c-9a24-9ffcfbc559ec`, drawn at random
//! once for this purpose), OID [`SES_SIGNATURE_ATTRIBUTE_OID`]
//! (`2.25.277267458742544463770506637841789180396`). Verifiers that do not know it ignore
//! it, as RFC 5652 requires of unknown unsigned attributes.
//!
//! [`decode`] is lenient where producers differ (non-minimal long lengths, parameters NULL or
//! absent, several SignerInfos: the first is used) and strict where it matters: definite
//! lengths only, no trailing bytes, every element checked against the schema, bounded by
//! the input (no recursion on input structure). The TLV and OID codec underneath is
//! `zhengku-der` (lenient lengths for reading, DER for writing); this module holds the CMS
//! structure.

use zhengku_crypto::{Algorithm, DigestAlgorithm, Hasher, SignError, Signer};
use zhengku_der::tag::{
    self, CONTEXT_0, CONTEXT_1, INTEGER, NULL, OCTET_STRING, OID, SEQUENCE, SET,
};
use zhengku_der::{Header, Length, Oid, OidError, Reader, Tlv, writer as enc};

/// The UUID behind [`SES_SIGNATURE_ATTRIBUTE_OID`].
pub const SES_SIGNATURE_ATTRIBUTE_UUID: &str = "d097c527-df1f-420c-9a24-9ffcfbc559ec";

/// The unsigned attribute type that carries a GB/T 38540 `SES_Signature` (电子签章) in a
/// SignerInfo: `2.25.<decimal of` [`SES_SIGNATURE_ATTRIBUTE_UUID`]`>`.
pub const SES_SIGNATURE_ATTRIBUTE_OID: &str = "2.25.277267458742544463770506637841789180396";

/// Object identifiers used here, dotted.
pub mod oid {
    /// id-signedData (RFC 5652).
    pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
    /// id-data (RFC 5652).
    pub const DATA: &str = "1.2.840.113549.1.7.1";
    /// id-contentType attribute (RFC 5652).
    pub const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
    /// id-messageDigest attribute (RFC 5652).
    pub const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
    /// id-signingTime attribute (RFC 5652); PAdES forbids it, readers report it.
    pub const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
    /// id-aa-signingCertificate (RFC 2634, SHA-1): the old form.
    pub const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
    /// id-aa-signingCertificateV2 (RFC 5035).
    pub const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
    /// SHA-256 (RFC 5754).
    pub const SHA256: &str = zhengku_crypto::oid::SHA256;
    /// SM3 (GM/T 0006).
    pub const SM3: &str = zhengku_crypto::oid::SM3;
    /// ecdsa-with-SHA256 (RFC 5758).
    pub const ECDSA_WITH_SHA256: &str = zhengku_crypto::oid::ECDSA_WITH_SHA256;
    /// SM2-with-SM3 (GM/T 0006).
    pub const SM2_WITH_SM3: &str = zhengku_crypto::oid::SM2_WITH_SM3;
    /// sm2sign (GM/T 0006): some SM2 CMS producers (GM/T 0010) name the signature so.
    pub const SM2_SIGN: &str = zhengku_crypto::oid::SM2_SIGN;
    /// id-ecPublicKey (RFC 5480): some producers name an ECDSA signature by the key type.
    pub const EC_PUBLIC_KEY: &str = zhengku_crypto::oid::EC_PUBLIC_KEY;
}

/// Why a CMS SignedData could not be made.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    /// No certificate was given.
    #[error("the certificate chain is empty: the signer's certificate must come first")]
    EmptyChain,
    /// The signer's certificate is unreadable.
    #[error("the signer's certificate cannot be read: {0}")]
    Certificate(DecodeError),
    /// The key signing is not the key in the signer's certificate.
    #[error("the signing key is not the key in the signer's certificate (first in the chain)")]
    KeyMismatch,
    /// The signer failed.
    #[error("signing failed: {0}")]
    Sign(#[from] SignError),
    /// An algorithm's dotted OID (from `zhengku_crypto`) is not an OID.
    #[error("cannot encode an algorithm identifier: {0}")]
    Oid(#[from] OidError),
}

/// Why bytes are not a CMS SignedData (or a certificate) of the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{element} at byte {offset}: {detail}")]
pub struct DecodeError {
    /// Offset of the element in the input.
    pub offset: usize,
    /// Which element.
    pub element: &'static str,
    /// What is wrong.
    pub detail: String,
}

// ---- Writing ------------------------------------------------------------------------------

const CONTEXT_4: u8 = tag::context(4, true);
/// `[0]` primitive: a SignerIdentifier's subjectKeyIdentifier.
const CONTEXT_0_PRIMITIVE: u8 = tag::context(0, false);

/// DER of a dotted OID (the constants of this module and of `zhengku_crypto::oid`).
fn oid_tlv(dotted: &str) -> Result<Vec<u8>, OidError> {
    Ok(dotted.parse::<Oid>()?.to_der())
}

/// `AlgorithmIdentifier { oid }`, parameters absent.
fn alg_id(dotted: &str) -> Result<Vec<u8>, OidError> {
    Ok(enc::sequence(&[&oid_tlv(dotted)?]))
}

fn attribute(dotted: &str, value: &[u8]) -> Result<Vec<u8>, OidError> {
    Ok(enc::sequence(&[
        &oid_tlv(dotted)?,
        &enc::set_of(vec![value.to_vec()]),
    ]))
}

fn digest_oid(alg: DigestAlgorithm) -> &'static str {
    match alg {
        DigestAlgorithm::Sm3 => oid::SM3,
        _ => oid::SHA256,
    }
}

/// Makes a detached CMS SignedData over the content given in `content_parts` (concatenated,
/// e.g. the two halves of a PDF's ByteRange), signed by `signer`, with `chain` (signer's
/// certificate first) and, if given, a `SES_Signature` as an unsigned attribute.
pub fn sign_detached(
    content_parts: &[&[u8]],
    signer: &dyn Signer,
    chain: &[Vec<u8>],
    ses_signature: Option<&[u8]>,
) -> Result<Vec<u8>, CmsError> {
    let leaf = chain.first().ok_or(CmsError::EmptyChain)?;
    let ids = certificate_ids(leaf).map_err(CmsError::Certificate)?;
    if ids.spki != signer.public_key().to_spki_der() {
        return Err(CmsError::KeyMismatch);
    }
    let alg = signer.algorithm();
    let digest_alg = alg.digest();
    let mut h = Hasher::new(digest_alg);
    for part in content_parts {
        h.update(part);
    }
    let content_digest = h.finalize();
    let cert_hash = zhengku_crypto::digest::digest(digest_alg, leaf);

    // ESSCertIDv2 { [hashAlgorithm], certHash, issuerSerial { GeneralNames { [4] Name }, serial } }
    let issuer_serial = enc::sequence(&[
        &enc::sequence(&[&enc::tlv(CONTEXT_4, ids.issuer)]),
        ids.serial,
    ]);
    let hash_alg = match alg {
        // DEFAULT id-sha256: DER omits it.
        Algorithm::EcdsaP256Sha256 => Vec::new(),
        _ => alg_id(oid::SM3)?,
    };
    let ess_cert_id = enc::sequence(&[&hash_alg, &enc::octet_string(&cert_hash), &issuer_serial]);
    let signing_certificate_v2 = enc::sequence(&[&enc::sequence(&[&ess_cert_id])]);

    let signed_attrs = enc::set_of(vec![
        attribute(oid::CONTENT_TYPE, &oid_tlv(oid::DATA)?)?,
        attribute(oid::MESSAGE_DIGEST, &enc::octet_string(&content_digest))?,
        attribute(oid::SIGNING_CERTIFICATE_V2, &signing_certificate_v2)?,
    ]);
    let signature = signer.sign(&signed_attrs)?.to_der();

    // In the SignerInfo the SET is written with its [0] IMPLICIT tag.
    let mut signed_attrs_implicit = signed_attrs;
    signed_attrs_implicit[0] = CONTEXT_0;
    let unsigned = match ses_signature {
        Some(ses) => {
            let attr = attribute(SES_SIGNATURE_ATTRIBUTE_OID, &enc::octet_string(ses))?;
            enc::tlv(CONTEXT_1, &attr)
        }
        None => Vec::new(),
    };
    let signer_info = enc::sequence(&[
        &enc::integer(1),
        &enc::sequence(&[ids.issuer, ids.serial]),
        &alg_id(digest_oid(digest_alg))?,
        &signed_attrs_implicit,
        &alg_id(alg.signature_oid())?,
        &enc::octet_string(&signature),
        &unsigned,
    ]);
    let certificates = enc::tlv(CONTEXT_0, &chain.concat());
    let signed_data = enc::sequence(&[
        &enc::integer(1),
        &enc::set_of(vec![alg_id(digest_oid(digest_alg))?]),
        &enc::sequence(&[&oid_tlv(oid::DATA)?]),
        &certificates,
        &enc::set_of(vec![signer_info]),
    ]);
    Ok(enc::sequence(&[
        &oid_tlv(oid::SIGNED_DATA)?,
        &enc::tlv(CONTEXT_0, &signed_data),
    ]))
}

/// How many bytes the SignedData made by [`sign_detached`] takes at most, besides the
/// certificates and the SES_Signature: ContentInfo and SignedData headers, the SignerInfo
/// (issuer name, attributes, a 72-byte signature) and the attribute wrappers. Issuer names
/// are counted separately by the caller (they are in the certificates, which it knows).
pub const OVERHEAD_ESTIMATE: usize = 700;

// ---- Reading ------------------------------------------------------------------------------

impl From<zhengku_der::Error> for DecodeError {
    fn from(e: zhengku_der::Error) -> Self {
        DecodeError {
            offset: e.offset(),
            element: e.element(),
            detail: e.kind().to_string(),
        }
    }
}

/// An error about `element`, located at the tag of `tlv`.
fn err_at(tlv: &Tlv<'_>, element: &'static str, detail: impl Into<String>) -> DecodeError {
    DecodeError {
        offset: tlv.offset,
        element,
        detail: detail.into(),
    }
}

/// A reader over a whole input, in the lenient mode CMS producers need (non-minimal long
/// lengths).
fn reader(der: &[u8]) -> Reader<'_> {
    Reader::new(der, Length::Lenient)
}

/// The length of the DER element at the start of `bytes` (header and content), if its
/// header reads; used to cut a PDF's zero padding off the CMS in `/Contents`.
pub fn der_element_len(bytes: &[u8]) -> Option<usize> {
    Header::read(bytes, Length::Lenient).ok()?.total_len()
}

/// Dotted form of an OBJECT IDENTIFIER element, arcs up to 128 bits.
fn oid_dotted(tlv: &Tlv<'_>, element: &'static str) -> Result<String, DecodeError> {
    Ok(tlv.oid(element)?.to_string())
}

/// An AlgorithmIdentifier's OID; parameters, if any, must be NULL (or are ignored when the
/// algorithm is not one whose parameters matter here).
fn algorithm(tlv: &Tlv<'_>, element: &'static str) -> Result<String, DecodeError> {
    let mut r = tlv.reader();
    let oid = oid_dotted(&r.read(OID, element)?, element)?;
    if !r.is_empty() {
        // Parameters: NULL or a curve OID (id-ecPublicKey); anything is tolerated but only one.
        let p = r.read_any(element)?;
        if p.tag != NULL && p.tag != OID {
            return Err(err_at(&p, element, "unexpected algorithm parameters"));
        }
    }
    r.finish(element)?;
    Ok(oid)
}

fn small_integer(tlv: &Tlv<'_>, element: &'static str) -> Result<u64, DecodeError> {
    if tlv.tag != INTEGER || tlv.content.is_empty() || tlv.content.len() > 8 {
        return Err(err_at(tlv, element, "not a small INTEGER"));
    }
    if tlv.content[0] & 0x80 != 0 {
        return Err(err_at(tlv, element, "negative INTEGER"));
    }
    Ok(tlv
        .content
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// What a SignerInfo names its signer by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// issuerAndSerialNumber: the issuer's Name (DER, whole element) and the serial number
    /// (DER INTEGER, whole element).
    IssuerAndSerial {
        /// DER of the issuer Name.
        issuer: Vec<u8>,
        /// DER of the serial INTEGER.
        serial: Vec<u8>,
    },
    /// `[0] subjectKeyIdentifier`.
    SubjectKeyId(Vec<u8>),
}

/// One attribute: its type and the DER of each value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type, dotted.
    pub oid: String,
    /// Each value, as a whole DER element.
    pub values: Vec<Vec<u8>>,
}

/// One ESSCertIDv2 of a signing-certificate-v2 attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssCertIdV2 {
    /// The hash algorithm, dotted (SHA-256 when the element is absent).
    pub hash_algorithm: String,
    /// The certificate's hash.
    pub cert_hash: Vec<u8>,
    /// issuerSerial: the DER of the issuer Name inside its GeneralNames, and the DER serial
    /// INTEGER, when present and naming a directoryName.
    pub issuer_serial: Option<(Vec<u8>, Vec<u8>)>,
}

/// The SignerInfo, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    /// Its version (1 for issuerAndSerialNumber, 3 for subjectKeyIdentifier).
    pub version: u64,
    /// Who signed.
    pub sid: SignerId,
    /// The digest algorithm, dotted.
    pub digest_algorithm: String,
    /// The signed attributes as the signature covers them: the received `[0]` element with
    /// its tag changed to SET (RFC 5652 §5.4). `None` when there are none.
    pub signed_attrs_der: Option<Vec<u8>>,
    /// The signed attributes.
    pub signed_attrs: Vec<Attribute>,
    /// The signature algorithm, dotted.
    pub signature_algorithm: String,
    /// The signature value.
    pub signature: Vec<u8>,
    /// The unsigned attributes.
    pub unsigned_attrs: Vec<Attribute>,
}

/// A CMS SignedData, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedData {
    /// SignedData version.
    pub version: u64,
    /// The encapsulated content type, dotted (id-data for PAdES).
    pub content_type: String,
    /// True when the content is inside (not detached) — PAdES signatures are detached.
    pub has_content: bool,
    /// The certificates, DER, in the order given.
    pub certificates: Vec<Vec<u8>>,
    /// How many SignerInfos there are; only the first is read.
    pub signer_count: usize,
    /// The first SignerInfo.
    pub signer: SignerInfo,
}

/// Largest CMS read (a PDF's `/Contents` is rarely over 64 KiB; some carry revocation data).
pub const MAX_CMS_LEN: usize = 4 * 1024 * 1024;

/// Reads a CMS ContentInfo holding a SignedData.
pub fn decode(der: &[u8]) -> Result<SignedData, DecodeError> {
    if der.len() > MAX_CMS_LEN {
        return Err(DecodeError {
            offset: 0,
            element: "ContentInfo",
            detail: format!("{} bytes, more than the limit of {MAX_CMS_LEN}", der.len()),
        });
    }
    let mut top = reader(der);
    let ci = top.read(SEQUENCE, "ContentInfo")?;
    top.finish("ContentInfo")?;
    let mut r = ci.reader();
    let ct = oid_dotted(
        &r.read(OID, "ContentInfo.contentType")?,
        "ContentInfo.contentType",
    )?;
    if ct != oid::SIGNED_DATA {
        return Err(err_at(
            &ci,
            "ContentInfo.contentType",
            format!("{ct}, not id-signedData"),
        ));
    }
    let explicit = r.read(CONTEXT_0, "ContentInfo.content")?;
    r.finish("ContentInfo")?;
    let mut e = explicit.reader();
    let sd = e.read(SEQUENCE, "SignedData")?;
    e.finish("ContentInfo.content")?;

    let mut r = sd.reader();
    let version = small_integer(
        &r.read(INTEGER, "SignedData.version")?,
        "SignedData.version",
    )?;
    let algs = r.read(SET, "SignedData.digestAlgorithms")?;
    let mut ar = algs.reader();
    while !ar.is_empty() {
        let a = ar.read(SEQUENCE, "SignedData.digestAlgorithms")?;
        algorithm(&a, "SignedData.digestAlgorithms")?;
    }
    let encap = r.read(SEQUENCE, "SignedData.encapContentInfo")?;
    let mut er = encap.reader();
    let content_type = oid_dotted(
        &er.read(OID, "encapContentInfo.eContentType")?,
        "encapContentInfo.eContentType",
    )?;
    let has_content = er
        .optional(CONTEXT_0, "encapContentInfo.eContent")?
        .is_some();
    er.finish("encapContentInfo")?;
    let mut certificates = Vec::new();
    if let Some(certs) = r.optional(CONTEXT_0, "SignedData.certificates")? {
        let mut cr = certs.reader();
        while !cr.is_empty() {
            let c = cr.read_any("SignedData.certificates")?;
            // Other CertificateChoices (attribute certificates, [n] tagged) are skipped.
            if c.tag == SEQUENCE {
                certificates.push(c.raw.to_vec());
            }
        }
    }
    // crls [1]: not needed for B-B; skipped.
    r.optional(CONTEXT_1, "SignedData.crls")?;
    let infos = r.read(SET, "SignedData.signerInfos")?;
    r.finish("SignedData")?;
    let mut ir = infos.reader();
    let mut first = None;
    let mut signer_count = 0;
    while !ir.is_empty() {
        let si = ir.read(SEQUENCE, "SignerInfo")?;
        if first.is_none() {
            first = Some(signer_info(&si)?);
        }
        signer_count += 1;
    }
    let signer = first.ok_or_else(|| err_at(&infos, "SignedData.signerInfos", "no SignerInfo"))?;
    Ok(SignedData {
        version,
        content_type,
        has_content,
        certificates,
        signer_count,
        signer,
    })
}

fn attributes(tlv: &Tlv<'_>, element: &'static str) -> Result<Vec<Attribute>, DecodeError> {
    let mut out = Vec::new();
    let mut r = tlv.reader();
    while !r.is_empty() {
        let a = r.read(SEQUENCE, element)?;
        let mut ar = a.reader();
        let oid = oid_dotted(&ar.read(OID, element)?, element)?;
        let vals = ar.read(SET, element)?;
        ar.finish(element)?;
        let mut vr = vals.reader();
        let mut values = Vec::new();
        while !vr.is_empty() {
            values.push(vr.read_any(element)?.raw.to_vec());
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

fn signer_info(si: &Tlv<'_>) -> Result<SignerInfo, DecodeError> {
    let mut r = si.reader();
    let version = small_integer(
        &r.read(INTEGER, "SignerInfo.version")?,
        "SignerInfo.version",
    )?;
    let sid_tlv = r.read_any("SignerInfo.sid")?;
    let sid = match sid_tlv.tag {
        SEQUENCE => {
            let mut sr = sid_tlv.reader();
            let issuer = sr.read(SEQUENCE, "SignerInfo.sid.issuer")?;
            let serial = sr.read(INTEGER, "SignerInfo.sid.serialNumber")?;
            sr.finish("SignerInfo.sid")?;
            SignerId::IssuerAndSerial {
                issuer: issuer.raw.to_vec(),
                serial: serial.raw.to_vec(),
            }
        }
        CONTEXT_0_PRIMITIVE => SignerId::SubjectKeyId(sid_tlv.content.to_vec()),
        t => {
            return Err(err_at(
                &sid_tlv,
                "SignerInfo.sid",
                format!("unexpected tag 0x{t:02X}"),
            ));
        }
    };
    let digest_algorithm = algorithm(
        &r.read(SEQUENCE, "SignerInfo.digestAlgorithm")?,
        "SignerInfo.digestAlgorithm",
    )?;
    let (signed_attrs_der, signed_attrs) = match r.optional(CONTEXT_0, "SignerInfo.signedAttrs")? {
        Some(t) => {
            let mut der = t.raw.to_vec();
            der[0] = SET;
            (Some(der), attributes(&t, "SignerInfo.signedAttrs")?)
        }
        None => (None, Vec::new()),
    };
    let signature_algorithm = algorithm(
        &r.read(SEQUENCE, "SignerInfo.signatureAlgorithm")?,
        "SignerInfo.signatureAlgorithm",
    )?;
    let signature = r
        .read(OCTET_STRING, "SignerInfo.signature")?
        .content
        .to_vec();
    let unsigned_attrs = match r.optional(CONTEXT_1, "SignerInfo.unsignedAttrs")? {
        Some(t) => attributes(&t, "SignerInfo.unsignedAttrs")?,
        None => Vec::new(),
    };
    r.finish("SignerInfo")?;
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs_der,
        signed_attrs,
        signature_algorithm,
        signature,
        unsigned_attrs,
    })
}

/// The one value of the attribute `oid` in `attrs`: `Ok(None)` when absent, an error when it
/// appears twice or has not exactly one value.
fn single_value<'a>(attrs: &'a [Attribute], oid: &str) -> Result<Option<&'a [u8]>, String> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(a) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(format!("attribute {oid} appears more than once"));
    }
    match a.values.as_slice() {
        [v] => Ok(Some(v)),
        vs => Err(format!("attribute {oid} has {} values, not one", vs.len())),
    }
}

fn octet_string_content(v: &[u8], what: &'static str) -> Result<Vec<u8>, String> {
    let mut r = reader(v);
    let t = r.read(OCTET_STRING, what).map_err(|e| e.to_string())?;
    r.finish(what).map_err(|e| e.to_string())?;
    Ok(t.content.to_vec())
}

impl SignerInfo {
    /// The message-digest attribute's value; `Ok(None)` when absent.
    pub fn message_digest(&self) -> Result<Option<Vec<u8>>, String> {
        single_value(&self.signed_attrs, oid::MESSAGE_DIGEST)?
            .map(|v| octet_string_content(v, "messageDigest"))
            .transpose()
    }

    /// The content-type attribute's value, dotted; `Ok(None)` when absent.
    pub fn content_type(&self) -> Result<Option<String>, String> {
        single_value(&self.signed_attrs, oid::CONTENT_TYPE)?
            .map(|v| {
                let mut r = reader(v);
                let t = r.read(OID, "contentType").map_err(|e| e.to_string())?;
                r.finish("contentType").map_err(|e| e.to_string())?;
                oid_dotted(&t, "contentType").map_err(|e| e.to_string())
            })
            .transpose()
    }

    /// True when a signed attribute of type `oid` is present.
    pub fn has_signed_attr(&self, oid: &str) -> bool {
        self.signed_attrs.iter().any(|a| a.oid == oid)
    }

    /// The signing-certificate-v2 attribute's ESSCertIDv2s; `Ok(None)` when absent.
    pub fn signing_certificate_v2(&self) -> Result<Option<Vec<EssCertIdV2>>, String> {
        let Some(v) = single_value(&self.signed_attrs, oid::SIGNING_CERTIFICATE_V2)? else {
            return Ok(None);
        };
        fn e(e: impl std::fmt::Display) -> String {
            e.to_string()
        }
        let mut top = reader(v);
        let sc = top.read(SEQUENCE, "SigningCertificateV2").map_err(e)?;
        top.finish("SigningCertificateV2").map_err(e)?;
        let mut r = sc.reader();
        let certs = r.read(SEQUENCE, "SigningCertificateV2.certs").map_err(e)?;
        // policies (optional) are not needed.
        let mut cr = certs.reader();
        let mut out = Vec::new();
        while !cr.is_empty() {
            let id = cr.read(SEQUENCE, "ESSCertIDv2").map_err(e)?;
            let mut ir = id.reader();
            let hash_algorithm = match ir
                .optional(SEQUENCE, "ESSCertIDv2.hashAlgorithm")
                .map_err(e)?
            {
                Some(a) => algorithm(&a, "ESSCertIDv2.hashAlgorithm").map_err(e)?,
                None => oid::SHA256.to_owned(),
            };
            let cert_hash = ir
                .read(OCTET_STRING, "ESSCertIDv2.certHash")
                .map_err(e)?
                .content
                .to_vec();
            let issuer_serial = match ir
                .optional(SEQUENCE, "ESSCertIDv2.issuerSerial")
                .map_err(e)?
            {
                Some(is) => {
                    let mut isr = is.reader();
                    let names = isr.read(SEQUENCE, "IssuerSerial.issuer").map_err(e)?;
                    let serial = isr.read(INTEGER, "IssuerSerial.serialNumber").map_err(e)?;
                    let mut nr = names.reader();
                    let mut dir = None;
                    while !nr.is_empty() {
                        let gn = nr.read_any("GeneralName").map_err(e)?;
                        if gn.tag == CONTEXT_4 && dir.is_none() {
                            let mut dr = gn.reader();
                            dir = Some(dr.read(SEQUENCE, "directoryName").map_err(e)?.raw.to_vec());
                        }
                    }
                    dir.map(|d| (d, serial.raw.to_vec()))
                }
                None => None,
            };
            out.push(EssCertIdV2 {
                hash_algorithm,
                cert_hash,
                issuer_serial,
            });
        }
        Ok(Some(out))
    }

    /// The `SES_Signature` carried in the unsigned attribute [`SES_SIGNATURE_ATTRIBUTE_OID`];
    /// `Ok(None)` when absent.
    pub fn ses_signature(&self) -> Result<Option<Vec<u8>>, String> {
        single_value(&self.unsigned_attrs, SES_SIGNATURE_ATTRIBUTE_OID)?
            .map(|v| octet_string_content(v, "SES_Signature attribute"))
            .transpose()
    }
}

impl SignedData {
    /// The certificate the SignerInfo names (by issuer and serial, or by subject key
    /// identifier only when no issuerAndSerialNumber is given — matched against the
    /// certificates' SPKI SHA-1 is not done here, so that form finds nothing).
    pub fn signer_certificate(&self) -> Option<&[u8]> {
        let SignerId::IssuerAndSerial { issuer, serial } = &self.signer.sid else {
            return None;
        };
        self.certificates
            .iter()
            .find(|c| {
                certificate_ids(c)
                    .map(|ids| ids.issuer == issuer.as_slice() && ids.serial == serial.as_slice())
                    .unwrap_or(false)
            })
            .map(Vec::as_slice)
    }
}

/// The parts of an X.509 certificate CMS refers to, as DER elements of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateIds<'a> {
    /// The issuer Name.
    pub issuer: &'a [u8],
    /// The serialNumber INTEGER.
    pub serial: &'a [u8],
    /// The SubjectPublicKeyInfo.
    pub spki: &'a [u8],
}

/// Reads the issuer, serial number and public key out of a DER certificate.
pub fn certificate_ids(cert: &[u8]) -> Result<CertificateIds<'_>, DecodeError> {
    let mut top = reader(cert);
    let c = top.read(SEQUENCE, "Certificate")?;
    top.finish("Certificate")?;
    let mut r = c.reader();
    let tbs = r.read(SEQUENCE, "TBSCertificate")?;
    let mut t = tbs.reader();
    t.optional(CONTEXT_0, "TBSCertificate.version")?;
    let serial = t.read(INTEGER, "TBSCertificate.serialNumber")?;
    t.read(SEQUENCE, "TBSCertificate.signature")?;
    let issuer = t.read(SEQUENCE, "TBSCertificate.issuer")?;
    t.read(SEQUENCE, "TBSCertificate.validity")?;
    t.read(SEQUENCE, "TBSCertificate.subject")?;
    let spki = t.read(SEQUENCE, "TBSCertificate.subjectPublicKeyInfo")?;
    Ok(CertificateIds {
        issuer: issuer.raw,
        serial: serial.raw,
        spki: spki.raw,
    })
}

/// The algorithms a SignerInfo's OIDs name, when they are ones zhengku verifies: the
/// digest for the message digest and the key's signature algorithm. Accepts ecdsa-with-SHA256
/// with SHA-256, and SM2-with-SM3 (or sm2sign, as GM/T 0010 writes it) with SM3.
pub fn signer_algorithms(info: &SignerInfo) -> Result<(DigestAlgorithm, Algorithm), String> {
    let digest = match info.digest_algorithm.as_str() {
        oid::SHA256 => DigestAlgorithm::Sha256,
        oid::SM3 => DigestAlgorithm::Sm3,
        other => return Err(format!("unsupported digest algorithm {other}")),
    };
    let sig = match (info.signature_algorithm.as_str(), digest) {
        (oid::ECDSA_WITH_SHA256 | oid::EC_PUBLIC_KEY, DigestAlgorithm::Sha256) => {
            Algorithm::EcdsaP256Sha256
        }
        (oid::SM2_WITH_SM3 | oid::SM2_SIGN, DigestAlgorithm::Sm3) => Algorithm::Sm2Sm3,
        (other, d) => {
            return Err(format!(
                "unsupported signature algorithm {other} with digest {d}"
            ));
        }
    };
    Ok((digest, sig))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oids_encode_and_read_back() {
        for dotted in [
            oid::SIGNED_DATA,
            oid::DATA,
            oid::CONTENT_TYPE,
            oid::MESSAGE_DIGEST,
            oid::SIGNING_CERTIFICATE_V2,
            oid::SHA256,
            oid::SM3,
            oid::ECDSA_WITH_SHA256,
            oid::SM2_WITH_SM3,
            SES_SIGNATURE_ATTRIBUTE_OID,
        ] {
            let der = oid_tlv(dotted).unwrap();
            let mut r = reader(&der);
            let t = r.read(OID, "oid").unwrap();
            assert_eq!(oid_dotted(&t, "oid").unwrap(), dotted);
        }
        // The attribute OID is the UUID as an integer.
        let hex: String = SES_SIGNATURE_ATTRIBUTE_UUID
            .chars()
            .filter(|c| *c != '-')
            .collect();
        let n = u128::from_str_radix(&hex, 16).unwrap();
        assert_eq!(SES_SIGNATURE_ATTRIBUTE_OID, format!("2.25.{n}"));
        // The crypto crate's constants are OIDs too.
        for dotted in [oid::SM2_SIGN, oid::EC_PUBLIC_KEY] {
            assert!(oid_tlv(dotted).is_ok(), "{dotted}");
        }
    }

    #[test]
    fn element_lengths_are_read_leniently() {
        let long = enc::octet_string(&[0u8; 300]);
        assert_eq!(der_element_len(&long), Some(304));
        // A non-minimal long form, as some CMS producers write.
        assert_eq!(der_element_len(&[0x30, 0x82, 0x00, 0x05]), Some(9));
        assert_eq!(der_element_len(&[0x30, 0x80]), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0x30, 0x03, 0x06, 0x01, 0x80],
            &[0x1F, 0x01, 0x00],
        ] {
            assert!(decode(bad).is_err());
        }
    }
}
