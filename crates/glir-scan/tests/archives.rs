//! Job artifact archives: entries, nesting, caps and broken input.

mod common;

use glir_scan::{ArchiveLimits, RuleOptions, RuleSet, Scanner, scan_zip};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

fn scanner() -> Scanner {
    Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap()
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn token() -> String {
    common::gitlab_tokens(7)[0].token.clone()
}

fn hits(archive: &[u8], limits: &ArchiveLimits) -> (Vec<(String, usize)>, glir_scan::ArchiveStats) {
    let scanner = scanner();
    let mut found = Vec::new();
    let stats = scan_zip(&scanner, archive, limits, &mut |entry, m| {
        found.push((entry.to_string(), m.line));
    });
    (found, stats)
}

#[test]
fn finds_secrets_in_entries_and_nested_archives() {
    let token = token();
    let inner = zip_of(&[(
        "deep/.npmrc",
        format!("//registry/:_authToken={token}\n").into_bytes(),
    )]);
    let outer = zip_of(&[
        (
            "build/.env",
            format!("A=1\nGITLAB_TOKEN={token}\n").into_bytes(),
        ),
        ("logs/readme.txt", b"nothing here".to_vec()),
        ("bundle.zip", inner),
        (
            "bin/tool",
            b"\x7fELF\0\0\0 glpat-ignored-in-binary".to_vec(),
        ),
    ]);
    let (found, stats) = hits(&outer, &ArchiveLimits::default());
    assert_eq!(
        found,
        vec![
            ("build/.env".to_string(), 2),
            ("bundle.zip!deep/.npmrc".to_string(), 1)
        ]
    );
    assert_eq!(stats.skipped_binary, 1);
    assert_eq!(stats.entries, 5);
    assert!(stats.errors.is_empty(), "{:?}", stats.errors);
}

#[test]
fn caps_depth_entry_size_and_total() {
    let token = token();
    let level3 = zip_of(&[("x.txt", token.clone().into_bytes())]);
    let level2 = zip_of(&[("l3.zip", level3)]);
    let level1 = zip_of(&[("l2.zip", level2)]);
    let limits = ArchiveLimits {
        max_depth: 2,
        ..ArchiveLimits::default()
    };
    let (found, stats) = hits(&level1, &limits);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(stats.skipped_too_deep, 1);

    let big = format!("{}{token}", "a".repeat(4096)).into_bytes();
    let archive = zip_of(&[("big.log", big), ("small.env", token.clone().into_bytes())]);
    let limits = ArchiveLimits {
        max_entry_size: 1024,
        ..ArchiveLimits::default()
    };
    let (found, stats) = hits(&archive, &limits);
    assert_eq!(found, vec![("small.env".to_string(), 1)]);
    assert_eq!(stats.skipped_large, 1);

    let many: Vec<(String, Vec<u8>)> = (0..10)
        .map(|i| (format!("f{i}.txt"), token.clone().into_bytes()))
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let limits = ArchiveLimits {
        max_entries: 3,
        ..ArchiveLimits::default()
    };
    let (found, stats) = hits(&zip_of(&refs), &limits);
    assert_eq!(found.len(), 3);
    assert!(stats.truncated);
}

#[test]
fn a_broken_archive_is_reported_not_fatal() {
    let (found, stats) = hits(b"PK\x03\x04 not really a zip", &ArchiveLimits::default());
    assert!(found.is_empty());
    assert_eq!(stats.errors.len(), 1);
    assert!(
        stats.errors[0].contains("not a readable zip"),
        "{:?}",
        stats.errors
    );
}
