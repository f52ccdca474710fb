use std::io::BufRead;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let lines: Vec<String> = f.lines().map(|l| l.unwrap()).collect();
    let t = Instant::now();
    let mut n = 0;
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        n += v.as_object().unwrap().len();
    }
    println!(
        "value only: {:.0}/s",
        lines.len() as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut evs = Vec::new();
    for l in &lines {
        evs.push(glir_events::parse_event(l, None, "x").unwrap());
        if evs.len() == 5000 {
            evs.clear();
        }
    }
    println!(
        "parse_event: {:.0}/s {n}",
        lines.len() as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut total = 0;
    for l in lines.iter().take(100000) {
        let e = glir_events::parse_event(l, None, "x").unwrap();
        total += e.details.to_string().len();
    }
    println!(
        "details to_string: {:.0}/s {total}",
        100000.0 / t.elapsed().as_secs_f64()
    );
}
