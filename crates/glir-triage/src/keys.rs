//! `authorized_keys` files (`sshd(8)`, AUTHORIZED_KEYS FILE FORMAT): options, key type, the
//! base64 key and a comment. GitLab writes its own file for the `git` user, one line per SSH
//! key a user added, always in one form (`gitlab-org/gitlab:lib/gitlab/authorized_keys.rb`,
//! `key_line`): `command="<gitlab-shell>/bin/gitlab-shell key-<id>",no-port-forwarding,
//! no-X11-forwarding,no-agent-forwarding,no-pty <key>`. A line in any other form was not
//! written by GitLab, and logs in as `git` with a shell.

use crate::findings::{Finding, Kind, Level};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Where the Linux package keeps gitlab-shell (`gitlab-org/omnibus-gitlab`, `gitlab_shell['dir']`).
pub(crate) const GITLAB_SHELL: &str = "/opt/gitlab/embedded/service/gitlab-shell/bin/gitlab-shell";
const GITLAB_RESTRICTIONS: &str = "no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty";

/// One key line, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyLine<'a> {
    pub options: &'a str,
    pub key_type: &'a str,
    pub blob: &'a str,
    pub comment: &'a str,
}

impl KeyLine<'_> {
    /// OpenSSH's `SHA256:` fingerprint (what `ssh-keygen -l` and GitLab's key API show).
    pub fn fingerprint(&self) -> Option<String> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(self.blob)
            .ok()?;
        let digest = Sha256::digest(raw);
        Some(format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        ))
    }

    /// The id of a line GitLab wrote (`key-<id>`), if it is one.
    pub fn gitlab_key_id(&self) -> Option<u64> {
        let rest = self.options.strip_prefix("command=\"")?;
        let rest = rest.strip_prefix(GITLAB_SHELL)?.strip_prefix(" key-")?;
        let (id, after) = rest.split_once('"')?;
        if after != format!(",{GITLAB_RESTRICTIONS}") {
            return None;
        }
        id.parse().ok()
    }
}

fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-")
        || word.starts_with("ecdsa-sha2-")
        || word.starts_with("sk-ssh-")
        || word.starts_with("sk-ecdsa-")
}

/// Splits a line; `None` for blank lines and comments.
pub(crate) fn parse_line(line: &str) -> Option<Result<KeyLine<'_>, &'static str>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // Options come first, without spaces outside double quotes.
    let mut in_quotes = false;
    let mut options_end = 0;
    if !is_key_type(line.split_whitespace().next().unwrap_or("")) {
        let mut end = line.len();
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                c if c.is_whitespace() && !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        options_end = end;
    }
    let options = &line[..options_end];
    let mut rest = line[options_end..]
        .trim_start()
        .splitn(3, char::is_whitespace);
    let key_type = rest.next().filter(|t| is_key_type(t));
    let blob = rest.next();
    Some(match (key_type, blob) {
        (Some(key_type), Some(blob)) => Ok(KeyLine {
            options,
            key_type,
            blob,
            comment: rest.next().unwrap_or("").trim(),
        }),
        _ => Err("not a key line"),
    })
}

/// Findings for one `authorized_keys` file; `gitlab_managed` for the `git` user's file, where
/// every line should be GitLab's.
pub(crate) fn review(path: &str, text: &str, gitlab_managed: bool, user: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(parsed) = parse_line(line) else {
            continue;
        };
        let subject = format!("{path}:{}", n + 1);
        let key = match parsed {
            Ok(key) => key,
            Err(why) => {
                findings.push(Finding::new(Kind::AuthorizedKey, subject, line).with(vec![(
                    Level::Medium,
                    format!("{why}: sshd may read it differently"),
                )]));
                continue;
            }
        };
        let described = describe(&key);
        if gitlab_managed {
            if key.gitlab_key_id().is_some() {
                continue;
            }
            let why = if key.options.contains(GITLAB_SHELL) {
                "in GitLab's authorized_keys with gitlab-shell, but not in the form GitLab writes (options changed)"
            } else {
                "in GitLab's authorized_keys but not written by GitLab: it logs in as git without gitlab-shell"
            };
            findings.push(
                Finding::new(Kind::AuthorizedKey, subject, &described)
                    .with(vec![(Level::High, why.to_string())]),
            );
            continue;
        }
        let mut finding = Finding::new(Kind::AuthorizedKey, subject, &described);
        finding.flag(
            Level::Low,
            format!("a key that logs in as {user}: check that it is known"),
        );
        if key.options.contains("command=") {
            finding.flag(Level::Medium, "runs a forced command on login");
        }
        findings.push(finding);
    }
    findings
}

/// A key line as evidence: options, type, fingerprint and comment, not the whole blob.
fn describe(key: &KeyLine<'_>) -> String {
    let fingerprint = key
        .fingerprint()
        .unwrap_or_else(|| "invalid base64".to_string());
    let mut out = String::new();
    if !key.options.is_empty() {
        out.push_str(key.options);
        out.push(' ');
    }
    out.push_str(&format!("{} {fingerprint}", key.key_type));
    if !key.comment.is_empty() {
        out.push(' ');
        out.push_str(key.comment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOB: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn gitlab_lines_are_recognised_and_others_are_not() {
        let ours = format!(
            "command=\"{GITLAB_SHELL} key-17\",{GITLAB_RESTRICTIONS} ssh-ed25519 {BLOB} dana@laptop"
        );
        let loosened = format!("command=\"{GITLAB_SHELL} key-17\",no-pty ssh-ed25519 {BLOB}");
        let foreign = format!("ssh-ed25519 {BLOB} attacker");
        assert_eq!(
            parse_line(&ours).unwrap().unwrap().gitlab_key_id(),
            Some(17)
        );
        assert_eq!(
            parse_line(&loosened).unwrap().unwrap().gitlab_key_id(),
            None
        );
        let text = format!("# comment\n{ours}\n{loosened}\n{foreign}\n");
        let findings = review("/var/opt/gitlab/.ssh/authorized_keys", &text, true, "git");
        let subjects: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "/var/opt/gitlab/.ssh/authorized_keys:3",
                "/var/opt/gitlab/.ssh/authorized_keys:4"
            ]
        );
        assert!(findings.iter().all(|f| f.level == Level::High));
        assert!(
            findings[1].evidence.contains("SHA256:"),
            "{:?}",
            findings[1]
        );
        assert!(!findings[1].evidence.contains(BLOB));
    }

    #[test]
    fn quoted_options_may_hold_spaces() {
        let line = format!("from=\"10.0.0.1\",command=\"echo hi there\" ssh-rsa {BLOB} c");
        let key = parse_line(&line).unwrap().unwrap();
        assert_eq!(key.options, "from=\"10.0.0.1\",command=\"echo hi there\"");
        assert_eq!(key.key_type, "ssh-rsa");
        assert_eq!(key.comment, "c");
    }
}
