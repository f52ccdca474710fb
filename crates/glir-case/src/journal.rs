//! Append-only, hash-chained JSONL. Each line is `{"hash": H, "record": R}` where `H` is the
//! SHA-256 of the exact bytes of `R` as written and `R.prev` is the previous line's `H`, so an
//! edited line breaks its own hash and a removed or moved line breaks the chain after it.

use crate::Error;
use crate::error::{io, json};
use crate::hashing::sha256_hex;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Case life cycle: opened, closed, times recorded.
    Case,
    /// Evidence collected or exported.
    Collect,
    /// An action planned (nothing changed yet).
    Plan,
    /// GitLab state changed (or a change was attempted).
    Change,
}

/// The object a step is about, by id so the record survives renames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// What a caller records; the journal adds sequence, time and chain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub kind: Option<StepKind>,
    pub action: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Method and path, never a body or a header that could carry a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// GitLab's `X-Request-Id`, which ties the step to GitLab's own logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_state: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_state: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One journal line as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    pub seq: u64,
    pub time: Timestamp,
    pub prev: String,
    #[serde(flatten)]
    pub entry: JournalEntry,
    /// Filled from the line's envelope when read back; not part of the hashed bytes.
    #[serde(skip)]
    pub hash: String,
}

#[derive(Serialize)]
struct LineOut<'a> {
    hash: &'a str,
    record: &'a RawValue,
}

#[derive(Deserialize)]
pub(crate) struct LineIn<'a> {
    pub hash: String,
    #[serde(borrow)]
    pub record: &'a RawValue,
}

/// The end of the chain: what the next record links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
}

/// Appends to one case's journal file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    head: Head,
}

impl Journal {
    pub(crate) fn open(path: &Path, head: Head) -> Journal {
        Journal {
            path: path.to_path_buf(),
            head,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn head(&self) -> &Head {
        &self.head
    }

    /// Appends one record and syncs it to disk before returning, so a step that changed GitLab
    /// is never left unrecorded by a crash that follows.
    pub(crate) fn append(&mut self, mut entry: JournalEntry) -> Result<JournalRecord, Error> {
        scrub_entry(&mut entry);
        let mut record = JournalRecord {
            seq: self.head.seq + 1,
            time: Timestamp::now(),
            prev: self.head.hash.clone(),
            entry,
            hash: String::new(),
        };
        let body = serde_json::to_string(&record).map_err(json(&self.path))?;
        let hash = sha256_hex(body.as_bytes());
        let raw = RawValue::from_string(body).map_err(json(&self.path))?;
        let mut line = serde_json::to_string(&LineOut {
            hash: &hash,
            record: &raw,
        })
        .map_err(json(&self.path))?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        file.write_all(line.as_bytes()).map_err(io(&self.path))?;
        file.sync_data().map_err(io(&self.path))?;
        record.hash = hash.clone();
        self.head = Head {
            seq: record.seq,
            hash,
        };
        Ok(record)
    }

    /// Every record, in file order, without checking the chain (see `Case::verify`).
    pub fn records(&self) -> Result<Vec<JournalRecord>, Error> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path)(e)),
        };
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let parsed: LineIn = serde_json::from_str(line).map_err(json(&self.path))?;
            let mut record: JournalRecord =
                serde_json::from_str(parsed.record.get()).map_err(json(&self.path))?;
            record.hash = parsed.hash;
            out.push(record);
        }
        Ok(out)
    }
}

/// Pre- and post-states come from GitLab responses; a rotate response carries the new token, so
/// every string is passed through the redactor before it reaches disk.
fn scrub_entry(entry: &mut JournalEntry) {
    for text in [&mut entry.request, &mut entry.note].into_iter().flatten() {
        *text = glir_redact::scrub(text).into_owned();
    }
    for value in [&mut entry.pre_state, &mut entry.post_state]
        .into_iter()
        .flatten()
    {
        scrub_value(value);
    }
}

fn scrub_value(value: &mut Value) {
    match value {
        Value::String(s) => *s = glir_redact::scrub(s).into_owned(),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                // GitLab names plaintext credentials `token` (rotate) or `secret` (OAuth renew).
                if matches!(key.as_str(), "token" | "secret" | "value" | "password")
                    && let Value::String(s) = v
                {
                    *s = glir_redact::redact(s);
                    continue;
                }
                scrub_value(v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_in_states_are_redacted_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = Journal::open(&path, Head::default());
        let token = "glpat-AbCdEfGhIjKlMnOpQrSt";
        journal
            .append(JournalEntry {
                kind: Some(StepKind::Change),
                action: "rotate".into(),
                operator: "tester".into(),
                post_state: Some(json!({"token": token, "nested": [format!("x {token} y")]})),
                note: Some(format!("rotated {token}")),
                ..Default::default()
            })
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(token), "{text}");
        assert!(text.contains("glpat-…QrSt"), "{text}");
    }
}
