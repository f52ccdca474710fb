//! Verdicts on the embedded data. Versions are taken from the data itself (its newest release,
//! a release's fix one patch back), so the tests keep meaning the same thing when the data grows.

use glir_releases::{Line, Releases, Status, Version};

fn data() -> &'static Releases {
    Releases::embedded().unwrap()
}

fn v(text: &str) -> Version {
    text.parse().unwrap()
}

/// The newest fix on the newest line: the latest patch there is.
fn latest() -> Version {
    data().releases()[0]
        .versions
        .iter()
        .max_by(|a, b| a.cmp_release(b))
        .unwrap()
        .clone()
}

#[test]
fn the_latest_patch_is_current() {
    let mut version = latest();
    version.edition = Some(glir_releases::Edition::Ee);
    let verdict = data().check(&version);
    assert_eq!(verdict.status, Status::Current, "{verdict:#?}");
    assert!(verdict.missed.is_empty());
    assert_eq!(verdict.upgrade.latest, latest());
    assert_eq!(verdict.maintained_lines.len(), 3);
    assert_eq!(verdict.maintained_lines[0], latest().line());
}

#[test]
fn one_patch_behind_names_the_fix_and_its_cves() {
    // The newest release's fix on its oldest line, minus one patch.
    let release = &data().releases()[0];
    let fix = release
        .versions
        .iter()
        .min_by(|a, b| a.cmp_release(b))
        .unwrap();
    let mut before = fix.clone();
    before.patch -= 1;
    let verdict = data().check(&before);
    assert_eq!(verdict.status, Status::Behind, "{verdict:#?}");
    let missed = &verdict.missed[0];
    assert_eq!(&missed.fixed_in, fix);
    assert!(missed.on_line);
    assert_eq!(missed.url, release.url);
    let ids: Vec<&str> = missed.advisories.iter().map(|a| a.id.as_str()).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| id.starts_with("CVE-")));
    assert_eq!(missed.advisories, release.advisories);
    assert_eq!(verdict.upgrade.on_line.as_ref(), Some(fix));
}

#[test]
fn a_line_out_of_maintenance_is_unsupported_and_lacks_every_later_release() {
    // The simulator's default version: 17.9 left maintenance in 2025.
    let verdict = data().check(&v("17.9.2-ee"));
    assert_eq!(
        verdict.status,
        Status::UnsupportedLine,
        "{:?}",
        verdict.status
    );
    assert!(!verdict.maintained_lines.contains(&verdict.line));
    // Its own line's later fixes are named on the line ...
    let on_line: Vec<String> = verdict
        .missed
        .iter()
        .filter(|m| m.on_line)
        .map(|m| m.fixed_in.to_string())
        .collect();
    assert!(on_line.contains(&"17.9.3".to_string()), "{on_line:?}");
    assert_eq!(verdict.upgrade.on_line, Some(v("17.9.8")));
    // ... and every release since patched only newer lines, down to the newest.
    assert_eq!(verdict.missed[0].url, data().releases()[0].url);
    assert!(!verdict.missed[0].on_line);
    let oldest_maintained = verdict.maintained_lines.last().unwrap();
    assert_eq!(
        verdict
            .upgrade
            .oldest_maintained
            .as_ref()
            .map(Version::line),
        Some(*oldest_maintained)
    );
}

#[test]
fn a_version_newer_than_the_data_says_so() {
    let mut next = latest();
    next.patch += 1;
    let verdict = data().check(&next);
    assert_eq!(verdict.status, Status::NewerThanData);
    assert_eq!(verdict.data_updated, data().updated());
    let mut next_minor = latest();
    next_minor.minor += 1;
    next_minor.patch = 0;
    assert_eq!(data().check(&next_minor).status, Status::NewerThanData);
}

#[test]
fn at_the_major_boundary_18_11_is_behind_19_and_19_0_owes_nothing_to_18_only_releases() {
    // 18.11.11 came with 19.2.4, an exception to the three-line rule.
    let verdict = data().check(&v("18.11.10-ee"));
    assert_eq!(verdict.status, Status::UnsupportedLine);
    let fix = verdict
        .missed
        .iter()
        .find(|m| m.on_line)
        .expect("a fix on 18.11");
    assert_eq!(fix.fixed_in, v("18.11.11"));
    assert!(fix.advisories.iter().any(|a| a.id == "CVE-2026-19478"));
    assert!(
        verdict
            .missed
            .iter()
            .all(|m| m.fixed_in.major == 19 || m.on_line),
        "{:#?}",
        verdict.missed
    );
    // 19.0.0 came out after every release that patched only 18.x lines.
    let verdict = data().check(&v("19.0.0"));
    assert!(verdict.missed.iter().all(|m| m.fixed_in.major == 19));
    assert!(verdict.missed.iter().any(|m| m.fixed_in == v("19.0.1")));
    assert_eq!(
        verdict.line,
        Line {
            major: 19,
            minor: 0
        }
    );
}

#[test]
fn a_development_build_counts_fixes_on_its_line_not_before_it() {
    let line = latest().line();
    let pre = v(&format!("{}.{}.0-pre", line.major, line.minor));
    let verdict = data().check(&pre);
    assert_eq!(verdict.status, Status::Behind);
    assert!(
        verdict.missed.iter().all(|m| m.on_line),
        "{:#?}",
        verdict.missed
    );
}
