//! Stamping (盖章): a seal's holder key signs a document hash, for an API key the seal is
//! authorised for, while the seal is active and within its validity.
//!
//! The stamp is handed out only after [`Store::record_stamp`](zhengku_store::Store::record_stamp)
//! has checked status and authorisation again and audited it, in one transaction; a refusal
//! is audited too. The library then keeps its own record of the signature (its SHA-256 and
//! when it was made), which is what later attests the stamp's time to verifiers.
//!
//! Also here, for every path that signs with a stored seal (stamps and licence PDFs): the
//! stored seal decoded ([`decode_v4`]) and the certificate in it that certifies the holder
//! key ([`holder_certificate`]).

use time::OffsetDateTime;
use zhengku_crypto::Signer;
use zhengku_seal::make::StampInput;
use zhengku_seal::{CertList, DecodedSeal, Seal, SealTime, decode_seal};
use zhengku_store::{StampRefusal, StoredSeal};

use crate::auth::Principal;
use crate::problem::{ApiError, InternalError};
use crate::seal_making::{field, invalid};
use crate::state::AppState;

/// Longest 原文属性, bytes.
const MAX_PROPERTY_INFO: usize = 1000;

/// A stamp made: the SES_Signature, DER, and when (Unix seconds).
pub struct Stamped {
    /// The signature (GB/T 38540 v4), DER.
    pub signature: Vec<u8>,
    /// 签章时间, Unix seconds.
    pub time: i64,
}

/// Stamps `data_hash` (SM3 of the document, hex) with seal `esid` for `principal`;
/// `property_info` (原文属性) says what is stamped.
pub async fn stamp(
    state: &AppState,
    principal: &Principal,
    esid: &str,
    data_hash: &str,
    property_info: &str,
    request_id: &str,
) -> Result<Stamped, ApiError> {
    let mut errors = Vec::new();
    let hash: Option<[u8; 32]> = hex::decode(data_hash.trim())
        .ok()
        .and_then(|h| h.try_into().ok());
    if hash.is_none() {
        errors.push(field("data_hash", "invalid", "64 hex digits (SM3)"));
    }
    let p = property_info.trim();
    if p.is_empty() || p.len() > MAX_PROPERTY_INFO || !p.bytes().all(|b| (0x20..0x7f).contains(&b))
    {
        errors.push(field(
            "property_info",
            "invalid",
            "1 to 1000 printable ASCII characters",
        ));
    }
    let Some(data_hash) = hash else {
        return Err(invalid(errors));
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let stored = state.store().get_seal(esid).await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let actor = principal.actor();
    let refused = |r: StampRefusal| match r {
        StampRefusal::NotAuthorised => ApiError::Forbidden(format!(
            "API key {} is not authorised to stamp with seal {esid}",
            principal.key_id
        )),
        StampRefusal::Status(s) => ApiError::InvalidTransition(format!(
            "seal {esid} is {} ({}): it cannot stamp",
            s.as_str(),
            s.label_zh()
        )),
    };
    // Cheap refusal first (no signing for keys that may not stamp); record_stamp audits it.
    let allowed = state
        .store()
        .seal_authorised(esid, &principal.key_id)
        .await?
        && stored
            .status
            .at(stored.seal.valid_start, stored.seal.valid_end, now)
            .may_stamp();
    if !allowed {
        let outcome = state
            .store()
            .record_stamp(esid, &principal.key_id, now, p, &actor, request_id)
            .await?;
        return Err(refused(
            outcome.err().unwrap_or(StampRefusal::NotAuthorised),
        ));
    }
    let seal = decode_v4(&stored)?;
    let signer = state.signer(&stored.seal.key_label).await?;
    let holder_cert = holder_certificate(&seal, signer.as_ref())?;
    let time = SealTime::from_unix_seconds(now)
        .map_err(|e| InternalError::caused("time cannot be written in a seal", e).about(now))?;
    let input = StampInput {
        time,
        data_hash,
        property_info: p.to_owned(),
    };
    let signature = tokio::task::spawn_blocking(move || {
        zhengku_seal::make::stamp(&seal, &holder_cert, input, &signer)
    })
    .await
    .map_err(|e| InternalError::caused("stamp task", e))?
    .map_err(|e| ApiError::Unavailable(format!("stamping failed: {e}")))?;
    let der = signature
        .to_der()
        .map_err(|e| InternalError::caused("signature encoding", e))?;
    // The check again, with the audit entry, in one transaction: only then is the stamp out.
    state
        .store()
        .record_stamp(esid, &principal.key_id, now, p, &actor, request_id)
        .await?
        .map_err(refused)?;
    // The library's record of this very signature: what later attests when it was made.
    state
        .store()
        .keep_stamp(esid, &zhengku_crypto::sha256(&der), now, p)
        .await?;
    Ok(Stamped {
        signature: der,
        time: now,
    })
}

/// The stored seal, decoded (the library only makes v4 seals).
pub fn decode_v4(seal: &StoredSeal) -> Result<Seal, InternalError> {
    match decode_seal(&seal.seal.esl) {
        Ok(DecodedSeal::V4(s)) => Ok(s),
        Ok(DecodedSeal::V1(_)) => Err(InternalError::new("stored seal is v1")),
        Err(e) => Err(InternalError::caused("stored seal does not decode", e)),
    }
}

/// The certificate in the seal that certifies the holder key `signer`.
pub fn holder_certificate(seal: &Seal, signer: &dyn Signer) -> Result<Vec<u8>, InternalError> {
    let key = signer.public_key().key_id();
    let CertList::Certificates(certs) = &seal.seal_info.property.cert_list else {
        return Err(InternalError::new("stored seal lists digests"));
    };
    certs
        .iter()
        .find(|c| zhengku_pki::certified_key(c).is_ok_and(|k| k.key_id() == key))
        .cloned()
        .ok_or_else(|| InternalError::new("no holder certificate for the seal key"))
}
