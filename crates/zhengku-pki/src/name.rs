//! Subject names: how a department, a seal maker or a server is named in a certificate,
//! and how a department's unified social credit code (统一社会信用代码) is found again.
//!
//! zhengku writes `C=CN, O=<organisation>, organizationIdentifier=NTRCN-<USCC>,
//! CN=<common name>` (ETSI EN 319 412-1 semantics for organizationIdentifier). On input it
//! also accepts the USCC bare in organizationIdentifier or in serialNumber (2.5.4.5), forms
//! seen in certificates from Chinese CAs.

use std::str::FromStr;

use x509_cert::name::Name;
use zhengku_model::codes::Uscc;

use crate::IssueError;

/// Who a certificate is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectInfo {
    /// CN: a department's or seal's name, a CA's name, a server's host name.
    pub common_name: String,
    /// O: the organisation (for a department, usually its own name).
    pub organisation: Option<String>,
    /// 统一社会信用代码 of the organisation, for departments, seal makers and seals.
    pub uscc: Option<Uscc>,
}

impl SubjectInfo {
    /// A subject with a common name only.
    pub fn named(common_name: impl Into<String>) -> Self {
        SubjectInfo {
            common_name: common_name.into(),
            organisation: None,
            uscc: None,
        }
    }

    /// A department (or other organisation) with its USCC.
    pub fn organisation(name: impl Into<String>, uscc: Uscc) -> Self {
        let name = name.into();
        SubjectInfo {
            common_name: name.clone(),
            organisation: Some(name),
            uscc: Some(uscc),
        }
    }

    /// The X.509 name.
    pub fn to_name(&self) -> Result<Name, IssueError> {
        if self.common_name.trim().is_empty() {
            return Err(IssueError::Subject("common name is empty".into()));
        }
        // RFC 4514 string, most specific first: CN, organizationIdentifier, O, C.
        let mut parts = vec![format!("CN={}", escape(&self.common_name)?)];
        if let Some(uscc) = &self.uscc {
            parts.push(format!("2.5.4.97=NTRCN-{}", uscc.as_str()));
        }
        if let Some(o) = &self.organisation {
            parts.push(format!("O={}", escape(o)?));
        }
        parts.push("C=CN".to_owned());
        Name::from_str(&parts.join(",")).map_err(|e| IssueError::Subject(e.to_string()))
    }
}

/// RFC 4514 §2.4 escaping of an attribute value.
fn escape(value: &str) -> Result<String, IssueError> {
    if value.chars().any(char::is_control) {
        return Err(IssueError::Subject(format!(
            "{value:?} contains control characters"
        )));
    }
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// Finds the USCC in a parsed subject: organizationIdentifier `NTRCN-<USCC>` (what zhengku
/// writes), or a bare USCC in organizationIdentifier or serialNumber.
pub fn uscc_of(subject: &x509_parser::x509::X509Name<'_>) -> Option<Uscc> {
    let candidates = subject.iter_attributes().filter(|a| {
        let oid = a.attr_type().to_id_string();
        oid == crate::oids::ORGANIZATION_IDENTIFIER.to_string()
            || oid == crate::oids::SERIAL_NUMBER_ATTR.to_string()
    });
    candidates
        .filter_map(|a| a.as_str().ok())
        .find_map(|v| Uscc::parse(v.strip_prefix("NTRCN-").unwrap_or(v)).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escaping_keeps_special_characters_in_the_value() {
        let s = SubjectInfo::named("杭州市,西湖区+局=\"x\"");
        let name = s.to_name().unwrap();
        let der = der::Encode::to_der(&name).unwrap();
        let (_, parsed) =
            <x509_parser::x509::X509Name as x509_parser::prelude::FromDer<_>>::from_der(&der)
                .unwrap();
        let cn = parsed.iter_common_name().next().unwrap().as_str().unwrap();
        assert_eq!(cn, "杭州市,西湖区+局=\"x\"");
        assert!(SubjectInfo::named("a\nb").to_name().is_err());
        assert!(SubjectInfo::named("  ").to_name().is_err());
    }
}
