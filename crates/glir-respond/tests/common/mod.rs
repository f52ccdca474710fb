//! What the rotation, reach and drill tests share: a case and store per test, a playbook run,
//! the simulator's own view of its state, and the secrets an apply wrote.
#![allow(dead_code)] // each test binary uses a different subset

use glir_case::{Case, Cases, NewCase};
use glir_gitlab::Client;
use glir_respond::{Investigation, Playbook, Respond, StepResult, Subject, investigate};
use glir_store::Store;
use serde_json::Value;
use std::path::Path;

/// A case and a store in a temporary directory.
pub struct Desk {
    pub case: Case,
    pub store: Store,
    pub dir: tempfile::TempDir,
}

impl Desk {
    pub fn new(name: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let case = Cases::new(dir.path().join("cases"))
            .open_new(
                name,
                NewCase {
                    operator: "tester".into(),
                    glir_version: "test".into(),
                    ..NewCase::default()
                },
            )
            .unwrap();
        let store = Store::open(&dir.path().join("glir.db")).unwrap();
        Desk { case, store, dir }
    }

    /// Runs `playbook` on `subject` over the window from `since` to now.
    pub async fn investigate(
        &mut self,
        client: &Client,
        playbook: Playbook,
        subject: Subject,
        since: &str,
    ) -> Investigation {
        let pack = pack();
        let mut respond = Respond {
            client,
            store: &mut self.store,
            case: &mut self.case,
            pack: &pack,
            operator: "tester".into(),
            since: since.parse().unwrap(),
            until: jiff::Timestamp::now(),
        };
        investigate(&mut respond, playbook, subject).await.unwrap()
    }

    /// The evidence file `rel` of the case, parsed.
    pub fn evidence(&self, rel: &str) -> Value {
        let path = self.case.evidence_path(rel).unwrap();
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    }

    /// The secret step `result` wrote, and the file's permission bits.
    pub fn secret(&self, result: &StepResult) -> (String, u32) {
        let file = self
            .case
            .dir()
            .join(format!("secrets/step-{}.secret", result.n));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
                .permissions(),
        );
        let text = std::fs::read_to_string(&file).unwrap();
        (text.trim().to_string(), mode & 0o777)
    }
}

pub fn pack() -> glir_detect::RulePack {
    glir_detect::load_rules(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab")],
        &glir_detect::LoadOptions {
            strict: true,
            ..glir_detect::LoadOptions::default()
        },
    )
    .unwrap()
}

/// What the simulator holds, whatever glir reports (`/-/sim/state`: fingerprints, no secrets).
pub async fn sim_state(url: &str) -> Value {
    reqwest::get(format!("{url}/-/sim/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The simulator's token `id`, from its state.
pub fn token_state(state: &Value, id: i64) -> &Value {
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no token {id} in {state}"))
}

/// The HTTP status GitLab answers `GET /personal_access_tokens/self` presenting `token`.
pub async fn self_status(url: &str, token: &str) -> u16 {
    match glir_test_support::client(url, token)
        .personal_access_token_self()
        .await
    {
        Ok(answer) => answer.status,
        Err(e) => e.status().unwrap_or(0),
    }
}

/// Events of `event_type` in the simulator's instance audit log, read by an administrator.
pub async fn events_of(admin: &Client, event_type: &str) -> Vec<Value> {
    let events: Vec<Value> = admin
        .all(admin.audit_events(&glir_gitlab::AuditScope::Instance, None, None, 100))
        .await
        .unwrap();
    events
        .into_iter()
        .filter(|e| e["event_name"] == event_type || e["event_type"] == event_type)
        .collect()
}

/// A routable personal access token naming user `user` as GitLab's generator writes it
/// (gitlab-org/gitlab lib/authn/token_field/generator/routable_token.rb: random bytes, the
/// routing pairs and their length, base64url, the length in base36, then a base36 CRC32 of
/// everything before it).
pub fn routable_pat(user: u64, seed: u8) -> String {
    use base64::Engine as _;
    let routing = format!("o:{}\nu:{}", base36(1), base36(user));
    let mut payload: Vec<u8> = (0..16u8).map(|i| i.wrapping_mul(31) ^ seed).collect();
    payload.extend_from_slice(routing.as_bytes());
    payload.push(u8::try_from(routing.len()).unwrap());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&payload);
    let body = format!("glpat-{b64}.01.{:0>2}", base36(b64.len() as u64));
    let crc = format!(
        "{:0>7}",
        base36(u64::from(crc32fast::hash(body.as_bytes())))
    );
    format!("{body}{crc}")
}

fn base36(mut n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % 36) as usize] as char);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.iter().rev().collect()
}
