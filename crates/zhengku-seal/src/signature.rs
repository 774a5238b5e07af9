//! The electronic signature (电子签章) of GB/T 38540-2020, version 4: [`SesSignature`]
//! (SES_Signature) around [`TbsSign`] (TBS_Sign, 待签章信息), the seal holder's stamp on a
//! document.
//!
//! The signer (签章者) signs [`TbsSign::to_der`].

use zhengku_der::{Oid, Tlv, tag, writer as enc};

use crate::decode::{SealSignedBytes, SignatureSignedBytes};
use crate::error::{DecodeError, EncodeError};
use crate::seal::{self, Extension, Seal};
use crate::time::SealTime;

/// SES_Signature (电子签章数据), version 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignature {
    /// toSign (待签章信息).
    pub to_sign: TbsSign,
    /// cert: the signer's (签章者) certificate, DER.
    pub cert: Vec<u8>,
    /// signatureAlgID (签名算法标识).
    pub signature_alg: Oid,
    /// signature (签名值) over [`TbsSign::to_der`].
    pub signature: Vec<u8>,
    /// timeStamp (时间戳): the content of the `[0] EXPLICIT BIT STRING`, if any.
    pub time_stamp: Option<Vec<u8>>,
}

/// TBS_Sign (待签章信息), version 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbsSign {
    /// version (版本): 4 under GB/T 38540.
    pub version: u32,
    /// eseal (电子印章): the seal stamped with.
    pub seal: Seal,
    /// timeInfo (签章时间), UTC.
    pub time_info: SealTime,
    /// dataHash (原文杂凑值): SM3 of the signed data.
    pub data_hash: Vec<u8>,
    /// propertyInfo (原文数据的属性): what was signed (a path or description), IA5String.
    pub property_info: String,
    /// extDatas (自定义数据).
    pub ext_datas: Option<Vec<Extension>>,
}

impl TbsSign {
    /// DER(TBS_Sign): the bytes the signer signs. extDatas, when present, is written with its
    /// `[0] EXPLICIT` tag.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        let version = enc::integer(u64::from(self.version));
        let seal = self.seal.to_der()?;
        let time = seal::enc_generalized_time(self.time_info);
        let hash = enc::bit_string(&self.data_hash);
        let property = seal::enc_ia5(&self.property_info, "TBS_Sign.propertyInfo")?;
        let mut parts: Vec<&[u8]> = vec![&version, &seal, &time, &hash, &property];
        let ext;
        if let Some(exts) = &self.ext_datas {
            ext = enc::tlv(
                tag::CONTEXT_0,
                &seal::enc_extensions(exts, "TBS_Sign.extDatas")?,
            );
            parts.push(&ext);
        }
        Ok(enc::sequence(&parts))
    }

    /// With the bytes the seal maker signed, as received.
    fn decode_from<'a>(seq: &Tlv<'a>) -> Result<(TbsSign, SealSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let version = seal::dec_u32(&mut r, "TBS_Sign.version")?;
        let (seal, seal_signed) = Seal::decode_from(&r.read(tag::SEQUENCE, "TBS_Sign.eseal")?)?;
        let time_info = seal::dec_generalized_time(&mut r, "TBS_Sign.timeInfo")?;
        let (data_hash, property_info) = seal::dec_hash_and_property(&mut r)?;
        let ext_datas = if r.is_empty() {
            None
        } else {
            Some(seal::decode_extensions_lenient(
                &mut r,
                "TBS_Sign.extDatas",
            )?)
        };
        r.finish("TBS_Sign")?;
        Ok((
            TbsSign {
                version,
                seal,
                time_info,
                data_hash,
                property_info,
                ext_datas,
            },
            seal_signed,
        ))
    }
}

impl SesSignature {
    /// DER of the whole SES_Signature; timeStamp, when present, with its `[0] EXPLICIT` tag.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        let tbs = self.to_sign.to_der()?;
        let cert = enc::octet_string(&self.cert);
        let alg = enc::oid(&self.signature_alg);
        let sig = enc::bit_string(&self.signature);
        let mut parts: Vec<&[u8]> = vec![&tbs, &cert, &alg, &sig];
        let ts;
        if let Some(t) = &self.time_stamp {
            ts = enc::tlv(tag::CONTEXT_0, &enc::bit_string(t));
            parts.push(&ts);
        }
        Ok(enc::sequence(&parts))
    }

    /// Reads a v4 SES_Signature from its outer SEQUENCE, with the bytes its signers signed
    /// as received.
    pub(crate) fn decode_from<'a>(
        seq: &Tlv<'a>,
    ) -> Result<(SesSignature, SignatureSignedBytes<'a>), DecodeError> {
        let mut r = seq.reader();
        let tbs = r.read(tag::SEQUENCE, "SES_Signature.toSign")?;
        let (to_sign, seal_signed) = TbsSign::decode_from(&tbs)?;
        let cert = r
            .read(tag::OCTET_STRING, "SES_Signature.cert")?
            .content
            .to_vec();
        let alg = r.read(tag::OID, "SES_Signature.signatureAlgID")?;
        let signature_alg = alg.oid("SES_Signature.signatureAlgID")?;
        let signature = r
            .read(tag::BIT_STRING, "SES_Signature.signature")?
            .bit_string("SES_Signature.signature")?
            .to_vec();
        // timeStamp: `[0] EXPLICIT BIT STRING`, or (leniently) the BIT STRING untagged.
        let time_stamp = if r.is_empty() {
            None
        } else if r.peek_tag() == Some(tag::CONTEXT_0) {
            let tagged = r.read(tag::CONTEXT_0, "SES_Signature.timeStamp")?;
            let mut inner = tagged.reader();
            let bits = inner.read(tag::BIT_STRING, "SES_Signature.timeStamp")?;
            inner.finish("SES_Signature.timeStamp")?;
            Some(bits.bit_string("SES_Signature.timeStamp")?.to_vec())
        } else {
            let bits = r.read(tag::BIT_STRING, "SES_Signature.timeStamp")?;
            Some(bits.bit_string("SES_Signature.timeStamp")?.to_vec())
        };
        r.finish("SES_Signature")?;
        Ok((
            SesSignature {
                to_sign,
                cert,
                signature_alg,
                signature,
                time_stamp,
            },
            SignatureSignedBytes::new(tbs.raw, seal_signed),
        ))
    }
}
