//! Every bundled posture check judged on JSON an attacker may shape (a webhook URL, a token
//! name, a variable key, a whole settings object from a hostile proxy): no panic, and a FAIL
//! always says why.

#![no_main]

use glir_posture::{Status, evaluate};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn checks() -> &'static [glir_posture::Check] {
    static CHECKS: OnceLock<Vec<glir_posture::Check>> = OnceLock::new();
    CHECKS.get_or_init(|| glir_posture::load::bundled().expect("bundled checks load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let now = "2026-12-01T00:00:00Z".parse().expect("a timestamp");
    let target = value.get("target").cloned().unwrap_or_default();
    let item = value.get("data").cloned().unwrap_or(value);
    for check in checks() {
        let outcome = evaluate(check, &target, &item, now);
        if outcome.status == Status::Fail {
            assert!(outcome.reason.is_some(), "{}: a FAIL without a reason", check.spec.id);
        }
    }
});
