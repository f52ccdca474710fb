//! One module per subcommand; this one holds what they share.

mod actor;
mod alerts;
mod archive;
mod case;
mod collect;
mod completions;
mod demo;
mod detect;
mod events;
mod ingest;
mod inventory;
mod man;
mod posture;
mod releases;
mod report;
mod respond;
mod rules;
mod scan;
mod serve;
mod spool;
mod token;
mod token_inspect;
mod triage;
mod undo;
mod user;
mod users;
mod whoami;

use crate::cli::{Cli, Command, GlobalArgs, OutputFormat};
use crate::config::{self, Overrides, Settings};
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_gitlab::{Auth, Client, RetryPolicy};
use glir_report::Format;
use glir_store::{Store, StoreLocation};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code of an answer that is not the whole answer: the token sees less than there is.
const EXIT_PARTIAL: u8 = 4;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Demo(args) => demo::run(g, args),
        Command::Rules(c) => rules::run(g, c),
        Command::Token(c) => token::run(g, c),
        // Reads the server it runs on: no GitLab URL, token or settings.
        Command::Triage(c) => triage::run(g, c),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
        other => {
            let settings = load_settings(g)?;
            match other {
                Command::Whoami(a) => whoami::run(g, &settings, a),
                Command::Collect(c) => collect::run(g, &settings, c),
                Command::Ingest(a) => ingest::run(g, &settings, a),
                Command::Events(a) => events::run_events(g, &settings, a),
                Command::Timeline(a) => events::run_timeline(g, &settings, a),
                Command::Detect(a) => detect::run(g, &settings, a),
                Command::Alerts(a) => alerts::run(g, &settings, a),
                Command::Case(c) => case::run(g, &settings, c),
                Command::Scan(a) => scan::run(g, &settings, a),
                Command::Respond(a) => respond::run(g, &settings, a),
                Command::Apply(a) => respond::run_apply(g, &settings, a),
                Command::Report(a) => report::run(g, &settings, a),
                Command::Serve(a) => serve::run(g, &settings, a),
                Command::Archive(c) => archive::run(g, &settings, c),
                Command::Posture(a) => posture::run(g, &settings, a),
                Command::Releases(c) => releases::run(g, &settings, c),
                Command::Users(a) => users::run(g, &settings, a),
                Command::Inventory(a) => inventory::run(g, &settings, a),
                Command::User(c) => user::run(g, &settings, c),
                Command::Undo(a) => undo::run(g, &settings, a),
                Command::Demo(_)
                | Command::Rules(_)
                | Command::Token(_)
                | Command::Triage(_)
                | Command::Completions(_)
                | Command::Man(_) => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

fn load_settings(g: &GlobalArgs) -> Result<Settings> {
    let overrides = Overrides {
        url: g.url.clone(),
        profile: g.profile.clone(),
        data_dir: g.data_dir.clone(),
        store: g.store.clone(),
        config_file: g.config.clone(),
        config_file_required: g.config_typed,
        timeout: g.timeout,
        deadline: g.deadline,
    };
    config::resolve(&overrides, &|k| std::env::var(k).ok())
}

fn report_format(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Table => Format::Table,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Md | OutputFormat::Html | OutputFormat::Timesketch | OutputFormat::Sarif => {
            unreachable!("document formats are refused before dispatch")
        }
    }
}

/// A single value (a summary, a record) for another tool: `--format json` pretty, `jsonl` on
/// one line. False for a table, which the command draws for a person.
fn write_value(format: OutputFormat, value: &impl Serialize) -> Result<bool> {
    let mut out = stdout();
    match format {
        OutputFormat::Json => glir_report::write_json(&mut out, value)?,
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut out, value)?;
            writeln!(out)?;
            out.flush()?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Where the store is: `--store` (`GLIR_STORE`, the profile's or the file's `store`), else
/// `<data dir>/glir.db`.
fn store_location(settings: &Settings) -> Result<StoreLocation> {
    match &settings.store {
        Some(given) => Ok(given
            .parse()
            .context("the store given by --store, GLIR_STORE or `store` in the config")?),
        None => Ok(StoreLocation::Sqlite(settings.store_path())),
    }
}

/// The store, created if missing: for commands that write events (collect, ingest, respond).
fn open_store(settings: &Settings) -> Result<Store> {
    let location = store_location(settings)?;
    Store::open_location(&location).with_context(|| format!("cannot open the store {location}"))
}

/// The store, which must exist: a command that only reads it never answers "no events" from an
/// empty store made over a mistyped --data-dir. (A ClickHouse database is shared: opening it
/// creates nothing a mistake could hide behind but empty tables.)
fn read_store(settings: &Settings) -> Result<Store> {
    if let StoreLocation::Sqlite(path) = store_location(settings)?
        && !path.exists()
    {
        bail!(
            "no store at {}: run `glir collect` or `glir ingest` first, or pass the --data-dir (GLIR_DATA_DIR) or --store (GLIR_STORE) they used",
            path.display()
        );
    }
    open_store(settings)
}

fn client(settings: &Settings, min_interval: Duration) -> Result<Client> {
    let Some(url) = &settings.url else {
        bail!(
            "no GitLab URL: pass --url, set GLIR_URL or GITLAB_URL, or choose a profile with a url"
        );
    };
    let mut builder = Client::builder(url)?
        .user_agent(format!("glir/{}", env!("CARGO_PKG_VERSION")))
        .min_interval(min_interval);
    if let Some(token) = settings.token()? {
        for w in &token.warnings {
            status!("warning: {w}");
        }
        builder = builder.auth(Auth::PrivateToken(token.secret.clone()));
    }
    if let Some(ca) = &settings.ca_bundle {
        builder = builder.ca_bundle(ca.clone());
    }
    if let Some(proxy) = &settings.proxy {
        builder = builder.proxy(proxy.clone());
    }
    if let Some(timeout) = settings.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(deadline) = settings.deadline {
        builder = builder.retry(RetryPolicy {
            deadline,
            ..RetryPolicy::default()
        });
    }
    builder.build().context("cannot set up the GitLab client")
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Who ran glir, for the journal: the local account and host, since the GitLab identity may not
/// be known yet (or at all, offline).
fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}
