//! `X-Request-Id` values shaped like GitLab's: 26-character ULIDs (48-bit millisecond time,
//! 80 bits that are random per process plus a counter, so ids never repeat within a run).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Crockford's base32 alphabet, as ULID uses.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn process_salt() -> u64 {
    static SALT: OnceLock<u64> = OnceLock::new();
    *SALT.get_or_init(|| RandomState::new().build_hasher().finish())
}

/// A fresh request id.
pub(crate) fn next() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
        & 0xFFFF_FFFF_FFFF;
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(count);
    let noise = hasher.finish() ^ process_salt();
    // 80 random-looking bits: 16 bits of noise, then the counter mixed into the low 64 bits
    // in a way that stays unique (xor with a constant per process is a bijection).
    let low = count ^ process_salt();
    let value: u128 =
        (u128::from(millis) << 80) | (u128::from(noise & 0xFFFF) << 64) | u128::from(low);
    encode(value)
}

fn encode(mut value: u128) -> String {
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 0x1F) as usize];
        value >>= 5;
    }
    out.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_26_crockford_chars_and_unique() {
        let ids: Vec<String> = (0..2000).map(|_| next()).collect();
        for id in &ids {
            assert_eq!(id.len(), 26, "{id}");
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
        }
        let distinct: HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn time_prefix_sorts_with_time() {
        let early = encode(1u128 << 80);
        let late = encode(2u128 << 80);
        assert!(early < late);
    }
}
