//! The exposure window in plain words: how long a secret stayed usable, and how long each
//! response step took. GitLab's incident-response guide asks responders to record the time of
//! exposure and of revocation; these lines make the gap between them readable at a glance.

use glir_case::Timestamps;
use jiff::Timestamp;

/// One line per measurable interval, e.g. "exposed for 3 d 4 h before revocation". `now` is the
/// report's generation time, used when the secret is not revoked yet.
pub(super) fn interval_lines(times: &Timestamps, now: Timestamp) -> Vec<String> {
    let mut lines = Vec::new();
    let steps = [
        (times.exposed_at, "exposure", times.detected_at, "detection"),
        (
            times.detected_at,
            "detection",
            times.contained_at,
            "containment",
        ),
        // Revocation is measured from detection, not containment: a responder may revoke
        // first and contain (block, remove persistence) after, or the other way round.
        (
            times.detected_at,
            "detection",
            times.revoked_at,
            "revocation",
        ),
    ];
    for (start, start_name, end, end_name) in steps {
        if let (Some(start), Some(end)) = (start, end) {
            lines.push(interval(start, start_name, end, end_name, |span| {
                format!("{end_name} came {span} after {start_name}")
            }));
        }
    }
    lines.push(match (times.exposed_at, times.revoked_at) {
        (Some(exposed), Some(revoked)) => {
            interval(exposed, "exposure", revoked, "revocation", |span| {
                format!("exposed for {span} before revocation")
            })
        }
        (Some(exposed), None) => interval(exposed, "exposure", now, "this report", |span| {
            format!("not revoked yet: exposed for {span} as of this report")
        }),
        (None, _) => "exposure time not recorded, so the exposure window cannot be measured".into(),
    });
    lines
}

/// Times recorded out of order are a data problem the reader must see, not a negative duration.
fn interval(
    start: Timestamp,
    start_name: &str,
    end: Timestamp,
    end_name: &str,
    words: impl Fn(&str) -> String,
) -> String {
    let seconds = end.as_second() - start.as_second();
    if seconds >= 0 {
        words(&human(seconds))
    } else {
        format!(
            "{end_name} is recorded {} before {start_name}: check the case times",
            human(-seconds)
        )
    }
}

/// Two units at most: "3 d 4 h", "2 h 5 min", "45 min", "30 s".
pub(super) fn human(seconds: i64) -> String {
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
        seconds % 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn durations_use_the_two_largest_units() {
        assert_eq!(human(30), "30 s");
        assert_eq!(human(45 * 60 + 10), "45 min");
        assert_eq!(human(2 * 3_600), "2 h");
        assert_eq!(human(2 * 3_600 + 5 * 60), "2 h 5 min");
        assert_eq!(human(3 * 86_400 + 4 * 3_600 + 59 * 60), "3 d 4 h");
        assert_eq!(human(86_400 + 30), "1 d");
    }

    #[test]
    fn every_recorded_interval_is_described() {
        let times = Timestamps {
            exposed_at: Some(ts("2026-11-20T08:00:00Z")),
            detected_at: Some(ts("2026-11-23T10:00:00Z")),
            contained_at: Some(ts("2026-11-23T10:45:00Z")),
            revoked_at: Some(ts("2026-11-23T12:00:00Z")),
        };
        let lines = interval_lines(&times, ts("2026-11-28T00:00:00Z"));
        assert_eq!(
            lines,
            [
                "detection came 3 d 2 h after exposure",
                "containment came 45 min after detection",
                "revocation came 2 h after detection",
                "exposed for 3 d 4 h before revocation",
            ]
        );
    }

    #[test]
    fn an_unrevoked_secret_is_measured_up_to_the_report() {
        let times = Timestamps {
            exposed_at: Some(ts("2026-11-27T22:00:00Z")),
            ..Timestamps::default()
        };
        let lines = interval_lines(&times, ts("2026-11-28T01:30:00Z"));
        assert_eq!(
            lines,
            ["not revoked yet: exposed for 3 h 30 min as of this report"]
        );
    }

    #[test]
    fn out_of_order_times_are_flagged_not_negated() {
        let times = Timestamps {
            exposed_at: Some(ts("2026-11-23T12:00:00Z")),
            revoked_at: Some(ts("2026-11-23T10:00:00Z")),
            ..Timestamps::default()
        };
        let lines = interval_lines(&times, ts("2026-11-28T00:00:00Z"));
        assert_eq!(
            lines,
            ["revocation is recorded 2 h before exposure: check the case times"]
        );
    }

    #[test]
    fn a_missing_exposure_time_is_said_plainly() {
        let lines = interval_lines(&Timestamps::default(), ts("2026-11-28T00:00:00Z"));
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("exposure time not recorded"), "{lines:?}");
    }
}
