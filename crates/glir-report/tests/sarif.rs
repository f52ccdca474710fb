//! SARIF logs of detection alerts and of secret findings: the structure code-scanning tools
//! read, Sigma's five levels folded onto SARIF's three, and no secret in the log.

use std::path::PathBuf;

use glir_detect::{LoadOptions, load_rule_texts};
use glir_events::Alert;
use glir_report::{alerts_to_sarif, findings_to_sarif};
use glir_scan::{Finding, Location, RuleOptions, RuleSet, Scanner};

const FAILED: &str = "title: Failed login\nid: failed-login\nname: failed_login\nlevel: low\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: login_failed_with_standard_authentication\n  condition: sel\n";
const BRUTE: &str = "title: Failed logins then success\nid: brute-then-success\nlevel: high\ntags: [attack.credential_access]\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [author_name]\n  timespan: 5m\n  condition: {gte: 3}\n";

fn alert(rule_id: &str, level: &str) -> Alert {
    Alert {
        rule_id: rule_id.into(),
        title: rule_id.into(),
        level: level.into(),
        tags: vec!["attack.t1110".into()],
        event_ids: vec!["1".into(), "2".into(), "3".into()],
        actor: Some("dana".into()),
        time: "2026-11-25T02:02:00Z".parse().unwrap(),
        reason: "3 failed sign-ins then one success".into(),
    }
}

#[test]
fn alerts_list_rules_and_results_with_folded_levels() {
    let files = [
        (PathBuf::from("failed.yml"), FAILED),
        (PathBuf::from("brute.yml"), BRUTE),
    ];
    let pack = load_rule_texts(&files, &LoadOptions::default()).unwrap();
    assert_eq!(pack.rules.len(), 2, "{:?}", pack.errors);
    let alerts = [
        alert("brute-then-success", "high"),
        alert("failed-login", "medium"),
        alert("failed-login", "low"),
    ];
    let sarif = alerts_to_sarif(&pack.rules, &alerts);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "glir");
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
    let results = run["results"].as_array().unwrap();
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning", "note"]);
    assert_eq!(results[0]["ruleId"], "brute-then-success");
    assert_eq!(
        results[0]["properties"]["eventIds"],
        serde_json::json!(["1", "2", "3"])
    );
}

#[test]
fn findings_carry_locations_and_fingerprints_but_no_secret() {
    const PAT: &str = "glpat-Zq3xK9wPm2Rt7yVb4Nc8";
    const AWS_ID: &str = "AKIA2E3F4G5H6J7K2L3M";
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    let text = format!("token = {PAT}\nexport AWS_ACCESS_KEY_ID={AWS_ID}\n");
    let mut findings: Vec<Finding> = Vec::new();
    scanner.scan(text.as_bytes(), &mut |m| {
        let location = Location::File {
            path: "config/app.env".into(),
            line: m.line,
            column: m.column,
        };
        findings.push(Finding::new(&m, location));
    });
    assert_eq!(findings.len(), 2);
    let sarif = findings_to_sarif(&findings);
    let log = sarif.to_string();
    assert!(
        !log.contains("Zq3xK9wPm2Rt7y") && !log.contains("2E3F4G5H6J7K"),
        "{log}"
    );
    let run = &sarif["runs"][0];
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(&findings) {
        assert!(rule_ids.contains(&result["ruleId"].as_str().unwrap()));
        assert_eq!(result["message"]["text"], finding.message());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "config/app.env");
        assert_eq!(location["region"]["startLine"], finding.location.line());
        assert!(location["region"]["startColumn"].is_u64());
        assert_eq!(
            result["partialFingerprints"]["glir/finding/v1"],
            finding.finding_id.as_str()
        );
    }
}
