//! Starting, observing and stopping a simulator.

use crate::api;
use crate::error::SimError;
use crate::fault::{Fault, FaultQueue};
use crate::listener::{ConnectionControl, KillableListener};
use crate::scenario::Scenario;
use crate::streaming::{self, StreamReport, StreamTarget};
use crate::throttle::Throttle;
use crate::world::World;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`SimHandle::shutdown`] waits for in-flight (e.g. slowed) requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// State shared by every request handler.
pub(crate) struct Shared {
    /// The instance's state; mutations take the write lock for the whole request so each one
    /// is atomic, as a GitLab transaction would be.
    world: RwLock<World>,
    pub(crate) faults: FaultQueue,
    /// Every API request received, in order.
    log: Mutex<Vec<Logged>>,
    /// Request counts for the authenticated API rate limit.
    pub(crate) throttle: Throttle,
}

/// A request as the log keeps it.
struct Logged {
    /// Path and query.
    target: String,
    /// The response status, once there is one.
    status: Option<u16>,
}

impl Shared {
    /// The state for reading. A handler holds the guard for its whole (synchronous) body.
    pub(crate) fn world(&self) -> RwLockReadGuard<'_, World> {
        // A panicking handler cannot leave the world half-changed: every mutation validates
        // before it writes, so a poisoned lock is still consistent.
        self.world
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state for a mutation.
    pub(crate) fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        self.world
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Logs a request as it arrives, so one still in flight counts; returns its place for
    /// [`Shared::answered`].
    pub(crate) fn record(&self, target: &str) -> usize {
        let mut log = self.lock_log();
        log.push(Logged {
            target: target.to_string(),
            status: None,
        });
        log.len() - 1
    }

    /// Notes the status a logged request was answered with.
    pub(crate) fn answered(&self, slot: usize, status: u16) {
        if let Some(entry) = self.lock_log().get_mut(slot) {
            entry.status = Some(status);
        }
    }

    /// Requests whose path or query contains `path_contains` and, if given, that were answered
    /// with `status`.
    pub(crate) fn count(&self, path_contains: &str, status: Option<u16>) -> usize {
        self.lock_log()
            .iter()
            .filter(|e| e.target.contains(path_contains))
            .filter(|e| status.is_none_or(|s| e.status == Some(s)))
            .count()
    }

    fn lock_log(&self) -> std::sync::MutexGuard<'_, Vec<Logged>> {
        // Pushing a String cannot leave the log inconsistent, so a poisoned lock is still usable.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Starts a simulator for `scenario` on an ephemeral loopback port.
pub async fn start(scenario: Scenario) -> Result<SimHandle, SimError> {
    start_on(scenario, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts a simulator for `scenario` on `addr`.
pub async fn start_on(scenario: Scenario, addr: SocketAddr) -> Result<SimHandle, SimError> {
    let world = World::build(scenario)?;
    let declared_streams = world.scenario.streaming.clone();
    let shared = Arc::new(Shared {
        world: RwLock::new(world),
        faults: FaultQueue::default(),
        log: Mutex::new(Vec::new()),
        throttle: Throttle::default(),
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let app =
        api::router(Arc::clone(&shared)).into_make_service_with_connect_info::<ConnectionControl>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(KillableListener(listener), app)
            .with_graceful_shutdown(async {
                // A dropped sender (handle dropped without shutdown) also stops the server.
                let _ = stop_rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "simulator server stopped with an error");
        }
    });
    tracing::info!(url = %format!("http://{local}"), "glir-sim listening");
    let mut handle = SimHandle {
        addr: local,
        shared,
        stop: Some(stop_tx),
        task: Some(task),
        streams: Vec::new(),
    };
    for target in declared_streams {
        let destination = target.redacted_url();
        let stream = handle.stream_live(target, move |report| {
            if report.failures.is_empty() {
                tracing::info!(%destination, "streamed audit events: {report}");
            } else {
                tracing::warn!(%destination, "streamed audit events: {report}");
            }
        });
        handle.streams.push(stream);
    }
    Ok(handle)
}

/// A running simulator. Dropping it stops the server too; [`SimHandle::shutdown`] also waits.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The scenario's streaming destinations, stopped with the simulator.
    streams: Vec<JoinHandle<()>>,
}

impl SimHandle {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`; the API is under `/api/v4`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a fault; faults are matched in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// How many API requests whose path (or query) contained `path_contains` were received, faulted ones included.
    pub fn requests(&self, path_contains: &str) -> usize {
        self.shared.count(path_contains, None)
    }

    /// How many of those were answered with `status`, e.g. 429 for throttled ones.
    pub fn requests_with_status(&self, path_contains: &str, status: u16) -> usize {
        self.shared.count(path_contains, Some(status))
    }

    /// Every audit event id the simulator holds, ascending.
    pub fn audit_event_ids(&self) -> Vec<i64> {
        self.shared.world().event_ids_ascending()
    }

    /// Posts every audit event the instance holds, in creation order, to `target` the way
    /// GitLab's audit event streaming does, once, and reports what happened. Never retries.
    pub async fn stream_to(&self, target: &StreamTarget) -> StreamReport {
        streaming::stream_once(&self.shared, target).await
    }

    /// Streams every audit event the instance holds to `target`, then each new one (from a
    /// mutation) as it is created, in a background task that ends when the simulator stops.
    /// `on_run` gets the report of the first run and of each later run that sent something.
    pub fn stream_live<F>(&self, target: StreamTarget, on_run: F) -> JoinHandle<()>
    where
        F: FnMut(&StreamReport) + Send + 'static,
    {
        // Subscribing before the task's first read means an event created in between still
        // wakes it.
        let changes = self.shared.world().subscribe_events();
        streaming::spawn_live(Arc::downgrade(&self.shared), changes, target, on_run)
    }

    /// Stops accepting requests and waits (briefly) for in-flight ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for stream in self.streams.drain(..) {
            stream.abort();
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for stream in self.streams.drain(..) {
            stream.abort();
        }
    }
}
