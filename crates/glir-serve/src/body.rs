//! A request body as GitLab sends it: one event object, or a JSON array of them in batch mode
//! (`stream_batch` in gitlab-org/gitlab:ee/lib/audit_events/streaming/destinations/
//! http_stream_destination.rb). The content type says nothing: GitLab labels JSON
//! `application/x-www-form-urlencoded` unless the destination overrides it, so the bytes decide.

use serde_json::value::RawValue;

/// Why a body holds no events glir can take; the whole request is refused (400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is neither an event object nor an array of them")]
    NotEvents,
    #[error("item {0} of the array is not an event object")]
    NotAnObject(usize),
    #[error("the body is an empty array")]
    Empty,
}

/// Each event of `body` as its own JSON text, on one line.
///
/// Valid JSON escapes every line break inside a string, so a raw CR or LF can only be
/// whitespace between tokens: turning it into a space keeps the text's meaning and length and
/// lets the archive keep one event per line.
pub fn events(body: &[u8]) -> Result<Vec<String>, BodyError> {
    let text = std::str::from_utf8(body).map_err(|e| BodyError::NotJson(e.to_string()))?;
    let first = text.trim_start().as_bytes().first().copied();
    let items: Vec<&RawValue> = match first {
        Some(b'{') => vec![parse(text)?],
        Some(b'[') => {
            let items: Vec<&RawValue> = parse(text)?;
            if items.is_empty() {
                return Err(BodyError::Empty);
            }
            items
        }
        _ => {
            // Not an object or array; still say whether it was JSON at all.
            let _: &RawValue = parse(text)?;
            return Err(BodyError::NotEvents);
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let raw = item.get();
            if raw.starts_with('{') {
                Ok(one_line(raw))
            } else {
                Err(BodyError::NotAnObject(i))
            }
        })
        .collect()
}

fn parse<'a, T: serde::Deserialize<'a>>(text: &'a str) -> Result<T, BodyError> {
    serde_json::from_str(text).map_err(|e| BodyError::NotJson(e.to_string()))
}

fn one_line(raw: &str) -> String {
    if raw.contains(['\n', '\r']) {
        raw.replace(['\n', '\r'], " ")
    } else {
        raw.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_and_an_array_of_objects_are_events() {
        assert_eq!(events(br#" {"id":"1"} "#).unwrap(), [r#"{"id":"1"}"#]);
        assert_eq!(
            events(b"[{\"id\":\"1\"},\n {\n\"id\": \"2\"}]").unwrap(),
            [r#"{"id":"1"}"#, r#"{ "id": "2"}"#]
        );
    }

    #[test]
    fn a_line_break_inside_a_string_is_kept_escaped() {
        let got = events(br#"{"custom_message":"a\nb"}"#).unwrap();
        assert_eq!(got, [r#"{"custom_message":"a\nb"}"#]);
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        assert!(matches!(events(b"id=1&x=2"), Err(BodyError::NotJson(_))));
        assert!(matches!(events(b"{\"id\":"), Err(BodyError::NotJson(_))));
        assert_eq!(events(b"42"), Err(BodyError::NotEvents));
        assert_eq!(events(b"[]"), Err(BodyError::Empty));
        assert_eq!(
            events(br#"[{"id":"1"}, "x"]"#),
            Err(BodyError::NotAnObject(1))
        );
        assert!(matches!(events(b"\xff\xfe"), Err(BodyError::NotJson(_))));
    }
}
