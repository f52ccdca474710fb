//! One archive line: what arrived, how and when. The event exactly as sent (on one line) with the
//! destination, the time of receipt and GitLab's event-type header. Written by the handlers,
//! read back when the store is brought back to the archive.

use serde_json::value::RawValue;

/// The line the archive keeps for `raw`, received through `destination`.
pub(crate) fn line(
    received_at: jiff::Timestamp,
    destination: &str,
    event_type: Option<&str>,
    raw: &str,
) -> String {
    let text = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        r#"{{"received_at":"{received_at}","destination":{},"event_type":{},"event":{raw}}}"#,
        text(destination),
        event_type.map_or("null".to_string(), text)
    )
}

/// A line read back: the destination and the event's own text.
#[derive(serde::Deserialize)]
pub(crate) struct Envelope<'a> {
    pub(crate) destination: String,
    #[serde(borrow)]
    pub(crate) event: &'a RawValue,
}

impl<'a> Envelope<'a> {
    pub(crate) fn parse(line: &'a [u8]) -> Result<Envelope<'a>, String> {
        let text = std::str::from_utf8(line).map_err(|e| e.to_string())?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_as_it_was_written() {
        let at = "2026-12-07T01:02:03Z".parse().unwrap();
        let raw = r#"{"id":"7","custom_message":"a\nb"}"#;
        let line = line(at, "group \"acme\"", Some("x"), raw);
        assert!(!line.contains('\n'));
        let back = Envelope::parse(line.as_bytes()).unwrap();
        assert_eq!(back.destination, "group \"acme\"");
        assert_eq!(back.event.get(), raw);
    }
}
