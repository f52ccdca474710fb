//! Scan throughput on generated log-like text with sparse secrets.
//!
//! `cargo run --release -p glir-scan --example scan_throughput [MiB]` (default 256 MiB).
//! Prints MB/s for the GitLab rules alone, the full built-in set, and the job-log decoding
//! mode (on the first 64 MiB), on one core.

use std::time::Instant;

use glir_scan::{RuleOptions, RuleSet, Scanner};

/// xorshift64*, so the corpus is the same on every run without a rand dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// A pool of realistic lines: web access logs, CI output, app logs, stack traces.
fn line_pool(rng: &mut Rng) -> Vec<String> {
    let users = [
        "alice",
        "bob",
        "carol",
        "deploy-bot",
        "ci-runner",
        "mallory",
    ];
    let paths = [
        "/api/v4/projects/42/jobs",
        "/api/v4/users/7/keys",
        "/group/project/-/merge_requests/19",
        "/api/v4/runners/all?page=3",
        "/users/sign_in",
        "/-/readiness",
    ];
    let levels = ["INFO", "WARN", "DEBUG", "ERROR"];
    (0..4096)
        .map(|i| {
            let ts = format!("2026-03-{:02}T{:02}:{:02}:{:02}.{:03}Z", 1 + i % 28, i % 24, i % 60, (i * 7) % 60, i % 1000);
            match rng.below(5) {
                0 => format!(
                    "{ts} 10.{}.{}.{} - {} \"GET {} HTTP/1.1\" {} {} \"Mozilla/5.0 (X11; Linux x86_64)\" request_id={}\n",
                    rng.below(255), rng.below(255), rng.below(255),
                    users[rng.below(users.len())], paths[rng.below(paths.len())],
                    [200, 201, 302, 404, 500][rng.below(5)], rng.below(90_000), rng.word(ALNUM, 26)
                ),
                1 => format!(
                    "{ts} {} [worker-{}] Processing job {} for pipeline {} stage=test duration={}ms\n",
                    levels[rng.below(levels.len())], rng.below(32), rng.below(10_000_000), rng.below(1_000_000), rng.below(100_000)
                ),
                2 => format!("$ bundle exec rspec spec/models/user_spec.rb:{} --format progress # commit {}\n", rng.below(900), rng.word(HEX, 40)),
                3 => format!(
                    "    at com.example.service.Handler.process(Handler.java:{})\n    at java.base/java.lang.Thread.run(Thread.java:{})\n",
                    rng.below(2000), rng.below(900)
                ),
                _ => format!(
                    "{ts} {} sidekiq: jid={} class=Ci::BuildFinishedWorker args=[{}] queue=pipeline_processing:{} retry=true\n",
                    levels[rng.below(levels.len())], rng.word(HEX, 24), rng.below(99_999_999), rng.word(ALNUM, 8)
                ),
            }
        })
        .collect()
}

fn corpus(size: usize) -> (Vec<u8>, usize) {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let pool = line_pool(&mut rng);
    let mut data = Vec::with_capacity(size + 4096);
    let mut next_secret = 1 << 20;
    let mut planted = 0;
    while data.len() < size {
        if data.len() >= next_secret {
            let token = format!("export GITLAB_TOKEN=glpat-{}\n", rng.word(ALNUM, 20));
            data.extend_from_slice(token.as_bytes());
            planted += 1;
            next_secret += (1 << 20) - (1 << 16) + rng.below(1 << 17);
        }
        data.extend_from_slice(pool[rng.below(pool.len())].as_bytes());
    }
    (data, planted)
}

fn measure(label: &str, scanner: &Scanner, data: &[u8]) {
    measure_with(label, data, &mut |data, sink| scanner.scan(data, sink));
}

type ScanFn<'a> = dyn FnMut(&[u8], &mut dyn FnMut(glir_scan::RawMatch<'_>)) + 'a;

fn measure_with(label: &str, data: &[u8], scan: &mut ScanFn<'_>) {
    // One warm-up pass, then the best of three, so page faults do not count.
    let mut best = f64::MAX;
    let mut matches = 0;
    for _ in 0..4 {
        matches = 0;
        let start = Instant::now();
        scan(data, &mut |_| matches += 1);
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mb = data.len() as f64 / 1e6;
    println!(
        "{label:<24} {:>8.0} MB/s  ({mb:.0} MB in {best:.3} s, {matches} matches)",
        mb / best
    );
}

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(256);
    let (data, planted) = corpus(mib << 20);
    println!(
        "corpus: {} bytes, {planted} planted GitLab tokens",
        data.len()
    );
    let mut gitlab = RuleSet::builtin(&RuleOptions::default()).expect("rules");
    gitlab.rules.retain(|r| r.provider == "gitlab");
    measure(
        "GitLab rules",
        &Scanner::new(gitlab).expect("scanner"),
        &data,
    );
    let all = RuleSet::builtin(&RuleOptions::default()).expect("rules");
    measure(
        "all built-in rules",
        &Scanner::new(all).expect("scanner"),
        &data,
    );
    let generic = RuleSet::builtin(&RuleOptions {
        generic: true,
        ..RuleOptions::default()
    })
    .expect("rules");
    let generic = Scanner::new(generic).expect("scanner");
    measure("all + generic", &generic, &data);
    // Job-log mode decodes every base64/hex/percent run; logs are megabytes, not gigabytes.
    let slice = &data[..data.len().min(64 << 20)];
    measure_with("decoded (job-log mode)", slice, &mut |d, sink| {
        generic.scan_decoded(d, sink)
    });
}
