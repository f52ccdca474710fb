//! How long a refused token takes to be refused, by how close it is to the right one: the
//! receiver hashes both tokens and compares the digests in constant time, so the medians should
//! differ only by noise.
//!
//! ```sh
//! cargo run --release -p glir-serve --example token_timing -- URL RIGHT_TOKEN_FILE [ROUNDS]
//! ```

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: token_timing URL RIGHT_TOKEN_FILE [ROUNDS]");
        std::process::exit(2);
    }
    let url = &args[0];
    let right = std::fs::read_to_string(&args[1])
        .expect("the token file")
        .trim()
        .to_string();
    let rounds: usize = args.get(2).map_or(2000, |r| r.parse().expect("ROUNDS"));
    let mut last_wrong = right.clone();
    last_wrong.pop();
    last_wrong.push(if right.ends_with('x') { 'y' } else { 'x' });
    let variants: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("one character", Some("a".into())),
        (
            "right length, first character wrong",
            Some(format!("#{}", &right[1..])),
        ),
        ("right length, last character wrong", Some(last_wrong)),
        ("right token plus one character", Some(format!("{right}x"))),
        ("1,000 characters", Some("b".repeat(1000))),
    ];
    let client = reqwest::Client::new();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    // Interleaved, so drift in the machine's load touches every variant alike.
    for _ in 0..rounds {
        for (i, (_, token)) in variants.iter().enumerate() {
            let mut req = client.post(url).body("{}");
            if let Some(token) = token {
                req = req.header("X-Gitlab-Event-Streaming-Token", token);
            }
            let started = Instant::now();
            let answer = req.send().await.expect("an answer");
            let status = answer.status().as_u16();
            let _ = answer.bytes().await;
            samples[i].push(started.elapsed());
            assert_eq!(status, 401, "{}", variants[i].0);
        }
    }
    for ((name, _), mut times) in variants.iter().zip(samples) {
        times.sort();
        let at = |p: f64| times[(times.len() as f64 * p) as usize].as_secs_f64() * 1e6;
        println!(
            "{name:<40} median {:>7.1} µs  p10 {:>7.1} µs  p90 {:>7.1} µs",
            at(0.5),
            at(0.1),
            at(0.9)
        );
    }
}
