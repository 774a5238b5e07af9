//! Showing what a seal or an electronic signature file *says*, field by field, without
//! verifying anything (`zhengku seal inspect`): every field of the GB/T 38540 v4 or GM/T 0031
//! v1 layout with its standard name, the certificates' subjects, issuers and validity, the
//! picture's digest. Made once here so the CLI only prints; nothing in an [`Inspection`] is a
//! verdict.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_seal::alg::algorithm_of;
use zhengku_seal::{
    CertList, DecodedSeal, DecodedSignature, Extension, Oid, SealInfo, decode_seal,
    decode_signature,
};

/// A seal file or a signature file, decoded.
#[derive(Debug, Clone)]
pub enum Decoded {
    /// An electronic signature (电子签章), v4 or v1.
    Signature(DecodedSignature),
    /// An electronic seal (电子印章), v4 or v1.
    Seal(DecodedSeal),
}

/// Neither a signature nor a seal: both decoders' reasons.
#[derive(Debug, thiserror::Error)]
#[error("neither a signature ({signature}) nor a seal ({seal})")]
pub struct NotSealOrSignature {
    /// Why it is not an `SES_Signature`.
    pub signature: zhengku_seal::DecodeError,
    /// Why it is not an `SESeal`.
    pub seal: zhengku_seal::DecodeError,
}

/// Tries SES_Signature first, then SESeal; when neither decodes, both reasons.
pub fn decode_any(input: &[u8]) -> Result<Decoded, NotSealOrSignature> {
    let signature = match decode_signature(input) {
        Ok(s) => return Ok(Decoded::Signature(s)),
        Err(e) => e,
    };
    match decode_seal(input) {
        Ok(s) => Ok(Decoded::Seal(s)),
        Err(seal) => Err(NotSealOrSignature { signature, seal }),
    }
}

/// What `inspect` shows, in order; text and JSON are both made from it.
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    /// What the file is (format and layout).
    pub kind: &'static str,
    /// Sections and fields, in order.
    pub lines: Vec<Line>,
    /// The seal's picture (印模图像), as stored.
    pub picture: Vec<u8>,
}

/// A line of an [`Inspection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A section title.
    Section(&'static str),
    /// A field: a stable key (for JSON), a label (for people) and the value, with control
    /// characters escaped.
    Field {
        /// E.g. `seal.esID`.
        key: String,
        /// E.g. `esID (印章编码)`.
        label: String,
        /// The value as text.
        value: String,
    },
}

/// Collects lines; `kind` is set by [`inspect`].
#[derive(Default)]
struct Dump {
    kind: &'static str,
    lines: Vec<Line>,
}

impl Dump {
    fn section(&mut self, title: &'static str) {
        self.lines.push(Line::Section(title));
    }

    /// A field; the value is shown with control characters escaped (text from a file is
    /// not allowed to move the terminal's cursor).
    fn field(&mut self, key: impl Into<String>, label: impl Into<String>, value: impl ToString) {
        self.lines.push(Line::Field {
            key: key.into(),
            label: label.into(),
            value: clean(&value.to_string()),
        });
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
            if c.is_control() {
                Box::new(c.escape_default())
            } else {
                Box::new(std::iter::once(c))
            }
        })
        .collect()
}

fn seal_fields(
    d: &mut Dump,
    title: &'static str,
    info: &SealInfo,
    maker_cert: &[u8],
    sign_alg: &Oid,
    signed_value: &[u8],
) {
    d.section(title);
    let h = &info.header;
    d.field("seal.header.id", "header id (头标识)", &h.id);
    d.field("seal.header.version", "header version (版本号)", h.version);
    d.field("seal.header.vid", "header vid (厂商标识)", &h.vid);
    d.field("seal.esID", "esID (印章编码)", &info.es_id);
    let p = &info.property;
    d.field("seal.name", "name (印章名称)", &p.name);
    d.field("seal.type", "type (印章类型)", type_label(p.seal_type));
    d.field("seal.createDate", "createDate (制章日期)", p.create_date);
    d.field(
        "seal.validStart",
        "validStart (有效起始时间)",
        p.valid_start,
    );
    d.field("seal.validEnd", "validEnd (有效结束时间)", p.valid_end);
    match &p.cert_list {
        CertList::Certificates(certs) => {
            d.field(
                "seal.certList",
                "certList (签章人证书列表)",
                format!("{} certificate(s)", certs.len()),
            );
            for (i, c) in certs.iter().enumerate() {
                cert_fields(
                    d,
                    &format!("seal.certList.{}", i + 1),
                    &format!("holder certificate {} (签章人证书)", i + 1),
                    c,
                );
            }
        }
        CertList::Digests(digests) => {
            d.field(
                "seal.certList",
                "certList (签章人证书列表)",
                format!("{} certificate digest(s)", digests.len()),
            );
            for (i, c) in digests.iter().enumerate() {
                d.field(
                    format!("seal.certList.{}", i + 1),
                    format!("holder certificate {} digest (证书杂凑值)", i + 1),
                    format!("{}: {}", c.digest_type, hex::encode(&c.value)),
                );
            }
        }
    }
    let pic = &info.picture;
    d.field(
        "seal.picture.type",
        "picture type (图像类型)",
        &pic.picture_type,
    );
    d.field(
        "seal.picture.size",
        "picture size (图像显示宽度×高度)",
        format!("{} × {} mm", pic.width_mm, pic.height_mm),
    );
    d.field(
        "seal.picture.data",
        "picture data (图像数据)",
        format!(
            "{} bytes, SM3 {}",
            pic.data.len(),
            hex::encode(zhengku_crypto::sm3(&pic.data))
        ),
    );
    ext_fields(d, "seal.extDatas", &info.ext_datas);
    cert_fields(
        d,
        "seal.makerCert",
        "maker certificate (制章人证书)",
        maker_cert,
    );
    alg_field(
        d,
        "seal.signAlgID",
        "maker signAlgID (签名算法标识)",
        sign_alg,
    );
    d.field(
        "seal.signedValue",
        "maker signedValue (制章人签名值)",
        format!("{} bytes", signed_value.len()),
    );
}

fn ext_fields(d: &mut Dump, key: &str, ext: &Option<Vec<Extension>>) {
    let value = match ext {
        None => "none".to_owned(),
        Some(list) => list
            .iter()
            .map(|e| {
                format!(
                    "{}{} ({} bytes)",
                    e.oid,
                    if e.critical { " critical" } else { "" },
                    e.value.len()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    d.field(key, "extDatas (自定义数据)", value);
}

fn cert_fields(d: &mut Dump, key: &str, label: &str, der: &[u8]) {
    match X509Certificate::from_der(der) {
        Ok((_, c)) => {
            let t = |ts: i64| {
                OffsetDateTime::from_unix_timestamp(ts)
                    .ok()
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .unwrap_or_else(|| ts.to_string())
            };
            let v = c.validity();
            d.field(
                format!("{key}.subject"),
                format!("{label} subject"),
                c.subject(),
            );
            d.field(
                format!("{key}.issuer"),
                format!("{label} issuer"),
                c.issuer(),
            );
            d.field(
                format!("{key}.serial"),
                format!("{label} serial"),
                hex::encode(c.raw_serial()),
            );
            d.field(
                format!("{key}.validity"),
                format!("{label} validity"),
                format!(
                    "{} to {}",
                    t(v.not_before.timestamp()),
                    t(v.not_after.timestamp())
                ),
            );
        }
        Err(e) => d.field(
            format!("{key}.error"),
            label.to_owned(),
            format!("unreadable certificate ({} bytes): {e}", der.len()),
        ),
    }
}

fn alg_field(d: &mut Dump, key: &str, label: &str, oid: &Oid) {
    let name = match algorithm_of(oid) {
        Some(zhengku_crypto::Algorithm::Sm2Sm3) => "SM2-with-SM3",
        Some(zhengku_crypto::Algorithm::EcdsaP256Sha256) => {
            "ECDSA-SHA256 (P-256, outside GB/T 38540)"
        }
        Some(_) | None => "unknown to zhengku",
    };
    d.field(key, label, format!("{name}, OID {oid}"));
}

/// 印章类型 with its meaning: 1 unit seal, 2 personal seal, anything else undefined.
pub fn type_label(t: u32) -> String {
    match t {
        1 => "1 单位印章 (unit seal)".to_owned(),
        2 => "2 个人印章 (personal seal)".to_owned(),
        n => format!("{n} (not defined: GB/T 38540 has 1 单位印章 and 2 个人印章)"),
    }
}

/// The parts of a seal both layouts share (v1 and v4 differ only in their header version
/// and where the picture's bytes sit, which [`SealInfo`] hides).
struct SealParts<'a> {
    title: &'static str,
    info: &'a SealInfo,
    maker_cert: &'a [u8],
    sign_alg: &'a Oid,
    signed_value: &'a [u8],
}

/// The parts of a signature both layouts share; v4 adds `extDatas` and a time stamp, v1
/// keeps the signer's certificate and algorithm inside the signed part.
struct SignatureParts<'a> {
    kind: &'static str,
    tbs: (u32, zhengku_seal::SealTime, &'a [u8], &'a str),
    ext_datas: Option<&'a Option<Vec<Extension>>>,
    cert: &'a [u8],
    alg: &'a Oid,
    signature_len: usize,
    time_stamp: String,
    seal: SealParts<'a>,
}

/// Every field of `decoded`, in the standard's order.
pub fn inspect(decoded: &Decoded) -> Inspection {
    let mut d = Dump::default();
    let seal = match decoded {
        Decoded::Signature(sig) => {
            let s = signature_parts(sig);
            d.kind = s.kind;
            d.section("Signature (电子签章 SES_Signature)");
            let (version, time_info, data_hash, property_info) = s.tbs;
            tbs_fields(&mut d, version, time_info, data_hash, property_info);
            if let Some(ext) = s.ext_datas {
                ext_fields(&mut d, "signature.extDatas", ext);
            }
            cert_fields(
                &mut d,
                "signature.cert",
                "signer certificate (签章人证书)",
                s.cert,
            );
            alg_field(
                &mut d,
                "signature.signatureAlgorithm",
                "signatureAlgorithm (签名算法标识)",
                s.alg,
            );
            d.field(
                "signature.signature",
                "signature (签名值)",
                format!("{} bytes", s.signature_len),
            );
            d.field("signature.timeStamp", "timeStamp (时间戳)", s.time_stamp);
            s.seal
        }
        Decoded::Seal(DecodedSeal::V4(seal)) => {
            d.kind = "GB/T 38540-2020 electronic seal (电子印章), SESeal v4 layout";
            SealParts {
                title: "Seal (电子印章 SESeal v4)",
                info: &seal.seal_info,
                maker_cert: &seal.maker_cert,
                sign_alg: &seal.sign_alg,
                signed_value: &seal.signed_value,
            }
        }
        Decoded::Seal(DecodedSeal::V1(seal)) => {
            d.kind = "GM/T 0031-2014 electronic seal (电子印章), SESeal v1 layout";
            SealParts {
                title: "Seal (电子印章 SESeal v1)",
                info: &seal.seal_info,
                maker_cert: &seal.maker_cert,
                sign_alg: &seal.sign_alg,
                signed_value: &seal.signed_value,
            }
        }
    };
    seal_fields(
        &mut d,
        seal.title,
        seal.info,
        seal.maker_cert,
        seal.sign_alg,
        seal.signed_value,
    );
    Inspection {
        kind: d.kind,
        lines: d.lines,
        picture: seal.info.picture.data.clone(),
    }
}

fn signature_parts(sig: &DecodedSignature) -> SignatureParts<'_> {
    match sig {
        DecodedSignature::V4(s) => {
            let t = &s.to_sign;
            SignatureParts {
                kind: "GB/T 38540-2020 electronic signature (电子签章), SES_Signature v4 layout",
                tbs: (t.version, t.time_info, &t.data_hash, &t.property_info),
                ext_datas: Some(&t.ext_datas),
                cert: &s.cert,
                alg: &s.signature_alg,
                signature_len: s.signature.len(),
                time_stamp: match &s.time_stamp {
                    Some(ts) => format!("present, {} bytes (not checked)", ts.len()),
                    None => "absent".to_owned(),
                },
                seal: SealParts {
                    title: "Seal inside the signature (电子印章 SESeal v4)",
                    info: &t.seal.seal_info,
                    maker_cert: &t.seal.maker_cert,
                    sign_alg: &t.seal.sign_alg,
                    signed_value: &t.seal.signed_value,
                },
            }
        }
        DecodedSignature::V1(s) => {
            let t = &s.to_sign;
            SignatureParts {
                kind: "GM/T 0031-2014 electronic signature (电子签章), SES_Signature v1 layout",
                tbs: (t.version, t.time_info, &t.data_hash, &t.property_info),
                ext_datas: None,
                cert: &t.cert,
                alg: &t.signature_alg,
                signature_len: s.signature.len(),
                time_stamp: "absent (v1 has none)".to_owned(),
                seal: SealParts {
                    title: "Seal inside the signature (电子印章 SESeal v1)",
                    info: &t.seal.seal_info,
                    maker_cert: &t.seal.maker_cert,
                    sign_alg: &t.seal.sign_alg,
                    signed_value: &t.seal.signed_value,
                },
            }
        }
    }
}

fn tbs_fields(
    d: &mut Dump,
    version: u32,
    time_info: zhengku_seal::SealTime,
    data_hash: &[u8],
    property_info: &str,
) {
    d.field("signature.version", "version (版本号)", version);
    d.field("signature.timeInfo", "timeInfo (签章时间)", time_info);
    d.field(
        "signature.dataHash",
        "dataHash (原文杂凑值)",
        hex::encode(data_hash),
    );
    d.field(
        "signature.propertyInfo",
        "propertyInfo (原文属性)",
        property_info,
    );
}
