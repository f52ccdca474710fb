//! `glir serve`: the flags and `[serve]` settings made into the receiver's options, then the
//! receiver run until SIGINT or SIGTERM.

use super::rules::load_rules_to_run;
use super::{open_store, runtime, store_location, write_value};
use crate::cli::{GlobalArgs, ServeArgs};
use crate::config::Settings;
use crate::output::status;
use anyhow::{Context, Result, bail};
use glir_archive::{Archive, ArchiveOptions};
use glir_serve::deliver::SinkSpec;
use glir_serve::{Destination, LiveOptions, Options, TlsFiles};
use jiff::SignedDuration;
use std::net::SocketAddr;
use std::process::ExitCode;

const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

pub fn run(g: &GlobalArgs, settings: &Settings, args: &ServeArgs) -> Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok();
    let mut problems = Vec::new();
    let options = options(settings, args, &env, &mut problems);
    problems.extend(options.problems());
    let sinks = sinks(settings, args, &mut problems);
    let listen = listen(settings, args, &mut problems);
    let pack = if args.no_detect {
        None
    } else {
        match load_rules_to_run(g, &args.rules) {
            Ok(pack) => Some(pack),
            Err(e) => {
                problems.push(format!("rules: {e:#}"));
                None
            }
        }
    };
    if !problems.is_empty() {
        for p in &problems {
            status!("problem: {p}");
        }
        bail!(
            "{} problem(s) in the receiver's configuration",
            problems.len()
        );
    }
    let archive_dir = settings
        .serve
        .archive_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("archive"));
    if args.check_config {
        let summary = serde_json::json!({
            "ok": true,
            "destinations": options.destinations.iter().map(|d| {
                serde_json::json!({"name": d.name, "path": format!("/v1/streams/{}", d.name), "source": d.source})
            }).collect::<Vec<_>>(),
            "sinks": sinks.iter().map(SinkSpec::name).collect::<Vec<_>>(),
            "archive": archive_dir,
            "store": store_location(settings)?.to_string(),
        });
        if write_value(g.format, &summary)? {
            return Ok(ExitCode::SUCCESS);
        }
        status!(
            "configuration OK: {} destination(s), {} sink(s), archive {}, store {}",
            options.destinations.len(),
            sinks.len(),
            archive_dir.display(),
            store_location(settings)?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(listen) = listen else {
        bail!("no address to listen on");
    };
    let store = open_store(settings)?;
    let store_shown = store_location(settings)?;
    let archive_options = ArchiveOptions {
        segment_max_age: Some(std::time::Duration::from_secs(
            60 * settings.serve.archive_segment_minutes.unwrap_or(60).max(1),
        )),
        ..ArchiveOptions::default()
    };
    let archive = Archive::open(&archive_dir, archive_options)
        .with_context(|| format!("cannot open the archive at {}", archive_dir.display()))?;
    if !archive.recovered().is_clean() {
        status!(
            "archive recovered after an unclean stop: {}",
            archive.recovered()
        );
    }
    let live = match pack {
        Some(pack) => Some((
            open_store(settings)?,
            LiveOptions {
                pack,
                sinks,
                queue_dir: settings.data_dir.join("serve").join("queue"),
                suppress: SignedDuration::from_mins(i64::from(args.suppress_minutes)),
                replay: SignedDuration::from_hours(24),
                sink_retry: std::time::Duration::from_secs(1),
            },
        )),
        None => None,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let running = glir_serve::start(listener, store, archive, &options, live)?;
        if running.reindexed > 0 {
            status!(
                "put back {} archived event(s) the store lacked after an unclean stop",
                running.reindexed
            );
        }
        let scheme = if options.tls.is_some() { "https" } else { "http" };
        for d in &options.destinations {
            status!(
                "receiving destination {:?} at {scheme}://{}/v1/streams/{} (events stored under {})",
                d.name,
                running.addr,
                d.name,
                d.source
            );
        }
        status!(
            "archive {}; store {}; Ctrl-C or SIGTERM stops after answering requests in flight",
            archive_dir.display(),
            store_shown
        );
        stop_signal().await;
        status!("stopping: answering requests in flight, sealing the open archive segment");
        let addr = running.addr;
        let reindexed = running.reindexed;
        running.shutdown().await?;
        Ok::<_, anyhow::Error>((addr, reindexed))
    })
    .and_then(|(addr, reindexed)| {
        write_value(
            g.format,
            &serde_json::json!({"listened": addr.to_string(), "reindexed": reindexed, "stopped": true}),
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Destinations from `[serve]` and from the flags, which come in NAME / FILE pairs.
fn options(
    settings: &Settings,
    args: &ServeArgs,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Options {
    let serve = &settings.serve;
    let default_source = |name: &str| {
        args.source.clone().unwrap_or_else(|| {
            settings
                .url
                .as_deref()
                .and_then(|u| glir_gitlab::source_name(u).ok())
                .unwrap_or_else(|| name.to_owned())
        })
    };
    let mut destinations = Vec::new();
    for d in &serve.destinations {
        match d.token.read(env) {
            Ok((token, warnings)) => {
                for w in warnings {
                    status!("warning: {w}");
                }
                destinations.push(Destination {
                    name: d.name.clone(),
                    token,
                    source: d.source.clone().unwrap_or_else(|| default_source(&d.name)),
                });
            }
            Err(e) => problems.push(format!("destination {:?}: {e:#}", d.name)),
        }
    }
    if args.destinations.len() != args.token_files.len() {
        problems.push(format!(
            "{} --destination but {} --token-file: give one token file per destination, in the same order",
            args.destinations.len(),
            args.token_files.len()
        ));
    }
    for (name, file) in args.destinations.iter().zip(&args.token_files) {
        match glir_config::SecretSource::file(file.clone()).read(env) {
            Ok((token, warnings)) => {
                for w in warnings {
                    status!("warning: {w}");
                }
                destinations.push(Destination {
                    name: name.clone(),
                    token,
                    source: default_source(name),
                });
            }
            Err(e) => problems.push(format!("destination {name:?}: {e:#}")),
        }
    }
    let mut options = Options::new(destinations);
    if let Some(limit) = serve.body_limit_bytes {
        options.body_limit = limit;
    }
    if let Some(secs) = serve.read_timeout_secs {
        options.read_timeout = std::time::Duration::from_secs(secs);
    }
    match (&serve.tls_cert, &serve.tls_key) {
        (Some(cert), Some(key)) => {
            options.tls = Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })
        }
        (None, None) => {}
        _ => problems.push("[serve] needs both tls_cert and tls_key, or neither".into()),
    }
    options
}

fn sinks(settings: &Settings, args: &ServeArgs, problems: &mut Vec<String>) -> Vec<SinkSpec> {
    let given: Vec<&String> = if args.sinks.is_empty() {
        settings.serve.sinks.iter().collect()
    } else {
        args.sinks.iter().collect()
    };
    if given.is_empty() {
        return vec![SinkSpec::Stdout];
    }
    given
        .into_iter()
        .filter_map(|text| SinkSpec::parse(text).map_err(|e| problems.push(e)).ok())
        .collect()
}

fn listen(settings: &Settings, args: &ServeArgs, problems: &mut Vec<String>) -> Option<SocketAddr> {
    if let Some(addr) = args.listen {
        return Some(addr);
    }
    let text = settings.serve.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    match text.parse() {
        Ok(addr) => Some(addr),
        Err(e) => {
            problems.push(format!("[serve] listen = {text:?}: {e}"));
            None
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (a service manager).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
