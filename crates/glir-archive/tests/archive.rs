//! The writer in normal operation: what is durable when, sealing, rotation and the lock.

mod common;

use common::*;
use glir_archive::{Archive, ArchiveError, ArchiveOptions, GENESIS, SealedSegment, verify};
use sha2::{Digest, Sha256};
use std::time::Duration;

#[test]
fn records_round_trip_through_sync_reopen_and_seal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let mut archive = open(&dir);
    append_synced(&mut archive, 0..3);
    append(&mut archive, 3..5);
    append_synced(&mut archive, 5..8);
    assert!(archive.recovered().is_clean());
    drop(archive);
    assert_eq!(records_in(&dir), records(0..8));
    assert_eq!(names_in(&dir), ["archive.lock", "open-00000001.jsonl"]);

    let mut archive = open(&dir);
    assert!(archive.recovered().is_clean(), "{}", archive.recovered());
    append_synced(&mut archive, 8..10);
    let sealed = archive.seal().unwrap().unwrap();
    let expected: Vec<u8> = records(0..10)
        .into_iter()
        .flat_map(|mut r| {
            r.push(b'\n');
            r
        })
        .collect();
    let gz = dir.join("segment-00000001.jsonl.gz");
    let gz_bytes = std::fs::read(&gz).unwrap();
    assert_eq!(
        sealed,
        SealedSegment {
            seq: 1,
            path: gz.clone(),
            sha256: hex::encode(Sha256::digest(&gz_bytes)),
            records: 10,
            bytes_uncompressed: expected.len() as u64,
            bytes_compressed: gz_bytes.len() as u64,
            sealed_at: sealed.sealed_at.clone(),
        }
    );
    assert_eq!(gunzip(&gz), expected);
    assert_eq!(
        names_in(&dir),
        [
            "archive.lock",
            "manifest.jsonl",
            "segment-00000001.jsonl.gz"
        ]
    );
    let entries = manifest_entries(&dir);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].seq, 1);
    assert_eq!(entries[0].file, "segment-00000001.jsonl.gz");
    assert_eq!(entries[0].sha256, sealed.sha256);
    assert_eq!(entries[0].records, 10);
    assert_eq!(entries[0].bytes_uncompressed, expected.len() as u64);
    assert_eq!(entries[0].prev, GENESIS);
    assert_eq!(entries[0].hash, entries[0].computed_hash().unwrap());
    assert!(
        entries[0].sealed_at.parse::<jiff::Timestamp>().is_ok(),
        "{}",
        entries[0].sealed_at
    );
    assert_eq!(
        manifest_lines(&dir)[0],
        entries[0].canonical_line().unwrap()
    );
    assert!(
        manifest_lines(&dir)[0]
            .starts_with("{\"seq\":1,\"file\":\"segment-00000001.jsonl.gz\",\"sha256\":")
    );
    assert!(manifest_lines(&dir)[0].ends_with(&format!(",\"hash\":\"{}\"}}", entries[0].hash)));

    let report = verify(&dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!((report.segments, report.records), (1, 10));
    assert!(report.open.is_empty());
}

#[test]
fn appended_records_are_not_durable_until_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = open(tmp.path());
    append_synced(&mut archive, 0..2);
    append(&mut archive, 2..5);
    assert_eq!(
        archive.open_bytes(),
        records(0..5)
            .iter()
            .map(|r| r.len() as u64 + 1)
            .sum::<u64>()
    );
    drop(archive);
    assert_eq!(records_in(tmp.path()), records(0..2));
}

#[test]
fn a_record_with_a_newline_refuses_the_whole_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = open(tmp.path());
    let err = archive
        .append(&[b"{\"id\":1}", b"{\"id\":\n2}", b"{\"id\":3}"])
        .unwrap_err();
    assert!(
        matches!(err, ArchiveError::RecordHasNewline { index: 1, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("record 1 of the batch contains a newline")
    );
    // The archive stays usable and holds nothing of the refused batch.
    append_synced(&mut archive, 0..1);
    drop(archive);
    assert_eq!(records_in(tmp.path()), records(0..1));
}

#[test]
fn rotation_by_size_seals_each_segment_once_it_reaches_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Fixed-size records (100 bytes with the newline) so the boundaries are known.
    let rec = |i: u64| format!("{{\"id\":{i:05},\"pad\":\"{}\"}}", "y".repeat(78)).into_bytes();
    assert_eq!(rec(0).len(), 99);
    let mut archive = Archive::open(dir, opts(1000)).unwrap();
    let mut rotated = Vec::new();
    for i in 0..35 {
        archive.append(&[&rec(i)]).unwrap();
        archive.sync().unwrap();
        if let Some(seq) = archive.maybe_rotate().unwrap() {
            rotated.push((i, seq));
        }
    }
    assert_eq!(rotated, [(9, 1), (19, 2), (29, 3)]);
    archive.wait_for_seals().unwrap();
    assert_eq!(archive.last_sealed(), 3);
    assert!(archive.pending_seals().is_empty());
    assert_eq!(archive.open_bytes(), 500);
    drop(archive);
    let entries = manifest_entries(dir);
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(
        entries
            .iter()
            .all(|e| (e.records, e.bytes_uncompressed) == (10, 1000))
    );
    assert_eq!(entries[1].prev, entries[0].hash);
    assert_eq!(entries[2].prev, entries[1].hash);
    let all: Vec<Vec<u8>> = (0..35).map(rec).collect();
    assert_eq!(records_in(dir), all);
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!((report.segments, report.records), (3, 30));
    assert_eq!(report.open.len(), 1);
    assert_eq!(report.open[0].file, "open-00000004.jsonl");
    assert_eq!(report.open[0].records, 5);
}

#[test]
fn rotation_by_age_seals_a_quiet_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(
        tmp.path(),
        ArchiveOptions {
            segment_max_bytes: 1 << 30,
            segment_max_age: Some(Duration::from_millis(300)),
        },
    )
    .unwrap();
    assert_eq!(archive.maybe_rotate().unwrap(), None);
    append_synced(&mut archive, 0..3);
    assert_eq!(archive.maybe_rotate().unwrap(), None);
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(archive.maybe_rotate().unwrap(), Some(1));
    assert_eq!(archive.maybe_rotate().unwrap(), None);
    archive.wait_for_seals().unwrap();
    let entries = manifest_entries(tmp.path());
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.seq, e.records))
            .collect::<Vec<_>>(),
        [(1, 3)]
    );
}

#[test]
fn sealing_an_empty_archive_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = open(tmp.path());
    assert_eq!(archive.seal().unwrap(), None);
    archive.sync().unwrap();
    assert_eq!(archive.seal().unwrap(), None);
    assert_eq!(names_in(tmp.path()), ["archive.lock"]);
}

#[test]
fn sealed_segments_and_the_manifest_are_read_only_and_the_chain_continues_after_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..4);
    archive.seal().unwrap().unwrap();
    drop(archive);
    let mut archive = open(dir);
    append(&mut archive, 4..9);
    // `seal` syncs what was only appended.
    let second = archive.seal().unwrap().unwrap();
    assert_eq!((second.seq, second.records), (2, 5));
    drop(archive);
    for name in [
        "manifest.jsonl",
        "segment-00000001.jsonl.gz",
        "segment-00000002.jsonl.gz",
    ] {
        assert!(is_readonly(&dir.join(name)), "{name} is writable");
    }
    let entries = manifest_entries(dir);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].prev, entries[0].hash);
    assert_eq!(records_in(dir), records(0..9));
    assert!(verify(dir).unwrap().is_ok());
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let first = open(tmp.path());
    let err = Archive::open(tmp.path(), ArchiveOptions::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("archive.lock"), "{err}");
    drop(first);
    Archive::open(tmp.path(), ArchiveOptions::default()).unwrap();
}

#[test]
fn the_tail_is_the_last_sealed_segment_then_the_synced_open_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), ArchiveOptions::default()).unwrap();
    assert!(archive.tail().unwrap().is_empty());
    archive.append(&[b"a1", b"a2"]).unwrap();
    archive.sync().unwrap();
    archive.seal().unwrap();
    archive.append(&[b"b1"]).unwrap();
    archive.sync().unwrap();
    archive.seal().unwrap();
    archive.append(&[b"c1", b"c2"]).unwrap();
    archive.sync().unwrap();
    archive.append(&[b"not synced"]).unwrap();
    let tail = archive.tail().unwrap();
    assert_eq!(tail, [b"b1".to_vec(), b"c1".to_vec(), b"c2".to_vec()]);
}
