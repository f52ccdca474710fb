//! Alerts as RFC 5424 syslog messages, over UDP or TCP (octet counting, RFC 6587 §3.4.1).

use std::net::SocketAddr;
use tokio::io::AsyncWriteExt;

/// authpriv (10): security and authorization messages (RFC 5424 §6.2.1).
const FACILITY: u8 = 10;

/// The documentation enterprise number (RFC 5612) names glir's structured data, until glir has
/// one of its own.
const SD_ID: &str = "glir@32473";

/// `<PRI>1 TIME HOST glir PID alert [SD] JSON`.
pub(crate) fn message(alert: &serde_json::Value) -> String {
    let text = |key: &str| alert[key].as_str().unwrap_or("-").to_string();
    let severity = match alert["level"].as_str() {
        Some("critical") => 2,
        Some("high") => 3,
        Some("medium") => 4,
        Some("low") => 5,
        _ => 6,
    };
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty() && h.is_ascii() && !h.contains(' '))
        .unwrap_or_else(|| "-".into());
    format!(
        "<{}>1 {} {} glir {} alert [{SD_ID} rule_id=\"{}\" level=\"{}\" actor=\"{}\"] {}",
        FACILITY * 8 + severity,
        jiff::Timestamp::now(),
        host,
        std::process::id(),
        sd_escape(&text("rule_id")),
        sd_escape(&text("level")),
        sd_escape(&text("actor")),
        alert
    )
}

/// PARAM-VALUE escapes `"`, `\` and `]` (RFC 5424 §6.3.3).
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) async fn send_udp(addr: SocketAddr, message: &str) -> Result<(), String> {
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| e.to_string())?;
    socket
        .send_to(message.as_bytes(), addr)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub(crate) async fn send_tcp(addr: SocketAddr, message: &str) -> Result<(), String> {
    let connect = tokio::net::TcpStream::connect(addr);
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(5), connect)
        .await
        .map_err(|_| format!("{addr} did not accept within 5 s"))?
        .map_err(|e| e.to_string())?;
    let framed = format!("{} {message}", message.len());
    stream
        .write_all(framed.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.shutdown().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_alert_is_authpriv_error_with_escaped_structured_data() {
        let alert = serde_json::json!({"rule_id": "r-1", "level": "high", "actor": "a\"b]"});
        let m = message(&alert);
        assert!(m.starts_with("<83>1 "), "{m}");
        assert!(
            m.contains(r#"[glir@32473 rule_id="r-1" level="high" actor="a\"b\]"]"#),
            "{m}"
        );
        assert!(m.ends_with(&alert.to_string()), "{m}");
    }
}
