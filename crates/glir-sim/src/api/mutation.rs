//! What every mutating handler shares: the scope GitLab requires for writes, numeric path ids,
//! body parameters, and fresh secrets for rotations and resets.

use super::auth::{Caller, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use crate::world::World;
use std::sync::atomic::{AtomicU64, Ordering};

/// lib/api/api.rb: `read_api` is accepted for GET and HEAD only; every write needs `api`.
pub(crate) const WRITE_API: &[&str] = &["api"];

/// Authenticates a write.
pub(crate) fn writer<'a>(ctx: &Ctx, world: &'a World) -> Result<Caller<'a>, ApiError> {
    authenticate(ctx, world, WRITE_API)
}

/// lib/api/helpers.rb `authenticated_as_admin!`.
pub(crate) fn admin<'a>(ctx: &Ctx, world: &'a World) -> Result<Caller<'a>, ApiError> {
    let caller = writer(ctx, world)?;
    if caller.is_admin() {
        Ok(caller)
    } else {
        Err(ApiError::forbidden())
    }
}

/// A numeric path segment; Grape answers 400 `<name> is invalid` otherwise.
pub(crate) fn path_id(raw: &str, name: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::invalid_param(name))
}

/// A new plaintext for `prefix` (`glpat-`, `glrt-`, `gloas-`): 20 characters that differ on every
/// call, so a rotated credential never equals its predecessor.
pub(crate) fn fresh_secret(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = jiff::Timestamp::now().as_nanosecond().unsigned_abs();
    // splitmix64 mixes the counter and clock into an even spread of characters.
    let mut x = (nanos as u64) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::from(prefix);
    for _ in 0..20 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.push(char::from(alphabet[(z % alphabet.len() as u64) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_secrets_differ_and_keep_the_prefix() {
        let a = fresh_secret("glpat-");
        let b = fresh_secret("glpat-");
        assert_ne!(a, b);
        assert!(a.starts_with("glpat-") && a.len() == 26, "{}", a.len());
    }
}
