//! Writes N realistic streaming-layout audit events (one JSON object per line), shaped like the
//! body GitLab posts to a streaming destination (doc/user/compliance/audit_event_schema.md).
//!
//! cargo run --release -p glir-ingest --example gen_events -- N OUT.jsonl [SEED]
//!
//! Deterministic for a given SEED (default 0); different seeds give disjoint ids and later
//! timestamps, so several files can be ingested into one store.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

const AUTHORS: u64 = 200;
/// The rare actor the timeline benchmark looks up (`scripts/bench.sh`).
const RARE_AUTHOR: &str = "Mallory Quiet";
const RARE_AUTHOR_ID: i64 = 9_999;
const RARE_EVERY: u64 = 50_000;
const IPS: u64 = 1000;
const PROJECTS: u64 = 500;
const GROUPS: u64 = 40;
/// 2025-03-01T00:00:00Z in milliseconds.
const START_MS: i64 = 1_740_787_200_000;

/// Knuth's MMIX LCG; the high bits are the well-mixed ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Skewed towards small values, like real activity: a few accounts do most of the work.
    fn skewed(&mut self, n: u64) -> u64 {
        let u = self.below(1 << 20) as f64 / (1u64 << 20) as f64;
        ((u * u * u) * n as f64) as u64
    }

    fn uuid(&mut self) -> String {
        let a = self.next() << 31 ^ self.next();
        let b = self.next() << 31 ^ self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32 & 0xffff_ffff,
            a >> 16 & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// (event type, stored in the database, target type, weight)
const TYPES: &[(&str, bool, &str, u64)] = &[
    ("repository_git_operation", false, "Project", 30),
    ("authenticated_with_password", true, "User", 12),
    ("job_artifact_downloaded", false, "Ci::JobArtifact", 10),
    ("user_authenticated_using_job_token", false, "User", 8),
    ("login_failed_with_standard_authentication", true, "User", 6),
    ("protected_branch_updated", true, "ProtectedBranch", 4),
    ("ci_variable_updated", true, "Ci::Variable", 4),
    ("member_created", true, "User", 4),
    (
        "personal_access_token_created",
        true,
        "PersonalAccessToken",
        3,
    ),
    (
        "personal_access_token_revoked",
        true,
        "PersonalAccessToken",
        3,
    ),
    ("project_visibility_level_updated", true, "Project", 2),
    ("add_ssh_key", true, "Key", 2),
    ("webhook_created", true, "ProjectHook", 1),
    ("user_admin_status_updated", true, "User", 1),
    ("project_export_created", true, "Project", 2),
    ("variable_viewed_api", false, "Ci::Variable", 5),
    ("deploy_token_created", true, "DeployToken", 1),
    ("ci_runner_registered", true, "Ci::Runner", 2),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: gen_events N OUT.jsonl [SEED]".into());
    };
    let n: u64 = n.parse()?;
    let seed: u64 = args.get(3).map_or(Ok(0), |s| s.parse())?;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    let mut rng = Lcg(0x9e37_79b9_7f4a_7c15 ^ seed);
    let total_weight: u64 = TYPES.iter().map(|t| t.3).sum();
    let mut clock = START_MS + (seed * n * 300) as i64;
    let mut line = String::with_capacity(1024);
    for i in 0..n {
        clock += rng.below(600) as i64;
        let mut pick = rng.below(total_weight);
        let &(event_type, stored, target_type, _) = TYPES
            .iter()
            .find(|t| {
                let hit = pick < t.3;
                pick = pick.saturating_sub(t.3);
                hit
            })
            .unwrap_or(&TYPES[0]);
        let id = if stored {
            (seed * n + i + 1).to_string()
        } else {
            rng.uuid()
        };
        // One quiet account acts once every RARE_EVERY events: the kind of actor an
        // investigation looks up, with a few hundred events in a store of millions.
        let (author_id, author_name, class) = match rng.below(100) {
            _ if i % RARE_EVERY == RARE_EVERY / 2 => {
                (RARE_AUTHOR_ID, RARE_AUTHOR.to_owned(), "User")
            }
            0 => (
                -1,
                "(unauthenticated)".to_owned(),
                "Gitlab::Audit::UnauthenticatedAuthor",
            ),
            1 => (
                -2,
                format!("gitlab+deploy-token-{}", rng.below(20)),
                "DeployToken",
            ),
            2 => (-3, format!("deploy-key-{}", rng.below(20)), "DeployKey"),
            _ => {
                let user = rng.skewed(AUTHORS) + 1;
                (user as i64 + 1, format!("User {user}"), "User")
            }
        };
        let ip = rng.below(IPS);
        let ip = format!(
            "10.{}.{}.{}",
            20 + ip / 250 / 250,
            ip / 250 % 250,
            ip % 250 + 1
        );
        let project = rng.skewed(PROJECTS);
        let path = format!("grp{}/app{project}", project % GROUPS);
        let entity_id = 1000 + project;
        let target_id = rng.below(100_000);
        let at = jiff::Timestamp::from_millisecond(clock)?.strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
        let message = match event_type {
            "repository_git_operation" => {
                let protocol = ["ssh", "http"][rng.below(2) as usize];
                let action =
                    ["git-upload-pack", "git-receive-pack"][usize::from(rng.below(5) == 0)];
                format!(r#"{{"protocol": "{protocol}", "action": "{action}"}}"#)
            }
            t if t.ends_with("_updated") => format!(
                r#""Changed {t}", "change": "{}", "from": false, "to": true"#,
                t.trim_end_matches("_updated")
            ),
            t => format!(r#""{}""#, t.replace('_', " ")),
        };
        line.clear();
        write!(
            line,
            r#"{{"id": "{id}", "author_id": {author_id}, "entity_id": {entity_id}, "entity_type": "Project", "details": {{"author_name": "{author_name}", "author_class": "{class}", "target_id": {target_id}, "target_type": "{target_type}", "target_details": "{path}", "custom_message": {message}, "ip_address": "{ip}", "entity_path": "{path}"}}, "ip_address": "{ip}", "author_name": "{author_name}", "entity_path": "{path}", "target_details": "{path}", "created_at": "{at}", "target_type": "{target_type}", "target_id": {target_id}, "event_type": "{event_type}"}}"#
        )?;
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
