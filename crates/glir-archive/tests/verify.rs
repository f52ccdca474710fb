//! Every kind of change `verify` promises to catch, each on a fresh archive of four sealed
//! segments (three records each) and an open one (two records).

mod common;

use common::*;
use glir_archive::{ManifestEntry, OpenSegment, Problem, verify};
use std::path::Path;

fn archive(dir: &Path) {
    let mut archive = open(dir);
    for seg in 0..4 {
        append_synced(&mut archive, seg * 3..seg * 3 + 3);
        archive.seal().unwrap().unwrap();
    }
    append_synced(&mut archive, 12..14);
}

fn seg(seq: u64) -> String {
    format!("segment-{seq:08}.jsonl.gz")
}

fn set_manifest(dir: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write_file(&dir.join("manifest.jsonl"), text.as_bytes());
}

#[test]
fn an_untouched_archive_verifies_and_reports_its_open_segment() {
    let tmp = tempfile::tempdir().unwrap();
    archive(tmp.path());
    let report = verify(tmp.path()).unwrap();
    assert_eq!(report.problems, []);
    assert!(report.is_ok());
    assert_eq!((report.segments, report.records), (4, 12));
    assert_eq!(
        report.open,
        [OpenSegment {
            file: "open-00000005.jsonl".into(),
            records: 2,
            bytes: records(12..14).iter().map(|r| r.len() as u64 + 1).sum(),
            torn_bytes: 0,
            already_sealed: false,
        }]
    );
    assert_eq!(
        report.open[0].to_string(),
        "open-00000005.jsonl: open, not yet sealed (2 records)"
    );
    assert!(report.unfinished.is_empty());
}

#[test]
fn an_edited_segment_byte_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let path = dir.join(seg(2));
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    write_file(&path, &bytes);
    let expected = manifest_entries(dir)[1].sha256.clone();
    let found = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [Problem::SegmentChanged {
            file: seg(2),
            expected,
            found,
        }]
    );
    assert_eq!(report.problems[0].file(), seg(2));
    assert!(!report.is_ok());
}

#[test]
fn a_segment_rewritten_with_other_records_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    // Valid gzip, plausible records: only the hash can tell.
    let mut forged = Vec::new();
    for r in records(100..103) {
        forged.extend(r);
        forged.push(b'\n');
    }
    write_file(&dir.join(seg(3)), &gzip(&forged));
    let report = verify(dir).unwrap();
    assert!(
        matches!(report.problems.as_slice(), [Problem::SegmentChanged { file, .. }] if *file == seg(3)),
        "{:?}",
        report.problems
    );
    assert_eq!(
        report.records, 9,
        "the changed segment's records are not counted"
    );
}

#[test]
fn a_removed_segment_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    std::fs::remove_file(dir.join(seg(3))).unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, [Problem::SegmentMissing { file: seg(3) }]);
    assert_eq!(
        report.problems[0].to_string(),
        "segment-00000003.jsonl.gz: listed in the manifest but missing"
    );
    assert_eq!(report.segments, 3);
}

#[test]
fn an_extra_segment_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    std::fs::copy(dir.join(seg(2)), dir.join(seg(9))).unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, [Problem::SegmentUnlisted { file: seg(9) }]);
}

#[test]
fn an_extra_segment_next_in_line_without_an_open_file_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    std::fs::remove_file(dir.join("open-00000005.jsonl")).unwrap();
    std::fs::copy(dir.join(seg(2)), dir.join(seg(5))).unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, [Problem::SegmentUnlisted { file: seg(5) }]);
}

#[test]
fn an_edited_manifest_field_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut lines = manifest_lines(dir);
    assert!(lines[1].contains("\"records\":3,"));
    lines[1] = lines[1].replace("\"records\":3,", "\"records\":2,");
    set_manifest(dir, &lines);
    let report = verify(dir).unwrap();
    let bytes = manifest_entries(dir)[1].bytes_uncompressed;
    assert_eq!(
        report.problems,
        [
            Problem::EntryEdited { line: 2, seq: 2 },
            Problem::SegmentContentMismatch {
                file: seg(2),
                records: 3,
                expected_records: 2,
                bytes,
                expected_bytes: bytes,
            },
        ]
    );
    assert_eq!(report.problems[0].file(), "manifest.jsonl");
}

#[test]
fn an_edited_manifest_line_with_its_hash_recomputed_breaks_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut entries = manifest_entries(dir);
    entries[1].sealed_at = "2020-01-01T00:00:00.000Z".into();
    entries[1].hash = entries[1].computed_hash().unwrap();
    let lines: Vec<String> = entries
        .iter()
        .map(|e| e.canonical_line().unwrap())
        .collect();
    set_manifest(dir, &lines);
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, [Problem::BrokenChain { line: 3, seq: 3 }]);
}

#[test]
fn reordered_manifest_lines_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut lines = manifest_lines(dir);
    lines.swap(1, 2);
    set_manifest(dir, &lines);
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [
            Problem::BrokenChain { line: 2, seq: 3 },
            Problem::SequenceGap {
                line: 2,
                expected: 2,
                found: 3
            },
            Problem::BrokenChain { line: 3, seq: 2 },
            Problem::SequenceGap {
                line: 3,
                expected: 4,
                found: 2
            },
            Problem::BrokenChain { line: 4, seq: 4 },
            Problem::SequenceGap {
                line: 4,
                expected: 3,
                found: 4
            },
        ]
    );
}

#[test]
fn a_manifest_line_removed_in_the_middle_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut lines = manifest_lines(dir);
    lines.remove(1);
    set_manifest(dir, &lines);
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [
            Problem::BrokenChain { line: 2, seq: 3 },
            Problem::SequenceGap {
                line: 2,
                expected: 2,
                found: 3
            },
            Problem::SegmentUnlisted { file: seg(2) },
        ]
    );
}

#[test]
fn a_manifest_line_removed_with_its_segment_is_still_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut lines = manifest_lines(dir);
    lines.remove(1);
    set_manifest(dir, &lines);
    std::fs::remove_file(dir.join(seg(2))).unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [
            Problem::BrokenChain { line: 2, seq: 3 },
            Problem::SequenceGap {
                line: 2,
                expected: 2,
                found: 3
            },
        ]
    );
}

#[test]
fn a_line_that_is_not_an_entry_or_not_as_written_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let mut lines = manifest_lines(dir);
    lines[0] = lines[0].replacen(",", ", ", 1);
    lines[2] = lines[2].replacen("{", "{\"note\":\"ok\",", 1);
    set_manifest(dir, &lines);
    let report = verify(dir).unwrap();
    assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
    assert_eq!(
        report.problems[0],
        Problem::EntryNotCanonical { line: 1, seq: 1 }
    );
    assert!(
        matches!(&report.problems[1], Problem::ManifestUnreadable { line: 3, reason } if reason.contains("note")),
        "{:?}",
        report.problems
    );
    // Its segment is listed by no line that can be read.
    assert_eq!(
        report.problems[2],
        Problem::SegmentUnlisted { file: seg(3) }
    );
}

#[test]
fn a_manifest_line_pointing_outside_the_archive_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    archive(&dir);
    std::fs::write(tmp.path().join("outside.gz"), gzip(b"x\n")).unwrap();
    let mut entries: Vec<ManifestEntry> = manifest_entries(&dir);
    entries[3].file = "../outside.gz".into();
    entries[3].hash = entries[3].computed_hash().unwrap();
    let lines: Vec<String> = entries
        .iter()
        .map(|e| e.canonical_line().unwrap())
        .collect();
    set_manifest(&dir, &lines);
    let report = verify(&dir).unwrap();
    assert_eq!(
        report.problems,
        [
            Problem::WrongFileName {
                line: 4,
                seq: 4,
                file: "../outside.gz".into()
            },
            Problem::SegmentUnlisted { file: seg(4) },
        ]
    );
}

#[test]
fn a_seal_in_progress_is_unfinished_not_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    let open_bytes = std::fs::read(dir.join("open-00000005.jsonl")).unwrap();
    std::fs::write(dir.join(seg(5)), gzip(&open_bytes)).unwrap();
    let mut text = std::fs::read(dir.join("manifest.jsonl")).unwrap();
    text.extend_from_slice(b"{\"seq\":5,");
    write_file(&dir.join("manifest.jsonl"), &text);
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, []);
    assert_eq!(report.unfinished, ["manifest.jsonl".to_string(), seg(5)]);
}

#[test]
fn an_open_segment_out_of_sequence_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    std::fs::rename(
        dir.join("open-00000005.jsonl"),
        dir.join("open-00000007.jsonl"),
    )
    .unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [Problem::OpenOutOfSequence {
            file: "open-00000007.jsonl".into(),
            expected_seq: 5
        }]
    );
}

#[test]
fn segments_waiting_for_the_sealer_are_unfinished_not_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    // Segment 5 rotated out and being sealed (compressed, its line half written), 6 waiting
    // behind it, 7 open.
    let five = std::fs::read(dir.join("open-00000005.jsonl")).unwrap();
    std::fs::rename(
        dir.join("open-00000005.jsonl"),
        dir.join("sealing-00000005.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join(seg(5)), gzip(&five)).unwrap();
    let mut text = std::fs::read(dir.join("manifest.jsonl")).unwrap();
    text.extend_from_slice(b"{\"seq\":5,");
    write_file(&dir.join("manifest.jsonl"), &text);
    std::fs::write(dir.join("sealing-00000006.jsonl"), b"{\"id\":14}\n").unwrap();
    std::fs::write(dir.join("open-00000007.jsonl"), b"{\"id\":15}\n").unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(report.problems, []);
    assert_eq!(
        report.unfinished,
        [
            "manifest.jsonl".to_string(),
            seg(5),
            "sealing-00000005.jsonl".into(),
            "sealing-00000006.jsonl".into()
        ]
    );
    assert_eq!(report.open.len(), 1);
    assert_eq!(report.open[0].file, "open-00000007.jsonl");
    assert_eq!((report.segments, report.records), (4, 12));
}

#[test]
fn an_open_segment_older_than_one_waiting_for_the_sealer_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    archive(dir);
    std::fs::write(dir.join("sealing-00000006.jsonl"), b"{\"id\":14}\n").unwrap();
    let report = verify(dir).unwrap();
    assert_eq!(
        report.problems,
        [Problem::OpenOutOfSequence {
            file: "open-00000005.jsonl".into(),
            expected_seq: 7
        }]
    );
    assert_eq!(report.unfinished, ["sealing-00000006.jsonl"]);
}
