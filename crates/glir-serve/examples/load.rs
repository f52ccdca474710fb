//! Load generator for `glir serve`: posts audit events with unique ids from many connections,
//! one per request (GitLab's single mode) or BATCH per request (its batch mode, a JSON array),
//! at a fixed rate of events or as fast as the receiver answers, and reports what was
//! accepted, the rate and the latency percentiles (from when each request was due).
//!
//! ```sh
//! cargo run --release -p glir-serve --example load -- URL TOKEN_FILE [RATE|max] [SECONDS] [CONNECTIONS] [BATCH]
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: load URL TOKEN_FILE [RATE|max] [SECONDS] [CONNECTIONS] [BATCH]");
        std::process::exit(2);
    }
    let url = args[0].clone();
    let token = std::fs::read_to_string(&args[1])
        .expect("the token file")
        .trim()
        .to_string();
    let rate: Option<f64> = args
        .get(2)
        .filter(|r| *r != "max")
        .map(|r| r.parse().expect("RATE is events per second"));
    let seconds: f64 = args.get(3).map_or(10.0, |s| s.parse().expect("SECONDS"));
    let connections: usize = args.get(4).map_or(64, |s| s.parse().expect("CONNECTIONS"));
    let batch: u64 = args.get(5).map_or(1, |s| s.parse().expect("BATCH"));
    let run = format!("{:x}", std::process::id());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("an HTTP client");
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url, token, run) = (client.clone(), url.clone(), token.clone(), run.clone());
        let (next, errors) = (next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(batch, Ordering::Relaxed);
                // Paced: event n is due at n / rate seconds after the start.
                let due = match rate {
                    Some(rate) => started + Duration::from_secs_f64(n as f64 / rate),
                    None => Instant::now(),
                };
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let answer = client
                    .post(&url)
                    .header("X-Gitlab-Event-Streaming-Token", &token)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body(&run, n, batch))
                    .send()
                    .await;
                match answer {
                    Ok(a) if a.status().is_success() => {
                        // Latency from when the request was due, so a receiver that falls
                        // behind shows it (no coordinated omission).
                        latencies.push(due.elapsed());
                    }
                    _ => {
                        errors.fetch_add(batch, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a load task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let accepted = latencies.len() as u64 * batch;
    println!(
        "{accepted} events accepted ({} requests of {batch}), {} errors in {elapsed:.1} s: {:.0} events/s; request latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        latencies.len(),
        errors.load(Ordering::Relaxed),
        accepted as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
}

/// One event, or a JSON array of `batch` of them.
fn body(run: &str, first: u64, batch: u64) -> String {
    if batch == 1 {
        return event(run, first);
    }
    let events: Vec<String> = (first..first + batch).map(|n| event(run, n)).collect();
    format!("[{}]", events.join(","))
}

/// A `repository_git_operation` event as GitLab streams it, with an id unique to this run.
fn event(run: &str, n: u64) -> String {
    let minute = n / 1000;
    format!(
        r#"{{"id":"{run}-{n}","author_id":{},"entity_id":{},"entity_type":"Project","details":{{"author_name":"user{}","author_class":"User","target_id":{},"target_type":"Project","target_details":"acme/app{}","custom_message":{{"protocol":"http","action":"git-upload-pack"}},"ip_address":"198.51.100.{}","entity_path":"acme/app{}"}},"ip_address":"198.51.100.{}","author_name":"user{}","entity_path":"acme/app{}","target_details":"acme/app{}","created_at":"2026-12-07T{:02}:{:02}:{:02}.{:03}Z","target_type":"Project","target_id":{},"event_type":"repository_git_operation"}}"#,
        n % 50,
        n % 200,
        n % 50,
        n % 200,
        n % 200,
        n % 250,
        n % 200,
        n % 250,
        n % 50,
        n % 200,
        n % 200,
        (minute / 60) % 24,
        minute % 60,
        (n / 16) % 60,
        n % 1000,
        n % 200,
    )
}
