//! Reading `created_at`: GitLab writes UTC with milliseconds (`2025-03-01T08:34:25.639Z`), and
//! reading that shape directly is several times cheaper than jiff's general parser. Any other
//! shape, and anything unusual in this one (a leap second, an invalid date), goes to jiff, so
//! the result is always jiff's.

use jiff::Timestamp;

/// `text.parse::<Timestamp>()`, as an option.
pub(crate) fn parse(text: &str) -> Option<Timestamp> {
    utc(text).or_else(|| text.parse().ok())
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` with an ordinary date and time; `None` for anything else.
fn utc(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let (head, rest) = b.split_at_checked(19)?;
    let fraction = rest.strip_suffix(b"Z")?;
    let shape = head[4] == b'-'
        && head[7] == b'-'
        && head[10] == b'T'
        && head[13] == b':'
        && head[16] == b':';
    if !shape {
        return None;
    }
    let number = |at: usize, len: usize| -> Option<u32> {
        head[at..at + len].iter().try_fold(0, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = number(0, 4)?;
    let month = number(5, 2)?;
    let day = number(8, 2)?;
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    // Years near jiff's range ends (±9999, less a day) and leap seconds are jiff's to judge.
    let ordinary = (1..=9998).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !ordinary {
        return None;
    }
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = digits.iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let days = days_since_epoch(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Timestamp::new(seconds, i32::try_from(nanos).ok()?).ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(year: u32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jiff(text: &str) -> Option<Timestamp> {
        text.parse().ok()
    }

    /// A small deterministic generator (xorshift), so the cases are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn every_day_of_four_centuries_reads_as_jiff_reads_it() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        for year in (1898..2302).chain([1, 4, 100, 400, 1000, 1600, 9000, 9998]) {
            for month in 1..=12 {
                for day in 1..=31 {
                    let (h, m, s) = (rng.below(24), rng.below(60), rng.below(60));
                    let digits = rng.below(10) as usize;
                    let fraction: String = (0..digits)
                        .map(|_| char::from(b'0' + rng.below(10) as u8))
                        .collect();
                    let dot = if digits > 0 { "." } else { "" };
                    let text = format!(
                        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{dot}{fraction}Z"
                    );
                    let want = jiff(&text);
                    assert_eq!(parse(&text), want, "{text}");
                    // The fast path never accepts what jiff refuses (Feb 30, Apr 31, ...).
                    if let Some(fast) = utc(&text) {
                        assert_eq!(Some(fast), want, "{text}");
                        accepted += 1;
                    }
                }
            }
        }
        assert!(accepted > 140_000, "{accepted}");
    }

    #[test]
    fn edge_values_read_as_jiff_reads_them() {
        let cases = [
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T12:00:00Z",
            "2000-02-29T12:00:00Z",
            "2100-02-29T12:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-00-10T00:00:00Z",
            "2025-13-10T00:00:00Z",
            "2025-03-00T00:00:00Z",
            "2025-03-01T24:00:00Z",
            "2025-03-01T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-30T22:00:00.999999999Z",
            "9999-12-31T00:00:00Z",
            "2025-03-01T08:34:25.Z",
            "2025-03-01T08:34:25.1234567890Z",
            "2025-03-01T08:34:25.639z",
            "2025-03-01t08:34:25.639Z",
            "2025-03-01 08:34:25.639Z",
            "2025-03-01T08:34:25,639Z",
            "2025-03-01T08:34:25.639+00:00",
            "2025-03-01T08:34:25.639-05:30",
            "2025-03-01T08:34:25",
            "2025-03-01T08:34:25.6a9Z",
            "2025-03-01T08:34:2xZ",
            "+2025-03-01T08:34:25Z",
            "2025-3-01T08:34:25Z",
            "20250301T083425Z",
            "2025-03-01T08:34:25.639ZZ",
            "2025-03-01T08:34:25.639Z ",
            "-001-03-01T08:34:25.639Z",
            "",
            "Z",
        ];
        let mut accepted = 0;
        for text in cases {
            let want = jiff(text);
            assert_eq!(parse(text), want, "{text}");
            if let Some(fast) = utc(text) {
                assert_eq!(Some(fast), want, "{text}");
            }
            accepted += usize::from(want.is_some());
        }
        assert!(accepted > 8 && accepted < cases.len() - 8, "{accepted}");
    }
}
