//! Injected faults: rate limiting, server errors, slow responses and dropped connections.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// A fault applied to the next `times` requests whose path (and query) contains `path_contains`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// Substring of the request path and query, e.g. `/audit_events` or `page=2`; empty matches all.
    pub path_contains: String,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// How many matching requests it applies to.
    pub times: u32,
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `Retry later`, `Retry-After` and `RateLimit-*` headers.
    RateLimited {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
    /// A bare error status with GitLab's `{"message": "500 Internal Server Error"}` style body.
    ServerError {
        /// The HTTP status to return.
        status: u16,
    },
    /// The normal response, after a delay.
    Slow {
        /// How long to wait before answering.
        delay_ms: u64,
    },
    /// Close the TCP connection without any HTTP response.
    DropConnection,
}

/// Pending faults, matched in the order they were injected.
#[derive(Default)]
pub(crate) struct FaultQueue {
    pending: Mutex<Vec<Fault>>,
}

impl FaultQueue {
    pub(crate) fn push(&self, fault: Fault) {
        if fault.times > 0 {
            self.lock().push(fault);
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Takes one use of the first fault matching `target`, dropping the fault once used up.
    pub(crate) fn take(&self, target: &str) -> Option<FaultKind> {
        let mut pending = self.lock();
        let idx = pending
            .iter()
            .position(|f| target.contains(&f.path_contains))?;
        let fault = &mut pending[idx];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            pending.remove(idx);
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // A panic while holding this lock cannot leave the queue half-updated, so poisoning is moot.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(path: &str, times: u32) -> Fault {
        Fault {
            path_contains: path.into(),
            kind: FaultKind::ServerError { status: 500 },
            times,
        }
    }

    #[test]
    fn faults_apply_in_order_and_run_out() {
        let q = FaultQueue::default();
        q.push(fault("/users", 2));
        q.push(Fault {
            path_contains: "/users".into(),
            kind: FaultKind::DropConnection,
            times: 1,
        });
        assert_eq!(
            q.take("/api/v4/users"),
            Some(FaultKind::ServerError { status: 500 })
        );
        assert_eq!(q.take("/api/v4/version"), None);
        assert_eq!(
            q.take("/api/v4/users?page=2"),
            Some(FaultKind::ServerError { status: 500 })
        );
        assert_eq!(q.take("/api/v4/users"), Some(FaultKind::DropConnection));
        assert_eq!(q.take("/api/v4/users"), None);
    }

    #[test]
    fn zero_times_and_clear_leave_nothing() {
        let q = FaultQueue::default();
        q.push(fault("", 0));
        assert_eq!(q.take("/anything"), None);
        q.push(fault("", 5));
        q.clear();
        assert_eq!(q.take("/anything"), None);
    }

    #[test]
    fn fault_json_uses_kind_tag() {
        let f: Fault = serde_json::from_str(
            r#"{"path_contains":"/audit_events","kind":{"kind":"rate_limited","retry_after_secs":3},"times":1}"#,
        )
        .expect("valid fault json");
        assert_eq!(
            f.kind,
            FaultKind::RateLimited {
                retry_after_secs: 3
            }
        );
    }
}
