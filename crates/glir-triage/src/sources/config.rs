//! GitLab's configuration: `gitlab.rb` and the Rails `*.yml` rendered from it, copied with
//! their secrets redacted; everything else under `/etc/gitlab` described, not copied.

use crate::manifest::Category;
use crate::redact::Syntax;
use crate::run::{Pick, Run};
use std::io;

const GITLAB_RB: &str = "/etc/gitlab/gitlab.rb";
const SECRETS_JSON: &str = "/etc/gitlab/gitlab-secrets.json";
const RAILS_ETC: &str = "/var/opt/gitlab/gitlab-rails/etc";

pub(crate) fn collect(run: &mut Run<'_>) -> io::Result<()> {
    let mut seen_gitlab_rb = false;
    run.tree("/etc/gitlab", Category::Config, false, &Pick::ALL, |run, host, logical| {
        if logical == GITLAB_RB {
            seen_gitlab_rb = true;
            // Followed (inside the root) if it is a symlink: it is the file GitLab reads.
            let host = run.root.resolve(logical).unwrap_or_else(|_| host.to_path_buf());
            run.copy_redacted(&host, logical, Syntax::Ruby)?;
            return Ok(true);
        }
        let why = if logical == SECRETS_JSON {
            // gitlab-secrets.json holds the keys GitLab encrypts its database columns with
            // (tokens, CI/CD variables, 2FA seeds, integration passwords) and signs sessions
            // and JWTs with. A bundle holding it and a database backup holds every secret of
            // the instance, and no redaction keeps a key useful as evidence: its hash shows
            // whether it changed or matches a copy found elsewhere.
            "never copied: GitLab's encryption and signing keys (its hash tells whether it changed)"
        } else {
            // TLS and SSH host private keys and initial_root_password live here too.
            "listed, not copied: /etc/gitlab holds private keys and passwords"
        };
        run.list_host(host, logical, Category::Config, why.to_string())?;
        Ok(true)
    })?;
    if !seen_gitlab_rb {
        run.skip(GITLAB_RB, Category::Config, "not found".to_string(), false)?;
    }
    let yml = |logical: &str| {
        logical
            .strip_prefix(RAILS_ETC)
            .is_some_and(|name| name.ends_with(".yml") && name.matches('/').count() == 1)
    };
    let pick = Pick {
        file: &yml,
        enter: &|_| false,
    };
    run.tree(
        RAILS_ETC,
        Category::Config,
        false,
        &pick,
        |run, host, logical| {
            if std::fs::symlink_metadata(host).is_ok_and(|m| m.is_file()) {
                run.copy_redacted(host, logical, Syntax::Yaml)?;
                return Ok(true);
            }
            Ok(false)
        },
    )
}
