//! The data file shipped in the crate, read as plain JSON (not through the library), so a
//! mistake in it cannot hide behind the parser that would then misread it.

use serde_json::Value;

const FILE: &str = include_str!("../data/security-releases.json");

fn releases() -> (Value, Vec<Value>) {
    let doc: Value = serde_json::from_str(FILE).unwrap();
    let releases = doc["releases"].as_array().unwrap().clone();
    (doc, releases)
}

#[test]
fn every_release_has_a_source_a_date_and_a_version_newest_first() {
    let (doc, releases) = releases();
    assert!(releases.len() >= 24, "two a month for a year at least");
    let mut previous: Option<&str> = None;
    for r in &releases {
        let url = r["url"].as_str().unwrap_or_default();
        assert!(
            url.starts_with("https://about.gitlab.com/releases/20")
                || url.starts_with("https://docs.gitlab.com/releases/patches/"),
            "{r}"
        );
        let date = r["date"].as_str().unwrap();
        assert!(date.parse::<jiff::civil::Date>().is_ok(), "{r}");
        if let Some(p) = previous {
            assert!(date <= p, "{date} after {p}: not newest first");
        }
        previous = Some(date);
        // A dated URL is the post's own date.
        if let Some(path) = url.strip_prefix("https://about.gitlab.com/releases/") {
            assert_eq!(&path[..10].replace('/', "-"), date, "{url}");
        }
        let versions = r["versions"].as_array().unwrap();
        assert!(!versions.is_empty(), "{r}");
        for v in versions {
            let text = v.as_str().unwrap();
            let parts: Vec<&str> = text.split('.').collect();
            assert_eq!(parts.len(), 3, "{text}");
            assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{text}");
        }
    }
    assert_eq!(doc["updated"].as_str(), releases[0]["date"].as_str());
}

#[test]
fn advisories_are_cves_or_declared_unknown() {
    let (_, releases) = releases();
    for r in &releases {
        let advisories = r["advisories"].as_array().unwrap();
        let unknown = r["advisories_unknown"].as_bool().unwrap_or(false);
        assert_eq!(advisories.is_empty(), unknown, "{r}");
        for a in advisories {
            let id = a["id"].as_str().unwrap();
            let number = id.strip_prefix("CVE-").unwrap_or_else(|| panic!("{id}"));
            let (year, seq) = number.split_once('-').unwrap();
            assert!(year.len() == 4 && seq.len() >= 4, "{id}");
            assert!(!a["title"].as_str().unwrap().is_empty(), "{id}");
            if let Some(score) = a["cvss"].as_f64() {
                // GitLab's ratings are CVSS 3.1's: critical from 9.0, high from 7.0, medium from 4.0.
                let rating = match score {
                    s if s >= 9.0 => "critical",
                    s if s >= 7.0 => "high",
                    s if s >= 4.0 => "medium",
                    _ => "low",
                };
                assert_eq!(a["severity"].as_str(), Some(rating), "{id}: {score}");
            }
        }
    }
}

#[test]
fn the_data_covers_at_least_the_last_twelve_months_without_a_gap() {
    let (doc, releases) = releases();
    let updated: jiff::civil::Date = doc["updated"].as_str().unwrap().parse().unwrap();
    let dates: Vec<jiff::civil::Date> = releases
        .iter()
        .map(|r| r["date"].as_str().unwrap().parse().unwrap())
        .collect();
    let year_before = updated.saturating_sub(jiff::Span::new().years(1));
    assert!(*dates.last().unwrap() <= year_before);
    // Scheduled patch releases come twice a month; a month without one is a hole in the data.
    for pair in dates.windows(2) {
        let gap = pair[1].until(pair[0]).unwrap().get_days();
        assert!(gap <= 31, "{} to {}: {gap} days", pair[1], pair[0]);
    }
}
