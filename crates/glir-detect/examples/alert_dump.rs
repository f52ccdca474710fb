//! TEMPORARY (perf verification): every alert of a run as JSONL.
use glir_detect::{Detector, load_rules};
use glir_events::parse_event;
use std::io::{BufRead, Write};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (rules, input) = (args.next().unwrap(), args.next().unwrap());
    let pack = load_rules(&[PathBuf::from(rules)], true, &[])?;
    let mut detector = Detector::new(&pack)?;
    let reader = std::io::BufReader::new(std::fs::File::open(input)?);
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in reader.lines() {
        let line = line?;
        let record = line.trim();
        if record.is_empty() {
            continue;
        }
        let event = parse_event(record, None, "bench")?;
        for a in detector.process(&event) {
            writeln!(out, "{}", serde_json::to_string(&a)?)?;
        }
    }
    Ok(())
}
