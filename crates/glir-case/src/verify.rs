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
    /// A `case.json` field that is not what the journal recorded: the file was edited.
    CaseFieldChanged { field: String },
    /// The journal head in the manifest is not the one in `case.json`.
    ManifestHeadMismatch { manifest_seq: u64, case_seq: u64 },
    /// The mirror has no snapshot of this case to verify against.
    MirrorMissing { path: String },
    /// The mirror's journal snapshot is not where this journal starts: history was rewritten.
    MirrorJournalDiverges { snapshot: String },
    /// A file the mirror holds is gone from the case or differs from it.
    MirrorEvidenceDiffers { path: String },
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
            Problem::CaseFieldChanged { field } => write!(
                f,
                "case.json {field}: not what the journal recorded (the file was edited)"
            ),
            Problem::ManifestHeadMismatch {
                manifest_seq,
                case_seq,
            } => write!(
                f,
                "manifest.json records journal seq {manifest_seq}, case.json seq {case_seq}: one was rewritten"
            ),
            Problem::MirrorMissing { path } => {
                write!(f, "mirror {path}: no snapshot of this case")
            }
            Problem::MirrorJournalDiverges { snapshot } => write!(
                f,
                "the journal does not begin with the mirror's snapshot {snapshot}: its history was rewritten"
            ),
            Problem::MirrorEvidenceDiffers { path } => write!(
                f,
                "evidence {path}: missing from the case or different from the mirror's copy"
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

    /// [`verify`](Self::verify), and the case against its write-once mirror (`case mirror`):
    /// the journal must begin with the mirror's latest snapshot of it, and every file the mirror
    /// holds must be in the case unchanged. A rewrite of the whole case directory shows here.
    pub fn verify_against(&self, mirror: &Path) -> Result<VerifyReport, Error> {
        let mut report = self.verify()?;
        let target = mirror.join(&self.info().name);
        let snapshots = target.join("snapshots");
        let latest = match std::fs::read_dir(&snapshots) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .max(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(Error::Io {
                    path: snapshots,
                    source,
                });
            }
        };
        let Some(latest) = latest else {
            report.problems.push(Problem::MirrorMissing {
                path: target.display().to_string(),
            });
            return Ok(report);
        };
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        let theirs = read(&snapshots.join(&latest).join(JOURNAL_FILE))?;
        let ours = match std::fs::read(self.dir().join(JOURNAL_FILE)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(Error::Io {
                    path: self.dir().join(JOURNAL_FILE),
                    source,
                });
            }
        };
        if !ours.starts_with(&theirs) {
            report
                .problems
                .push(Problem::MirrorJournalDiverges { snapshot: latest });
        }
        let mirrored = target.join(EVIDENCE_DIR);
        for rel in files_under(&mirrored)? {
            let (theirs, _) = sha256_file(&mirrored.join(&rel)).map_err(|source| Error::Io {
                path: mirrored.join(&rel),
                source,
            })?;
            let same =
                sha256_file(&self.evidence_path(&rel)?).is_ok_and(|(ours, _)| ours == theirs);
            if !same {
                report
                    .problems
                    .push(Problem::MirrorEvidenceDiffers { path: rel });
            }
        }
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
        let mut replayed = Replay::default();
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
            replayed.apply(&record.entry.action, record.entry.post_state.as_ref());
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
        // The manifest keeps the head too: a journal cut and a head rewritten in case.json
        // alone still ends before it.
        let anchored = self.manifest()?.journal_head;
        let furthest = anchored.as_ref().map_or(head.seq, |a| a.seq.max(head.seq));
        if furthest > last_seq {
            report.problems.push(Problem::Truncated {
                head_seq: furthest,
                last_seq,
            });
        } else if head.seq == last_seq && head.hash != prev_hash {
            report
                .problems
                .push(Problem::HeadMismatch { seq: last_seq });
        }
        if let Some(anchored) = anchored
            && anchored != *head
        {
            report.problems.push(Problem::ManifestHeadMismatch {
                manifest_seq: anchored.seq,
                case_seq: head.seq,
            });
        }
        let info = serde_json::to_value(self.info()).unwrap_or_default();
        for field in replayed.differences(&info) {
            report.problems.push(Problem::CaseFieldChanged { field });
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

/// `case.json` as the journal says it should be: every field `case_opened` recorded, then each
/// time recorded, each close and reopen. Only fields the journal holds are compared (cases
/// opened before `case_opened` recorded the whole state hold fewer).
#[derive(Default)]
struct Replay {
    fields: BTreeMap<&'static str, serde_json::Value>,
}

const OPENED_FIELDS: [(&str, &str); 7] = [
    ("name", "name"),
    ("scenario", "scenario"),
    ("opened_at", "opened_at"),
    ("opened_by", "opened_by"),
    ("glir_version", "glir_version"),
    ("gitlab_url", "gitlab_url"),
    ("exposed_at", "times.exposed_at"),
];

const TIMES: [&str; 4] = ["exposed_at", "detected_at", "contained_at", "revoked_at"];

impl Replay {
    fn apply(&mut self, action: &str, state: Option<&serde_json::Value>) {
        let null = serde_json::Value::Null;
        let state = state.unwrap_or(&null);
        match action {
            "case_opened" => {
                for (key, field) in OPENED_FIELDS {
                    if let Some(value) = state.get(key) {
                        self.fields.insert(field, value.clone());
                    }
                }
                if state.get("opened_at").is_some() {
                    self.fields.insert("status", "open".into());
                    self.fields.insert("closed_at", null.clone());
                    for time in TIMES.iter().skip(1) {
                        self.fields.insert(time_field(time), null.clone());
                    }
                }
            }
            "case_closed" => {
                self.fields.insert("status", "closed".into());
                if let Some(at) = state.get("closed_at") {
                    self.fields.insert("closed_at", at.clone());
                }
            }
            "case_reopened" => {
                self.fields.insert("status", "open".into());
                self.fields.insert("closed_at", null);
            }
            other => {
                for time in TIMES {
                    if other.strip_suffix("_recorded") == Some(time)
                        && let Some(at) = state.get(time)
                    {
                        self.fields.insert(time_field(time), at.clone());
                    }
                }
            }
        }
    }

    /// The fields of `info` (case.json as JSON) that differ from the replay.
    fn differences(&self, info: &serde_json::Value) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(field, expected)| {
                let actual = field
                    .split('.')
                    .try_fold(info, |v, key| v.get(key))
                    .unwrap_or(&serde_json::Value::Null);
                actual != *expected
            })
            .map(|(field, _)| field.to_string())
            .collect()
    }
}

fn time_field(time: &str) -> &'static str {
    match time {
        "exposed_at" => "times.exposed_at",
        "detected_at" => "times.detected_at",
        "contained_at" => "times.contained_at",
        _ => "times.revoked_at",
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
