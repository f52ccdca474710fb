//! A responder's own releases file: read and checked like the built-in one, refused with the
//! file and the field named when it is wrong.

use glir_releases::{Error, Releases, Status, Version};
use std::path::Path;

/// Two real posts from when 16.11 was still maintained, across the 16 → 17 boundary.
const JUNE_2024: &str = r#"{
  "updated": "2024-06-12",
  "sources": ["https://about.gitlab.com/releases/categories/releases/"],
  "releases": [
    {"date": "2024-06-12",
     "url": "https://about.gitlab.com/releases/2024/06/12/patch-release-gitlab-17-0-2-released/",
     "versions": ["17.0.2", "16.11.4", "16.10.7"],
     "advisories": [{"id": "CVE-2024-1495", "title": "Uncontrolled Resource Consumption", "severity": "medium", "cvss": 6.5}]},
    {"date": "2024-05-22",
     "url": "https://about.gitlab.com/releases/2024/05/22/patch-release-gitlab-17-0-1-released/",
     "versions": ["17.0.1", "16.11.3", "16.10.6"],
     "advisories_unknown": true, "advisories": []}
  ]
}"#;

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("releases.json");
    std::fs::write(&path, text).unwrap();
    path
}

fn v(text: &str) -> Version {
    text.parse().unwrap()
}

#[test]
fn a_file_from_june_2024_judges_the_16_to_17_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let releases = Releases::from_path(&write(dir.path(), JUNE_2024)).unwrap();
    assert_eq!(releases.updated().to_string(), "2024-06-12");

    let behind = releases.check(&v("16.11.3-ee"));
    assert_eq!(behind.status, Status::Behind);
    assert_eq!(behind.missed.len(), 1);
    assert_eq!(behind.missed[0].fixed_in, v("16.11.4"));
    assert_eq!(behind.missed[0].advisories[0].id, "CVE-2024-1495");
    assert_eq!(behind.upgrade.latest, v("17.0.2"));

    assert_eq!(releases.check(&v("16.11.4-ee")).status, Status::Current);
    let two_back = releases.check(&v("16.11.2"));
    assert_eq!(two_back.missed.len(), 2);
    assert!(two_back.missed[1].advisories_unknown);
    assert_eq!(releases.check(&v("17.0.0")).missed.len(), 2);
    assert_eq!(releases.check(&v("16.9.8")).status, Status::UnsupportedLine);
    assert_eq!(releases.check(&v("17.1.0")).status, Status::NewerThanData);
}

#[test]
fn a_bad_field_is_refused_naming_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, field) in [
        (
            JUNE_2024.replace(r#""17.0.1", "16.11.3""#, r#""17.0.1", "16.11.x""#),
            "releases[1].versions[1]",
        ),
        (
            JUNE_2024.replace(r#""date": "2024-05-22""#, r#""date": "2024-05-32""#),
            "releases[1].date",
        ),
        (
            JUNE_2024.replace(r#""severity": "medium""#, r#""severity": "severe""#),
            "releases[0].advisories[0].severity",
        ),
        (
            JUNE_2024.replace(r#""advisories_unknown""#, r#""advisories_unkown""#),
            "releases[1].advisories_unkown",
        ),
        (
            JUNE_2024.replace(r#""date": "2024-05-22""#, r#""date": "2024-07-01""#),
            "releases[1].date",
        ),
        (
            JUNE_2024.replace(r#""17.0.1", "16.11.3""#, r#""17.0.1", "17.0.0""#),
            "releases[1].versions[1]",
        ),
        (
            JUNE_2024.replace(r#""advisories_unknown": true, "#, ""),
            "releases[1].advisories",
        ),
    ] {
        let path = write(dir.path(), &bad);
        let err = Releases::from_path(&path).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        match &err {
            Error::Invalid { field: f, .. } => assert_eq!(f, field, "{text}"),
            other => panic!("{other}"),
        }
    }
}

#[test]
fn a_missing_file_is_named() {
    let err = Releases::from_path(Path::new("/nonexistent/releases.json")).unwrap_err();
    assert!(matches!(err, Error::Read { .. }));
    assert!(
        err.to_string().contains("/nonexistent/releases.json"),
        "{err}"
    );
}

#[test]
fn a_file_round_trips_through_its_serialized_form() {
    let releases = Releases::parse(JUNE_2024, "test").unwrap();
    let text = serde_json::to_string(&releases).unwrap();
    assert_eq!(Releases::parse(&text, "again").unwrap(), releases);
}
