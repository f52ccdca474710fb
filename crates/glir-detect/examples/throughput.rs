//! Read + parse + match throughput of a rule pack over a JSONL file of streamed events.
//!
//! `cargo run --release -p glir-detect --example throughput -- rules/gitlab events.jsonl [STAGE]`
//!
//! STAGE splits the cost: `read` (lines only), `parse` (lines parsed into canonical events),
//! `detect` (the default: parse and evaluate the pack, counting what fired), `alerts` (also
//! build every alert: reason, event ids, rule metadata, as `glir detect` outputs them).

use glir_detect::{Detector, LoadOptions, load_rules};
use glir_events::EventReader;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Read,
    Parse,
    Detect,
    Alerts,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(rules), Some(input)) = (args.next(), args.next()) else {
        return Err("usage: throughput RULE_DIR EVENTS.jsonl [read|parse|detect|alerts]".into());
    };
    let stage = match args.next().as_deref() {
        None | Some("detect") => Stage::Detect,
        Some("parse") => Stage::Parse,
        Some("read") => Stage::Read,
        Some("alerts") => Stage::Alerts,
        Some(other) => return Err(format!("unknown stage {other:?}").into()),
    };
    let pack = load_rules(
        &[PathBuf::from(rules)],
        &LoadOptions {
            strict: true,
            ..LoadOptions::default()
        },
    )?;
    let mut detector = Detector::new(&pack)?;
    let file = std::fs::File::open(input)?;
    let start = Instant::now();
    let (mut lines, mut alerts) = (0u64, 0usize);
    let mut events = EventReader::new();
    for_each_line(&file, &mut |line| {
        let record = line.trim();
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
                Stage::Alerts => {
                    alerts += events.read(record, None, "bench", |e| {
                        detector.process_ref(e).alerts().len()
                    })?
                }
            }
        }
        Ok(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} rules, {lines} events, {alerts} alerts, {secs:.2} s, {:.0} events/s",
        pack.rules.len(),
        lines as f64 / secs
    );
    Ok(())
}

type Error = Box<dyn std::error::Error>;

/// Calls `f` with each line of `file` (without its newline), reading the file through memory
/// maps of 4 MiB at a time, prefaulted: the lines are read where the page cache holds them,
/// without `read`'s copy, and memory stays bounded by the window. The whole lines of a window
/// are checked to be UTF-8 at once; a line that straddles two windows is read from the next.
fn for_each_line(
    file: &std::fs::File,
    f: &mut dyn FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    // A multiple of any page size, as map offsets must be.
    const ALIGN: u64 = 1 << 16;
    let len = file.metadata()?.len();
    let (mut pos, mut window) = (0u64, 4 << 20);
    while pos < len {
        let base = pos - pos % ALIGN;
        let size = (len - base).min(window);
        // SAFETY: the map is only read, and the benchmark's input is not written while it runs
        // (a concurrent write could change bytes under a `&[u8]`; ripgrep maps files alike).
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(base)
                .len(size as usize)
                .populate()
                .map(file)?
        };
        let from = (pos - base) as usize;
        let to = match base + size == len {
            true => map.len(),
            false => memchr::memrchr(b'\n', &map[from..]).map_or(from, |i| from + i + 1),
        };
        let whole = std::str::from_utf8(&map[from..to]).map_err(|e| {
            format!(
                "not UTF-8 at byte {}",
                base as usize + from + e.valid_up_to()
            )
        })?;
        let mut rest = whole;
        while !rest.is_empty() {
            let (line, after) = match memchr::memchr(b'\n', rest.as_bytes()) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            };
            f(line)?;
            rest = after;
        }
        let next = base + to as u64;
        // A line longer than the window: map more at once.
        if next == pos {
            window *= 2;
        }
        pos = next;
    }
    Ok(())
}
