//! The scenario indexed for serving: lookups by id, path and token, and GitLab's membership
//! and visibility rules. Mutations (revocations, moderation, settings) change records in place
//! and append to the token and audit event lists; users, groups and projects are never removed
//! or reordered, so their indexes stay valid, and the credential indexes are rebuilt after any
//! credential change.

use crate::credentials::{Credential, CredentialIndex};
use crate::error::SimError;
use crate::scenario::{
    AuditEvent, Group, Job, Project, Scenario, Token, User, Visibility, validate,
};
use std::collections::HashMap;
use tokio::sync::watch;

/// Access level constants (`lib/gitlab/access.rb`).
pub(crate) const REPORTER: u8 = 20;
pub(crate) const DEVELOPER: u8 = 30;
pub(crate) const MAINTAINER: u8 = 40;
pub(crate) const OWNER: u8 = 50;

/// The indexed scenario.
pub(crate) struct World {
    pub(crate) scenario: Scenario,
    users_by_id: HashMap<i64, usize>,
    users_by_name: HashMap<String, usize>,
    groups_by_id: HashMap<i64, usize>,
    groups_by_path: HashMap<String, usize>,
    group_paths: Vec<String>,
    projects_by_id: HashMap<i64, usize>,
    projects_by_path: HashMap<String, usize>,
    tokens_by_value: HashMap<String, usize>,
    /// Audit events sorted by id, descending (the only keyset order GitLab offers).
    events_desc: Vec<usize>,
    /// Every credential by plaintext.
    credentials: CredentialIndex,
    jobs_by_id: HashMap<i64, usize>,
    /// Artifact archives by job id, zipped at start.
    archives: HashMap<i64, Vec<u8>>,
    /// Counts appended audit events, so streaming tasks wake when one is created instead of
    /// polling the list.
    events_added: watch::Sender<u64>,
}

impl World {
    pub(crate) fn build(scenario: Scenario) -> Result<World, SimError> {
        validate(&scenario)?;
        let users_by_id = index(&scenario.users, |u| u.id);
        let users_by_name = index(&scenario.users, |u| u.username.to_lowercase());
        let groups_by_id = index(&scenario.groups, |g| g.id);
        let group_paths: Vec<String> = (0..scenario.groups.len())
            .map(|i| {
                crate::scenario::derived_full_path(&scenario.groups, &groups_by_id, i)
                    .unwrap_or_default()
            })
            .collect();
        let groups_by_path = group_paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_lowercase(), i))
            .collect();
        let projects_by_id = index(&scenario.projects, |p| p.id);
        let projects_by_path = index(&scenario.projects, |p| {
            format!("{}/{}", p.namespace, p.path).to_lowercase()
        });
        let tokens_by_value = index(&scenario.tokens, |t| t.token.clone());
        let mut events_desc: Vec<usize> = (0..scenario.audit_events.len()).collect();
        events_desc.sort_by_key(|&i| std::cmp::Reverse(scenario.audit_events[i].id));
        let credentials = CredentialIndex::build(&scenario);
        let jobs_by_id = index(&scenario.jobs, |j| j.id);
        let mut archives = HashMap::new();
        for (i, job) in scenario.jobs.iter().enumerate() {
            if !job.artifacts.is_empty() {
                let zip = crate::archive::build(&job.artifacts, &format!("jobs[{i}].artifacts"))?;
                archives.insert(job.id, zip);
            }
        }
        Ok(World {
            scenario,
            users_by_id,
            users_by_name,
            groups_by_id,
            groups_by_path,
            group_paths,
            projects_by_id,
            projects_by_path,
            tokens_by_value,
            events_desc,
            credentials,
            jobs_by_id,
            archives,
            events_added: watch::Sender::new(0),
        })
    }

    /// The records, for a mutation. Call [`World::reindex_credentials`] after changing or adding
    /// a credential's plaintext; never remove users, groups or projects.
    pub(crate) fn scenario_mut(&mut self) -> &mut Scenario {
        &mut self.scenario
    }

    /// Rebuilds the plaintext indexes after a rotation, reset or new token.
    pub(crate) fn reindex_credentials(&mut self) {
        self.tokens_by_value = index(&self.scenario.tokens, |t| t.token.clone());
        self.credentials = CredentialIndex::build(&self.scenario);
    }

    /// Appends an audit event with the next id and returns that id.
    pub(crate) fn push_event(&mut self, mut event: AuditEvent) -> i64 {
        let id = self
            .scenario
            .audit_events
            .iter()
            .map(|e| e.id)
            .max()
            .unwrap_or(0)
            + 1;
        event.id = id;
        self.scenario.audit_events.push(event);
        // The newest event has the highest id, so it goes first in descending order.
        self.events_desc
            .insert(0, self.scenario.audit_events.len() - 1);
        self.events_added.send_modify(|n| *n += 1);
        id
    }

    /// Wakes on every event appended after this call.
    pub(crate) fn subscribe_events(&self) -> watch::Receiver<u64> {
        self.events_added.subscribe()
    }

    /// The next free id in a list of records.
    pub(crate) fn next_id(ids: impl Iterator<Item = i64>) -> i64 {
        ids.max().unwrap_or(0) + 1
    }

    /// A credential of any family by its plaintext.
    pub(crate) fn credential(&self, plaintext: &str) -> Option<Credential<'_>> {
        self.credentials.find(&self.scenario, plaintext)
    }

    pub(crate) fn job(&self, id: i64) -> Option<&Job> {
        self.jobs_by_id.get(&id).map(|&i| &self.scenario.jobs[i])
    }

    /// The zipped artifacts of a job, if it has any.
    pub(crate) fn archive(&self, job_id: i64) -> Option<&[u8]> {
        self.archives.get(&job_id).map(Vec::as_slice)
    }

    /// The full path of a project, `namespace/path`.
    pub(crate) fn project_path(project: &Project) -> String {
        format!("{}/{}", project.namespace, project.path)
    }

    pub(crate) fn token(&self, plaintext: &str) -> Option<&Token> {
        self.tokens_by_value
            .get(plaintext)
            .map(|&i| &self.scenario.tokens[i])
    }

    /// Position of a user in `scenario.users`, for a mutation.
    pub(crate) fn user_slot(&self, id: i64) -> Option<usize> {
        self.users_by_id.get(&id).copied()
    }

    /// Position of a project in `scenario.projects`.
    pub(crate) fn project_slot(&self, id: i64) -> Option<usize> {
        self.projects_by_id.get(&id).copied()
    }

    /// Position of a group in `scenario.groups`.
    pub(crate) fn group_slot(&self, id: i64) -> Option<usize> {
        self.groups_by_id.get(&id).copied()
    }

    pub(crate) fn user(&self, id: i64) -> Option<&User> {
        self.users_by_id.get(&id).map(|&i| &self.scenario.users[i])
    }

    pub(crate) fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users_by_name
            .get(&username.to_lowercase())
            .map(|&i| &self.scenario.users[i])
    }

    /// Looks a user up the way `Sudo` and `:user_id` do: a number is an id, anything else a username.
    pub(crate) fn user_by_id_or_name(&self, key: &str) -> Option<&User> {
        match key.parse::<i64>() {
            Ok(id) => self.user(id),
            Err(_) => self.user_by_name(key),
        }
    }

    pub(crate) fn users(&self) -> &[User] {
        &self.scenario.users
    }

    /// A group by numeric id or (already percent-decoded) full path.
    pub(crate) fn group(&self, key: &str) -> Option<&Group> {
        let idx = match key.parse::<i64>() {
            Ok(id) => self.groups_by_id.get(&id),
            Err(_) => self.groups_by_path.get(&key.to_lowercase()),
        };
        idx.map(|&i| &self.scenario.groups[i])
    }

    pub(crate) fn group_by_id(&self, id: i64) -> Option<&Group> {
        self.groups_by_id
            .get(&id)
            .map(|&i| &self.scenario.groups[i])
    }

    pub(crate) fn group_full_path(&self, group: &Group) -> &str {
        self.groups_by_id
            .get(&group.id)
            .map_or("", |&i| self.group_paths[i].as_str())
    }

    /// A project by numeric id or (already percent-decoded) `namespace/path`.
    pub(crate) fn project(&self, key: &str) -> Option<&Project> {
        let idx = match key.parse::<i64>() {
            Ok(id) => self.projects_by_id.get(&id),
            Err(_) => self.projects_by_path.get(&key.to_lowercase()),
        };
        idx.map(|&i| &self.scenario.projects[i])
    }

    pub(crate) fn project_namespace(&self, project: &Project) -> Option<&Group> {
        self.groups_by_path
            .get(&project.namespace.to_lowercase())
            .map(|&i| &self.scenario.groups[i])
    }

    /// The group and its ancestors, nearest first.
    pub(crate) fn group_chain<'a>(&'a self, group: &'a Group) -> Vec<&'a Group> {
        let mut chain = vec![group];
        let mut parent = group.parent_id;
        while let Some(id) = parent {
            match self.group_by_id(id) {
                Some(g) if chain.len() <= self.scenario.groups.len() => {
                    chain.push(g);
                    parent = g.parent_id;
                }
                _ => break,
            }
        }
        chain
    }

    /// Effective access of a user to a group: the highest of its direct and inherited memberships.
    pub(crate) fn group_access(&self, user: &User, group: &Group) -> Option<u8> {
        self.group_chain(group)
            .into_iter()
            .flat_map(|g| g.members.iter())
            .filter(|m| m.username.eq_ignore_ascii_case(&user.username))
            .map(|m| m.access_level)
            .max()
    }

    /// Effective access to a project: direct membership or any membership of its group chain.
    pub(crate) fn project_access(&self, user: &User, project: &Project) -> Option<u8> {
        let direct = project
            .members
            .iter()
            .filter(|m| m.username.eq_ignore_ascii_case(&user.username))
            .map(|m| m.access_level)
            .max();
        let inherited = self
            .project_namespace(project)
            .and_then(|g| self.group_access(user, g));
        direct.max(inherited)
    }

    /// Every member of the group with effective access (`members/all`), in scenario order.
    pub(crate) fn group_members_all<'a>(&'a self, group: &'a Group) -> Vec<(&'a User, u8)> {
        let chain = self.group_chain(group);
        self.effective_members(chain.iter().flat_map(|g| g.members.iter()))
    }

    /// Every member of the project with effective access, inherited ones included.
    pub(crate) fn project_members_all<'a>(&'a self, project: &'a Project) -> Vec<(&'a User, u8)> {
        let chain = self
            .project_namespace(project)
            .map(|g| self.group_chain(g))
            .unwrap_or_default();
        self.effective_members(
            project
                .members
                .iter()
                .chain(chain.iter().flat_map(|g| g.members.iter())),
        )
    }

    fn effective_members<'a>(
        &'a self,
        members: impl Iterator<Item = &'a crate::scenario::Member>,
    ) -> Vec<(&'a User, u8)> {
        let mut out: Vec<(&User, u8)> = Vec::new();
        for m in members {
            let Some(user) = self.user_by_name(&m.username) else {
                continue;
            };
            match out.iter_mut().find(|(u, _)| u.id == user.id) {
                Some(existing) => existing.1 = existing.1.max(m.access_level),
                None => out.push((user, m.access_level)),
            }
        }
        out
    }

    /// GitLab shows a private group to members of it, its ancestors, or anything inside it.
    pub(crate) fn can_see_group(&self, user: &User, group: &Group) -> bool {
        if user.is_admin || group.visibility != Visibility::Private {
            return true;
        }
        if self.group_access(user, group).is_some() {
            return true;
        }
        let prefix = format!("{}/", self.group_full_path(group).to_lowercase());
        let member_below = self.scenario.groups.iter().any(|g| {
            self.group_full_path(g).to_lowercase().starts_with(&prefix)
                && self.group_access(user, g).is_some()
        });
        member_below
            || self.scenario.projects.iter().any(|p| {
                let ns = p.namespace.to_lowercase();
                (ns == prefix.trim_end_matches('/') || ns.starts_with(&prefix))
                    && p.members
                        .iter()
                        .any(|m| m.username.eq_ignore_ascii_case(&user.username))
            })
    }

    pub(crate) fn can_see_project(&self, user: &User, project: &Project) -> bool {
        user.is_admin
            || project.visibility != Visibility::Private
            || self.project_access(user, project).is_some()
    }

    /// All audit events, highest id first.
    pub(crate) fn events_desc(&self) -> impl Iterator<Item = &AuditEvent> {
        self.events_desc
            .iter()
            .map(|&i| &self.scenario.audit_events[i])
    }

    /// All audit events, lowest id (oldest record) first.
    pub(crate) fn events_ascending(&self) -> impl Iterator<Item = &AuditEvent> {
        self.events_desc
            .iter()
            .rev()
            .map(|&i| &self.scenario.audit_events[i])
    }

    pub(crate) fn event_ids_ascending(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.scenario.audit_events.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids
    }
}

fn index<T, K: std::hash::Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> HashMap<K, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (key(item), i))
        .collect()
}
