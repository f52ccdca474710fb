//! The labelled instance `scripts/detection_bench/gen.py` writes (a stretch of a GitLab
//! instance's audit events with attack scenarios, in REST, streaming and `audit_json.log`
//! layouts), for tests that need realistic volume.

use std::path::Path;

/// gen.py's files for this seed, user count and day count, in a temporary directory; `None`
/// (after saying so) where `python3` is missing outside CI.
pub fn generate(seed: u32, users: u32, days: u32) -> Option<tempfile::TempDir> {
    let out = tempfile::tempdir().expect("a temporary directory");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/detection_bench/gen.py");
    let run = std::process::Command::new("python3")
        .arg(&script)
        .args(["--seed", &seed.to_string(), "--users", &users.to_string()])
        .args(["--days", &days.to_string(), "--quiet", "--out"])
        .arg(out.path())
        .status();
    match run {
        Ok(s) if s.success() => Some(out),
        Ok(s) => panic!("gen.py failed: {s}"),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "CI needs python3: {e}");
            eprintln!("skipped the generated instance: no python3 ({e})");
            None
        }
    }
}
