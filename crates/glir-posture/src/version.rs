//! `source: {glir: version}`: the instance's version against GitLab's security releases
//! (glir-releases' data, or the user's newer file), as an object a condition reads:
//! `verdict` (`current`, `behind`, `unsupported_line`, `newer_than_data`), `summary`, and the
//! verdict's own fields (missed releases with their advisories, upgrade targets).

use crate::facts::Facts;
use crate::source::{Fetched, Refusal};
use glir_releases::{Releases, Status, Verdict, Version};

pub fn fetch(name: &str, facts: &Facts, releases: Option<&Releases>) -> Result<Fetched, Refusal> {
    if name != "version" {
        return Err(Refusal::Failed(format!("unknown glir source `{name}`")));
    }
    let releases = match releases {
        Some(r) => r,
        None => Releases::embedded().map_err(|e| Refusal::Failed(e.to_string()))?,
    };
    let text = facts
        .version
        .as_deref()
        .ok_or_else(|| Refusal::Hidden("GitLab did not say its version".to_string()))?;
    let version: Version = text
        .parse()
        .map_err(|e| Refusal::Failed(format!("version {text:?}: {e}")))?;
    let verdict = releases.check(&version);
    let mut value = serde_json::to_value(&verdict).map_err(|e| Refusal::Failed(e.to_string()))?;
    value["verdict"] = serde_json::to_value(verdict.status).unwrap_or_default();
    value["summary"] = summary(&verdict).into();
    Ok(Fetched::One(value))
}

fn summary(v: &Verdict) -> String {
    let upgrade = v
        .upgrade
        .on_line
        .as_ref()
        .or(v.upgrade.oldest_maintained.as_ref())
        .unwrap_or(&v.upgrade.latest);
    match v.status {
        Status::Current => format!(
            "{} has every security release up to {} (release data of {})",
            v.version, v.data_updated, v.data_updated
        ),
        Status::NewerThanData => format!(
            "{} is newer than glir's release data ({}): update the data (releases_file) to judge it",
            v.version, v.data_updated
        ),
        Status::Behind | Status::UnsupportedLine => {
            let advisories: Vec<&str> = v
                .missed
                .iter()
                .flat_map(|m| m.advisories.iter().map(|a| a.id.as_str()))
                .collect();
            let shown = advisories
                .iter()
                .take(5)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let more = advisories.len().saturating_sub(5);
            let line = if v.status == Status::UnsupportedLine {
                format!("line {} no longer gets security fixes; ", v.line)
            } else {
                String::new()
            };
            format!(
                "{}{} missed {} security release(s), newest {}{}; upgrade to {upgrade} or later",
                line,
                v.version,
                v.missed.len(),
                v.missed
                    .first()
                    .map_or(String::new(), |m| m.date.to_string()),
                if shown.is_empty() {
                    String::new()
                } else if more > 0 {
                    format!(" ({shown} and {more} more advisories)")
                } else {
                    format!(" ({shown})")
                }
            )
        }
    }
}
