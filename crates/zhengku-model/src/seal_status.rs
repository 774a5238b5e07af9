//! Electronic seal status (电子印章状态) and its allowed transitions.
//!
//! Like a licence's status, a seal's status is not inside the signed seal (the maker signs
//! the seal once); it is kept beside it and checked before every stamp and every
//! verification against the library.
//!
//! ```text
//!   active ⇄ suspended
//!     │         │
//!     └────┬────┘
//!          ▼
//!       revoked            (terminal)
//!
//!   expired: derived from the seal's validity window and the time asked about
//! ```

use std::fmt;
use std::str::FromStr;

/// The status of a seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SealStatus {
    /// 启用: may stamp.
    Active,
    /// 暂停: may not stamp for now; can return to active.
    Suspended,
    /// 注销: withdrawn for good (lost key, dissolved department). Terminal.
    Revoked,
    /// 过期: outside its validity window. Derived, see [`SealStatus::at`].
    Expired,
}

/// Why a seal status could not be parsed or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealStatusError {
    /// Not one of the lowercase names.
    #[error("unknown seal status {found:?} (expected active, suspended, revoked or expired)")]
    Unknown {
        /// The text found.
        found: String,
    },
    /// A transition the rules do not allow.
    #[error("a seal cannot go from {from} ({from_zh}) to {to} ({to_zh})", from_zh = from.label_zh(), to_zh = to.label_zh())]
    InvalidTransition {
        /// The current status.
        from: SealStatus,
        /// The status asked for.
        to: SealStatus,
    },
}

impl SealStatus {
    /// The stable lowercase name, for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Active => "active",
            SealStatus::Suspended => "suspended",
            SealStatus::Revoked => "revoked",
            SealStatus::Expired => "expired",
        }
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            SealStatus::Active => "启用",
            SealStatus::Suspended => "暂停",
            SealStatus::Revoked => "注销",
            SealStatus::Expired => "过期",
        }
    }

    /// Whether an administrative action may move a seal from `self` to `to`: active ⇄
    /// suspended, active or suspended → revoked. Nothing leaves revoked, and expired is
    /// never set by hand.
    pub fn can_transition_to(self, to: SealStatus) -> bool {
        use SealStatus::*;
        matches!(
            (self, to),
            (Active, Suspended) | (Suspended, Active) | (Active | Suspended, Revoked)
        )
    }

    /// The status in effect at `unix` seconds, given the stored status and the seal's
    /// validity window `[valid_start, valid_end]` (Unix seconds): an active or suspended
    /// seal outside its window is expired.
    pub fn at(self, valid_start: i64, valid_end: i64, unix: i64) -> SealStatus {
        match self {
            SealStatus::Active | SealStatus::Suspended
                if unix < valid_start || unix > valid_end =>
            {
                SealStatus::Expired
            }
            other => other,
        }
    }

    /// Whether a seal in this status may stamp.
    pub fn may_stamp(self) -> bool {
        self == SealStatus::Active
    }
}

impl fmt::Display for SealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SealStatus {
    type Err = SealStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            SealStatus::Active,
            SealStatus::Suspended,
            SealStatus::Revoked,
            SealStatus::Expired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| SealStatusError::Unknown {
            found: s.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn transitions_and_expiry() {
        use SealStatus::*;
        assert!(Active.can_transition_to(Suspended));
        assert!(Suspended.can_transition_to(Active));
        assert!(Suspended.can_transition_to(Revoked));
        assert!(!Revoked.can_transition_to(Active));
        assert!(!Active.can_transition_to(Expired));
        assert!(!Active.can_transition_to(Active));
        assert_eq!(Active.at(10, 20, 15), Active);
        assert_eq!(Active.at(10, 20, 21), Expired);
        assert_eq!(Suspended.at(10, 20, 9), Expired);
        assert_eq!(Revoked.at(10, 20, 30), Revoked);
        assert!(Active.may_stamp() && !Suspended.may_stamp() && !Expired.may_stamp());
        for s in [Active, Suspended, Revoked, Expired] {
            assert_eq!(s.as_str().parse::<SealStatus>().unwrap(), s);
        }
        assert!("gone".parse::<SealStatus>().is_err());
    }
}
