//! Sealing an OFD (电子签章, GB/T 38540 on GB/T 33190): a new signature appended to a
//! package, in the one strict form zhengku writes (feature `write`; the engine does not
//! link it).
//!
//! The new `Sign_N/Signature.xml` protects every file of the package as it stands (absolute
//! paths, SM3 by OID, in name order) but the signature list and the slots the caller reserves
//! for later annotation, plus the seal written beside it (`Sign_N/Seal.esl`); the list must
//! stay open for later signatures. The caller makes the
//! `SES_Signature` over the raw bytes of that `Signature.xml` (its dataHash) with the seal
//! holder's key — zhengku-seal's `stamp` — and it becomes `Sign_N/SignedValue.dat`. Then
//! `Signatures.xml` names the new signature. A first signature also adds the signature list
//! to `OFD.xml`; a later one leaves `OFD.xml` alone, as the earlier signatures protect it.

use base64::Engine;

use crate::OfdError;
use crate::doc::{Ofd, SM3_OID};
use crate::zip::{Limits, Package};

/// SM2 with SM3 (GM/T 0006), the `SignatureMethod` zhengku writes.
pub const SM2_SM3_OID: &str = "1.2.156.10197.1.501";
const NS: &str = "http://www.ofdspec.org/2016";
const LIST: &str = "Doc_0/Signs/Signatures.xml";

/// Where and by what the seal is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp<'a> {
    /// The seal (`SESeal` DER), written as `Seal.esl`.
    pub seal: &'a [u8],
    /// The page's ID (`PageRef`).
    pub page_ref: &'a str,
    /// `x y width height` in millimetres from the page's top left.
    pub boundary: &'a str,
    /// `SignatureDateTime`, as written (`2026-12-04 10:08:09`).
    pub date_time: &'a str,
    /// `Provider/@ProviderName`.
    pub provider: &'a str,
    /// Files left out of the references: slots kept open for later annotation (an
    /// original's empty annotation list, which an annotated copy fills and seals again).
    pub reserved: &'a [&'a str],
}

/// Why a package could not be sealed.
#[derive(Debug, thiserror::Error)]
pub enum SignError<E> {
    /// The package is not an OFD that can take a signature.
    #[error("{0}")]
    Ofd(#[from] OfdError),
    /// A value cannot be written into XML as it is.
    #[error("{0} holds characters XML attributes cannot carry")]
    Value(&'static str),
    /// The caller could not make the `SES_Signature`.
    #[error("making the seal signature: {0}")]
    Seal(E),
}

fn attr<E>(what: &'static str, v: &str) -> Result<String, SignError<E>> {
    if v.chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '&'))
    {
        return Err(SignError::Value(what));
    }
    Ok(v.to_owned())
}

/// Appends a seal signature to `package` (module docs). `ses(signature_xml, property_info)`
/// makes the `SES_Signature` (DER) whose dataHash is the SM3 of `signature_xml` and whose
/// propertyInfo is `property_info` (the path of `Signature.xml`).
pub fn seal<E>(
    package: &Package,
    stamp: &Stamp<'_>,
    ses: impl FnOnce(&[u8], &str) -> Result<Vec<u8>, E>,
) -> Result<Package, SignError<E>> {
    let ofd = Ofd::read(&package.to_zip(), &Limits::default())?;
    let mut out = package.clone();
    let first = ofd.signatures_file.is_none();
    if !first && ofd.signatures_file.as_deref() != Some(LIST) {
        return Err(SignError::Ofd(OfdError::Structure(format!(
            "the signature list is at {}, zhengku appends to {LIST} only",
            ofd.signatures_file.as_deref().unwrap_or("")
        ))));
    }
    let n = (0..)
        .find(|i| {
            !package
                .names()
                .any(|f| f.starts_with(&format!("Doc_0/Signs/Sign_{i}/")))
        })
        .unwrap_or(0);
    let dir = format!("Doc_0/Signs/Sign_{n}");
    let (sig_xml_path, value_path, seal_path) = (
        format!("{dir}/Signature.xml"),
        format!("{dir}/SignedValue.dat"),
        format!("{dir}/Seal.esl"),
    );
    if first {
        let text = String::from_utf8(package.file("OFD.xml").unwrap_or_default().to_vec())
            .map_err(|_| OfdError::Structure("OFD.xml is not UTF-8".into()))?;
        let (prefix, close) = match text.find("</ofd:DocBody>") {
            Some(at) => ("ofd:", at),
            None => (
                "",
                text.find("</DocBody>")
                    .ok_or_else(|| OfdError::Structure("OFD.xml has no DocBody".into()))?,
            ),
        };
        let with = format!(
            "{}<{prefix}Signatures>/{LIST}</{prefix}Signatures>{}",
            &text[..close],
            &text[close..]
        );
        out.insert("OFD.xml", with.into_bytes());
    }
    out.insert(&seal_path, stamp.seal.to_vec());
    // Every file as it now stands, but the list and this signature's own two files.
    let mut references = String::new();
    for name in out
        .names()
        .filter(|f| *f != LIST && !stamp.reserved.contains(f))
    {
        let digest = zhengku_crypto::sm3(out.file(name).unwrap_or_default());
        references.push_str(&format!(
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            attr::<E>("a file name", name)?,
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
    }
    let signature_xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ofd:Signature xmlns:ofd=\"{NS}\"><ofd:SignedInfo>\
         <ofd:Provider ProviderName=\"{}\"/>\
         <ofd:SignatureMethod>{SM2_SM3_OID}</ofd:SignatureMethod>\
         <ofd:SignatureDateTime>{}</ofd:SignatureDateTime>\
         <ofd:References CheckMethod=\"{SM3_OID}\">{references}</ofd:References>\
         <ofd:StampAnnot ID=\"1\" PageRef=\"{}\" Boundary=\"{}\"/>\
         <ofd:Seal><ofd:BaseLoc>/{seal_path}</ofd:BaseLoc></ofd:Seal>\
         </ofd:SignedInfo><ofd:SignedValue>/{value_path}</ofd:SignedValue></ofd:Signature>",
        attr::<E>("the provider", stamp.provider)?,
        attr::<E>("the time", stamp.date_time)?,
        attr::<E>("the page", stamp.page_ref)?,
        attr::<E>("the boundary", stamp.boundary)?,
    );
    let value =
        ses(signature_xml.as_bytes(), &format!("/{sig_xml_path}")).map_err(SignError::Seal)?;
    out.insert(&sig_xml_path, signature_xml.into_bytes());
    out.insert(&value_path, value);
    // The list, with this signature added and MaxSignId raised.
    let earlier: Vec<String> = ofd
        .signatures
        .iter()
        .flatten()
        .map(|s| {
            format!(
                "<ofd:Signature ID=\"{}\" Type=\"{}\" BaseLoc=\"/{}\"/>",
                attr::<E>("an ID", &s.id).unwrap_or_default(),
                attr::<E>("a type", &s.kind).unwrap_or_default(),
                s.file
            )
        })
        .collect();
    let next_id = ofd
        .signatures
        .iter()
        .flatten()
        .filter_map(|s| s.id.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let list = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ofd:Signatures xmlns:ofd=\"{NS}\"><ofd:MaxSignId>{next_id}</ofd:MaxSignId>{}\
         <ofd:Signature ID=\"{next_id}\" Type=\"Seal\" BaseLoc=\"/{sig_xml_path}\"/>\
         </ofd:Signatures>",
        earlier.join("")
    );
    out.insert(LIST, list.into_bytes());
    Ok(out)
}
