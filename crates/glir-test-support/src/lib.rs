//! Setup the integration tests share, so each test file holds only what it tests: clients for
//! the simulator, retries short enough for fault tests, and the simulator on loopback for tests
//! that are not async (CLI tests run `glir` as a process against it).

pub mod clickhouse;
pub mod detection_bench;
mod tls;

pub use tls::{CertificateFiles, TlsFront};

use glir_gitlab::{Auth, Client, RetryPolicy};
use glir_redact::Secret;
use glir_sim::{Scenario, SimHandle};
use std::time::Duration;

/// A client for `url` presenting `token` as `PRIVATE-TOKEN`, with the default retries.
pub fn client(url: &str, token: &str) -> Client {
    client_as(url, Auth::PrivateToken(Secret::new(token)))
}

/// A client for `url` presenting `auth`.
pub fn client_as(url: &str, auth: Auth) -> Client {
    Client::builder(url)
        .expect("the simulator's URL is valid")
        .auth(auth)
        .build()
        .expect("a client for the simulator")
}

/// Retries with millisecond backoff, so fault-injection tests take no real time.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(5),
        deadline: Duration::from_secs(60),
    }
}

/// [`client`] with `retry` and a five-second timeout: a fault test fails fast, never hangs.
pub fn impatient_client(url: &str, token: &str, retry: RetryPolicy) -> Client {
    Client::builder(url)
        .expect("the simulator's URL is valid")
        .auth(Auth::PrivateToken(Secret::new(token)))
        .retry(retry)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client for the simulator")
}

/// The simulator on loopback with a runtime of its own, for tests that are not async.
pub struct BlockingSim {
    pub url: String,
    pub handle: SimHandle,
    // Declared last: dropped after the handle, so the server stops before its runtime.
    _rt: tokio::runtime::Runtime,
}

impl BlockingSim {
    /// [`Scenario::synthetic`] with `n` events from 2026-11-01, one a minute.
    pub fn synthetic(n: usize) -> BlockingSim {
        let start = "2026-11-01T00:00:00Z".parse().expect("a valid timestamp");
        BlockingSim::start(Scenario::synthetic(n, start))
    }

    /// Serves `scenario` until dropped.
    pub fn start(scenario: Scenario) -> BlockingSim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the simulator");
        let handle = rt
            .block_on(glir_sim::start(scenario))
            .expect("the simulator starts");
        BlockingSim {
            url: handle.url(),
            handle,
            _rt: rt,
        }
    }
}
