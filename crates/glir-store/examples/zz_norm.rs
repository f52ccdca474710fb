use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::io::BufRead;
use std::time::Instant;
fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or(d.to_string())
}
#[derive(Default)]
struct Dict(HashMap<String, i64>);
impl Dict {
    fn get(&mut self, k: String) -> i64 {
        let n = self.0.len() as i64 + 1;
        *self.0.entry(k).or_insert(n)
    }
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let events: Vec<_> = f
        .lines()
        .map(|l| glir_events::parse_event(&l.unwrap(), None, "gitlab.example.test").unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut c = Connection::open(&db).unwrap();
    c.pragma_update(None, "page_size", env("PAGE", "4096"))
        .unwrap();
    let _jm: String = c
        .pragma_update_and_check(None, "journal_mode", env("JM", "WAL"), |r| r.get(0))
        .unwrap();
    c.pragma_update(None, "synchronous", "NORMAL").unwrap();
    c.pragma_update(None, "cache_size", env("CACHE", "-32768"))
        .unwrap();
    c.pragma_update(None, "wal_autocheckpoint", env("CKPT", "1000"))
        .unwrap();
    c.execute_batch("CREATE TABLE events (id INTEGER PRIMARY KEY, source_ref INTEGER NOT NULL, event_id TEXT NOT NULL, layout INTEGER NOT NULL, created_at INTEGER NOT NULL, event_type_ref INTEGER, author_ref INTEGER, entity_ref INTEGER, ip_ref INTEGER, target_type_ref INTEGER, target_id TEXT, target_details TEXT, change TEXT, change_from TEXT, change_to TEXT, custom_message TEXT, extra TEXT, raw TEXT NOT NULL, UNIQUE(source_ref, created_at, event_id));").unwrap();
    let idx: usize = env("IDX", "6").parse().unwrap();
    let all = [
        "created_at",
        "author_ref, created_at",
        "entity_ref, created_at",
        "ip_ref, created_at",
        "target_type_ref, created_at",
        "event_type_ref, created_at",
    ];
    for (i, cols) in all.iter().take(idx).enumerate() {
        c.execute_batch(&format!("CREATE INDEX i{i} ON events ({cols})"))
            .unwrap();
    }
    let batch: usize = env("BATCH", "5000").parse().unwrap();
    let (mut a, mut en, mut t) = (Dict::default(), Dict::default(), Dict::default());
    let start = Instant::now();
    for chunk in events.chunks(batch) {
        let tx = c.transaction().unwrap();
        {
            let mut st = tx.prepare_cached("INSERT INTO events (source_ref, event_id, layout, created_at, event_type_ref, author_ref, entity_ref, ip_ref, target_type_ref, target_id, target_details, change, change_from, change_to, custom_message, extra, raw) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17) ON CONFLICT DO NOTHING").unwrap();
            for e in chunk {
                let ar = a.get(format!(
                    "{:?}{:?}{:?}",
                    e.author_id, e.author_name, e.author_email
                ));
                let er = en.get(format!(
                    "{:?}{:?}{:?}",
                    e.entity_id, e.entity_type, e.entity_path
                ));
                let ip = e.ip_address.clone().map(|x| t.get(format!("ip:{x}")));
                let et = e.event_type.clone().map(|x| t.get(format!("et:{x}")));
                let tt = e.target_type.clone().map(|x| t.get(format!("tt:{x}")));
                st.execute(params![
                    1,
                    e.event_id,
                    2,
                    e.created_at.as_microsecond(),
                    et,
                    ar,
                    er,
                    ip,
                    tt,
                    e.target_id,
                    e.target_details,
                    e.change,
                    e.from,
                    e.to,
                    e.custom_message,
                    None::<String>,
                    e.raw
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    println!("load {:.2}s", start.elapsed().as_secs_f64());
    if env("LATE", "0") == "1" {
        for (i, cols) in all.iter().enumerate() {
            let t2 = Instant::now();
            c.execute_batch(&format!("CREATE INDEX j{i} ON events ({cols})"))
                .unwrap();
            println!(
                "  create index ({cols}): {:.2}s",
                t2.elapsed().as_secs_f64()
            );
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "norm page={} idx={idx} batch={batch} ckpt={}: {:.0} rows/s",
        env("PAGE", "4096"),
        env("CKPT", "1000"),
        events.len() as f64 / s
    );
}
