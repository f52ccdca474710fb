//! Helpers shared by the ingest tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use glir_ingest::{FileReport, IngestError, IngestOptions, ingest_file};
use glir_store::{EventFilter, Store};
use std::path::{Path, PathBuf};

pub const STREAM: &str = include_str!("../fixtures/stream.jsonl");
pub const REST: &str = include_str!("../fixtures/rest.json");
pub const AUDIT_LOG: &str = include_str!("../fixtures/audit_json.log");

pub struct Case {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl Case {
    pub fn new() -> Case {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store/glir.sqlite")).expect("store");
        Case { dir, store }
    }

    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    pub fn ingest(&mut self, path: &Path, opts: &IngestOptions) -> Result<FileReport, IngestError> {
        ingest_file(&mut self.store, path, opts, &mut |_| {})
    }

    pub fn count(&self) -> u64 {
        self.store
            .count_events(&EventFilter::default())
            .expect("count")
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// Stream-layout lines with distinct ids, one per line.
pub fn stream_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "{i}", "author_id": 51, "entity_id": 29, "entity_type": "Project", "details": {{"author_name": "Mallory", "target_id": 29, "target_type": "Project", "target_details": "app", "ip_address": "203.0.113.50", "entity_path": "grp/app"}}, "ip_address": "203.0.113.50", "author_name": "Mallory", "entity_path": "grp/app", "target_details": "app", "created_at": "2025-03-02T06:{:02}:{:02}.000Z", "target_type": "Project", "target_id": 29, "event_type": "repository_git_operation"}}"#,
                i / 60 % 60,
                i % 60
            ) + "\n"
        })
        .collect()
}
