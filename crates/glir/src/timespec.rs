//! Times on the command line: RFC 3339, a plain date (UTC midnight) or an age ("7d", "12h").

use anyhow::{Result, bail};
use jiff::{SignedDuration, Timestamp, civil::Date, tz::TimeZone};

pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(date) = t.parse::<Date>() {
        return Ok(date.to_zoned(TimeZone::UTC)?.timestamp());
    }
    if let Some(age) = parse_age(t) {
        return Ok(now.checked_sub(age)?);
    }
    bail!(
        "`{text}` is not a time: use RFC 3339 (2026-11-25T02:13:00Z), a date (2026-11-25) or an age (7d, 12h, 30m)"
    )
}

fn parse_age(t: &str) -> Option<SignedDuration> {
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        "w" => n * 7 * 86_400,
        _ => return None,
    };
    Some(SignedDuration::from_secs(secs))
}

pub fn parse_opt(text: Option<&str>, now: Timestamp) -> Result<Option<Timestamp>> {
    text.map(|t| parse_time(t, now)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-28T12:00:00Z".parse().unwrap()
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
    }
}
