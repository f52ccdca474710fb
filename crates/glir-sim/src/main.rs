//! `glir-sim`: serve a scenario (or the bundled demo incident) as a GitLab API for drills.

use anyhow::Context;
use clap::Parser;
use glir_sim::Scenario;
use std::net::SocketAddr;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// A GitLab simulator for incident-response drills and tests.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Scenario file (JSON) to serve.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "demo",
        conflicts_with = "demo"
    )]
    scenario: Option<PathBuf>,
    /// Serve the bundled demo incident (synthetic drill data).
    #[arg(long)]
    demo: bool,
    /// Address to listen on; loopback by default so a drill never exposes the sim.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
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
    let scenario = match &args.scenario {
        Some(path) => Scenario::from_path(path)?,
        None => Scenario::demo(),
    };
    let banner = banner(&scenario);
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
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}

/// The scenario's description and tokens, each token redacted (glir never prints a full token).
fn banner(scenario: &Scenario) -> String {
    let mut out = String::new();
    if let Some(description) = &scenario.description {
        out.push_str(description);
        out.push('\n');
    }
    out.push_str("Tokens (redacted; full values are in the scenario file):\n");
    for t in &scenario.tokens {
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
    out
}
