//! Token generators for tests: an independent encoder of GitLab's routable format
//! (routable_token.rb: payload → base64url → length → CRC) and legacy random bodies. glir-scan's
//! tests use them too.
#![allow(dead_code)] // each test binary uses a different subset

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Ruby `Integer#to_s(36)`.
pub fn to_base36(mut value: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(value % 36) as usize] as char);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    out.iter().rev().collect()
}

/// Which routable generator to imitate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Version {
    V0,
    V1,
}

/// Build a routable token exactly as GitLab's generator does.
pub fn routable(
    prefix: &str,
    routing: &[(&str, u64)],
    random: [u8; 16],
    version: Version,
) -> String {
    let mut pairs: Vec<(&str, u64)> = routing.to_vec();
    pairs.sort_by_key(|(k, _)| *k);
    let routing_string = pairs
        .iter()
        .map(|(k, v)| format!("{k}:{}", to_base36(*v)))
        .collect::<Vec<_>>()
        .join("\n");
    let mut payload = Vec::new();
    match version {
        Version::V1 => {
            payload.extend_from_slice(&random);
            payload.extend_from_slice(routing_string.as_bytes());
            payload.push(u8::try_from(routing_string.len()).expect("routing ≤ 159 bytes"));
        }
        Version::V0 => {
            payload.extend_from_slice(routing_string.as_bytes());
            payload.extend_from_slice(&random);
            payload.push(16);
        }
    }
    let b64 = URL_SAFE_NO_PAD.encode(&payload);
    let length = format!("{:0>2}", to_base36(b64.len() as u64));
    let body = match version {
        Version::V1 => format!("{prefix}{b64}.01.{length}"),
        Version::V0 => format!("{prefix}{b64}.{length}"),
    };
    let crc = format!(
        "{:0>7}",
        to_base36(u64::from(crc32fast::hash(body.as_bytes())))
    );
    format!("{body}{crc}")
}

/// Change the final CRC character to a different base36 digit.
pub fn tamper_last(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.last_mut().expect("non-empty token");
    *last = if *last == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

/// Tiny deterministic generator so legacy bodies differ per seed without a rand dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next_u64() >> 32) as u8).collect()
    }

    pub fn random16(&mut self) -> [u8; 16] {
        self.bytes(16).try_into().expect("16 bytes")
    }

    /// `n` characters from `alphabet`.
    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

/// `Devise.friendly_token(len)`: urlsafe base64 of random bytes with `lIO0` → `sxyz`.
pub fn friendly(rng: &mut Rng, len: usize) -> String {
    let encoded = URL_SAFE_NO_PAD.encode(rng.bytes(len * 3 / 4 + 1));
    encoded[..len]
        .chars()
        .map(|c| match c {
            'l' => 's',
            'I' => 'x',
            'O' => 'y',
            '0' => 'z',
            other => other,
        })
        .collect()
}

/// `SecureRandom.hex(n)`: 2n lowercase hex characters.
pub fn hex(rng: &mut Rng, n: usize) -> String {
    rng.bytes(n).iter().map(|b| format!("{b:02x}")).collect()
}

/// An unsigned compact JWT (`header.payload.signature`), base64url without padding.
pub fn jwt(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(header),
        part(claims),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    )
}
