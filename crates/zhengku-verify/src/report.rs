//! What verification found: a list of named checks, in the order they were made, each with
//! its outcome.

use std::fmt;

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
    /// A stable id (`record_signature`, `issuer_chain`, `seal_status`, …; each input's
    /// module lists its ids).
    pub id: &'static str,
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

    /// The outcome of the check with this id.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
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
    id: &'static str,
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
