//! Compromised account: block, remove what the attacker added, reset credentials, and replace
//! what the account could reach.

use super::{
    find_user, hooks_since, plan_findings, reach, scope_collection, token_risk,
    touched_projects_evidence,
};
use crate::evidence::snapshot;
use crate::playbook::{Run, Subject, new_ips};
use crate::{Action, Error, Finding, Owner, findings};
use glir_gitlab::{PatFilter, PersonalAccessToken, User};
use glir_store::EventFilter;
use serde_json::json;

/// Compromised account: block first, then remove what the attacker added, revoke the user's
/// tokens, replace the password (and 2FA when the attacker enrolled it), enforce 2FA, and
/// replace what the account could reach.
pub(crate) async fn account_compromise(
    run: &mut Run<'_, '_>,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    let Subject::User(username) = subject else {
        return Err(Error::Input(
            "account-compromise needs --user USERNAME".into(),
        ));
    };
    let user = find_user(run, username).await?;
    snapshot(
        run.r.case,
        &format!("user-{}", user.id),
        "GET /api/v4/users/:id",
        &user,
        &run.r.operator,
    )?;
    run.summary.push(format!(
        "account {} (id {}), state {}, 2FA {}",
        user.username,
        user.id,
        user.state.as_deref().unwrap_or("?"),
        match user.two_factor_enabled {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        }
    ));
    account_evidence(run, &user).await?;
    scope_collection(run).await?;
    let events = run.events(EventFilter {
        actor: Some(user.id.to_string()),
        ..EventFilter::default()
    })?;
    let ips = new_ips(&events);
    run.plan.push(
        Action::BlockUser { user_id: user.id },
        "the guide: block the compromised account first".into(),
        format!(
            "{} cannot sign in, push or use the API until unblocked",
            user.username
        ),
        Some(json!({"state": user.state})),
        Vec::new(),
    );
    let suspicious: Vec<_> = events
        .into_iter()
        .filter(|e| ips.is_empty() || e.ip_address.as_ref().is_some_and(|ip| ips.contains(ip)))
        .collect();
    run.timeline
        .extend(suspicious.iter().map(|e| e.event_id.clone()));
    let mut found = findings(&suspicious);
    plan_findings(run, &found, user.id);
    let attack_start = suspicious.first().map(|e| e.created_at);
    if let Some(first) = attack_start {
        let hooks = hooks_since(run, &suspicious, first).await?;
        found.extend(hooks);
    }
    touched_projects_evidence(run, &suspicious, Some(&user.username)).await?;
    revoke_user_tokens(run, &user).await?;
    plan_credentials(run, &user, &suspicious);
    if run.admin() {
        plan_instance_two_factor(run);
    }
    reach::plan_reach(run, &user, attack_start.unwrap_or(run.r.since)).await?;
    run.summary.push(format!(
        "{}'s emails, SSH and GPG keys and identities (SAML, LDAP) are in the case's state/ for review; when the investigation is done, `glir undo` of the block step gives the account back",
        user.username
    ));
    Ok(found)
}

/// The account's password replaced, and its two-factor authentication removed when the
/// attacker's addresses enrolled it (their device goes with it; the user enrols again). Both
/// are administrators' API calls (doc/api/users.md, "Modify a user", "Disable two-factor
/// authentication").
fn plan_credentials(run: &mut Run<'_, '_>, user: &User, suspicious: &[glir_events::AuditEvent]) {
    if !run.admin() {
        run.skip(
            format!("{}'s password and two-factor authentication", user.username),
            "replacing another user's password or 2FA needs an administrator",
        );
        return;
    }
    run.plan.push(
        Action::ResetPassword { user_id: user.id },
        "the guide: reset the compromised account's credentials".into(),
        format!(
            "{} sets a new password through \"forgot password\"; sessions signed in with the old one stay until they end",
            user.username
        ),
        Some(json!({"state": user.state})),
        Vec::new(),
    );
    let enrolled: Vec<String> = suspicious
        .iter()
        .filter(|e| e.event_type.as_deref() == Some("user_enable_two_factor"))
        .map(|e| e.event_id.clone())
        .collect();
    if enrolled.is_empty() {
        return;
    }
    let why = "two-factor authentication was enrolled from the attacker's address".to_string();
    // GitLab's API refuses to remove an administrator's 2FA (doc/api/users.md).
    let action = if user.is_admin == Some(true) {
        Action::Manual {
            title: format!(
                "on the GitLab server: remove {}'s two-factor authentication with `gitlab-rails console` (`User.find({}).disable_two_factor!`); GitLab's API refuses it for administrators",
                user.username, user.id
            ),
        }
    } else {
        Action::DisableTwoFactor { user_id: user.id }
    };
    run.plan.push(
        action,
        why,
        format!("{} enrols again", user.username),
        Some(json!({"two_factor_enabled": user.two_factor_enabled})),
        enrolled,
    );
}

/// The account's SSH keys, GPG keys and emails as GitLab lists them now (identities come with
/// the user snapshot); a list the caller may not read becomes a skipped check.
pub(super) async fn account_evidence(run: &mut Run<'_, '_>, user: &User) -> Result<(), Error> {
    let client = run.r.client;
    let id = user.id.to_string();
    let lists: [(&str, glir_gitlab::PageRequest); 3] = [
        ("ssh-keys", client.user_ssh_keys(&id)),
        ("gpg-keys", client.user_gpg_keys(&id)),
        ("emails", client.user_emails(user.id)),
    ];
    for (name, req) in lists {
        let path = req.path.clone();
        match client.all::<serde_json::Value>(req).await {
            Ok(items) => {
                snapshot(
                    run.r.case,
                    &format!("user-{}-{name}", user.id),
                    &format!("GET /api/v4{path}"),
                    &items,
                    &run.r.operator,
                )?;
            }
            Err(e) if matches!(e.status(), Some(403 | 404)) => {
                run.skip(format!("{name} of {}", user.username), e.to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Plans requiring two-factor authentication instance-wide, as the guide asks after a compromise.
pub(super) fn plan_instance_two_factor(run: &mut Run<'_, '_>) {
    run.plan.push(
        Action::RequireTwoFactor {
            owner: Owner::Instance,
        },
        "the guide: enforce two-factor authentication".into(),
        "users without 2FA must set it up at next sign-in (grace period 48 h)".into(),
        None,
        Vec::new(),
    );
}

/// Plans revoking every active personal access token of `user` (administrators only).
pub(super) async fn revoke_user_tokens(run: &mut Run<'_, '_>, user: &User) -> Result<(), Error> {
    if !run.admin() {
        run.skip(
            "the account's tokens",
            "listing another user's tokens needs an administrator",
        );
        return Ok(());
    }
    let client = run.r.client;
    let tokens: Vec<PersonalAccessToken> = client
        .all(client.personal_access_tokens(&PatFilter {
            user_id: Some(user.id),
            state: Some("active".into()),
            ..PatFilter::default()
        }))
        .await?;
    snapshot(
        run.r.case,
        &format!("user-{}-tokens", user.id),
        "GET /api/v4/personal_access_tokens?user_id",
        &tokens,
        &run.r.operator,
    )?;
    for pat in &tokens {
        run.plan.push(
            Action::RevokePersonalAccessToken { token_id: pat.id },
            format!(
                "the guide: reset every credential of the account (token \"{}\")",
                pat.name
            ),
            token_risk(pat),
            Some(json!({"active": pat.active, "scopes": pat.scopes, "last_used_at": pat.last_used_at})),
            Vec::new(),
        );
    }
    Ok(())
}
