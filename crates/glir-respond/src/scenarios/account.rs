//! Compromised account: block, remove what the attacker added, reset credentials.

use super::{
    find_user, hooks_since, plan_findings, scope_collection, token_risk, touched_projects_evidence,
};
use crate::evidence::snapshot;
use crate::playbook::{Run, Subject, new_ips};
use crate::{Action, Error, Finding, Owner, findings};
use glir_gitlab::{PatFilter, PersonalAccessToken, User};
use glir_store::EventFilter;
use serde_json::json;

/// Compromised account: block first, then remove what the attacker added, revoke the user's
/// tokens, enforce 2FA, and the manual steps (password reset, unblock when done).
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
    if let Some(first) = suspicious.first() {
        let hooks = hooks_since(run, &suspicious, first.created_at).await?;
        found.extend(hooks);
    }
    touched_projects_evidence(run, &suspicious, Some(&user.username)).await?;
    revoke_user_tokens(run, &user).await?;
    if run.admin() {
        plan_instance_two_factor(run);
    }
    for title in [
        format!(
            "reset {}'s password and have them re-enrol 2FA",
            user.username
        ),
        "rotate protected CI/CD variables and runner tokens the account could see".to_string(),
        format!(
            "review {}'s emails, identities (SAML), OAuth authorizations and webhooks in the evidence",
            user.username
        ),
        format!(
            "unblock {} when the investigation is done (glir plans it as a separate action)",
            user.username
        ),
    ] {
        run.plan.push(
            Action::Manual { title },
            "the guide's account-compromise steps".into(),
            "-".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
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
