//! A case directory: `case.json` (state and the journal's head), `evidence/`, `manifest.json`,
//! `journal.jsonl` and `acquisition.jsonl`.

use crate::error::{io, json};
use crate::hashing::{sha256_file, write_atomic};
use crate::journal::{Head, Journal, JournalEntry, JournalRecord, StepKind};
use crate::layout::{ACQUISITION_FILE, CASE_FILE, EVIDENCE_DIR, JOURNAL_FILE, MANIFEST_FILE};
use crate::manifest::{EvidenceFile, Manifest};
use crate::{Error, name};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

/// The exposure window GitLab's guide asks responders to record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    pub exposed_at: Option<Timestamp>,
    pub detected_at: Option<Timestamp>,
    pub contained_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// `case.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseInfo {
    pub name: String,
    pub scenario: Option<String>,
    pub status: CaseStatus,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub opened_by: String,
    pub glir_version: String,
    pub gitlab_url: Option<String>,
    pub times: Timestamps,
    /// The last journal record; a journal shorter than this was truncated.
    pub journal_head: Head,
}

/// What `Cases::open_new` needs.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub scenario: Option<String>,
    pub exposed_at: Option<Timestamp>,
    pub operator: String,
    pub glir_version: String,
    pub gitlab_url: Option<String>,
}

/// The directory that holds all cases.
#[derive(Debug, Clone)]
pub struct Cases {
    root: PathBuf,
}

impl Cases {
    pub fn new(root: impl Into<PathBuf>) -> Cases {
        Cases { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn open_new(&self, name: &str, new: NewCase) -> Result<Case, Error> {
        name::validate(name)?;
        let dir = self.root.join(name);
        if dir.join(CASE_FILE).exists() {
            return Err(Error::Exists(name.to_string()));
        }
        std::fs::create_dir_all(dir.join(EVIDENCE_DIR)).map_err(io(&dir))?;
        let info = CaseInfo {
            name: name.to_string(),
            scenario: new.scenario.clone(),
            status: CaseStatus::Open,
            opened_at: Timestamp::now(),
            closed_at: None,
            opened_by: new.operator.clone(),
            glir_version: new.glir_version,
            gitlab_url: new.gitlab_url,
            times: Timestamps {
                exposed_at: new.exposed_at,
                ..Timestamps::default()
            },
            journal_head: Head::default(),
        };
        let mut case = Case::from_info(dir, info);
        case.save_info()?;
        Manifest::default().save(&case.dir.join(MANIFEST_FILE))?;
        // The whole first state of `case.json`, so `case verify` can replay every later change.
        let state = opened_state(&case.info);
        case.journal_step(JournalEntry {
            kind: Some(StepKind::Case),
            action: "case_opened".into(),
            operator: new.operator,
            post_state: Some(state),
            ..JournalEntry::default()
        })?;
        Ok(case)
    }

    pub fn load(&self, name: &str) -> Result<Case, Error> {
        name::validate(name)?;
        let dir = self.root.join(name);
        let path = dir.join(CASE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(name.to_string()));
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let info: CaseInfo = serde_json::from_slice(&bytes).map_err(json(&path))?;
        Ok(Case::from_info(dir, info))
    }

    /// Every case under the root, oldest first; directories without `case.json` are ignored.
    pub fn list(&self) -> Result<Vec<CaseInfo>, Error> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.root)(e)),
        };
        let mut cases = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(&self.root))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if name::validate(&name).is_err() || !entry.path().join(CASE_FILE).exists() {
                continue;
            }
            cases.push(self.load(&name)?.info);
        }
        cases.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then(a.name.cmp(&b.name)));
        Ok(cases)
    }
}

/// One open (or closed) case.
#[derive(Debug)]
pub struct Case {
    dir: PathBuf,
    info: CaseInfo,
    journal: Journal,
}

impl Case {
    fn from_info(dir: PathBuf, info: CaseInfo) -> Case {
        let journal = Journal::open(&dir.join(JOURNAL_FILE), info.journal_head.clone());
        Case { dir, info, journal }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn info(&self) -> &CaseInfo {
        &self.info
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn manifest(&self) -> Result<Manifest, Error> {
        Manifest::load(&self.dir.join(MANIFEST_FILE))
    }

    pub fn evidence_dir(&self) -> PathBuf {
        self.dir.join(EVIDENCE_DIR)
    }

    /// Appends a journal record and moves the head recorded in `case.json` and the manifest.
    /// A closed case takes no more steps.
    pub fn journal_step(&mut self, entry: JournalEntry) -> Result<JournalRecord, Error> {
        if self.info.status == CaseStatus::Closed {
            return Err(Error::Closed(self.info.name.clone()));
        }
        self.step(entry)
    }

    fn step(&mut self, entry: JournalEntry) -> Result<JournalRecord, Error> {
        let record = self.journal.append(entry)?;
        self.info.journal_head = self.journal.head().clone();
        self.save_info()?;
        let mut manifest = self.manifest()?;
        manifest.journal_head = Some(self.info.journal_head.clone());
        manifest.save(&self.dir.join(MANIFEST_FILE))?;
        Ok(record)
    }

    /// Writes an evidence file, adds it to the manifest and journals its hash. Rewriting a file
    /// with identical content is a no-op; different content is refused, because evidence is
    /// never replaced.
    pub fn add_evidence(
        &mut self,
        rel: &str,
        bytes: &[u8],
        source: &str,
        operator: &str,
    ) -> Result<EvidenceFile, Error> {
        let path = self.evidence_path(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let sha256 = crate::hashing::sha256_hex(bytes);
        if let Some(existing) = self.manifest()?.get(rel) {
            if existing.sha256 == sha256 {
                return Ok(existing.clone());
            }
            return Err(Error::EvidenceExists(rel.to_string()));
        }
        write_atomic(&path, bytes).map_err(io(&path))?;
        self.register_evidence(rel, sha256, bytes.len() as u64, source, operator)
    }

    /// Registers a file already written under `evidence/` (a streamed export), hashing it from
    /// disk.
    pub fn register_file(
        &mut self,
        rel: &str,
        source: &str,
        operator: &str,
    ) -> Result<EvidenceFile, Error> {
        let path = self.evidence_path(rel)?;
        let (sha256, bytes) = sha256_file(&path).map_err(io(&path))?;
        if let Some(existing) = self.manifest()?.get(rel) {
            if existing.sha256 == sha256 {
                return Ok(existing.clone());
            }
            return Err(Error::EvidenceExists(rel.to_string()));
        }
        self.register_evidence(rel, sha256, bytes, source, operator)
    }

    fn register_evidence(
        &mut self,
        rel: &str,
        sha256: String,
        bytes: u64,
        source: &str,
        operator: &str,
    ) -> Result<EvidenceFile, Error> {
        let file = EvidenceFile {
            path: rel.to_string(),
            sha256,
            bytes,
            added_at: Timestamp::now(),
            source: source.to_string(),
        };
        self.journal_step(JournalEntry {
            kind: Some(StepKind::Collect),
            action: "evidence_added".into(),
            operator: operator.to_string(),
            request: Some(source.to_string()),
            post_state: Some(json!({"path": file.path, "sha256": file.sha256, "bytes": bytes})),
            ..JournalEntry::default()
        })?;
        // Read-only on disk: a slip of an editor must not change collected evidence.
        let path = self.evidence_path(rel)?;
        let mut perms = std::fs::metadata(&path).map_err(io(&path))?.permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms).map_err(io(&path))?;
        let mut manifest = self.manifest()?;
        manifest.upsert(file.clone());
        manifest.save(&self.dir.join(MANIFEST_FILE))?;
        Ok(file)
    }

    /// The absolute path for an evidence file, refusing anything that leaves `evidence/`.
    pub fn evidence_path(&self, rel: &str) -> Result<PathBuf, Error> {
        let relative = Path::new(rel);
        let inside = !rel.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return Err(Error::InvalidEvidencePath(rel.to_string()));
        }
        Ok(self.evidence_dir().join(relative))
    }

    /// Appends a line to the acquisition log (who ran what against which instance, and when)
    /// and journals it, so the log is covered by the chain too.
    pub fn record_acquisition(&mut self, record: Value, operator: &str) -> Result<(), Error> {
        let path = self.dir.join(ACQUISITION_FILE);
        let mut line = serde_json::to_string(&record).map_err(json(&path))?;
        line = glir_redact::scrub(&line).into_owned();
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        file.write_all(line.as_bytes()).map_err(io(&path))?;
        file.sync_data().map_err(io(&path))?;
        self.journal_step(JournalEntry {
            kind: Some(StepKind::Collect),
            action: "acquisition".into(),
            operator: operator.to_string(),
            post_state: Some(record),
            ..JournalEntry::default()
        })?;
        Ok(())
    }

    /// Records one of the exposure-window times. The first value wins: a later revoke does not
    /// move the time the credential was first revoked.
    pub fn record_time(
        &mut self,
        which: TimeKind,
        at: Timestamp,
        operator: &str,
    ) -> Result<bool, Error> {
        // Refused before anything changes: a closed case's state stays what its journal says.
        if self.info.status == CaseStatus::Closed {
            return Err(Error::Closed(self.info.name.clone()));
        }
        let slot = match which {
            TimeKind::Exposed => &mut self.info.times.exposed_at,
            TimeKind::Detected => &mut self.info.times.detected_at,
            TimeKind::Contained => &mut self.info.times.contained_at,
            TimeKind::Revoked => &mut self.info.times.revoked_at,
        };
        if slot.is_some() {
            return Ok(false);
        }
        *slot = Some(at);
        self.journal_step(JournalEntry {
            kind: Some(StepKind::Case),
            action: format!("{}_recorded", which.as_str()),
            operator: operator.to_string(),
            post_state: Some(json!({ which.as_str(): at })),
            ..JournalEntry::default()
        })?;
        Ok(true)
    }

    pub fn close(&mut self, operator: &str) -> Result<(), Error> {
        if self.info.status == CaseStatus::Closed {
            return Err(Error::Closed(self.info.name.clone()));
        }
        let at = Timestamp::now();
        self.info.status = CaseStatus::Closed;
        self.info.closed_at = Some(at);
        self.step(JournalEntry {
            kind: Some(StepKind::Case),
            action: "case_closed".into(),
            operator: operator.to_string(),
            post_state: Some(json!({ "closed_at": at })),
            ..JournalEntry::default()
        })?;
        Ok(())
    }

    /// Opens a closed case again, journaled with who did it and why.
    pub fn reopen(&mut self, operator: &str, reason: &str) -> Result<(), Error> {
        if self.info.status == CaseStatus::Open {
            return Err(Error::NotClosed(self.info.name.clone()));
        }
        self.info.status = CaseStatus::Open;
        self.info.closed_at = None;
        self.step(JournalEntry {
            kind: Some(StepKind::Case),
            action: "case_reopened".into(),
            operator: operator.to_string(),
            post_state: Some(json!({ "reason": reason })),
            ..JournalEntry::default()
        })?;
        Ok(())
    }

    fn save_info(&self) -> Result<(), Error> {
        let path = self.dir.join(CASE_FILE);
        let bytes = serde_json::to_vec_pretty(&self.info).map_err(json(&path))?;
        write_atomic(&path, &bytes).map_err(io(&path))
    }
}

/// `case.json` as first written, minus the journal head: what `case_opened` records.
fn opened_state(info: &CaseInfo) -> Value {
    json!({
        "name": info.name,
        "scenario": info.scenario,
        "opened_at": info.opened_at,
        "opened_by": info.opened_by,
        "glir_version": info.glir_version,
        "gitlab_url": info.gitlab_url,
        "exposed_at": info.times.exposed_at,
    })
}

/// The exposure-window times a case records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    Exposed,
    Detected,
    Contained,
    Revoked,
}

impl TimeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeKind::Exposed => "exposed_at",
            TimeKind::Detected => "detected_at",
            TimeKind::Contained => "contained_at",
            TimeKind::Revoked => "revoked_at",
        }
    }
}
