//! `/etc/passwd` of the root being triaged: whose home holds which `authorized_keys`, and the
//! names of file owners.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub name: String,
    pub uid: u32,
    pub home: String,
}

/// The users of a passwd file; lines that are not `name:x:uid:gid:gecos:home:shell` are left out.
pub(crate) fn parse(text: &str) -> Vec<User> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 7 || fields[0].is_empty() {
                return None;
            }
            Some(User {
                name: fields[0].to_string(),
                uid: fields[2].parse().ok()?,
                home: fields[5].to_string(),
            })
        })
        .collect()
}

pub(crate) fn names(users: &[User]) -> HashMap<u32, String> {
    users.iter().map(|u| (u.uid, u.name.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_users_and_skips_junk() {
        let users = parse(
            "root:x:0:0:root:/root:/bin/bash\n# note\nbroken\ngit:x:998:998::/var/opt/gitlab:/bin/sh\n",
        );
        assert_eq!(users.len(), 2);
        assert_eq!(users[1].home, "/var/opt/gitlab");
        assert_eq!(names(&users)[&998], "git");
    }
}
