//! `glir serve` killed with SIGKILL under load, again and again: every event it answered 2xx
//! for is in the store and in the archive, none twice, and the archive verifies. Clients that
//! got no answer send the same events again, as a retrying sender would.

mod common;

use common::{glir, post_stream, when_healthy};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "stream-token-0123456789";
const KILLS: usize = 20;
const CLIENTS: usize = 4;

fn event(id: &str, n: u64) -> String {
    format!(
        r#"{{"id":"{id}","author_id":2,"entity_id":20,"entity_type":"Project","details":{{"custom_message":{{"protocol":"http","action":"git-upload-pack"}}}},"ip_address":"198.51.100.{}","author_name":"dana","entity_path":"acme/app","target_details":"acme/app","created_at":"2026-12-07T01:{:02}:{:02}.{:03}Z","target_type":"Project","target_id":20,"event_type":"repository_git_operation"}}"#,
        n % 200,
        (n / 60_000) % 60,
        (n / 1000) % 60,
        n % 1000
    )
}

fn post(port: u16, body: &str) -> Option<u16> {
    post_stream(port, TOKEN, "application/x-www-form-urlencoded", body)
}

fn start(dir: &Path, port: u16) -> Child {
    let child = glir(&dir.join("data"), &dir.join("cfg.toml"))
        .args(["--quiet", "serve", "--no-detect", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--destination", "instance", "--token-file"])
        .arg(dir.join("tok"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    when_healthy(child, port)
}

/// Every archived event id, from the sealed segments and the open one.
fn archived_ids(archive: &Path) -> Vec<String> {
    let mut text = String::new();
    for entry in std::fs::read_dir(archive).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("segment-") && name.ends_with(".jsonl.gz") {
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut text)
                .unwrap();
        } else if name.starts_with("open-") {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            v["event"]["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn killed_twenty_times_under_load_it_loses_and_repeats_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cfg.toml"), "").unwrap();
    std::fs::write(dir.path().join("tok"), TOKEN).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let sent = Arc::new(Mutex::new(BTreeSet::new()));
    let next = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (acked, sent, next, running) =
                (acked.clone(), sent.clone(), next.clone(), running.clone());
            std::thread::spawn(move || {
                // Events without an answer, sent again until one comes.
                let mut unanswered: Vec<(String, u64)> = Vec::new();
                while running.load(Ordering::SeqCst) || !unanswered.is_empty() {
                    let (id, n) = match unanswered.pop() {
                        Some(again) => again,
                        None if running.load(Ordering::SeqCst) => {
                            let n = next.fetch_add(1, Ordering::SeqCst);
                            (format!("k-{n}"), n)
                        }
                        None => break,
                    };
                    sent.lock().unwrap().insert(id.clone());
                    match post(port, &event(&id, n)) {
                        Some(200) => {
                            acked.lock().unwrap().insert(id);
                        }
                        Some(status) => panic!("{id}: answered {status}"),
                        None => {
                            unanswered.push((id, n));
                            std::thread::sleep(Duration::from_millis(10));
                        }
                    }
                }
            })
        })
        .collect();
    for round in 0..KILLS {
        let mut server = start(dir.path(), port);
        std::thread::sleep(Duration::from_millis(150 + (round as u64 * 37) % 250));
        server.kill().unwrap();
        server.wait().unwrap();
    }
    // A last, clean run: the clients' unanswered events go through, then it stops gracefully.
    let server = start(dir.path(), port);
    running.store(false, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    let stopped = std::process::Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let output = server.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");

    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(
        acked.len() > 200,
        "too little load to mean anything: {}",
        acked.len()
    );
    assert_eq!(acked, sent, "every event was answered in the end");
    let store = glir_store::Store::open(&dir.path().join("data/glir.db")).unwrap();
    let stored: BTreeSet<String> = store
        .query_events(&glir_store::EventFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        stored, acked,
        "the store holds exactly the acknowledged events"
    );
    let archive = dir.path().join("data/archive");
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for id in archived_ids(&archive) {
        *times.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "archived more than once: {twice:?}");
    let archived: BTreeSet<String> = times.into_keys().collect();
    assert_eq!(
        archived, acked,
        "the archive holds exactly the acknowledged events"
    );
    let report = glir_archive::verify(&archive).unwrap();
    assert!(report.is_ok(), "{report:?}");
    eprintln!(
        "{} events acknowledged across {KILLS} kills; store and archive hold each once",
        acked.len()
    );
}
