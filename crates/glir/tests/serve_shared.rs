//! Two `glir serve` receivers writing into one ClickHouse database under load, clients failing
//! over between them, and one receiver killed with SIGKILL (twice, the second time for good):
//! every event either receiver answered 2xx for is in the shared store, and none is stored
//! twice, although a fifth of the events are sent to both receivers on purpose.

mod common;

use common::{glir, post_stream, when_healthy};
use glir_test_support::clickhouse::TestDatabase;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "stream-token-0123456789";
const CLIENTS: usize = 16;

fn event(id: &str, n: u64) -> String {
    format!(
        r#"{{"id":"{id}","author_id":2,"entity_id":20,"entity_type":"Project","details":{{"custom_message":"pushed"}},"ip_address":"198.51.100.{}","author_name":"dana","entity_path":"acme/app","target_details":"acme/app","created_at":"2026-12-07T02:{:02}:{:02}.{:03}Z","target_type":"Project","target_id":20,"event_type":"repository_git_operation"}}"#,
        n % 200,
        (n / 60_000) % 60,
        (n / 1000) % 60,
        n % 1000
    )
}

fn post(port: u16, body: &str) -> Option<u16> {
    post_stream(port, TOKEN, "application/json", body)
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn start(dir: &Path, port: u16, store: &str) -> Child {
    let child = glir(&dir.join("data"), &dir.join("cfg.toml"))
        .args([
            "--quiet",
            "--store",
            store,
            "serve",
            "--no-detect",
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--destination", "instance", "--token-file"])
        .arg(dir.join("tok"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    when_healthy(child, port)
}

fn receiver_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cfg.toml"), "").unwrap();
    std::fs::write(dir.join("tok"), TOKEN).unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn two_receivers_one_killed_lose_nothing_acknowledged_and_store_nothing_twice() {
    let Some(db) = TestDatabase::new("two_receivers") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (
        receiver_dir(root.path(), "a"),
        receiver_dir(root.path(), "b"),
    );
    let ports = [free_port(), free_port()];
    let mut a = start(&a_dir, ports[0], &db.url);
    let b = start(&b_dir, ports[1], &db.url);

    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let next = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (acked, next, running) = (acked.clone(), next.clone(), running.clone());
            std::thread::spawn(move || {
                while running.load(Ordering::SeqCst) {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let id = format!("s-{n}");
                    let body = event(&id, n);
                    // Every fifth event goes to both receivers, as a sender streaming to two
                    // destinations would; the rest to one, failing over to the other.
                    let first = (n as usize + c) % 2;
                    let both = n % 5 == 0;
                    let mut answered = false;
                    for attempt in 0..40 {
                        let port = ports[(first + attempt) % 2];
                        match post(port, &body) {
                            Some(200) => {
                                answered = true;
                                if !both {
                                    break;
                                }
                                // The copy to the other receiver, answered or not.
                                let _ = post(ports[(first + attempt + 1) % 2], &body);
                                break;
                            }
                            Some(status) => panic!("{id}: answered {status}"),
                            None => std::thread::sleep(Duration::from_millis(5)),
                        }
                    }
                    assert!(answered, "{id}: neither receiver answered");
                    acked.lock().unwrap().insert(id);
                }
            })
        })
        .collect();

    // Kills at points of the load rather than of the clock: the test means as much on a slow
    // machine as on a fast one.
    let wait_for = |n: usize| {
        let started = Instant::now();
        while acked.lock().unwrap().len() < n {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "load stalled before {n} events"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(300);
    a.kill().unwrap();
    a.wait().unwrap();
    a = start(&a_dir, ports[0], &db.url);
    wait_for(600);
    // The second kill is for good: what A acknowledged must already be in the shared store.
    a.kill().unwrap();
    a.wait().unwrap();
    wait_for(900);
    running.store(false, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    let stopped = std::process::Command::new("kill")
        .args(["-INT", &b.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let output = b.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");

    let acked = acked.lock().unwrap().clone();
    let stored: BTreeSet<String> = db
        .sql("SELECT event_id FROM {db}.events FINAL")
        .lines()
        .map(str::to_owned)
        .collect();
    let lost: Vec<_> = acked.difference(&stored).take(10).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert_eq!(
        stored, acked,
        "the store holds exactly the acknowledged events"
    );
    // Once ClickHouse has merged its parts, each event is one row: nothing stored twice.
    db.sql("OPTIMIZE TABLE {db}.events FINAL");
    let rows: usize = db
        .sql("SELECT count() FROM {db}.events")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(rows, acked.len(), "rows after merging");
    let through_glir = glir(&b_dir.join("data"), &b_dir.join("cfg.toml"))
        .args(["--store", &db.url, "events", "--format", "json"])
        .output()
        .unwrap();
    assert!(through_glir.status.success(), "{through_glir:?}");
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&through_glir.stdout).unwrap();
    assert_eq!(listed.len(), acked.len(), "glir events lists each once");
    eprintln!(
        "{} events acknowledged by two receivers (one killed twice); the shared store holds each once",
        acked.len()
    );
}
