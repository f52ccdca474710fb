//! `glir apply CASE --batch N`: a rotation plan applied one batch at a time, so what a batch
//! breaks can be fixed before the next.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use serde_json::Value;

const ROOT: &str = "glpat-DemoRootAdmin000000";

#[test]
fn one_batch_of_the_instance_rotation_is_applied_and_the_rest_waits() {
    let sim = Sim::start(Scenario::demo());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_against(
        d,
        &sim.url,
        ROOT,
        &[
            "--format",
            "json",
            "respond",
            "instance-compromise",
            "--case",
            "ic",
        ],
        "",
    );
    let planned: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let steps = planned["investigation"]["plan"]["steps"]
        .as_array()
        .unwrap();
    let in_batch = |n: u64| steps.iter().filter(|s| s["batch"] == n).count();
    assert!(
        in_batch(1) > 0 && steps.len() > in_batch(1),
        "{}",
        planned["investigation"]["plan"]
    );

    let none = run_against(
        d,
        &sim.url,
        ROOT,
        &["apply", "ic", "--batch", "9", "--yes"],
        "",
    );
    assert_eq!(none.status.code(), Some(2), "{}", text(&none));
    assert!(
        text(&none).contains("no step in batch 9"),
        "{}",
        text(&none)
    );

    let out = run_against(
        d,
        &sim.url,
        ROOT,
        &["--format", "json", "apply", "ic", "--batch", "1", "--yes"],
        "",
    );
    let applied: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let results = applied["applied"]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{applied}\n{}", text(&out)));
    assert_eq!(results.len(), in_batch(1), "{applied}");
    let verify = run_against(d, &sim.url, ROOT, &["case", "verify", "ic"], "");
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
}
