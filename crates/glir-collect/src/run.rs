//! One collection run: windows, pages, atomic commits of events plus resume point.

use crate::checkpoint::{Checkpoint, RunState, checkpoint_key};
use crate::window::WindowPolicy;
use glir_events::{AuditEvent, Layout};
use glir_gitlab::{AuditEventJson, AuditScope, Client, PageRequest};
use glir_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::sync::atomic::{AtomicBool, Ordering};

/// Re-read this much before the last complete point: GitLab writes some events a little after
/// their `created_at`, and re-fetched events are deduplicated anyway.
const INCREMENTAL_OVERLAP: SignedDuration = SignedDuration::from_mins(10);
/// How far back a scope's first collection reaches when no `--since` is given.
const DEFAULT_LOOKBACK: SignedDuration = SignedDuration::from_hours(30 * 24);

#[derive(Debug, Clone)]
pub struct CollectRequest {
    pub scope: AuditScope,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub per_page: u32,
    pub windows: WindowPolicy,
}

impl CollectRequest {
    pub fn new(scope: AuditScope) -> Self {
        CollectRequest {
            scope,
            since: None,
            until: None,
            per_page: 100,
            windows: WindowPolicy::default(),
        }
    }
}

/// Reported after every committed page.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub pages: u64,
    pub fetched: u64,
    pub inserted: u64,
    pub window_start: Option<Timestamp>,
    pub window_end: Option<Timestamp>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CollectSummary {
    pub scope: String,
    pub source: String,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The run continued an earlier, interrupted one.
    pub resumed: bool,
    /// Stopped on request before the end; the next run resumes.
    pub interrupted: bool,
    pub windows: u64,
    pub pages: u64,
    pub fetched: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub oldest: Option<Timestamp>,
    pub newest: Option<Timestamp>,
    /// HTTP requests this run made, retries included.
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    /// Whether the token sees every event of the scope.
    pub coverage: crate::Coverage,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    // The cause is in the message, not the error chain: a chain would print it twice.
    #[error("collecting {scope} audit events: {error}")]
    Api {
        scope: String,
        error: Box<glir_gitlab::Error>,
    },
    #[error("store: {0}")]
    Store(#[from] glir_store::StoreError),
    #[error(
        "GitLab returned an audit event glir cannot read (item {position} of its page): {reason}"
    )]
    BadEvent { position: usize, reason: String },
    #[error("the checkpoint for {key} is unreadable ({reason}); remove it with a fresh --since")]
    BadCheckpoint { key: String, reason: String },
    #[error("--since {since} is not before --until {until}")]
    EmptyRange { since: Timestamp, until: Timestamp },
}

impl CollectError {
    /// GitLab refused this token the scope (403 or 404): a matter of access, not a fault.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, CollectError::Api { error, .. } if error.is_access_denied())
    }
}

/// Collect one scope's audit events into `store`, resuming an interrupted run if there is one.
/// `stop` is polled between pages (Ctrl-C sets it); the work done so far is kept.
pub async fn collect_audit_events(
    client: &Client,
    store: &mut Store,
    req: &CollectRequest,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<CollectSummary, CollectError> {
    let stats_before = client.stats();
    let source = client.host();
    let key = checkpoint_key(&source, &req.scope);
    let mut checkpoint = load_checkpoint(store, &key)?;
    let (mut state, resumed) = start_or_resume(&checkpoint, req);

    let mut summary = CollectSummary {
        scope: req.scope.to_string(),
        source: source.clone(),
        since: state.since,
        until: state.until,
        resumed,
        interrupted: false,
        windows: 0,
        pages: 0,
        fetched: 0,
        inserted: 0,
        duplicates: 0,
        oldest: None,
        newest: None,
        requests: 0,
        retries: 0,
        rate_limited: 0,
        coverage: crate::audit_coverage(client, &req.scope).await,
    };
    let mut shown = Progress {
        since: Some(state.since),
        until: Some(state.until),
        ..Progress::default()
    };

    while state.window_start < state.until {
        if stop.load(Ordering::SeqCst) {
            summary.interrupted = true;
            break;
        }
        let page_req = client.audit_events(
            &req.scope,
            Some(state.window_start),
            Some(state.window_end),
            req.per_page,
        );
        let page = fetch_page(client, &page_req, state.next_page.as_deref(), &req.scope).await?;
        let events = to_events(&page.items, &source)?;
        for e in &events {
            summary.oldest = Some(summary.oldest.map_or(e.created_at, |t| t.min(e.created_at)));
            summary.newest = Some(summary.newest.map_or(e.created_at, |t| t.max(e.created_at)));
        }

        state.window_events += events.len() as u64;
        state.next_page = page.next;
        let run_finished = state.next_page.is_none() && advance_window(&mut state, &req.windows);
        if state.next_page.is_none() {
            summary.windows += 1;
        }
        checkpoint.run = (!run_finished).then(|| state.clone());
        if run_finished {
            checkpoint.complete_until = Some(
                checkpoint
                    .complete_until
                    .map_or(state.until, |t| t.max(state.until)),
            );
        }
        let value = serde_json::to_value(&checkpoint).expect("checkpoint serializes");
        let stats = store.insert_events_with_checkpoint(&events, &key, &value)?;

        summary.pages += 1;
        summary.fetched += events.len() as u64;
        summary.inserted += stats.inserted;
        summary.duplicates += stats.duplicates;
        shown.pages = summary.pages;
        shown.fetched = summary.fetched;
        shown.inserted = summary.inserted;
        shown.window_start = Some(state.window_start);
        shown.window_end = Some(state.window_end);
        progress(&shown);
        if run_finished {
            break;
        }
    }
    let stats = client.stats();
    summary.requests = stats.requests - stats_before.requests;
    summary.retries = stats.retries - stats_before.retries;
    summary.rate_limited = stats.rate_limited - stats_before.rate_limited;
    Ok(summary)
}

fn load_checkpoint(store: &Store, key: &str) -> Result<Checkpoint, CollectError> {
    match store.checkpoint(key)? {
        None => Ok(Checkpoint::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| CollectError::BadCheckpoint {
            key: key.to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Resume the unfinished run when the request is compatible with it; otherwise plan a new one.
fn start_or_resume(checkpoint: &Checkpoint, req: &CollectRequest) -> (RunState, bool) {
    if let Some(run) = &checkpoint.run {
        let same_since = req.since.is_none_or(|s| s == run.since);
        let same_until = req.until.is_none_or(|u| u == run.until);
        if same_since && same_until {
            return (run.clone(), true);
        }
    }
    let until = req.until.unwrap_or_else(Timestamp::now);
    let since = req
        .since
        .unwrap_or_else(|| match checkpoint.complete_until {
            Some(done) => done.saturating_sub(INCREMENTAL_OVERLAP).expect("in range"),
            None => until.saturating_sub(DEFAULT_LOOKBACK).expect("in range"),
        });
    let span = req.windows.initial;
    let state = RunState {
        since,
        until,
        window_start: since,
        window_end: req.windows.window_end(since, span, until),
        span_secs: span.as_secs(),
        next_page: None,
        window_events: 0,
    };
    (state, false)
}

/// Move to the next window; returns true when the whole run is done.
fn advance_window(state: &mut RunState, policy: &WindowPolicy) -> bool {
    if state.window_end >= state.until {
        state.window_start = state.until;
        return true;
    }
    let span = policy.next_span(
        SignedDuration::from_secs(state.span_secs),
        state.window_events,
    );
    state.span_secs = span.as_secs();
    state.window_start = state.window_end;
    state.window_end = policy.window_end(state.window_start, span, state.until);
    state.window_events = 0;
    false
}

async fn fetch_page(
    client: &Client,
    req: &PageRequest,
    cursor: Option<&str>,
    scope: &AuditScope,
) -> Result<glir_gitlab::Page<AuditEventJson>, CollectError> {
    client
        .get_page(req, cursor)
        .await
        .map_err(|error| CollectError::Api {
            scope: scope.to_string(),
            error: Box::new(error),
        })
}

/// GitLab's exact JSON text becomes the event's raw record.
fn to_events(items: &[AuditEventJson], source: &str) -> Result<Vec<AuditEvent>, CollectError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            glir_events::parse_event(item.get(), Some(Layout::Rest), source).map_err(|e| {
                CollectError::BadEvent {
                    position: i + 1,
                    reason: e.to_string(),
                }
            })
        })
        .collect()
}
