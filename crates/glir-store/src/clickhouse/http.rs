//! ClickHouse's HTTP interface (<https://clickhouse.com/docs/interfaces/http>): a query is the
//! request body, data to insert follows an `INSERT … FORMAT JSONEachRow` given as the `query`
//! parameter, and an error is a non-200 status whose body names it ("Code: 60,
//! e.displayText() = DB::Exception: …").
//!
//! A blocking client (ureq): the store is used from plain threads (the receiver's writer runs on
//! one of its own), and an async runtime would buy nothing here.

use crate::error::StoreError;
use crate::location::ClickHouseUrl;
use base64::Engine as _;
use std::io::{BufRead, BufReader};
use std::time::Duration;

/// Attempts of a request whose failure may be transient (a refused or reset connection, a
/// timeout, 502/503/504). Re-sending is safe: queries only read, and inserts are idempotent
/// (rows are replaced by key, see `schema.rs`).
const ATTEMPTS: u32 = 4;
/// The first wait before another attempt; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// A request (with its response) taking longer than this has failed.
const TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) struct Http {
    agent: ureq::Agent,
    endpoint: String,
    authorization: Option<String>,
    /// The URL as a person may see it (password redacted), for messages.
    shown: String,
}

impl Http {
    pub(crate) fn new(url: &ClickHouseUrl) -> Http {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .new_agent();
        // Basic authentication is what every ClickHouse version's HTTP interface accepts.
        let authorization = url.user.as_ref().map(|user| {
            let pair = format!("{user}:{}", url.password.as_deref().unwrap_or(""));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Http {
            agent,
            endpoint: format!(
                "{}/?output_format_json_quote_64bit_integers=0",
                url.endpoint
            ),
            authorization,
            shown: url.to_string(),
        }
    }

    /// Runs a statement that returns nothing worth reading (DDL, `OPTIMIZE`).
    pub(crate) fn execute(&self, action: &'static str, sql: &str) -> Result<(), StoreError> {
        self.send(action, &self.endpoint, sql.as_bytes(), |_| {
            Ok::<(), StoreError>(())
        })
    }

    /// Runs a query and hands each line of its output (`FORMAT JSONEachRow`: one row a line)
    /// to `row`, streaming: a large result is never held whole.
    pub(crate) fn query_lines(
        &self,
        action: &'static str,
        sql: &str,
        row: impl FnMut(&str) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream_lines(action, sql, row)
    }

    /// [`Self::query_lines`] for a caller whose own errors stop the stream.
    pub(crate) fn stream_lines<E: From<StoreError>>(
        &self,
        action: &'static str,
        sql: &str,
        mut row: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        self.send(action, &self.endpoint, sql.as_bytes(), |reader| {
            let mut reader = BufReader::with_capacity(1 << 16, reader);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .map_err(|e| E::from(self.failed(action, e.to_string())))?;
                if n == 0 {
                    return Ok(());
                }
                let text = line.trim_end_matches('\n');
                if !text.is_empty() {
                    row(text)?;
                }
            }
        })
    }

    /// Inserts rows given as JSON lines into `table` (qualified with its database).
    pub(crate) fn insert(
        &self,
        action: &'static str,
        table: &str,
        rows: &[u8],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let url = format!(
            "{}&query=INSERT%20INTO%20{table}%20FORMAT%20JSONEachRow",
            self.endpoint
        );
        self.send(action, &url, rows, |_| Ok::<(), StoreError>(()))
    }

    fn send<E: From<StoreError>>(
        &self,
        action: &'static str,
        url: &str,
        body: &[u8],
        mut read: impl FnMut(&mut dyn std::io::Read) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let mut request = self.agent.post(url);
            if let Some(auth) = &self.authorization {
                request = request.header("Authorization", auth);
            }
            let last = attempt == ATTEMPTS;
            match request.send(body) {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let mut body = response.into_body();
                    let mut reader = body.with_config().limit(u64::MAX).reader();
                    if status == 200 {
                        return read(&mut reader);
                    }
                    let mut text = String::new();
                    let _ = std::io::Read::read_to_string(&mut reader, &mut text);
                    if matches!(status, 502..=504) && !last {
                        std::thread::sleep(backoff);
                        backoff *= 2;
                        continue;
                    }
                    return Err(self.failed(action, server_message(status, &text)).into());
                }
                Err(e) if transient(&e) && !last => {
                    std::thread::sleep(backoff);
                    backoff *= 2;
                }
                Err(e) => {
                    let hint = if transient(&e) {
                        format!(" (after {ATTEMPTS} attempts; is ClickHouse running there?)")
                    } else {
                        String::new()
                    };
                    return Err(self.failed(action, format!("{e}{hint}")).into());
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    fn failed(&self, action: &'static str, message: String) -> StoreError {
        StoreError::ClickHouse {
            action,
            store: self.shown.clone(),
            message,
        }
    }
}

fn transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
    )
}

/// ClickHouse's own words, without the stack trace newer servers append.
fn server_message(status: u16, body: &str) -> String {
    let first = body.lines().next().unwrap_or("").trim();
    let first = first
        .split_once(", e.what()")
        .map_or(first, |(message, _)| message);
    let first = first.split_once(" Stack trace").map_or(first, |(m, _)| m);
    if first.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {first}")
    }
}

#[cfg(test)]
mod tests {
    use super::server_message;

    #[test]
    fn the_servers_message_is_kept_without_its_trace() {
        assert_eq!(
            server_message(
                404,
                "Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist, e.what() = DB::Exception\n"
            ),
            "HTTP 404: Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist"
        );
        assert_eq!(server_message(503, ""), "HTTP 503");
    }
}
