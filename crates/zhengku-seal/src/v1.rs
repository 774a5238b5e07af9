//! Version 1 seals and signatures (GM/T 0031-2014), still met in the field: [`SealV1`],
//! [`TbsSignV1`], [`SesSignatureV1`].
//!
//! They reuse [`SealInfo`]: in v1 the property has no certListType (the list is always
//! [`CertList::Certificates`](crate::CertList::Certificates)) and the dates are UTCTime, so
//! years outside 1950–2049 cannot be written. The maker signs
//! DER(SEQUENCE { sealInfo, cert, signatureAlgorithm }) ([`SealV1::maker_tbs`]); the signer
//! signs [`TbsSignV1::to_der`], which in v1 carries the signer's certificate and algorithm.

use zhengku_der::{Oid, Tlv, tag, writer as enc};

use crate::decode::{SealSignedBytes, SignatureSignedBytes};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::seal::{self, Layout, SealInfo};
use crate::time::SealTime;

/// SESeal (电子印章数据), version 1: `{ esealInfo, signInfo { cert, signatureAlgorithm,
/// signData } }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealV1 {
    /// esealInfo (印章信息), v1 layout.
    pub seal_info: SealInfo,
    /// signInfo.cert: the seal maker's (制章者) certificate, DER.
    pub maker_cert: Vec<u8>,
    /// signInfo.signatureAlgorithm (签名算法标识).
    pub sign_alg: Oid,
    /// signInfo.signData (签名值) over [`SealV1::maker_tbs`].
    pub signed_value: Vec<u8>,
}

/// TBS_Sign (待签章信息), version 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbsSignV1 {
    /// version (版本).
    pub version: u32,
    /// eseal (电子印章).
    pub seal: SealV1,
    /// timeInfo (签章时间): a BIT STRING holding the text `yyyy-MM-dd HH:mm:ss`; no zone is
    /// stated, so the time is kept as written.
    pub time_info: SealTime,
    /// dataHash (原文杂凑值).
    pub data_hash: Vec<u8>,
    /// propertyInfo (原文数据的属性), IA5String.
    pub property_info: String,
    /// cert: the signer's (签章者) certificate, DER.
    pub cert: Vec<u8>,
    /// signatureAlgorithm (签名算法标识).
    pub signature_alg: Oid,
}

/// SES_Signature (电子签章数据), version 1: `{ toSign, signature }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignatureV1 {
    /// toSign (待签章信息).
    pub to_sign: TbsSignV1,
    /// signature (签名值) over [`TbsSignV1::to_der`].
    pub signature: Vec<u8>,
}

impl SealV1 {
    /// DER of the whole v1 SESeal.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        let info = self.seal_info.encode(Layout::V1)?;
        let sign_info = enc::sequence(&[
            &enc::octet_string(&self.maker_cert),
            &enc::oid(&self.sign_alg),
            &enc::bit_string(&self.signed_value),
        ]);
        Ok(enc::sequence(&[&info, &sign_info]))
    }

    /// The bytes the v1 seal maker signs: DER(SEQUENCE { sealInfo, cert, signatureAlgorithm }).
    pub fn maker_tbs(&self) -> Result<Vec<u8>, EncodeError> {
        seal::maker_tbs_triple(
            &self.seal_info.encode(Layout::V1)?,
            &self.maker_cert,
            &self.sign_alg,
        )
    }

    /// Reads a v1 SESeal from its outer SEQUENCE, with the bytes the maker signed as
    /// received.
    pub(crate) fn decode_from<'a>(
        seq: &Tlv<'a>,
    ) -> Result<(SealV1, SealSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let info = r.read(tag::SEQUENCE, "SESeal.esealInfo")?;
        let seal_info = SealInfo::decode_from(&info, Layout::V1)?;
        let sign_info = r.read(tag::SEQUENCE, "SESeal.signInfo")?;
        r.finish("SESeal")?;
        let mut s = sign_info.reader();
        let cert = s.read(tag::OCTET_STRING, "SES_SignInfo.cert")?;
        let maker_cert = cert.content.to_vec();
        let alg = s.read(tag::OID, "SES_SignInfo.signatureAlgorithm")?;
        let sign_alg = alg.oid("SES_SignInfo.signatureAlgorithm")?;
        let signed_value = s
            .read(tag::BIT_STRING, "SES_SignInfo.signData")?
            .bit_string("SES_SignInfo.signData")?
            .to_vec();
        s.finish("SES_SignInfo")?;
        let signed = SealSignedBytes::new(info.raw, cert.raw, alg.raw);
        Ok((
            SealV1 {
                seal_info,
                maker_cert,
                sign_alg,
                signed_value,
            },
            signed,
        ))
    }
}

impl TbsSignV1 {
    /// DER(TBS_Sign), v1: the bytes the signer signs.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(enc::sequence(&[
            &enc::integer(u64::from(self.version)),
            &self.seal.to_der()?,
            &enc::bit_string(self.time_info.to_v1_text().as_bytes()),
            &enc::bit_string(&self.data_hash),
            &seal::enc_ia5(&self.property_info, "TBS_Sign.propertyInfo")?,
            &enc::octet_string(&self.cert),
            &enc::oid(&self.signature_alg),
        ]))
    }

    /// With the bytes the seal maker signed, as received.
    fn decode_from<'a>(seq: &Tlv<'a>) -> Result<(TbsSignV1, SealSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let version = seal::dec_u32(&mut r, "TBS_Sign.version")?;
        let (seal, seal_signed) = SealV1::decode_from(&r.read(tag::SEQUENCE, "TBS_Sign.eseal")?)?;
        let time = r.read(tag::BIT_STRING, "TBS_Sign.timeInfo")?;
        let text = time.bit_string("TBS_Sign.timeInfo")?;
        let time_info = SealTime::parse_v1_text(text)
            .ok_or_else(|| DecodeError::at(&time, "TBS_Sign.timeInfo", DecodeErrorKind::BadTime))?;
        let (data_hash, property_info) = seal::dec_hash_and_property(&mut r)?;
        let cert = r.read(tag::OCTET_STRING, "TBS_Sign.cert")?.content.to_vec();
        let alg = r.read(tag::OID, "TBS_Sign.signatureAlgorithm")?;
        let signature_alg = alg.oid("TBS_Sign.signatureAlgorithm")?;
        r.finish("TBS_Sign")?;
        Ok((
            TbsSignV1 {
                version,
                seal,
                time_info,
                data_hash,
                property_info,
                cert,
                signature_alg,
            },
            seal_signed,
        ))
    }
}

impl SesSignatureV1 {
    /// DER of the whole v1 SES_Signature.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(enc::sequence(&[
            &self.to_sign.to_der()?,
            &enc::bit_string(&self.signature),
        ]))
    }

    /// Reads a v1 SES_Signature from its outer SEQUENCE, with the bytes its signers signed
    /// as received.
    pub(crate) fn decode_from<'a>(
        seq: &Tlv<'a>,
    ) -> Result<(SesSignatureV1, SignatureSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let tbs = r.read(tag::SEQUENCE, "SES_Signature.toSign")?;
        let (to_sign, seal_signed) = TbsSignV1::decode_from(&tbs)?;
        let signature = r
            .read(tag::BIT_STRING, "SES_Signature.signature")?
            .bit_string("SES_Signature.signature")?
            .to_vec();
        r.finish("SES_Signature")?;
        Ok((
            SesSignatureV1 { to_sign, signature },
            SignatureSignedBytes::new(tbs.raw, seal_signed),
        ))
    }
}
