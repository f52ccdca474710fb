//! The reader/writer pipeline: many chunks and commits through the bounded queue.

mod common;

use common::{Case, stream_lines};
use glir_ingest::{IngestOptions, ingest_file};
use glir_store::EventFilter;

#[test]
fn many_small_batches_store_every_event_once_and_leave_no_wal() {
    let mut case = Case::new();
    let n = 2_000;
    let path = case.file("many.jsonl", stream_lines(n));
    let opts = IngestOptions {
        batch_size: 7,
        ..Default::default()
    };
    let report = case.ingest(&path, &opts).expect("ingest");
    assert_eq!((report.records, report.inserted), (n as u64, n as u64));
    let mut ids: Vec<u64> = case
        .store
        .query_events(&EventFilter::default())
        .expect("query")
        .iter()
        .map(|e| e.event_id.parse().expect("numeric id"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..n as u64).collect::<Vec<_>>());
    // Checkpoints come back to the store at the end, which empties the WAL.
    let wal = case.dir.path().join("store/glir.sqlite-wal");
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);

    let again = case.ingest(&path, &opts).expect("re-ingest");
    assert_eq!((again.inserted, again.duplicates), (0, n as u64));
    assert_eq!(case.count(), n as u64);
}

#[test]
fn the_reader_stays_a_bounded_distance_ahead_of_the_writer() {
    let mut case = Case::new();
    let lines = stream_lines(6_000);
    let longest = lines.lines().map(|l| l.len() + 1).max().expect("lines") as u64;
    let path = case.file("long.jsonl", &lines);
    let batch = 50;
    let opts = IngestOptions {
        batch_size: batch,
        ..Default::default()
    };
    // Ahead of what is committed, the reader holds at most the queue, the chunk it fills, the
    // chunk it is sending and the chunk being inserted, plus its 256 KiB read buffer.
    let in_flight = 16 * batch as u64 * longest + 256 * 1024 + 2;
    let mut worst = 0;
    let mut commits = 0;
    ingest_file(&mut case.store, &path, &opts, &mut |p| {
        commits += 1;
        worst = worst.max(p.bytes_read.saturating_sub(p.records * longest));
    })
    .expect("ingest");
    assert_eq!(commits, 6_000 / batch);
    assert!(
        worst <= in_flight,
        "read {worst} bytes past the commits (bound {in_flight})"
    );
    assert!(
        lines.len() as u64 > 4 * in_flight,
        "the file must dwarf the bound"
    );
}
