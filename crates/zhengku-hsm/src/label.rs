//! The one naming rule for key labels, shared by both backends.
//!
//! Labels become file names in the file store and CKA_LABEL values on tokens. One rule for
//! both keeps a key's name portable between them, and the rule — `[A-Za-z0-9._-]{1,64}`, not
//! starting with a dot — rules out path separators, `..`, hidden files and anything a shell
//! or a log line would mangle.

use crate::HsmError;

/// Longest label accepted.
pub const MAX_LABEL_LEN: usize = 64;

/// The label of the AES key-encryption key on each token (see `hsm/README.md`); no key may
/// take it.
pub const KEK_LABEL: &str = "zhengku-kek-v1";

/// Checks a key label against the naming rule.
pub fn validate_label(label: &str) -> Result<(), HsmError> {
    let invalid = |reason| {
        Err(HsmError::InvalidLabel {
            label: label.to_owned(),
            reason,
        })
    };
    if label.is_empty() {
        return invalid("it is empty");
    }
    if label.len() > MAX_LABEL_LEN {
        return invalid("it is longer than 64 characters");
    }
    if !label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return invalid("only letters A-Z a-z, digits, '.', '_' and '-' are allowed");
    }
    if label.starts_with('.') {
        return invalid("it must not start with '.'");
    }
    if label == KEK_LABEL {
        return invalid("it is reserved for the token's key-encryption key");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_rule() {
        for ok in ["a", "dept-330106.sign_2025", &"x".repeat(64), "A.B", "a.."] {
            assert!(validate_label(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "../etc/passwd",
            "a/b",
            "a\\b",
            "a b",
            "证照",
            "a\0b",
            "a\n",
            &"x".repeat(65),
            KEK_LABEL,
        ] {
            assert!(
                matches!(validate_label(bad), Err(HsmError::InvalidLabel { .. })),
                "{bad:?}"
            );
        }
    }
}
