//! The command line: what a responder types.

use crate::timespec::TimeArg;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use glir_detect::LEVELS;
use glir_events::Layout;
use glir_respond::Playbook;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  glir demo                                       # offline drill against the bundled simulator
  GLIR_URL=https://gitlab.example.com GLIR_TOKEN_FILE=~/.glir-token glir whoami
  glir collect audit-events --instance --since 7d
  glir collect audit-events --group acme --since 2026-11-01
  glir ingest /var/log/gitlab/gitlab-rails/audit_json.log stream-export.jsonl.gz
  glir events --actor dana --event-type '*token*' --since 2d
  glir timeline --actor dana --format csv > dana.csv
  glir scan --gitlab-jobs acme --artifacts --verify
  glir token inspect < token.txt
  glir respond token-exposure --case leak-1 < token.txt && glir apply leak-1
  glir report leak-1 --format html";

/// The command line as typed, with where `--config` came from noted.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    let mut cli =
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command()).exit());
    cli.global.config_typed = matches.value_source("config") == Some(ValueSource::CommandLine);
    let formats = cli.command.formats();
    if matches.value_source("format") == Some(ValueSource::CommandLine)
        && !formats.contains(&cli.global.format)
    {
        let names: Vec<String> = formats.iter().map(|f| f.name()).collect();
        let message = format!(
            "`glir {}` writes --format {}, not {}\n",
            cli.command.name(),
            names.join(", "),
            cli.global.format.name()
        );
        clap::Error::raw(clap::error::ErrorKind::InvalidValue, message)
            .with_cmd(&command())
            .exit();
    }
    cli
}

#[derive(Debug, Parser)]
#[command(name = "glir", version, about = "Incident response for GitLab: collect and investigate audit events, find and verify leaked tokens, contain with a journaled plan.", after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    // Environment values stay hidden in help: it reads the same whoever runs it, and a
    // responder's settings do not end up in pasted output.
    /// GitLab instance URL (else GITLAB_URL, then the profile's)
    #[arg(long, global = true, env = "GLIR_URL", hide_env_values = true)]
    pub url: Option<String>,
    /// Named profile from config.toml
    #[arg(long, global = true, env = "GLIR_PROFILE", hide_env_values = true)]
    pub profile: Option<String>,
    /// Where glir keeps its store [default: the platform data dir]
    #[arg(long, global = true, env = "GLIR_DATA_DIR", hide_env_values = true)]
    pub data_dir: Option<PathBuf>,
    /// Where events are stored: a file, or clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE shared by many glir processes [default: <data dir>/glir.db]
    #[arg(
        long,
        global = true,
        env = "GLIR_STORE",
        hide_env_values = true,
        value_name = "PATH|URL"
    )]
    pub store: Option<String>,
    /// Config file [default: <config dir>/glir/config.toml]
    #[arg(long, global = true, env = "GLIR_CONFIG", hide_env_values = true)]
    pub config: Option<PathBuf>,
    /// Whether --config was typed rather than taken from GLIR_CONFIG: only a typed config file
    /// has to exist, so GLIR_CONFIG can name one not written yet.
    #[arg(skip)]
    pub config_typed: bool,
    /// Output format: table, json, jsonl or csv for listings; json for summaries; md, html, json or timesketch for `glir report`
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Seconds one HTTP request to GitLab may take [default: 30]
    #[arg(long, global = true, env = "GLIR_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Option<std::time::Duration>,
    /// Seconds one GitLab API call may take, retries included [default: 120]
    #[arg(long, global = true, env = "GLIR_DEADLINE", value_name = "SECONDS", value_parser = seconds)]
    pub deadline: Option<std::time::Duration>,
    /// Only errors on stderr; no progress bars
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log detail on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// A positive number of seconds, fractions allowed.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Jsonl,
    Csv,
    /// Markdown (glir report)
    Md,
    /// One self-contained HTML file (glir report)
    Html,
    /// One JSON document: an array for listings, an object for summaries and reports
    Json,
    /// Timesketch JSONL (glir report)
    Timesketch,
    /// SARIF 2.1.0 (glir posture)
    Sarif,
}

impl OutputFormat {
    /// As typed on the command line.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

const LISTING: &[OutputFormat] = &[
    OutputFormat::Table,
    OutputFormat::Json,
    OutputFormat::Jsonl,
    OutputFormat::Csv,
];
const RECORDS: &[OutputFormat] = &[OutputFormat::Table, OutputFormat::Json, OutputFormat::Jsonl];
const REPORT: &[OutputFormat] = &[
    OutputFormat::Md,
    OutputFormat::Html,
    OutputFormat::Json,
    OutputFormat::Timesketch,
];
/// `glir posture`: a table of what failed, or the whole run as one document.
const POSTURE: &[OutputFormat] = &[
    OutputFormat::Table,
    OutputFormat::Json,
    OutputFormat::Md,
    OutputFormat::Sarif,
];
/// Commands whose output is progress and a summary, not a listing.
const SUMMARY: &[OutputFormat] = &[OutputFormat::Table, OutputFormat::Json];
/// Commands whose output is a file format of its own (a shell script, a roff page).
const DOCUMENT: &[OutputFormat] = &[OutputFormat::Table];

/// The formats the command named `name` writes: the one table that usage errors, `--help`,
/// completions and man pages read.
fn formats_named(name: &str) -> &'static [OutputFormat] {
    match name {
        "events" | "timeline" | "alerts" | "detect" | "rules" | "users" | "inventory" => LISTING,
        "whoami" | "case" | "scan" | "token" => RECORDS,
        "report" => REPORT,
        "posture" => POSTURE,
        "collect" | "ingest" | "demo" | "respond" | "apply" | "archive" | "serve" | "releases"
        | "triage" | "user" | "undo" => SUMMARY,
        _ => DOCUMENT,
    }
}

/// The clap command, each subcommand's help ending with the formats it writes.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        let formats = formats_named(&name);
        if formats == DOCUMENT {
            continue;
        }
        let list: Vec<String> = formats.iter().map(|f| f.name()).collect();
        let note = format!(
            "Formats: --format {} ({} by default).",
            list.join(", "),
            list[0]
        );
        cmd = cmd.mut_subcommand(&name, |c| c.after_help(note));
    }
    cmd
}

impl Command {
    /// The formats this command writes: a typed `--format` outside them is a usage error, so
    /// `report --format csv` cannot quietly write Markdown.
    pub fn formats(&self) -> &'static [OutputFormat] {
        formats_named(self.name())
    }

    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Whoami(_) => "whoami",
            Command::Collect(_) => "collect",
            Command::Ingest(_) => "ingest",
            Command::Events(_) => "events",
            Command::Timeline(_) => "timeline",
            Command::Demo(_) => "demo",
            Command::Alerts(_) => "alerts",
            Command::Detect(_) => "detect",
            Command::Rules(_) => "rules",
            Command::Token(_) => "token",
            Command::Case(_) => "case",
            Command::Scan(_) => "scan",
            Command::Respond(_) => "respond",
            Command::Apply(_) => "apply",
            Command::Report(_) => "report",
            Command::Serve(_) => "serve",
            Command::Archive(_) => "archive",
            Command::Triage(_) => "triage",
            Command::Releases(_) => "releases",
            Command::Users(_) => "users",
            Command::Inventory(_) => "inventory",
            Command::Posture(_) => "posture",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
            Command::User(_) => "user",
            Command::Undo(_) => "undo",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Who this token is here, and which glir capabilities it can use
    Whoami(WhoamiArgs),
    /// Collect evidence from the GitLab API into the store
    #[command(subcommand)]
    Collect(CollectCommand),
    /// Load audit-event files (JSON array, JSONL, audit_json.log; optionally gzip) into the store
    Ingest(IngestArgs),
    /// List stored audit events
    Events(EventsArgs),
    /// Show an actor's, an IP's or a project's events by day, with notable ones marked
    Timeline(TimelineArgs),
    /// Offline drill: a simulated incident collected and investigated end to end
    Demo(DemoArgs),
    /// List the alerts `glir detect` stored
    Alerts(AlertsArgs),
    /// Run the Sigma rule pack over stored events or files; exit 1 when alerts reach --fail-level
    Detect(DetectArgs),
    /// List, test and lint Sigma rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Work with a GitLab token read from stdin (never from the command line)
    #[command(subcommand)]
    Token(TokenCommand),
    /// Incident cases: evidence, manifest, hash-chained journal
    #[command(subcommand)]
    Case(CaseCommand),
    /// Find leaked secrets in files, git history, GitLab job logs and artifacts; exit 1 on findings, 3 when one is verified live
    Scan(ScanArgs),
    /// Run a scenario's playbook: evidence into a case, detections, findings and a containment plan (applied only with --apply)
    Respond(RespondArgs),
    /// Apply a case's saved plan (asks for confirmation; --yes when not interactive)
    Apply(ApplyArgs),
    /// Account controls in a case: block, unblock, ban, unban, deactivate, reactivate, a random password, 2FA off; each planned, applied on confirmation (--yes when not interactive) and journaled. `user show` reads an account
    #[command(subcommand)]
    User(UserCommand),
    /// Put back what an applied step of a case changed, where GitLab can (planned, confirmed, journaled naming the step); refused with the reason where it cannot
    Undo(UndoArgs),
    /// Write a case's report: Markdown, self-contained HTML, JSON or Timesketch JSONL
    Report(ReportArgs),
    /// Receive GitLab's audit event stream: stored and archived durably, detected live, alerts delivered
    Serve(ServeArgs),
    /// The write-once archive `glir serve` keeps: verify it, copy it write-once
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// On the GitLab server (or over a mounted image): logs, redacted configuration, persistence and live state read, without changing anything, into a hashed tar.zst bundle; unknown processes and ports flagged
    #[command(subcommand)]
    Triage(TriageCommand),
    /// Whether a GitLab version is behind the security releases: missed fixes, advisories, upgrade target
    #[command(subcommand)]
    Releases(ReleasesCommand),
    /// Hardening, Git abuse rate limit and incident-readiness checks of the instance, groups and projects: PASS, FAIL, SKIP or ERROR each, failures planned as fixes with --plan-fixes
    Posture(PostureArgs),
    /// Every user GitLab shows this token, administrators first: state, 2FA, sign-ins and their addresses, creator, bot or human, identities; exit 4 when the token sees less than an administrator
    Users(UsersArgs),
    /// Every credential the API shows (tokens of every family, deploy tokens and keys, SSH and GPG keys, runners, triggers, OAuth apps, webhooks, CI/CD variables as fingerprints) with owner, scopes, dates and state; --since-inventory shows what appeared, disappeared or changed; exit 4 when incomplete
    Inventory(InventoryArgs),
    /// Print the completion script for a shell
    Completions(CompletionsArgs),
    /// Write man pages: glir's to stdout, or one per command with --out
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct PostureArgs {
    /// Check one group and everything under it (its subgroups and projects)
    #[arg(long, conflicts_with = "project")]
    pub group: Option<String>,
    /// Check one project
    #[arg(long)]
    pub project: Option<String>,
    /// Only checks of these scopes (repeatable)
    #[arg(long = "scope", value_enum)]
    pub scopes: Vec<PostureScope>,
    /// Only these checks, by id (repeatable)
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,
    /// More check directories of YAML files; a check with a bundled id replaces it (repeatable; adds to [posture] checks)
    #[arg(long = "checks", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Leave a check out: ID, or ID@TARGET where TARGET is a path or a prefix ending in * (repeatable; adds to [posture] ignore)
    #[arg(long, value_name = "ID[@TARGET]")]
    pub ignore: Vec<String>,
    /// Exit with a failure code only for failures at or above this severity
    #[arg(long, value_enum, default_value = "low")]
    pub fail_on: PostureSeverity,
    /// Keep finished targets in FILE and skip them when run again with it (for large instances)
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Show passing checks in the table too
    #[arg(long)]
    pub all: bool,
    /// List the checks (id, severity, scope, title) without asking GitLab anything
    #[arg(long)]
    pub list: bool,
    /// Turn failures into a plan saved in --case; apply it with `glir apply CASE`
    #[arg(long, requires = "case")]
    pub plan_fixes: bool,
    /// Case for --plan-fixes (opened if new)
    #[arg(long)]
    pub case: Option<String>,
    /// Targets worked on at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Most requests a minute [default: 90% of the instance's authenticated API limit when set, else unpaced]
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Write a SARIF file too
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostureScope {
    Instance,
    Group,
    Project,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostureSeverity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: [serve] listen in the config, else 127.0.0.1:8443]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// A streaming destination, received at POST /v1/streams/NAME (repeatable; its token comes from the --token-file at the same position)
    #[arg(long = "destination", value_name = "NAME")]
    pub destinations: Vec<String>,
    /// File holding the verification token GitLab sends for the --destination at the same position
    #[arg(long = "token-file", value_name = "FILE")]
    pub token_files: Vec<PathBuf>,
    /// Source the flag-given destinations' events are stored under [default: the GitLab URL's host, else the destination's name]
    #[arg(long)]
    pub source: Option<String>,
    /// Where alerts go (repeatable): stdout, file:PATH, webhook:URL, slack:URL, syslog+udp://IP:PORT, syslog+tcp://IP:PORT [default: [serve] sinks, else stdout]
    #[arg(long = "sink", value_name = "SINK")]
    pub sinks: Vec<String>,
    /// Store and archive only: do not run the rules on received events
    #[arg(long)]
    pub no_detect: bool,
    /// Deliver the same rule about the same actor at most once in this many minutes (alerts are still stored)
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub suppress_minutes: u32,
    #[command(flatten)]
    pub rules: RuleSource,
    /// Check the configuration (destinations, tokens, TLS files, sinks, rules) and exit: 0 when it can run, 2 naming every problem
    #[arg(long)]
    pub check_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// Judge a version against the security releases (by default the instance's, from GET /version); exit 0 when current, 1 when behind or on a minor line no longer patched, 2 on error
    Check(ReleasesCheckArgs),
    /// The security releases glir knows: date, versions, advisories
    List(ReleasesFileArg),
}

#[derive(Debug, Args)]
pub struct ReleasesCheckArgs {
    /// The version to judge, as GitLab prints it (e.g. 18.6.1-ee) [default: the instance's]
    #[arg(long, value_name = "VERSION", value_parser = clap::value_parser!(glir_releases::Version))]
    pub version: Option<glir_releases::Version>,
    #[command(flatten)]
    pub file: ReleasesFileArg,
}

#[derive(Debug, Args)]
pub struct ReleasesFileArg {
    /// A newer security releases file of the built-in format [default: the profile's releases_file, else the one built in]
    #[arg(long = "releases", value_name = "FILE")]
    pub releases: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Collect this server's evidence into a bundle (run as root or git; exit 0 when collected, unreadable files listed)
    Host(TriageHostArgs),
    /// Check a bundle against its .sha256 and every file against its manifest; exit 1 on any difference
    Verify(TriageVerifyArgs),
}

#[derive(Debug, Args)]
pub struct TriageHostArgs {
    /// The filesystem to read: / for this host, or a mounted image (symlinks are resolved inside it)
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Where to read processes and sockets [default: /proc on the live host, none for an image]
    #[arg(long = "proc", value_name = "DIR")]
    pub proc_dir: Option<PathBuf>,
    /// List files under GitLab's directories changed since: RFC 3339, a date or an age like 7d
    #[arg(long, default_value = "7d")]
    pub since: TimeArg,
    /// The bundle to write (never overwritten; outside the directories read) [default: ./glir-triage-<host>-<time>.tar.zst]
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also copy the bundle and its .sha256 here, write-once (read-only, never overwritten, hash checked)
    #[arg(long, value_name = "DIR")]
    pub copy_to: Option<PathBuf>,
    /// Files larger than this are listed without their hash
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub hash_max_mib: u64,
    /// Also walk repositories' object stores for recent files (skipped by default)
    #[arg(long)]
    pub include_objects: bool,
}

#[derive(Debug, Args)]
pub struct TriageVerifyArgs {
    /// The bundle (BUNDLE.sha256 beside it holds its hash)
    pub bundle: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Check every sealed segment against the hash-chained manifest; exit 1 on any problem
    Verify(ArchiveDirArg),
    /// Copy sealed segments and the manifest write-once (never overwritten) to DEST
    Mirror(ArchiveMirrorArgs),
}

#[derive(Debug, Args)]
pub struct ArchiveDirArg {
    /// The archive [default: <data dir>/archive]
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ArchiveMirrorArgs {
    /// Destination directory (e.g. a write-once mount)
    pub dest: PathBuf,
    #[command(flatten)]
    pub dir: ArchiveDirArg,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write glir.1 and a page for every command (glir-scan.1, glir-case-verify.1, …) into this
    /// directory, created if missing
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The guide's scenario
    #[arg(value_parser = playbook())]
    pub kind: Playbook,
    /// Case to work in (opened if new) [default: <kind>-<UTC time>]
    #[arg(long)]
    pub case: Option<String>,
    /// The user (account-compromise, exfiltration)
    #[arg(long)]
    pub user: Option<String>,
    /// The project (job-token-exposure, ci-secret-exposure, misconfiguration)
    #[arg(long)]
    pub project: Option<String>,
    /// The group (misconfiguration)
    #[arg(long)]
    pub group: Option<String>,
    /// The job whose token leaked (job-token-exposure)
    #[arg(long)]
    pub job: Option<i64>,
    /// When the credential was exposed, if known (RFC 3339, a date or an age like 3d)
    #[arg(long)]
    pub exposed_at: Option<TimeArg>,
    /// Start of the window of audit events to review [default: 30d]
    #[arg(long)]
    pub since: Option<TimeArg>,
    /// End of the window [default: now]
    #[arg(long)]
    pub until: Option<TimeArg>,
    /// Apply the plan after showing it (asks for confirmation)
    #[arg(long)]
    pub apply: bool,
    /// With --apply: do not ask (for scripts); required when stdin is not a terminal
    #[arg(long, requires = "apply")]
    pub yes: bool,
    #[command(flatten)]
    pub dir: CaseDirArg,
    #[command(flatten)]
    pub rules: RuleSource,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The case whose latest plan to apply
    pub case: String,
    /// Apply only this batch of a rotation plan (1 admin and automation credentials, 2 CI
    /// secrets, 3 the rest), so what breaks can be fixed before the next
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: Option<u32>,
    /// Do not ask (for scripts); required when stdin is not a terminal
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// An account as GitLab shows it: state, 2FA, last sign-in, identities (reads only; no case)
    Show(UserShowArgs),
    /// Block: no sign-in, API or Git access; the account's tokens stop working while blocked
    Block(UserActionArgs),
    /// Unblock a blocked account
    Unblock(UserActionArgs),
    /// Ban: blocked, and the account's content hidden
    Ban(UserActionArgs),
    /// Unban a banned account
    Unban(UserActionArgs),
    /// Deactivate a dormant account (GitLab refuses accounts active in the last 90 days)
    Deactivate(UserActionArgs),
    /// Activate a deactivated account again
    Reactivate(UserActionArgs),
    /// Replace the password with a random one no one is shown; the user sets a new one through "forgot password"
    ResetPassword(UserActionArgs),
    /// Turn two-factor authentication off (every enrolled device goes); not for administrators
    #[command(name = "disable-2fa")]
    DisableTwoFactor(UserActionArgs),
}

#[derive(Debug, Args)]
pub struct UserShowArgs {
    /// Username or user id
    pub user: String,
}

#[derive(Debug, Args)]
pub struct UserActionArgs {
    /// Username or user id
    pub user: String,
    /// Case to journal the change in (opened if new)
    #[arg(long)]
    pub case: String,
    /// Do not ask (for scripts); required when stdin is not a terminal
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The case whose step to undo
    pub case: String,
    /// The applied step: its journal number (12 or #12) or the start of its hash, as `glir case show` prints them
    pub step: String,
    /// Do not ask (for scripts); required when stdin is not a terminal
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The case to report on
    pub case: String,
    /// Write to this file [default: <case dir>/report.<ext>]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Also check audit-event access to this group (full path or id)
    #[arg(long)]
    pub group: Option<String>,
    /// Also check audit-event access to this project (full path or id)
    #[arg(long)]
    pub project: Option<String>,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// Store the review as evidence in this case (opened if new) and journal it
    #[arg(long)]
    pub case: Option<String>,
    /// Users whose emails are counted at once (administrators)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Client-side ceiling on API requests per second
    #[arg(long, default_value_t = 10.0)]
    pub max_rps: f64,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Only this group and everything under it (subgroups, projects): what a group Owner can run
    #[arg(long, conflicts_with = "project")]
    pub group: Option<String>,
    /// Only this project
    #[arg(long)]
    pub project: Option<String>,
    /// Only this credential family (repeatable) [default: all]
    #[arg(long = "kind", value_name = "KIND", value_parser = inventory_kind())]
    pub kinds: Vec<glir_inventory::Kind>,
    /// Compare with an earlier run's JSON (its --format json output, or the copy in a case): what appeared, disappeared and changed
    #[arg(long, value_name = "FILE")]
    pub since_inventory: Option<PathBuf>,
    /// Store the inventory (and the comparison) as evidence in this case (opened if new) and journal it
    #[arg(long)]
    pub case: Option<String>,
    /// Groups, projects and users listed at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Client-side ceiling on API requests per second
    #[arg(long, default_value_t = 10.0)]
    pub max_rps: f64,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

/// The credential families glir-inventory lists, by name: the library's list is the one list.
fn inventory_kind() -> impl TypedValueParser<Value = glir_inventory::Kind> {
    PossibleValuesParser::new(glir_inventory::Kind::ALL.map(glir_inventory::Kind::as_str)).try_map(
        |name| glir_inventory::Kind::named(&name).ok_or(format!("no credential family {name}")),
    )
}

#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// Audit events of the instance, a group or a project (incremental and resumable)
    AuditEvents(CollectAuditArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["instance", "group", "project"])))]
pub struct CollectAuditArgs {
    /// Instance-wide events (needs an administrator)
    #[arg(long)]
    pub instance: bool,
    /// A group's events (full path or id; needs Owner for everyone's events)
    #[arg(long)]
    pub group: Option<String>,
    /// A project's events (full path or id; needs Maintainer for everyone's events)
    #[arg(long)]
    pub project: Option<String>,
    /// Start: RFC 3339 time, a date (UTC midnight) or an age like 7d, 12h, 30m [default: the last checkpoint, else 30d]
    #[arg(long)]
    pub since: Option<TimeArg>,
    /// End (exclusive), same forms as --since [default: now]
    #[arg(long)]
    pub until: Option<TimeArg>,
    /// Events per API page (GitLab allows up to 100)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub per_page: u32,
    /// Client-side ceiling on API requests per second
    #[arg(long, default_value_t = 5.0)]
    pub max_rps: f64,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories (e.g. /var/log/gitlab/gitlab-rails/) to load; each file's kind, and
    /// gzip, are detected by content: audit events (REST, streaming, audit_json.log),
    /// application_json.log sign-ins, auth_json.log rate limiting, api_json.log calls
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Force the layout instead of detecting it per record: rest, stream, audit_log,
    /// application_log, auth_log or api_log
    #[arg(long, value_parser = clap::value_parser!(Layout))]
    pub layout: Option<Layout>,
    /// Stop at the first malformed record instead of reporting and skipping it
    #[arg(long)]
    pub strict: bool,
    /// Label for where these events came from (`events --source` selects them); an event already stored from another source is not stored twice
    #[arg(long, default_value = "file")]
    pub source: String,
}

#[derive(Debug, Args, Clone)]
pub struct FilterArgs {
    /// Author: display name, email or id; a username is resolved from stored events about that user, else by GitLab when configured
    #[arg(long)]
    pub actor: Option<String>,
    /// Source IP address
    #[arg(long)]
    pub ip: Option<String>,
    /// Event type glob, e.g. '*token*'
    #[arg(long)]
    pub event_type: Option<String>,
    /// Target type, e.g. PersonalAccessToken
    #[arg(long)]
    pub target_type: Option<String>,
    /// Entity path (a group matches its projects) or id
    #[arg(long)]
    pub entity: Option<String>,
    /// Only events this source delivered: a GitLab host, or the --source an ingest named
    #[arg(long)]
    pub source: Option<String>,
    #[command(flatten)]
    pub range: TimeRange,
    /// At most this many events
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Args, Clone)]
pub struct TimeRange {
    /// Start (inclusive): RFC 3339, a date, or an age like 7d
    #[arg(long)]
    pub since: Option<TimeArg>,
    /// End (exclusive), same forms as --since
    #[arg(long)]
    pub until: Option<TimeArg>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Newest first
    #[arg(long)]
    pub reverse: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["actor", "ip", "project"])))]
pub struct TimelineArgs {
    /// Author: display name, email or id; a username is resolved from stored events about that user, else by GitLab when configured
    #[arg(long)]
    pub actor: Option<String>,
    /// Source IP address
    #[arg(long)]
    pub ip: Option<String>,
    /// Project or group path
    #[arg(long)]
    pub project: Option<String>,
    #[command(flatten)]
    pub range: TimeRange,
    /// At most this many events (the newest are kept)
    #[arg(long, default_value_t = 1_000)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(flatten)]
    pub range: TimeRange,
    /// Only this rule's alerts (rule id)
    #[arg(long)]
    pub rule: Option<String>,
    /// At most this many alerts
    #[arg(long)]
    pub limit: Option<usize>,
    /// Show only alerts at this level or above
    #[arg(long, value_parser = PossibleValuesParser::new(LEVELS), default_value = "informational")]
    pub min_level: String,
    /// Merge one rule's alerts about one actor within this many minutes into one alert
    /// carrying every event (0: as stored)
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub group_minutes: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's store in this directory instead of a temporary one
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RuleSource {
    /// Rule directory (repeatable) [default: the GitLab pack built into glir]
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Leave out the rule with this id (repeatable)
    #[arg(long = "disable", value_name = "ID")]
    pub disabled: Vec<String>,
    /// Fail when any rule file is broken instead of skipping it
    #[arg(long)]
    pub strict: bool,
    /// Also evaluate rules whose logsource product is not gitlab (skipped by default: e.g. a Windows rule with `condition: not selection` would match every GitLab event)
    #[arg(long)]
    pub any_logsource: bool,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Read these audit-event files (any layout glir ingest knows) instead of the store
    #[arg(long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub rules: RuleSource,
    /// Lowest alert level that makes glir exit with 1
    #[arg(long, value_parser = PossibleValuesParser::new(LEVELS), default_value = "informational")]
    pub fail_level: String,
    /// Also write the alerts as a SARIF 2.1.0 log to this file
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Days of history the baseline (the `baseline.*` fields rules read) remembers; over the
    /// store it is learned from the stored events before the ones detected over
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub baseline_days: u16,
    /// With --input: the first DAYS of the input only teach the baseline (its rules stay
    /// quiet there), since files come without history
    #[arg(long, value_name = "DAYS", default_value_t = 2)]
    pub warmup_days: u16,
    /// Show only alerts at this level or above (all are still stored)
    #[arg(long, value_parser = PossibleValuesParser::new(LEVELS), default_value = "informational")]
    pub min_level: String,
    /// Merge one rule's alerts about one actor within this many minutes into one alert
    /// carrying every event (0: one line per alert)
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub group_minutes: u32,
    /// On a ClickHouse store, evaluate every rule in glir over every event instead of pushing
    /// rule conditions down as SQL (the same alerts, for comparison)
    #[arg(long)]
    pub in_process: bool,
    /// List how each rule runs on a ClickHouse store (as SQL, or in glir and why) and exit
    #[arg(long)]
    pub pushdown_plan: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded rules: id, level, title, file
    List(RuleSource),
    /// Run each rule's test events (<rules dir>/tests/*.yml); exit 1 on any failure
    Test(RuleSource),
    /// Flag unknown fields and event types, missing tests and duplicate ids; exit 1 on findings
    Lint(RuleSource),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Identify tokens offline, one per stdin line: family, layout, CRC, routing payload, JWT claims
    Identify(TokenIdentifyArgs),
    /// Identify one token from stdin, then ask GitLab who owns it, what it can do, and whether it is live
    Inspect(TokenInspectArgs),
}

#[derive(Debug, Args)]
pub struct TokenInspectArgs {
    #[command(flatten)]
    pub identify: TokenIdentifyArgs,
    /// For a personal access token without an administrator: ask GET /personal_access_tokens/self with the token itself (GitLab then updates its last-used time and IP, which are evidence)
    #[arg(long)]
    pub use_token: bool,
    /// Offline identification only, even when an instance is configured
    #[arg(long)]
    pub offline: bool,
    /// Without an administrator: the project whose deploy tokens or pipeline triggers to match
    #[arg(long)]
    pub project: Option<String>,
    /// Without an administrator: the group whose deploy tokens to list
    #[arg(long)]
    pub group: Option<String>,
}

#[derive(Debug, Args)]
pub struct TokenIdentifyArgs {
    /// The instance's custom personal access token prefix, if not glpat-
    #[arg(long, value_name = "PREFIX")]
    pub pat_prefix: Option<String>,
    /// The instance-wide token prefix (instance_token_prefix), e.g. acme
    #[arg(long, value_name = "PREFIX")]
    pub instance_prefix: Option<String>,
    /// Caught so a token typed as an argument is refused without clap echoing it back
    #[arg(hide = true, num_args = 0..)]
    pub stray: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct CaseDirArg {
    /// Directory that holds the cases [default: <data dir>/cases]
    #[arg(long, value_name = "DIR")]
    pub case_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case: a directory for evidence, its manifest and the journal
    Open(CaseOpenArgs),
    /// List cases with their status and exposure window
    List(CaseDirArg),
    /// Show one case: times, evidence files and the last journal steps
    Show(CaseNameArgs),
    /// Close a case (its files stay; the journal records who closed it and when); a closed case
    /// takes no more evidence, plans or applies
    Close(CaseNameArgs),
    /// Open a closed case again; the journal records who and why
    Reopen(CaseReopenArgs),
    /// Check the journal's hash chain, case.json against it, and every evidence file (and, with
    /// --against, the case against its write-once mirror); exit 1 on any problem
    Verify(CaseVerifyArgs),
    /// Copy evidence and a journal snapshot to a write-once location
    Mirror(CaseMirrorArgs),
}

#[derive(Debug, Args)]
pub struct CaseOpenArgs {
    /// Case name: letters, digits, '.', '_' and '-'
    pub name: String,
    /// The guide's scenario this case follows
    #[arg(long, value_parser = playbook())]
    pub scenario: Option<Playbook>,
    /// When the credential was exposed, if known: RFC 3339, a date or an age like 3d
    #[arg(long)]
    pub exposed_at: Option<TimeArg>,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct CaseNameArgs {
    pub name: String,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct CaseReopenArgs {
    pub name: String,
    /// Why it is reopened, for the journal
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct CaseVerifyArgs {
    pub name: String,
    /// The directory `glir case mirror --copy-to` wrote to: the journal must begin with its
    /// snapshot and every mirrored file must be in the case unchanged
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

#[derive(Debug, Args)]
pub struct CaseMirrorArgs {
    pub name: String,
    /// The second location, ideally write-once storage (WORM, object lock)
    #[arg(long, value_name = "DIR")]
    pub copy_to: PathBuf,
    #[command(flatten)]
    pub dir: CaseDirArg,
}

/// The playbooks `glir-respond` offers, by name: the library's list is the one list.
fn playbook() -> impl TypedValueParser<Value = Playbook> {
    PossibleValuesParser::new(Playbook::ALL.map(Playbook::name))
        .try_map(|name| Playbook::named(&name).ok_or(format!("no playbook named {name}")))
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan
    pub paths: Vec<PathBuf>,
    /// Scan this repository's whole history: every reachable blob once, with the commit that introduced it
    #[arg(long, value_name = "REPO")]
    pub git: Option<PathBuf>,
    /// With --git or --git-mirrors, also scan objects no ref reaches (dangling blobs, dropped stashes)
    #[arg(long)]
    pub unreachable: bool,
    /// Scan the history of every git repository under DIR, bare or not, each as --git does; found at any depth (a repository's own directory is not searched further, symbolic links are not followed), each finding's path prefixed with the repository's path under DIR and a colon
    #[arg(long, value_name = "DIR")]
    pub git_mirrors: Option<PathBuf>,
    /// Scan the CI job logs of this project or group (path or id), decoding base64, hex and URL encoding
    #[arg(long, value_name = "PROJECT|GROUP")]
    pub gitlab_jobs: Option<String>,
    /// With --gitlab-jobs or --gitlab-variables, jobs created since: RFC 3339, a date or an age like 7d [default: 30d]
    #[arg(long)]
    pub since: Option<TimeArg>,
    /// With --gitlab-jobs, also scan each job's artifacts archive
    #[arg(long, requires = "gitlab_jobs")]
    pub artifacts: bool,
    /// Audit this project's CI/CD variables (and its groups'): which values leaked into job logs
    #[arg(long, value_name = "PROJECT")]
    pub gitlab_variables: Option<String>,
    /// Check whether each GitLab token found is live, with side-effect-free requests to the configured instance
    #[arg(long)]
    pub verify: bool,
    /// Also write the findings as SARIF 2.1.0 to this file
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write the findings as a GitLab secret-detection report (gl-secret-detection-report.json)
    #[arg(long, value_name = "FILE")]
    pub gitlab_report: Option<PathBuf>,
    /// Suppress findings listed in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this scan to a baseline file (then exit 0)
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Scan files that .gitignore/.ignore would skip
    #[arg(long)]
    pub no_ignore: bool,
    /// Report findings on lines carrying an ignore marker (glir:ignore, gitleaks:allow, …) too
    #[arg(long)]
    pub include_suppressed: bool,
    /// Threads that scan files and git history blobs (0: one per core)
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Also report strings of a secret's shape that fail its checks (a routable token whose CRC
    /// fails, a body of the wrong length or alphabet), marked `invalid: <why>`
    #[arg(long)]
    pub include_invalid: bool,
    /// Add the generic high-entropy rule (noisier)
    #[arg(long)]
    pub generic: bool,
    /// Skip files and blobs larger than this many MiB
    #[arg(long, default_value_t = 50, value_name = "MIB")]
    pub max_file_size: u64,
    /// The instance's custom personal access token prefix, if not glpat-
    #[arg(long, value_name = "PREFIX")]
    pub pat_prefix: Option<String>,
    /// The instance-wide token prefix (instance_token_prefix), e.g. acme
    #[arg(long, value_name = "PREFIX")]
    pub instance_prefix: Option<String>,
    /// Scan only part I of N (1-based) of --gitlab-jobs's projects (those whose id mod N is I-1) or of --git-mirrors's repositories (those whose path under DIR, SHA-256'd, has its first 8 bytes as a big-endian number mod N equal to I-1): the runs 1/N to N/N scan everything once between them
    #[arg(long, value_name = "I/N")]
    pub shard: Option<glir_collect::Shard>,
    /// Keep this run's findings in the store (--store, else the data dir), one per secret and place: shards of one scan and runs repeated merge there without a finding twice
    #[arg(long)]
    pub save: bool,
    /// List the findings --save runs kept in the store, merged, instead of scanning
    #[arg(
        long,
        conflicts_with_all = [
            "paths",
            "git",
            "git_mirrors",
            "gitlab_jobs",
            "gitlab_variables",
            "verify",
            "save",
            "baseline",
            "write_baseline",
        ]
    )]
    pub stored: bool,
}
