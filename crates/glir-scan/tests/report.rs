//! The scan report: what the collector leaves out (strings failing their checks, inline
//! markers, the baseline), what it keeps the plaintext of, and the order it reports in.

mod common;

use common::routable_pat;
use glir_scan::{
    Baseline, Collector, Finding, Location, Policy, RuleOptions, RuleSet, ScanReport, Scanner,
};

const PLAIN: Policy = Policy {
    include_suppressed: false,
    include_invalid: false,
};

/// `text` scanned as one file `path`, every match handed to `collector`.
fn collect(collector: &mut Collector, path: &str, text: &str) {
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    scanner.scan(text.as_bytes(), &mut |m| {
        let location = Location::File {
            path: path.into(),
            line: m.line,
            column: m.column,
        };
        collector.add(Finding::new(&m, location), &m);
    });
}

fn report(policy: Policy, keep: bool, files: &[(&str, &str)]) -> ScanReport {
    let mut collector = Collector::new(None, policy, keep);
    for (path, text) in files {
        collect(&mut collector, path, text);
    }
    collector.finish()
}

fn broken_crc(token: &str) -> String {
    let mut t = token.to_string();
    let last = t.pop().unwrap();
    t.push(if last == 'a' { 'b' } else { 'a' });
    t
}

#[test]
fn invalid_and_marked_strings_are_counted_not_reported_unless_asked() {
    let good = routable_pat(1);
    let text = format!(
        "A={good}\nB={}\nC={} # gitleaks:allow\n",
        broken_crc(&routable_pat(2)),
        routable_pat(3)
    );
    let plain = report(PLAIN, false, &[("a.env", &text)]);
    assert_eq!(plain.findings.len(), 1, "{:?}", plain.findings);
    assert_eq!(plain.invalid, 1);
    assert_eq!(plain.suppressed_inline, 1);
    assert!(plain.summary().contains("1 findings (1 distinct secrets)"));
    let all = report(
        Policy {
            include_suppressed: true,
            include_invalid: true,
        },
        false,
        &[("a.env", &text)],
    );
    assert_eq!(all.findings.len(), 3);
    assert_eq!((all.invalid, all.suppressed_inline), (0, 0));
}

#[test]
fn plaintext_is_kept_only_when_asked_and_only_for_gitlab_secrets() {
    let text = format!(
        "T={}\naws_access_key_id = AKIAQWERTYUIOPASDFGH\n",
        routable_pat(4)
    );
    let without = report(PLAIN, false, &[("x", &text)]);
    assert!(without.secrets.is_empty());
    let with = report(PLAIN, true, &[("x", &text)]);
    assert_eq!(with.secrets.len(), 1, "only the GitLab token");
    assert!(with.findings.len() >= 2, "{:?}", with.findings);
}

#[test]
fn the_baseline_suppresses_what_it_holds_and_the_order_is_by_place() {
    let first = report(
        PLAIN,
        false,
        &[("b.env", &format!("T={}\n", routable_pat(5)))],
    );
    let baseline = Baseline::from_findings(&first.findings);
    let mut collector = Collector::new(Some(baseline), PLAIN, false);
    collect(&mut collector, "z.env", &format!("N={}\n", routable_pat(6)));
    collect(&mut collector, "b.env", &format!("T={}\n", routable_pat(5)));
    collect(&mut collector, "a.env", &format!("M={}\n", routable_pat(7)));
    let second = collector.finish();
    assert_eq!(second.suppressed_baseline, 1);
    let paths: Vec<&str> = second.findings.iter().map(|f| f.location.path()).collect();
    assert_eq!(paths, ["a.env", "z.env"]);
}
