//! A fresh ClickHouse database per test, on the server `.ci/run` starts
//! (`scripts/clickhouse-server.sh`).
//!
//! `GLIR_TEST_CLICKHOUSE` names the server (`clickhouse://127.0.0.1:18123`, the script's
//! default, when unset; `.ci/run` also points it at `scripts/chdb_http.py`, current ClickHouse
//! in chdb). Outside CI a machine without a server skips the ClickHouse half of a
//! test and says so; in CI (`CI` set) its absence fails the test.

use std::sync::atomic::{AtomicU32, Ordering};

/// The server the script starts by default.
const DEFAULT: &str = "clickhouse://127.0.0.1:18123";

/// A database that exists for one test and is dropped with this value.
pub struct TestDatabase {
    /// `clickhouse://HOST:PORT/DATABASE`, for `StoreLocation`'s parser.
    pub url: String,
    endpoint: String,
    name: String,
}

impl TestDatabase {
    /// A new, empty database named after `test`; `None` (after saying so) when no server
    /// answers outside CI.
    pub fn new(test: &str) -> Option<TestDatabase> {
        let server = std::env::var("GLIR_TEST_CLICKHOUSE").unwrap_or_else(|_| DEFAULT.into());
        let host = server
            .strip_prefix("clickhouse://")
            .unwrap_or_else(|| {
                panic!("GLIR_TEST_CLICKHOUSE must be clickhouse://HOST:PORT, not {server}")
            })
            .trim_end_matches('/');
        let endpoint = format!("http://{host}/");
        if run(&endpoint, "SELECT 1").is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must start a ClickHouse server at {server} (see .ci/run and scripts/clickhouse-server.sh)"
            );
            eprintln!(
                "skipped the ClickHouse half: no server at {server} (scripts/clickhouse-server.sh start)"
            );
            return None;
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let clean: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let name = format!(
            "glir_test_{clean}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        run(&endpoint, &format!("DROP DATABASE IF EXISTS {name}")).expect("drop old database");
        Some(TestDatabase {
            url: format!("clickhouse://{host}/{name}"),
            endpoint,
            name,
        })
    }

    /// Runs a statement on the server (for a test to inspect what was stored), returning its
    /// output.
    pub fn sql(&self, sql: &str) -> String {
        run(&self.endpoint, &sql.replace("{db}", &self.name))
            .unwrap_or_else(|e| panic!("ClickHouse: {e}\n{sql}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = run(
            &self.endpoint,
            &format!("DROP DATABASE IF EXISTS {}", self.name),
        );
    }
}

fn run(endpoint: &str, sql: &str) -> Result<String, String> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(120)))
        .build()
        .new_agent();
    let response = agent
        .post(endpoint)
        .send(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .with_config()
        .limit(u64::MAX)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("HTTP {status}: {body}"))
    }
}
