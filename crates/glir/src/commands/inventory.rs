//! `glir inventory`: every credential the API shows in a scope, as a table, the whole document
//! (`--format json`), or rows (`jsonl`, `csv`); compared with an earlier run's JSON with
//! `--since-inventory`; stored as evidence in a case with `--case`.
//!
//! Exit codes: 0 complete; 4 when the token could not list everything (each gap is named);
//! 2 a fault, a refused token or a file that is not an inventory.

use super::case::cases;
use super::{EXIT_PARTIAL, client, operator, report_format, runtime};
use crate::cli::{CaseDirArg, GlobalArgs, InventoryArgs, OutputFormat};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_case::{Case, NewCase};
use glir_inventory::{Change, Credential, Diff, Inventory, Options, Progress, Scope};
use glir_report::{Row, Sink, WriterSink};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Gaps shown per family in a table; `--format json` lists every one.
const GAPS_SHOWN: usize = 10;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &InventoryArgs) -> Result<ExitCode> {
    if args.max_rps.is_nan() || args.max_rps <= 0.0 {
        bail!("--max-rps must be a positive number");
    }
    // Read before anything is asked of GitLab: a wrong file fails at once.
    let earlier = args.since_inventory.as_deref().map(read).transpose()?;
    let client = client(settings, Duration::from_secs_f64(1.0 / args.max_rps))?;
    let scope = match (&args.group, &args.project) {
        (Some(group), _) => Scope::Group(group.clone()),
        (_, Some(project)) => Scope::Project(project.clone()),
        _ => Scope::Instance,
    };
    let options = Options {
        scope,
        kinds: args.kinds.clone(),
        concurrency: usize::from(args.concurrency),
    };
    let bar = Bar::new(g.quiet || !std::io::stderr().is_terminal(), "places");
    let inventory = runtime()?.block_on(glir_inventory::collect(&client, &options, &bar));
    bar.0.finish_and_clear();
    let inventory = inventory?;
    let diff = match &earlier {
        Some(old) if old.instance != inventory.instance => bail!(
            "--since-inventory holds an inventory of {}, not of {}",
            old.instance,
            inventory.instance
        ),
        Some(old) => Some(glir_inventory::diff(old, &inventory)),
        None => None,
    };
    if let Some(name) = &args.case {
        store(settings, &args.dir, name, &inventory, diff.as_ref())?;
    }
    match &diff {
        Some(d) => show_diff(g.format, d)?,
        None => show(g.format, &inventory)?,
    }
    Ok(if inventory.complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}

/// An earlier run's document, refused when it is not one.
fn read(path: &Path) -> Result<Inventory> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    match value.get("glir_inventory").and_then(Value::as_u64) {
        Some(v) if v == u64::from(glir_inventory::FORMAT) => {}
        Some(v) => bail!(
            "{} is a version {v} inventory; this glir reads version {}",
            path.display(),
            glir_inventory::FORMAT
        ),
        None => bail!(
            "{} is not a glir inventory (the JSON of `glir --format json inventory`)",
            path.display()
        ),
    }
    serde_json::from_value(value)
        .with_context(|| format!("{} is not a readable glir inventory", path.display()))
}

fn show(format: OutputFormat, inv: &Inventory) -> Result<()> {
    if format == OutputFormat::Json {
        glir_report::write_json(&mut stdout(), inv)?;
        return Ok(());
    }
    let mut rows = WriterSink::new(stdout(), report_format(format));
    for c in &inv.credentials {
        rows.emit(&CredentialRow(c))?;
    }
    rows.finish()?;
    let lines = summary(inv);
    if format == OutputFormat::Table {
        let mut out = stdout();
        writeln!(out)?;
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    } else if !inv.complete {
        // Rows for another tool on stdout; what they lack is for the person running it.
        for line in &lines {
            status!("{line}");
        }
    }
    Ok(())
}

/// Who listed what where, and every gap in coverage.
fn summary(inv: &Inventory) -> Vec<String> {
    let who = format!(
        "{}{}",
        inv.caller.username,
        if inv.caller.admin {
            " (administrator)"
        } else {
            ""
        }
    );
    let w = &inv.walked;
    let mut lines = vec![format!(
        "{} in {} of {} as {who}: {}, {}, {}, {}; {}",
        count(inv.credentials.len(), "credential"),
        inv.scope,
        inv.instance,
        count(w.groups, "group"),
        count(w.projects, "project"),
        count(w.users, "user"),
        count(w.runners, "runner"),
        count(inv.requests as usize, "request")
    )];
    if inv.complete {
        lines.push("complete: every family listed whole wherever it was looked for".into());
    } else {
        lines.push("INCOMPLETE: this token could not list everything:".into());
        let shown: Vec<(&str, &glir_inventory::Gap)> = inv
            .coverage
            .iter()
            .flat_map(|c| c.gaps.iter().take(GAPS_SHOWN).map(|g| (c.kind.as_str(), g)))
            .collect();
        let kind_width = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let scope_width = shown
            .iter()
            .map(|(_, g)| g.scope.chars().count())
            .max()
            .unwrap_or(0);
        for (kind, gap) in shown {
            lines.push(format!(
                "  {kind:<kind_width$}  {:<scope_width$}  {}: {}",
                gap.scope,
                gap.status.as_str(),
                gap.reason
            ));
        }
        for cov in inv.coverage.iter().filter(|c| c.gaps.len() > GAPS_SHOWN) {
            lines.push(format!(
                "  {:<kind_width$}  … and {} more (--format json lists every one)",
                cov.kind.as_str(),
                cov.gaps.len() - GAPS_SHOWN
            ));
        }
    }
    lines
}

/// `1 group`, `3 groups`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn show_diff(format: OutputFormat, d: &Diff) -> Result<()> {
    if format == OutputFormat::Json {
        glir_report::write_json(&mut stdout(), d)?;
        return Ok(());
    }
    let mut rows = WriterSink::new(stdout(), report_format(format));
    for c in &d.appeared {
        rows.emit(&ChangeRow::new("appeared", c, &[]))?;
    }
    for c in &d.disappeared {
        rows.emit(&ChangeRow::new("disappeared", c, &[]))?;
    }
    for c in &d.changed {
        rows.emit(&ChangeRow::new("changed", &c.credential, &c.changes))?;
    }
    rows.finish()?;
    let mut lines = vec![format!(
        "since {}: {} appeared, {} disappeared, {} changed",
        d.since.generated_at,
        d.appeared.len(),
        d.disappeared.len(),
        d.changed.len()
    )];
    lines.extend(d.notes.iter().map(|n| format!("note: {n}")));
    if format == OutputFormat::Table {
        let mut out = stdout();
        writeln!(out)?;
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    } else {
        for line in &lines {
            status!("{line}");
        }
    }
    Ok(())
}

/// Writes the inventory (and the comparison) into the case as evidence; the case journals each
/// file's hash, and the acquisition log says who took it from where.
fn store(
    settings: &Settings,
    dir: &CaseDirArg,
    name: &str,
    inv: &Inventory,
    diff: Option<&Diff>,
) -> Result<()> {
    let operator = operator();
    let mut case = open_case(settings, dir, name, "inventory", &inv.instance, &operator)?;
    let stamp = inv.generated_at.strftime("%Y%m%dT%H%M%S%.3fZ");
    let rel = format!("inventory/{stamp}.json");
    let source = format!("glir inventory of {} on {}", inv.scope, inv.instance);
    let mut files = vec![rel.clone()];
    case.add_evidence(&rel, &pretty(inv)?, &source, &operator)?;
    if let Some(d) = diff {
        let rel = format!(
            "inventory/{stamp}-since-{}.json",
            d.since.generated_at.strftime("%Y%m%dT%H%M%S%.3fZ")
        );
        case.add_evidence(&rel, &pretty(d)?, &source, &operator)?;
        files.push(rel);
    }
    case.record_acquisition(
        json!({
            "command": "glir inventory",
            "glir_version": env!("CARGO_PKG_VERSION"),
            "gitlab_url": inv.instance,
            "caller": inv.caller,
            "scope": inv.scope,
            "kinds": inv.kinds,
            "generated_at": inv.generated_at,
            "finished_at": Timestamp::now(),
            "requests": inv.requests,
            "complete": inv.complete,
            "evidence": files,
        }),
        &operator,
    )?;
    status!(
        "stored in case {name}: evidence/{}",
        files.join(", evidence/")
    );
    Ok(())
}

fn pretty(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The case `name`, opened if new; a closed case takes nothing.
pub(super) fn open_case(
    settings: &Settings,
    dir: &CaseDirArg,
    name: &str,
    scenario: &str,
    gitlab_url: &str,
    operator: &str,
) -> Result<Case> {
    let all = cases(settings, dir);
    match all.load(name) {
        Ok(case) if case.info().status == glir_case::CaseStatus::Closed => {
            Err(glir_case::Error::Closed(name.to_string()).into())
        }
        Ok(case) => Ok(case),
        Err(glir_case::Error::NotFound(_)) => Ok(all.open_new(
            name,
            NewCase {
                scenario: Some(scenario.to_string()),
                operator: operator.to_string(),
                glir_version: env!("CARGO_PKG_VERSION").to_string(),
                gitlab_url: Some(gitlab_url.to_string()),
                exposed_at: None,
            },
        )?),
        Err(e) => Err(e.into()),
    }
}

/// A credential as a row: everything in JSON, the essentials in a table.
#[derive(Serialize)]
#[serde(transparent)]
struct CredentialRow<'a>(&'a Credential);

impl Row for CredentialRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "key",
        "kind",
        "owner",
        "id",
        "name",
        "state",
        "access",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "facts",
        "source",
    ];

    fn record(&self) -> Vec<String> {
        let c = self.0;
        vec![
            c.key.clone(),
            c.kind.to_string(),
            c.owner.to_string(),
            c.id.clone(),
            c.name.clone().unwrap_or_default(),
            c.state.as_str().to_string(),
            c.access.clone().unwrap_or_default(),
            c.scopes.join(" "),
            time(c.created_at),
            time(c.expires_at),
            time(c.last_used_at),
            facts(c),
            c.source.clone(),
        ]
    }

    fn table_columns() -> Vec<String> {
        [
            "KIND",
            "OWNER",
            "ID",
            "NAME",
            "STATE",
            "ACCESS",
            "CREATED",
            "EXPIRES",
            "LAST USED",
        ]
        .map(String::from)
        .to_vec()
    }

    fn table_cells(&self) -> Vec<String> {
        let c = self.0;
        vec![
            c.kind.to_string(),
            c.owner.to_string(),
            c.id.clone(),
            c.name.clone().unwrap_or_else(|| "-".into()),
            state(c),
            access(c),
            day(c.created_at),
            day(c.expires_at),
            day(c.last_used_at),
        ]
    }
}

/// One line of a comparison.
#[derive(Serialize)]
struct ChangeRow<'a> {
    change: &'static str,
    credential: &'a Credential,
    #[serde(skip_serializing_if = "<[Change]>::is_empty")]
    changes: &'a [Change],
}

impl<'a> ChangeRow<'a> {
    fn new(change: &'static str, credential: &'a Credential, changes: &'a [Change]) -> Self {
        ChangeRow {
            change,
            credential,
            changes,
        }
    }

    fn details(&self) -> String {
        self.changes
            .iter()
            .map(|c| format!("{}: {} → {}", c.field, shown(&c.from), shown(&c.to)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Row for ChangeRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "change", "key", "kind", "owner", "id", "name", "state", "details",
    ];

    fn record(&self) -> Vec<String> {
        let c = self.credential;
        vec![
            self.change.to_string(),
            c.key.clone(),
            c.kind.to_string(),
            c.owner.to_string(),
            c.id.clone(),
            c.name.clone().unwrap_or_default(),
            c.state.as_str().to_string(),
            self.details(),
        ]
    }

    fn table_columns() -> Vec<String> {
        ["CHANGE", "KIND", "OWNER", "ID", "NAME", "STATE", "DETAILS"]
            .map(String::from)
            .to_vec()
    }

    fn table_cells(&self) -> Vec<String> {
        let c = self.credential;
        vec![
            self.change.to_string(),
            c.kind.to_string(),
            c.owner.to_string(),
            c.id.clone(),
            c.name.clone().unwrap_or_else(|| "-".into()),
            c.state.as_str().to_string(),
            self.details(),
        ]
    }
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn day(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".into(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// The credential's state, and its owner's when that stops it working: GitLab still lists a
/// blocked user's token as active, and refuses it.
fn state(c: &Credential) -> String {
    match c.facts.get("owner_state").and_then(Value::as_str) {
        Some(owner) => format!("{} (owner {owner})", c.state.as_str()),
        None => c.state.as_str().to_string(),
    }
}

/// A role or access level, else the scopes.
fn access(c: &Credential) -> String {
    match (&c.access, c.scopes.is_empty()) {
        (Some(a), true) => a.clone(),
        (Some(a), false) => format!("{a} {}", c.scopes.join(",")),
        (None, false) => c.scopes.join(","),
        (None, true) => "-".into(),
    }
}

/// `name=value` pairs, values as compact JSON unless plain text.
fn facts(c: &Credential) -> String {
    c.facts
        .iter()
        .map(|(k, v)| format!("{k}={}", shown(v)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// A bar over the places listed, on stderr.
pub(super) struct Bar(pub(super) ProgressBar);

impl Bar {
    pub(super) fn new(hidden: bool, unit: &str) -> Bar {
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        let template =
            format!("{{bar:30}} {{pos}}/{{len}} {unit} {{msg}} ({{elapsed}}, eta {{eta}})");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn planned(&self, places: usize) {
        self.0.set_length(places as u64);
    }

    fn finished(&self, place: &str) {
        self.0.set_message(place.to_string());
        self.0.inc(1);
    }
}
