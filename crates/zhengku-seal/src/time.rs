//! [`SealTime`]: a date and time to the second, as the seal formats write them.
//!
//! v4 writes GeneralizedTime `YYYYMMDDHHMMSSZ` (UTC); v1 writes UTCTime `YYMMDDHHMMSSZ` in the
//! seal and the text `yyyy-MM-dd HH:mm:ss` (no zone stated) as a signature's timeInfo. One
//! small type covers all three, holds exactly what can be written back, and converts to Unix
//! seconds for comparisons.

use std::fmt;

/// A calendar date and time to the second, years 0000 to 9999.
///
/// In v4 structures it is UTC. A v1 signature's timeInfo carries no zone; it is kept as
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SealTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// Fields that do not make a real date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid date and time")]
pub struct InvalidTime;

impl SealTime {
    /// The time from its fields; checks the calendar (leap years; no leap seconds).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<SealTime, InvalidTime> {
        let ok = year <= 9999
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        if ok {
            Ok(SealTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
            })
        } else {
            Err(InvalidTime)
        }
    }

    /// The UTC time `secs` seconds after 1970-01-01T00:00:00Z, years 0000 to 9999.
    pub fn from_unix_seconds(secs: i64) -> Result<SealTime, InvalidTime> {
        let days = secs.div_euclid(86_400);
        let rest = secs.rem_euclid(86_400);
        // Civil date from days since the epoch (H. Hinnant's algorithm, proleptic Gregorian).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let narrow = |v: i64| u8::try_from(v).map_err(|_| InvalidTime);
        SealTime::new(
            u16::try_from(year).map_err(|_| InvalidTime)?,
            narrow(month)?,
            narrow(day)?,
            narrow(rest / 3600)?,
            narrow(rest % 3600 / 60)?,
            narrow(rest % 60)?,
        )
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Seconds since 1970-01-01T00:00:00Z, taking this time as UTC.
    pub fn unix_seconds(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// GeneralizedTime content, `YYYYMMDDHHMMSSZ`.
    pub(crate) fn to_generalized(self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// UTCTime content, `YYMMDDHHMMSSZ`; `None` outside 1950–2049 (RFC 5280's window).
    pub(crate) fn to_utc_time(self) -> Option<String> {
        if !(1950..=2049).contains(&self.year) {
            return None;
        }
        Some(format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            self.year % 100,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second
        ))
    }

    /// The v1 timeInfo text, `yyyy-MM-dd HH:mm:ss`.
    pub(crate) fn to_v1_text(self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Parses GeneralizedTime content; only the DER form `YYYYMMDDHHMMSSZ`.
    pub(crate) fn parse_generalized(s: &[u8]) -> Option<SealTime> {
        let (digits, b'Z') = (s.get(..14)?, *s.get(14)?) else {
            return None;
        };
        if s.len() != 15 {
            return None;
        }
        let year = u16::try_from(number(&digits[..4])?).ok()?;
        Self::from_parts(year, &digits[4..])
    }

    /// Parses UTCTime content; only `YYMMDDHHMMSSZ` (years 50–99 are 19xx).
    pub(crate) fn parse_utc_time(s: &[u8]) -> Option<SealTime> {
        let (digits, b'Z') = (s.get(..12)?, *s.get(12)?) else {
            return None;
        };
        if s.len() != 13 {
            return None;
        }
        let yy = u16::try_from(number(&digits[..2])?).ok()?;
        let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
        Self::from_parts(year, &digits[2..])
    }

    /// Parses the v1 timeInfo text `yyyy-MM-dd HH:mm:ss`.
    pub(crate) fn parse_v1_text(s: &[u8]) -> Option<SealTime> {
        if s.len() != 19
            || s[4] != b'-'
            || s[7] != b'-'
            || s[10] != b' '
            || s[13] != b':'
            || s[16] != b':'
        {
            return None;
        }
        let t = SealTime::new(
            u16::try_from(number(&s[0..4])?).ok()?,
            u8::try_from(number(&s[5..7])?).ok()?,
            u8::try_from(number(&s[8..10])?).ok()?,
            u8::try_from(number(&s[11..13])?).ok()?,
            u8::try_from(number(&s[14..16])?).ok()?,
            u8::try_from(number(&s[17..19])?).ok()?,
        );
        t.ok()
    }

    /// `MMDDHHMMSS` after the year.
    fn from_parts(year: u16, rest: &[u8]) -> Option<SealTime> {
        let two = |i: usize| -> Option<u8> { u8::try_from(number(rest.get(i..i + 2)?)?).ok() };
        SealTime::new(year, two(0)?, two(2)?, two(4)?, two(6)?, two(8)?).ok()
    }
}

impl fmt::Display for SealTime {
    /// RFC 3339, `2024-05-01T08:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')),
    )
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn from_unix_seconds_inverts_unix_seconds() {
        for secs in [
            0i64,
            -1,
            951_782_400, // 2000-02-29
            1_798_761_599,
            253_402_300_799, // 9999-12-31T23:59:59Z
            -62_167_219_200, // 0000-01-01
        ] {
            let t = SealTime::from_unix_seconds(secs).unwrap();
            assert_eq!(t.unix_seconds(), secs, "{t}");
        }
        assert!(SealTime::from_unix_seconds(253_402_300_800).is_err());
        assert!(SealTime::from_unix_seconds(-62_167_219_201).is_err());
        let mut secs = -86_400 * 800;
        while secs < 86_400 * 366 * 60 {
            assert_eq!(
                SealTime::from_unix_seconds(secs).unwrap().unix_seconds(),
                secs
            );
            secs += 86_400 * 7 + 3_601;
        }
    }

    #[test]
    fn formats_and_parses_each_form() {
        let t = SealTime::new(2024, 2, 29, 23, 59, 58).unwrap();
        assert_eq!(t.to_generalized(), "20240229235958Z");
        assert_eq!(t.to_utc_time().unwrap(), "240229235958Z");
        assert_eq!(t.to_v1_text(), "2024-02-29 23:59:58");
        assert_eq!(SealTime::parse_generalized(b"20240229235958Z"), Some(t));
        assert_eq!(SealTime::parse_utc_time(b"240229235958Z"), Some(t));
        assert_eq!(SealTime::parse_v1_text(b"2024-02-29 23:59:58"), Some(t));
        assert_eq!(t.unix_seconds(), 1_709_251_198);
        assert_eq!(
            SealTime::new(1970, 1, 1, 0, 0, 0).unwrap().unix_seconds(),
            0
        );
    }

    #[test]
    fn rejects_non_der_and_impossible_times() {
        for bad in [
            &b"20230229000000Z"[..],
            b"20240101000000",
            b"20240101000000.5Z",
            b"202401010000Z",
            b"2024010100000+Z",
            b"20241301000000Z",
            b"20240101240000Z",
            b"20240101000060Z",
        ] {
            assert_eq!(SealTime::parse_generalized(bad), None, "{bad:?}");
        }
        assert_eq!(SealTime::parse_utc_time(b"2401010000Z"), None);
        assert_eq!(SealTime::parse_v1_text(b"2024-01-01T00:00:00"), None);
        assert_eq!(
            SealTime::parse_utc_time(b"500101000000Z").unwrap().year(),
            1950
        );
        assert!(
            SealTime::new(1949, 1, 1, 0, 0, 0)
                .unwrap()
                .to_utc_time()
                .is_none()
        );
    }
}
