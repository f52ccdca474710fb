//! One inventory run: who is asking, which places the scope holds, every family listed in
//! each, merged into one list of credentials with each family's coverage.

use crate::coverage::{KindCoverage, Ledger};
use crate::kind::Kind;
use crate::record::{Credential, OwnerKind};
use crate::scope::{Scope, resolve};
use crate::sources::{Ctx, Harvest};
use crate::users::Directory;
use crate::{Error, Progress, places};
use futures::StreamExt;
use glir_gitlab::{Client, UserFilter};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The version of the inventory document; a reader refuses others.
pub const FORMAT: u32 = 1;

/// What to take stock of.
#[derive(Debug, Clone)]
pub struct Options {
    pub scope: Scope,
    /// The families to list; empty means all.
    pub kinds: Vec<Kind>,
    /// Places listed at once (each still paced by the client).
    pub concurrency: usize,
}

/// Whose token took the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub id: i64,
    pub username: String,
    pub admin: bool,
}

/// How much was walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walked {
    pub groups: usize,
    pub projects: usize,
    /// Users whose SSH and GPG keys were listed.
    pub users: usize,
    /// Runners whose own page was read.
    pub runners: usize,
}

/// Every credential the token could see in the scope, and where it could not see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// [`FORMAT`]: marks the document as an inventory and says which version.
    pub glir_inventory: u32,
    pub generated_at: Timestamp,
    /// The instance's URL.
    pub instance: String,
    pub caller: Caller,
    pub scope: Scope,
    /// The families asked for.
    pub kinds: Vec<Kind>,
    /// Every family listed whole everywhere it was looked for.
    pub complete: bool,
    pub coverage: Vec<KindCoverage>,
    pub walked: Walked,
    /// HTTP requests the run sent, retries included.
    pub requests: u64,
    /// By family, then owner, then id.
    pub credentials: Vec<Credential>,
}

/// `GET /user`: who is asking, and whether an administrator.
pub(crate) async fn caller(client: &Client) -> Result<Caller, Error> {
    let me = client
        .current_user()
        .await
        .map_err(|source| Error::gitlab("asking GitLab who this token is", source))?
        .body;
    Ok(Caller {
        id: me.id,
        username: me.username,
        admin: me.is_admin == Some(true),
    })
}

/// Takes the inventory of `options.scope`.
pub async fn collect(
    client: &Client,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Inventory, Error> {
    let generated_at = Timestamp::now();
    let me = caller(client).await?;
    let kinds: BTreeSet<Kind> = if options.kinds.is_empty() {
        Kind::ALL.into_iter().collect()
    } else {
        options.kinds.iter().copied().collect()
    };
    let ctx = Ctx {
        client,
        now: generated_at,
        kinds: &kinds,
    };
    let found = resolve(client, &options.scope, me.admin).await?;
    let names: HashMap<(OwnerKind, i64), String> = found
        .groups
        .iter()
        .map(|g| ((OwnerKind::Group, g.id), g.path.clone()))
        .chain(
            found
                .projects
                .iter()
                .map(|p| ((OwnerKind::Project, p.id), p.path.clone())),
        )
        .collect();
    let instance = options.scope == Scope::Instance;
    let people = if instance && me.admin && ctx.wants_any(&USER_KINDS) {
        let listed = client
            .all::<Value>(client.users(&UserFilter::default()))
            .await
            .map_err(|source| Error::gitlab("listing users", source))?;
        Directory::from_listing(&listed)
    } else {
        Directory::default()
    };
    let mut key_owners: Vec<(i64, String)> = Vec::new();
    if instance && ctx.wants_any(&[Kind::SshKey, Kind::GpgKey]) {
        if me.admin {
            key_owners.extend(people.iter().map(|(id, p)| (id, p.username.clone())));
            key_owners.sort();
        } else {
            key_owners.push((me.id, me.username.clone()));
        }
    }
    let concurrency = options.concurrency.max(1);
    progress.planned(
        usize::from(instance) + found.groups.len() + found.projects.len() + key_owners.len(),
    );
    let mut harvest = Harvest::default();
    if instance {
        harvest.absorb(places::instance(&ctx, &me, &people, &names).await?);
        progress.finished("instance");
    }
    let jobs = found
        .groups
        .iter()
        .map(Job::Group)
        .chain(found.projects.iter().map(Job::Project))
        .chain(key_owners.iter().map(|(id, name)| Job::User(*id, name)));
    let mut running = futures::stream::iter(jobs.map(|job| {
        let ctx = &ctx;
        async move {
            let (label, result) = match job {
                Job::Group(g) => (format!("group {}", g.path), places::group(ctx, g).await),
                Job::Project(p) => (format!("project {}", p.path), places::project(ctx, p).await),
                Job::User(id, name) => (format!("user {name}"), places::user(ctx, id, name).await),
            };
            (label, result)
        }
    }))
    .buffer_unordered(concurrency);
    while let Some((label, result)) = running.next().await {
        harvest.absorb(result?);
        progress.finished(&label);
    }
    drop(running);
    let runners = distinct_runners(std::mem::take(&mut harvest.runners));
    let mut pages = futures::stream::iter(runners.iter().map(|r| places::runner(&ctx, r)))
        .buffer_unordered(concurrency);
    while let Some(result) = pages.next().await {
        harvest.absorb(result?);
    }
    drop(pages);
    let mut ledger = Ledger::default();
    for (kind, scope, outcome) in harvest.outcomes {
        ledger.record(kind, &scope, outcome);
    }
    let coverage = ledger.finish();
    let credentials = merge(harvest.credentials, harvest.fallbacks);
    Ok(Inventory {
        glir_inventory: FORMAT,
        generated_at,
        instance: client.base_url().to_string(),
        caller: me,
        scope: options.scope.clone(),
        kinds: kinds.into_iter().collect(),
        complete: coverage.iter().all(KindCoverage::is_complete),
        coverage,
        walked: Walked {
            groups: found.groups.len(),
            projects: found.projects.len(),
            users: key_owners.len(),
            runners: runners.len(),
        },
        requests: client.stats().requests,
        credentials,
    })
}

/// Families whose owners are users, so the instance's users are listed first.
const USER_KINDS: [Kind; 4] = [
    Kind::PersonalAccessToken,
    Kind::ImpersonationToken,
    Kind::SshKey,
    Kind::GpgKey,
];

enum Job<'a> {
    Group(&'a crate::scope::Place),
    Project(&'a crate::scope::Place),
    User(i64, &'a str),
}

/// One list item per runner: a runner several projects may use is looked up once.
fn distinct_runners(items: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|r| r["id"].as_i64().is_some_and(|id| seen.insert(id)))
        .collect()
}

/// The credentials of every list, once each, in a stable order; a fallback only when no other
/// list showed the same credential.
fn merge(credentials: Vec<Credential>, fallbacks: Vec<Credential>) -> Vec<Credential> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut all: Vec<Credential> = Vec::new();
    for c in credentials.into_iter().chain(fallbacks) {
        if seen.insert(identity(&c)) {
            all.push(c);
        }
    }
    all.sort_by(|a, b| {
        (a.kind, a.owner.kind, &a.owner.name, numeric(&a.id), &a.id).cmp(&(
            b.kind,
            b.owner.kind,
            &b.owner.name,
            numeric(&b.id),
            &b.id,
        ))
    });
    all
}

/// What makes two listings the same credential. Personal, impersonation, project and group
/// access tokens share one table, and a deploy token one id, whichever list showed them (the
/// instance lists do not name the project or group); anything else is its key.
fn identity(c: &Credential) -> String {
    match c.kind {
        Kind::PersonalAccessToken
        | Kind::ImpersonationToken
        | Kind::ProjectAccessToken
        | Kind::GroupAccessToken => format!("token:{}", c.id),
        Kind::DeployToken => format!("deploy_token:{}", c.id),
        _ => c.key.clone(),
    }
}

fn numeric(id: &str) -> i64 {
    id.parse().unwrap_or(i64::MAX)
}
