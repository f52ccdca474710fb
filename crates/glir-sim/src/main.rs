//! `glir-sim`: serve a scenario (or the bundled demo incident) as a GitLab API for drills.

use anyhow::Context;
use clap::Parser;
use glir_sim::{FleetSpec, Scenario, StreamTarget};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use tracing_subscriber::EnvFilter;

/// A GitLab simulator for incident-response drills and tests.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Scenario file (JSON) to serve.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["demo", "fleet"],
        conflicts_with_all = ["demo", "fleet"]
    )]
    scenario: Option<PathBuf>,
    /// Serve the bundled demo incident (synthetic drill data).
    #[arg(long, conflicts_with = "fleet")]
    demo: bool,
    /// Serve a generated instance of N projects (groups, users, credentials, hooks, runners,
    /// settings) for posture checks at scale; its API rate limit is on.
    #[arg(long, value_name = "N")]
    fleet: Option<usize>,
    /// Address to listen on; loopback by default so a drill never exposes the sim.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Stream the audit events to this HTTP destination as GitLab's audit event streaming does:
    /// the existing ones at start, then each new one.
    #[arg(long, value_name = "URL", requires = "stream_token_file")]
    stream_to: Option<String>,
    /// File holding the destination's verification token (surrounding whitespace is trimmed).
    #[arg(long, value_name = "FILE", requires = "stream_to")]
    stream_token_file: Option<PathBuf>,
    /// Send JSON arrays of up to N events per request instead of one event per request.
    #[arg(long, value_name = "N", requires = "stream_to")]
    stream_batch: Option<NonZeroUsize>,
    /// Content-Type of the requests (GitLab's default is application/x-www-form-urlencoded).
    #[arg(long, value_name = "TYPE", requires = "stream_to")]
    stream_content_type: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("glir_sim=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let scenario = match (&args.scenario, args.fleet) {
        (Some(path), _) => Scenario::from_path(path)?,
        (None, Some(projects)) => Scenario::fleet(FleetSpec::new(projects)),
        (None, None) => Scenario::demo(),
    };
    let banner = banner(&scenario);
    let stream_target = stream_target(&args)?;
    let sim = glir_sim::start_on(scenario, args.listen)
        .await
        .with_context(|| format!("starting the simulator on {}", args.listen))?;
    println!(
        "glir-sim listening on {}  (API: {}/api/v4)",
        sim.url(),
        sim.url()
    );
    println!("{banner}");
    println!("Inject a fault (next 2 audit event requests get 429):");
    println!(
        "  curl -X POST {}/-/sim/faults -H 'Content-Type: application/json' \\\n    -d '{{\"path_contains\":\"/audit_events\",\"kind\":\"rate_limited\",\"retry_after_secs\":5,\"times\":2}}'",
        sim.url()
    );
    println!("Clear faults: curl -X DELETE {}/-/sim/faults", sim.url());
    let stream = stream_target.map(|target| {
        let destination = target.redacted_url();
        println!("Streaming audit events to {destination}");
        sim.stream_live(target, move |report| {
            eprintln!("glir-sim: streamed to {destination}: {report}");
        })
    });
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    if let Some(stream) = stream {
        stream.abort();
    }
    sim.shutdown().await;
    Ok(())
}

/// The `--stream-*` flags as a destination, checked before the simulator starts.
fn stream_target(args: &Args) -> anyhow::Result<Option<StreamTarget>> {
    let (Some(url), Some(token_file)) = (&args.stream_to, &args.stream_token_file) else {
        return Ok(None);
    };
    let mut target = StreamTarget::new(url.clone(), read_token(token_file)?);
    target.batch_size = args.stream_batch.map(NonZeroUsize::get);
    target.content_type = args.stream_content_type.clone();
    if let Err(e) = target.check() {
        let flag = match e.field().as_str() {
            "url" => "--stream-to",
            "token" => "--stream-token-file",
            "content_type" => "--stream-content-type",
            "batch_size" => "--stream-batch",
            _ => "streaming",
        };
        anyhow::bail!("{flag}: {e}");
    }
    Ok(Some(target))
}

/// The token from its file; errors name the file, never its content.
fn read_token(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the streaming token", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        anyhow::bail!("{}: the streaming token file is empty", path.display());
    }
    Ok(token.to_string())
}

/// Tokens listed in the banner; a generated fleet has hundreds.
const BANNER_TOKENS: usize = 20;

/// The scenario's description and tokens, each token redacted (glir never prints a full token).
fn banner(scenario: &Scenario) -> String {
    let mut out = String::new();
    if let Some(description) = &scenario.description {
        out.push_str(description);
        out.push('\n');
    }
    out.push_str("Tokens (redacted; full values are in the scenario file):\n");
    for t in scenario.tokens.iter().take(BANNER_TOKENS) {
        let state = if t.revoked { " revoked" } else { "" };
        out.push_str(&format!(
            "  {:<28} {:<12} {:<20} {}{state}  [{}]\n",
            glir_redact::redact(&t.token),
            t.user,
            t.name,
            t.scopes.join(","),
            glir_redact::fingerprint(&t.token),
        ));
    }
    if let Some(more) = scenario
        .tokens
        .len()
        .checked_sub(BANNER_TOKENS)
        .filter(|&n| n > 0)
    {
        out.push_str(&format!("  … and {more} more\n"));
    }
    out
}
