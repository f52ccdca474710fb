//! Encoded values whose name says what they are. A bare secret carries no keyword once it is
//! encoded: `echo "$GITLAB_PRIVATE_TOKEN" | base64` prints only the token's base64, and a
//! Kubernetes `Secret` keeps `gitlab-token: <base64>`. The name sits beside the value (on the
//! command line the runner echoes, or as the data key), so each value is decoded and read again
//! as `NAME=<decoded>`, where context rules see both.

use std::ops::Range;

use memchr::memmem;

use crate::decode::{self, Encoding, Layer};

/// A decoded value with its name in front.
pub(crate) struct NamedValue {
    /// `NAME=<decoded value>`.
    pub(crate) text: Vec<u8>,
    /// The encoded value in the scanned text.
    pub(crate) at: Range<usize>,
    /// The layers decoded to reach the value.
    pub(crate) encoding: Encoding,
}

/// Values a job log printed through `base64` or `xxd -p` from a named variable: the command
/// line (`$ echo "$NAME" | base64`, `$ printenv NAME | xxd -p`) and the output lines after it.
pub(crate) fn printed_variables(log: &[u8]) -> Vec<NamedValue> {
    let mut out = Vec::new();
    // Only command lines are read, found by their `$ ` at a line start.
    static PROMPT: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"$ "));
    let commands = PROMPT
        .find_iter(log)
        .filter(|&at| at == 0 || log[at - 1] == b'\n');
    for start in commands {
        let end = memchr::memchr(b'\n', &log[start..]).map_or(log.len(), |i| start + i);
        let Some((name, layers)) = printed_variable(trim_cr(&log[start..end])) else {
            continue;
        };
        let layer = layers[0];
        // The output: the lines up to the next command, an empty line or a non-encoded one.
        let mut joined = Vec::new();
        let mut at: Option<Range<usize>> = None;
        let mut line_start = end + 1;
        while line_start < log.len() {
            let line_end =
                memchr::memchr(b'\n', &log[line_start..]).map_or(log.len(), |i| line_start + i);
            let text = trim_cr(&log[line_start..line_end]);
            let encoded = !text.is_empty()
                && text.iter().all(|&b| match layer {
                    Layer::Hex => b.is_ascii_hexdigit(),
                    _ => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='),
                });
            if !encoded {
                break;
            }
            joined.extend_from_slice(text);
            at = Some(at.map_or(line_start..line_end, |r| r.start..line_end));
            line_start = line_end + 1;
        }
        let value = layers
            .iter()
            .try_fold(joined, |encoded, layer| decode_value(&encoded, *layer));
        if let (Some(at), Some(value)) = (at, value) {
            out.push(NamedValue {
                text: named(name, &value),
                at,
                encoding: Encoding::of(&layers),
            });
        }
    }
    out
}

/// `data` entries of a Kubernetes `Secret` (YAML or JSON; the caller knows it is one):
/// `key: <base64>` on one line.
pub(crate) fn kubernetes_secret_data(text: &[u8]) -> Vec<NamedValue> {
    let mut out = Vec::new();
    for line in line_ranges(text) {
        let Some((name, value)) = key_and_value(&text[line.clone()]) else {
            continue;
        };
        if let Some(decoded) = decode_value(value, Layer::Base64) {
            let offset = value.as_ptr() as usize - text.as_ptr() as usize;
            out.push(NamedValue {
                text: named(name, &decoded),
                at: offset..offset + value.len(),
                encoding: Encoding::of(&[Layer::Base64]),
            });
        }
    }
    out
}

/// The variable a runner-echoed command line prints encoded, and the layers it went through
/// (`| base64 -w0 | base64 -w0` twice), outermost first.
fn printed_variable(line: &[u8]) -> Option<(&[u8], Vec<Layer>)> {
    let command = line.strip_prefix(b"$ ")?;
    let layers = if memmem::find(command, b"xxd -p").is_some() {
        vec![Layer::Hex]
    } else {
        let times = memmem::find_iter(command, b"base64").count().min(2);
        vec![Layer::Base64; times]
    };
    if layers.is_empty() {
        return None;
    }
    let name = match memmem::find(command, b"printenv ") {
        Some(at) => identifier(&command[at + "printenv ".len()..]),
        None => {
            let dollar = memchr::memchr(b'$', command)?;
            let rest = &command[dollar + 1..];
            identifier(rest.strip_prefix(b"{").unwrap_or(rest))
        }
    }?;
    Some((name, layers))
}

/// A `key: value` or `"key": "value"` line whose value is one base64 word.
fn key_and_value(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = trim_cr(line);
    let colon = memchr::memchr(b':', line)?;
    let key = unquote(line[..colon].trim_ascii());
    let value = line[colon + 1..].trim_ascii();
    let value = unquote(value.strip_suffix(b",").unwrap_or(value));
    let is_key = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let is_value = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    (!key.is_empty() && key.iter().all(is_key) && value.len() >= 8 && value.iter().all(is_value))
        .then_some((key, value))
}

fn unquote(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\"")
        .and_then(|t| t.strip_suffix(b"\""))
        .unwrap_or(text)
}

fn identifier(text: &[u8]) -> Option<&[u8]> {
    let len = text
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (len > 0 && !text[0].is_ascii_digit()).then(|| &text[..len])
}

/// The decoded value without its trailing newline, when it is text.
fn decode_value(encoded: &[u8], layer: Layer) -> Option<Vec<u8>> {
    let mut value = decode::decode_text(encoded, layer)?;
    while value.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
        value.pop();
    }
    (!value.is_empty()).then_some(value)
}

fn named(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut text = Vec::with_capacity(name.len() + value.len() + 2);
    text.extend_from_slice(name);
    text.push(b'=');
    text.extend_from_slice(value);
    text.push(b'\n');
    text
}

fn line_ranges(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text) {
        out.push(start..end);
        start = end + 1;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_variable_is_read_with_its_name() {
        let log =
            b"$ echo \"$GITLAB_PRIVATE_TOKEN\" | base64\nUlR5Q2FLZXNwelFMd1c0bXlqY0E=\n$ next\n";
        let found = printed_variables(log);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].text,
            b"GITLAB_PRIVATE_TOKEN=RTyCaKespzQLwW4myjcA\n".to_vec()
        );
        assert_eq!(&log[found[0].at.clone()], b"UlR5Q2FLZXNwelFMd1c0bXlqY0E=");
        let hexed = hex::encode("Hello, world of wrapped dumps\n");
        let log = format!(
            "$ printenv DEPLOY_KEY | xxd -p\n{}\n{}\n",
            &hexed[..30],
            &hexed[30..]
        );
        let found = printed_variables(log.as_bytes());
        assert_eq!(
            found[0].text,
            b"DEPLOY_KEY=Hello, world of wrapped dumps\n".to_vec()
        );
        assert!(printed_variables(b"$ echo hello | base64\naGVsbG8K\n").is_empty());
        let twice = b"$ echo $GL_TOKEN | base64 -w0 | base64 -w0\nVWxSNVEyRkxaWE53ZWxGTWQxYzBiWGxxWTBFPQ==\n";
        let found = printed_variables(twice);
        assert_eq!(found[0].text, b"GL_TOKEN=RTyCaKespzQLwW4myjcA\n".to_vec());
        assert_eq!(found[0].encoding.label(), "base64>base64");
    }

    #[test]
    fn secret_data_keys_name_their_values() {
        let yaml = b"apiVersion: v1\nkind: Secret\ndata:\n  gitlab-token: UlR5Q2FLZXNwelFMd1c0bXlqY0E=\n  namespace: production\n";
        let found = kubernetes_secret_data(yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].text,
            b"gitlab-token=RTyCaKespzQLwW4myjcA\n".to_vec()
        );
        let json = b"{\n  \"kind\": \"Secret\",\n  \"data\": {\n    \"token\": \"UlR5Q2FLZXNwelFMd1c0bXlqY0E=\"\n  }\n}\n";
        assert_eq!(kubernetes_secret_data(json).len(), 1);
    }
}
