//! `mirror`: a write-once second copy. Copies once, never overwrites, only extends the manifest.

mod common;

use common::*;
use glir_archive::{Archive, ArchiveError, MirrorStats, mirror, verify};
use std::path::Path;

fn seg(seq: u64) -> String {
    format!("segment-{seq:08}.jsonl.gz")
}

/// An archive with `segments` sealed segments of three records each, left open for more.
fn sealed(dir: &Path, segments: u64) -> Archive {
    let mut archive = open(dir);
    for s in 0..segments {
        append_synced(&mut archive, s * 3..s * 3 + 3);
        archive.seal().unwrap().unwrap();
    }
    archive
}

#[test]
fn mirror_copies_each_sealed_segment_once_read_only_and_extends_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    let mut archive = sealed(&dir, 2);
    append_synced(&mut archive, 6..8); // open, not mirrored

    let stats = mirror(&dir, &dest).unwrap();
    assert_eq!(
        stats,
        MirrorStats {
            copied: 2,
            already_present: 0,
            manifest_lines_added: 2
        }
    );
    assert_eq!(names_in(&dest), ["manifest.jsonl", &seg(1), &seg(2)]);
    for name in ["manifest.jsonl", &seg(1), &seg(2)] {
        assert_eq!(
            std::fs::read(dest.join(name)).unwrap(),
            std::fs::read(dir.join(name)).unwrap(),
            "{name}"
        );
        assert!(is_readonly(&dest.join(name)), "{name}");
    }

    let again = mirror(&dir, &dest).unwrap();
    assert_eq!(
        again,
        MirrorStats {
            copied: 0,
            already_present: 2,
            manifest_lines_added: 0
        }
    );

    archive.seal().unwrap().unwrap();
    let extended = mirror(&dir, &dest).unwrap();
    assert_eq!(
        extended,
        MirrorStats {
            copied: 1,
            already_present: 2,
            manifest_lines_added: 1
        }
    );
    assert_eq!(
        std::fs::read(dest.join("manifest.jsonl")).unwrap(),
        std::fs::read(dir.join("manifest.jsonl")).unwrap()
    );
    assert!(is_readonly(&dest.join("manifest.jsonl")));
    // The mirror is an archive in its own right.
    let report = verify(&dest).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!((report.segments, report.records), (3, 8));
    assert_eq!(records_in(&dest), records(0..8));
}

#[test]
fn mirror_refuses_to_overwrite_a_copy_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    let archive = sealed(&dir, 2);
    drop(archive);
    mirror(&dir, &dest).unwrap();
    let copy = dest.join(seg(1));
    write_file(&copy, b"not the sealed segment");
    let manifest_before = std::fs::read(dest.join("manifest.jsonl")).unwrap();

    let err = mirror(&dir, &dest).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::MirrorConflict { path } if *path == copy),
        "{err}"
    );
    assert!(err.to_string().contains(&seg(1)), "{err}");
    assert_eq!(std::fs::read(&copy).unwrap(), b"not the sealed segment");
    assert_eq!(
        std::fs::read(dest.join("manifest.jsonl")).unwrap(),
        manifest_before
    );
}

#[test]
fn mirror_refuses_to_spread_a_segment_changed_in_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    drop(sealed(&dir, 2));
    let changed = dir.join(seg(2));
    let mut bytes = std::fs::read(&changed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    write_file(&changed, &bytes);

    let err = mirror(&dir, &dest).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::SourceChanged { path, .. } if *path == changed),
        "{err}"
    );
    // Segment 1 went first and is fine; segment 2 and the manifest were not written.
    assert_eq!(names_in(&dest), [seg(1)]);
}

#[test]
fn mirror_refuses_a_manifest_that_diverged_from_its_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    let mut archive = sealed(&dir, 2);
    mirror(&dir, &dest).unwrap();
    append_synced(&mut archive, 6..9);
    archive.seal().unwrap().unwrap();
    drop(archive);
    let manifest = dir.join("manifest.jsonl");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let rewritten = text.replacen("\"sealed_at\":\"", "\"sealed_at\":\"1", 1);
    assert_ne!(rewritten, text);
    write_file(&manifest, rewritten.as_bytes());
    let before = std::fs::read(dest.join("manifest.jsonl")).unwrap();

    let err = mirror(&dir, &dest).unwrap_err();
    match &err {
        ArchiveError::MirrorManifestDiverged { path, reason } => {
            assert_eq!(*path, dest.join("manifest.jsonl"));
            assert_eq!(reason, "line 1 differs from the archive's line 1");
        }
        other => panic!("{other}"),
    }
    assert_eq!(std::fs::read(dest.join("manifest.jsonl")).unwrap(), before);
}

#[test]
fn mirror_refuses_an_archive_manifest_shorter_than_its_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    drop(sealed(&dir, 2));
    mirror(&dir, &dest).unwrap();
    let lines = manifest_lines(&dir);
    write_file(
        &dir.join("manifest.jsonl"),
        format!("{}\n", lines[0]).as_bytes(),
    );
    let err = mirror(&dir, &dest).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::MirrorManifestDiverged { reason, .. }
            if reason == "holds 2 lines, the archive's manifest only 1"),
        "{err}"
    );
    assert_eq!(manifest_lines(&dest).len(), 2);
}

#[test]
fn mirror_completes_a_manifest_line_an_interrupted_mirror_cut_short() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    drop(sealed(&dir, 2));
    mirror(&dir, &dest).unwrap();
    let full = std::fs::read(dir.join("manifest.jsonl")).unwrap();
    write_file(&dest.join("manifest.jsonl"), &full[..full.len() - 20]);
    let stats = mirror(&dir, &dest).unwrap();
    assert_eq!(stats.manifest_lines_added, 1);
    assert_eq!(std::fs::read(dest.join("manifest.jsonl")).unwrap(), full);
    assert!(is_readonly(&dest.join("manifest.jsonl")));
}

#[test]
fn mirror_copies_only_sealed_segments_not_those_waiting_for_the_sealer() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest) = (tmp.path().join("archive"), tmp.path().join("mirror"));
    let mut archive = sealed(&dir, 2);
    append_synced(&mut archive, 6..9);
    drop(archive);
    // Segment 3 rotated out, compressed, its manifest line not yet written.
    let three = std::fs::read(dir.join("open-00000003.jsonl")).unwrap();
    std::fs::rename(
        dir.join("open-00000003.jsonl"),
        dir.join("sealing-00000003.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join(seg(3)), gzip(&three)).unwrap();
    std::fs::write(dir.join("sealing-00000004.jsonl"), b"{\"id\":9}\n").unwrap();

    let stats = mirror(&dir, &dest).unwrap();
    assert_eq!(
        stats,
        MirrorStats {
            copied: 2,
            already_present: 0,
            manifest_lines_added: 2
        }
    );
    assert_eq!(names_in(&dest), ["manifest.jsonl", &seg(1), &seg(2)]);

    // Once the next open seals them, the next mirror takes them.
    drop(open(&dir));
    let stats = mirror(&dir, &dest).unwrap();
    assert_eq!((stats.copied, stats.manifest_lines_added), (2, 2));
    assert_eq!(
        records_in(&dest),
        records(0..9)
            .into_iter()
            .chain([b"{\"id\":9}".to_vec()])
            .collect::<Vec<_>>()
    );
}
