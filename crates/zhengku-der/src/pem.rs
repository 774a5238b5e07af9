//! PEM (RFC 7468): the one splitter of text that holds PEM blocks, with or without
//! explanatory text around them (as `openssl x509 -text` writes), and of files that are PEM
//! or raw DER.
//!
//! [`blocks`] finds the blocks of a text without decoding them, so a caller can pass over
//! blocks it does not want (keys next to certificates, old OpenSSL blocks with headers) and
//! decode the others ([`PemBlock::decode`]). [`der_blocks`] does that for a file that may
//! also be DER. The base64 inside a block is decoded by `pem-rfc7468`, strictly.

/// Why text or a file is not the PEM or DER expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// No `-----BEGIN ` line, and not DER (which starts with a SEQUENCE tag) either.
    #[error("neither PEM nor DER")]
    NeitherPemNorDer,
    /// The bytes from the first `-----BEGIN ` on are not UTF-8.
    #[error("not PEM text")]
    NotText,
    /// A `-----BEGIN ` line without the `-----` that closes its label.
    #[error("broken PEM header")]
    BrokenHeader,
    /// A block without its `-----END <label>-----` line.
    #[error("no -----END {label}-----")]
    NoEnd {
        /// The label of the BEGIN line.
        label: String,
    },
    /// A block whose lines or base64 are not RFC 7468 PEM.
    #[error("invalid PEM: {0}")]
    Invalid(String),
}

const BEGIN: &str = "-----BEGIN ";

/// One PEM block found in a text, not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemBlock<'a> {
    label: &'a str,
    text: &'a str,
}

impl<'a> PemBlock<'a> {
    /// The label, `CERTIFICATE` in `-----BEGIN CERTIFICATE-----`.
    pub fn label(&self) -> &'a str {
        self.label
    }

    /// The block's text, from its BEGIN line to the end of its END line.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The DER the block holds.
    pub fn decode(&self) -> Result<Vec<u8>, PemError> {
        pem_rfc7468::decode_vec(self.text.as_bytes())
            .map(|(_, der)| der)
            .map_err(|e| PemError::Invalid(e.to_string()))
    }
}

/// The PEM blocks of `text`, in order; see [`blocks`]. After an error it yields nothing
/// more.
#[derive(Debug, Clone)]
pub struct Blocks<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<PemBlock<'a>, PemError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.rest.find(BEGIN)?;
        let block = &self.rest[start..];
        self.rest = "";
        let after = &block[BEGIN.len()..];
        let Some(label_len) = after.find("-----") else {
            return Some(Err(PemError::BrokenHeader));
        };
        let label = &after[..label_len];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Some(Err(PemError::NoEnd {
                label: label.to_owned(),
            }));
        };
        let end = end + end_marker.len();
        self.rest = &block[end..];
        Some(Ok(PemBlock {
            label,
            text: &block[..end],
        }))
    }
}

/// The PEM blocks of `text`: each `-----BEGIN <label>-----` up to its
/// `-----END <label>-----`. Text between blocks is passed over.
pub fn blocks(text: &str) -> Blocks<'_> {
    Blocks { rest: text }
}

/// One DER element from a file: the PEM block's label, `None` when the file was DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerBlock {
    /// The label of the PEM block; `None` when the file was DER.
    pub label: Option<String>,
    /// The DER.
    pub der: Vec<u8>,
}

/// The DER in a file: each PEM block whose label `wanted` accepts (others are passed over,
/// not decoded), or the file itself when it holds no `-----BEGIN ` line and starts like DER
/// (a SEQUENCE tag). An empty result is not an error here: callers say what was missing.
pub fn der_blocks(
    bytes: &[u8],
    mut wanted: impl FnMut(&str) -> bool,
) -> Result<Vec<DerBlock>, PemError> {
    let Some(first) = bytes
        .windows(BEGIN.len())
        .position(|w| w == BEGIN.as_bytes())
    else {
        if bytes.first() != Some(&crate::tag::SEQUENCE) {
            return Err(PemError::NeitherPemNorDer);
        }
        return Ok(vec![DerBlock {
            label: None,
            der: bytes.to_vec(),
        }]);
    };
    let text = std::str::from_utf8(&bytes[first..]).map_err(|_| PemError::NotText)?;
    let mut out = Vec::new();
    for block in blocks(text) {
        let block = block?;
        if wanted(block.label()) {
            out.push(DerBlock {
                label: Some(block.label().to_owned()),
                der: block.decode()?,
            });
        }
    }
    Ok(out)
}
