//! `glir serve`: the receiver for GitLab's audit event streaming.
//!
//! GitLab streams audit events to HTTP destinations (instance and top-level groups,
//! doc/user/compliance/audit_event_streaming.md) without retrying, may send an event twice, and
//! labels JSON bodies as form data. The receiver checks each destination's token in constant
//! time, takes JSON whatever the content type, and answers 2xx only once the events are
//! durable: in the store (deduplicated with every other source) and in the write-once archive.

mod app;
mod auth;
mod body;
pub mod deliver;
mod envelope;
mod listen;
mod live;
mod metrics;
mod writer;

pub use auth::TOKEN_HEADER;
pub use body::{BodyError, events as body_events};
pub use live::LiveOptions;
pub use writer::Outcome;

use app::AppState;
use glir_archive::Archive;
use glir_redact::Secret;
use glir_store::Store;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsAcceptor;

/// GitLab's own limit on a streamed request body
/// (`REQUEST_BODY_SIZE_LIMIT`, gitlab-org/gitlab:ee/lib/audit_events/strategies/
/// external_destination_strategy.rb).
pub const DEFAULT_BODY_LIMIT: usize = 25 * 1024 * 1024;

/// Requests waiting for the writer; beyond this, handlers wait (backpressure, not memory).
const QUEUE: usize = 4096;

/// One streaming destination: the path GitLab posts to and its verification token.
#[derive(Debug, Clone)]
pub struct Destination {
    /// `POST /v1/streams/<name>`.
    pub name: String,
    pub token: Secret,
    /// The identity namespace its events are stored under (usually the GitLab host).
    pub source: String,
}

/// A certificate chain and its key, PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How the receiver runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub destinations: Vec<Destination>,
    pub body_limit: usize,
    /// A body must arrive within this once the headers have.
    pub read_timeout: Duration,
    /// Headers (and the TLS handshake) must arrive within this.
    pub header_timeout: Duration,
    /// At shutdown, requests in flight get this long to finish.
    pub drain_timeout: Duration,
    /// How often a quiet receiver checks whether the open archive segment reached its age limit
    /// (`ArchiveOptions::segment_max_age`) and seals it.
    pub seal_check: Duration,
    pub tls: Option<TlsFiles>,
}

impl Options {
    pub fn new(destinations: Vec<Destination>) -> Options {
        Options {
            destinations,
            body_limit: DEFAULT_BODY_LIMIT,
            // GitLab gives up after 8 s (http_stream_destination.rb); a body slower than that
            // was abandoned by its sender anyway.
            read_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(30),
            seal_check: Duration::from_secs(30),
            tls: None,
        }
    }

    /// The configuration errors `glir serve --check-config` reports, all at once.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.destinations.is_empty() {
            problems.push("no destination: add one (--destination NAME --token-file FILE, or [[serve.destinations]])".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &self.destinations {
            if !seen.insert(&d.name) {
                problems.push(format!("destination {:?} is named twice", d.name));
            }
            if d.name.is_empty()
                || !d
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                problems.push(format!(
                    "destination name {:?}: use letters, digits, '-', '_' or '.'",
                    d.name
                ));
            }
            // GitLab's verification tokens are 16 to 24 characters
            // (ee/app/models/concerns/audit_events/externally_destinationable.rb).
            if d.token.expose().len() < 16 {
                problems.push(format!(
                    "destination {:?}: its token is shorter than 16 characters",
                    d.name
                ));
            }
        }
        if let Some(tls) = &self.tls
            && let Err(e) = acceptor(tls)
        {
            problems.push(e.to_string());
        }
        problems
    }
}

/// Why the receiver could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the configuration has problems: {}", .0.join("; "))]
    Config(Vec<String>),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
    #[error("the writer thread failed: {0}")]
    Writer(String),
    #[error("live detection cannot start: {0}")]
    Live(String),
    #[error("cannot bring the store back to the archive: {0}")]
    Reindex(String),
}

/// A receiver that is running; [`Running::shutdown`] stops it without losing a request it
/// answered.
pub struct Running {
    pub addr: SocketAddr,
    /// Archived events the store lacked at start (a crash between the archive's sync and the
    /// store's commit), put back.
    pub reindexed: u64,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    writer: std::thread::JoinHandle<()>,
    live: Option<live::Live>,
    state: Arc<AppState>,
}

impl Running {
    /// Stops accepting, answers the requests in flight, commits, seals the open archive
    /// segment.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        let _ = self.stop.send(());
        self.server
            .await
            .map_err(|e| ServeError::Writer(e.to_string()))?;
        // The writer ends once every sender is gone: the connections' and this one.
        drop(self.state);
        let writer = self.writer;
        tokio::task::spawn_blocking(move || writer.join())
            .await
            .map_err(|e| ServeError::Writer(e.to_string()))?
            .map_err(|_| ServeError::Writer("the writer thread panicked".into()))?;
        if let Some(live) = self.live {
            live.stop().await;
        }
        Ok(())
    }
}

/// Starts the receiver on `listener`, on the current tokio runtime. With `live` (a second
/// connection to the same store, and the rules and sinks), every event stored for the first
/// time is detected on once it is durable.
pub fn start(
    listener: TcpListener,
    store: Store,
    archive: Archive,
    options: &Options,
    live: Option<(Store, LiveOptions)>,
) -> Result<Running, ServeError> {
    let problems = options.problems();
    if !problems.is_empty() {
        return Err(ServeError::Config(problems));
    }
    let tls = options.tls.as_ref().map(acceptor).transpose()?;
    let mut store = store;
    let reindexed = reindex(&mut store, &archive, options)?;
    let addr = listener.local_addr().map_err(ServeError::Listen)?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let (metrics, registry) = metrics::Metrics::new();
    let live = live
        .map(|(store, opts)| live::start(store, opts, metrics.clone()))
        .transpose()
        .map_err(ServeError::Live)?;
    let on_new = live
        .as_ref()
        .map(|live| Box::new(live.feed()) as Box<dyn Fn(Vec<glir_events::AuditEvent>) + Send>);
    let writer_metrics = metrics.clone();
    let index = store
        .open_again()
        .map_err(|e| ServeError::Writer(format!("a second store connection: {e}")))?;
    let writer = std::thread::Builder::new()
        .name("glir-serve-writer".into())
        .spawn(move || writer::run(store, index, archive, rx, writer_metrics, on_new))
        .map_err(|e| ServeError::Writer(e.to_string()))?;
    let state = Arc::new(AppState::new(
        &options.destinations,
        tx,
        (metrics, registry),
        options.body_limit,
        options.read_timeout,
    ));
    let app = app::router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let limits = listen::Limits {
        header_timeout: options.header_timeout,
        drain_timeout: options.drain_timeout,
    };
    let server = tokio::spawn(listen::serve(listener, app, tls, limits, async {
        let _ = stopped.await;
    }));
    tokio::spawn(tick(Arc::downgrade(&state), options.seal_check));
    Ok(Running {
        addr,
        reindexed,
        stop,
        server,
        writer,
        live,
        state,
    })
}

/// Wakes the writer every `every` with an empty submission, so a segment that reached its age
/// limit is sealed (and can be mirrored) even when no event arrives. Ends with the receiver.
async fn tick(state: std::sync::Weak<AppState>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    loop {
        interval.tick().await;
        let Some(state) = state.upgrade() else { return };
        let (reply, _) = oneshot::channel();
        let empty = writer::Submission {
            events: Vec::new(),
            lines: Vec::new(),
            reply,
        };
        if state.wake_writer(empty).await.is_err() {
            return;
        }
    }
}

/// Puts back into the store the archived events it lacks (see [`Archive::tail`]); events it
/// holds are skipped by their identity.
fn reindex(store: &mut Store, archive: &Archive, options: &Options) -> Result<u64, ServeError> {
    let tail = archive
        .tail()
        .map_err(|e| ServeError::Reindex(e.to_string()))?;
    let mut events = Vec::new();
    for (n, line) in tail.iter().enumerate() {
        let parsed = envelope::Envelope::parse(line).and_then(|envelope| {
            let source = options
                .destinations
                .iter()
                .find(|d| d.name == envelope.destination)
                .map_or(envelope.destination.as_str(), |d| d.source.as_str());
            glir_events::parse_event(
                envelope.event.get(),
                Some(glir_events::Layout::Stream),
                source,
            )
            .map_err(|e| e.to_string())
        });
        match parsed {
            Ok(event) => events.push(event),
            Err(e) => {
                return Err(ServeError::Reindex(format!(
                    "record {} of the archive's tail is not one glir wrote: {e}",
                    n + 1
                )));
            }
        }
    }
    let stats = store
        .insert_events(&events)
        .map_err(|e| ServeError::Reindex(e.to_string()))?;
    Ok(stats.inserted)
}

fn acceptor(tls: &TlsFiles) -> Result<TlsAcceptor, ServeError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| ServeError::Tls(format!("{}: {e}", tls.cert.display())))?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no certificate in it",
            tls.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key)
        .map_err(|e| ServeError::Tls(format!("{}: {e}", tls.key.display())))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ServeError::Tls(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| ServeError::Tls(format!("{}: {e}", tls.cert.display())))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
