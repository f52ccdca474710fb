//! Rails logs that hold evidence the audit log lacks, each read as its own source with event
//! types of its own (`docs/INPUTS.md` lists them). GitLab Free writes few audit events, so on
//! many instances these lines are the only record of sign-ins, rate limiting and API use.
//!
//! Field names are those of `doc/administration/logs/_index.md`; the author name of these events
//! is the username, the only name the lines carry.

use crate::error::ParseError;
use crate::event::AuditEvent;
use crate::layout::{Layout, NotAnEvent};
use crate::parse::{content_id, first_text};
use crate::record::Record;
use crate::render::as_i64;
use serde_json::{Map, Value};

/// The event types glir gives lines of the Rails logs (GitLab's audit catalogue has none of
/// these names), sorted.
pub const RAILS_LOG_EVENT_TYPES: &[&str] = &[
    API_REQUEST,
    RATE_LIMIT_BLOCKLISTED,
    RATE_LIMIT_OTHER,
    RATE_LIMIT_THROTTLED,
    RATE_LIMIT_TRACKED,
    SIGNIN_FAILED,
    SIGNIN_SUCCEEDED,
    SIGNOUT,
];

const API_REQUEST: &str = "api_request";
const RATE_LIMIT_BLOCKLISTED: &str = "rate_limit_blocklisted";
const RATE_LIMIT_OTHER: &str = "rate_limit_other";
const RATE_LIMIT_THROTTLED: &str = "rate_limit_throttled";
const RATE_LIMIT_TRACKED: &str = "rate_limit_tracked";
const SIGNIN_FAILED: &str = "signin_failed";
const SIGNIN_SUCCEEDED: &str = "signin_succeeded";
const SIGNOUT: &str = "signout";

/// Which Rails log a line is from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RailsLog {
    Application,
    Auth,
    Api,
}

pub(crate) fn parse(
    mut map: Map<String, Value>,
    log: RailsLog,
    raw: &str,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let created_at = map.timestamp("time")?;
    map.remove("time");
    let mut event = AuditEvent {
        source: source.to_owned(),
        // Log lines carry no id; hashing the line makes re-ingesting a file idempotent.
        event_id: content_id(raw),
        layout: match log {
            RailsLog::Application => Layout::ApplicationLog,
            RailsLog::Auth => Layout::AuthLog,
            RailsLog::Api => Layout::ApiLog,
        },
        created_at,
        event_type: None,
        author_id: None,
        author_name: None,
        author_email: None,
        entity_id: None,
        entity_type: None,
        entity_path: None,
        target_id: None,
        target_type: None,
        target_details: None,
        ip_address: None,
        change: None,
        from: None,
        to: None,
        custom_message: None,
        details: Value::Null,
        raw: raw.to_owned(),
    };
    match log {
        RailsLog::Application => application(&mut map, &mut event)?,
        RailsLog::Auth => auth(&map, &mut event),
        RailsLog::Api => api(&map, &mut event),
    }
    event.details = Value::Object(map);
    Ok(event)
}

/// `app/controllers/sessions_controller.rb` writes "Successful Login: username=… ip=… method=…
/// admin=…", "Failed Login: username=… ip=…" and "User Logout: username=… ip=…". The parsed
/// words are added to `details` (`username`, `ip`, `method`, `admin`), so rules can read them.
fn application(map: &mut Map<String, Value>, event: &mut AuditEvent) -> Result<(), ParseError> {
    let message = map.get("message").and_then(Value::as_str).unwrap_or("");
    const KINDS: [(&str, &str); 3] = [
        ("Successful Login:", SIGNIN_SUCCEEDED),
        ("Failed Login:", SIGNIN_FAILED),
        ("User Logout:", SIGNOUT),
    ];
    let Some((prefix, event_type)) = KINDS.iter().find(|(p, _)| message.starts_with(p)) else {
        return Err(NotAnEvent::OtherMessage.into());
    };
    let words: Vec<(String, String)> = message[prefix.len()..]
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let word = |key: &str| {
        words
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    event.event_type = Some((*event_type).to_owned());
    // The request context names the signed-in user (not there for a failed sign-in).
    event.author_id = map.get("meta.user_id").and_then(as_i64);
    event.author_name = word("username");
    event.ip_address = word("ip");
    event.target_type = Some("User".to_owned());
    event.target_details = event.author_name.clone();
    event.custom_message = Some(message.to_owned());
    for (key, value) in words {
        let value = match value.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(value),
        };
        map.entry(key).or_insert(value);
    }
    Ok(())
}

/// Rack::Attack lines (`lib/gitlab/auth_logger.rb`, `config/initializers/rack_attack_logging.rb`):
/// `env` is `throttle`, `blocklist` or `track` (a throttle in dry-run), `matched` the rule.
fn auth(map: &Map<String, Value>, event: &mut AuditEvent) {
    let text = |key: &str| map.get(key).and_then(Value::as_str);
    event.event_type = Some(
        match text("env") {
            Some("throttle") => RATE_LIMIT_THROTTLED,
            Some("blocklist") => RATE_LIMIT_BLOCKLISTED,
            Some("track") => RATE_LIMIT_TRACKED,
            _ => RATE_LIMIT_OTHER,
        }
        .to_owned(),
    );
    // Older versions wrote `ip` and `fullpath` (config/initializers/rack_attack_logging.rb).
    event.ip_address = client_ip(map, &["remote_ip", "meta.remote_ip", "ip"]);
    event.author_id = map.get("user_id").and_then(as_i64);
    event.author_name = first_text(map, &["username", "meta.user"]);
    event.target_type = Some("Route".to_owned());
    event.target_details = first_text(map, &["path", "fullpath"]);
    event.custom_message = text("matched").map(str::to_owned);
}

/// `lib/api/api.rb` logs every REST call through `Gitlab::GrapeLogging`: method, path, route,
/// status, user and, on current versions, the authenticating token's type and id.
fn api(map: &Map<String, Value>, event: &mut AuditEvent) {
    let text = |key: &str| map.get(key).and_then(Value::as_str);
    event.event_type = Some(API_REQUEST.to_owned());
    event.ip_address = client_ip(map, &["meta.remote_ip", "remote_ip"]);
    event.author_id = map
        .get("user_id")
        .or_else(|| map.get("meta.user_id"))
        .and_then(as_i64);
    event.author_name = first_text(map, &["username", "meta.user"]);
    event.target_type = Some("Route".to_owned());
    event.target_details = text("route").or_else(|| text("path")).map(str::to_owned);
    let status = map.get("status").and_then(as_i64);
    let words: Vec<String> = [text("method"), text("path")]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .chain(status.map(|s| s.to_string()))
        .collect();
    event.custom_message = (!words.is_empty()).then(|| words.join(" "));
}

/// The client's address: `remote_ip` can be the proxy chain ("81.2.69.144, 127.0.0.1") where
/// `meta.remote_ip` is the client alone; the chain's first address is the client.
fn client_ip(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    let ip = first_text(map, keys)?;
    let client = ip.split(',').next().unwrap_or(&ip).trim();
    (!client.is_empty()).then(|| client.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert!(super::RAILS_LOG_EVENT_TYPES.is_sorted());
    }
}
