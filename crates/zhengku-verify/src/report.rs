//! What verification found: a list of named checks ([`CheckId`]), in the order they were
//! made, each with its outcome.

use std::fmt;

/// Declares [`CheckId`] and its stable string ids in one list, so an id and its string can
/// never drift apart.
macro_rules! check_ids {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)+) => {
        /// Which check a [`Check`] is (校验项): the stable id every surface shows — the JSON
        /// `id`, the web page's `data-check`, the CLI's report — and the verdict rule and the
        /// pages match on. [`CheckId::as_str`] is the id as written; ids are a contract: add
        /// new ones, never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum CheckId {
            $($(#[$doc])* $name,)+
        }

        impl CheckId {
            /// Every id, in declaration order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$name,)+];

            /// The id as written (`issuer_chain`, `seal_status`, …).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$name => $text,)+
                }
            }

            /// The id written `s`, if there is one.
            pub fn parse(s: &str) -> Option<CheckId> {
                match s {
                    $($text => Some(CheckId::$name),)+
                    _ => None,
                }
            }
        }
    };
}

check_ids! {
    /// Unrecognised input: neither of the kinds the engine verifies.
    Input = "input",
    /// A signed licence record decodes.
    RecordDecode = "record_decode",
    /// A QR payload decodes.
    QrDecode = "qr_decode",
    /// A PDF has a readable signature.
    PdfStructure = "pdf_structure",
    /// An electronic signature (SES_Signature) decodes.
    SignatureDecode = "signature_decode",
    /// A seal (SESeal) decodes.
    SealDecode = "seal_decode",
    /// The signing key is a known department's.
    IssuerKey = "issuer_key",
    /// The issuer's signature over the record.
    RecordSignature = "record_signature",
    /// The issuer's signature over the QR payload.
    QrSignature = "qr_signature",
    /// The issuing department's certificate chain.
    IssuerChain = "issuer_chain",
    /// The certificate belongs to the issuer the licence names.
    IssuerMatches = "issuer_matches",
    /// The licence is within its validity period (standing).
    Validity = "validity",
    /// The PDF signature covers the whole file except `/Contents`.
    ByteRange = "byte_range",
    /// Nothing was appended to the PDF after signing.
    AppendedData = "appended_data",
    /// The CMS signature over the signed attributes.
    CmsSignature = "cms_signature",
    /// The signed bytes match the CMS message digest.
    MessageDigest = "message_digest",
    /// signing-certificate-v2 names the signer.
    SigningCertificate = "signing_certificate",
    /// The PDF's embedded licence record is readable.
    EmbeddedRecord = "embedded_record",
    /// The PDF shows the embedded licence, signed by its issuer.
    RecordMatches = "record_matches",
    /// The PDF signer's certificate chain.
    PdfSignerChain = "pdf_signer_chain",
    /// The PDF's electronic seal signature (SES_Signature).
    SesSignature = "ses_signature",
    /// A seal signature's signature over TBS_Sign.
    Signature = "signature",
    /// The signer's certificate is in the seal.
    SignerInSeal = "signer_in_seal",
    /// The seal maker's signature over the seal.
    MakerSignature = "maker_signature",
    /// The seal maker's certificate chain.
    MakerChain = "maker_chain",
    /// The seal is within its validity (at the stamp time, or now for a bare seal).
    SealValidity = "seal_validity",
    /// The signer's certificate chain, for stamping.
    SignerCertificate = "signer_certificate",
    /// The document matches the signature's dataHash.
    DataHash = "data_hash",
    /// The library holds this very record (phase two).
    LibraryRecord = "library_record",
    /// The licence's live status (phase two; standing).
    Status = "status",
    /// A seal's status in the library (phase two).
    SealStatus = "seal_status",
    /// An OFD package reads: the ZIP, `OFD.xml`, the signature list.
    OfdStructure = "ofd_structure",
    /// Every file an OFD signature protects has the digest the signer computed.
    OfdReferences = "ofd_references",
    /// An OFD signature's `Seal.esl` is the seal inside its SES_Signature.
    OfdSeal = "ofd_seal",
    /// Every file of the OFD is protected by a signature.
    OfdCoverage = "ofd_coverage",
    /// An annotated copy (加注件) is within the period it may be used (standing).
    CopyValidity = "copy_validity",
    /// A PDF copy's revision adds only the copy's field, signature and watermark.
    CopyUpdate = "copy_update",
    /// A PNG copy reads, and its seal signature covers all of it but `IEND`.
    PngStructure = "png_structure",
}

impl CheckId {
    /// Whether the check says whether a genuine item is in force (its dates, its status),
    /// rather than whether it is genuine — for licences; a bare seal's own validity and
    /// status count too ([`crate::engine`] has the rule).
    pub fn is_standing(self, seal_itself: bool) -> bool {
        matches!(
            self,
            CheckId::Validity | CheckId::Status | CheckId::CopyValidity
        ) || (seal_itself && matches!(self, CheckId::SealStatus | CheckId::SealValidity))
    }

    /// Whether the check judges a certificate chain.
    pub fn is_chain(self) -> bool {
        matches!(
            self,
            CheckId::IssuerChain
                | CheckId::PdfSignerChain
                | CheckId::MakerChain
                | CheckId::SignerCertificate
        )
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckId {
    type Err = UnknownCheckId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckId::parse(s).ok_or_else(|| UnknownCheckId(s.to_owned()))
    }
}

/// A string that is no [`CheckId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no check is called {0:?}")]
pub struct UnknownCheckId(pub String);

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<CheckId> for str {
    fn eq(&self, other: &CheckId) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<CheckId> for &str {
    fn eq(&self, other: &CheckId) -> bool {
        *self == other.as_str()
    }
}

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It holds; the text says what was found (e.g. which form the maker signed).
    Passed(String),
    /// It does not hold; the text says why.
    Failed(String),
    /// It is needed and could not be established with what the verifier has (no trust
    /// anchor, status unknown or stale, a time only the signer claims, an unsupported
    /// element); the text says what is missing. Never a pass: the verdict is at best
    /// 无法核验 (unverifiable).
    Unverifiable(String),
    /// It does not apply to this input (no document was given to compare a seal signature's
    /// data hash with); the text says why. Does not count towards the verdict.
    Skipped(String),
}

impl Outcome {
    /// `passed`, `failed`, `unverifiable` or `skipped`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Passed(_) => "passed",
            Outcome::Failed(_) => "failed",
            Outcome::Unverifiable(_) => "unverifiable",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// What was found, why it failed, or what was missing.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Passed(t)
            | Outcome::Failed(t)
            | Outcome::Unverifiable(t)
            | Outcome::Skipped(t) => t,
        }
    }

    /// The four-letter mark used in text reports.
    pub fn mark(&self) -> &'static str {
        match self {
            Outcome::Passed(_) => "PASS",
            Outcome::Failed(_) => "FAIL",
            Outcome::Unverifiable(_) => "????",
            Outcome::Skipped(_) => "SKIP",
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check (`record_signature`, `issuer_chain`, `seal_status`, …; each input's
    /// module lists its checks).
    pub id: CheckId,
    /// What is checked, in Chinese, for pages and reports.
    pub label_zh: &'static str,
    /// What is checked, in English.
    pub label: &'static str,
    /// The outcome.
    pub outcome: Outcome,
}

/// Everything a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// What was verified, e.g. `GB/T 38540 v4 electronic signature`.
    pub subject: String,
    /// Facts read from the input (esID, seal name, signer, time, …), in order.
    pub facts: Vec<(&'static str, String)>,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// True when every check that applies was established: none failed and none was
    /// unverifiable.
    pub fn valid(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Failed(_) | Outcome::Unverifiable(_)))
    }

    /// True when every check was made (none unverifiable or skipped).
    pub fn complete(&self) -> bool {
        self.checks
            .iter()
            .all(|c| matches!(c.outcome, Outcome::Passed(_) | Outcome::Failed(_)))
    }

    /// The first failed check, if any.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// The first unverifiable check, if any.
    pub fn first_unverifiable(&self) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| matches!(c.outcome, Outcome::Unverifiable(_)))
    }

    /// The outcome of the check with this id (a [`CheckId`], or its string).
    pub fn outcome<I>(&self, id: I) -> Option<&Outcome>
    where
        CheckId: PartialEq<I>,
    {
        self.checks.iter().find(|c| c.id == id).map(|c| &c.outcome)
    }
}

impl fmt::Display for Report {
    /// A report for people: facts, then one line per check.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.subject)?;
        for (k, v) in &self.facts {
            writeln!(f, "  {k}: {v}")?;
        }
        for c in &self.checks {
            writeln!(
                f,
                "  [{}] {} ({}): {}",
                c.outcome.mark(),
                c.label,
                c.label_zh,
                c.outcome.detail()
            )?;
        }
        let summary = if self.first_failure().is_some() {
            "INVALID"
        } else if self.first_unverifiable().is_some() {
            "UNVERIFIABLE"
        } else {
            "VALID"
        };
        write!(f, "{summary}")
    }
}

/// A check with its parts (every module builds them the same way).
pub(crate) fn check(
    id: CheckId,
    label: &'static str,
    label_zh: &'static str,
    outcome: Outcome,
) -> Check {
    Check {
        id,
        label,
        label_zh,
        outcome,
    }
}
