//! Read + parse + match throughput of a rule pack over a JSONL file of streamed events.
//!
//! `cargo run --release -p glir-detect --example throughput -- rules/gitlab events.jsonl [STAGE]`
//!
//! STAGE stops the loop early to split the cost: `read` (lines only), `parse` (lines parsed
//! into canonical events), `detect` (the default: parse and evaluate the pack).

use glir_detect::{Detector, load_rules};
use glir_events::EventBatch;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Read,
    Parse,
    Detect,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(rules), Some(input)) = (args.next(), args.next()) else {
        return Err("usage: throughput RULE_DIR EVENTS.jsonl [read|parse|detect]".into());
    };
    let stage = match args.next().as_deref() {
        None | Some("detect") => Stage::Detect,
        Some("parse") => Stage::Parse,
        Some("read") => Stage::Read,
        Some(other) => return Err(format!("unknown stage {other:?}").into()),
    };
    let pack = load_rules(&[PathBuf::from(rules)], true, &[])?;
    let mut detector = Detector::new(&pack)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(input)?);
    let start = Instant::now();
    let (mut lines, mut alerts) = (0u64, 0usize);
    // One reused buffer: `lines()` would allocate a String per record.
    let mut line = String::new();
    let mut batch = EventBatch::new();
    while reader.read_line(&mut line)? != 0 {
        let record = line.trim();
        if !record.is_empty() {
            lines += 1;
            if stage != Stage::Read {
                // Layout detected per record, as glir detect does for files.
                batch.clear();
                batch.push_record(record, None, "bench")?;
                if stage == Stage::Detect {
                    alerts += detector.process_ref(batch.get(0).expect("pushed")).len();
                }
            }
        }
        line.clear();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} rules, {lines} events, {alerts} alerts, {secs:.2} s, {:.0} events/s",
        pack.rules.len(),
        lines as f64 / secs
    );
    Ok(())
}
