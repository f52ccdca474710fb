//! GitLab's authenticated API rate limit (`throttle_authenticated_api`,
//! doc/administration/settings/user_and_ip_rate_limits.md). Rack::Attack counts each user's
//! requests in fixed windows of `throttle_authenticated_api_period_in_seconds`, aligned to the
//! epoch, and answers every request beyond `throttle_authenticated_api_requests_per_period`
//! with 429 until the window ends; throttled requests count too.

use std::collections::HashMap;
use std::sync::Mutex;

/// The limit in force: at most `requests` per `period` seconds.
#[derive(Clone, Copy)]
pub(crate) struct Limit {
    pub(crate) requests: u64,
    pub(crate) period: u64,
}

/// A request over the limit, with what the 429's headers report.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Throttled {
    pub(crate) limit: u64,
    pub(crate) period: u64,
    /// Requests in the window, this one included.
    pub(crate) observed: u64,
    /// When the window ends, in Unix seconds.
    pub(crate) reset_at: u64,
    /// Seconds until then.
    pub(crate) retry_after: u64,
}

impl Throttled {
    /// `RateLimit-Limit`: GitLab rounds the quota up to a 60-second window
    /// (gitlab-org/gitlab:lib/gitlab/rack_attack.rb `throttled_response_headers`).
    pub(crate) fn per_minute(&self) -> u64 {
        (self.limit * 60).div_ceil(self.period.max(1))
    }
}

/// Request counts per user in the current window.
#[derive(Default)]
pub(crate) struct Throttle {
    windows: Mutex<HashMap<i64, (u64, u64)>>,
}

impl Throttle {
    /// Counts a request of `user` at `now` (Unix seconds); `Some` when it is over the limit.
    pub(crate) fn hit(&self, user: i64, limit: Limit, now: u64) -> Option<Throttled> {
        let period = limit.period.max(1);
        let window = now - now % period;
        // Counting cannot leave the map half-updated, so a poisoned lock is still usable.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = windows.entry(user).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        let observed = entry.1;
        (observed > limit.requests).then(|| Throttled {
            limit: limit.requests,
            period,
            observed,
            reset_at: window + period,
            retry_after: window + period - now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        requests: 3,
        period: 60,
    };

    #[test]
    fn the_request_after_the_limit_is_throttled_until_the_window_ends() {
        let t = Throttle::default();
        for _ in 0..3 {
            assert_eq!(t.hit(1, LIMIT, 1_000_000_010), None);
        }
        let over = t
            .hit(1, LIMIT, 1_000_000_015)
            .expect("fourth request throttled");
        assert_eq!(over.observed, 4);
        assert_eq!(over.reset_at, 1_000_000_020);
        assert_eq!(over.retry_after, 5);
        assert_eq!(
            t.hit(2, LIMIT, 1_000_000_015),
            None,
            "other users count apart"
        );
        assert_eq!(
            t.hit(1, LIMIT, 1_000_000_020),
            None,
            "a new window starts over"
        );
    }

    #[test]
    fn the_reported_limit_is_per_minute() {
        let over = Throttled {
            limit: 7200,
            period: 3600,
            observed: 7201,
            reset_at: 0,
            retry_after: 0,
        };
        assert_eq!(over.per_minute(), 120);
    }
}
