//! A sink's queue on disk: one file per alert, named by a sequence number so the sink gets them
//! in order. A file appears whole (written aside, synced, renamed) and is removed only after the
//! sink took it; a restart finds what was left and sends it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct Queue {
    dir: PathBuf,
    next: u64,
}

impl Queue {
    pub fn open(dir: &Path) -> io::Result<Queue> {
        std::fs::create_dir_all(dir)?;
        let next = pending(dir)?
            .last()
            .and_then(|p| seq(p))
            .map_or(0, |n| n + 1);
        Ok(Queue {
            dir: dir.to_path_buf(),
            next,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn push(&mut self, alert: &serde_json::Value) -> io::Result<()> {
        let name = format!("{:016}.json", self.next);
        let aside = self.dir.join(format!(".{name}.tmp"));
        let mut file = std::fs::File::create(&aside)?;
        file.write_all(alert.to_string().as_bytes())?;
        file.sync_data()?;
        std::fs::rename(&aside, self.dir.join(name))?;
        self.next += 1;
        Ok(())
    }
}

/// The queued alerts' files, oldest first.
pub fn pending(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| seq(p).is_some())
        .collect();
    files.sort();
    Ok(files)
}

fn seq(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_suffix(".json")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_come_out_in_order_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(dir.path()).unwrap();
        for n in 0..3 {
            q.push(&serde_json::json!({ "n": n })).unwrap();
        }
        let first = pending(dir.path()).unwrap();
        std::fs::remove_file(&first[0]).unwrap();
        let mut q = Queue::open(dir.path()).unwrap();
        q.push(&serde_json::json!({ "n": 3 })).unwrap();
        let left: Vec<i64> = pending(dir.path())
            .unwrap()
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                v["n"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(left, [1, 2, 3]);
    }
}
