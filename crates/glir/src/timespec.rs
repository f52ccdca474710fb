//! Times on the command line: RFC 3339, a plain date (UTC midnight) or an age ("7d", "12h"),
//! parsed once by clap ([`TimeArg`]) so a mistyped time is a usage error naming its flag.

use anyhow::{Result, bail};
use jiff::{SignedDuration, Timestamp, civil::Date, tz::TimeZone};

/// A time as typed: a point, or an age counted back from the moment the command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    At(Timestamp),
    Ago(SignedDuration),
}

impl TimeArg {
    /// The point in time, ages counted back from `now` (one `now` per command, so `--since 1h
    /// --until 30m` are 30 minutes apart).
    pub fn at(self, now: Timestamp) -> Timestamp {
        match self {
            TimeArg::At(at) => at,
            TimeArg::Ago(age) => now.checked_sub(age).unwrap_or(Timestamp::MIN),
        }
    }
}

impl std::str::FromStr for TimeArg {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<TimeArg> {
        let t = text.trim();
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Ok(TimeArg::At(ts));
        }
        if let Ok(date) = t.parse::<Date>() {
            return Ok(TimeArg::At(date.to_zoned(TimeZone::UTC)?.timestamp()));
        }
        if let Some(age) = parse_age(t) {
            return Ok(TimeArg::Ago(age));
        }
        bail!(
            "`{text}` is not a time: use RFC 3339 (2026-11-25T02:13:00Z), a date (2026-11-25) or an age (7d, 12h, 30m)"
        )
    }
}

fn parse_age(t: &str) -> Option<SignedDuration> {
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    Some(SignedDuration::from_secs(n.checked_mul(unit_secs)?))
}

/// An optional typed time resolved against `now`.
pub fn resolve(time: Option<TimeArg>, now: Timestamp) -> Option<Timestamp> {
    time.map(|t| t.at(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp> {
        Ok(text.parse::<TimeArg>()?.at(now))
    }

    #[test]
    fn accepts_rfc3339_dates_and_ages() {
        assert_eq!(
            parse_time("2026-11-25T02:13:00Z", now())
                .unwrap()
                .to_string(),
            "2026-11-25T02:13:00Z"
        );
        assert_eq!(
            parse_time("2026-11-25", now()).unwrap().to_string(),
            "2026-11-25T00:00:00Z"
        );
        assert_eq!(
            parse_time("2d", now()).unwrap().to_string(),
            "2026-11-26T12:00:00Z"
        );
        assert_eq!(
            parse_time("90m", now()).unwrap().to_string(),
            "2026-11-28T10:30:00Z"
        );
    }

    #[test]
    fn rejects_other_text_with_the_accepted_forms() {
        let err = parse_time("yesterday", now()).unwrap_err().to_string();
        assert!(
            err.contains("yesterday") && err.contains("RFC 3339"),
            "{err}"
        );
        assert!(parse_time("5y", now()).is_err());
        // An age too large for the clock is not a time either, and never a panic.
        assert!(parse_time("99999999999999999d", now()).is_err());
        assert_eq!(parse_time("9999999999d", now()).unwrap(), Timestamp::MIN);
    }
}
