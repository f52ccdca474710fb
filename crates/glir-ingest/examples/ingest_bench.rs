//! Ingests files into a fresh store and prints throughput, then times the timeline of each
//! `--actor` (limit 100, limit 1000, unlimited) and its count.
//!
//! cargo run --release -p glir-ingest --example ingest_bench -- FILE... [--store PATH] [--batch N] [--actor NAME]...
//!
//! Without --store the store lives in a temporary directory and is deleted at exit. With
//! --store an existing store is reused (give no FILE to only time the queries).

use glir_ingest::{IngestOptions, ingest_file};
use glir_store::{EventFilter, Store};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let mut store_path = None;
    let mut actors = Vec::new();
    let mut batch_size = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--store" => store_path = args.next().map(PathBuf::from),
            "--actor" => actors.extend(args.next()),
            "--batch" => batch_size = args.next().and_then(|n| n.parse().ok()),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let temp = tempfile::tempdir()?;
    let path = store_path.unwrap_or_else(|| temp.path().join("bench.sqlite"));
    let mut store = Store::open(&path)?;
    let defaults = IngestOptions::default();
    let opts = IngestOptions {
        source: "gitlab.example.test".into(),
        batch_size: batch_size.unwrap_or(defaults.batch_size),
        ..defaults
    };
    for file in &files {
        let started = Instant::now();
        let report = ingest_file(&mut store, file, &opts, &mut |_| {})?;
        let secs = started.elapsed().as_secs_f64();
        let bytes = std::fs::metadata(file)?.len() as f64;
        println!(
            "{}: {} records ({} inserted, {} duplicates, {} malformed) in {secs:.2} s = {:.0} events/s, {:.0} MB/s",
            file.display(),
            report.records,
            report.inserted,
            report.duplicates,
            report.malformed,
            report.records as f64 / secs,
            bytes / secs / 1e6,
        );
    }
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    let total = store.count_events(&EventFilter::default())?;
    println!("store: {total} events, {:.0} MB on disk", size as f64 / 1e6);
    for actor in actors {
        for limit in [Some(100), Some(1000), None] {
            let filter = EventFilter {
                actor: Some(actor.clone()),
                limit,
                ..EventFilter::default()
            };
            let started = Instant::now();
            let events = store.query_events(&filter)?;
            let ms = started.elapsed().as_secs_f64() * 1e3;
            println!(
                "timeline {actor:?} limit {limit:?}: {} events in {ms:.1} ms",
                events.len()
            );
        }
        let started = Instant::now();
        let n = store.count_events(&EventFilter {
            actor: Some(actor.clone()),
            ..EventFilter::default()
        })?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        println!("count {actor:?}: {n} in {ms:.1} ms");
    }
    Ok(())
}
