//! Logs, copied as they are (rotated and gzipped ones too): GitLab's components under
//! `/var/log/gitlab` (https://docs.gitlab.com/administration/logs/) and the system's
//! authentication and syslog files. They are evidence, so nothing is redacted: a log can hold
//! what GitLab failed to filter, and the bundle is to be handled as sensitive.

use crate::manifest::Category;
use crate::run::{Pick, Run};
use std::io;

/// The components whose logs an intrusion leaves marks in: web and API requests, SSH git
/// access, repository access, background jobs.
pub(crate) const GITLAB_LOG_DIRS: [&str; 8] = [
    "gitlab-rails",
    "gitlab-shell",
    "nginx",
    "sshd",
    "gitaly",
    "sidekiq",
    "puma",
    "gitlab-workhorse",
];

/// `/var/log/<name>*`: Debian's and Red Hat's names for authentication and system logs.
const SYSTEM_LOGS: [&str; 4] = ["auth.log", "secure", "syslog", "messages"];

pub(crate) fn collect(run: &mut Run<'_>) -> io::Result<()> {
    for dir in GITLAB_LOG_DIRS {
        run.tree(
            &format!("/var/log/gitlab/{dir}"),
            Category::Log,
            true,
            &Pick::ALL,
            |_, _, _| Ok(false),
        )?;
    }
    let system_log = |logical: &str| {
        logical
            .strip_prefix("/var/log/")
            .is_some_and(|name| SYSTEM_LOGS.iter().any(|l| name.starts_with(l)))
    };
    let top_level = Pick {
        file: &system_log,
        enter: &|_| false,
    };
    run.tree("/var/log", Category::Log, true, &top_level, |_, _, _| {
        Ok(false)
    })
}
