//! How often and how long to retry a request that failed for a passing reason.

use rand::Rng;
use std::time::Duration;

/// Retry limits for 429, 5xx, timeouts and connection failures.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt; the call fails after `max_retries + 1` attempts.
    pub max_retries: u32,
    /// Ceiling of the first backoff; it doubles per retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Most time one call may spend waiting on 429 answers before giving up.
    pub max_rate_limit_wait: Duration,
    /// Most time one call may take, retries included: no retry starts that would end past it,
    /// so a host that accepts and never answers costs minutes at most, not the sum of every
    /// attempt's timeout and backoff.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(120),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Upper bound of the wait before retry `retry` (0 for the first): `base · 2^retry`, capped.
    pub(crate) fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// A "full jitter" wait, uniform in `[0, ceiling]`: spreads retries of many clients apart
    /// (AWS Architecture Blog, "Exponential Backoff And Jitter").
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = u64::try_from(self.backoff_ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_retries, 5);
        assert_eq!(p.base_delay, Duration::from_millis(500));
        assert_eq!(p.max_delay, Duration::from_secs(30));
        assert_eq!(p.max_rate_limit_wait, Duration::from_secs(120));
    }

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy::default();
        let ceilings: Vec<u64> = (0..8)
            .map(|r| p.backoff_ceiling(r).as_millis() as u64)
            .collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    }

    #[test]
    fn ceiling_survives_huge_retry_counts() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(40), p.max_delay);
        assert_eq!(p.backoff_ceiling(u32::MAX), p.max_delay);
    }

    #[test]
    fn jittered_backoff_stays_within_the_ceiling_and_varies() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        let samples: Vec<Duration> = (0..200).map(|_| p.backoff(2)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(400)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(
            distinct.len() > 100,
            "jitter is not random: {} distinct",
            distinct.len()
        );
    }

    #[test]
    fn zero_base_delay_never_waits() {
        let p = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(3), Duration::ZERO);
    }
}
