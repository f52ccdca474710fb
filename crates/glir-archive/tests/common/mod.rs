//! Shared by the test files: records with known content, and reading an archive back without
//! the crate's own reader, so a bug there cannot hide a loss.
#![allow(dead_code)]

use flate2::read::GzDecoder;
use glir_archive::{Archive, ArchiveOptions, ManifestEntry};
use std::io::Read;
use std::path::Path;

/// A record that says which one it is; lengths vary so segments fill unevenly.
pub fn record(i: u64) -> Vec<u8> {
    format!(
        "{{\"id\":{i},\"event_name\":\"user_signed_in\",\"pad\":\"{}\"}}",
        "x".repeat((i % 37) as usize)
    )
    .into_bytes()
}

pub fn records(range: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    range.map(record).collect()
}

pub fn append(archive: &mut Archive, range: std::ops::Range<u64>) {
    let owned = records(range);
    let refs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    archive.append(&refs).unwrap();
}

pub fn append_synced(archive: &mut Archive, range: std::ops::Range<u64>) {
    append(archive, range);
    archive.sync().unwrap();
}

pub fn opts(segment_max_bytes: u64) -> ArchiveOptions {
    ArchiveOptions {
        segment_max_bytes,
        segment_max_age: None,
    }
}

pub fn open(dir: &Path) -> Archive {
    Archive::open(dir, opts(1 << 20)).unwrap()
}

pub fn manifest_lines(dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(dir.join("manifest.jsonl")) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

pub fn manifest_entries(dir: &Path) -> Vec<ManifestEntry> {
    manifest_lines(dir)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Every record in the archive: the sealed segments in manifest order, then any segments
/// waiting to be sealed, then any open segment.
pub fn records_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut bytes = Vec::new();
    for entry in manifest_entries(dir) {
        bytes.extend(gunzip(&dir.join(&entry.file)));
    }
    for prefix in ["sealing-", "open-"] {
        for name in names_in(dir).iter().filter(|n| n.starts_with(prefix)) {
            bytes.extend(std::fs::read(dir.join(name)).unwrap());
        }
    }
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\n").unwrap_or(line).to_vec())
        .collect()
}

/// Lets a test change a file the archive made read-only (as a tamperer with write access would).
pub fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | 0o200)).unwrap();
}

pub fn write_file(path: &Path, bytes: &[u8]) {
    if path.exists() {
        make_writable(path);
    }
    std::fs::write(path, bytes).unwrap();
}

pub fn is_readonly(path: &Path) -> bool {
    std::fs::metadata(path).unwrap().permissions().readonly()
}

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Every file's name and bytes, to show that something left a directory untouched.
pub fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names_in(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}
