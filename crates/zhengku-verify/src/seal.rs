//! Verifying electronic signatures (电子签章, `SES_Signature`) and seals (电子印章, `.esl`),
//! version 4 (GB/T 38540-2020) and version 1 (GM/T 0031-2014).
//!
//! The checks, in the order careful verifiers make them (`docs/standards.md`, seals):
//!
//! 1. `signature`: the signer's signature over DER(TBS_Sign), with the key in the signer's
//!    certificate;
//! 2. `signer_in_seal`: the signer's certificate is in the seal's certificate list (by the
//!    certificate itself, or by its digest);
//! 3. `maker_signature`: the seal maker's signature on the seal — over DER(SES_SealInfo) as
//!    GB/T 38540 says, else over DER(SEQUENCE{eSealInfo, cert, signAlgID}) as some
//!    producers sign; the report says which form matched (v1 has only the second form);
//! 4. `maker_chain`: the maker's certificate chains to a trust anchor with the seal-making
//!    role, at the verification time (the `chain` module: revocation judged now; a
//!    certificate expired since is judged at the stamp time, which only the library can
//!    attest);
//! 5. `seal_validity`: the seal's validity window contains the stamp time the signature
//!    claims (whether the seal is still in force is the library's `seal_status`, phase two);
//! 6. `signer_certificate`: the signer's certificate chains to a trust anchor with the seal
//!    stamping role, judged as in 4;
//! 7. `data_hash`: the document's SM3 equals dataHash (skipped when no document is given:
//!    then only the signature itself is vouched for).
//!
//! Every check runs even after one fails, so a report shows everything wrong at once. A
//! stamp time more than [`CLOCK_SKEW_SECS`] after `now` fails check 5. Without trust
//! anchors checks 4 and 6 are unverifiable.
//!
//! Signatures are checked over the bytes as received: [`verify_signature`] and
//! [`verify_seal`] decode with `zhengku_seal::decode_signature_with_signed_bytes` /
//! `decode_seal_with_signed_bytes`, which keep the TBS_Sign and SES_SealInfo elements (and
//! the maker's SEQUENCE { sealInfo, cert, signatureAlgorithm } form, built from the received
//! elements) exactly as the producer wrote them. The decoder is lenient (untagged
//! `extDatas`, `critical` FALSE written out, …) and its `to_der` strict, so for such input
//! the re-encoding is not what was signed. Only values built in memory, which have no
//! received bytes ([`verify_decoded_signature`], [`verify_decoded_seal`]), are checked over
//! the strict re-encoding. The Passed text of checks 1 and 3 says which it was: "over the
//! bytes as received" or "over the strict re-encoding".

use std::borrow::Cow;

use time::OffsetDateTime;
use zhengku_crypto::{PublicKey, Signature, SignatureVerifier};
use zhengku_pki::{CertView, Purpose};
use zhengku_seal::alg::algorithm_of;
use zhengku_seal::{
    CertList, DecodeError, DecodedSeal, DecodedSignature, Oid, Seal, SealSignedBytes, SealTime,
    SealV1, SignatureSignedBytes, decode_seal_with_signed_bytes,
    decode_signature_with_signed_bytes,
};

pub use crate::context::Trust;

use crate::chain::{ChainOutcome, judge};
use crate::engine::{Attest, Examined, Pending, StampClaim};
use crate::memo::Memo;
use crate::report::{Check, CheckId, Outcome, Report, check};

/// How far a stamp time may lie after `now` (clocks differ).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// Where the bytes a signature is checked over came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The elements exactly as they were in the input.
    Received,
    /// zhengku's strict DER re-encoding of the decoded values (values built in memory).
    Reencoded,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Received => "over the bytes as received",
            Source::Reencoded => "over the strict re-encoding",
        }
    }
}

/// The seal, whatever its version, as the checks need it.
struct SealView {
    header_version: u32,
    es_id: String,
    name: String,
    seal_type: u32,
    cert_list: CertList,
    valid_start: SealTime,
    valid_end: SealTime,
    maker_cert: Vec<u8>,
    maker_alg: Oid,
    maker_sig: Vec<u8>,
    /// The byte strings the maker may have signed, with a name for the report.
    maker_forms: Vec<(&'static str, Vec<u8>)>,
    /// Where `maker_forms` came from.
    maker_source: Source,
    /// SHA-256 of SEQUENCE { sealInfo, cert, signAlg } as received (or re-encoded): what
    /// the maker vouched for, the identity a library compares with the seal it made.
    fingerprint: [u8; 32],
    /// The status-list entry the seal names (zhengku's extension, signed by the maker).
    status: Option<zhengku_status::Reference>,
}

const V4_INFO_FORM: &str = "DER(SES_SealInfo)";
const V4_TRIPLE_FORM: &str = "DER(SEQUENCE{eSealInfo, cert, signAlgID})";
const V1_TRIPLE_FORM: &str = "DER(SEQUENCE{sealInfo, cert, signatureAlgorithm}) (v1)";

/// A v4 seal; `received` are the bytes its maker signed as received, if it was decoded.
fn seal_view_v4(s: &Seal, received: Option<SealSignedBytes<'_>>) -> SealView {
    let info = &s.seal_info;
    let mut forms = Vec::new();
    let (maker_source, triple) = match received {
        Some(b) => {
            forms.push((V4_INFO_FORM, b.seal_info().to_vec()));
            let triple = b.triple();
            forms.push((V4_TRIPLE_FORM, triple.clone()));
            (Source::Received, triple)
        }
        None => {
            if let Ok(b) = info.to_der() {
                forms.push((V4_INFO_FORM, b));
            }
            let triple = s.maker_tbs_alternative().unwrap_or_default();
            forms.push((V4_TRIPLE_FORM, triple.clone()));
            (Source::Reencoded, triple)
        }
    };
    SealView::new(
        info,
        &s.maker_cert,
        &s.sign_alg,
        &s.signed_value,
        forms,
        maker_source,
        zhengku_crypto::sha256(&triple),
    )
}

impl SealView {
    /// The view of a seal's info and maker signature, either version.
    fn new(
        info: &zhengku_seal::SealInfo,
        maker_cert: &[u8],
        maker_alg: &Oid,
        maker_sig: &[u8],
        maker_forms: Vec<(&'static str, Vec<u8>)>,
        maker_source: Source,
        fingerprint: [u8; 32],
    ) -> SealView {
        SealView {
            header_version: info.header.version,
            es_id: info.es_id.clone(),
            name: info.property.name.clone(),
            seal_type: info.property.seal_type,
            cert_list: info.property.cert_list.clone(),
            valid_start: info.property.valid_start,
            valid_end: info.property.valid_end,
            maker_cert: maker_cert.to_vec(),
            maker_alg: maker_alg.clone(),
            maker_sig: maker_sig.to_vec(),
            maker_forms,
            maker_source,
            fingerprint,
            status: status_reference(info),
        }
    }

    fn claim(&self, claimed_at: Option<i64>, signature_sha256: Option<[u8; 32]>) -> StampClaim {
        StampClaim {
            esid: self.es_id.clone(),
            claimed_at,
            signature_sha256,
            seal_sha256: self.fingerprint,
            status: self.status.clone(),
            window: (
                self.valid_start.unix_seconds(),
                self.valid_end.unix_seconds(),
            ),
        }
    }
}

/// The status-list entry a seal's extDatas name under [`zhengku_status::SEAL_STATUS_EXTENSION`],
/// if one reads (a malformed one is as none: the status is then unknown, never assumed).
fn status_reference(info: &zhengku_seal::SealInfo) -> Option<zhengku_status::Reference> {
    info.ext_datas
        .as_ref()?
        .iter()
        .find(|e| e.oid.to_string() == zhengku_status::SEAL_STATUS_EXTENSION)
        .and_then(|e| zhengku_status::Reference::from_seal_extension(&e.value).ok())
}

/// A v1 seal; `received` as for [`seal_view_v4`].
fn seal_view_v1(s: &SealV1, received: Option<SealSignedBytes<'_>>) -> SealView {
    let info = &s.seal_info;
    let mut forms = Vec::new();
    let (maker_source, triple) = match received {
        Some(b) => (Source::Received, b.triple()),
        None => (Source::Reencoded, s.maker_tbs().unwrap_or_default()),
    };
    forms.push((V1_TRIPLE_FORM, triple.clone()));
    SealView::new(
        info,
        &s.maker_cert,
        &s.sign_alg,
        &s.signed_value,
        forms,
        maker_source,
        zhengku_crypto::sha256(&triple),
    )
}

/// Checks `sig` (DER `SEQUENCE{r, s}`, or raw `r‖s` as some producers write) by the key in
/// `cert_der` over `msg`, for the algorithm `alg` names.
fn check_signature(
    cert_der: &[u8],
    alg: &Oid,
    msg: &[u8],
    sig: &[u8],
    verifier: &dyn SignatureVerifier,
) -> Result<(), String> {
    let key = certificate_key(cert_der)?;
    let Some(named) = algorithm_of(alg) else {
        return Err(format!("unknown signature algorithm {alg}"));
    };
    if named != key.algorithm() {
        return Err(format!(
            "the algorithm says {named}, the certificate's key is {}",
            key.algorithm()
        ));
    }
    let signature = Signature::from_der(named, sig)
        .or_else(|e| {
            if sig.len() == 64 {
                Signature::from_raw(named, sig)
            } else {
                Err(e)
            }
        })
        .map_err(|e| format!("signature value unreadable: {e}"))?;
    verifier
        .verify_signature(&key, msg, &signature)
        .map_err(|e| format!("does not verify: {e}"))
}

/// The key a certificate certifies, or why it cannot be used.
pub(crate) fn certificate_key(cert_der: &[u8]) -> Result<PublicKey, String> {
    zhengku_pki::certified_key(cert_der).map_err(|e| format!("certificate unusable: {e}"))
}

/// A certificate's subject, for reports.
pub(crate) fn certificate_subject(cert_der: &[u8]) -> String {
    CertView::parse(cert_der).map_or_else(|_| "(unreadable certificate)".to_owned(), |c| c.subject)
}

fn to_offset(t: SealTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Check 3: the maker's signature, over the first form that verifies.
fn maker_signature_check(seal: &SealView, verifier: &dyn SignatureVerifier) -> Check {
    let mut last = String::from("no form to check");
    for (form, bytes) in &seal.maker_forms {
        match check_signature(
            &seal.maker_cert,
            &seal.maker_alg,
            bytes,
            &seal.maker_sig,
            verifier,
        ) {
            Ok(()) => {
                return check(
                    CheckId::MakerSignature,
                    "seal maker's signature",
                    "制章者签名",
                    Outcome::Passed(format!(
                        "by {} over {form}, {}",
                        certificate_subject(&seal.maker_cert),
                        seal.maker_source.describe()
                    )),
                );
            }
            Err(e) => last = format!("over {form} ({}): {e}", seal.maker_source.describe()),
        }
    }
    check(
        CheckId::MakerSignature,
        "seal maker's signature",
        "制章者签名",
        Outcome::Failed(last),
    )
}

fn signer_in_seal(seal: &SealView, signer_cert: &[u8]) -> Outcome {
    match &seal.cert_list {
        CertList::Certificates(certs) => {
            if certs.iter().any(|c| c == signer_cert) {
                Outcome::Passed(format!("one of {} certificate(s)", certs.len()))
            } else {
                Outcome::Failed(format!(
                    "the signer's certificate is none of the seal's {} certificate(s)",
                    certs.len()
                ))
            }
        }
        CertList::Digests(digests) => {
            let sm3 = zhengku_crypto::sm3(signer_cert);
            let sha256 = zhengku_crypto::sha256(signer_cert);
            let found = digests.iter().find(|d| d.value == sm3 || d.value == sha256);
            match found {
                Some(d) => Outcome::Passed(format!("by its {} digest", d.digest_type)),
                None => Outcome::Failed(format!(
                    "the signer's certificate matches none of the seal's {} digest(s)",
                    digests.len()
                )),
            }
        }
    }
}

fn seal_facts(seal: &SealView) -> Vec<(&'static str, String)> {
    vec![
        ("esID", seal.es_id.clone()),
        ("seal name", seal.name.clone()),
        (
            "seal type",
            match seal.seal_type {
                1 => "1 (unit seal 单位印章)".to_owned(),
                2 => "2 (personal seal 个人印章)".to_owned(),
                n => n.to_string(),
            },
        ),
        ("header version", seal.header_version.to_string()),
        (
            "seal validity",
            format!("{} to {}", seal.valid_start, seal.valid_end),
        ),
        ("seal maker", certificate_subject(&seal.maker_cert)),
    ]
}

/// A seal signature or a seal after phase one: the checks, and what phase two needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealExamined {
    /// The checks so far, and the facts read.
    pub report: Report,
    /// The esID, claimed stamp time and fingerprints, to look the seal up by.
    pub stamp: StampClaim,
    /// The signer's certificate (DER); empty for a bare seal.
    pub signer_cert: Vec<u8>,
    /// Chain checks waiting for an attested time: (check index, validity window, detail).
    pub(crate) pending: Vec<(usize, (i64, i64), String)>,
    /// For a bare seal: what its own window says now (valid, expired, or invalid when not
    /// yet in force).
    pub(crate) dates_standing: crate::Verdict,
}

impl SealExamined {
    /// The window every pending chain allows (their intersection), if any is pending.
    pub(crate) fn pending_window(&self) -> Option<(i64, i64)> {
        self.pending
            .iter()
            .map(|p| p.1)
            .reduce(|a, b| (a.0.max(b.0), a.1.min(b.1)))
    }

    /// This as the whole of phase one, for input that is a seal signature or a seal.
    pub(crate) fn into_examined(self, kind: crate::InputKind) -> Examined {
        let mut ex = Examined::new(kind, self.report);
        ex.pending = self
            .pending
            .into_iter()
            .map(|(check, window, detail)| Pending {
                check,
                attest: Attest::Stamp(0),
                window,
                detail,
            })
            .collect();
        ex.stamps.push(self.stamp);
        ex.dates_standing = self.dates_standing;
        ex
    }
}

/// What the chain checks are judged with besides the certificate: the trust inputs, the
/// memo, certificates the input carries, and the verification time.
#[derive(Clone, Copy)]
pub(crate) struct ChainInputs<'a> {
    pub(crate) trust: &'a Trust<'a>,
    pub(crate) memo: Option<&'a Memo>,
    pub(crate) extra: &'a [Vec<u8>],
    pub(crate) now: OffsetDateTime,
}

impl<'a> ChainInputs<'a> {
    /// Who checks signatures: the memo's prepared keys, or each key directly.
    fn signatures(&self) -> &'a dyn SignatureVerifier {
        crate::memo::signatures_of(self.memo)
    }

    /// Only the trust inputs: no memo, nothing carried by the input (values built in
    /// memory).
    fn alone(trust: &'a Trust<'a>, now: OffsetDateTime) -> Self {
        ChainInputs {
            trust,
            memo: None,
            extra: &[],
            now,
        }
    }

    /// Pushes a chain check onto `checks`, recording it in `pending` when it waits for an
    /// attested time.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        checks: &mut Vec<Check>,
        pending: &mut Vec<(usize, (i64, i64), String)>,
        (id, label, label_zh): (CheckId, &'static str, &'static str),
        cert: &[u8],
        purpose: Purpose,
        claimed: Option<(OffsetDateTime, &str)>,
    ) {
        let outcome = match judge(
            self.trust, self.memo, cert, self.extra, purpose, self.now, claimed,
        ) {
            ChainOutcome::Decided(o) => o,
            ChainOutcome::Pending { window, detail } => {
                pending.push((checks.len(), window, detail.clone()));
                Outcome::Unverifiable(format!(
                    "{detail}; that time is only claimed by the signer, and nothing attests it"
                ))
            }
        };
        checks.push(check(id, label, label_zh, outcome));
    }
}

/// The SHA-256 fingerprint a library and a verifier compare seals by: of SEQUENCE {
/// sealInfo, cert, signatureAlgorithm } as the seal carries them (what its maker vouched
/// for), so the same seal has the same fingerprint inside any signature.
pub fn seal_fingerprint(esl: &[u8]) -> Result<[u8; 32], DecodeError> {
    let (_, signed) = decode_seal_with_signed_bytes(esl)?;
    Ok(zhengku_crypto::sha256(&signed.triple()))
}

/// Phase one for an electronic signature (`SES_Signature`, v4 or v1): every check that
/// needs no library. `document` is the signed document, if the caller has it. Undecodable
/// input is an error, not a report.
pub fn examine_signature(
    signature_der: &[u8],
    document: Option<&[u8]>,
    trust: &Trust<'_>,
    memo: Option<&Memo>,
    now: OffsetDateTime,
) -> Result<SealExamined, DecodeError> {
    examine_signature_with(
        signature_der,
        document.map(Document::Bytes),
        trust,
        memo,
        &[],
        now,
    )
}

/// The document a signature is checked against (check 7): its bytes, or their SM3 when
/// the caller has it already (a PDF signed with SM3 hashes its signed bytes once, for the
/// CMS digest and the seal's dataHash alike).
#[derive(Debug, Clone, Copy)]
pub enum Document<'a> {
    /// The document's bytes.
    Bytes(&'a [u8]),
    /// The SM3 of the document's bytes.
    Sm3(&'a [u8; 32]),
}

impl Document<'_> {
    fn sm3(self) -> [u8; 32] {
        match self {
            Document::Bytes(b) => zhengku_crypto::sm3(b),
            Document::Sm3(h) => *h,
        }
    }
}

/// [`examine_signature`], with certificates the surrounding input carries (a PDF's CMS)
/// that may complete the chains. They are never anchors.
pub fn examine_signature_with(
    signature_der: &[u8],
    document: Option<Document<'_>>,
    trust: &Trust<'_>,
    memo: Option<&Memo>,
    extra: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<SealExamined, DecodeError> {
    let (decoded, signed) = decode_signature_with_signed_bytes(signature_der)?;
    let chains = ChainInputs {
        trust,
        memo,
        extra,
        now,
    };
    Ok(signature_inner(
        &decoded,
        Some(signed),
        zhengku_crypto::sha256(signature_der),
        document,
        chains,
    ))
}

/// Phase one only, as a report: every check of [`examine_signature`] (chains without
/// anchors are unverifiable; the seal's status is phase two's). For tests, benchmarks and
/// tools that look at one signature's checks.
pub fn verify_signature(
    signature_der: &[u8],
    document: Option<&[u8]>,
    trust: Trust<'_>,
    now: OffsetDateTime,
) -> Result<Report, DecodeError> {
    examine_signature(signature_der, document, &trust, None, now).map(|e| e.report)
}

/// Verifies an electronic signature built in memory (not decoded from bytes): as
/// [`verify_signature`], but the signatures are checked over the strict re-encoding
/// (`TbsSign::to_der`, `SealInfo::to_der`, …), the only bytes such a value has. For input
/// from outside, use [`verify_signature`]: a producer's lenient encoding is signed as written.
pub fn verify_decoded_signature(
    signature: &DecodedSignature,
    document: Option<&[u8]>,
    trust: Trust<'_>,
    now: OffsetDateTime,
) -> Report {
    let digest = signature
        .to_der()
        .map(|d| zhengku_crypto::sha256(&d))
        .unwrap_or_default();
    let chains = ChainInputs::alone(&trust, now);
    signature_inner(
        signature,
        None,
        digest,
        document.map(Document::Bytes),
        chains,
    )
    .report
}

fn signature_inner(
    decoded: &DecodedSignature,
    received: Option<SignatureSignedBytes<'_>>,
    signature_sha256: [u8; 32],
    document: Option<Document<'_>>,
    chains: ChainInputs<'_>,
) -> SealExamined {
    let now = chains.now;
    let seal_received = received.map(|r| r.seal());
    let (subject, seal, sig_alg, sig, signer_cert, time_info, data_hash, property) = match decoded {
        DecodedSignature::V4(s) => (
            "GB/T 38540-2020 electronic signature (SES_Signature v4)",
            seal_view_v4(&s.to_sign.seal, seal_received),
            &s.signature_alg,
            &s.signature,
            &s.cert,
            s.to_sign.time_info,
            &s.to_sign.data_hash,
            s.to_sign.property_info.clone(),
        ),
        DecodedSignature::V1(s) => (
            "GM/T 0031-2014 electronic signature (SES_Signature v1)",
            seal_view_v1(&s.to_sign.seal, seal_received),
            &s.to_sign.signature_alg,
            &s.signature,
            &s.to_sign.cert,
            s.to_sign.time_info,
            &s.to_sign.data_hash,
            s.to_sign.property_info.clone(),
        ),
    };
    // The signer's bytes: as received when there are any, else the re-encoding.
    let (tbs, tbs_source) = match (received, decoded) {
        (Some(r), _) => (Ok(Cow::Borrowed(r.tbs_sign())), Source::Received),
        (None, DecodedSignature::V4(s)) => (s.to_sign.to_der().map(Cow::Owned), Source::Reencoded),
        (None, DecodedSignature::V1(s)) => (s.to_sign.to_der().map(Cow::Owned), Source::Reencoded),
    };
    let stamped_at = to_offset(time_info);
    let claimed = Some((stamped_at, "stamp time the signature claims (签章时间)"));
    let mut facts = seal_facts(&seal);
    facts.push(("signer", certificate_subject(signer_cert)));
    facts.push(("stamp time", time_info.to_string()));
    facts.push(("stamped", property));
    facts.push(("data hash", hex_lower(data_hash)));

    let mut checks = Vec::with_capacity(7);
    let mut pending = Vec::new();
    // 1. The stamp signature.
    checks.push(check(
        CheckId::Signature,
        "signature over TBS_Sign",
        "签章签名",
        match tbs {
            Ok(bytes) => {
                match check_signature(signer_cert, sig_alg, &bytes, sig, chains.signatures()) {
                    Ok(()) => Outcome::Passed(format!("{sig_alg}, {}", tbs_source.describe())),
                    Err(e) => Outcome::Failed(format!("{e} ({})", tbs_source.describe())),
                }
            }
            Err(e) => Outcome::Failed(format!("TBS_Sign cannot be encoded: {e}")),
        },
    ));
    // 2. The signer is a holder of the seal.
    checks.push(check(
        CheckId::SignerInSeal,
        "signer's certificate in the seal",
        "签章者证书在印章证书列表中",
        signer_in_seal(&seal, signer_cert),
    ));
    // 3. The maker's signature on the seal.
    checks.push(maker_signature_check(&seal, chains.signatures()));
    // 4. The maker's certificate chain.
    chains.push(
        &mut checks,
        &mut pending,
        MAKER_CHAIN,
        &seal.maker_cert,
        Purpose::SealMaking,
        claimed,
    );
    // 5. The seal's window holds the claimed stamp time (and that is not in the future).
    let t = time_info.unix_seconds();
    let validity = if t > now.unix_timestamp() + CLOCK_SKEW_SECS {
        Outcome::Failed(format!("the stamp time {time_info} is in the future"))
    } else if time_info < seal.valid_start || time_info > seal.valid_end {
        Outcome::Failed(format!(
            "stamped {time_info}, outside the seal's validity {} to {}",
            seal.valid_start, seal.valid_end
        ))
    } else {
        Outcome::Passed(format!(
            "{time_info} within {} to {}",
            seal.valid_start, seal.valid_end
        ))
    };
    checks.push(check(
        CheckId::SealValidity,
        "seal valid at the stamp time",
        "签章时印章有效",
        validity,
    ));
    // 6. The signer's certificate, for stamping.
    chains.push(
        &mut checks,
        &mut pending,
        (
            CheckId::SignerCertificate,
            "signer's certificate chain, for stamping",
            "签章者证书链",
        ),
        signer_cert,
        Purpose::SealStamping,
        claimed,
    );
    // 7. The document.
    checks.push(check(
        CheckId::DataHash,
        "document matches dataHash (SM3)",
        "原文杂凑值一致",
        match document {
            None => Outcome::Skipped(
                "no document given: only the signature itself is vouched for".into(),
            ),
            Some(doc) => {
                let h = doc.sm3();
                if *data_hash == h {
                    Outcome::Passed(format!("SM3 {}", hex_lower(&h)))
                } else {
                    Outcome::Failed(format!(
                        "the document's SM3 is {}, the signature holds {}",
                        hex_lower(&h),
                        hex_lower(data_hash)
                    ))
                }
            }
        },
    ));
    SealExamined {
        report: Report {
            subject: subject.to_owned(),
            facts,
            checks,
        },
        stamp: seal.claim(Some(t), Some(signature_sha256)),
        signer_cert: signer_cert.clone(),
        pending,
        dates_standing: crate::Verdict::Valid,
    }
}

const MAKER_CHAIN: (CheckId, &str, &str) = (
    CheckId::MakerChain,
    "seal maker's certificate chain",
    "制章者证书链",
);

/// Phase one for a seal on its own (an `.esl`): the maker's signature (over the bytes as
/// received), the maker's chain, and whether now is within the seal's validity window.
pub fn examine_seal(
    esl: &[u8],
    trust: &Trust<'_>,
    memo: Option<&Memo>,
    now: OffsetDateTime,
) -> Result<SealExamined, DecodeError> {
    let (decoded, signed) = decode_seal_with_signed_bytes(esl)?;
    let chains = ChainInputs {
        trust,
        memo,
        extra: &[],
        now,
    };
    Ok(seal_inner(&decoded, Some(signed), chains))
}

/// Phase one only, as a report ([`examine_seal`]).
pub fn verify_seal(
    esl: &[u8],
    trust: Trust<'_>,
    now: OffsetDateTime,
) -> Result<Report, DecodeError> {
    examine_seal(esl, &trust, None, now).map(|e| e.report)
}

/// Verifies a seal built in memory: as [`verify_seal`], the maker's signature checked over
/// the strict re-encoding (see [`verify_decoded_signature`]).
pub fn verify_decoded_seal(seal: &DecodedSeal, trust: Trust<'_>, now: OffsetDateTime) -> Report {
    let chains = ChainInputs::alone(&trust, now);
    seal_inner(seal, None, chains).report
}

fn seal_inner(
    decoded: &DecodedSeal,
    received: Option<SealSignedBytes<'_>>,
    chains: ChainInputs<'_>,
) -> SealExamined {
    let (subject, seal) = match decoded {
        DecodedSeal::V4(s) => (
            "GB/T 38540-2020 electronic seal (SESeal v4)",
            seal_view_v4(s, received),
        ),
        DecodedSeal::V1(s) => (
            "GM/T 0031-2014 electronic seal (SESeal v1)",
            seal_view_v1(s, received),
        ),
    };
    let facts = seal_facts(&seal);
    let t = chains.now.unix_timestamp();
    let mut checks = vec![maker_signature_check(&seal, chains.signatures())];
    let mut pending = Vec::new();
    // A maker certificate that has expired since is judged at the seal's start, which the
    // library attests when it holds the seal.
    chains.push(
        &mut checks,
        &mut pending,
        MAKER_CHAIN,
        &seal.maker_cert,
        Purpose::SealMaking,
        Some((to_offset(seal.valid_start), "start of the seal's validity")),
    );
    let (window, dates_standing) = if t < seal.valid_start.unix_seconds() {
        (
            Outcome::Failed(format!(
                "not yet in force: its validity is {} to {}",
                seal.valid_start, seal.valid_end
            )),
            crate::Verdict::Invalid,
        )
    } else if t > seal.valid_end.unix_seconds() {
        (
            Outcome::Failed(format!(
                "expired: its validity was {} to {}",
                seal.valid_start, seal.valid_end
            )),
            crate::Verdict::Expired,
        )
    } else {
        (
            Outcome::Passed(format!("{} to {}", seal.valid_start, seal.valid_end)),
            crate::Verdict::Valid,
        )
    };
    checks.push(check(
        CheckId::SealValidity,
        "seal valid now",
        "印章在有效期内",
        window,
    ));
    SealExamined {
        report: Report {
            subject: subject.to_owned(),
            facts,
            checks,
        },
        stamp: seal.claim(None, None),
        signer_cert: Vec::new(),
        pending,
        dates_standing,
    }
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
