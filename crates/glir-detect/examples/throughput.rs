//! Read + parse + match throughput of a rule pack over a JSONL file of streamed events.
//!
//! `cargo run --release -p glir-detect --example throughput -- rules/gitlab events.jsonl`

use glir_detect::{Detector, load_rules};
use glir_events::parse_event;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(rules), Some(input)) = (args.next(), args.next()) else {
        return Err("usage: throughput RULE_DIR EVENTS.jsonl".into());
    };
    let pack = load_rules(&[PathBuf::from(rules)], true, &[])?;
    let mut detector = Detector::new(&pack)?;
    let reader = std::io::BufReader::new(std::fs::File::open(input)?);
    let start = Instant::now();
    let mut alerts = 0usize;
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        // Layout detected per record, as glir detect does for files.
        let event = parse_event(&line, None, "bench")?;
        alerts += detector.process(&event).len();
    }
    let secs = start.elapsed().as_secs_f64();
    let summary = detector.finish();
    println!(
        "{} rules, {} events, {alerts} alerts, {secs:.2} s, {:.0} events/s",
        pack.rules.len(),
        summary.events,
        summary.events as f64 / secs
    );
    Ok(())
}
