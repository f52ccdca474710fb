//! A whole file as `glir ingest` reads it: gzip or not, JSON Lines, one object, pretty objects or
//! an array, through the reader thread into a store, from memory instead of a path.
#![no_main]

use glir_ingest::{IngestOptions, ingest_reader};
use glir_store::Store;
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let mut store = Store::open_in_memory().expect("in-memory store");
    let opts = IngestOptions {
        // Several commits per input, so batch boundaries are crossed too.
        batch_size: 2,
        max_reported_errors: 3,
        ..IngestOptions::default()
    };
    let report = ingest_reader(
        &mut store,
        Cursor::new(data.to_vec()),
        Path::new("fuzz.jsonl"),
        Some(data.len() as u64),
        &opts,
        &mut |_| {},
    );
    let Ok(report) = report else {
        return;
    };
    assert_eq!(report.records, report.inserted + report.duplicates);
    let by_layout: u64 = report.layouts.iter().map(|(_, n)| n).sum();
    assert_eq!(by_layout, report.records, "events by layout vs records");
    assert!(report.errors.len() as u64 <= report.malformed);
    assert!(report.errors.len() <= opts.max_reported_errors);
});
