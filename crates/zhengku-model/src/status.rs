//! Licence status (证照状态) and its allowed transitions.
//!
//! Status is not part of the signed [`LicenceRecord`](crate::LicenceRecord): a licence is
//! signed once, at issue, and its status changes afterwards (suspension, revocation …). It is
//! kept beside the record and looked up when a licence is verified.
//!
//! ```text
//!   valid ⇄ suspended
//!     │        │
//!     └────┬───┘
//!          ▼
//!   revoked | cancelled | withdrawn      (terminal)
//!
//!   expired: derived from valid_until and the date asked about, never set by hand
//! ```

use std::fmt;
use std::str::FromStr;

use time::Date;

/// The status of a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LicenceStatus {
    /// 有效: in force.
    Valid,
    /// 已暂停: temporarily not in force; can return to valid.
    Suspended,
    /// 已撤销: revoked, the grant was wrong (e.g. obtained by fraud). Terminal.
    Revoked,
    /// 已注销: cancelled, e.g. the holder closed down or gave the licence up. Terminal.
    Cancelled,
    /// 已过期 (失效): past its end date. Derived, see [`LicenceStatus::on`].
    Expired,
    /// 已吊销: withdrawn as a penalty. Terminal.
    Withdrawn,
}

/// Every status, in declaration order.
pub const ALL_STATUSES: [LicenceStatus; 6] = [
    LicenceStatus::Valid,
    LicenceStatus::Suspended,
    LicenceStatus::Revoked,
    LicenceStatus::Cancelled,
    LicenceStatus::Expired,
    LicenceStatus::Withdrawn,
];

/// Why a status could not be parsed or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Not one of the lowercase status names.
    #[error(
        "unknown licence status {found:?} (expected valid, suspended, revoked, cancelled, expired or withdrawn)"
    )]
    Unknown {
        /// The text found.
        found: String,
    },
    /// A transition the rules do not allow.
    #[error("a licence cannot go from {from} ({from_zh}) to {to} ({to_zh})", from_zh = from.label_zh(), to_zh = to.label_zh())]
    InvalidTransition {
        /// The current status.
        from: LicenceStatus,
        /// The status asked for.
        to: LicenceStatus,
    },
}

impl LicenceStatus {
    /// The stable lowercase name (`valid`, `suspended`, `revoked`, `cancelled`, `expired`,
    /// `withdrawn`), for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "valid",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Cancelled => "cancelled",
            LicenceStatus::Expired => "expired",
            LicenceStatus::Withdrawn => "withdrawn",
        }
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "有效",
            LicenceStatus::Suspended => "已暂停",
            LicenceStatus::Revoked => "已撤销",
            LicenceStatus::Cancelled => "已注销",
            LicenceStatus::Expired => "已过期",
            LicenceStatus::Withdrawn => "已吊销",
        }
    }

    /// Whether no transition leaves this status.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            LicenceStatus::Revoked | LicenceStatus::Cancelled | LicenceStatus::Withdrawn
        )
    }

    /// Whether an administrative action may move a licence from `self` to `to`.
    ///
    /// Allowed: valid ⇄ suspended; valid or suspended → revoked, cancelled, withdrawn.
    /// Nothing leaves a terminal status, and nothing moves *to* expired by hand (it is
    /// derived from dates) or *from* it (an expired licence is re-issued, not revived).
    pub fn can_transition_to(self, to: LicenceStatus) -> bool {
        use LicenceStatus::*;
        matches!(
            (self, to),
            (Valid, Suspended)
                | (Suspended, Valid)
                | (Valid | Suspended, Revoked | Cancelled | Withdrawn)
        )
    }

    /// `to` if [`can_transition_to`](Self::can_transition_to) allows it.
    pub fn transition(self, to: LicenceStatus) -> Result<LicenceStatus, StatusError> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(StatusError::InvalidTransition { from: self, to })
        }
    }

    /// The status in effect on `date`, given the stored status and the record's end date
    /// (`None` = 长期): a valid or suspended licence past its end date is expired; terminal
    /// statuses stay what they are.
    pub fn on(self, valid_until: Option<Date>, date: Date) -> LicenceStatus {
        match (self, valid_until) {
            (LicenceStatus::Valid | LicenceStatus::Suspended, Some(until)) if date > until => {
                LicenceStatus::Expired
            }
            _ => self,
        }
    }
}

impl fmt::Display for LicenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LicenceStatus {
    type Err = StatusError;

    fn from_str(s: &str) -> Result<Self, StatusError> {
        ALL_STATUSES
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| StatusError::Unknown {
                found: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::date::parse_date;
    use LicenceStatus::*;

    #[test]
    fn names_round_trip_and_labels_are_chinese() {
        for st in ALL_STATUSES {
            assert_eq!(st.as_str().parse::<LicenceStatus>().unwrap(), st);
        }
        assert_eq!(Withdrawn.label_zh(), "已吊销");
        assert_eq!(Revoked.label_zh(), "已撤销");
        assert_eq!(Cancelled.label_zh(), "已注销");
        assert!(matches!(
            "Valid".parse::<LicenceStatus>(),
            Err(StatusError::Unknown { .. })
        ));
    }

    #[test]
    fn transition_table_is_exactly_the_documented_one() {
        let allowed = [
            (Valid, Suspended),
            (Suspended, Valid),
            (Valid, Revoked),
            (Valid, Cancelled),
            (Valid, Withdrawn),
            (Suspended, Revoked),
            (Suspended, Cancelled),
            (Suspended, Withdrawn),
        ];
        for from in ALL_STATUSES {
            for to in ALL_STATUSES {
                assert_eq!(
                    from.can_transition_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        let err = Revoked.transition(Valid).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a licence cannot go from revoked (已撤销) to valid (有效)"
        );
        assert_eq!(Valid.transition(Suspended), Ok(Suspended));
    }

    #[test]
    fn expiry_is_derived_from_dates() {
        let until = parse_date("2029-06-09").unwrap();
        let last_day = parse_date("2029-06-09").unwrap();
        let after = parse_date("2029-06-10").unwrap();
        assert_eq!(Valid.on(Some(until), last_day), Valid);
        assert_eq!(Valid.on(Some(until), after), Expired);
        assert_eq!(Suspended.on(Some(until), after), Expired);
        assert_eq!(Revoked.on(Some(until), after), Revoked);
        assert_eq!(Valid.on(None, after), Valid);
    }
}
