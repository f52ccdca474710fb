//! Client-side spacing of requests, to stay under GitLab's rate limits instead of hitting them.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

/// Lets one request start per `interval`, across every clone of the client.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next_start: Mutex<Option<Instant>>,
}

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Pacer {
            interval,
            next_start: Mutex::new(None),
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits until this caller may send. Holding the lock while sleeping queues callers in order.
    pub(crate) async fn wait_turn(&self) {
        if self.interval.is_zero() {
            return;
        }
        let mut next_start = self.next_start.lock().await;
        if let Some(at) = *next_start {
            sleep_until(at).await;
        }
        *next_start = Some(Instant::now() + self.interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_consecutive_requests() {
        let pacer = Pacer::new(Duration::from_millis(250));
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait_turn().await;
        }
        // The first goes at once, the other four each wait one interval.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_interval_never_waits() {
        let pacer = Pacer::new(Duration::ZERO);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait_turn().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
