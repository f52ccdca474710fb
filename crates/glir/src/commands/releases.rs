//! `glir releases check | list`: GitLab's "update GitLab" step for a compromised instance, as
//! a verdict. The data and the verdict come from glir-releases; this module picks the file,
//! asks the instance its version when none is given, and shows the answer.

use super::{client, runtime, write_value};
use crate::cli::{GlobalArgs, ReleasesCheckArgs, ReleasesCommand, ReleasesFileArg};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Context, Result};
use glir_releases::{Advisory, Releases, Severity, Status, Verdict, Version};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// GitLab's policy on which lines receive security fixes, cited wherever a line is judged.
const POLICY: &str = "https://docs.gitlab.com/policy/maintenance/";

/// Advisories the table shows; JSON holds them all.
const ADVISORY_ROWS: usize = 40;

pub fn run(g: &GlobalArgs, settings: &Settings, cmd: &ReleasesCommand) -> Result<ExitCode> {
    match cmd {
        ReleasesCommand::Check(args) => check(g, settings, args),
        ReleasesCommand::List(args) => list(g, settings, args),
    }
}

/// The data and where it came from: `--releases`, the profile's `releases_file`, else the
/// file built into glir.
fn load(settings: &Settings, args: &ReleasesFileArg) -> Result<(Cow<'static, Releases>, String)> {
    match args.releases.as_ref().or(settings.releases_file.as_ref()) {
        Some(path) => Ok((
            Cow::Owned(Releases::from_path(path)?),
            path.display().to_string(),
        )),
        None => Ok((Cow::Borrowed(Releases::embedded()?), "built in".into())),
    }
}

/// The verdict with where its inputs came from, as `--format json` writes it.
#[derive(Serialize)]
struct Checked<'a> {
    #[serde(flatten)]
    verdict: &'a Verdict,
    /// `--version`, or the instance URL that answered `GET /version`.
    version_from: String,
    releases_file: String,
    policy: &'static str,
}

fn check(g: &GlobalArgs, settings: &Settings, args: &ReleasesCheckArgs) -> Result<ExitCode> {
    let (releases, releases_file) = load(settings, &args.file)?;
    let (version, version_from) = match &args.version {
        Some(v) => (v.clone(), "--version".to_string()),
        None => instance_version(settings)?,
    };
    let verdict = releases.check(&version);
    let checked = Checked {
        verdict: &verdict,
        version_from,
        releases_file,
        policy: POLICY,
    };
    if verdict.status == Status::NewerThanData {
        status!(
            "warning: {} is newer than every release in the data (up to {}): the data may be stale; pass a newer --releases FILE",
            verdict.version,
            verdict.data_updated
        );
    }
    if !write_value(g.format, &checked)? {
        let mut out = stdout();
        print_verdict(&mut out, &checked)?;
        out.flush()?;
    }
    Ok(match verdict.status {
        Status::Current | Status::NewerThanData => ExitCode::SUCCESS,
        Status::Behind | Status::UnsupportedLine => ExitCode::from(1),
    })
}

/// `GET /version` with the configured URL and token, as `whoami` asks it.
fn instance_version(settings: &Settings) -> Result<(Version, String)> {
    let client = client(settings, Duration::ZERO)?;
    let answer = runtime()?
        .block_on(client.version())
        .context("GitLab did not say its version (GET /version); pass --version")?;
    let version = answer.body.version.parse().with_context(|| {
        format!(
            "GitLab answered GET /version with `{}`",
            answer.body.version
        )
    })?;
    let url = settings.url.clone().unwrap_or_default();
    Ok((version, url))
}

fn print_verdict(out: &mut dyn Write, checked: &Checked) -> Result<()> {
    let v = checked.verdict;
    let maintained: Vec<String> = v.maintained_lines.iter().map(|l| l.to_string()).collect();
    let advisories: Vec<&Advisory> = v.missed.iter().flat_map(|m| &m.advisories).collect();
    let headline = match v.status {
        Status::Current => format!(
            "current: no security release in the data is newer on {}",
            v.line
        ),
        Status::Behind => format!(
            "behind: {} since this version",
            missed_count(v.missed.len(), advisories.len())
        ),
        Status::UnsupportedLine => format!(
            "unsupported line: {} no longer receives security fixes ({} since this version)",
            v.line,
            missed_count(v.missed.len(), advisories.len())
        ),
        Status::NewerThanData => format!(
            "newer than every release in the data: the data (up to {}) may be stale",
            v.data_updated
        ),
    };
    writeln!(out, "GitLab     {} ({})", v.version, checked.version_from)?;
    writeln!(out, "Verdict    {headline}")?;
    writeln!(
        out,
        "Data       security releases up to {} ({})",
        v.data_updated, checked.releases_file
    )?;
    writeln!(
        out,
        "Maintained {} (the current minor and the two before it: {POLICY})",
        maintained.join(", ")
    )?;
    let mut upgrade = vec![format!("newest release {}", v.upgrade.latest)];
    if let Some(on_line) = &v.upgrade.on_line {
        upgrade.push(format!("newest on {}: {on_line}", v.line));
    }
    if v.status == Status::UnsupportedLine
        && let Some(oldest) = &v.upgrade.oldest_maintained
    {
        upgrade.insert(
            0,
            format!("{oldest} (newest on the oldest maintained line)"),
        );
    }
    writeln!(out, "Upgrade    {}", upgrade.join("; "))?;
    if v.missed.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nMissed security releases")?;
    writeln!(
        out,
        "  {:<10}  {:<10}  {:>10}  POST",
        "DATE", "FIXED IN", "ADVISORIES"
    )?;
    for m in &v.missed {
        let fixed = format!("{}{}", m.fixed_in, if m.on_line { "" } else { "*" });
        let count = if m.advisories_unknown {
            "unknown".to_string()
        } else {
            m.advisories.len().to_string()
        };
        writeln!(out, "  {:<10}  {fixed:<10}  {count:>10}  {}", m.date, m.url)?;
    }
    if v.missed.iter().any(|m| !m.on_line) {
        writeln!(
            out,
            "  * the release did not patch {}: its fix on the oldest line it patched",
            v.line
        )?;
    }
    print_advisories(out, v)
}

/// "2 security releases with 1 advisory".
fn missed_count(releases: usize, advisories: usize) -> String {
    let s = if releases == 1 { "" } else { "s" };
    let ies = if advisories == 1 { "y" } else { "ies" };
    format!("{releases} security release{s} with {advisories} advisor{ies}")
}

fn print_advisories(out: &mut dyn Write, v: &Verdict) -> Result<()> {
    let mut rows: Vec<(&Advisory, &Version)> = v
        .missed
        .iter()
        .flat_map(|m| m.advisories.iter().map(move |a| (a, &m.fixed_in)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    // Most severe first; unrated ones last.
    rows.sort_by(|(a, _), (b, _)| {
        b.severity
            .cmp(&a.severity)
            .then(b.cvss.unwrap_or(0.0).total_cmp(&a.cvss.unwrap_or(0.0)))
    });
    writeln!(out, "\nAdvisories (most severe first)")?;
    writeln!(
        out,
        "  {:<16}  {:<8}  {:>4}  {:<9}  TITLE",
        "ID", "SEVERITY", "CVSS", "FIXED IN"
    )?;
    for (a, fixed) in rows.iter().take(ADVISORY_ROWS) {
        writeln!(
            out,
            "  {:<16}  {:<8}  {:>4}  {:<9}  {}",
            a.id,
            a.severity.map_or("-", Severity::name),
            a.cvss.map_or("-".to_string(), |s| format!("{s:.1}")),
            fixed.to_string(),
            a.title
        )?;
    }
    if rows.len() > ADVISORY_ROWS {
        writeln!(
            out,
            "  … and {} more (--format json lists them all)",
            rows.len() - ADVISORY_ROWS
        )?;
    }
    Ok(())
}

/// The data as `--format json` writes it for `list`: the file's own content and its origin.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    releases: &'a Releases,
    releases_file: String,
}

fn list(g: &GlobalArgs, settings: &Settings, args: &ReleasesFileArg) -> Result<ExitCode> {
    let (releases, releases_file) = load(settings, args)?;
    let listed = Listed {
        releases: &releases,
        releases_file,
    };
    if write_value(g.format, &listed)? {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = stdout();
    writeln!(
        out,
        "Security releases up to {} ({} posts; {})",
        releases.updated(),
        releases.releases().len(),
        listed.releases_file
    )?;
    writeln!(
        out,
        "  {:<10}  {:<30}  {:>10}  {:<8}  POST",
        "DATE", "VERSIONS", "ADVISORIES", "HIGHEST"
    )?;
    for r in releases.releases() {
        let versions: Vec<String> = r.versions.iter().map(Version::to_string).collect();
        let (count, highest) = if r.advisories_unknown {
            ("unknown".to_string(), "-")
        } else {
            let highest = r.advisories.iter().filter_map(|a| a.severity).max();
            (
                r.advisories.len().to_string(),
                highest.map_or("-", Severity::name),
            )
        };
        writeln!(
            out,
            "  {:<10}  {:<30}  {count:>10}  {highest:<8}  {}",
            r.date,
            versions.join(", "),
            r.url
        )?;
    }
    writeln!(out, "Sources")?;
    for s in releases.sources() {
        writeln!(out, "  {s}")?;
    }
    for n in releases.notes() {
        writeln!(out, "Note       {n}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
