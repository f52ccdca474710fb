//! GitLab's null booleans.

use serde::{Deserialize, Deserializer};

/// Reads `null` as `false`; use with `#[serde(default, deserialize_with = "null_as_false")]`
/// so a missing field is `false` too.
pub(crate) fn null_as_false<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(deserializer)?.unwrap_or(false))
}
