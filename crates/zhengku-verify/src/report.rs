//! What verification found: a list of named checks, in the order they were made, each with
//! its outcome, and a verdict.

use std::fmt;

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It holds; the text says what was found (e.g. which form the maker signed).
    Passed(String),
    /// It does not hold; the text says why.
    Failed(String),
    /// It could not be made with the inputs given (no document, no trust anchors); the
    /// text says what is missing.
    Skipped(String),
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A stable id (`signature`, `signer_in_seal`, `maker_signature`, `maker_chain`,
    /// `seal_validity`, `signer_certificate`, `data_hash`).
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
    /// True when no check failed. Skipped checks do not fail a report, but
    /// [`Report::complete`] tells whether everything was checked.
    pub fn valid(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// True when every check was made (none skipped).
    pub fn complete(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Skipped(_)))
    }

    /// The first failed check, if any.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| matches!(c.outcome, Outcome::Failed(_)))
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
            let (mark, text) = match &c.outcome {
                Outcome::Passed(t) => ("PASS", t),
                Outcome::Failed(t) => ("FAIL", t),
                Outcome::Skipped(t) => ("SKIP", t),
            };
            writeln!(f, "  [{mark}] {} ({}): {text}", c.label, c.label_zh)?;
        }
        let verdict = match (self.valid(), self.complete()) {
            (true, true) => "VALID",
            (true, false) => "VALID (some checks skipped)",
            (false, _) => "INVALID",
        };
        write!(f, "{verdict}")
    }
}
