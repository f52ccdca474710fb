//! What the receiver exposes on `/metrics`, in Prometheus' text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Why a request was refused, as a label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Reason {
    pub(crate) reason: &'static str,
}

/// An alert level, as a label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Level {
    pub(crate) level: String,
}

/// A sink, as a label (its kind and a hash of its target: never a URL).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct SinkLabel {
    pub(crate) sink: String,
}

/// The receiver's counters and histograms; cheap to clone (shared atomics).
#[derive(Clone)]
pub(crate) struct Metrics {
    pub(crate) accepted: Counter,
    pub(crate) duplicates: Counter,
    pub(crate) rejected: Family<Reason, Counter>,
    /// From a batch's first request reaching the writer to its commit.
    pub(crate) commit_seconds: Histogram,
    pub(crate) batch_events: Histogram,
    /// One store transaction of the index thread.
    pub(crate) index_seconds: Histogram,
    /// From a batch's commit to the end of its detection.
    pub(crate) detect_seconds: Histogram,
    /// Events the rules have run on; behind `accepted` while detection catches up.
    pub(crate) detected: Counter,
    pub(crate) alerts: Family<Level, Counter>,
    pub(crate) suppressed: Counter,
    /// Alerts queued for a network sink and not yet taken by it.
    pub(crate) backlog: Family<SinkLabel, Gauge>,
}

impl Metrics {
    pub(crate) fn new() -> (Metrics, Registry) {
        let metrics = Metrics {
            accepted: Counter::default(),
            duplicates: Counter::default(),
            rejected: Family::default(),
            // 0.1 ms to ~3 s.
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            batch_events: Histogram::new(exponential_buckets(1.0, 2.0, 16)),
            index_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            detect_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            detected: Counter::default(),
            alerts: Family::default(),
            suppressed: Counter::default(),
            backlog: Family::default(),
        };
        let mut registry = Registry::with_prefix("glir_serve");
        registry.register(
            "events_accepted",
            "Events stored and archived for the first time",
            metrics.accepted.clone(),
        );
        registry.register(
            "events_duplicate",
            "Events already stored (GitLab may stream an event twice)",
            metrics.duplicates.clone(),
        );
        registry.register(
            "requests_rejected",
            "Requests refused, by reason",
            metrics.rejected.clone(),
        );
        registry.register(
            "commit_seconds",
            "Time to make a batch durable (archive append and fsync)",
            metrics.commit_seconds.clone(),
        );
        registry.register(
            "batch_events",
            "Events per group commit",
            metrics.batch_events.clone(),
        );
        registry.register(
            "index_seconds",
            "Time of one store transaction indexing archived events",
            metrics.index_seconds.clone(),
        );
        registry.register(
            "detect_seconds",
            "Time from a batch's commit to the end of its detection",
            metrics.detect_seconds.clone(),
        );
        registry.register(
            "events_detected",
            "Events the rules have run on (accepted minus this is the detection backlog)",
            metrics.detected.clone(),
        );
        registry.register(
            "alerts",
            "New alerts stored, by level",
            metrics.alerts.clone(),
        );
        registry.register(
            "alerts_suppressed",
            "Alerts stored but not delivered: the same rule about the same actor was delivered within the suppression window",
            metrics.suppressed.clone(),
        );
        registry.register(
            "sink_backlog",
            "Alerts queued on disk for a sink that has not taken them yet",
            metrics.backlog.clone(),
        );
        (metrics, registry)
    }

    pub(crate) fn reject(&self, reason: &'static str) {
        self.rejected.get_or_create(&Reason { reason }).inc();
    }
}
