//! PAdES baseline B-B signing (ETSI EN 319 142-1): fills a [`PreparedPdf`]'s placeholders
//! with the byte range and a detached CMS SignedData ([`crate::cms`]) over it.
//!
//! The signed bytes are the whole file except the `/Contents` hex string (delimiters
//! included): `/ByteRange [0 a b c]` with `a` the offset of `<` and `b` the offset just
//! after `>`. The ByteRange text is written in place, space-padded to the placeholder's
//! width, so no offset in the file (xref table included) moves. The seal's `SES_Signature`
//! (电子签章), when asked for, is made over the same bytes (dataHash = SM3 of the ByteRange
//! content) and rides in the CMS as an unsigned attribute.

use crate::PreparedPdf;
use crate::cms::{self, CmsError};

/// Why a PDF could not be signed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    /// The placeholders are not where [`PreparedPdf`] says, or have the wrong shape.
    #[error("the prepared PDF's placeholders are unusable: {0}")]
    Placeholder(String),
    /// The numbers do not fit in the `/ByteRange` placeholder.
    #[error("the /ByteRange placeholder is {available} bytes wide; {needed} are needed")]
    ByteRangeTooNarrow {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The signature does not fit in the room reserved by `/Contents`.
    #[error(
        "the signature needs {needed} bytes but /Contents reserves {available}; \
         render with contents_len of at least {needed}"
    )]
    ContentsTooSmall {
        /// CMS bytes needed.
        needed: usize,
        /// CMS bytes the placeholder holds (half its hex digits).
        available: usize,
    },
    /// The seal signature could not be made.
    #[error("the seal signature (SES_Signature) could not be made: {0}")]
    Ses(String),
    /// The CMS could not be made.
    #[error(transparent)]
    Cms(#[from] CmsError),
}

/// The room (CMS bytes) to reserve in `/Contents` for a signature with certificate chain
/// `chain` (DER, signer first) and a `SES_Signature` of about `ses_estimate` bytes (0 for
/// none): the certificates, the seal signature, the SignerInfo (which repeats the signer's
/// issuer name), and 1 KiB of slack, rounded up to a multiple of 256.
pub fn contents_len_for(chain: &[Vec<u8>], ses_estimate: usize) -> usize {
    let certs: usize = chain.iter().map(Vec::len).sum();
    // The issuer name appears again in sid and in ESSCertIDv2; bounded by the certificate.
    let issuer_again = chain.first().map_or(0, |c| {
        cms::certificate_ids(c).map_or(c.len(), |ids| 2 * ids.issuer.len())
    });
    let ses = if ses_estimate > 0 {
        ses_estimate + 64
    } else {
        0
    };
    let total = certs + issuer_again + ses + cms::OVERHEAD_ESTIMATE + 1024;
    total.div_ceil(256) * 256
}

/// A generous size for a v4 `SES_Signature` stamped with a seal whose DER is `seal_der`
/// bytes by a holder whose certificate is `signer_cert` bytes: both are inside it, plus
/// TBS_Sign's other fields (time, dataHash, propertyInfo, algorithm) and the signature.
/// Pass it as `ses_estimate` to [`contents_len_for`].
pub fn ses_len_estimate(seal_der: usize, signer_cert: usize) -> usize {
    seal_der + signer_cert + 300
}

/// What to sign a PDF with.
pub struct SignRequest<'a> {
    /// The key (a department seal key in the key store).
    pub signer: &'a dyn zhengku_crypto::Signer,
    /// Its certificate chain, DER, signer's certificate first; all go into the CMS.
    pub chain: &'a [Vec<u8>],
    /// Makes the seal's `SES_Signature` (DER) given SM3 of the ByteRange content; `None`
    /// for no seal signature.
    #[allow(clippy::type_complexity)]
    pub ses: Option<&'a dyn Fn(&[u8; 32]) -> Result<Vec<u8>, String>>,
}

impl std::fmt::Debug for SignRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignRequest")
            .field("key_id", &self.signer.key_id())
            .field("chain", &self.chain.len())
            .field("ses", &self.ses.is_some())
            .finish()
    }
}

/// The ByteRange of a prepared PDF: everything but `contents_at`.
fn byte_range(prepared: &PreparedPdf) -> [usize; 4] {
    let c = &prepared.contents_at;
    [0, c.start, c.end, prepared.bytes.len() - c.end]
}

fn check_placeholders(p: &PreparedPdf) -> Result<(), PadesError> {
    let len = p.bytes.len();
    let (br, ct) = (&p.byte_range_at, &p.contents_at);
    let bad = |s: String| Err(PadesError::Placeholder(s));
    if br.start >= br.end || br.end > len || ct.start >= ct.end || ct.end > len {
        return bad(format!(
            "ranges {br:?} and {ct:?} do not lie in a {len}-byte file"
        ));
    }
    if br.start < ct.end && ct.start < br.end {
        return bad(format!("/ByteRange {br:?} overlaps /Contents {ct:?}"));
    }
    let b = &p.bytes;
    if b[br.start] != b'[' || b[br.end - 1] != b']' {
        return bad(format!("{br:?} is not a [...] array"));
    }
    let inner = &b[ct.start + 1..ct.end - 1];
    if b[ct.start] != b'<'
        || b[ct.end - 1] != b'>'
        || inner.len() < 2
        || !inner.len().is_multiple_of(2)
    {
        return bad(format!("{ct:?} is not a <...> hex string of whole bytes"));
    }
    if !inner.iter().all(u8::is_ascii_hexdigit) {
        return bad("the /Contents placeholder holds non-hex characters".into());
    }
    Ok(())
}

/// Signs a prepared PDF: writes the ByteRange, hashes the bytes it names, makes the seal
/// signature (if asked) and the CMS, and writes the CMS as hex into `/Contents`. Returns
/// the signed file, the same length as the prepared one.
pub fn sign(prepared: PreparedPdf, req: &SignRequest<'_>) -> Result<Vec<u8>, PadesError> {
    check_placeholders(&prepared)?;
    let range = byte_range(&prepared);
    let PreparedPdf {
        mut bytes,
        byte_range_at,
        contents_at,
    } = prepared;

    // 1. The ByteRange, padded with spaces before the closing bracket.
    let text = format!("[{} {} {} {}", range[0], range[1], range[2], range[3]);
    let width = byte_range_at.len();
    if text.len() + 1 > width {
        return Err(PadesError::ByteRangeTooNarrow {
            needed: text.len() + 1,
            available: width,
        });
    }
    let slot = &mut bytes[byte_range_at];
    slot.fill(b' ');
    slot[..text.len()].copy_from_slice(text.as_bytes());
    slot[width - 1] = b']';

    // 2. The signed bytes, and the seal signature over them.
    let (head, rest) = bytes.split_at(contents_at.start);
    let tail = &rest[contents_at.len()..];
    let parts: [&[u8]; 2] = [head, tail];
    let ses = match req.ses {
        Some(make) => {
            let mut h = zhengku_crypto::Hasher::new(zhengku_crypto::DigestAlgorithm::Sm3);
            h.update(head);
            h.update(tail);
            Some(make(&h.finalize()).map_err(PadesError::Ses)?)
        }
        None => None,
    };

    // 3. The CMS, as hex, zero-padded.
    let cms = cms::sign_detached(&parts, req.signer, req.chain, ses.as_deref())?;
    let available = (contents_at.len() - 2) / 2;
    if cms.len() > available {
        return Err(PadesError::ContentsTooSmall {
            needed: cms.len(),
            available,
        });
    }
    let slot = &mut bytes[contents_at.start + 1..contents_at.end - 1];
    slot.fill(b'0');
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, byte) in cms.iter().enumerate() {
        slot[2 * i] = HEX[usize::from(byte >> 4)];
        slot[2 * i + 1] = HEX[usize::from(byte & 0x0F)];
    }
    Ok(bytes)
}
