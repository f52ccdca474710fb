//! Idempotent re-ingest, interrupted ingests, progress, and I/O errors.

mod common;

use common::{Case, gzip, stream_lines};
use glir_ingest::{IngestError, IngestOptions, Progress, ingest_file, ingest_reader};
use std::io::{self, Read};
use std::path::Path;

#[test]
fn re_ingesting_a_file_only_counts_duplicates() {
    let mut case = Case::new();
    let path = case.file("events.jsonl", stream_lines(40));
    let opts = IngestOptions {
        batch_size: 16,
        ..IngestOptions::default()
    };
    let first = case.ingest(&path, &opts).expect("first");
    assert_eq!((first.inserted, first.duplicates), (40, 0));
    let second = case.ingest(&path, &opts).expect("second");
    assert_eq!(
        (second.records, second.inserted, second.duplicates),
        (40, 0, 40)
    );
    assert_eq!(case.count(), 40);
}

/// One GitLab event is one event whichever source delivered it (issue 14).
#[test]
fn the_same_events_under_another_source_are_not_stored_twice() {
    let mut case = Case::new();
    let path = case.file("events.jsonl", stream_lines(5));
    case.ingest(&path, &IngestOptions::default())
        .expect("first");
    let other = IngestOptions {
        source: "other.example.test".into(),
        ..IngestOptions::default()
    };
    let report = case.ingest(&path, &other).expect("second");
    assert_eq!((report.inserted, report.duplicates), (0, 5));
    assert_eq!(case.count(), 5);
}

/// Yields `limit` bytes of `data`, then fails like a disk or network error mid-file.
struct FailingAfter {
    data: Vec<u8>,
    pos: usize,
    limit: usize,
}

impl Read for FailingAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.limit {
            return Err(io::Error::other("injected failure"));
        }
        let n = buf.len().min(self.limit - self.pos).min(4096);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn an_error_mid_file_leaves_only_whole_batches() {
    let mut case = Case::new();
    let data = stream_lines(100).into_bytes();
    let line_len = data.iter().position(|&b| b == b'\n').expect("newline") + 1;
    // Fail in the middle of record 57: records 1-56 were read, batches of 25 committed twice.
    let limit = line_len * 56 + line_len / 2;
    let reader = FailingAfter {
        data,
        pos: 0,
        limit,
    };
    let opts = IngestOptions {
        batch_size: 25,
        ..IngestOptions::default()
    };
    let err = ingest_reader(
        &mut case.store,
        reader,
        Path::new("feed.jsonl"),
        None,
        &opts,
        &mut |_| {},
    )
    .expect_err("must fail");
    assert!(matches!(err, IngestError::Io { .. }));
    assert_eq!(err.to_string(), "cannot read feed.jsonl: injected failure");
    assert_eq!(case.count(), 50);
    // Resuming with the complete file stores the rest and skips what was kept.
    let path = case.file("feed.jsonl", stream_lines(100));
    let report = case.ingest(&path, &opts).expect("resume");
    assert_eq!((report.inserted, report.duplicates), (50, 50));
}

#[test]
fn a_truncated_gzip_file_yields_what_decompressed_and_says_where_it_broke() {
    let mut case = Case::new();
    let mut bytes = gzip(stream_lines(3000).as_bytes());
    let cut = bytes.len() * 2 / 3;
    bytes.truncate(cut);
    let path = case.file("cut.jsonl.gz", bytes);
    let opts = IngestOptions {
        batch_size: 500,
        ..IngestOptions::default()
    };
    let report = case.ingest(&path, &opts).expect("salvaged");
    let why = report.truncated.as_deref().expect("the break is reported");
    assert!(why.contains(&format!("after byte {cut}")), "{why}");
    let stored = case.count();
    // Every record that decompressed whole, not only whole batches.
    assert!(stored > 1000 && stored < 3000, "stored {stored}");
    assert_eq!(report.inserted, stored);
}

#[test]
fn progress_is_reported_after_each_batch() {
    let mut case = Case::new();
    let path = case.file("events.jsonl", stream_lines(95));
    let size = std::fs::metadata(&path).expect("metadata").len();
    let opts = IngestOptions {
        batch_size: 30,
        ..IngestOptions::default()
    };
    let mut seen: Vec<Progress> = Vec::new();
    ingest_file(&mut case.store, &path, &opts, &mut |p| seen.push(p.clone())).expect("ingest");
    let records: Vec<u64> = seen.iter().map(|p| p.records).collect();
    assert_eq!(records, [30, 60, 90, 95]);
    assert!(
        seen.iter()
            .all(|p| p.total_bytes == Some(size) && p.bytes_read <= size)
    );
    assert_eq!(seen.last().map(|p| p.bytes_read), Some(size));
}

#[test]
fn a_missing_file_is_named_in_the_error() {
    let mut case = Case::new();
    let path = case.dir.path().join("nope.jsonl");
    let err = case
        .ingest(&path, &IngestOptions::default())
        .expect_err("missing");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", path.display())),
        "{err}"
    );
}
