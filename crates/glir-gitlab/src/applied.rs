//! What a mutation reports back: the post-state, whether GitLab changed anything, and the
//! status and request id a journal records.

/// The outcome of a mutation: every mutating method of [`crate::Client`] returns one.
///
/// `changed` is `false` when GitLab was already in the requested state (a revoked token, a
/// blocked user, a deleted key): nothing was asked of GitLab beyond reading that state, or GitLab
/// answered that the thing is gone. Callers report that as idempotent success. `status` and
/// `request_id` are those of the response that decided the outcome (the mutation's, or the read
/// that showed the state), so the journal can always quote GitLab's request id.
#[derive(Debug)]
pub struct Applied<T> {
    /// The post-state (or `()` when GitLab answers 204 and there is nothing to show).
    pub value: T,
    /// GitLab changed something.
    pub changed: bool,
    /// HTTP status of the deciding response.
    pub status: u16,
    /// GitLab's `X-Request-Id` of the deciding response.
    pub request_id: Option<String>,
}

impl<T> Applied<T> {
    pub(crate) fn changed(value: T, status: u16, request_id: Option<String>) -> Applied<T> {
        Applied {
            value,
            changed: true,
            status,
            request_id,
        }
    }

    pub(crate) fn unchanged(value: T, status: u16, request_id: Option<String>) -> Applied<T> {
        Applied {
            value,
            changed: false,
            status,
            request_id,
        }
    }

    /// The same outcome with another value (the post-state read after the mutation).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Applied<U> {
        Applied {
            value: f(self.value),
            changed: self.changed,
            status: self.status,
            request_id: self.request_id,
        }
    }
}
