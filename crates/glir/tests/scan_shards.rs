//! `glir scan --shard I/N --save` over job logs and git mirrors: the shards' findings merge in
//! the store into exactly what one unsharded run finds, and a shard run again adds nothing; on
//! SQLite and, where a server answers, on ClickHouse.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_sim::scenario::{Group, Job, Project};
use glir_test_support::BlockingSim as Sim;
use glir_test_support::clickhouse::TestDatabase;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const ADMIN: &str = "glpat-SimAdminToken0000001";
/// What the fixture's build job leaks in its log.
const LEAKED: [&str; 2] = ["glpat-SimOwnerToken0000001", "glpat-SimProjectBot0000001"];
/// Format-valid tokens that exist nowhere.
const PAT: &str = "glpat-Zq3xK9wPm2Rt7yVb4Nc8";
const DEPLOY: &str = "gldt-Hs5eTu8wQx2Ya6Zb3Kc9";

/// The credential fixture's `acme/app` and twelve more projects of `acme` and its subgroup, each
/// with a copy of the fixture's leakiest job.
fn group_of_projects() -> Scenario {
    let mut s = Scenario::credentials();
    let sub: Group =
        serde_json::from_value(serde_json::json!({"id": 11, "path": "platform", "parent_id": 10}))
            .unwrap();
    s.groups.push(sub);
    let template = s.jobs.iter().find(|j| j.id == 201).unwrap().clone();
    for id in 21..=32 {
        let namespace = if id % 2 == 0 { "acme" } else { "acme/platform" };
        let path = format!("svc{id}");
        s.projects.push(Project::new(id, &path, namespace));
        s.jobs.push(Job {
            id: 1000 + id,
            project: format!("{namespace}/{path}"),
            ..template.clone()
        });
    }
    s
}

/// `glir [--store URL] ARGS` with its data dir under `dir`.
fn glir(dir: &Path, url: &str, store: Option<&str>, args: &[&str]) -> Output {
    let mut all: Vec<&str> = store.map(|s| vec!["--store", s]).unwrap_or_default();
    all.extend(args);
    std::fs::create_dir_all(dir).unwrap();
    run_against(dir, url, ADMIN, &all, "")
}

/// Findings of a `--format jsonl` listing by location fingerprint (one secret, one place).
fn by_place(o: &Output) -> BTreeMap<String, Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let f: Value = serde_json::from_str(l).unwrap();
            (f["location_fingerprint"].as_str().unwrap().to_owned(), f)
        })
        .collect()
}

/// "stored: N new, M already stored" from a `--save` run.
fn saved(o: &Output) -> (u64, u64) {
    let out = text(o);
    let tail = out
        .split("; stored: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no stored summary:\n{out}"));
    let numbers: Vec<u64> = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .take(2)
        .map(|t| t.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

/// Runs `scan ARGS --shard i/3 --save` for every shard into one store, checks that the stored
/// listing is exactly `whole` and that a shard run again stores nothing new.
fn shards_merge_into(
    dir: &Path,
    url: &str,
    store: Option<&str>,
    args: &[&str],
    whole: &BTreeMap<String, Value>,
) {
    let mut total = 0;
    let mut second = None;
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let mut shard_args = args.to_vec();
        shard_args.extend(["--shard", &shard, "--save"]);
        let o = glir(dir, url, store, &shard_args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
        assert!(
            text(&o).contains(&format!("(shard {i}/3; ")),
            "{}",
            text(&o)
        );
        let (new, known) = saved(&o);
        assert_eq!(known, 0, "shard {i} overlaps another:\n{}", text(&o));
        total += new;
        if new > 0 {
            second = Some((i, new));
        }
    }
    assert_eq!(total, whole.len() as u64, "{store:?}");
    let listed = glir(dir, url, store, &["--format", "jsonl", "scan", "--stored"]);
    assert_eq!(listed.status.code(), Some(1), "{}", text(&listed));
    assert_eq!(&by_place(&listed), whole, "{store:?}");
    // A shard run again (or two shards overlapping by mistake) adds no duplicate.
    let (i, found) = second.expect("some shard found something");
    let shard = format!("{i}/3");
    let mut again = args.to_vec();
    again.extend(["--shard", &shard, "--save"]);
    let o = glir(dir, url, store, &again);
    assert_eq!(saved(&o), (0, found), "{}", text(&o));
    let listed = glir(dir, url, store, &["--format", "jsonl", "scan", "--stored"]);
    assert_eq!(&by_place(&listed), whole, "{store:?}");
}

#[test]
fn job_log_shards_merge_in_the_store_into_one_unsharded_run() {
    let sim = Sim::start(group_of_projects());
    let scan = [
        "--format",
        "jsonl",
        "scan",
        "--gitlab-jobs",
        "acme",
        "--since",
        "2025-01-01",
    ];
    let one = tempfile::tempdir().unwrap();
    let o = glir(one.path(), &sim.url, None, &scan);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let whole = by_place(&o);
    let projects: std::collections::BTreeSet<&str> = whole
        .values()
        .map(|f| f["location"]["project"].as_str().unwrap())
        .collect();
    assert_eq!(projects.len(), 13, "{projects:?}");

    let sqlite = tempfile::tempdir().unwrap();
    shards_merge_into(sqlite.path(), &sim.url, None, &scan, &whole);
    // The store keeps what the listing shows: redacted secrets and fingerprints only.
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(sqlite.path().join("data")).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(
        stored.contains("\"location_fingerprint\""),
        "records in the file"
    );
    for secret in LEAKED {
        assert!(!text(&o).contains(secret), "{secret} in the output");
        assert!(!stored.contains(secret), "{secret} in the store");
    }
    if let Some(db) = TestDatabase::new("scan_shards_jobs") {
        let dir = tempfile::tempdir().unwrap();
        shards_merge_into(dir.path(), &sim.url, Some(&db.url), &scan, &whole);
        assert_eq!(in_clickhouse(&db), whole.len());
    }
}

/// Findings stored in the test's ClickHouse database: `--store` reached it.
fn in_clickhouse(db: &TestDatabase) -> usize {
    db.sql("SELECT count() FROM {db}.findings FINAL")
        .trim()
        .parse()
        .unwrap()
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dana Dev")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Dev")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", repo)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A work tree at `path` whose history once held `secret` in `file`.
fn repo_with(path: &Path, file: &str, secret: &str) {
    std::fs::create_dir_all(path).unwrap();
    git(path, &["init", "-q", "-b", "main"]);
    std::fs::write(path.join(file), format!("TOKEN={secret}\n")).unwrap();
    git(path, &["add", "."]);
    git(path, &["commit", "-q", "-m", "add"]);
    std::fs::write(path.join(file), "TOKEN=$TOKEN\n").unwrap();
    git(path, &["commit", "-qam", "use a variable"]);
}

#[test]
fn mirror_shards_merge_in_the_store_into_one_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let mirrors = dir.path().join("mirrors");
    repo_with(&mirrors.join("acme/app"), "ci.sh", PAT);
    repo_with(&mirrors.join("acme/tools/deep/cli"), "deploy.env", DEPLOY);
    repo_with(&mirrors.join("ops"), "notes.txt", DEPLOY);
    // A bare mirror of acme/app: the same commit in another repository is another place.
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--mirror",
            "mirrors/acme/app",
            "mirrors/forks/app.git",
        ],
    );
    // Not a repository, and not history: no mirror scan reads it.
    std::fs::create_dir_all(mirrors.join("loose")).unwrap();
    std::fs::write(mirrors.join("loose/key.txt"), format!("{PAT}\n")).unwrap();
    let mirrors = mirrors.to_str().unwrap();
    let scan = ["--format", "jsonl", "scan", "--git-mirrors", mirrors];
    let one = dir.path().join("one");
    let o = glir(&one, "http://127.0.0.1:9", None, &scan);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("git mirrors: 4 repositories under"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains(PAT) && !text(&o).contains(DEPLOY));
    let whole = by_place(&o);
    let paths: Vec<&str> = whole
        .values()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        paths,
        [
            "acme/app:ci.sh",
            "acme/tools/deep/cli:deploy.env",
            "forks/app.git:ci.sh",
            "ops:notes.txt"
        ]
    );

    shards_merge_into(
        &dir.path().join("sqlite"),
        "http://127.0.0.1:9",
        None,
        &scan,
        &whole,
    );
    if let Some(db) = TestDatabase::new("scan_shards_mirrors") {
        shards_merge_into(
            &dir.path().join("clickhouse"),
            "http://127.0.0.1:9",
            Some(&db.url),
            &scan,
            &whole,
        );
        assert_eq!(in_clickhouse(&db), whole.len());
    }
}

#[test]
fn a_shard_that_is_not_one_is_refused_naming_the_flag_and_its_form() {
    let dir = tempfile::tempdir().unwrap();
    for shard in ["0/3", "4/3", "1/0", "x"] {
        let o = glir(
            dir.path(),
            "http://127.0.0.1:9",
            None,
            &["scan", "--gitlab-jobs", "acme", "--shard", shard],
        );
        assert_eq!(o.status.code(), Some(2), "{shard}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("invalid value '{shard}' for '--shard <I/N>'"))
                && err.contains("I/N"),
            "{shard}: {err}"
        );
    }
    let o = glir(
        dir.path(),
        "http://127.0.0.1:9",
        None,
        &["scan", ".", "--shard", "1/2"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--shard applies to --gitlab-jobs and --git-mirrors"),
        "{}",
        text(&o)
    );
}
