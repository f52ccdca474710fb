//! A decoded GitLab answer with the metadata a responder may need to quote.

/// A decoded response body with its status and GitLab request id.
#[derive(Debug)]
pub struct Response<T> {
    /// The decoded JSON body.
    pub body: T,
    /// The HTTP status (2xx).
    pub status: u16,
    /// GitLab's `X-Request-Id`, when sent.
    pub request_id: Option<String>,
}
