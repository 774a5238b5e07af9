//! Calendar dates as licences write them: `YYYY-MM-DD`, one spelling per date.
//!
//! Dates in requests and in the canonical record are text in exactly this form, so that the
//! signed bytes do not depend on a date library's formatting choices.

use time::{Date, Month};

/// Why a date string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` with ASCII digits.
    #[error("{found:?} is not a date of the form YYYY-MM-DD")]
    Format {
        /// The text found.
        found: String,
    },
    /// The form is right but no such day exists (e.g. 2023-02-29).
    #[error("{found} is not a calendar date")]
    NoSuchDay {
        /// The text found.
        found: String,
    },
    /// Before 1900-01-01: no licence or person in scope is that old, so it is a typo.
    #[error("{found} is before 1900-01-01")]
    TooEarly {
        /// The text found.
        found: String,
    },
}

/// The earliest date accepted anywhere in a record.
pub const EARLIEST: Date = match Date::from_calendar_date(1900, Month::January, 1) {
    Ok(d) => d,
    Err(_) => Date::MIN,
};

/// Parses `YYYY-MM-DD` (ASCII digits, zero-padded, year 1900–9999).
///
/// ```
/// use zhengku_model::date::{format_date, parse_date};
///
/// let d = parse_date("2024-02-29")?;
/// assert_eq!(format_date(d), "2024-02-29");
/// assert!(parse_date("2023-02-29").is_err());
/// assert!(parse_date("2024-2-29").is_err());
/// # Ok::<(), zhengku_model::date::DateError>(())
/// ```
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(DateError::Format {
            found: s.to_owned(),
        });
    }
    let num = |r: std::ops::Range<usize>| -> u16 {
        b[r].iter()
            .fold(0u16, |acc, &c| acc * 10 + u16::from(c - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let date = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .zip(u8::try_from(day).ok())
        .and_then(|(m, d)| Date::from_calendar_date(i32::from(year), m, d).ok())
        .ok_or_else(|| DateError::NoSuchDay {
            found: s.to_owned(),
        })?;
    if date < EARLIEST {
        return Err(DateError::TooEarly {
            found: s.to_owned(),
        });
    }
    Ok(date)
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// The same day `years` later; 29 February becomes 28 February in a common year. `None`
/// past year 9999.
pub fn add_years(d: Date, years: u16) -> Option<Date> {
    let year = d.year().checked_add(i32::from(years))?;
    if year > 9999 {
        return None;
    }
    Date::from_calendar_date(year, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(year, d.month(), d.day() - 1))
        .ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn only_the_canonical_spelling_parses() {
        for bad in [
            "2024-1-05",
            "2024/01/05",
            "20240105",
            " 2024-01-05",
            "2024-01-05 ",
            "２０２４-01-05",
            "+202-01-05",
            "",
        ] {
            assert!(
                matches!(parse_date(bad), Err(DateError::Format { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_date("2024-13-01"),
            Err(DateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            parse_date("2024-04-31"),
            Err(DateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            parse_date("2024-00-10"),
            Err(DateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            parse_date("1899-12-31"),
            Err(DateError::TooEarly { .. })
        ));
        assert_eq!(format_date(parse_date("1900-01-01").unwrap()), "1900-01-01");
        assert_eq!(format_date(parse_date("9999-12-31").unwrap()), "9999-12-31");
    }

    #[test]
    fn add_years_clamps_leap_day() {
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(format_date(add_years(d, 5).unwrap()), "2029-02-28");
        assert_eq!(format_date(add_years(d, 4).unwrap()), "2028-02-29");
        assert_eq!(add_years(parse_date("9999-01-01").unwrap(), 1), None);
    }
}
