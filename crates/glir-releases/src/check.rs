//! An instance's version against the security releases: which it missed, and what to upgrade to.
//!
//! GitLab publishes security fixes for the current minor release and the two before it
//! (https://docs.gitlab.com/policy/maintenance/): each patch release post names one fixed version
//! per maintained line. The posts do not say which older lines a fix also needed, so a release
//! that did not patch the instance's line counts as missed when it patched lines newer than the
//! instance's (its line was out of maintenance by then), and as not missed when every line it
//! patched is older (the instance's minor came out later, from a default branch that already
//! had the fix).

use crate::file::{Advisory, Release};
use crate::version::{Line, Version};
use jiff::civil::Date;
use serde::Serialize;
use std::cmp::Ordering;

/// How many minor lines GitLab patches at once: the current one and the two before it.
const MAINTAINED_LINES: usize = 3;

/// The answer for one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The version as given, edition included.
    pub version: Version,
    pub line: Line,
    pub status: Status,
    /// The date of the newest release in the data: nothing after it is known.
    pub data_updated: Date,
    /// The lines receiving security fixes as of `data_updated`, newest first.
    pub maintained_lines: Vec<Line>,
    /// Security releases whose fixes this version lacks, newest first.
    pub missed: Vec<Missed>,
    pub upgrade: Upgrade,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No security release in the data is newer on its line, and its line is maintained.
    Current,
    /// It lacks fixes its line received.
    Behind,
    /// Its line no longer receives security fixes.
    UnsupportedLine,
    /// Newer than every release in the data: the data may be stale.
    NewerThanData,
}

/// A security release whose fixes the version lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missed {
    pub date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
    /// The fix on the version's own line, or else the release's fix on its oldest line.
    pub fixed_in: Version,
    /// Whether `fixed_in` is on the version's own line.
    pub on_line: bool,
    pub advisories: Vec<Advisory>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub advisories_unknown: bool,
}

/// Where to go from here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    /// The newest patch on the version's line in the data.
    pub on_line: Option<Version>,
    /// The newest patch on the oldest maintained line: the nearest supported version for a
    /// line out of maintenance.
    pub oldest_maintained: Option<Version>,
    /// The newest release overall.
    pub latest: Version,
}

/// `releases` newest first and not empty, as the file's checks ensure.
pub(crate) fn check(releases: &[Release], updated: Date, version: &Version) -> Verdict {
    let line = version.line();
    let maintained = maintained_lines(releases);
    let newest_on = |l: Line| {
        releases
            .iter()
            .filter_map(|r| r.version_on(l))
            .max_by(|a, b| a.cmp_release(b))
            .cloned()
    };
    let latest = releases
        .iter()
        .flat_map(|r| &r.versions)
        .max_by(|a, b| a.cmp_release(b))
        .cloned()
        .unwrap_or_else(|| version.clone());
    let missed: Vec<Missed> = releases
        .iter()
        .filter_map(|r| missed_release(r, version))
        .collect();
    let status = if version.cmp_release(&latest) == Ordering::Greater {
        Status::NewerThanData
    } else if !maintained.contains(&line) {
        Status::UnsupportedLine
    } else if !missed.is_empty() {
        Status::Behind
    } else {
        Status::Current
    };
    Verdict {
        version: version.clone(),
        line,
        status,
        data_updated: updated,
        upgrade: Upgrade {
            on_line: newest_on(line),
            oldest_maintained: maintained.last().and_then(|&l| newest_on(l)),
            latest,
        },
        maintained_lines: maintained,
        missed,
    }
}

/// The newest lines any release patched: the data knows a line once it has had a patch.
fn maintained_lines(releases: &[Release]) -> Vec<Line> {
    let mut lines: Vec<Line> = releases
        .iter()
        .flat_map(|r| r.versions.iter().map(Version::line))
        .collect();
    lines.sort_unstable_by(|a, b| b.cmp(a));
    lines.dedup();
    lines.truncate(MAINTAINED_LINES);
    lines
}

fn missed_release(release: &Release, version: &Version) -> Option<Missed> {
    let line = version.line();
    let (fixed_in, on_line) = match release.version_on(line) {
        Some(fix) if fix.cmp_release(version) == Ordering::Greater => (fix, true),
        Some(_) => return None,
        None if release.newest_line()? < line => return None,
        None => (release.oldest_fix()?, false),
    };
    Some(Missed {
        date: release.date,
        title: release.title.clone(),
        url: release.url.clone(),
        fixed_in: fixed_in.clone(),
        on_line,
        advisories: release.advisories.clone(),
        advisories_unknown: release.advisories_unknown,
    })
}
