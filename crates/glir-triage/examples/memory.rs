//! The constant-memory claim, measured: a fake root with one large generated log (200 MiB by
//! default, `cargo run --release -p glir-triage --example memory -- <MiB>`) goes through
//! `triage_host`, and the process's peak resident memory (VmHWM) is printed before and after.
//! A bench, not a test: peak memory depends on the allocator and the machine.

use std::io::{BufWriter, Write};
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("root");
    let logs = root.join("var/log/gitlab/gitlab-rails");
    std::fs::create_dir_all(&logs)?;
    let mut log = BufWriter::new(std::fs::File::create(logs.join("production_json.log"))?);
    let mut written = 0u64;
    let mut n = 0u64;
    while written < mib << 20 {
        let line = format!(
            "{{\"time\":\"2026-12-01T10:{:02}:{:02}.{:03}Z\",\"method\":\"GET\",\"path\":\"/api/v4/projects/{}\",\"status\":200,\"remote_ip\":\"203.0.113.{}\",\"correlation_id\":\"{:016x}\"}}\n",
            (n / 60) % 60,
            n % 60,
            n % 1000,
            n % 9973,
            n % 251,
            n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        log.write_all(line.as_bytes())?;
        written += line.len() as u64;
        n += 1;
    }
    log.into_inner()?.sync_all()?;
    let before = peak_rss_kib();
    let started = Instant::now();
    let summary = glir_triage::triage_host(&glir_triage::Options {
        root,
        proc_dir: None,
        output: dir.path().join("bundle.tar.zst"),
        copy_to: None,
        since: jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24),
        hash_max: 64 << 20,
        include_objects: false,
        operator: "bench".to_string(),
        command_line: Vec::new(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    })?;
    let elapsed = started.elapsed();
    let after = peak_rss_kib();
    println!(
        "log {} MiB ({} lines) -> bundle {:.1} MiB in {:.1} s; peak RSS {} KiB before, {} KiB after (+{} KiB)",
        written >> 20,
        n,
        summary.bundle_bytes as f64 / f64::from(1 << 20),
        elapsed.as_secs_f64(),
        before,
        after,
        after.saturating_sub(before)
    );
    Ok(())
}
