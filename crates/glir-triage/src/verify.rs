//! `glir triage verify BUNDLE`: the bundle's hash against its `.sha256`, then every member
//! against the manifest (and the manifest against the acquisition log's record of it), in one
//! streaming pass over the compressed file.

use crate::bundle::{ACQUISITION, MANIFEST};
use crate::error::{Error, io};
use crate::manifest::{FORMAT, Manifest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Documents larger than this are not what triage writes (a manifest of a million files is
/// about 300 MiB).
const DOCUMENT_CAP: u64 = 1 << 30;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub bundle: PathBuf,
    pub sha256: String,
    /// What `<bundle>.sha256` says, if it is there.
    pub expected_sha256: Option<String>,
    /// Members read from the bundle.
    pub members: u64,
    /// Files the manifest lists as copied, each checked.
    pub files: u64,
    /// What differs, in words; empty when the bundle is intact.
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A reader that hashes every byte taken from the file, whatever the decoder does with it.
struct HashReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// The path of a bundle's hash file.
pub fn sha256_path(bundle: &Path) -> PathBuf {
    let mut name = bundle.as_os_str().to_os_string();
    name.push(".sha256");
    PathBuf::from(name)
}

pub fn verify(bundle: &Path) -> Result<VerifyReport, Error> {
    let file = File::open(bundle).map_err(io(bundle))?;
    let mut problems = Vec::new();
    let sha_path = sha256_path(bundle);
    let expected_sha256 = match std::fs::read_to_string(&sha_path) {
        Ok(text) => text.split_whitespace().next().map(str::to_string),
        Err(e) => {
            problems.push(format!("{}: {e}", sha_path.display()));
            None
        }
    };
    let mut raw = HashReader {
        inner: BufReader::new(file),
        hasher: Sha256::new(),
    };
    let mut members = BTreeMap::new();
    let mut manifest = None;
    let mut acquisition = None;
    if let Err(e) = read_members(&mut raw, &mut members, &mut manifest, &mut acquisition) {
        problems.push(format!(
            "the bundle cannot be read past member {}: {e}",
            members.len()
        ));
    }
    // The rest of the file counts for the hash even when the archive ended early.
    std::io::copy(&mut raw, &mut std::io::sink()).map_err(io(bundle))?;
    let sha256 = hex::encode(raw.hasher.finalize());
    if let Some(expected) = &expected_sha256
        && *expected != sha256
    {
        problems.push(format!(
            "bundle: its SHA-256 is {sha256}, {} says {expected}",
            sha_path.display()
        ));
    }
    let files = compare(&members, manifest, acquisition, &mut problems);
    Ok(VerifyReport {
        bundle: bundle.to_path_buf(),
        sha256,
        expected_sha256,
        members: members.len() as u64,
        files,
        problems,
    })
}

/// A member's hash and size, by name.
type Members = BTreeMap<String, (String, u64)>;

fn read_members(
    raw: &mut impl Read,
    members: &mut Members,
    manifest: &mut Option<Vec<u8>>,
    acquisition: &mut Option<Vec<u8>>,
) -> std::io::Result<()> {
    let decoder = zstd::Decoder::new(raw)?;
    let mut archive = tar::Archive::new(decoder);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let keep = name == MANIFEST || name == ACQUISITION;
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = entry.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
            if keep && size <= DOCUMENT_CAP {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        if name == MANIFEST {
            *manifest = Some(kept);
        } else if name == ACQUISITION {
            *acquisition = Some(kept);
        }
        if members
            .insert(name.clone(), (hex::encode(hasher.finalize()), size))
            .is_some()
        {
            return Err(std::io::Error::other(format!(
                "{name} is in the bundle twice"
            )));
        }
    }
    Ok(())
}

/// Checks members against the manifest; returns how many copied files were checked.
fn compare(
    members: &Members,
    manifest: Option<Vec<u8>>,
    acquisition: Option<Vec<u8>>,
    problems: &mut Vec<String>,
) -> u64 {
    let Some(manifest_bytes) = manifest else {
        problems.push(format!("{MANIFEST} is not in the bundle"));
        return 0;
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{MANIFEST} is not a manifest: {e}"));
            return 0;
        }
    };
    if manifest.format != FORMAT {
        problems.push(format!(
            "{MANIFEST}: format {:?}, not {FORMAT}",
            manifest.format
        ));
    }
    let mut expected: BTreeMap<&str, (&str, u64, &str)> = BTreeMap::new();
    for f in &manifest.files {
        expected.insert(&f.member, (&f.sha256, f.stored_size, &f.path));
    }
    for g in &manifest.generated {
        expected.insert(&g.member, (&g.sha256, g.size, &g.member));
    }
    for (member, (sha, size, path)) in &expected {
        match members.get(*member) {
            None => problems.push(format!("{path}: in the manifest, not in the bundle")),
            Some((found, found_size)) if found != sha || found_size != size => problems.push(
                format!(
                    "{path}: the bundle holds {found_size} bytes with SHA-256 {found}, the manifest says {size} bytes with {sha}"
                ),
            ),
            Some(_) => {}
        }
    }
    for name in members.keys() {
        if name != MANIFEST && name != ACQUISITION && !expected.contains_key(name.as_str()) {
            problems.push(format!("{name}: in the bundle, not in the manifest"));
        }
    }
    check_acquisition(members, acquisition, problems);
    manifest.files.len() as u64
}

/// The acquisition log's last line records the manifest's hash.
fn check_acquisition(members: &Members, acquisition: Option<Vec<u8>>, problems: &mut Vec<String>) {
    let Some(log) = acquisition else {
        problems.push(format!("{ACQUISITION} is not in the bundle"));
        return;
    };
    let recorded = String::from_utf8_lossy(&log)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "end")
        .and_then(|v| v["manifest_sha256"].as_str().map(str::to_string));
    let actual = members.get(MANIFEST).map(|(sha, _)| sha.as_str());
    match (recorded, actual) {
        (Some(recorded), Some(actual)) if recorded != actual => problems.push(format!(
            "{MANIFEST}: its SHA-256 is {actual}, {ACQUISITION} recorded {recorded}"
        )),
        (None, _) => problems.push(format!(
            "{ACQUISITION} has no end record with the manifest's hash"
        )),
        _ => {}
    }
}
