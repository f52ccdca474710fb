//! What a GitLab server is expected to run and listen on. Ports are the Linux package's
//! defaults (https://docs.gitlab.com/administration/package_information/defaults/,
//! `gitlab-org/gitlab:doc/administration/package_information/defaults.md`) and the services'
//! own defaults in `gitlab-org/omnibus-gitlab:files/gitlab-cookbooks/*/attributes/default.rb`
//! (GitLab Pages' proxy 8090, KAS 8150-8155, Alertmanager 9093, Praefect's exporter 9652,
//! Grafana 3000 until it was removed in 16.3); system ports are the usual Linux services.
//! A name is not proof: an attacker can call a process `nginx`. What this gives is where to
//! look first.

/// A service that may listen on `ports`, held by a process named one of `processes`.
pub(crate) struct Service {
    pub name: &'static str,
    pub ports: &'static [u16],
    pub processes: &'static [&'static str],
}

pub(crate) const TCP_SERVICES: &[Service] = &[
    Service {
        name: "SSH (GitLab Shell)",
        ports: &[22],
        processes: &["sshd", "gitlab-sshd", "sshd-session"],
    },
    Service {
        name: "NGINX (GitLab Rails, Pages, Registry, Mattermost)",
        ports: &[80, 443, 8060],
        processes: &["nginx"],
    },
    Service {
        name: "PostgreSQL",
        ports: &[5432, 5431],
        processes: &["postgres", "postmaster"],
    },
    Service {
        name: "Redis",
        ports: &[6379, 26379],
        processes: &["redis-server", "redis-sentinel"],
    },
    Service {
        name: "Puma (GitLab Rails)",
        ports: &[8080, 8083],
        processes: &["puma", "ruby", "bundle"],
    },
    Service {
        name: "GitLab Workhorse",
        ports: &[8181, 9229],
        processes: &["gitlab-workhorse"],
    },
    Service {
        name: "Sidekiq",
        ports: &[8082, 8092],
        processes: &["sidekiq", "ruby", "bundle"],
    },
    Service {
        name: "GitLab Exporter",
        ports: &[9168],
        processes: &["gitlab-exporter", "ruby", "bundle"],
    },
    Service {
        name: "Prometheus",
        ports: &[9090],
        processes: &["prometheus"],
    },
    Service {
        name: "Alertmanager",
        ports: &[9093],
        processes: &["alertmanager"],
    },
    Service {
        name: "Node exporter",
        ports: &[9100],
        processes: &["node_exporter"],
    },
    Service {
        name: "Redis exporter",
        ports: &[9121],
        processes: &["redis_exporter"],
    },
    Service {
        name: "PostgreSQL exporter",
        ports: &[9187],
        processes: &["postgres_exporter"],
    },
    Service {
        name: "PgBouncer",
        ports: &[6432, 9188],
        processes: &["pgbouncer", "pgbouncer-exporter", "pgbouncer_exporter"],
    },
    Service {
        name: "Gitaly",
        ports: &[8075, 9999, 9236],
        processes: &["gitaly"],
    },
    Service {
        name: "Praefect",
        ports: &[2305, 3305, 9652],
        processes: &["praefect"],
    },
    Service {
        name: "GitLab KAS",
        ports: &[8150, 8151, 8152, 8153, 8154, 8155],
        processes: &["gitlab-kas", "kas"],
    },
    Service {
        name: "Container Registry",
        ports: &[5000, 5001, 5050],
        processes: &["registry"],
    },
    Service {
        name: "GitLab Pages",
        ports: &[8090],
        processes: &["gitlab-pages"],
    },
    Service {
        name: "Mattermost",
        ports: &[8065],
        processes: &["mattermost"],
    },
    Service {
        name: "Consul",
        ports: &[8300, 8301, 8302, 8500, 8600],
        processes: &["consul"],
    },
    Service {
        name: "Patroni",
        ports: &[8008],
        processes: &["patroni", "python3", "python"],
    },
    Service {
        name: "Grafana (bundled until 16.3)",
        ports: &[3000],
        processes: &["grafana", "grafana-server"],
    },
    Service {
        name: "Kerberos",
        ports: &[8443, 8088],
        processes: &["gitlab-workhorse", "nginx"],
    },
    Service {
        name: "Incoming email (IMAP) and SMTP",
        ports: &[25, 143, 465, 587],
        processes: &[
            "master",
            "exim4",
            "exim",
            "sendmail",
            "dovecot",
            "imap-login",
        ],
    },
    Service {
        name: "DNS resolver",
        ports: &[53],
        processes: &["systemd-resolve", "dnsmasq", "named", "unbound"],
    },
    Service {
        name: "NFS and rpcbind",
        ports: &[111, 2049],
        processes: &["rpcbind", "rpc.statd", "rpc.mountd"],
    },
];

pub(crate) const UDP_SERVICES: &[Service] = &[
    Service {
        name: "DNS resolver",
        ports: &[53],
        processes: &["systemd-resolve", "dnsmasq", "named", "unbound"],
    },
    Service {
        name: "DHCP client",
        ports: &[67, 68, 546],
        processes: &["dhclient", "systemd-network", "NetworkManager", "dhcpcd"],
    },
    Service {
        name: "Time synchronisation",
        ports: &[123, 323],
        processes: &["chronyd", "ntpd", "systemd-timesyn"],
    },
    Service {
        name: "Consul",
        ports: &[8301, 8302, 8600],
        processes: &["consul"],
    },
    Service {
        name: "Remote syslog",
        ports: &[514],
        processes: &["rsyslogd", "syslog-ng"],
    },
    Service {
        name: "NFS and rpcbind",
        ports: &[111, 2049],
        processes: &["rpcbind", "rpc.statd", "rpc.mountd"],
    },
    Service {
        name: "mDNS",
        ports: &[5353],
        processes: &["avahi-daemon", "systemd-resolve"],
    },
];

/// Processes of a Linux package install: runit supervising each service, the services, and what
/// they spawn (`gitlab-org/omnibus-gitlab:files/gitlab-cookbooks/gitlab/recipes/`).
const GITLAB_PROCESSES: &[&str] = &[
    "runsvdir",
    "runsv",
    "svlogd",
    "puma",
    "sidekiq",
    "gitaly",
    "gitaly-hooks",
    "gitaly-git2go",
    "gitaly-lfs-smudge",
    "gitlab-workhorse",
    "gitlab-shell",
    "gitlab-sshd",
    "gitlab-kas",
    "gitlab-exporter",
    "gitlab-pages",
    "gitlab-ctl",
    "gitlab-backup",
    "gitlab-rake",
    "gitlab-rails",
    "nginx",
    "postgres",
    "postmaster",
    "pgbouncer",
    "redis-server",
    "redis-sentinel",
    "prometheus",
    "alertmanager",
    "node_exporter",
    "redis_exporter",
    "postgres_exporter",
    "pgbouncer-exporter",
    "registry",
    "mattermost",
    "consul",
    "patroni",
    "praefect",
    "grafana",
    "grafana-server",
    "logrotate",
    "cinc-client",
    "chef-client",
    "git",
    "git-upload-pack",
    "git-receive-pack",
    "git-upload-archive",
    "ssh",
    // Ruby services are often named after the interpreter or the launcher.
    "ruby",
    "bundle",
    "glir",
];

/// Common Linux system processes, so a plain host does not drown the review in noise.
const SYSTEM_PROCESSES: &[&str] = &[
    "systemd",
    "init",
    "(sd-pam)",
    "systemd-journal",
    "systemd-journald",
    "systemd-logind",
    "systemd-udevd",
    "systemd-resolve",
    "systemd-resolved",
    "systemd-network",
    "systemd-networkd",
    "systemd-timesyn",
    "systemd-timesyncd",
    "systemd-oomd",
    "systemd-userdbd",
    "udevd",
    "sshd",
    "sshd-session",
    "cron",
    "crond",
    "atd",
    "anacron",
    "rsyslogd",
    "syslog-ng",
    "journald",
    "dbus-daemon",
    "dbus-broker",
    "dbus-broker-lau",
    "polkitd",
    "agetty",
    "login",
    "getty",
    "chronyd",
    "ntpd",
    "irqbalance",
    "multipathd",
    "lvmetad",
    "dhclient",
    "dhcpcd",
    "NetworkManager",
    "ModemManager",
    "snapd",
    "unattended-upgr",
    "packagekitd",
    "udisksd",
    "accounts-daemon",
    "auditd",
    "containerd",
    "containerd-shim",
    "dockerd",
    "tini",
    "dumb-init",
    "rpcbind",
    "master",
    "qmgr",
    "pickup",
    "exim4",
    "bash",
    "sh",
    "dash",
    "zsh",
    "sudo",
    "su",
    "tmux",
    "screen",
    "sleep",
    "less",
    "vi",
    "vim",
    "ps",
    "top",
    "htop",
];

/// Linux keeps 15 bytes of a process name (`TASK_COMM_LEN` 16 with its NUL).
const COMM_LEN: usize = 15;

/// Whether `observed` (a `comm` or argv[0]'s file name) is `expected`, allowing for the
/// kernel cutting `comm` short.
pub(crate) fn name_matches(observed: &str, expected: &str) -> bool {
    observed == expected || (observed.len() == COMM_LEN && expected.starts_with(observed))
}

/// Whether a process of this name belongs on a GitLab server.
pub(crate) fn is_expected_process(names: &[&str]) -> bool {
    names.iter().any(|n| {
        GITLAB_PROCESSES
            .iter()
            .chain(SYSTEM_PROCESSES)
            .any(|e| name_matches(n, e))
            || n.starts_with("postgres:")
    })
}

/// The service that uses `port`, if any.
pub(crate) fn service_for(tcp: bool, port: u16) -> Option<&'static Service> {
    let table = if tcp { TCP_SERVICES } else { UDP_SERVICES };
    table.iter().find(|s| s.ports.contains(&port))
}

/// Whether a process of these names may hold the service's port.
pub(crate) fn service_process(service: &Service, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| service.processes.iter().any(|e| name_matches(n, e)))
}
