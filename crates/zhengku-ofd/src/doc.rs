//! The parts of an OFD the signatures hang on (GB/T 33190-2016 §7 and §18): `OFD.xml` names
//! the document root and the signature list; `Signatures.xml` lists each signature's
//! `Signature.xml`; a `Signature.xml` names the signed value (`SignedValue.dat`, a DER
//! `SES_Signature`), the seal (`Seal.esl`, optional), the stamp's place on a page, and the
//! files it protects with their digests (`References`, `CheckMethod`, `CheckValue`).
//!
//! Read leniently, as others write them: elements in any order, with or without the `ofd:`
//! namespace prefix (matched by local name); locations absolute (`/Doc_0/…`) or relative to
//! the file that names them (then, failing that, to the package root); `CheckMethod` as the
//! name `SM3` or the SM3 OID `1.2.156.10197.1.401`. What is read is bounded by the package's
//! limits and a node limit per XML file.

use base64::Engine;

use crate::OfdError;
use crate::zip::{Limits, Package};

/// Most XML nodes read from one file.
const MAX_NODES: u32 = 200_000;
/// Most signatures read from one document.
const MAX_SIGNATURES: usize = 64;
/// Most references in one signature.
const MAX_REFERENCES: usize = 4096;

/// The SM3 OID, as `CheckMethod` may give it.
pub const SM3_OID: &str = "1.2.156.10197.1.401";

/// A location resolved against `base` (the folder of the file that names it): absolute when
/// it starts with `/`, else relative; `.` and `..` resolved, never above the root.
pub fn resolve(base: &str, loc: &str) -> Option<String> {
    let loc = loc.trim();
    let mut parts: Vec<&str> = if loc.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in loc.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The folder of a file's name (`Doc_0/Signs` for `Doc_0/Signs/Signatures.xml`).
fn folder(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(f, _)| f)
}

fn parse(package: &Package, name: &str) -> Result<String, OfdError> {
    let bytes = package
        .file(name)
        .ok_or_else(|| OfdError::Structure(format!("{name} is missing")))?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| OfdError::Structure(format!("{name} is not UTF-8")))
}

fn document<'a>(name: &str, text: &'a str) -> Result<roxmltree::Document<'a>, OfdError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| OfdError::Structure(format!("{name}: {e}")))
}

/// The first descendant of `node` with local name `local`.
fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, local: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
}

fn text_of(node: Option<roxmltree::Node<'_, '_>>) -> Option<String> {
    node.and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Finds a file named by `loc` in a file of folder `base` (relative to it, or else to the
/// root, as some writers mean).
fn locate(package: &Package, base: &str, loc: &str) -> Option<String> {
    let here = resolve(base, loc)?;
    if package.file(&here).is_some() || loc.trim().starts_with('/') {
        return Some(here);
    }
    resolve("", loc).filter(|root| package.file(root).is_some())
}

/// The digest a `CheckMethod` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMethod {
    /// SM3 (by name or OID).
    Sm3,
}

impl CheckMethod {
    fn parse(s: &str) -> Option<CheckMethod> {
        let s = s.trim();
        (s.eq_ignore_ascii_case("sm3") || s == SM3_OID).then_some(CheckMethod::Sm3)
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        match self {
            CheckMethod::Sm3 => zhengku_crypto::sm3(data),
        }
    }
}

/// One protected file and the digest the signer computed over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The file, resolved (no leading `/`).
    pub file: String,
    /// `CheckValue`, decoded from base64.
    pub check_value: Vec<u8>,
}

/// Where a stamp is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampAnnot {
    /// `PageRef`: the page's ID.
    pub page_ref: String,
    /// `Boundary`: x y width height, millimetres.
    pub boundary: String,
}

/// One signature of the document (a `Signature.xml`, read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `ID` in `Signatures.xml`.
    pub id: String,
    /// `Type`: `Seal` (电子签章) or `Sign` (电子签名; `Seal` when absent).
    pub kind: String,
    /// The `Signature.xml`, resolved.
    pub file: String,
    /// `SignedValue`: the `SES_Signature` file, resolved.
    pub signed_value: String,
    /// `Seal/BaseLoc`: the seal file, resolved, when given.
    pub seal: Option<String>,
    /// `SignatureMethod` as written (an OID).
    pub method: String,
    /// `SignatureDateTime` as written.
    pub date_time: Option<String>,
    /// `Provider/@ProviderName`.
    pub provider: Option<String>,
    /// `References/@CheckMethod`; `None` when it names a digest zhengku does not know
    /// (then `check_method_text` says which).
    pub check_method: Option<CheckMethod>,
    /// `CheckMethod` as written.
    pub check_method_text: String,
    /// The protected files.
    pub references: Vec<Reference>,
    /// Where the stamp shows.
    pub stamp_annots: Vec<StampAnnot>,
}

/// Most custom data entries read; longer names or values are passed over.
const MAX_CUSTOM: usize = 256;
const MAX_CUSTOM_NAME: usize = 100;
const MAX_CUSTOM_VALUE: usize = 1000;

/// `OFD.xml`'s `DocInfo`: what the document says about itself. Where GB/T 36905 licence
/// files keep their metadata (证照标识, 证照编号, 持证主体, …) as `CustomData` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocInfo {
    /// `DocID`.
    pub doc_id: Option<String>,
    /// `CreationDate`.
    pub creation_date: Option<String>,
    /// `Creator` (or, failing it, `Author`).
    pub creator: Option<String>,
    /// `CustomDatas/CustomData`: `(Name, text)`, in order (at most 256; overlong entries
    /// passed over).
    pub custom: Vec<(String, String)>,
}

impl DocInfo {
    fn read(body: roxmltree::Node<'_, '_>) -> DocInfo {
        let Some(info) = child(body, "DocInfo") else {
            return DocInfo::default();
        };
        let custom = info
            .descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == "CustomData")
            .filter_map(|n| {
                let name = n.attribute("Name")?.trim();
                let value = n.text().unwrap_or("").trim();
                (!name.is_empty()
                    && name.chars().count() <= MAX_CUSTOM_NAME
                    && value.chars().count() <= MAX_CUSTOM_VALUE)
                    .then(|| (name.to_owned(), value.to_owned()))
            })
            .take(MAX_CUSTOM)
            .collect();
        DocInfo {
            doc_id: text_of(child(info, "DocID")),
            creation_date: text_of(child(info, "CreationDate")),
            creator: text_of(child(info, "Creator")).or_else(|| text_of(child(info, "Author"))),
            custom,
        }
    }

    /// The custom data entry `name`, if any.
    pub fn custom(&self, name: &str) -> Option<&str> {
        self.custom
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An OFD read: its package, document root and signatures.
#[derive(Debug, Clone)]
pub struct Ofd {
    package: Package,
    /// `DocInfo` of the first `DocBody`.
    pub doc_info: DocInfo,
    /// `DocRoot` of the first `DocBody`, resolved.
    pub doc_root: String,
    /// `Signatures` of the first `DocBody`, resolved, when there is one.
    pub signatures_file: Option<String>,
    /// Each signature `Signatures.xml` lists, read, or why it could not be.
    pub signatures: Vec<Result<Signature, OfdError>>,
}

impl Ofd {
    /// Reads an OFD within `limits`.
    pub fn read(bytes: &[u8], limits: &Limits) -> Result<Ofd, OfdError> {
        let package = Package::read(bytes, limits)?;
        let text = parse(&package, "OFD.xml")?;
        let xml = document("OFD.xml", &text)?;
        let body = child(xml.root(), "DocBody")
            .ok_or_else(|| OfdError::Structure("OFD.xml has no DocBody".into()))?;
        let doc_root = text_of(child(body, "DocRoot"))
            .and_then(|l| locate(&package, "", &l))
            .ok_or_else(|| OfdError::Structure("OFD.xml names no DocRoot".into()))?;
        if package.file(&doc_root).is_none() {
            return Err(OfdError::Structure(format!("{doc_root} is missing")));
        }
        let signatures_file = text_of(child(body, "Signatures"))
            .map(|l| {
                locate(&package, "", &l).ok_or_else(|| {
                    OfdError::Structure(format!("OFD.xml names signatures at {l:?}"))
                })
            })
            .transpose()?;
        let signatures = match &signatures_file {
            None => Vec::new(),
            Some(f) => read_signatures(&package, f)?,
        };
        Ok(Ofd {
            doc_info: DocInfo::read(body),
            package,
            doc_root,
            signatures_file,
            signatures,
        })
    }

    /// The package's files.
    pub fn package(&self) -> &Package {
        &self.package
    }

    /// The files no signature protects, apart from each signature's own files and the
    /// signature list (which a later signature must be able to extend).
    pub fn uncovered(&self) -> Vec<String> {
        let mut own: Vec<&str> = Vec::new();
        let mut covered: Vec<&str> = Vec::new();
        for s in self.signatures.iter().flatten() {
            own.push(&s.file);
            own.push(&s.signed_value);
            covered.extend(s.references.iter().map(|r| r.file.as_str()));
        }
        self.package
            .names()
            .filter(|n| Some(*n) != self.signatures_file.as_deref())
            .filter(|n| !own.contains(n) && !covered.contains(n))
            .map(str::to_owned)
            .collect()
    }
}

/// Most page annotation files an annotation list may name (read for copy fields).
const MAX_ANNOTATION_PAGES: usize = 64;

/// Annotation parameters (`Annot/Parameters/Parameter`, by `Name`) of one annotation, with
/// the file that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotParameters {
    /// The page annotation file.
    pub file: String,
    /// The annotation's `Type`.
    pub kind: String,
    /// Its parameters, by name, in order.
    pub parameters: Vec<(String, String)>,
}

impl AnnotParameters {
    /// The parameter `name`, when given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Ofd {
    /// The document's default page box (`CommonData/PageArea/PhysicalBox`), millimetres:
    /// `[x, y, width, height]`.
    pub fn page_box(&self) -> Option<[f32; 4]> {
        let text = parse(&self.package, &self.doc_root).ok()?;
        let xml = document(&self.doc_root, &text).ok()?;
        let area = child(child(xml.root_element(), "CommonData")?, "PageArea")?;
        let b: Vec<f32> = text_of(child(area, "PhysicalBox"))?
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        (b.len() == 4 && b[2] > 0.0 && b[3] > 0.0).then(|| [b[0], b[1], b[2], b[3]])
    }

    /// The document's annotation list file (`Document/Annotations`), resolved.
    pub fn annotations_file(&self) -> Option<String> {
        let text = parse(&self.package, &self.doc_root).ok()?;
        let xml = document(&self.doc_root, &text).ok()?;
        let loc = text_of(child(xml.root_element(), "Annotations"))?;
        locate(&self.package, folder(&self.doc_root), &loc)
    }

    /// Every annotation that carries parameters, in the page annotation files the
    /// annotation list names (at most 64 files); unreadable files are passed over.
    pub fn annotation_parameters(&self) -> Vec<AnnotParameters> {
        let mut out = Vec::new();
        let Some(list) = self.annotations_file() else {
            return out;
        };
        let Ok(text) = parse(&self.package, &list) else {
            return out;
        };
        let Ok(xml) = document(&list, &text) else {
            return out;
        };
        let pages = xml
            .root_element()
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "Page")
            .take(MAX_ANNOTATION_PAGES);
        for page in pages {
            let Some(file) = text_of(child(page, "FileLoc"))
                .and_then(|l| locate(&self.package, folder(&list), &l))
            else {
                continue;
            };
            let Ok(text) = parse(&self.package, &file) else {
                continue;
            };
            let Ok(xml) = document(&file, &text) else {
                continue;
            };
            for annot in xml
                .root_element()
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "Annot")
            {
                let parameters: Vec<(String, String)> = child(annot, "Parameters")
                    .into_iter()
                    .flat_map(|p| p.children())
                    .filter(|n| n.is_element() && n.tag_name().name() == "Parameter")
                    .filter_map(|p| {
                        Some((
                            p.attribute("Name")?.trim().to_owned(),
                            p.text().unwrap_or("").trim().to_owned(),
                        ))
                    })
                    .take(64)
                    .collect();
                if !parameters.is_empty() {
                    out.push(AnnotParameters {
                        file: file.clone(),
                        kind: annot.attribute("Type").unwrap_or("").to_owned(),
                        parameters,
                    });
                }
            }
        }
        out
    }

    /// Whether `name` is an annotation list (`<Annotations>`) with no entries: the slot a
    /// sealed original keeps open for an annotated copy's watermark. Unprotected, it draws
    /// nothing, so it hides nothing.
    pub fn is_empty_annotation_list(&self, name: &str) -> bool {
        let Ok(text) = parse(&self.package, name) else {
            return false;
        };
        let Ok(xml) = document(name, &text) else {
            return false;
        };
        let root = xml.root_element();
        root.tag_name().name() == "Annotations" && !root.children().any(|n| n.is_element())
    }

    /// The file named `file_name` (its last path segment) in an attachment folder
    /// (`…/Attachs/…`), when exactly one is.
    pub fn attachment(&self, file_name: &str) -> Option<(&str, &[u8])> {
        let mut found = self
            .package
            .names()
            .filter(|n| n.contains("/Attachs/") && n.rsplit('/').next() == Some(file_name));
        let name = found.next()?;
        if found.next().is_some() {
            return None;
        }
        Some((name, self.package.file(name)?))
    }
}

fn read_signatures(
    package: &Package,
    list: &str,
) -> Result<Vec<Result<Signature, OfdError>>, OfdError> {
    let text = parse(package, list)?;
    let xml = document(list, &text)?;
    let entries: Vec<_> = xml
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Signature")
        .collect();
    if entries.len() > MAX_SIGNATURES {
        return Err(OfdError::Structure(format!(
            "{list}: more than {MAX_SIGNATURES} signatures"
        )));
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            let id = e.attribute("ID").unwrap_or("").to_owned();
            let kind = e.attribute("Type").unwrap_or("Seal").to_owned();
            let loc = e.attribute("BaseLoc").ok_or_else(|| {
                OfdError::Structure(format!("{list}: signature {id} has no BaseLoc"))
            })?;
            let file = locate(package, folder(list), loc)
                .ok_or_else(|| OfdError::Structure(format!("{list}: signature {id} at {loc:?}")))?;
            read_signature(package, id, kind, file)
        })
        .collect())
}

fn read_signature(
    package: &Package,
    id: String,
    kind: String,
    file: String,
) -> Result<Signature, OfdError> {
    let text = parse(package, &file)?;
    let xml = document(&file, &text)?;
    let root = xml.root();
    let base = folder(&file);
    let missing = |what: &str| OfdError::Structure(format!("{file}: no {what}"));
    let loc = |l: String| {
        locate(package, base, &l)
            .ok_or_else(|| OfdError::Structure(format!("{file}: a location {l:?}")))
    };
    let signed_value =
        loc(text_of(child(root, "SignedValue")).ok_or_else(|| missing("SignedValue"))?)?;
    let info = child(root, "SignedInfo").ok_or_else(|| missing("SignedInfo"))?;
    let seal = text_of(child(info, "Seal").and_then(|s| child(s, "BaseLoc")))
        .map(loc)
        .transpose()?;
    let references = child(info, "References").ok_or_else(|| missing("References"))?;
    let check_method_text = references
        .attribute("CheckMethod")
        .unwrap_or("")
        .trim()
        .to_owned();
    let refs: Vec<_> = references
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "Reference")
        .collect();
    if refs.len() > MAX_REFERENCES {
        return Err(OfdError::Structure(format!(
            "{file}: more than {MAX_REFERENCES} references"
        )));
    }
    let references = refs
        .into_iter()
        .map(|r| {
            let f = r
                .attribute("FileRef")
                .ok_or_else(|| missing("FileRef in a Reference"))?;
            let value = text_of(child(r, "CheckValue")).ok_or_else(|| missing("CheckValue"))?;
            let check_value = base64::engine::general_purpose::STANDARD
                .decode(value.as_bytes())
                .map_err(|_| OfdError::Structure(format!("{file}: a CheckValue is not base64")))?;
            Ok(Reference {
                file: loc(f.to_owned())?,
                check_value,
            })
        })
        .collect::<Result<Vec<_>, OfdError>>()?;
    let stamp_annots = info
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "StampAnnot")
        .map(|n| StampAnnot {
            page_ref: n.attribute("PageRef").unwrap_or("").to_owned(),
            boundary: n.attribute("Boundary").unwrap_or("").to_owned(),
        })
        .collect();
    Ok(Signature {
        id,
        kind,
        file,
        signed_value,
        seal,
        method: text_of(child(info, "SignatureMethod")).unwrap_or_default(),
        date_time: text_of(child(info, "SignatureDateTime")),
        provider: child(info, "Provider")
            .and_then(|p| p.attribute("ProviderName"))
            .map(str::to_owned),
        check_method: CheckMethod::parse(&check_method_text),
        check_method_text,
        references,
        stamp_annots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            resolve("Doc_0/Signs", "/Doc_0/a.xml").as_deref(),
            Some("Doc_0/a.xml")
        );
        assert_eq!(
            resolve("Doc_0/Signs", "Sign_0/Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(
            resolve("Doc_0/Signs", "../Document.xml").as_deref(),
            Some("Doc_0/Document.xml")
        );
        assert_eq!(resolve("", "../x"), None);
        assert_eq!(resolve("a", "../../x"), None);
        assert_eq!(CheckMethod::parse(" sm3 "), Some(CheckMethod::Sm3));
        assert_eq!(CheckMethod::parse(SM3_OID), Some(CheckMethod::Sm3));
        assert_eq!(CheckMethod::parse("SHA1"), None);
    }
}
