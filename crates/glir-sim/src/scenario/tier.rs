//! Subscription tiers and the license a self-managed instance holds: what decides which
//! endpoints and fields GitLab serves (ee/app/models/gitlab_subscriptions/features.rb maps each
//! licensed feature to the lowest plan that has it).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// GitLab's tiers, lowest first, so `tier >= Tier::Premium` reads as "Premium or better".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// No license (Community Edition, or Enterprise Edition without one).
    Free,
    /// Premium.
    Premium,
    /// Ultimate; the default, so scenarios that predate tiers see every feature.
    #[default]
    Ultimate,
}

impl Tier {
    /// The plan name GitLab serves (`License#plan`, `Namespace#actual_plan_name` on GitLab.com).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Premium => "premium",
            Tier::Ultimate => "ultimate",
        }
    }
}

/// The license of a self-managed Premium or Ultimate instance (doc/api/license.md); the plan
/// comes from `instance.tier`. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    /// First day of the subscription; defaults to 2024-01-01.
    #[serde(default = "default_starts_at")]
    pub starts_at: Date,
    /// Last day; none for a license that does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Date>,
    /// Seats bought; 0 when the license does not restrict active users.
    #[serde(default)]
    pub user_limit: u64,
    /// Who holds it, e.g. `{"Name": "…", "Company": "…", "Email": "…"}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub licensee: Map<String, Value>,
}

impl Default for License {
    fn default() -> Self {
        License {
            starts_at: default_starts_at(),
            expires_at: None,
            user_limit: 0,
            licensee: Map::new(),
        }
    }
}

fn default_starts_at() -> Date {
    Date::constant(2024, 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_order_from_free_to_ultimate() {
        assert!(Tier::Free < Tier::Premium && Tier::Premium < Tier::Ultimate);
        let parsed: Tier = serde_json::from_str("\"premium\"").expect("tier");
        assert_eq!(parsed, Tier::Premium);
        assert!(serde_json::from_str::<Tier>("\"gold\"").is_err());
    }
}
