//! Routable tokens (gitlab-api.md §2.3; `lib/authn/token_field/generator/routable_token.rb`,
//! `lib/authn/token_field/decoders/v1/routable_payload.rb`), parsed from the right.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use thiserror::Error;

use crate::base36;

/// `CRC_BYTES`, `RANDOM_BYTES_LENGTH`, `BASE64_PAYLOAD_LENGTH_HOLDER_BYTES` in routable_token.rb.
const CRC_LEN: usize = 7;
const RANDOM_BYTES: usize = 16;
const LENGTH_FIELD: usize = 2;
/// Handbook size limits for the whole token and its base64 payload.
const MIN_TOKEN: usize = 37;
const MAX_TOKEN: usize = 330;
const MIN_B64: usize = 27;
const MAX_B64: usize = 300;
/// `TOKEN_VERSION = 1` written as two base36 digits.
const VERSION_1: &str = "01";
/// `VALID_ROUTING_KEYS`: cell, group, organization, project, user, runner type.
const ROUTING_KEYS: &[&str] = &["c", "g", "o", "p", "u", "t"];

/// Which routable layout a token has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `<prefix><b64>.<len><crc>`, payload = routing ‖ random(16) ‖ 0x10.
    V0,
    /// `<prefix><b64>.01.<len><crc>`, payload = random(16) ‖ routing ‖ len(routing).
    V1,
}

/// Why a dotted string is not a decodable routable token; messages are safe to show.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum RoutableError {
    #[error("routable tokens contain only ASCII")]
    NotAscii,
    #[error("too short for a routable token (fewer than {MIN_TOKEN} characters)")]
    TooShort,
    #[error("too long for a routable token (more than {MAX_TOKEN} characters)")]
    TooLong,
    #[error("not a routable layout: expected <payload>.<len><crc> or <payload>.01.<len><crc>")]
    Layout,
    #[error("unknown routable token version {0:?} (GitLab writes \"01\")")]
    Version(String),
    #[error("the length field is not two base36 digits")]
    LengthField,
    #[error("the length field says {0} payload characters, outside 27..=300 or the token")]
    LengthRange(usize),
    #[error("the payload is not unpadded base64url")]
    Base64,
    #[error("the payload's trailing length byte disagrees with its content")]
    PayloadLength,
}

/// What the right-to-left parse found; nothing here is secret.
#[derive(Debug)]
pub(crate) struct Routable {
    pub version: Version,
    /// Everything before the base64 payload, as the length field delimits it.
    pub prefix: String,
    pub crc_matches: bool,
    pub routing: BTreeMap<String, u64>,
    /// Plain-words oddities in the routing payload.
    pub notes: Vec<String>,
}

/// `base36(crc32(body))` left-padded with `0` to 7 characters (zlib/IEEE CRC-32).
pub(crate) fn crc_field(body: &str) -> String {
    format!(
        "{:0>7}",
        base36::format(u64::from(crc32fast::hash(body.as_bytes())))
    )
}

/// Parse a whole token (prefix included, since the CRC covers it) as a routable token.
pub(crate) fn parse(token: &str) -> Result<Routable, RoutableError> {
    if !token.is_ascii() {
        return Err(RoutableError::NotAscii);
    }
    if token.len() < MIN_TOKEN {
        return Err(RoutableError::TooShort);
    }
    if token.len() > MAX_TOKEN {
        return Err(RoutableError::TooLong);
    }
    let (body, crc) = token.split_at(token.len() - CRC_LEN);
    let crc_matches = crc_field(body) == crc;
    // base64url has no '.', so the dots split the token unambiguously.
    let parts: Vec<&str> = body.split('.').collect();
    let (version, head, length) = match parts.as_slice() {
        [head, length] => (Version::V0, *head, *length),
        [head, version, length] if *version == VERSION_1 => (Version::V1, *head, *length),
        [_, version, _] => return Err(RoutableError::Version((*version).to_string())),
        _ => return Err(RoutableError::Layout),
    };
    if length.len() != LENGTH_FIELD {
        return Err(RoutableError::LengthField);
    }
    let b64_len = base36::parse(length).ok_or(RoutableError::LengthField)? as usize;
    if !(MIN_B64..=MAX_B64).contains(&b64_len) || b64_len > head.len() {
        return Err(RoutableError::LengthRange(b64_len));
    }
    let (prefix, b64) = head.split_at(head.len() - b64_len);
    // A payload that does not decode still leaves the CRC meaningful: some published examples
    // (Kingfisher's) carry a correct CRC over random base64, so report both separately.
    let decoded = URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|_| RoutableError::Base64)
        .and_then(|raw| routing_bytes(&raw, version).map(decode_routing));
    let (routing, notes) = match decoded {
        Ok(found) => found,
        Err(error) => (BTreeMap::new(), vec![error.to_string()]),
    };
    Ok(Routable {
        version,
        prefix: prefix.to_string(),
        crc_matches,
        routing,
        notes,
    })
}

fn routing_bytes(raw: &[u8], version: Version) -> Result<&[u8], RoutableError> {
    let (&last, rest) = raw.split_last().ok_or(RoutableError::PayloadLength)?;
    if rest.len() < RANDOM_BYTES {
        return Err(RoutableError::PayloadLength);
    }
    match version {
        // v1: payload[16...-1], the last byte is the routing length.
        Version::V1 => {
            let routing = &rest[RANDOM_BYTES..];
            (usize::from(last) == routing.len())
                .then_some(routing)
                .ok_or(RoutableError::PayloadLength)
        }
        // v0: the last byte is the random length (16), and the random bytes come last.
        Version::V0 => (usize::from(last) == RANDOM_BYTES)
            .then(|| &rest[..rest.len() - RANDOM_BYTES])
            .ok_or(RoutableError::PayloadLength),
    }
}

/// `k:v` lines sorted by key with base36 integer values.
fn decode_routing(bytes: &[u8]) -> (BTreeMap<String, u64>, Vec<String>) {
    let mut routing = BTreeMap::new();
    let mut notes = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        notes.push("routing payload is not UTF-8".to_string());
        return (routing, notes);
    };
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once(':') else {
            notes.push("routing payload line without key:value".to_string());
            continue;
        };
        if !ROUTING_KEYS.contains(&key) {
            notes.push(format!("unknown routing key {key:?}"));
        }
        match base36::parse(value) {
            Some(number) => {
                routing.insert(key.to_string(), number);
            }
            None => notes.push(format!("routing value of {key:?} is not base36")),
        }
    }
    // REQUIRED_ROUTING_KEYS = o
    if !routing.contains_key("o") {
        notes.push("no organization (o) in the routing payload, which GitLab requires".to_string());
    }
    (routing, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_shapes_that_are_not_routable() {
        assert_eq!(
            parse("glpat-short.0r1234567").unwrap_err(),
            RoutableError::TooShort
        );
        let long = format!("glpat-{}.0r1234567", "a".repeat(330));
        assert_eq!(parse(&long).unwrap_err(), RoutableError::TooLong);
        let versioned = "glpat-paWlpaWlpaWlpaWlpaWlpW86MQp1OjE2CA.02.0y17pox0b";
        assert_eq!(
            parse(versioned).unwrap_err(),
            RoutableError::Version("02".into())
        );
        let no_dot = "glpat-paWlpaWlpaWlpaWlpaWlpW86MQp1OjE2CA0y17pox0b";
        assert_eq!(parse(no_dot).unwrap_err(), RoutableError::Layout);
    }
}
