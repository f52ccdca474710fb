//! Where alerts go: stdout (JSONL), a file, a JSON webhook, a Slack-compatible webhook, syslog
//! (RFC 5424). Local sinks are written at once. Network sinks are fed through a queue on disk:
//! an alert is written to the sink's queue before anything is sent, removed only once the sink
//! took it, and retried with backoff while the sink is down, so a sink outage delays alerts and
//! shows in `/metrics` (`glir_serve_sink_backlog`) but never drops one.

pub(crate) mod queue;
mod syslog;

pub use queue::Queue;

use glir_events::Alert;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A sink as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkSpec {
    /// One JSON object per line on standard output.
    Stdout,
    /// One JSON object per line appended to a file.
    File(PathBuf),
    /// `POST` of the alert as JSON.
    Webhook(String),
    /// `POST` of `{"text": …}`, which Slack and Mattermost incoming webhooks take.
    Slack(String),
    /// RFC 5424 over UDP.
    SyslogUdp(SocketAddr),
    /// RFC 5424 over TCP, octet-counted (RFC 6587).
    SyslogTcp(SocketAddr),
}

impl SinkSpec {
    /// `stdout`, `file:PATH`, `webhook:URL`, `slack:URL`, `syslog+udp://HOST:PORT`,
    /// `syslog+tcp://HOST:PORT`.
    pub fn parse(text: &str) -> Result<SinkSpec, String> {
        let addr = |rest: &str| {
            rest.parse::<SocketAddr>()
                .map_err(|e| format!("sink `{text}`: {e} (write syslog+udp://IP:PORT)"))
        };
        let url = |rest: &str| {
            if rest.starts_with("http://") || rest.starts_with("https://") {
                Ok(rest.to_string())
            } else {
                Err(format!(
                    "sink `{text}`: the URL must start with http:// or https://"
                ))
            }
        };
        if text == "stdout" {
            Ok(SinkSpec::Stdout)
        } else if let Some(path) = text.strip_prefix("file:") {
            Ok(SinkSpec::File(PathBuf::from(path)))
        } else if let Some(rest) = text.strip_prefix("webhook:") {
            url(rest).map(SinkSpec::Webhook)
        } else if let Some(rest) = text.strip_prefix("slack:") {
            url(rest).map(SinkSpec::Slack)
        } else if let Some(rest) = text.strip_prefix("syslog+udp://") {
            addr(rest).map(SinkSpec::SyslogUdp)
        } else if let Some(rest) = text.strip_prefix("syslog+tcp://") {
            addr(rest).map(SinkSpec::SyslogTcp)
        } else {
            Err(format!(
                "sink `{text}`: use stdout, file:PATH, webhook:URL, slack:URL, syslog+udp://IP:PORT or syslog+tcp://IP:PORT"
            ))
        }
    }

    /// A name for the metrics and the queue directory: the kind, and a hash of the target so
    /// two webhooks get two queues without a URL (which may hold a secret) in a file name.
    pub fn name(&self) -> String {
        let (kind, target) = match self {
            SinkSpec::Stdout => return "stdout".into(),
            SinkSpec::File(path) => ("file", path.display().to_string()),
            SinkSpec::Webhook(url) => ("webhook", url.clone()),
            SinkSpec::Slack(url) => ("slack", url.clone()),
            SinkSpec::SyslogUdp(addr) => ("syslog-udp", addr.to_string()),
            SinkSpec::SyslogTcp(addr) => ("syslog-tcp", addr.to_string()),
        };
        use sha2::Digest;
        let digest = sha2::Sha256::digest(target.as_bytes());
        format!("{kind}-{}", hex::encode(&digest[..4]))
    }

    /// Whether alerts for this sink go through a queue on disk.
    pub fn queued(&self) -> bool {
        !matches!(self, SinkSpec::Stdout | SinkSpec::File(_))
    }
}

/// An alert as every sink shows it: the alert, plus the receiver that raised it.
pub fn alert_json(alert: &Alert) -> serde_json::Value {
    serde_json::json!({
        "rule_id": alert.rule_id,
        "title": alert.title,
        "level": alert.level,
        "tags": alert.tags,
        "event_ids": alert.event_ids,
        "actor": alert.actor,
        "time": alert.time,
        "reason": alert.reason,
        "source": "glir serve",
    })
}

/// Writes to a local sink (stdout, file) now.
pub(crate) fn write_local(spec: &SinkSpec, alert: &serde_json::Value) -> std::io::Result<()> {
    let mut line = alert.to_string();
    line.push('\n');
    match spec {
        SinkSpec::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(line.as_bytes())?;
            out.flush()
        }
        SinkSpec::File(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            file.write_all(line.as_bytes())?;
            file.sync_data()
        }
        _ => Ok(()),
    }
}

/// Sends one alert to a network sink; an error is retried later.
pub(crate) async fn send(
    http: &reqwest::Client,
    spec: &SinkSpec,
    alert: &serde_json::Value,
) -> Result<(), String> {
    match spec {
        SinkSpec::Webhook(url) => post(http, url, alert).await,
        SinkSpec::Slack(url) => {
            post(http, url, &serde_json::json!({ "text": slack_text(alert) })).await
        }
        SinkSpec::SyslogUdp(addr) => syslog::send_udp(*addr, &syslog::message(alert)).await,
        SinkSpec::SyslogTcp(addr) => syslog::send_tcp(*addr, &syslog::message(alert)).await,
        SinkSpec::Stdout | SinkSpec::File(_) => Ok(()),
    }
}

async fn post(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> Result<(), String> {
    let answer = http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("the sink answered {}", answer.status()))
    }
}

/// One line a person reads in a chat channel.
fn slack_text(alert: &serde_json::Value) -> String {
    let text = |key: &str| alert[key].as_str().unwrap_or("-").to_string();
    let events = alert["event_ids"].as_array().map_or(0, Vec::len);
    format!(
        "[{}] {} — {} at {} ({} event{}): {}",
        text("level").to_uppercase(),
        text("title"),
        text("actor"),
        text("time"),
        events,
        if events == 1 { "" } else { "s" },
        text("reason")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_parse_from_their_short_forms() {
        assert_eq!(SinkSpec::parse("stdout"), Ok(SinkSpec::Stdout));
        assert_eq!(
            SinkSpec::parse("file:/var/log/glir/alerts.jsonl"),
            Ok(SinkSpec::File("/var/log/glir/alerts.jsonl".into()))
        );
        assert_eq!(
            SinkSpec::parse("webhook:https://hooks.example.test/x"),
            Ok(SinkSpec::Webhook("https://hooks.example.test/x".into()))
        );
        assert_eq!(
            SinkSpec::parse("syslog+udp://127.0.0.1:514"),
            Ok(SinkSpec::SyslogUdp("127.0.0.1:514".parse().unwrap()))
        );
        assert!(SinkSpec::parse("webhook:ftp://x").is_err());
        assert!(SinkSpec::parse("syslog+udp://localhost").is_err());
        assert!(SinkSpec::parse("email:x").is_err());
    }

    #[test]
    fn a_sink_name_never_holds_its_url() {
        let spec = SinkSpec::Slack("https://hooks.slack.test/services/T0/B0/secretpart".into());
        let name = spec.name();
        assert!(
            name.starts_with("slack-") && !name.contains("secretpart"),
            "{name}"
        );
        assert_ne!(
            name,
            SinkSpec::Slack("https://hooks.slack.test/other".into()).name()
        );
    }

    #[test]
    fn the_slack_line_names_level_rule_actor_and_count() {
        let alert = serde_json::json!({
            "level": "high", "title": "PAT created from a new network", "actor": "dana",
            "time": "2026-11-25T02:13:07Z", "event_ids": ["1", "2"], "reason": "new IP"
        });
        assert_eq!(
            slack_text(&alert),
            "[HIGH] PAT created from a new network — dana at 2026-11-25T02:13:07Z (2 events): new IP"
        );
    }
}
