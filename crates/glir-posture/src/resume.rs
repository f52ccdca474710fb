//! The resume file: one JSON line per finished target, so a run stopped anywhere (Ctrl-C, a
//! lost connection, a laptop lid) starts again where it was instead of re-asking GitLab for
//! thousands of projects. The first line names the instance; a file for another instance is
//! refused. A line cut by a kill is dropped and its target checked again.

use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

const FORMAT: &str = "glir-posture-resume/1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    url: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    target: String,
    outcomes: Vec<Outcome>,
}

pub struct Journal {
    path: PathBuf,
    file: File,
    done: HashMap<String, Vec<Outcome>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", .path.display())]
    Invalid { path: PathBuf, message: String },
}

impl Journal {
    /// Opens `path`, keeping what an earlier run of the same instance finished, or starts it.
    pub fn open(path: &Path, url: &str) -> Result<Journal, ResumeError> {
        let io = |source| ResumeError::Io {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |message: String| ResumeError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut done = HashMap::new();
        let mut keep = 0u64;
        if path.exists() {
            let reader = BufReader::new(File::open(path).map_err(io)?);
            let mut lines = reader.split(b'\n');
            if let Some(first) = lines.next() {
                let first = first.map_err(io)?;
                let header: Header = serde_json::from_slice(&first)
                    .map_err(|e| invalid(format!("line 1 is not a resume header: {e}")))?;
                if header.format != FORMAT {
                    return Err(invalid(format!(
                        "format {} (expected {FORMAT})",
                        header.format
                    )));
                }
                if header.url != url {
                    return Err(invalid(format!(
                        "belongs to a run against {}, not {url}; use another file",
                        header.url
                    )));
                }
                keep = first.len() as u64 + 1;
                for line in lines {
                    let line = line.map_err(io)?;
                    // A line a kill cut short has no newline and no valid JSON: it is the
                    // last one, and its target is checked again.
                    let Ok(parsed) = serde_json::from_slice::<Line>(&line) else {
                        break;
                    };
                    keep += line.len() as u64 + 1;
                    done.insert(parsed.target, parsed.outcomes);
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io)?;
        file.set_len(keep).map_err(io)?;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).map_err(io)?;
        if keep == 0 {
            let header = serde_json::to_string(&Header {
                format: FORMAT.to_string(),
                url: url.to_string(),
            })
            .map_err(|e| invalid(e.to_string()))?;
            writeln!(file, "{header}").map_err(io)?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            done,
        })
    }

    pub fn done(&self, target: &str) -> Option<&[Outcome]> {
        self.done.get(target).map(Vec::as_slice)
    }

    pub fn finished(&self) -> usize {
        self.done.len()
    }

    pub fn record(&mut self, target: &str, outcomes: &[Outcome]) -> Result<(), ResumeError> {
        let line = serde_json::to_string(&Line {
            target: target.to_string(),
            outcomes: outcomes.to_vec(),
        })
        .map_err(|e| ResumeError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        // One write per line: a kill leaves at most this line torn.
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|source| ResumeError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Scope, Severity};
    use crate::outcome::Status;

    fn outcome(target: &str) -> Outcome {
        Outcome {
            id: "c".into(),
            title: "t".into(),
            status: Status::Pass,
            severity: Severity::Low,
            scope: Scope::Project,
            target: target.into(),
            reason: None,
            failures: vec![],
            examined: None,
            needs_access: false,
            fixes: vec![],
        }
    }

    #[test]
    fn finished_targets_survive_and_a_torn_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        {
            let mut j = Journal::open(&path, "https://a/").unwrap();
            j.record("project:a/b", &[outcome("a/b")]).unwrap();
            j.record("project:a/c", &[outcome("a/c")]).unwrap();
        }
        // A kill in the middle of the third line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"target":"project:a/d","outc"#).unwrap();
        drop(f);
        let mut j = Journal::open(&path, "https://a/").unwrap();
        assert_eq!(j.finished(), 2);
        assert!(j.done("project:a/b").is_some());
        assert!(j.done("project:a/d").is_none());
        j.record("project:a/d", &[outcome("a/d")]).unwrap();
        drop(j);
        let j = Journal::open(&path, "https://a/").unwrap();
        assert_eq!(j.finished(), 3);
        let err = Journal::open(&path, "https://b/")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not https://b/"), "{err}");
    }
}
