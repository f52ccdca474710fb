//! Persistence for [`super::Scenario::credentials`]: keys, emails, identities, webhooks, a deploy
//! key, a protected branch and approval settings, so every containment action has a target.
//! Ids: SSH keys 101–104, GPG keys 201–202, emails 301, hooks 401 (group), 402–403 (acme/app),
//! 404 (system), deploy key 501, protected branch 601 (`main` of acme/app).

use super::{DeployKey, Email, GpgKey, Hook, ProtectedBranch, Scenario, SshKey};
use serde_json::json;

fn ssh(id: i64, title: &str) -> SshKey {
    SshKey {
        id,
        title: title.to_string(),
        key: format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISimFixtureKey{id:04} {title}"),
        created_at: None,
        expires_at: None,
        usage_type: "auth_and_signing".to_string(),
    }
}

fn gpg(id: i64) -> GpgKey {
    GpgKey {
        id,
        key: format!(
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nSimFixtureGpgKey{id}\n-----END PGP PUBLIC KEY BLOCK-----"
        ),
        created_at: None,
    }
}

fn hook(id: i64, url: &str) -> Hook {
    Hook {
        id,
        url: url.to_string(),
        name: None,
        created_at: None,
        push_events: true,
        merge_requests_events: false,
        job_events: false,
        enable_ssl_verification: true,
        token: None,
    }
}

pub(super) fn seed(s: &mut Scenario) {
    for u in &mut s.users {
        match u.username.as_str() {
            "root" => {
                u.ssh_keys = vec![ssh(101, "root@admin")];
                u.gpg_keys = vec![gpg(201)];
            }
            "dev" => {
                u.ssh_keys = vec![ssh(102, "dev@laptop"), ssh(103, "unknown@attacker")];
                u.gpg_keys = vec![gpg(202)];
                u.emails = vec![Email {
                    id: 301,
                    email: "dev.personal@mail.example.net".to_string(),
                    confirmed_at: None,
                }];
                u.identities = vec![
                    json!({"provider": "group_saml", "extern_uid": "dev@idp.sim.test", "saml_provider_id": 1}),
                ];
            }
            "ops" => u.ssh_keys = vec![ssh(104, "ops@bastion")],
            _ => {}
        }
    }
    s.groups[0].hooks = vec![hook(401, "https://chat.sim.test/hooks/acme")];
    let app = &mut s.projects[0];
    app.hooks = vec![
        hook(402, "https://ci.sim.test/hook"),
        hook(403, "https://exfil.example.net/collect"),
    ];
    app.deploy_keys = vec![DeployKey {
        id: 501,
        title: "deploy@build".to_string(),
        key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISimFixtureDeployKey501 deploy@build".to_string(),
        can_push: true,
        created_at: None,
    }];
    app.protected_branches = vec![ProtectedBranch {
        id: 601,
        name: "main".to_string(),
        push_access_level: 40,
        merge_access_level: 40,
        allow_force_push: false,
        code_owner_approval_required: false,
    }];
    app.approvals.merge_requests_author_approval = true;
    s.system_hooks = vec![hook(404, "https://siem.sim.test/gitlab")];
}
