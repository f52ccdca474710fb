//! Which tier and version a record is served at. Self-managed instances have one license for
//! everything (none on Community Edition); on GitLab.com each top-level group's subscription
//! covers the group, its subgroups and their projects (`Namespace#actual_plan_name`).

use crate::fields::{Gate, Viewer};
use crate::scenario::{Group, Project, Tier, User};
use crate::world::World;

impl World {
    /// The instance's own tier: what instance-level features (settings, license, instance
    /// streaming) are licensed at.
    pub(crate) fn instance_tier(&self) -> Tier {
        let instance = &self.scenario.instance;
        if instance.enterprise {
            instance.tier
        } else {
            Tier::Free
        }
    }

    /// The tier a group's features are licensed at.
    pub(crate) fn group_tier(&self, group: &Group) -> Tier {
        if !self.scenario.instance.enterprise {
            return Tier::Free;
        }
        if !self.scenario.instance.gitlab_com {
            return self.scenario.instance.tier;
        }
        self.root_group(group).plan.unwrap_or(Tier::Free)
    }

    /// The tier a project's features are licensed at: its top-level group's.
    pub(crate) fn project_tier(&self, project: &Project) -> Tier {
        match self.project_namespace(project) {
            Some(group) => self.group_tier(group),
            None => self.instance_tier(),
        }
    }

    /// The top-level group above `group` (itself when it has no parent).
    pub(crate) fn root_group<'a>(&'a self, group: &'a Group) -> &'a Group {
        self.group_chain(group).last().copied().unwrap_or(group)
    }

    /// `major.minor` of the instance, e.g. `(17, 9)` for `17.9.2-ee`; `None` when unparseable,
    /// in which case every version-gated feature is served.
    pub(crate) fn version(&self) -> Option<(u32, u32)> {
        parse_version(&self.scenario.instance.version)
    }

    /// Whether the instance predates GitLab `major.minor`.
    pub(crate) fn predates(&self, since: (u32, u32)) -> bool {
        self.version().is_some_and(|v| v < since)
    }

    /// How the instance-wide settings are gated (only administrators read them).
    pub(crate) fn instance_gate(&self) -> Gate {
        Gate {
            enterprise: self.scenario.instance.enterprise,
            tier: self.instance_tier(),
            version: self.version(),
            viewer: Viewer {
                admin: true,
                access: None,
                top_level: false,
            },
            detail: true,
        }
    }

    /// How a project's settings are gated for `viewer`.
    pub(crate) fn project_gate(&self, project: &Project, viewer: &User) -> Gate {
        Gate {
            enterprise: self.scenario.instance.enterprise,
            tier: self.project_tier(project),
            version: self.version(),
            viewer: Viewer {
                admin: viewer.is_admin,
                access: self.project_access(viewer, project),
                top_level: false,
            },
            detail: true,
        }
    }

    /// How a group's settings are gated for `viewer`, in its detail view or a listing.
    pub(crate) fn group_gate(&self, group: &Group, viewer: &User, detail: bool) -> Gate {
        Gate {
            enterprise: self.scenario.instance.enterprise,
            tier: self.group_tier(group),
            version: self.version(),
            viewer: Viewer {
                admin: viewer.is_admin,
                access: self.group_access(viewer, group),
                top_level: group.parent_id.is_none(),
            },
            detail,
        }
    }
}

fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => Some((major, minor)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_parse_to_major_and_minor() {
        assert_eq!(parse_version("17.9.2-ee"), Some((17, 9)));
        assert_eq!(parse_version("15.4.1"), Some((15, 4)));
        assert!(parse_version("14.10.0") < Some((15, 5)));
        assert_eq!(parse_version("nightly"), None);
    }
}
