//! Append throughput with group commit: N records of about 600 bytes in batches of B, one
//! `sync` (write + fdatasync) per batch and `maybe_rotate` after each, as the receiver does.
//! Reports the longest `maybe_rotate` call: the writer's stall when a segment reaches its limit
//! (the receiver's requests wait that long).
//!
//! cargo run --release --offline -p glir-archive --example append_bench -- N B [DIR] [SEGMENT_MIB]
//!
//! The archive goes to a temporary directory under DIR (default: the system's temp directory),
//! removed afterwards. Give a DIR on the disk the archive will live on: where /tmp is a tmpfs,
//! fsync costs nothing and the figures mean little.

use glir_archive::{Archive, ArchiveOptions, MAX_PENDING_SEALS, verify};
use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A streamed GitLab audit event of about 600 bytes; the id and time vary per record.
fn record(i: u64, out: &mut Vec<u8>) {
    out.clear();
    let line = format!(
        concat!(
            r#"{{"id":"{:032x}","author_id":{},"author_name":"Jane Doe","entity_id":42,"#,
            r#""entity_type":"Project","entity_path":"acme/payments/backend","#,
            r#""event_type":"project_access_token_created","created_at":"2026-05-01T10:{:02}:{:02}.{:03}Z","#,
            r#""details":{{"author_name":"Jane Doe","author_class":"User","target_id":{},"#,
            r#""target_type":"PersonalAccessToken","target_details":"deploy-bot","#,
            r#""custom_message":"Created project access token {}","#,
            r#""ip_address":"203.0.113.{}"}},"#,
            r#""ip_address":"203.0.113.{}","target_id":{},"target_type":"PersonalAccessToken","#,
            r#""event_name":"project_access_token_created"}}"#
        ),
        i,
        1000 + i % 50,
        (i / 60_000) % 60,
        (i / 1000) % 60,
        i % 1000,
        i,
        i,
        i % 250,
        i % 250,
        i
    );
    out.extend_from_slice(line.as_bytes());
}

fn arg<T: std::str::FromStr>(n: usize, name: &str) -> Result<Option<T>, Box<dyn Error>> {
    match std::env::args().nth(n) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: not a number: {text:?}").into()),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let n: u64 = arg(1, "N")?.unwrap_or(1_000_000);
    let batch: usize = arg(2, "B")?.unwrap_or(1000);
    let segment_mib: u64 = arg(4, "SEGMENT_MIB")?.unwrap_or(64);
    let parent: PathBuf = std::env::args()
        .nth(3)
        .map_or_else(std::env::temp_dir, PathBuf::from);
    let holder = tempfile::tempdir_in(&parent)?;
    let dir = holder.path().join("archive");
    let opts = ArchiveOptions {
        segment_max_bytes: segment_mib << 20,
        segment_max_age: None,
    };
    let mut archive = Archive::open(&dir, opts)?;

    let mut owned: Vec<Vec<u8>> = (0..batch).map(|_| Vec::with_capacity(700)).collect();
    let mut bytes = 0u64;
    let mut sync_times = Vec::with_capacity((n as usize).div_ceil(batch.max(1)));
    let mut rotations = 0usize;
    let mut waited_for_sealer = 0usize;
    let mut rotate_max = Duration::ZERO;
    let mut rotate_total = Duration::ZERO;
    let started = Instant::now();
    let mut i = 0u64;
    while i < n {
        let take = batch.min((n - i) as usize);
        for (k, buf) in owned.iter_mut().take(take).enumerate() {
            record(i + k as u64, buf);
            bytes += buf.len() as u64 + 1;
        }
        let refs: Vec<&[u8]> = owned[..take].iter().map(Vec::as_slice).collect();
        archive.append(&refs)?;
        let t = Instant::now();
        archive.sync()?;
        sync_times.push(t.elapsed());
        // A rotation while the sealer is the maximum behind waits for it (the queue bound).
        let sealer_full = archive.pending_seals().len() >= MAX_PENDING_SEALS;
        let t = Instant::now();
        let rotated = archive.maybe_rotate()?.is_some();
        let took = t.elapsed();
        rotate_max = rotate_max.max(took);
        if rotated {
            rotations += 1;
            rotate_total += took;
            waited_for_sealer += usize::from(sealer_full);
        }
        i += take as u64;
    }
    let elapsed = started.elapsed();
    let t = Instant::now();
    let last = archive.seal()?;
    let final_seal = t.elapsed();
    drop(archive);
    // Every record is sealed now: the compressed size is what the directory's segments take.
    let mut compressed = 0u64;
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().ends_with(".jsonl.gz") {
            compressed += entry.metadata()?.len();
        }
    }

    sync_times.sort();
    let pct = |p: f64| {
        let idx = ((sync_times.len() as f64 - 1.0) * p).round() as usize;
        sync_times.get(idx).copied().unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let secs = elapsed.as_secs_f64();
    println!(
        "{n} records ({:.0} bytes each), batches of {batch}, {segment_mib} MiB segments, in {}",
        bytes as f64 / n.max(1) as f64,
        dir.display()
    );
    println!(
        "{:.0} records/s, {:.1} MB/s, {:.0} syncs/s over {:.2} s",
        n as f64 / secs,
        bytes as f64 / secs / 1e6,
        sync_times.len() as f64 / secs,
        secs
    );
    println!(
        "sync (write + fdatasync): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    println!(
        "maybe_rotate: longest call (the writer's stall) {:.2} ms; {rotations} rotations, mean \
         {:.2} ms each, {waited_for_sealer} of them with the sealer {MAX_PENDING_SEALS} segments \
         behind (they wait for it)",
        ms(rotate_max),
        ms(rotate_total) / rotations.max(1) as f64,
    );
    println!(
        "final seal (waits for every pending segment) {:.0} ms ({} records in the last segment)",
        ms(final_seal),
        last.map_or(0, |s| s.records)
    );
    if bytes > 0 {
        println!(
            "gzip: sealed segments are {:.1}% of their records' size",
            compressed as f64 * 100.0 / bytes as f64
        );
    }
    let report = verify(&dir)?;
    println!(
        "verify: {} segments, {} records, {} problems",
        report.segments,
        report.records,
        report.problems.len()
    );
    Ok(())
}
