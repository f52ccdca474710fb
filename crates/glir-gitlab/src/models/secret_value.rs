//! Reading secret values from JSON straight into [`Secret`], so no plain `String` copy of a
//! variable's value or a returned token lingers in a model.

use glir_redact::Secret;
use serde::{Deserialize, Deserializer};

/// Reads `null` or a missing field as `None`; use with `#[serde(default, deserialize_with = …)]`.
pub(crate) fn optional_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Secret::new))
}
