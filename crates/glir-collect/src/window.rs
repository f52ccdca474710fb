//! Window sizing: dense periods get narrow windows so each resumable unit stays small; quiet
//! periods get wide ones so a month of silence costs a handful of requests.

use jiff::{SignedDuration, Timestamp};

/// GitLab's instance audit-events API answers at most 30 days per query (doc/api/audit_events.md).
pub const MAX_QUERY_SPAN: SignedDuration = SignedDuration::from_hours(30 * 24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPolicy {
    pub initial: SignedDuration,
    pub min: SignedDuration,
    pub max: SignedDuration,
    /// A window that held more events than this halves the next window's span.
    pub dense_events: u64,
}

impl Default for WindowPolicy {
    fn default() -> Self {
        WindowPolicy {
            initial: SignedDuration::from_hours(24),
            min: SignedDuration::from_mins(1),
            max: MAX_QUERY_SPAN,
            dense_events: 5_000,
        }
    }
}

impl WindowPolicy {
    /// The span for the next window, given how many events the last one held.
    pub fn next_span(&self, span: SignedDuration, events_in_last: u64) -> SignedDuration {
        let next = if events_in_last > self.dense_events {
            span / 2
        } else if events_in_last < self.dense_events / 4 {
            span * 2
        } else {
            span
        };
        next.clamp(self.min, self.max)
    }

    /// The end of a window that starts at `start`, never past `until`.
    pub fn window_end(
        &self,
        start: Timestamp,
        span: SignedDuration,
        until: Timestamp,
    ) -> Timestamp {
        let span = span.clamp(self.min, self.max);
        match start.checked_add(span) {
            Ok(end) if end < until => end,
            _ => until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_windows_halve_and_sparse_ones_double_within_bounds() {
        let p = WindowPolicy::default();
        let day = SignedDuration::from_hours(24);
        assert_eq!(p.next_span(day, 10_000), SignedDuration::from_hours(12));
        assert_eq!(p.next_span(day, 10), SignedDuration::from_hours(48));
        assert_eq!(p.next_span(day, 3_000), day);
        assert_eq!(p.next_span(p.min, 1_000_000), p.min);
        assert_eq!(p.next_span(p.max, 0), p.max);
    }

    #[test]
    fn window_never_passes_until() {
        let p = WindowPolicy::default();
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let until: Timestamp = "2026-01-01T06:00:00Z".parse().unwrap();
        assert_eq!(
            p.window_end(start, SignedDuration::from_hours(24), until),
            until
        );
        assert_eq!(
            p.window_end(start, SignedDuration::from_hours(1), until),
            "2026-01-01T01:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
