//! Recovery from every state a kill can leave, each built directly on disk, then the same with a
//! real writer process killed (SIGKILL) at random moments. Each test counts records: all synced
//! ones present, none twice, in order.

mod common;

use common::*;
use glir_archive::{Archive, ArchiveError, GENESIS, Recovery, verify};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

/// The kill test's `spawn` gives the child a copy of every open descriptor until its `exec`
/// closes them, the lock of an archive another test just dropped included, and for that moment
/// the archive is locked to a reopen. So the other tests hold this (shared) while they run and
/// the kill test takes it (exclusively) around each `spawn`.
static SPAWNING: RwLock<()> = RwLock::new(());

fn no_spawn_meanwhile() -> RwLockReadGuard<'static, ()> {
    SPAWNING.read().unwrap_or_else(PoisonError::into_inner)
}

/// Lines of `records(range)`, as the open segment holds them.
fn lines(range: std::ops::Range<u64>) -> Vec<u8> {
    records(range)
        .into_iter()
        .flat_map(|mut r| {
            r.push(b'\n');
            r
        })
        .collect()
}

/// Segment 1 sealed with records 0..4; `open-00000002.jsonl` synced with 4..9.
fn one_sealed_one_open(dir: &Path) {
    let mut archive = open(dir);
    append_synced(&mut archive, 0..4);
    archive.seal().unwrap().unwrap();
    append_synced(&mut archive, 4..9);
}

/// After recovery the archive must keep working: append, seal, verify.
fn still_appends_and_verifies(dir: &Path, next: u64) {
    let mut archive = open(dir);
    assert!(archive.recovered().is_clean(), "{}", archive.recovered());
    append_synced(&mut archive, next..next + 2);
    archive.seal().unwrap().unwrap();
    drop(archive);
    assert_eq!(records_in(dir), records(0..next + 2));
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(report.unfinished.is_empty(), "{:?}", report.unfinished);
}

#[test]
fn a_torn_last_record_is_cut_and_appending_continues_after_it() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let open_path = dir.join("open-00000002.jsonl");
    let mut bytes = std::fs::read(&open_path).unwrap();
    bytes.extend_from_slice(b"{\"id\":9,\"event_na");
    std::fs::write(&open_path, &bytes).unwrap();
    assert_eq!(verify(dir).unwrap().open[0].torn_bytes, 17);

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            bytes_cut: 17,
            cut_from: Some(open_path.clone()),
            ..Recovery::default()
        }
    );
    drop(archive);
    assert_eq!(std::fs::read(&open_path).unwrap(), lines(4..9));
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

#[test]
fn an_open_segment_holding_only_a_torn_record_is_removed() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..3);
    archive.seal().unwrap().unwrap();
    drop(archive);
    let open_path = dir.join("open-00000002.jsonl");
    std::fs::write(&open_path, b"{\"id\":3,").unwrap();
    let archive = open(dir);
    assert_eq!(archive.recovered().bytes_cut, 8);
    assert_eq!(
        archive.recovered().empty_open_removed,
        Some(open_path.clone())
    );
    drop(archive);
    assert!(!open_path.exists());
    still_appends_and_verifies(dir, 3);
}

/// Segment 1 sealed with records 0..4, segment 2 rotated out with 4..9 and waiting for the
/// sealer as `sealing-00000002.jsonl`, `open-00000003.jsonl` synced with 9..12: what a kill right
/// after a rotation leaves, before the sealer got to segment 2.
fn one_sealed_one_waiting_one_open(dir: &Path) {
    one_sealed_one_open(dir);
    std::fs::rename(
        dir.join("open-00000002.jsonl"),
        dir.join("sealing-00000002.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("open-00000003.jsonl"), lines(9..12)).unwrap();
}

/// Segments 1 and 2 sealed (0..4, 4..9), with `sealing-00000002.jsonl` back as it was when its
/// manifest line became durable, and `open-00000003.jsonl` with 9..12.
fn two_sealed_the_second_not_yet_removed(dir: &Path) {
    one_sealed_one_open(dir);
    let mut archive = open(dir);
    archive.seal().unwrap().unwrap();
    drop(archive);
    std::fs::write(dir.join("sealing-00000002.jsonl"), lines(4..9)).unwrap();
    std::fs::write(dir.join("open-00000003.jsonl"), lines(9..12)).unwrap();
}

/// Recovery refused with an error naming `path`, and left every file as it was.
fn refused_untouched(dir: &Path, path: &str, says: &str) {
    let before = contents(dir);
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    match &err {
        ArchiveError::Recovery {
            path: named,
            reason,
        } => {
            assert_eq!(named, &dir.join(path), "{err}");
            assert!(reason.contains(says), "{err}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        contents(dir),
        before,
        "recovery changed files before refusing"
    );
}

fn half_written_temp(path: &Path, records: std::ops::Range<u64>) {
    let gz = gzip(&lines(records));
    std::fs::write(path, &gz[..gz.len() / 2]).unwrap();
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(path, perms).unwrap();
}

#[test]
fn killed_after_a_rotation_the_waiting_segment_is_sealed_and_the_open_one_stays_open() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.unfinished, ["sealing-00000002.jsonl"]);
    assert_eq!(report.open[0].file, "open-00000003.jsonl");

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_sealed: vec![2],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 2);
    drop(archive);
    assert_eq!(
        names_in(dir),
        [
            "archive.lock",
            "manifest.jsonl",
            "open-00000003.jsonl",
            "segment-00000001.jsonl.gz",
            "segment-00000002.jsonl.gz"
        ]
    );
    assert_eq!(gunzip(&dir.join("segment-00000002.jsonl.gz")), lines(4..9));
    assert!(is_readonly(&dir.join("segment-00000002.jsonl.gz")));
    let entries = manifest_entries(dir);
    assert_eq!((entries[1].seq, entries[1].records), (2, 5));
    assert_eq!(entries[1].prev, entries[0].hash);
    assert_eq!(
        std::fs::read(dir.join("open-00000003.jsonl")).unwrap(),
        lines(9..12)
    );
    assert_eq!(records_in(dir), records(0..12));
    still_appends_and_verifies(dir, 12);
}

#[test]
fn several_waiting_segments_are_sealed_in_order_and_chained() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("sealing-00000004.jsonl"), lines(12..13)).unwrap();
    std::fs::write(dir.join("open-00000005.jsonl"), lines(13..20)).unwrap();
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        report.unfinished,
        [
            "sealing-00000002.jsonl",
            "sealing-00000003.jsonl",
            "sealing-00000004.jsonl"
        ]
    );

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_sealed: vec![2, 3, 4],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 4);
    drop(archive);
    let entries = manifest_entries(dir);
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.seq, e.records))
            .collect::<Vec<_>>(),
        [(1, 4), (2, 5), (3, 3), (4, 1)]
    );
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev, pair[0].hash);
    }
    assert_eq!(records_in(dir), records(0..20));
    assert!(!names_in(dir).iter().any(|n| n.starts_with("sealing-")));
    still_appends_and_verifies(dir, 20);
}

#[test]
fn killed_while_compressing_the_temp_file_is_removed_and_the_waiting_segment_sealed() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    // Half a compressed file under the temp name, already read-only as sealing leaves it.
    let temp = dir.join("segment-00000002.jsonl.gz.tmp");
    half_written_temp(&temp, 4..9);
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        report.unfinished,
        ["sealing-00000002.jsonl", "segment-00000002.jsonl.gz.tmp"]
    );

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            temp_files_removed: vec![temp.clone()],
            segments_sealed: vec![2],
            ..Recovery::default()
        }
    );
    drop(archive);
    assert!(!temp.exists());
    assert_eq!(gunzip(&dir.join("segment-00000002.jsonl.gz")), lines(4..9));
    assert_eq!(manifest_lines(dir).len(), 2);
    assert_eq!(records_in(dir), records(0..12));
    still_appends_and_verifies(dir, 12);
}

#[test]
fn killed_after_the_rename_the_segment_gets_its_manifest_line() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    // Segment 3 waits behind segment 2: it is sealed after 2 gets its line.
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("open-00000004.jsonl"), lines(12..14)).unwrap();
    let gz_path = dir.join("segment-00000002.jsonl.gz");
    let gz = gzip(&lines(4..9));
    std::fs::write(&gz_path, &gz).unwrap();
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        report.unfinished,
        [
            "segment-00000002.jsonl.gz",
            "sealing-00000002.jsonl",
            "sealing-00000003.jsonl"
        ]
    );

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            segments_sealed: vec![3],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 3);
    drop(archive);
    assert!(!dir.join("sealing-00000002.jsonl").exists());
    let entries = manifest_entries(dir);
    assert_eq!(entries.len(), 3);
    assert_eq!((entries[1].seq, entries[1].records), (2, 5));
    assert_eq!(entries[1].bytes_uncompressed, lines(4..9).len() as u64);
    assert_eq!(
        entries[1].sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&gz))
    );
    assert_eq!(entries[1].prev, entries[0].hash);
    assert_eq!(entries[2].prev, entries[1].hash);
    assert_eq!(
        std::fs::read(&gz_path).unwrap(),
        gz,
        "the segment is kept as it was"
    );
    assert!(is_readonly(&dir.join("manifest.jsonl")));
    assert_eq!(records_in(dir), records(0..14));
    still_appends_and_verifies(dir, 14);
}

#[test]
fn killed_after_the_rename_of_the_first_segment_links_it_to_genesis() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..6);
    drop(archive);
    std::fs::rename(
        dir.join("open-00000001.jsonl"),
        dir.join("sealing-00000001.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("segment-00000001.jsonl.gz"), gzip(&lines(0..6))).unwrap();
    let archive = open(dir);
    assert_eq!(archive.recovered().segments_finished, [1]);
    drop(archive);
    let entries = manifest_entries(dir);
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].seq, entries[0].records), (1, 6));
    assert_eq!(entries[0].prev, GENESIS);
    assert_eq!(
        names_in(dir),
        [
            "archive.lock",
            "manifest.jsonl",
            "segment-00000001.jsonl.gz"
        ]
    );
    still_appends_and_verifies(dir, 6);
}

#[test]
fn killed_while_appending_the_manifest_line_the_partial_line_is_cut_and_written_again() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..9))).unwrap();
    let manifest = dir.join("manifest.jsonl");
    let mut text = std::fs::read(&manifest).unwrap();
    let partial = b"{\"seq\":2,\"file\":\"segment-00000002.jso";
    text.extend_from_slice(partial);
    write_file(&manifest, &text);
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(report.unfinished.contains(&"manifest.jsonl".to_string()));

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            manifest_bytes_cut: partial.len() as u64,
            ..Recovery::default()
        }
    );
    drop(archive);
    let entries = manifest_entries(dir);
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(entries[1].prev, entries[0].hash);
    assert!(is_readonly(&manifest));
    assert_eq!(records_in(dir), records(0..12));
    still_appends_and_verifies(dir, 12);
}

#[test]
fn killed_before_the_sealing_file_was_removed_it_is_removed_and_nothing_counts_twice() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_sealed_the_second_not_yet_removed(dir);
    assert_eq!(
        records_in(dir).len(),
        17,
        "the leftover holds 5 records a second time"
    );
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.unfinished, ["sealing-00000002.jsonl"]);

    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 2);
    drop(archive);
    assert!(!dir.join("sealing-00000002.jsonl").exists());
    assert_eq!(manifest_lines(dir).len(), 2);
    assert_eq!(records_in(dir), records(0..12));
    still_appends_and_verifies(dir, 12);
}

#[test]
fn killed_before_the_sealing_file_was_removed_with_more_waiting_they_are_sealed_after() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_sealed_the_second_not_yet_removed(dir);
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            segments_sealed: vec![3],
            ..Recovery::default()
        }
    );
    drop(archive);
    assert_eq!(
        manifest_entries(dir)
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(records_in(dir), records(0..12));
    still_appends_and_verifies(dir, 12);
}

/// An archive written before sealing moved to a thread, which compressed `open-N` itself.
#[test]
fn killed_while_compressing_the_temp_file_is_removed_and_the_segment_stays_open() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let temp = dir.join("segment-00000002.jsonl.gz.tmp");
    half_written_temp(&temp, 4..9);
    assert_eq!(
        verify(dir).unwrap().unfinished,
        ["segment-00000002.jsonl.gz.tmp"]
    );
    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            temp_files_removed: vec![temp.clone()],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 1);
    drop(archive);
    assert!(!temp.exists());
    assert_eq!(
        std::fs::read(dir.join("open-00000002.jsonl")).unwrap(),
        lines(4..9)
    );
    assert_eq!(manifest_lines(dir).len(), 1);
    still_appends_and_verifies(dir, 9);
    assert_eq!(manifest_entries(dir)[1].records, 7);
}

/// An archive written before sealing moved to a thread: `open-N` beside its compressed segment.
#[test]
fn an_older_archive_killed_after_the_rename_of_its_open_segment_is_finished() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..9))).unwrap();
    let manifest = dir.join("manifest.jsonl");
    let mut text = std::fs::read(&manifest).unwrap();
    text.extend_from_slice(b"{\"seq\":2,");
    write_file(&manifest, &text);
    assert!(verify(dir).unwrap().is_ok());
    let archive = open(dir);
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            manifest_bytes_cut: 9,
            ..Recovery::default()
        }
    );
    drop(archive);
    assert!(!dir.join("open-00000002.jsonl").exists());
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

/// An archive written before sealing moved to a thread, which removed `open-N` itself.
#[test]
fn killed_before_the_open_file_was_removed_it_is_removed_and_nothing_counts_twice() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let mut archive = open(dir);
    archive.seal().unwrap().unwrap();
    drop(archive);
    let open_path = dir.join("open-00000002.jsonl");
    std::fs::write(&open_path, lines(4..9)).unwrap();
    assert_eq!(
        records_in(dir).len(),
        14,
        "the leftover holds 5 records a second time"
    );
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(report.open[0].already_sealed);
    let archive = open(dir);
    assert_eq!(archive.recovered().segments_finished, [2]);
    drop(archive);
    assert!(!open_path.exists());
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

#[test]
fn a_leftover_sealing_file_that_differs_from_its_sealed_segment_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_sealed_the_second_not_yet_removed(dir);
    // One record more than segment 2 holds: removing this file would lose it.
    std::fs::write(dir.join("sealing-00000002.jsonl"), lines(4..10)).unwrap();
    refused_untouched(dir, "segment-00000002.jsonl.gz", "sealing-00000002.jsonl");
}

#[test]
fn a_compressed_segment_that_differs_from_its_waiting_file_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..8))).unwrap();
    refused_untouched(dir, "segment-00000002.jsonl.gz", "sealing-00000002.jsonl");
}

#[test]
fn a_sealed_segment_with_neither_manifest_line_nor_plain_file_stops_recovery() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..4);
    archive.seal().unwrap().unwrap();
    drop(archive);
    // Sealing never leaves this: the plain file goes only after the manifest line is durable.
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..6))).unwrap();
    refused_untouched(dir, "segment-00000002.jsonl.gz", "not in the manifest");
}

#[test]
fn a_compressed_segment_beyond_the_one_being_sealed_stops_recovery() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    // Segment 3 compressed while 2 was not: the sealer goes in order.
    std::fs::write(dir.join("segment-00000003.jsonl.gz"), gzip(&lines(9..12))).unwrap();
    refused_untouched(dir, "segment-00000003.jsonl.gz", "not in the manifest");
}

#[test]
fn a_torn_manifest_with_no_seal_under_way_stops_recovery() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Segment 2 waits but was never compressed, so no line for it was being written.
    one_sealed_one_waiting_one_open(dir);
    let manifest = dir.join("manifest.jsonl");
    let mut text = std::fs::read(&manifest).unwrap();
    text.extend_from_slice(b"{\"seq\":2,");
    write_file(&manifest, &text);
    refused_untouched(dir, "manifest.jsonl", "incomplete line");
}

#[test]
fn a_gap_among_waiting_segments_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::rename(
        dir.join("sealing-00000002.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("open-00000004.jsonl"),
    )
    .unwrap();
    refused_untouched(dir, "sealing-00000003.jsonl", "segment 2 before it");
}

#[test]
fn an_open_segment_older_than_a_waiting_one_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    std::fs::write(dir.join("sealing-00000003.jsonl"), lines(9..12)).unwrap();
    refused_untouched(
        dir,
        "open-00000002.jsonl",
        "only the newest segment is ever open",
    );
}

#[test]
fn an_open_and_a_sealing_file_of_one_segment_stop_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    std::fs::write(dir.join("sealing-00000002.jsonl"), lines(4..9)).unwrap();
    refused_untouched(
        dir,
        "open-00000002.jsonl",
        "sealing-00000002.jsonl exists too",
    );
}

#[test]
fn a_waiting_segment_ending_in_part_of_a_record_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    let mut bytes = lines(4..9);
    bytes.extend_from_slice(b"{\"id\":9,");
    std::fs::write(dir.join("sealing-00000002.jsonl"), bytes).unwrap();
    refused_untouched(dir, "sealing-00000002.jsonl", "incomplete record");
}

#[test]
fn an_empty_waiting_segment_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::write(dir.join("sealing-00000002.jsonl"), b"").unwrap();
    refused_untouched(dir, "sealing-00000002.jsonl", "holds no record");
}

#[test]
fn a_sealing_file_left_behind_a_later_manifest_line_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_sealed_the_second_not_yet_removed(dir);
    // Segment 1's plain file back: it was removed before segment 2 was sealed.
    std::fs::write(dir.join("sealing-00000001.jsonl"), lines(0..4)).unwrap();
    refused_untouched(dir, "sealing-00000001.jsonl", "removed before the next one");
}

#[test]
fn a_temp_file_of_a_segment_not_being_sealed_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_waiting_one_open(dir);
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    // Segment 3's compression started while segment 2 still waited.
    half_written_temp(&dir.join("segment-00000003.jsonl.gz.tmp"), 9..12);
    refused_untouched(
        dir,
        "segment-00000003.jsonl.gz.tmp",
        "not the one being sealed",
    );
}

#[test]
fn a_listed_segment_left_beside_the_next_ones_compressed_file_stops_recovery_untouched() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_sealed_the_second_not_yet_removed(dir);
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("segment-00000003.jsonl.gz"), gzip(&lines(9..12))).unwrap();
    refused_untouched(
        dir,
        "sealing-00000002.jsonl",
        "finishes one segment before the next",
    );
}

#[test]
fn a_failed_seal_refuses_every_write_until_the_archive_is_opened_again() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..5);
    // A file already at the sealed name stops the seal after the temp file was written, made
    // read-only and fsynced, and is not replaced.
    let blocker = dir.join("segment-00000001.jsonl.gz");
    std::fs::write(&blocker, b"someone else's file").unwrap();
    let err = archive.seal().unwrap_err();
    match &err {
        ArchiveError::SealFailed { file, source } => {
            assert_eq!(*file, dir.join("sealing-00000001.jsonl"));
            assert!(
                matches!(&**source, ArchiveError::Inconsistent { path, .. } if *path == blocker),
                "{err}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("sealing-00000001.jsonl"), "{err}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"someone else's file");
    for err in [
        archive.append(&[b"{}"]).unwrap_err(),
        archive.sync().unwrap_err(),
        archive.seal().unwrap_err(),
        archive.maybe_rotate().unwrap_err(),
        archive.wait_for_seals().unwrap_err(),
    ] {
        assert!(matches!(err, ArchiveError::Poisoned { .. }), "{err}");
    }
    drop(archive);
    std::fs::remove_file(&blocker).unwrap();

    let archive = open(dir);
    let temp = dir.join("segment-00000001.jsonl.gz.tmp");
    assert_eq!(
        *archive.recovered(),
        Recovery {
            temp_files_removed: vec![temp.clone()],
            segments_sealed: vec![1],
            ..Recovery::default()
        }
    );
    drop(archive);
    assert!(!temp.exists());
    assert_eq!(records_in(dir), records(0..5));
    still_appends_and_verifies(dir, 5);
}

#[test]
fn a_background_seal_that_fails_is_reported_by_the_next_append_naming_the_file() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = Archive::open(dir, opts(1)).unwrap();
    let blocker = dir.join("segment-00000001.jsonl.gz");
    std::fs::write(&blocker, b"someone else's file").unwrap();
    append_synced(&mut archive, 0..3);
    // The rotation itself succeeds: the failure comes later, on the sealer's thread.
    assert_eq!(archive.maybe_rotate().unwrap(), Some(1));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let err = loop {
        match archive.append(&[b"{}"]) {
            Ok(()) => {
                assert!(std::time::Instant::now() < deadline, "never reported");
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(err) => break err,
        }
    };
    assert!(
        matches!(&err, ArchiveError::SealFailed { file, .. } if *file == dir.join("sealing-00000001.jsonl")),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("sealing-00000001.jsonl"), "{text}");
    assert!(text.contains("segment-00000001.jsonl.gz"), "{text}");
    assert!(matches!(
        archive.sync().unwrap_err(),
        ArchiveError::Poisoned { .. }
    ));
    drop(archive);
    std::fs::remove_file(&blocker).unwrap();
    let archive = open(dir);
    assert_eq!(archive.recovered().segments_sealed, [1]);
    drop(archive);
    assert_eq!(records_in(dir), records(0..3));
}

#[test]
fn a_manifest_out_of_sequence_stops_recovery_before_a_sealed_segment_could_be_replaced() {
    let _no_spawn = no_spawn_meanwhile();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    for s in 0..3 {
        append_synced(&mut archive, s * 2..s * 2 + 2);
        archive.seal().unwrap().unwrap();
    }
    drop(archive);
    let mut lines = manifest_lines(dir);
    lines.swap(1, 2);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write_file(&dir.join("manifest.jsonl"), text.as_bytes());
    let segment_3 = std::fs::read(dir.join("segment-00000003.jsonl.gz")).unwrap();
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Manifest { line: 2, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("segment 3 where 2 was expected"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.join("segment-00000003.jsonl.gz")).unwrap(),
        segment_3
    );
}

const KILL_TEST_SEGMENT_BYTES: u64 = 700;

/// The writer the kill test runs in a child process (this test binary, started again with
/// `CHILD_DIR` set). Without it set this returns at once: it is an entry point, not a test.
#[test]
fn child_writer_for_the_kill_test() {
    let Ok(dir) = std::env::var("GLIR_ARCHIVE_CHILD_DIR") else {
        return;
    };
    let mut next: u64 = std::env::var("GLIR_ARCHIVE_CHILD_START")
        .unwrap()
        .parse()
        .unwrap();
    // Small segments: a rotation every few batches, so kills land with segments waiting for
    // the sealer and in every step of sealing one.
    let mut archive = Archive::open(Path::new(&dir), opts(KILL_TEST_SEGMENT_BYTES)).unwrap();
    loop {
        let n = next % 13 + 1;
        append(&mut archive, next..next + n);
        archive.sync().unwrap();
        next += n;
        // Acknowledged only now, as the receiver would answer 2xx.
        println!("acked {next}");
        archive.maybe_rotate().unwrap();
    }
}

#[test]
fn a_writer_killed_at_random_moments_loses_no_synced_record_and_repeats_none() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("archive");
    let child_log = tmp.path().join("child.stderr");
    let exe = std::env::current_exe().unwrap();
    let mut present = 0u64;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut recoveries = Vec::new();
    // Rounds whose kill left segments waiting for the sealer (`sealing-*`), and how many.
    let mut waiting_at_kill = Vec::new();
    for round in 0..40 {
        let spawning = SPAWNING.write().unwrap_or_else(PoisonError::into_inner);
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_writer_for_the_kill_test",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("GLIR_ARCHIVE_CHILD_DIR", dir)
            .env("GLIR_ARCHIVE_CHILD_START", present.to_string())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&child_log).unwrap())
            .spawn()
            .unwrap();
        drop(spawning);
        let acked = Arc::new(AtomicU64::new(0));
        let stdout = child.stdout.take().unwrap();
        let seen = Arc::clone(&acked);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("acked ") {
                    seen.store(n.parse().unwrap(), Ordering::SeqCst);
                }
            }
        });
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(Duration::from_millis(15 + (seed >> 33) % 60));
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "round {round}: the writer stopped by itself ({status}): {}",
                std::fs::read_to_string(&child_log).unwrap()
            );
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let acked = acked.load(Ordering::SeqCst);
        let waiting = names_in(dir)
            .iter()
            .filter(|n| n.starts_with("sealing-"))
            .count();
        if waiting > 0 {
            waiting_at_kill.push((round, waiting));
        }

        let archive = open(dir);
        recoveries.push(archive.recovered().clone());
        drop(archive);
        let found = records_in(dir);
        let count = found.len() as u64;
        assert!(
            count >= acked,
            "round {round}: {acked} acknowledged, {count} present"
        );
        // In order, none missing, none twice (a written but unacknowledged tail may remain).
        assert!(
            found == records(0..count),
            "round {round}: records out of order or repeated"
        );
        let report = verify(dir).unwrap();
        assert!(report.is_ok(), "round {round}: {:?}", report.problems);
        assert!(report.unfinished.is_empty());
        present = count;
    }
    let sealed = manifest_lines(dir).len();
    assert!(present > 100, "only {present} records written");
    assert!(sealed >= 20, "only {sealed} segments sealed");
    // Kills must have struck with rotated segments not yet sealed, or the new recovery paths
    // went untested.
    assert!(
        !waiting_at_kill.is_empty(),
        "no kill left a segment waiting for the sealer"
    );
    println!("rounds killed with segments waiting (round, how many): {waiting_at_kill:?}");
    // Not asserted (timing decides), but shown with --nocapture: what the kills hit.
    for r in recoveries.iter().filter(|r| !r.is_clean()) {
        println!("recovered: {r}");
    }
}
