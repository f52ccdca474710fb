//! Read + parse + match throughput of a rule pack over a JSONL file of streamed events.
//!
//! `cargo run --release -p glir-detect --example throughput -- rules/gitlab events.jsonl [STAGE]`
//!
//! STAGE stops the loop early to split the cost: `read` (lines only), `parse` (lines parsed
//! into canonical events), `detect` (the default: parse and evaluate the pack).

use glir_detect::{Detector, load_rules};
use glir_events::EventReader;
use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Read,
    Parse,
    Detect,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(rules), Some(input)) = (args.next(), args.next()) else {
        return Err("usage: throughput RULE_DIR EVENTS.jsonl [read|parse|detect]".into());
    };
    let stage = match args.next().as_deref() {
        None | Some("detect") => Stage::Detect,
        Some("parse") => Stage::Parse,
        Some("read") => Stage::Read,
        Some(other) => return Err(format!("unknown stage {other:?}").into()),
    };
    let pack = load_rules(&[PathBuf::from(rules)], true, &[])?;
    let mut detector = Detector::new(&pack)?;
    let mut reader = Lines::new(std::fs::File::open(input)?);
    let start = Instant::now();
    let (mut lines, mut alerts) = (0u64, 0usize);
    let mut events = EventReader::new();
    while let Some(line) = reader.next_line()? {
        let record = std::str::from_utf8(line)?.trim();
        if !record.is_empty() {
            lines += 1;
            // Layout detected per record, as glir detect does for files.
            match stage {
                Stage::Read => {}
                Stage::Parse => events.read(record, None, "bench", |_| ())?,
                Stage::Detect => {
                    alerts +=
                        events.read(record, None, "bench", |e| detector.process_ref(e).len())?
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} rules, {lines} events, {alerts} alerts, {secs:.2} s, {:.0} events/s",
        pack.rules.len(),
        lines as f64 / secs
    );
    Ok(())
}

/// Lines of a file read in 1 MiB blocks and handed out in place: only a line that straddles two
/// blocks is copied (`BufRead::read_line` copies every line into its `String`).
struct Lines {
    file: std::fs::File,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Lines {
    fn new(file: std::fs::File) -> Lines {
        Lines {
            file,
            buf: vec![0; 1 << 20],
            start: 0,
            end: 0,
        }
    }

    /// The next line without its newline; `None` at the end of the file.
    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let line = self.start..self.start + i;
                self.start += i + 1;
                return Ok(Some(&self.buf[line]));
            }
            // Keep the partial line at the front, growing the buffer for a line longer than it.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = self.file.read(&mut self.buf[self.end..])?;
            if n == 0 {
                let last = 0..self.end;
                self.end = 0;
                return Ok((!last.is_empty()).then(|| &self.buf[last]));
            }
            self.end += n;
        }
    }
}
