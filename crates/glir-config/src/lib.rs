//! Where glir's settings come from: flags > environment > `config.toml` profile > defaults.
//! A library of its own so every front end (the CLI, the receiver) reads one config the same
//! way, and so the config parser can be fuzzed.
//!
//! Tokens have no command-line flag on purpose: a flag ends up in shell history and in `ps`.

use anyhow::{Context, Result, bail};
use glir_redact::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Flags and the variables clap reads for them (GLIR_URL, GLIR_PROFILE, GLIR_DATA_DIR,
/// GLIR_CONFIG): the highest precedence. Those variables are not read again here.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub url: Option<String>,
    pub profile: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// `--store` / `GLIR_STORE`: an SQLite file or a `clickhouse://` URL.
    pub store: Option<String>,
    pub config_file: Option<PathBuf>,
    /// `config_file` was typed as --config, so it has to exist.
    pub config_file_required: bool,
    /// Limit for one HTTP request.
    pub timeout: Option<Duration>,
    /// Limit for one API call, retries included.
    pub deadline: Option<Duration>,
}

/// Where the token came from, shown by `whoami` so a responder knows which credential is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Env(String),
    File(PathBuf),
    Command(String),
}

impl std::fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenOrigin::Env(name) => write!(f, "environment variable {name}"),
            TokenOrigin::File(path) => write!(f, "file {}", path.display()),
            TokenOrigin::Command(cmd) => write!(f, "command `{cmd}`"),
        }
    }
}

/// The responder's token, as read, with what a person should know about where it came from.
#[derive(Debug, Clone)]
pub struct Token {
    pub secret: Secret,
    pub origin: TokenOrigin,
    /// E.g. a token file others can read.
    pub warnings: Vec<String>,
}

/// Where the token will be read from: files and commands only when a command asks for it.
#[derive(Debug, Clone)]
enum TokenSpec {
    Ready(Secret, TokenOrigin),
    File(PathBuf),
    Command(Vec<String>),
    /// The profile names an environment variable that is not set.
    Unset(String),
}

/// The resolved settings every command works from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: Option<String>,
    /// Limit for one HTTP request (the client's default when `None`).
    pub timeout: Option<Duration>,
    /// Limit for one API call, retries included (the client's default when `None`).
    pub deadline: Option<Duration>,
    token_spec: Option<TokenSpec>,
    /// The token once read: read once, on first use, so a command that never talks to GitLab
    /// never runs the profile's token command nor reads its token file.
    token: OnceLock<Result<Option<Token>, String>>,
    pub ca_bundle: Option<PathBuf>,
    pub proxy: Option<String>,
    pub data_dir: PathBuf,
    /// Where events are stored when not in `<data_dir>/glir.db`: `--store`, `GLIR_STORE`, the
    /// profile's `store`, then the file's top-level `store` (a path or a `clickhouse://` URL,
    /// parsed by the caller).
    pub store: Option<String>,
    pub profile: Option<String>,
    pub config_file: Option<PathBuf>,
    /// Detection rule ids the config turns off.
    pub disabled_rules: Vec<String>,
    /// Per-rule allow-list entries for known automation (`[[detect.allow]]`).
    pub allow: Vec<glir_detect::Allow>,
    /// The receiver's settings (`[serve]`).
    pub serve: ServeSettings,
    /// A security releases file newer than the one built in (`releases_file` in a profile).
    pub releases_file: Option<PathBuf>,
    /// `glir posture`'s settings (`[posture]`).
    pub posture: PostureSettings,
}

impl Settings {
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("glir.db")
    }

    /// Whether a token is configured, without reading it.
    pub fn has_token(&self) -> bool {
        self.token_spec.is_some()
    }

    /// The token, read (its file, its command) the first time it is asked for.
    pub fn token(&self) -> Result<Option<&Token>> {
        let read = self
            .token
            .get_or_init(|| read_token(self.token_spec.as_ref()).map_err(|e| format!("{e:#}")));
        match read {
            Ok(token) => Ok(token.as_ref()),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        }
    }
}

/// `config.toml`, as written; read with [`parse`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    default_profile: Option<String>,
    data_dir: Option<PathBuf>,
    store: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
    #[serde(default)]
    detect: DetectConfig,
    #[serde(default)]
    serve: ServeSettings,
    #[serde(default)]
    posture: PostureSettings,
}

/// `[posture]`: checks left out (`ignore = ["id", "id@group/project", "id@group/*"]`), more
/// check directories (`checks = ["~/glir-checks"]`) and thresholds per check
/// (`[posture.params.instance-admin-count] max = 3`). Flags add to it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostureSettings {
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub checks: Vec<PathBuf>,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Table>,
}

/// `[serve]`: the receiver of GitLab's audit event streaming (`glir serve`). Flags override it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    /// `ADDR:PORT` to listen on.
    pub listen: Option<String>,
    /// Where the write-once archive lives (default: `<data_dir>/archive`).
    pub archive_dir: Option<PathBuf>,
    /// An archive segment is sealed (and can be mirrored) at the latest this many minutes after
    /// its first event (default 60), or at 64 MiB.
    pub archive_segment_minutes: Option<u64>,
    pub body_limit_bytes: Option<usize>,
    pub read_timeout_secs: Option<u64>,
    /// PEM certificate chain and key: the receiver speaks TLS itself instead of behind a proxy.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Where alerts go: `stdout`, `file:PATH`, `webhook:URL`, `slack:URL`,
    /// `syslog+udp://IP:PORT`, `syslog+tcp://IP:PORT`.
    #[serde(default)]
    pub sinks: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<DestinationSettings>,
}

/// `[[serve.destinations]]`: `name`, `token = { env | file | command }`, and `source`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationSettings {
    pub name: String,
    pub token: SecretSource,
    /// The identity namespace its events are stored under (usually the GitLab host).
    pub source: Option<String>,
}

/// Where a secret is read from, as a token is: `{ env = "VAR" }`, `{ file = "path" }` or
/// `{ command = [...] }`. Read only by the command that needs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct SecretSource(TokenSource);

impl SecretSource {
    /// A secret kept in a file.
    pub fn file(path: PathBuf) -> SecretSource {
        SecretSource(TokenSource::File(path))
    }

    /// Reads the secret now: the variable from `env`, the file (warning when others may read
    /// it), or the command's first line.
    pub fn read(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<(Secret, Vec<String>)> {
        let mut warnings = Vec::new();
        let secret = match &self.0 {
            TokenSource::Env(name) => match env(name).filter(|v| !v.trim().is_empty()) {
                Some(value) => Secret::new(value.trim()),
                None => bail!("${name} is not set"),
            },
            TokenSource::File(path) => read_token_file(&expand_home(path), &mut warnings)?,
            TokenSource::Command(argv) => run_token_command(argv)?.0,
        };
        Ok((secret, warnings))
    }
}

/// `[detect]`: `disabled_rules = ["<rule id>", …]` turns rules off for every `glir detect`;
/// each `[[detect.allow]]` (name, rule, and actor / ip / entity) suppresses one rule's alerts on
/// known automation, and the output says so.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetectConfig {
    #[serde(default)]
    disabled_rules: Vec<String>,
    #[serde(default)]
    allow: Vec<glir_detect::Allow>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    url: Option<String>,
    token: Option<TokenSource>,
    ca_bundle: Option<PathBuf>,
    proxy: Option<String>,
    releases_file: Option<PathBuf>,
    store: Option<String>,
}

/// `token = { env = "VAR" }`, `{ file = "path" }` or `{ command = ["pass", "show", "gitlab"] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum TokenSource {
    Env(String),
    File(PathBuf),
    Command(Vec<String>),
}

/// Resolve settings; `env` is injected so tests need not touch the process environment.
pub fn resolve(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings> {
    let config_file = overrides.config_file.clone().or_else(default_config_file);
    let file = match &config_file {
        Some(path) if path.exists() => load_config(path)?,
        Some(path) if overrides.config_file_required => {
            bail!("config file {} does not exist", path.display())
        }
        _ => ConfigFile::default(),
    };

    let profile_name = overrides.profile.clone().or(file.default_profile.clone());
    let profile = match &profile_name {
        Some(name) => match file.profiles.get(name) {
            Some(p) => Some(p),
            None => bail!(
                "profile `{name}` is not defined in {}",
                config_file
                    .as_deref()
                    .map_or("the config file".into(), |p| p.display().to_string())
            ),
        },
        None => None,
    };

    let url = overrides
        .url
        .clone()
        // clap reads one variable per flag; the generic name GitLab tools share comes after.
        .or_else(|| env("GITLAB_URL"))
        .or_else(|| profile.and_then(|p| p.url.clone()));

    let token_spec = token_spec(env, profile);

    let data_dir = overrides
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .or_else(default_data_dir)
        .context("cannot tell where to keep data: set --data-dir or GLIR_DATA_DIR")?;

    let store = overrides
        .store
        .clone()
        .or_else(|| profile.and_then(|p| p.store.clone()))
        .or(file.store.clone());

    Ok(Settings {
        url,
        store,
        timeout: overrides.timeout,
        deadline: overrides.deadline,
        token_spec,
        token: OnceLock::new(),
        ca_bundle: profile.and_then(|p| p.ca_bundle.clone()),
        proxy: profile.and_then(|p| p.proxy.clone()),
        data_dir,
        profile: profile_name,
        config_file,
        disabled_rules: file.detect.disabled_rules.clone(),
        allow: file.detect.allow.clone(),
        serve: file.serve,
        posture: PostureSettings {
            checks: file.posture.checks.iter().map(|p| expand_home(p)).collect(),
            ..file.posture
        },
        releases_file: profile
            .and_then(|p| p.releases_file.as_deref())
            .map(expand_home),
    })
}

/// Where the token comes from: GLIR_TOKEN, GITLAB_TOKEN, GLIR_TOKEN_FILE, then the profile.
/// Environment values are taken now (reading them has no side effect); files and commands
/// wait for [`Settings::token`].
fn token_spec(
    env: &dyn Fn(&str) -> Option<String>,
    profile: Option<&Profile>,
) -> Option<TokenSpec> {
    for name in ["GLIR_TOKEN", "GITLAB_TOKEN"] {
        if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
            return Some(TokenSpec::Ready(
                Secret::new(value.trim()),
                TokenOrigin::Env(name.into()),
            ));
        }
    }
    if let Some(path) = env("GLIR_TOKEN_FILE") {
        return Some(TokenSpec::File(PathBuf::from(path)));
    }
    Some(match profile.and_then(|p| p.token.as_ref())? {
        TokenSource::Env(name) => match env(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => {
                TokenSpec::Ready(Secret::new(value.trim()), TokenOrigin::Env(name.clone()))
            }
            None => TokenSpec::Unset(name.clone()),
        },
        TokenSource::File(path) => TokenSpec::File(expand_home(path)),
        TokenSource::Command(argv) => TokenSpec::Command(argv.clone()),
    })
}

fn read_token(spec: Option<&TokenSpec>) -> Result<Option<Token>> {
    let mut warnings = Vec::new();
    let (secret, origin) = match spec {
        None => return Ok(None),
        Some(TokenSpec::Ready(secret, origin)) => (secret.clone(), origin.clone()),
        Some(TokenSpec::File(path)) => (
            read_token_file(path, &mut warnings)?,
            TokenOrigin::File(path.clone()),
        ),
        Some(TokenSpec::Command(argv)) => run_token_command(argv)?,
        Some(TokenSpec::Unset(name)) => {
            bail!("the profile reads its token from ${name}, which is not set")
        }
    };
    Ok(Some(Token {
        secret,
        origin,
        warnings,
    }))
}

fn read_token_file(path: &Path, warnings: &mut Vec<String>) -> Result<Secret> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read token file {}", path.display()))?;
    if let Some(mode) = group_or_other_readable(path) {
        warnings.push(format!(
            "token file {} is readable by group or others (mode {mode:o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    let token = text.trim();
    if token.is_empty() {
        bail!("token file {} is empty", path.display());
    }
    Ok(Secret::new(token))
}

#[cfg(unix)]
fn group_or_other_readable(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn group_or_other_readable(_path: &Path) -> Option<u32> {
    None
}

fn run_token_command(argv: &[String]) -> Result<(Secret, TokenOrigin)> {
    let Some((program, args)) = argv.split_first() else {
        bail!("the profile's token command is empty");
    };
    let shown = argv.join(" ");
    let output = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run token command `{shown}`"))?;
    if !output.status.success() {
        // stderr is not echoed: a password manager may print secrets or prompts there.
        bail!("token command `{shown}` failed ({})", output.status);
    }
    let text = String::from_utf8(output.stdout)
        .with_context(|| format!("token command `{shown}` printed non-UTF-8 output"))?;
    let token = text.lines().next().unwrap_or("").trim();
    if token.is_empty() {
        bail!("token command `{shown}` printed nothing");
    }
    Ok((Secret::new(token), TokenOrigin::Command(shown)))
}

fn load_config(path: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
}

/// Reads a config file's text; nothing in it is acted on (no token command runs).
pub fn parse(text: &str) -> Result<ConfigFile, toml::de::Error> {
    // toml's error Display names the line, column and key.
    toml::from_str(text)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "glir")
}

fn default_config_file() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// XDG data dir on Linux (`~/.local/share/glir`), the platform's equivalent elsewhere.
fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

fn expand_home(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => directories::BaseDirs::new()
            .map(|b| b.home_dir().join(rest))
            .unwrap_or_else(|| path.to_path_buf()),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn overrides_with(config: PathBuf) -> Overrides {
        Overrides {
            config_file: Some(config),
            config_file_required: true,
            data_dir: Some("/tmp/glir-test-data".into()),
            ..Overrides::default()
        }
    }

    const CONFIG: &str = r#"
default_profile = "prod"
[profiles.prod]
url = "https://gitlab.prod.test"
token = { env = "PROD_TOKEN" }
ca_bundle = "/etc/ssl/corp.pem"
proxy = "http://proxy.test:3128"
[profiles.lab]
url = "https://gitlab.lab.test"
"#;

    #[test]
    fn the_serve_section_names_destinations_and_their_token_sources() {
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("stream.token");
        std::fs::write(&token_file, "0123456789abcdef0123\n").unwrap();
        let text = format!(
            r#"
[serve]
listen = "127.0.0.1:8443"
body_limit_bytes = 1000
[[serve.destinations]]
name = "instance"
token = {{ file = {:?} }}
source = "gitlab.example.test"
[[serve.destinations]]
name = "group-acme"
token = {{ env = "ACME_STREAM_TOKEN" }}
"#,
            token_file.display().to_string()
        );
        let cfg = write_config(dir.path(), &text);
        let settings = resolve(&overrides_with(cfg), &|_| None).unwrap();
        let serve = &settings.serve;
        assert_eq!(serve.listen.as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(serve.body_limit_bytes, Some(1000));
        assert_eq!(serve.destinations.len(), 2);
        let (secret, _) = serve.destinations[0].token.read(&|_| None).unwrap();
        assert_eq!(secret.expose(), "0123456789abcdef0123");
        assert_eq!(
            serve.destinations[0].source.as_deref(),
            Some("gitlab.example.test")
        );
        let unset = serve.destinations[1].token.read(&|_| None).unwrap_err();
        assert_eq!(unset.to_string(), "$ACME_STREAM_TOKEN is not set");
        let env =
            |name: &str| (name == "ACME_STREAM_TOKEN").then(|| "fedcba9876543210".to_string());
        let (secret, _) = serve.destinations[1].token.read(&env).unwrap();
        assert_eq!(secret.expose(), "fedcba9876543210");
        assert!(parse("[serve]\nlisten = 1\n").is_err());
        assert!(parse("[serve]\nunknown = 1\n").is_err());
    }

    #[test]
    fn flag_beats_environment_beats_profile() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(dir.path(), CONFIG);
        let env = env_of(&[("GITLAB_URL", "https://env.test"), ("PROD_TOKEN", "t1")]);

        let from_profile = resolve(
            &overrides_with(cfg.clone()),
            &env_of(&[("PROD_TOKEN", "t1")]),
        )
        .unwrap();
        assert_eq!(
            from_profile.url.as_deref(),
            Some("https://gitlab.prod.test")
        );

        let from_env = resolve(&overrides_with(cfg.clone()), &env).unwrap();
        assert_eq!(from_env.url.as_deref(), Some("https://env.test"));

        let mut flags = overrides_with(cfg);
        flags.url = Some("https://flag.test".into());
        let from_flag = resolve(&flags, &env).unwrap();
        assert_eq!(from_flag.url.as_deref(), Some("https://flag.test"));
        assert_eq!(
            from_flag.ca_bundle,
            Some(PathBuf::from("/etc/ssl/corp.pem"))
        );
        assert_eq!(from_flag.proxy.as_deref(), Some("http://proxy.test:3128"));
    }

    #[test]
    fn glir_variables_win_over_gitlab_variables() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(dir.path(), "");
        let env = env_of(&[
            ("GITLAB_URL", "https://generic.test"),
            ("GITLAB_TOKEN", "generic-token-value"),
            ("GLIR_TOKEN", "specific-token-value"),
        ]);
        // What clap hands over from GLIR_URL.
        let mut o = overrides_with(cfg);
        o.url = Some("https://specific.test".into());
        let s = resolve(&o, &env).unwrap();
        assert_eq!(s.url.as_deref(), Some("https://specific.test"));
        let token = s.token().unwrap().unwrap();
        let (token, origin) = (&token.secret, &token.origin);
        assert_eq!(token.expose(), "specific-token-value");
        assert_eq!(*origin, TokenOrigin::Env("GLIR_TOKEN".into()));
    }

    #[test]
    fn profile_flag_selects_another_profile() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = overrides_with(write_config(dir.path(), CONFIG));
        o.profile = Some("lab".into());
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(s.url.as_deref(), Some("https://gitlab.lab.test"));
        assert!(s.token().unwrap().is_none());
    }

    #[test]
    fn unknown_profile_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = overrides_with(write_config(dir.path(), CONFIG));
        o.profile = Some("staging".into());
        let err = resolve(&o, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("staging"), "{err}");
    }

    #[test]
    fn missing_profile_env_token_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let o = overrides_with(write_config(dir.path(), CONFIG));
        // Only a command that needs the token fails over it.
        let s = resolve(&o, &env_of(&[])).unwrap();
        let err = s.token().unwrap_err().to_string();
        assert!(err.contains("PROD_TOKEN"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn token_file_readable_by_others_warns() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("token");
        std::fs::write(&token_path, "glpat-FileToken000000001\n").unwrap();
        std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let cfg = write_config(dir.path(), "");
        let env_path = token_path.display().to_string();
        let env = env_of(&[("GLIR_TOKEN_FILE", env_path.as_str())]);
        let s = resolve(&overrides_with(cfg.clone()), &env).unwrap();
        let token = s.token().unwrap().unwrap();
        assert_eq!(token.secret.expose(), "glpat-FileToken000000001");
        assert_eq!(token.warnings.len(), 1, "{:?}", token.warnings);
        assert!(!token.warnings[0].contains("FileToken"));

        std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = resolve(&overrides_with(cfg), &env).unwrap();
        let token = s.token().unwrap().unwrap();
        assert!(token.warnings.is_empty(), "{:?}", token.warnings);
    }

    #[test]
    fn token_command_output_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "default_profile = \"p\"\n[profiles.p]\nurl = \"https://x.test\"\ntoken = { command = [\"echo\", \"glpat-FromCommand0000001\"] }\n",
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        let token = s.token().unwrap().unwrap();
        let (token, origin) = (&token.secret, &token.origin);
        assert_eq!(token.expose(), "glpat-FromCommand0000001");
        assert!(matches!(origin, TokenOrigin::Command(_)));
    }

    #[test]
    fn the_token_command_runs_only_when_the_token_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let mark = dir.path().join("ran");
        let cfg = write_config(
            dir.path(),
            &format!(
                "default_profile = \"p\"\n[profiles.p]\ntoken = {{ command = [\"sh\", \"-c\", \"touch {} && echo glpat-FromCommand0000001\"] }}\n",
                mark.display()
            ),
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        assert!(s.has_token());
        assert!(!mark.exists(), "resolving settings ran the token command");
        assert!(s.token().unwrap().is_some());
        assert!(mark.exists());
        // Read once: asking again does not run it again.
        std::fs::remove_file(&mark).unwrap();
        assert!(s.token().unwrap().is_some());
        assert!(!mark.exists());
    }

    #[test]
    fn failing_token_command_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "default_profile = \"p\"\n[profiles.p]\ntoken = { command = [\"false\"] }\n",
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        let err = s.token().unwrap_err().to_string();
        assert!(err.contains("failed"), "{err}");
    }

    #[test]
    fn unknown_config_key_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(dir.path(), "[profiles.p]\nulr = \"typo\"\n");
        let err = resolve(&overrides_with(cfg), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ulr"), "{err}");
    }

    #[test]
    fn posture_section_ignores_checks_and_sets_params() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "[posture]\nignore = [\"project-not-public@acme/site\"]\nchecks = [\"/etc/glir/checks\"]\n[posture.params.instance-admin-count]\nmax = 3\n",
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        assert_eq!(s.posture.ignore, ["project-not-public@acme/site"]);
        assert_eq!(s.posture.checks, [PathBuf::from("/etc/glir/checks")]);
        assert_eq!(
            s.posture.params["instance-admin-count"]["max"].as_integer(),
            Some(3)
        );
    }

    #[test]
    fn detect_section_lists_disabled_rules() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "[detect]\ndisabled_rules = [\"16191b07-f4f8-4b43-8273-6643df808153\"]\n",
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        assert_eq!(s.disabled_rules, ["16191b07-f4f8-4b43-8273-6643df808153"]);
    }

    #[test]
    fn detect_section_lists_allow_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "[[detect.allow]]\nname = \"vars-bot\"\nrule = \"r1\"\nactor = \"deploy-bot\"\nip = \"198.51.100.0/24\"\n",
        );
        let s = resolve(&overrides_with(cfg), &env_of(&[])).unwrap();
        assert_eq!(s.allow.len(), 1);
        assert_eq!(s.allow[0].name, "vars-bot");
        assert_eq!(s.allow[0].ip.as_deref(), Some("198.51.100.0/24"));
        let bad = write_config(
            dir.path(),
            "[[detect.allow]]\nname = \"x\"\nrule = \"r\"\nwho = \"y\"\n",
        );
        let err = resolve(&overrides_with(bad), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("who"), "{err}");
    }

    #[test]
    fn data_dir_override_and_default() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(dir.path(), "");
        let s = resolve(&overrides_with(cfg.clone()), &env_of(&[])).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/tmp/glir-test-data"));
        let in_file = write_config(dir.path(), "data_dir = \"/srv/glir\"\n");
        let o = Overrides {
            config_file: Some(in_file),
            ..Overrides::default()
        };
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(s.store_path(), PathBuf::from("/srv/glir/glir.db"));
    }

    #[test]
    fn the_store_comes_from_the_flag_then_the_profile_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(
            dir.path(),
            "store = \"/srv/top.db\"\ndefault_profile = \"ir\"\n\
             [profiles.ir]\nstore = \"clickhouse://ch:8123/glir\"\n[profiles.other]\n",
        );
        let mut o = overrides_with(cfg);
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(s.store.as_deref(), Some("clickhouse://ch:8123/glir"));
        o.profile = Some("other".into());
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(s.store.as_deref(), Some("/srv/top.db"));
        o.store = Some("clickhouse://flag/db".into());
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(s.store.as_deref(), Some("clickhouse://flag/db"));
    }

    #[test]
    fn only_a_typed_config_file_has_to_exist() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = overrides_with(dir.path().join("not-yet.toml"));
        let err = resolve(&o, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("not-yet.toml"), "{err}");
        // As from GLIR_CONFIG: no file yet is no settings yet.
        o.config_file_required = false;
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert!(s.profile.is_none());
    }

    #[test]
    fn a_profile_names_its_releases_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{CONFIG}releases_file = \"/srv/glir/security-releases.json\"\n");
        let mut o = overrides_with(write_config(dir.path(), &text));
        o.profile = Some("lab".into());
        let s = resolve(&o, &env_of(&[])).unwrap();
        assert_eq!(
            s.releases_file,
            Some(PathBuf::from("/srv/glir/security-releases.json"))
        );
        o.profile = Some("prod".into());
        assert_eq!(resolve(&o, &env_of(&[])).unwrap().releases_file, None);
    }
}
