//! Recovery from every state a kill can leave, each built directly on disk, then the same with a
//! real writer process killed (SIGKILL) at random moments. Each test counts records: all synced
//! ones present, none twice, in order.

mod common;

use common::*;
use glir_archive::{Archive, ArchiveError, GENESIS, Recovery, verify};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

#[test]
fn killed_while_compressing_the_temp_file_is_removed_and_the_segment_stays_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    // Half a compressed file under the temp name, already read-only as sealing leaves it.
    let temp = dir.join("segment-00000002.jsonl.gz.tmp");
    let gz = gzip(&lines(4..9));
    std::fs::write(&temp, &gz[..gz.len() / 2]).unwrap();
    let mut perms = std::fs::metadata(&temp).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&temp, perms).unwrap();
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
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
    assert_eq!(manifest_entries(dir)[1].records, 7);
}

#[test]
fn killed_after_the_rename_the_segment_gets_its_manifest_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let gz_path = dir.join("segment-00000002.jsonl.gz");
    let gz = gzip(&lines(4..9));
    std::fs::write(&gz_path, &gz).unwrap();
    let report = verify(dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.unfinished, ["segment-00000002.jsonl.gz"]);

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
    assert!(!dir.join("open-00000002.jsonl").exists());
    let entries = manifest_entries(dir);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].seq, 2);
    assert_eq!(entries[1].records, 5);
    assert_eq!(entries[1].bytes_uncompressed, lines(4..9).len() as u64);
    assert_eq!(
        entries[1].sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&gz))
    );
    assert_eq!(entries[1].prev, entries[0].hash);
    assert_eq!(
        std::fs::read(&gz_path).unwrap(),
        gz,
        "the segment is kept as it was"
    );
    assert!(is_readonly(&dir.join("manifest.jsonl")));
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

#[test]
fn killed_after_the_rename_of_the_first_segment_links_it_to_genesis() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..6);
    drop(archive);
    std::fs::write(dir.join("segment-00000001.jsonl.gz"), gzip(&lines(0..6))).unwrap();
    let archive = open(dir);
    assert_eq!(archive.recovered().segments_finished, [1]);
    drop(archive);
    let entries = manifest_entries(dir);
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].seq, entries[0].records), (1, 6));
    assert_eq!(entries[0].prev, GENESIS);
    still_appends_and_verifies(dir, 6);
}

#[test]
fn killed_while_appending_the_manifest_line_the_partial_line_is_cut_and_written_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..9))).unwrap();
    let manifest = dir.join("manifest.jsonl");
    let mut text = std::fs::read(&manifest).unwrap();
    let partial = b"{\"seq\":2,\"file\":\"segment-00000002.jso";
    text.extend_from_slice(partial);
    write_file(&manifest, &text);
    assert!(verify(dir).unwrap().is_ok());

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
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

#[test]
fn killed_before_the_open_file_was_removed_it_is_removed_and_nothing_counts_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let mut archive = open(dir);
    archive.seal().unwrap().unwrap();
    drop(archive);
    // The open file back as it was when its manifest line became durable.
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
    assert_eq!(
        *archive.recovered(),
        Recovery {
            segments_finished: vec![2],
            ..Recovery::default()
        }
    );
    assert_eq!(archive.last_sealed(), 2);
    drop(archive);
    assert!(!open_path.exists());
    assert_eq!(manifest_lines(dir).len(), 2);
    assert_eq!(records_in(dir), records(0..9));
    still_appends_and_verifies(dir, 9);
}

#[test]
fn a_leftover_open_file_that_differs_from_its_sealed_segment_stops_recovery_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let mut archive = open(dir);
    archive.seal().unwrap().unwrap();
    drop(archive);
    // One record more than segment 2 holds: removing this file would lose it.
    std::fs::write(dir.join("open-00000002.jsonl"), lines(4..10)).unwrap();
    let before = names_in(dir);
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    match &err {
        ArchiveError::Recovery { path, reason } => {
            assert_eq!(path, &dir.join("segment-00000002.jsonl.gz"));
            assert!(reason.contains("open-00000002.jsonl"), "{reason}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(names_in(dir), before);
    assert_eq!(
        std::fs::read(dir.join("open-00000002.jsonl")).unwrap(),
        lines(4..10)
    );
}

#[test]
fn a_compressed_segment_that_differs_from_its_open_file_stops_recovery_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..8))).unwrap();
    let manifest_before = std::fs::read(dir.join("manifest.jsonl")).unwrap();
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Recovery { path, .. } if path == &dir.join("segment-00000002.jsonl.gz")),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.join("manifest.jsonl")).unwrap(),
        manifest_before
    );
    assert_eq!(records_in(dir), records(0..9));
}

#[test]
fn a_sealed_segment_with_neither_manifest_line_nor_open_file_stops_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..4);
    archive.seal().unwrap().unwrap();
    drop(archive);
    // Sealing never leaves this: the open file goes only after the manifest line is durable.
    std::fs::write(dir.join("segment-00000002.jsonl.gz"), gzip(&lines(4..6))).unwrap();
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Recovery { path, .. } if path == &dir.join("segment-00000002.jsonl.gz")),
        "{err}"
    );
    assert!(err.to_string().contains("not in the manifest"), "{err}");
    assert_eq!(manifest_lines(dir).len(), 1);
}

#[test]
fn a_torn_manifest_with_no_seal_under_way_stops_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    one_sealed_one_open(dir);
    let manifest = dir.join("manifest.jsonl");
    let mut text = std::fs::read(&manifest).unwrap();
    // Part of a line for segment 2, which was never compressed: not a kill during sealing.
    text.extend_from_slice(b"{\"seq\":2,");
    write_file(&manifest, &text);
    let err = Archive::open(dir, opts(1 << 20)).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Recovery { path, .. } if path == &manifest),
        "{err}"
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), text);
}

#[test]
fn a_failed_seal_refuses_every_write_until_the_archive_is_opened_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut archive = open(dir);
    append_synced(&mut archive, 0..5);
    // A file already at the sealed name stops the seal after the temp file was written, made
    // read-only and fsynced, and is not replaced.
    let blocker = dir.join("segment-00000001.jsonl.gz");
    std::fs::write(&blocker, b"someone else's file").unwrap();
    let err = archive.seal().unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Inconsistent { path, .. } if *path == blocker),
        "{err}"
    );
    assert_eq!(std::fs::read(&blocker).unwrap(), b"someone else's file");
    for err in [
        archive.append(&[b"{}"]).unwrap_err(),
        archive.sync().unwrap_err(),
        archive.seal().unwrap_err(),
        archive.maybe_rotate().unwrap_err(),
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
            ..Recovery::default()
        }
    );
    drop(archive);
    assert!(!temp.exists());
    assert_eq!(records_in(dir), records(0..5));
    still_appends_and_verifies(dir, 5);
}

#[test]
fn a_manifest_out_of_sequence_stops_recovery_before_a_sealed_segment_could_be_replaced() {
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
    let mut archive = Archive::open(Path::new(&dir), opts(3000)).unwrap();
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
    for round in 0..40 {
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
    assert!(sealed >= 5, "only {sealed} segments sealed");
    // Not asserted (timing decides), but shown with --nocapture: what the kills hit.
    for r in recoveries.iter().filter(|r| !r.is_clean()) {
        println!("recovered: {r}");
    }
}
