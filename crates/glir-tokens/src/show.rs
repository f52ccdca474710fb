//! How a token may be shown: the only functions in glir that turn a secret into something
//! printable. They live with the catalogue because what is safe to show (the family prefix, the
//! last characters) is a fact about the token's format.

use sha2::{Digest, Sha256};

/// Characters kept at the end of a redacted secret; enough to tell two tokens apart by eye.
const TAIL: usize = 4;
/// Secrets shorter than this are fully masked: showing a tail of a short secret reveals too much.
const MIN_LEN_FOR_TAIL: usize = 12;

/// `glpat-…abcd`: the token's family prefix (up to and including the last `-` in the first 12
/// characters, so instance prefixes like `acme-glpat-` survive) and its last four characters.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_LEN_FOR_TAIL {
        return "****".to_string();
    }
    let head_limit = 16.min(chars.len() - TAIL - 4);
    let prefix_end = chars[..head_limit]
        .iter()
        .rposition(|c| *c == '-')
        .map_or(0, |i| i + 1);
    let prefix: String = chars[..prefix_end].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!("{prefix}…{tail}")
}

/// A stable, non-reversible identifier of a secret: `sha256:` and the first 16 hex digits.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("sha256:{}", hex::encode(&digest[..8]))
}
