//! What the run knows about the instance and the token before any check: version, offering,
//! tier and whether the token is an administrator's. Prerequisites are judged against these;
//! what could not be learned is `None` and the check runs anyway (GitLab's answer decides).

use crate::check::{Offering, Requires, Role, Tier};
use glir_gitlab::{Client, Error};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub url: String,
    pub offering: Offering,
    pub version: Option<String>,
    pub enterprise: Option<bool>,
    pub username: Option<String>,
    pub is_admin: bool,
    /// The instance's tier (self-managed, from the license an administrator can read).
    pub tier: Option<Tier>,
    /// Why a fact above is unknown.
    pub notes: Vec<String>,
}

/// A `major.minor.patch` version, comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// GitLab's version strings: `17.9.2-ee`, `18.0.0-pre`, `16.11`.
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.split(['-', '+', ' ']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Version(major, minor, patch))
    }
}

impl Facts {
    /// Asks GitLab. A fault (network, TLS, 401) ends the run here, before any check, with the
    /// client's message (which names the fix); a refusal of the license is only a note.
    pub async fn learn(client: &Client) -> Result<Facts, Error> {
        let host = client.host();
        let offering = if host == "gitlab.com" || host.ends_with(".gitlab.com") {
            Offering::GitlabCom
        } else {
            Offering::SelfManaged
        };
        let version = client.version().await?;
        let user = client.current_user().await?.body;
        let is_admin = user.is_admin.unwrap_or(false);
        let mut notes = Vec::new();
        let tier = if !version.body.enterprise {
            Some(Tier::Free)
        } else if offering == Offering::GitlabCom {
            notes.push("tier: on GitLab.com each top-level group has its own plan".to_string());
            None
        } else if is_admin {
            match client.get::<Value>("/license", &[]).await {
                // An Enterprise Edition without a license answers `null` and runs as Free
                // (ee/lib/api/license.rb: `present License.current`).
                Ok(license) if license.body.is_null() => Some(Tier::Free),
                Ok(license) => license.body["plan"].as_str().and_then(Tier::from_plan),
                // An Enterprise Edition without a license runs as Free.
                Err(Error::NotFound { .. }) => Some(Tier::Free),
                Err(e) => {
                    notes.push(format!("tier: {e}"));
                    None
                }
            }
        } else {
            notes.push(
                "tier: only an administrator can read the license; checks that need a tier run and GitLab's answer decides"
                    .to_string(),
            );
            None
        };
        Ok(Facts {
            url: client.base_url().to_string(),
            offering,
            version: Some(version.body.version),
            enterprise: Some(version.body.enterprise),
            username: Some(user.username),
            is_admin,
            tier,
            notes,
        })
    }

    pub fn parsed_version(&self) -> Option<Version> {
        self.version.as_deref().and_then(Version::parse)
    }

    /// Why the check cannot run here, if a prerequisite is known to be unmet. `tier` is the
    /// target's own tier when known (a GitLab.com group's plan), else the instance's.
    pub fn unmet(&self, requires: &Requires, tier: Option<Tier>) -> Option<String> {
        if let Some(offering) = requires.offering
            && offering != self.offering
        {
            return Some(
                match offering {
                    Offering::SelfManaged => "applies to self-managed instances, not GitLab.com",
                    Offering::GitlabCom => "applies to GitLab.com only",
                }
                .to_string(),
            );
        }
        if let (Some(needed), Some(have)) = (requires.tier, tier.or(self.tier))
            && have < needed
        {
            return Some(format!(
                "needs GitLab {} (this is {})",
                needed.as_str(),
                have.as_str()
            ));
        }
        if let (Some(needed), Some(have)) = (
            requires.version.as_deref().and_then(Version::parse),
            self.parsed_version(),
        ) && have < needed
        {
            return Some(format!(
                "needs GitLab {}.{}+ (instance runs {})",
                needed.0,
                needed.1,
                self.version.as_deref().unwrap_or("?")
            ));
        }
        if requires.role == Some(Role::Admin) && !self.is_admin {
            return Some("needs an administrator's token".to_string());
        }
        None
    }

    /// The JSON the expressions see as `instance`.
    pub fn as_value(&self) -> Value {
        serde_json::json!({
            "url": self.url,
            "offering": match self.offering {
                Offering::SelfManaged => "self-managed",
                Offering::GitlabCom => "gitlab.com",
            },
            "version": self.version,
            "enterprise": self.enterprise,
            "is_admin": self.is_admin,
            "tier": self.tier.map(|t| t.as_str().to_ascii_lowercase()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            url: "https://gitlab.example.test/".into(),
            offering: Offering::SelfManaged,
            version: Some("16.4.1-ee".into()),
            enterprise: Some(true),
            username: Some("root".into()),
            is_admin: true,
            tier: Some(Tier::Premium),
            notes: vec![],
        }
    }

    #[test]
    fn versions_of_every_shape_compare() {
        assert_eq!(Version::parse("17.9.2-ee"), Some(Version(17, 9, 2)));
        assert_eq!(Version::parse("18.0.0-pre"), Some(Version(18, 0, 0)));
        assert_eq!(Version::parse("16.11"), Some(Version(16, 11, 0)));
        assert!(Version::parse("16.11").unwrap() > Version::parse("16.9.9").unwrap());
        assert_eq!(Version::parse("x"), None);
    }

    #[test]
    fn each_prerequisite_names_what_is_missing() {
        let f = facts();
        let req = |r: Requires| f.unmet(&r, None);
        assert_eq!(req(Requires::default()), None);
        let ultimate = Requires {
            tier: Some(Tier::Ultimate),
            ..Requires::default()
        };
        assert_eq!(
            req(ultimate.clone()).as_deref(),
            Some("needs GitLab Ultimate (this is Premium)")
        );
        assert_eq!(f.unmet(&ultimate, Some(Tier::Ultimate)), None);
        let newer = Requires {
            version: Some("17.0".into()),
            ..Requires::default()
        };
        assert!(req(newer).unwrap().contains("needs GitLab 17.0+"));
        let com = Requires {
            offering: Some(Offering::GitlabCom),
            ..Requires::default()
        };
        assert!(req(com).unwrap().contains("GitLab.com only"));
        let mut user = facts();
        user.is_admin = false;
        let admin = Requires {
            role: Some(Role::Admin),
            ..Requires::default()
        };
        assert!(user.unmet(&admin, None).unwrap().contains("administrator"));
        // An unknown tier or version does not skip: GitLab's answer decides.
        user.tier = None;
        user.version = None;
        assert_eq!(user.unmet(&ultimate, None), None);
    }
}
