//! Output formats: required keys of SARIF and GitLab's report, JSON round trip, and no
//! planted secret body anywhere in any format.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use glir_scan::output::{to_gitlab_secret_detection, write_jsonl};
use glir_scan::{Baseline, Finding, Location, RuleOptions, RuleSet, Scanner, clean_job_log};
use serde_json::Value;

/// Every planted secret, and the findings from a file scan, a git-style location, a job log
/// (ANSI + double base64) and an artifact entry.
fn planted_findings() -> (Vec<String>, Vec<Finding>, Vec<String>) {
    let opts = RuleOptions {
        generic: true,
        ..RuleOptions::default()
    };
    let scanner = Scanner::new(RuleSet::builtin(&opts).unwrap()).unwrap();
    let mut secrets: Vec<String> = common::gitlab_tokens(41)
        .into_iter()
        .map(|p| p.token)
        .collect();
    secrets.extend(common::third_party(42).into_iter().map(|p| p.token));
    secrets.push(common::pem_private_key(43));
    let generic = common::Rng::new(44).pick(common::ALNUM, 32);
    let text = format!("{}\npassword = \"{generic}\"\n", secrets.join("\n"));
    secrets.push(generic);

    let mut findings = Vec::new();
    let mut debug = Vec::new();
    let mut n = 0;
    scanner.scan(text.as_bytes(), &mut |m| {
        debug.push(format!("{m:?}"));
        let location = match n % 3 {
            0 => Location::File {
                path: "config/app.env".into(),
                line: m.line,
                column: m.column,
            },
            1 => Location::Git {
                commit: "6f1ed002ab5595859014ebf0951522d9f8dd6b2c".into(),
                author: "Dev".into(),
                email: "dev@example.com".into(),
                date: "2026-01-02T03:04:05Z".into(),
                path: "config/app.env".into(),
                line: m.line,
            },
            _ => Location::Artifact {
                project: "group/project".into(),
                job_id: 7,
                entry: "dist/.env".into(),
                line: m.line,
            },
        };
        n += 1;
        findings.push(Finding::new(&m, location));
    });
    let log_token = common::gitlab_tokens(45)[0].token.clone();
    let dumped = STANDARD.encode(STANDARD.encode(format!("GL={log_token}\n")));
    let raw = format!("\x1b[0;32m$ env | base64 -w0 | base64 -w0\x1b[0m\n{dumped}\n");
    let clean = clean_job_log(raw.as_bytes());
    scanner.scan_decoded(&clean.text, &mut |m| {
        debug.push(format!("{m:?}"));
        let location = Location::JobLog {
            project: "group/project".into(),
            job_id: 99,
            job_name: "deploy".into(),
            pipeline_id: 12,
            stage: "deploy".into(),
            web_url: "https://gitlab.example.com/group/project/-/jobs/99".into(),
            line: m.line,
        };
        findings.push(Finding::new(&m, location));
    });
    secrets.push(log_token);
    (secrets, findings, debug)
}

/// Twelve characters from the middle of a secret: past any family prefix, before the last
/// four characters that redaction keeps.
fn body(secret: &str) -> &str {
    let middle = secret.len() / 2;
    &secret[middle - 6..middle + 6]
}

#[test]
fn every_planted_secret_is_found() {
    let (secrets, findings, _) = planted_findings();
    for secret in &secrets {
        let fp = glir_redact::fingerprint(secret);
        assert!(
            findings.iter().any(|f| f.fingerprint == fp),
            "a planted secret was not found ({})",
            glir_redact::redact(secret)
        );
    }
}

#[test]
fn no_planted_secret_body_appears_in_any_output() {
    let (secrets, findings, debug) = planted_findings();
    let mut jsonl = Vec::new();
    write_jsonl(&mut jsonl, &findings).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let baseline_path = dir.path().join("baseline.json");
    Baseline::from_findings(&findings)
        .write(&baseline_path)
        .unwrap();
    let outputs = [
        ("jsonl", String::from_utf8(jsonl).unwrap()),
        (
            "gitlab",
            to_gitlab_secret_detection(&findings, "2026-01-01T00:00:00", "2026-01-01T00:01:00")
                .to_string(),
        ),
        ("baseline", std::fs::read_to_string(&baseline_path).unwrap()),
        ("finding debug", format!("{findings:?}")),
        ("raw match debug", debug.join("\n")),
    ];
    for secret in &secrets {
        let body = body(secret);
        assert!(body.len() >= 8, "test needs a meaningful body");
        for (name, output) in &outputs {
            assert!(
                !output.contains(body),
                "{name} contains a planted secret body ({})",
                glir_redact::redact(secret)
            );
        }
    }
}

#[test]
fn findings_round_trip_through_json() {
    let (_, findings, _) = planted_findings();
    for f in &findings {
        let text = serde_json::to_string(f).unwrap();
        let back: Finding = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, f);
    }
    let value = serde_json::to_value(&findings[0]).unwrap();
    assert_eq!(value["location"]["kind"], "file");
    assert_eq!(value["family"], "personal_access_token");
    assert_eq!(value["encoding"], "plain");
    assert!(value["finding_id"].as_str().unwrap().len() >= 16);
}

#[test]
fn ids_are_secret_centric_and_location_specific() {
    let (_, findings, _) = planted_findings();
    let mut ids: Vec<&str> = findings.iter().map(|f| f.finding_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), findings.len(), "distinct secrets, distinct ids");
    let f = &findings[0];
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    let token = common::gitlab_tokens(41)[0].token.clone();
    let mut again = Vec::new();
    scanner.scan(format!("\n\n{token}").as_bytes(), &mut |m| {
        again.push(Finding::new(
            &m,
            Location::File {
                path: "other".into(),
                line: m.line,
                column: m.column,
            },
        ));
    });
    assert_eq!(again[0].finding_id, f.finding_id);
    assert_ne!(again[0].location_fingerprint, f.location_fingerprint);
}

#[test]
fn gitlab_report_has_the_required_structure() {
    let (_, findings, _) = planted_findings();
    let report =
        to_gitlab_secret_detection(&findings, "2026-01-01T00:00:00", "2026-01-01T00:01:00");
    assert_eq!(report["version"], glir_scan::output::GITLAB_REPORT_VERSION);
    let scan = &report["scan"];
    assert_eq!(scan["type"], "secret_detection");
    assert_eq!(scan["status"], "success");
    assert_eq!(scan["start_time"], "2026-01-01T00:00:00");
    for key in ["analyzer", "scanner"] {
        for field in ["id", "name", "version"] {
            assert!(scan[key][field].is_string(), "scan.{key}.{field}");
        }
        assert!(scan[key]["vendor"]["name"].is_string());
    }
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), findings.len());
    for (v, f) in vulns.iter().zip(&findings) {
        for field in ["id", "name", "description", "severity"] {
            assert!(v[field].is_string(), "vulnerability.{field}");
        }
        assert_eq!(v["id"].as_str().unwrap().len(), 36, "UUID-shaped id");
        assert_eq!(v["category"], "secret_detection");
        assert_eq!(
            v["raw_source_code_extract"],
            f.secret.as_str(),
            "redacted extract"
        );
        assert_eq!(v["location"]["file"], f.location.path());
        assert_eq!(v["location"]["start_line"], f.location.line());
        assert!(v["location"]["commit"]["sha"].is_string());
        let identifier = &v["identifiers"][0];
        assert_eq!(identifier["value"], f.rule.as_str());
        assert!(identifier["type"].is_string() && identifier["name"].is_string());
    }
    let git = vulns
        .iter()
        .zip(&findings)
        .find(|(_, f)| matches!(f.location, Location::Git { .. }))
        .unwrap();
    assert_eq!(
        git.0["location"]["commit"]["sha"],
        "6f1ed002ab5595859014ebf0951522d9f8dd6b2c"
    );
    let _: &Value = &report;
}
