//! The electronic seal (电子印章) of GB/T 38540-2020, version 4: [`Seal`] (SESeal) and its
//! [`SealInfo`] (印章信息), with their DER encoding and decoding.
//!
//! The seal maker (制章者) signs [`SealInfo::to_der`]; some verifiers instead check the
//! signature over [`Seal::maker_tbs_alternative`]. The decoder here reads the v4 layout only;
//! [`crate::decode_seal`] tells v4 and v1 apart and checks the size limit.

use crate::MAX_LIST_ITEMS;
use zhengku_der::{Oid, Reader, Tlv, tag, writer as enc};

use crate::decode::SealSignedBytes;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::time::SealTime;

/// An electronic seal, SESeal (电子印章数据), version 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    /// eSealInfo: what the seal is (印章信息).
    pub seal_info: SealInfo,
    /// cert: the seal maker's (制章者) certificate, DER.
    pub maker_cert: Vec<u8>,
    /// signAlgID: the maker's signature algorithm (签名算法标识), normally SM2 with SM3.
    pub sign_alg: Oid,
    /// signedValue: the maker's signature (制章者签名) over [`SealInfo::to_der`].
    pub signed_value: Vec<u8>,
}

/// SES_SealInfo (印章信息): header, id, properties, picture, extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealInfo {
    /// header (头信息).
    pub header: Header,
    /// esID (印章标识): the seal's unique id, IA5String.
    pub es_id: String,
    /// property (印章属性).
    pub property: Property,
    /// picture (印章图片).
    pub picture: Picture,
    /// extDatas (自定义数据), absent or a (possibly empty) list.
    pub ext_datas: Option<Vec<Extension>>,
}

/// SES_Header (头信息).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// id (头标识): always `"ES"`.
    pub id: String,
    /// version (版本): 4 under GB/T 38540; 1 to 4 are accepted, as the field has all of them.
    pub version: u32,
    /// vid (厂商标识): the maker's vendor id, IA5String.
    pub vid: String,
}

impl Header {
    /// A version 4 header with the given vendor id.
    pub fn v4(vid: impl Into<String>) -> Header {
        Header {
            id: "ES".to_owned(),
            version: 4,
            vid: vid.into(),
        }
    }
}

/// SES_ESPropertyInfo (印章属性).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// type (印章类型): 1 unit (official) seal (单位印章), 2 personal seal (个人印章).
    pub seal_type: u32,
    /// name (印章名称), UTF8String.
    pub name: String,
    /// certListType and certList (签章者证书列表): who may stamp with this seal.
    pub cert_list: CertList,
    /// createDate (制作日期).
    pub create_date: SealTime,
    /// validStart (有效起始时间).
    pub valid_start: SealTime,
    /// validEnd (有效结束时间).
    pub valid_end: SealTime,
}

/// SES_CertList: the seal holders' (签章者) certificates, or their digests; certListType
/// 1 or 2 is derived from the variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertList {
    /// certListType 1, CertInfoList (证书列表): each certificate, DER.
    Certificates(Vec<Vec<u8>>),
    /// certListType 2, CertDigestList (证书杂凑列表).
    Digests(Vec<CertDigest>),
}

/// One CertDigestObj (证书杂凑): a certificate's digest and the digest algorithm's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDigest {
    /// type (杂凑算法), PrintableString, e.g. `"sm3"`.
    pub digest_type: String,
    /// value (杂凑值).
    pub value: Vec<u8>,
}

/// SES_ESPictrueInfo (印章图片信息; "Pictrue" sic in the standard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// type (图片类型): `"PNG"`, `"SVG"`, `"OFD"`, `"GIF"`, `"JPG"`, …; IA5String.
    pub picture_type: String,
    /// data (图片数据).
    pub data: Vec<u8>,
    /// width (显示宽度) in millimetres.
    pub width_mm: u32,
    /// height (显示高度) in millimetres.
    pub height_mm: u32,
}

/// One ExtData (自定义数据): like an X.509 extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// extnID (扩展标识).
    pub oid: Oid,
    /// critical (关键性); DEFAULT FALSE, so FALSE is not written.
    pub critical: bool,
    /// extnValue (扩展值).
    pub value: Vec<u8>,
}

/// Which time type a SealInfo's dates use: v4 GeneralizedTime, v1 UTCTime (and no
/// certListType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    V4,
    V1,
}

impl Seal {
    /// DER of the whole SESeal.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        let info = self.seal_info.to_der()?;
        Ok(enc::sequence(&[
            &info,
            &enc::octet_string(&self.maker_cert),
            &enc::oid(&self.sign_alg),
            &enc::bit_string(&self.signed_value),
        ]))
    }

    /// The other bytes some verifiers check the maker's signature over:
    /// DER(SEQUENCE { eSealInfo, cert, signAlgID }). GB/T 38540 says the maker signs
    /// [`SealInfo::to_der`]; try this form only when that fails, and say which matched.
    pub fn maker_tbs_alternative(&self) -> Result<Vec<u8>, EncodeError> {
        maker_tbs_triple(&self.seal_info.to_der()?, &self.maker_cert, &self.sign_alg)
    }

    /// Reads a v4 SESeal from its outer SEQUENCE, with the bytes the maker signed as
    /// received.
    pub(crate) fn decode_from<'a>(
        seq: &Tlv<'a>,
    ) -> Result<(Seal, SealSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let info = r.read(tag::SEQUENCE, "SESeal.eSealInfo")?;
        let seal_info = SealInfo::decode_from(&info, Layout::V4)?;
        let cert = r.read(tag::OCTET_STRING, "SESeal.cert")?;
        let maker_cert = cert.content.to_vec();
        let alg = r.read(tag::OID, "SESeal.signAlgID")?;
        let sign_alg = alg.oid("SESeal.signAlgID")?;
        let signed_value = r
            .read(tag::BIT_STRING, "SESeal.signedValue")?
            .bit_string("SESeal.signedValue")?
            .to_vec();
        r.finish("SESeal")?;
        let signed = SealSignedBytes::new(info.raw, cert.raw, alg.raw);
        Ok((
            Seal {
                seal_info,
                maker_cert,
                sign_alg,
                signed_value,
            },
            signed,
        ))
    }
}

impl SealInfo {
    /// DER(SES_SealInfo): the bytes the seal maker signs in v4.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        self.encode(Layout::V4)
    }

    pub(crate) fn encode(&self, layout: Layout) -> Result<Vec<u8>, EncodeError> {
        let h = &self.header;
        if h.id != "ES" {
            return Err(EncodeError::Header("id is not \"ES\""));
        }
        if !(1..=4).contains(&h.version) {
            return Err(EncodeError::Header("version is not 1 to 4"));
        }
        let header = enc::sequence(&[
            &enc::tlv(tag::IA5_STRING, h.id.as_bytes()),
            &enc::integer(u64::from(h.version)),
            &enc_ia5(&h.vid, "SES_Header.vid")?,
        ]);
        let es_id = enc_ia5(&self.es_id, "SES_SealInfo.esID")?;
        let property = self.property.encode(layout)?;
        let p = &self.picture;
        let picture = enc::sequence(&[
            &enc_ia5(&p.picture_type, "SES_ESPictrueInfo.type")?,
            &enc::octet_string(&p.data),
            &enc::integer(u64::from(p.width_mm)),
            &enc::integer(u64::from(p.height_mm)),
        ]);
        let mut parts: Vec<&[u8]> = vec![&header, &es_id, &property, &picture];
        let ext;
        if let Some(exts) = &self.ext_datas {
            ext = enc_extensions(exts, "SES_SealInfo.extDatas")?;
            parts.push(&ext);
        }
        Ok(enc::sequence(&parts))
    }

    pub(crate) fn decode_from(seq: &Tlv<'_>, layout: Layout) -> Result<SealInfo, DecodeError> {
        let mut r = seq.reader();
        let header = decode_header(&r.read(tag::SEQUENCE, "SES_SealInfo.header")?)?;
        let es_id = r
            .read(tag::IA5_STRING, "SES_SealInfo.esID")?
            .ia5_string("SES_SealInfo.esID")?
            .to_owned();
        let property =
            Property::decode_from(&r.read(tag::SEQUENCE, "SES_SealInfo.property")?, layout)?;
        let picture = decode_picture(&r.read(tag::SEQUENCE, "SES_SealInfo.picture")?)?;
        let ext_datas = if r.is_empty() {
            None
        } else {
            Some(decode_extensions_lenient(&mut r, "SES_SealInfo.extDatas")?)
        };
        r.finish("SES_SealInfo")?;
        Ok(SealInfo {
            header,
            es_id,
            property,
            picture,
            ext_datas,
        })
    }
}

impl Property {
    fn encode(&self, layout: Layout) -> Result<Vec<u8>, EncodeError> {
        let element = "SES_ESPropertyInfo.certList";
        let (list_type, list) = match (&self.cert_list, layout) {
            (CertList::Certificates(certs), _) => {
                check_count(certs.len(), element)?;
                let items: Vec<Vec<u8>> = certs.iter().map(|c| enc::octet_string(c)).collect();
                (1, enc::tlv(tag::SEQUENCE, &items.concat()))
            }
            (CertList::Digests(_), Layout::V1) => return Err(EncodeError::DigestsInV1),
            (CertList::Digests(digests), Layout::V4) => {
                check_count(digests.len(), element)?;
                let mut items = Vec::new();
                for d in digests {
                    if !zhengku_der::is_printable(d.digest_type.as_bytes()) {
                        return Err(EncodeError::BadString {
                            element: "CertDigestObj.type",
                            string_type: "PrintableString",
                        });
                    }
                    items.extend(enc::sequence(&[
                        &enc::tlv(tag::PRINTABLE_STRING, d.digest_type.as_bytes()),
                        &enc::octet_string(&d.value),
                    ]));
                }
                (2, enc::tlv(tag::SEQUENCE, &items))
            }
        };
        let time = |t: SealTime, element: &'static str| -> Result<Vec<u8>, EncodeError> {
            enc_time(t, layout, element)
        };
        let seal_type = enc::integer(u64::from(self.seal_type));
        let name = enc::tlv(tag::UTF8_STRING, self.name.as_bytes());
        let list_type = enc::integer(list_type);
        let create = time(self.create_date, "SES_ESPropertyInfo.createDate")?;
        let start = time(self.valid_start, "SES_ESPropertyInfo.validStart")?;
        let end = time(self.valid_end, "SES_ESPropertyInfo.validEnd")?;
        Ok(match layout {
            Layout::V4 => {
                enc::sequence(&[&seal_type, &name, &list_type, &list, &create, &start, &end])
            }
            Layout::V1 => enc::sequence(&[&seal_type, &name, &list, &create, &start, &end]),
        })
    }

    fn decode_from(seq: &Tlv<'_>, layout: Layout) -> Result<Property, DecodeError> {
        let mut r = seq.reader();
        let seal_type = dec_u32(&mut r, "SES_ESPropertyInfo.type")?;
        let name = r
            .read(tag::UTF8_STRING, "SES_ESPropertyInfo.name")?
            .utf8_string("SES_ESPropertyInfo.name")?
            .to_owned();
        let list_type = match layout {
            Layout::V1 => 1,
            Layout::V4 => {
                let t = r.read(tag::INTEGER, "SES_ESPropertyInfo.certListType")?;
                let v = t.uint("SES_ESPropertyInfo.certListType", u64::MAX)?;
                if v != 1 && v != 2 {
                    return Err(DecodeError::at(
                        &t,
                        "SES_ESPropertyInfo.certListType",
                        DecodeErrorKind::UnknownCertListType { found: v },
                    ));
                }
                v
            }
        };
        let list = r.read(tag::SEQUENCE, "SES_ESPropertyInfo.certList")?;
        let cert_list = if list_type == 1 {
            let mut items = Vec::new();
            let mut lr = list.reader();
            while !lr.is_empty() {
                check_item_count(&lr, items.len(), "CertInfoList")?;
                items.push(
                    lr.read(tag::OCTET_STRING, "CertInfoList.cert")?
                        .content
                        .to_vec(),
                );
            }
            CertList::Certificates(items)
        } else {
            let mut items = Vec::new();
            let mut lr = list.reader();
            while !lr.is_empty() {
                check_item_count(&lr, items.len(), "CertDigestList")?;
                let obj = lr.read(tag::SEQUENCE, "CertDigestObj")?;
                let mut o = obj.reader();
                let digest_type = o
                    .read(tag::PRINTABLE_STRING, "CertDigestObj.type")?
                    .printable_string("CertDigestObj.type")?
                    .to_owned();
                let value = o
                    .read(tag::OCTET_STRING, "CertDigestObj.value")?
                    .content
                    .to_vec();
                o.finish("CertDigestObj")?;
                items.push(CertDigest { digest_type, value });
            }
            CertList::Digests(items)
        };
        let create_date = dec_time(&mut r, layout, "SES_ESPropertyInfo.createDate")?;
        let valid_start = dec_time(&mut r, layout, "SES_ESPropertyInfo.validStart")?;
        let valid_end = dec_time(&mut r, layout, "SES_ESPropertyInfo.validEnd")?;
        r.finish("SES_ESPropertyInfo")?;
        Ok(Property {
            seal_type,
            name,
            cert_list,
            create_date,
            valid_start,
            valid_end,
        })
    }
}

// ---- Pieces shared with signatures and v1 -------------------------------------------------

/// DER(SEQUENCE { sealInfo, cert, signatureAlgorithm }) from an encoded SealInfo.
pub(crate) fn maker_tbs_triple(
    seal_info_der: &[u8],
    cert: &[u8],
    alg: &Oid,
) -> Result<Vec<u8>, EncodeError> {
    Ok(enc::sequence(&[
        seal_info_der,
        &enc::octet_string(cert),
        &enc::oid(alg),
    ]))
}

fn decode_header(seq: &Tlv<'_>) -> Result<Header, DecodeError> {
    let mut r = seq.reader();
    let id_tlv = r.read(tag::IA5_STRING, "SES_Header.id")?;
    let id = id_tlv.ia5_string("SES_Header.id")?.to_owned();
    if id != "ES" {
        return Err(DecodeError::at(
            &id_tlv,
            "SES_Header.id",
            DecodeErrorKind::WrongHeaderId { found: id },
        ));
    }
    let v_tlv = r.read(tag::INTEGER, "SES_Header.version")?;
    let version = v_tlv.uint("SES_Header.version", u64::MAX)?;
    if !(1..=4).contains(&version) {
        return Err(DecodeError::at(
            &v_tlv,
            "SES_Header.version",
            DecodeErrorKind::UnsupportedHeaderVersion { found: version },
        ));
    }
    let vid = r
        .read(tag::IA5_STRING, "SES_Header.vid")?
        .ia5_string("SES_Header.vid")?
        .to_owned();
    r.finish("SES_Header")?;
    Ok(Header {
        id,
        // 1..=4 checked above.
        version: version as u32,
        vid,
    })
}

fn decode_picture(seq: &Tlv<'_>) -> Result<Picture, DecodeError> {
    let mut r = seq.reader();
    let picture_type = r
        .read(tag::IA5_STRING, "SES_ESPictrueInfo.type")?
        .ia5_string("SES_ESPictrueInfo.type")?
        .to_owned();
    let data = r
        .read(tag::OCTET_STRING, "SES_ESPictrueInfo.data")?
        .content
        .to_vec();
    let width_mm = dec_u32(&mut r, "SES_ESPictrueInfo.width")?;
    let height_mm = dec_u32(&mut r, "SES_ESPictrueInfo.height")?;
    r.finish("SES_ESPictrueInfo")?;
    Ok(Picture {
        picture_type,
        data,
        width_mm,
        height_mm,
    })
}

/// ExtensionDatas, untagged or inside `[0] EXPLICIT`, whichever the producer wrote.
pub(crate) fn decode_extensions_lenient(
    r: &mut Reader<'_>,
    element: &'static str,
) -> Result<Vec<Extension>, DecodeError> {
    let list = if r.peek_tag() == Some(tag::CONTEXT_0) {
        let tagged = r.read(tag::CONTEXT_0, element)?;
        let mut inner = tagged.reader();
        let list = inner.read(tag::SEQUENCE, element)?;
        inner.finish(element)?;
        list
    } else {
        r.read(tag::SEQUENCE, element)?
    };
    let mut out = Vec::new();
    let mut lr = list.reader();
    while !lr.is_empty() {
        check_item_count(&lr, out.len(), element)?;
        let ext = lr.read(tag::SEQUENCE, "ExtData")?;
        let mut e = ext.reader();
        let oid = e.read(tag::OID, "ExtData.extnID")?.oid("ExtData.extnID")?;
        // critical BOOLEAN DEFAULT FALSE: absent, or (leniently) FALSE written out.
        let critical = if e.peek_tag() == Some(tag::BOOLEAN) {
            e.read(tag::BOOLEAN, "ExtData.critical")?
                .boolean("ExtData.critical")?
        } else {
            false
        };
        let value = e
            .read(tag::OCTET_STRING, "ExtData.extnValue")?
            .content
            .to_vec();
        e.finish("ExtData")?;
        out.push(Extension {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

/// ExtensionDatas as a bare SEQUENCE OF (wrap it for `[0] EXPLICIT` where needed).
pub(crate) fn enc_extensions(
    exts: &[Extension],
    element: &'static str,
) -> Result<Vec<u8>, EncodeError> {
    check_count(exts.len(), element)?;
    let mut items = Vec::new();
    for ext in exts {
        let oid = enc::oid(&ext.oid);
        let value = enc::octet_string(&ext.value);
        items.extend(if ext.critical {
            enc::sequence(&[&oid, &enc::boolean(true), &value])
        } else {
            enc::sequence(&[&oid, &value])
        });
    }
    Ok(enc::tlv(tag::SEQUENCE, &items))
}

pub(crate) fn enc_ia5(s: &str, element: &'static str) -> Result<Vec<u8>, EncodeError> {
    if !zhengku_der::is_ia5(s.as_bytes()) {
        return Err(EncodeError::BadString {
            element,
            string_type: "IA5String",
        });
    }
    Ok(enc::tlv(tag::IA5_STRING, s.as_bytes()))
}

pub(crate) fn dec_u32(r: &mut Reader<'_>, element: &'static str) -> Result<u32, DecodeError> {
    let t = r.read(tag::INTEGER, element)?;
    // The bound makes the conversion exact.
    Ok(t.uint(element, u64::from(u32::MAX))? as u32)
}

/// `dataHash BIT STRING, propertyInfo IA5String`: the two fields of TBS_Sign that v4 and v1
/// write alike.
pub(crate) fn dec_hash_and_property(r: &mut Reader<'_>) -> Result<(Vec<u8>, String), DecodeError> {
    let data_hash = r
        .read(tag::BIT_STRING, "TBS_Sign.dataHash")?
        .bit_string("TBS_Sign.dataHash")?
        .to_vec();
    let property_info = r
        .read(tag::IA5_STRING, "TBS_Sign.propertyInfo")?
        .ia5_string("TBS_Sign.propertyInfo")?
        .to_owned();
    Ok((data_hash, property_info))
}

fn enc_time(t: SealTime, layout: Layout, element: &'static str) -> Result<Vec<u8>, EncodeError> {
    match layout {
        Layout::V4 => Ok(enc::tlv(
            tag::GENERALIZED_TIME,
            t.to_generalized().as_bytes(),
        )),
        Layout::V1 => {
            let s = t.to_utc_time().ok_or(EncodeError::TimeOutOfRange {
                element,
                year: t.year(),
                time_type: "UTCTime",
            })?;
            Ok(enc::tlv(tag::UTC_TIME, s.as_bytes()))
        }
    }
}

pub(crate) fn enc_generalized_time(t: SealTime) -> Vec<u8> {
    enc::tlv(tag::GENERALIZED_TIME, t.to_generalized().as_bytes())
}

pub(crate) fn dec_generalized_time(
    r: &mut Reader<'_>,
    element: &'static str,
) -> Result<SealTime, DecodeError> {
    dec_time(r, Layout::V4, element)
}

fn dec_time(
    r: &mut Reader<'_>,
    layout: Layout,
    element: &'static str,
) -> Result<SealTime, DecodeError> {
    let time_tag = match layout {
        Layout::V4 => tag::GENERALIZED_TIME,
        Layout::V1 => tag::UTC_TIME,
    };
    let t = r.read(time_tag, element)?;
    let parsed = match layout {
        Layout::V4 => SealTime::parse_generalized(t.content),
        Layout::V1 => SealTime::parse_utc_time(t.content),
    };
    parsed.ok_or_else(|| DecodeError::at(&t, element, DecodeErrorKind::BadTime))
}

fn check_count(n: usize, element: &'static str) -> Result<(), EncodeError> {
    if n > MAX_LIST_ITEMS {
        Err(EncodeError::TooManyItems(element))
    } else {
        Ok(())
    }
}

/// Before reading item `n` (0-based) of a SEQUENCE OF.
pub(crate) fn check_item_count(
    r: &Reader<'_>,
    n: usize,
    element: &'static str,
) -> Result<(), DecodeError> {
    if n >= MAX_LIST_ITEMS {
        Err(DecodeError::new(
            r.offset(),
            element,
            DecodeErrorKind::TooManyItems {
                max: MAX_LIST_ITEMS,
            },
        ))
    } else {
        Ok(())
    }
}
