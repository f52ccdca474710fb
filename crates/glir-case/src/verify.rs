//! `glir case verify`: the journal's chain, its head in `case.json`, and every evidence file
//! against the manifest and against the hash the journal recorded when it was added.

use crate::hashing::{sha256_file, sha256_hex};
use crate::journal::{GENESIS, JournalRecord, LineIn};
use crate::layout::{EVIDENCE_DIR, JOURNAL_FILE};
use crate::{Case, Error};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// One thing that does not add up, named so a responder can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A line that is not a journal record.
    Unreadable { line: usize, reason: String },
    /// The record's bytes no longer match its hash: the line was edited.
    Edited { line: usize, seq: u64 },
    /// The record does not link to the line before it: a line was removed, inserted or moved.
    BrokenChain { line: usize, seq: u64 },
    /// Sequence numbers jump: a line was removed or moved.
    SequenceGap {
        line: usize,
        expected: u64,
        found: u64,
    },
    /// The journal ends before the head recorded in `case.json`: lines were cut from the end.
    Truncated { head_seq: u64, last_seq: u64 },
    /// The journal's last hash differs from the head recorded in `case.json`.
    HeadMismatch { seq: u64 },
    /// A manifest entry whose file is gone.
    EvidenceMissing { path: String },
    /// A file whose content no longer matches the manifest.
    EvidenceChanged { path: String },
    /// A file under `evidence/` that the manifest does not list.
    EvidenceUnlisted { path: String },
    /// A manifest entry whose hash the journal never recorded: the manifest was edited.
    ManifestNotJournaled { path: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable { line, reason } => {
                write!(f, "journal line {line}: unreadable ({reason})")
            }
            Problem::Edited { line, seq } => {
                write!(
                    f,
                    "journal line {line} (seq {seq}): edited, its hash does not match"
                )
            }
            Problem::BrokenChain { line, seq } => write!(
                f,
                "journal line {line} (seq {seq}): does not follow the line before it \
                 (a line was removed, inserted or reordered)"
            ),
            Problem::SequenceGap {
                line,
                expected,
                found,
            } => write!(
                f,
                "journal line {line}: sequence {found} where {expected} was expected"
            ),
            Problem::Truncated { head_seq, last_seq } => write!(
                f,
                "journal ends at seq {last_seq} but case.json records seq {head_seq}: \
                 lines were removed from the end"
            ),
            Problem::HeadMismatch { seq } => write!(
                f,
                "journal's last record (seq {seq}) is not the one case.json records"
            ),
            Problem::EvidenceMissing { path } => write!(f, "evidence {path}: missing"),
            Problem::EvidenceChanged { path } => {
                write!(f, "evidence {path}: content changed since it was collected")
            }
            Problem::EvidenceUnlisted { path } => {
                write!(f, "evidence {path}: not in the manifest")
            }
            Problem::ManifestNotJournaled { path } => write!(
                f,
                "manifest entry {path}: its hash is not the one the journal recorded"
            ),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub journal_records: u64,
    pub evidence_files: usize,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Case {
    pub fn verify(&self) -> Result<VerifyReport, Error> {
        let mut report = VerifyReport::default();
        let journaled = self.verify_journal(&mut report)?;
        self.verify_evidence(&journaled, &mut report)?;
        Ok(report)
    }

    /// Returns the evidence hashes the journal recorded, by path.
    fn verify_journal(
        &self,
        report: &mut VerifyReport,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, Error> {
        let path = self.dir().join(JOURNAL_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(Error::Io { path, source }),
        };
        let mut journaled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut prev_hash = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut last_seq = 0;
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: LineIn = match serde_json::from_str(line) {
                Ok(parsed) => parsed,
                Err(e) => {
                    report.problems.push(Problem::Unreadable {
                        line: line_no,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let record: JournalRecord = match serde_json::from_str(parsed.record.get()) {
                Ok(record) => record,
                Err(e) => {
                    report.problems.push(Problem::Unreadable {
                        line: line_no,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            report.journal_records += 1;
            if sha256_hex(parsed.record.get().as_bytes()) != parsed.hash {
                report.problems.push(Problem::Edited {
                    line: line_no,
                    seq: record.seq,
                });
            }
            if record.seq != expected_seq {
                report.problems.push(Problem::SequenceGap {
                    line: line_no,
                    expected: expected_seq,
                    found: record.seq,
                });
            }
            if record.prev != prev_hash {
                report.problems.push(Problem::BrokenChain {
                    line: line_no,
                    seq: record.seq,
                });
            }
            if record.entry.action == "evidence_added"
                && let Some(state) = &record.entry.post_state
                && let (Some(p), Some(h)) = (state["path"].as_str(), state["sha256"].as_str())
            {
                journaled
                    .entry(p.to_string())
                    .or_default()
                    .insert(h.to_string());
            }
            expected_seq = record.seq + 1;
            last_seq = record.seq;
            prev_hash = parsed.hash;
        }
        let head = &self.info().journal_head;
        if head.seq > last_seq {
            report.problems.push(Problem::Truncated {
                head_seq: head.seq,
                last_seq,
            });
        } else if head.seq == last_seq && head.hash != prev_hash {
            report
                .problems
                .push(Problem::HeadMismatch { seq: last_seq });
        }
        Ok(journaled)
    }

    fn verify_evidence(
        &self,
        journaled: &BTreeMap<String, BTreeSet<String>>,
        report: &mut VerifyReport,
    ) -> Result<(), Error> {
        let manifest = self.manifest()?;
        report.evidence_files = manifest.files.len();
        let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
        for file in &manifest.files {
            let path = self.evidence_path(&file.path)?;
            match sha256_file(&path) {
                Ok((hash, _)) if hash == file.sha256 => {}
                Ok(_) => report.problems.push(Problem::EvidenceChanged {
                    path: file.path.clone(),
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    report.problems.push(Problem::EvidenceMissing {
                        path: file.path.clone(),
                    });
                }
                Err(source) => return Err(Error::Io { path, source }),
            }
            let recorded = journaled
                .get(&file.path)
                .is_some_and(|hashes| hashes.contains(&file.sha256));
            if !recorded {
                report.problems.push(Problem::ManifestNotJournaled {
                    path: file.path.clone(),
                });
            }
        }
        let root = self.dir().join(EVIDENCE_DIR);
        for rel in files_under(&root)? {
            if !listed.contains(rel.as_str()) {
                report
                    .problems
                    .push(Problem::EvidenceUnlisted { path: rel });
            }
        }
        Ok(())
    }
}

/// Relative paths (with `/`) of every regular file under `root`, sorted.
pub(crate) fn files_under(root: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::Io { path: dir, source }),
        };
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(rel.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}
