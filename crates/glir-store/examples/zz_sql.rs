use rusqlite::{Connection, params};
use std::io::BufRead;
use std::time::Instant;
fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or(d.to_string())
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
    let jm: String = c
        .pragma_update_and_check(None, "journal_mode", env("JM", "WAL"), |r| r.get(0))
        .unwrap();
    c.pragma_update(None, "synchronous", "NORMAL").unwrap();
    c.pragma_update(None, "cache_size", env("CACHE", "-32768"))
        .unwrap();
    c.pragma_update(None, "wal_autocheckpoint", env("CKPT", "1000"))
        .unwrap();
    let idx = env("IDX", "all");
    let uniq = env("UNIQ", "src_ev");
    let uniq_sql = match uniq.as_str() {
        "src_ev" => ", UNIQUE(source, event_id)",
        "src_t_ev" => ", UNIQUE(source, created_at, event_id)",
        _ => "",
    };
    c.execute_batch(&format!("CREATE TABLE events (id INTEGER PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL, layout TEXT NOT NULL, created_at INTEGER NOT NULL, event_type TEXT, author_id INTEGER, author_name TEXT COLLATE NOCASE, author_email TEXT COLLATE NOCASE, entity_id INTEGER, entity_type TEXT, entity_path TEXT, target_id TEXT, target_type TEXT, target_details TEXT, ip_address TEXT, change TEXT, change_from TEXT, change_to TEXT, custom_message TEXT, details TEXT, raw TEXT NOT NULL {uniq_sql});")).unwrap();
    let all = [
        "created_at",
        "author_name, created_at",
        "author_id, created_at",
        "author_email, created_at",
        "ip_address, created_at",
        "entity_path, created_at",
        "entity_id, created_at",
        "target_type, created_at",
        "event_type, created_at",
    ];
    let n_idx: usize = if idx == "all" {
        all.len()
    } else {
        idx.parse().unwrap()
    };
    let list: Vec<usize> = env("IDXLIST", "").split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect();
    let chosen: Vec<&str> = if list.is_empty() { all.iter().take(n_idx).copied().collect() } else { list.iter().map(|&i| all[i]).collect() };
    let n_idx = chosen.len();
    for (i, cols) in chosen.iter().enumerate() {
        c.execute_batch(&format!("CREATE INDEX i{i} ON events ({cols})"))
            .unwrap();
    }
    let batch: usize = env("BATCH", "5000").parse().unwrap();
    let details = env("DETAILS", "1") == "1";
    let t = Instant::now();
    for chunk in events.chunks(batch) {
        let tx = c.transaction().unwrap();
        {
            let mut st = tx.prepare_cached("INSERT INTO events (source, event_id, layout, created_at, event_type, author_id, author_name, author_email, entity_id, entity_type, entity_path, target_id, target_type, target_details, ip_address, change, change_from, change_to, custom_message, details, raw) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)").unwrap();
            for e in chunk {
                let d = if details {
                    Some(e.details.to_string())
                } else {
                    None
                };
                st.execute(params![
                    e.source,
                    e.event_id,
                    e.layout.as_str(),
                    e.created_at.as_microsecond(),
                    e.event_type,
                    e.author_id,
                    e.author_name,
                    e.author_email,
                    e.entity_id,
                    e.entity_type,
                    e.entity_path,
                    e.target_id,
                    e.target_type,
                    e.target_details,
                    e.ip_address,
                    e.change,
                    e.from,
                    e.to,
                    e.custom_message,
                    d,
                    e.raw
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let load = t.elapsed().as_secs_f64();
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
        let t2 = Instant::now();
        c.execute_batch("CREATE UNIQUE INDEX ju ON events (source, event_id)")
            .unwrap();
        println!("  create unique: {:.2}s", t2.elapsed().as_secs_f64());
    }
    println!("load {load:.2}s");
    let s = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&db).unwrap().len();
    println!(
        "jm={jm} page={} idx={n_idx} uniq={uniq} batch={batch} details={details} ckpt={}: {:.0} rows/s, {:.0} MB",
        env("PAGE", "4096"),
        env("CKPT", "1000"),
        events.len() as f64 / s,
        size as f64 / 1e6
    );
}
