//! The built-in rules: every GitLab token family, a curated set of third-party secrets and an
//! opt-in generic high-entropy rule. Each rule is literal keywords for the prefilter plus a
//! bounded regex that confirms a hit around a keyword.

use glir_tokens::{Family, Identification, IdentifyOptions, Layout};
use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Instance settings and opt-ins that shape the rule set.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// The instance's custom `personal_access_token_prefix` (adds a keyword for it).
    pub custom_pat_prefix: Option<String>,
    /// The instance-wide token prefix (`<x>-glpat-…`); such tokens match without it, this only
    /// tells identification which prefix is expected.
    pub instance_prefix: Option<String>,
    /// Enable the generic `secret|token|password|api_key = <high entropy>` rule.
    pub generic: bool,
}

/// One detection rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, e.g. `gitlab-pat`, `aws-access-key-id`.
    pub id: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    /// The GitLab family the rule finds, `None` for third-party secrets.
    pub family: Option<Family>,
    /// Who issues the secret: `gitlab`, `aws`, `github`, …
    pub provider: &'static str,
    /// Literal strings of which at least one occurs in (or next to) every match.
    pub keywords: Vec<String>,
    /// The keywords also looked for inside encoded runs (which runs get decoded): every prefix,
    /// but of a context rule's names only those an environment dump holds (`GITLAB_TOKEN`,
    /// `AWS_SECRET_ACCESS_KEY`). Each keyword is hundreds of encoded forms, and the spellings
    /// of source code (`gitlabToken`, `gitlab.api.token`) are not what gets base64-encoded.
    pub(crate) encoded_keywords: Vec<String>,
    /// Confirms a keyword hit; the `secret` group (or the whole match) is the secret.
    pub regex: Regex,
    /// How far before a keyword hit a match may start.
    pub(crate) window_before: usize,
    /// How far after a keyword hit's end a match may end.
    pub(crate) window_after: usize,
    pub(crate) check: Check,
    /// For rules whose form alone decides (third-party, generic); GitLab rules judge each
    /// token's layout.
    pub(crate) confidence: Confidence,
    /// What every match holds right after the keyword, checked before the regex runs.
    pub(crate) then: Option<Then>,
}

/// A literal every match of a rule holds shortly after its keyword. A rule whose keyword is a
/// common word (`secret`: `kind: Secret`, `client_secret`, `secretKeyRef`) drops most of its
/// hits with a few byte compares instead of a regex search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Then {
    /// Lower case; compared ignoring ASCII case.
    literal: &'static str,
    /// It starts at most this many bytes after the keyword's end.
    within: usize,
}

impl Then {
    /// Whether the literal starts within `within` bytes of `keyword_end`.
    pub(crate) fn follows(&self, data: &[u8], keyword_end: usize) -> bool {
        let literal = self.literal.as_bytes();
        let end = (keyword_end + self.within + literal.len()).min(data.len());
        data.get(keyword_end..end).is_some_and(|window| {
            window
                .windows(literal.len())
                .any(|w| w.eq_ignore_ascii_case(literal))
        })
    }
}

/// How sure a finding is to be a real secret of its kind, from its form alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Found by context only (a variable name, an entropy threshold).
    Low,
    /// A fixed prefix and the right length and alphabet, but nothing that checks itself.
    #[default]
    Medium,
    /// Checksummed (routable GitLab tokens' CRC) or structurally complete (a signed JWT, a whole
    /// PEM block, a service-account key).
    High,
}

/// What a regex match must pass before it becomes a reported candidate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    /// Run `glir_tokens::identify`; drop placeholders, flag structural failures.
    GitLab,
    /// Drop documentation placeholders (`…EXAMPLE`, `xxxxxxxx`).
    Format,
    /// An unprefixed legacy GitLab token in a place only a GitLab token goes: GitLab's
    /// generator (`Devise.friendly_token`) never emits l, I, O or 0, so a body with one is not
    /// a token it made.
    LegacyContext,
    /// [`Check::LegacyContext`] where the context is looser (prose, a host's name): the body
    /// must also read as random ([`reads_random`]), not a word or a camel-case name.
    LegacyProse,
    /// A PEM private key block: its body must be key material, not a placeholder; the secret
    /// is the block in its canonical form ([`canonical_pem`]), so the same key reads the same
    /// in a `.pem` file, a YAML block scalar, a JSON string or a heredoc.
    PemBlock,
    /// A 40-character AWS secret access key found by its neighbouring key id: random base64
    /// (mixed case and digits, high entropy), never a hex digest or a word.
    AwsSecret,
    /// A Slack token: not a placeholder, and its secret part (after the last `-`) is not one
    /// more numeric id (`xoxp-<team>-<user>-<id>` with the secret cut off).
    Slack,
    /// Drop placeholders and anything below this Shannon entropy (bits per byte).
    Entropy(f64),
}

/// What validating a candidate concluded.
pub(crate) struct Verdict {
    pub structurally_valid: bool,
    pub identification: Option<Identification>,
    pub confidence: Confidence,
}

/// The rules a scanner runs, with the identification settings GitLab rules validate with.
#[derive(Debug)]
pub struct RuleSet {
    /// The rules, GitLab first.
    pub rules: Vec<Rule>,
    pub(crate) identify: IdentifyOptions,
}

/// Characters a GitLab token body can contain: base64url, `.` separators of routable tokens
/// and JWTs, `-` of per-feed tokens. Taking the whole run (instead of a fixed legacy length)
/// is what keeps a routable token from also producing a truncated legacy hit.
const BODY: &str = r"[A-Za-z0-9_.\-]";

/// Whether a byte could continue a token body ([`BODY`]).
pub(crate) fn is_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}
/// Bodies shorter than this are prose ("use a glpat- token") rather than tokens; every real
/// body is at least 20 characters.
const MIN_BODY: usize = 16;
/// Optional instance-wide prefix (`lib/authn/token_field/prefix_helper.rb`: `<prefix>-`),
/// at most 20 characters (handbook limit).
const INSTANCE: &str = r"(?:\b[A-Za-z0-9_-]{1,20}-)?";
const INSTANCE_WINDOW: usize = 21;

struct GitLabSpec {
    id: &'static str,
    name: &'static str,
    family: Family,
    max_body: usize,
    instance: bool,
}

/// One rule per entry of the token-prefix table (`doc/security/tokens/_index.md`, "Token
/// prefixes", plus `glrtr-` and `glwt-` from later revisions); layouts are told apart by
/// `identify`, not by separate regexes.
const GITLAB: &[GitLabSpec] = &[
    gl(
        "gitlab-pat",
        "GitLab personal, project or group access token",
        Family::PersonalAccessToken,
        320,
    ),
    gl(
        "gitlab-deploy-token",
        "GitLab deploy token",
        Family::DeployToken,
        320,
    ),
    gl(
        "gitlab-runner-token-registered",
        "GitLab runner authentication token (registered)",
        Family::RunnerAuthenticationFromRegistration,
        400,
    ),
    gl(
        "gitlab-runner-token",
        "GitLab runner authentication token",
        Family::RunnerAuthentication,
        400,
    ),
    GitLabSpec {
        instance: false,
        ..gl(
            "gitlab-runner-registration-token",
            "GitLab runner registration token",
            Family::RunnerRegistration,
            64,
        )
    },
    // JWT job tokens carry a header, claims and an RS256 signature: well over 1 KiB.
    gl(
        "gitlab-ci-job-token",
        "GitLab CI/CD job token",
        Family::CiJobToken,
        4096,
    ),
    gl(
        "gitlab-pipeline-trigger-token",
        "GitLab pipeline trigger token",
        Family::PipelineTrigger,
        320,
    ),
    gl(
        "gitlab-feed-token",
        "GitLab feed token",
        Family::FeedToken,
        320,
    ),
    gl(
        "gitlab-incoming-mail-token",
        "GitLab incoming mail token",
        Family::IncomingMail,
        320,
    ),
    gl(
        "gitlab-oauth-app-secret",
        "GitLab OAuth application secret",
        Family::OauthAppSecret,
        320,
    ),
    gl(
        "gitlab-agent-token",
        "GitLab agent for Kubernetes token",
        Family::ClusterAgent,
        320,
    ),
    gl(
        "gitlab-scim-token",
        "GitLab SCIM token",
        Family::ScimToken,
        320,
    ),
    gl(
        "gitlab-feature-flags-client-token",
        "GitLab feature flags client token",
        Family::FeatureFlagsClient,
        320,
    ),
    gl(
        "gitlab-workspace-token",
        "GitLab workspace token",
        Family::WorkspaceToken,
        400,
    ),
    GitLabSpec {
        instance: false,
        ..gl(
            "gitlab-session-cookie",
            "GitLab session cookie",
            Family::GitlabSession,
            128,
        )
    },
];

const fn gl(id: &'static str, name: &'static str, family: Family, max_body: usize) -> GitLabSpec {
    GitLabSpec {
        id,
        name,
        family,
        max_body,
        instance: true,
    }
}

struct ThirdParty {
    id: &'static str,
    name: &'static str,
    provider: &'static str,
    keywords: &'static [&'static str],
    regex: &'static str,
    window_before: usize,
    window_after: usize,
    confidence: Confidence,
    check: Check,
    /// Which keywords are looked for encoded: see [`Rule::encoded_keywords`].
    encoded: Encoded,
    /// See [`Rule::then`].
    then: Option<Then>,
}

/// A third-party rule's [`Rule::encoded_keywords`].
enum Encoded {
    /// Its keywords, as they are: prefixes.
    Keywords,
    /// These names: a rule found by a name has short words for keywords (`secret`), shared
    /// by many other names; only the environment variables it looks for are worth decoding
    /// runs for.
    Names(&'static [&'static str]),
}

/// Curated third-party rules. `(?-u)` keeps `.` and classes byte-sized so long bounded
/// repetitions stay small automata.
const THIRD_PARTY: &[ThirdParty] = &[
    ThirdParty {
        id: "aws-access-key-id",
        name: "AWS access key ID",
        provider: "aws",
        keywords: &["AKIA", "ASIA"],
        // Key ids are base32 after the 4-letter type prefix.
        regex: r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b",
        window_before: 0,
        window_after: 16,
        confidence: Confidence::Medium,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "aws-secret-access-key",
        name: "AWS secret access key",
        provider: "aws",
        // Every name holds `secret` in one of three casings: `aws_secret_access_key`,
        // `SecretAccessKey`, `AWS_SECRET_KEY`, `awsSecretKey`, `aws.secretkey`. The same three
        // words are the generic rule's, so both rules read one keyword hit and neither hides
        // the other; the match may start before it (`aws.`, `credentials.`).
        keywords: &["secret", "Secret", "SECRET"],
        // `aws configure set aws_secret_access_key X` separates name and value by a space only;
        // Spring Cloud AWS names it `cloud.aws.credentials.secret-key`; SDK configs and
        // properties files say `awsSecretKey`, `aws.secretkey`, `AWS_SECRET_KEY`.
        // A CI/CD variable from the API names it in a pair: `{"key": "AWS_SECRET_ACCESS_KEY",
        // …, "value": "…"}`.
        regex: r#"(?i)(?:secret[_-]?access[_-]?key|credentials\.secret-?key|aws[_.-]?secret[_.-]?key)(?:\\?["']?\]?(?:\s*(?:[:=]|=>)\s*|[ \t]+)\\?["']?|"\s*,[^{}]{0,160}?"value"\s*:\s*")(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        window_before: 16,
        window_after: 260,
        confidence: Confidence::Low,
        check: Check::Format,
        encoded: Encoded::Names(&["SECRET_ACCESS_KEY", "AWS_SECRET_KEY"]),
        // Every name goes on to `key` within `_access_`.
        then: Some(Then {
            literal: "key",
            within: 8,
        }),
    },
    ThirdParty {
        id: "aws-secret-access-key-in-prose",
        name: "AWS secret access key (named in the words before it)",
        provider: "aws",
        keywords: &["secret", "Secret", "SECRET"],
        // The name, then on its line or up to two lines below, the key standing alone: a mail
        // ("the new AWS_SECRET_ACCESS_KEY for the staging runner is:" and the key below), a
        // ticket, a wiki table. Looser than an assignment, so the key must read as random.
        regex: r#"(?i)(?:secret[_-]?access[_-]?key|aws[_.-]?secret[_.-]?key)\b[^\n]{0,80}?(?:[ \t"'=:>(,](?:[ \t]*\r?\n){0,2}|(?:[ \t]*\r?\n){1,2})[ \t]*["'`]?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        window_before: 16,
        window_after: 140,
        confidence: Confidence::Low,
        check: Check::AwsSecret,
        encoded: Encoded::Names(&["SECRET_ACCESS_KEY", "AWS_SECRET_KEY"]),
        then: Some(Then {
            literal: "key",
            within: 8,
        }),
    },
    ThirdParty {
        id: "aws-secret-access-key-near-key-id",
        name: "AWS secret access key (beside its access key ID)",
        provider: "aws",
        keywords: &["AKIA", "ASIA"],
        // A credentials file, a `.env`, Terraform state or a CI variable dump puts the secret
        // within a few lines after its key id, under whatever name: the id is the context. Not
        // from inside a `%XX` escape: a URL-encoded key is read whole by the decoding layer.
        regex: r"(?s-u)\b(?:AKIA|ASIA)[A-Z2-7]{16}\b[^\n]{0,100}(?:\n[^\n]{0,160}){0,3}?[^A-Za-z0-9/+_.%-](?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=_.-]|$)",
        window_before: 0,
        window_after: 16 + 100 + 3 * 161 + 42,
        confidence: Confidence::Low,
        check: Check::AwsSecret,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "gcp-service-account-key",
        name: "GCP service account private key",
        provider: "gcp",
        keywords: &["service_account"],
        regex: r#"(?s-u)"type"\s*:\s*"service_account".{0,4096}?"private_key"\s*:\s*"(?P<secret>-----BEGIN[A-Z ]{0,20}PRIVATE KEY-----[^"]{64,8192}?-----END[A-Z ]{0,20}PRIVATE KEY-----(?:\\n)?)""#,
        window_before: 16,
        window_after: 4096 + 8192 + 128,
        confidence: Confidence::High,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "github-token",
        name: "GitHub token",
        provider: "github",
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        regex: r"\bgh[pousr]_[A-Za-z0-9]{36,251}\b",
        window_before: 0,
        window_after: 251,
        confidence: Confidence::Medium,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "github-fine-grained-pat",
        name: "GitHub fine-grained personal access token",
        provider: "github",
        keywords: &["github_pat_"],
        regex: r"\bgithub_pat_[A-Za-z0-9_]{80,244}\b",
        window_before: 0,
        window_after: 244,
        confidence: Confidence::Medium,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "slack-token",
        name: "Slack token",
        provider: "slack",
        // `xoxe.` starts the rotating `xoxe.xoxp-…` forms, `xoxe-` the refresh tokens.
        keywords: &[
            "xoxa-", "xoxb-", "xoxe.", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-",
        ],
        // Slack's token types (api.slack.com/authentication/token-types, config-tokens):
        // - bot, user, workspace and legacy tokens, `xoxb-<team>-<bot>-<secret>`,
        //   `xoxp-<team>-<user>-<id>-<32 hex>`, with a version digit in newer ones
        //   (`xoxa-2-…`), and expiring `xoxe-<ids>-<hex>` (file URLs): a prefix, one to four
        //   numeric ids, then the secret, which must end the token: a match may not stop on an
        //   id (`xoxp-<ids>-####…` is masked), and `xoxb-your-bot-token` has no id;
        // - rotating (and app configuration) access tokens `xoxe.xoxp-1-…`, `xoxe.xoxb-1-…`,
        //   and their refresh tokens `xoxe-1-…`: unpadded URL-safe base64 of
        //   `<version>-<ids>-<64 hex>`, which never holds `-` or `_`: some 145 to 170
        //   characters, of which 120 to 220 are taken;
        // - app-level tokens `xapp-1-<app id A…>-<numeric id>-<64 hex>`.
        regex: concat!(
            r"(?-u)\b(?P<secret>",
            r"xox[abeoprs]-(?:[0-9]-)?[0-9]{6,15}(?:-[0-9]{6,15}){0,3}-[0-9A-Za-z]{8,64}",
            r"|xoxe\.xox[bp]-[0-9]-[0-9A-Za-z]{120,220}",
            r"|xoxe-[0-9]-[0-9A-Za-z]{120,220}",
            r"|xapp-[0-9]{1,2}-A[0-9A-Z]{6,14}-[0-9]{6,15}-[0-9A-Za-z]{32,128}",
            r")(?:[^0-9A-Za-z_-]|$)"
        ),
        window_before: 0,
        // Past the longest match (`xoxe.xoxp-1-` and 220), so `$` never stands for a cut.
        window_after: 250,
        confidence: Confidence::Medium,
        check: Check::Slack,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "slack-webhook-url",
        name: "Slack incoming webhook URL",
        provider: "slack",
        keywords: &["hooks.slack.com/"],
        regex: r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,150}",
        window_before: 8,
        window_after: 170,
        confidence: Confidence::Medium,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "stripe-secret-key",
        name: "Stripe live secret or restricted key",
        provider: "stripe",
        keywords: &["sk_live_", "rk_live_"],
        regex: r"\b[sr]k_live_[0-9A-Za-z]{24,247}\b",
        window_before: 0,
        window_after: 247,
        confidence: Confidence::Medium,
        check: Check::Format,
        encoded: Encoded::Keywords,
        then: None,
    },
    ThirdParty {
        id: "private-key",
        name: "Private key (PEM or PGP)",
        provider: "pem",
        // "PRIVATE KEY" is in every BEGIN line, PEM's `…PRIVATE KEY-----` and PGP's
        // `…PRIVATE KEY BLOCK-----` alike; certificates and public keys never hit it.
        keywords: &["PRIVATE KEY"],
        // An armored PGP secret key (RSA-4096 with its subkey, a photo id) can run past the
        // 8 KiB a PEM key stays under, so its body is bounded by the window alone.
        regex: concat!(
            r"(?s-u)-----BEGIN PGP PRIVATE KEY BLOCK-----.{32,}?-----END PGP PRIVATE KEY BLOCK-----",
            r"|-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----.{32,8192}?-----END[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
        ),
        window_before: 40,
        window_after: PGP_MAX_BLOCK,
        confidence: Confidence::High,
        check: Check::PemBlock,
        encoded: Encoded::Keywords,
        then: None,
    },
];

/// The names GitLab tokens go under, spelled every way code and configuration do
/// (`GITLAB_TOKEN`, `gitlab.api.token`, `gitlabToken`); the prefilter is case-sensitive, the
/// regexes are not. Kept few: past 64 keywords in all, the SIMD keyword searcher gives way to a
/// DFA at a third of the speed. Stems stand for longer names (`PRIVATE_TOKEN` in
/// `GITLAB_PRIVATE_TOKEN`, `abToken` in `GitLabToken`); the match may start before them.
const LEGACY_NAMES: &[&str] = &[
    "GITLAB_TOKEN",
    "gitlab_token",
    "GITLAB_API_TOKEN",
    "gitlab_api_token",
    "gitlab.token",
    "gitlab.api.token",
    "gitlab-token",
    "gitlab-api-token",
    "abToken",
    "abApiToken",
    "GL_TOKEN",
    "PRIVATE-TOKEN",
    "Private-Token",
    "private-token",
    "PRIVATE_TOKEN",
    "private_token",
    // Java properties: `gitlab.private.token=…`.
    "private.token",
];

/// [`LEGACY_NAMES`] as the regexes read them.
macro_rules! legacy_name {
    () => {
        r#"(?:gitlab[_.-]?(?:api[_.-]?|private[_.-]?)?token|gl[_.-]token|private[_.-]token)"#
    };
}

/// A legacy body: 20 URL-safe characters, not part of a longer run.
macro_rules! legacy_body {
    () => {
        r"(?P<secret>[A-Za-z0-9_-]{20})(?:[^A-Za-z0-9_.-]|$)"
    };
}

/// A rule for unprefixed legacy GitLab tokens: where one goes, and how sure a match there is.
struct LegacyRule {
    id: &'static str,
    name: &'static str,
    /// Keywords beside [`LEGACY_NAMES`].
    more_keywords: &'static [&'static str],
    /// Whether the names are keywords too.
    names: bool,
    regex: &'static str,
    check: Check,
}

const LEGACY_CONTEXT: &[LegacyRule] = &[
    LegacyRule {
        id: "gitlab-legacy-token-in-context",
        name: "GitLab access token without prefix (legacy), in a GitLab token variable, header or \
               clone URL",
        more_keywords: &["oauth2:", "gitlab-ci-token:"],
        names: true,
        regex: concat!(
            "(?i)(?:",
            legacy_name!(),
            // An assignment (`os.environ["GITLAB_TOKEN"] = …` too), the quotes escaped when the
            // code sits in a JSON string (notebooks);
            r#"(?:\\?["']?\]?\s*(?:[:=]|=>)\s*@?\\?["']?"#,
            // or the name of a name/value pair: a HAR header `{"name": "PRIVATE-TOKEN", "value":
            // "…"}`, a CI/CD variable from the API `{"key": "GITLAB_TOKEN", …, "value": "…"}`.
            r#"|"\s*,[^{}]{0,160}?"value"\s*:\s*")"#,
            // GitLab's documented clone URLs for tokens: `https://oauth2:<token>@host/…`, and
            // `gitlab-ci-token:<job token>@` in CI.
            r#"|(?:oauth2|gitlab-ci-token):)"#,
            legacy_body!()
        ),
        check: Check::LegacyContext,
    },
    LegacyRule {
        id: "gitlab-legacy-token-in-prose",
        name: "GitLab access token without prefix (legacy), named in the words before it",
        more_keywords: &[],
        names: true,
        // The name, then on its line or up to two lines below, a body standing alone: a mail
        // ("the new GITLAB_API_TOKEN for the staging runner is:" and the token below), a
        // ticket, a table row (`gitlab_token\t{"token": "…"}`). Looser than an assignment, so
        // the body must read as random ([`Check::LegacyProse`]).
        regex: concat!(
            "(?i)",
            legacy_name!(),
            // The name ends there: `GITLAB_TOKEN_FILE` names something else.
            r#"\b[^\n]{0,80}?(?:[ \t"'=:>(,](?:[ \t]*\r?\n){0,2}|(?:[ \t]*\r?\n){1,2})[ \t]*["'`]?"#,
            legacy_body!()
        ),
        check: Check::LegacyProse,
    },
    LegacyRule {
        id: "gitlab-legacy-token-netrc",
        name: "GitLab access token without prefix (legacy), as the password of a GitLab .netrc \
               machine or of its oauth2 or gitlab-ci-token login",
        more_keywords: &["machine"],
        names: false,
        regex: concat!(
            // A machine named after GitLab, or the logins GitLab documents for tokens over HTTPS
            // (`oauth2`, and `gitlab-ci-token` for job tokens).
            r"(?s)machine\s+(?:\S*gitlab\S*\s+(?:login\s+\S+\s+)?|\S+\s+login\s+(?:oauth2|gitlab-ci-token)\s+)password\s+",
            legacy_body!()
        ),
        check: Check::LegacyContext,
    },
    LegacyRule {
        id: "gitlab-legacy-token-netrc-host",
        name: "GitLab access token without prefix (legacy), as the password of a .netrc machine \
               named the way self-managed GitLab instances are (git., code., scm.)",
        more_keywords: &["machine"],
        names: false,
        regex: concat!(
            // `git.`, `code.`, `scm.`, `source.`: what self-managed instances are called, and
            // names other tools' hosts (`nexus.`, `artifactory.`, `pypi.`) do not take.
            r"(?s)machine\s+(?:\S+[.-])?(?:git|code|scm|source|src|vcs)(?:[.-]\S*)?\s+(?:login\s+\S+\s+)?password\s+",
            legacy_body!()
        ),
        // A host's name is a guess: the body must read as random, as in prose.
        check: Check::LegacyProse,
    },
];

const GENERIC_KEYWORDS: &[&str] = &["secret", "token", "password", "passwd", "api_key", "apikey"];
const GENERIC_REGEX: &str = r#"(?i)(?:secret|token|password|passwd|api_?key)[A-Za-z0-9_.-]{0,30}["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+_=.~-]{20,200})"#;
/// Below this many bits per character a value is a word, path or repeated filler.
pub(crate) const GENERIC_MIN_ENTROPY: f64 = 3.5;

impl RuleSet {
    /// The built-in rules for these options.
    ///
    /// # Errors
    /// Only if a rule's regex fails to compile, which for built-ins is a bug (the custom PAT
    /// prefix is escaped).
    pub fn builtin(opts: &RuleOptions) -> Result<RuleSet, Error> {
        let mut rules = Vec::new();
        for spec in GITLAB {
            // The prefix comes from the catalogue, the one token-prefix table.
            let prefix = catalogue_prefix(spec.family);
            let instance = if spec.instance { INSTANCE } else { "" };
            let body = if spec.family == Family::GitlabSession {
                // Session ids are hex; the name itself ends the prefix, no boundary needed.
                "[0-9A-Za-z]".to_string()
            } else {
                BODY.to_string()
            };
            let pattern = format!(
                r"{instance}\b{}{body}{{{MIN_BODY},{}}}",
                regex::escape(prefix),
                spec.max_body
            );
            rules.push(Rule {
                id: spec.id,
                name: spec.name,
                family: Some(spec.family),
                provider: "gitlab",
                keywords: vec![prefix.to_string()],
                encoded_keywords: vec![prefix.to_string()],
                regex: compile(spec.id, &pattern)?,
                window_before: if spec.instance { INSTANCE_WINDOW } else { 0 },
                window_after: spec.max_body,
                check: Check::GitLab,
                confidence: Confidence::Medium,
                then: None,
            });
        }
        if let Some(prefix) = opts.custom_pat_prefix.as_deref().filter(|p| !p.is_empty()) {
            let id = "gitlab-pat-custom-prefix";
            let pattern = format!(r"{}{BODY}{{{MIN_BODY},320}}", regex::escape(prefix));
            rules.push(Rule {
                id,
                name: "GitLab access token with the instance's custom PAT prefix",
                family: Some(Family::PersonalAccessToken),
                provider: "gitlab",
                keywords: vec![prefix.to_string()],
                encoded_keywords: vec![prefix.to_string()],
                regex: compile(id, &pattern)?,
                window_before: 0,
                window_after: 320,
                check: Check::GitLab,
                confidence: Confidence::Medium,
                then: None,
            });
        }
        for spec in THIRD_PARTY {
            rules.push(Rule {
                id: spec.id,
                name: spec.name,
                family: None,
                provider: spec.provider,
                keywords: spec.keywords.iter().map(|k| k.to_string()).collect(),
                encoded_keywords: match spec.encoded {
                    Encoded::Keywords => spec.keywords,
                    Encoded::Names(names) => names,
                }
                .iter()
                .map(|k| k.to_string())
                .collect(),
                regex: compile(spec.id, spec.regex)?,
                window_before: spec.window_before,
                window_after: spec.window_after,
                check: spec.check,
                confidence: spec.confidence,
                then: spec.then,
            });
        }
        // Tokens from before GitLab prefixed them (`glpat-` came in 14.5) are 20 characters of
        // `Devise.friendly_token`; alone they look like any identifier, so only where a GitLab
        // token goes: a GitLab token variable, the `PRIVATE-TOKEN` header, `private_token=`, the
        // password of a `.netrc` machine named after GitLab (or like a self-managed instance),
        // or words naming one just before it.
        for legacy in LEGACY_CONTEXT {
            let names = if legacy.names { LEGACY_NAMES } else { &[] };
            let keywords: Vec<&str> = names.iter().chain(legacy.more_keywords).copied().collect();
            rules.push(Rule {
                id: legacy.id,
                name: legacy.name,
                family: Some(Family::PersonalAccessToken),
                provider: "gitlab",
                keywords: keywords.iter().map(|k| k.to_string()).collect(),
                encoded_keywords: env_names(&keywords),
                regex: compile(legacy.id, legacy.regex)?,
                // `GITLAB_` before a `PRIVATE_TOKEN` stem, `GitL` before `abToken`.
                window_before: 8,
                window_after: 260,
                check: legacy.check,
                confidence: Confidence::Low,
                then: None,
            });
        }
        if opts.generic {
            let id = "generic-high-entropy";
            rules.push(Rule {
                id,
                name: "Generic high-entropy secret assignment",
                family: None,
                provider: "generic",
                keywords: case_variants(GENERIC_KEYWORDS),
                encoded_keywords: GENERIC_KEYWORDS
                    .iter()
                    .map(|k| k.to_ascii_uppercase())
                    .collect(),
                regex: compile(id, GENERIC_REGEX)?,
                window_before: 0,
                window_after: 270,
                check: Check::Entropy(GENERIC_MIN_ENTROPY),
                confidence: Confidence::Low,
                then: None,
            });
        }
        Ok(RuleSet {
            rules,
            identify: IdentifyOptions {
                custom_pat_prefix: opts.custom_pat_prefix.clone(),
                instance_prefix: opts.instance_prefix.clone(),
            },
        })
    }

    /// Look up a rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Decide whether a regex match is reported; `None` drops it (placeholders, low entropy,
    /// a generic hit that is really a GitLab token another rule reports).
    pub(crate) fn verdict(&self, rule: &Rule, secret: &str) -> Option<Verdict> {
        match rule.check {
            Check::GitLab => {
                let id = glir_tokens::identify(secret, &self.identify);
                // identify's only signal for a documentation placeholder is this check text.
                if id.checks.iter().any(|c| c.starts_with("placeholder")) {
                    return None;
                }
                // A checksum or a signature makes a token prove its own form.
                let confidence = match id.layout {
                    _ if !id.structurally_valid => Confidence::Low,
                    Layout::RoutableV0 | Layout::RoutableV1 | Layout::JobTokenJwt => {
                        Confidence::High
                    }
                    // A runner token's partition wraps a routable body whose CRC was checked.
                    Layout::RunnerPartition { .. } if !id.routing.is_empty() => Confidence::High,
                    _ => Confidence::Medium,
                };
                // identify knows runs of one character and typed sequences; a short pattern
                // repeated (`GR1348941123123…`) is filler too. A checksum or a signature
                // proves a token whatever its characters, so only bodies without one are
                // judged by their look.
                let body = secret.trim().get(id.prefix.len()..).unwrap_or_default();
                if confidence != Confidence::High && is_repeated_body(body) {
                    return None;
                }
                Some(Verdict {
                    structurally_valid: id.structurally_valid,
                    identification: Some(id),
                    confidence,
                })
            }
            // `Devise.friendly_token` draws from upper and lower case alike: twenty characters
            // without a lower-case letter (an AWS key id in a `PRIVATE-TOKEN` header) come from
            // another issuer.
            Check::LegacyContext | Check::LegacyProse => {
                (secret.bytes().any(|b| b.is_ascii_lowercase())
                    && !is_placeholder(secret)
                    && (matches!(rule.check, Check::LegacyContext) || reads_random(secret)))
                .then_some(Verdict {
                    structurally_valid: !secret.bytes().any(|b| b"lIO0".contains(&b)),
                    identification: None,
                    confidence: rule.confidence,
                })
            }
            Check::Format => (!is_placeholder(secret)).then_some(Verdict {
                structurally_valid: true,
                identification: None,
                confidence: rule.confidence,
            }),
            // Not `is_placeholder`: OpenSSH keys hold long runs of `A` (zeroed length fields).
            Check::PemBlock => is_key_material(secret).then_some(Verdict {
                structurally_valid: true,
                identification: None,
                confidence: rule.confidence,
            }),
            Check::Slack => {
                let secret_part = secret.rsplit('-').next().unwrap_or_default();
                let keep =
                    !is_placeholder(secret) && secret_part.bytes().any(|b| b.is_ascii_alphabetic());
                keep.then_some(Verdict {
                    structurally_valid: true,
                    identification: None,
                    confidence: rule.confidence,
                })
            }
            Check::AwsSecret => looks_random_base64(secret).then_some(Verdict {
                structurally_valid: true,
                identification: None,
                confidence: rule.confidence,
            }),
            Check::Entropy(min) => {
                let known = glir_tokens::identify(secret, &self.identify).family != Family::Unknown;
                let keep = !known && !is_placeholder(secret) && shannon_entropy(secret) >= min;
                keep.then_some(Verdict {
                    structurally_valid: true,
                    identification: None,
                    confidence: rule.confidence,
                })
            }
        }
    }
}

fn compile(rule: &'static str, pattern: &str) -> Result<Regex, Error> {
    RegexBuilder::new(pattern)
        .size_limit(32 << 20)
        .build()
        .map_err(|source| Error::Regex { rule, source })
}

/// `secret`, `SECRET`, `Secret`: the prefilter is case-sensitive (Teddy stays available), so
/// the casings that occur in configs and env dumps are listed.
/// A family's prefix in `glir_tokens::PREFIXES`. Every family in `GITLAB` is in it (a test
/// holds both lists equal), so the empty fallback is never used.
fn catalogue_prefix(family: Family) -> &'static str {
    glir_tokens::PREFIXES
        .iter()
        .find(|(_, f)| *f == family)
        .map_or("", |(prefix, _)| prefix)
}

/// The keywords spelled as environment variables and headers are: no lower-case letter.
fn env_names(keywords: &[&str]) -> Vec<String> {
    keywords
        .iter()
        .filter(|k| !k.bytes().any(|b| b.is_ascii_lowercase()))
        .map(|k| k.to_string())
        .collect()
}

fn case_variants(words: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for word in words {
        let mut capital = word.to_string();
        capital[..1].make_ascii_uppercase();
        for variant in [word.to_string(), word.to_ascii_uppercase(), capital] {
            if !out.contains(&variant) {
                out.push(variant);
            }
        }
    }
    out
}

/// Documentation and test placeholders for third-party formats. AWS marks every documented
/// sample credential with `EXAMPLE` (`AKIAIOSFODNN7EXAMPLE`,
/// `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`), so those are dropped rather than reported:
/// they are public and reporting them would bury real findings in doc snippets.
pub(crate) fn is_placeholder(secret: &str) -> bool {
    secret.contains("${")
        || secret.contains('<')
        || glir_tokens::has_placeholder_word(secret)
        || glir_tokens::is_filler(secret)
        || is_repeated_body(secret)
}

/// Whether `secret`, or its last part after a `-` or `_` (the body after a prefix or a token's
/// ids: `sk_live_123123…`, `xoxb-<ids>-abcabc…`), is [`is_repeated_pattern`] filler.
fn is_repeated_body(secret: &str) -> bool {
    is_repeated_pattern(secret)
        || secret
            .rsplit(['-', '_'])
            .next()
            .is_some_and(is_repeated_pattern)
}

/// Bodies shorter than this are not judged by [`is_repeated_pattern`]: a short random tail
/// (`…_aa`) repeats by chance.
const MIN_REPEATED_BODY: usize = 12;

/// Whether `body` is one short pattern (at most four characters) repeated to fill it, as
/// people type filler: `123123123…`, `abababab…`, `ab12ab12…` (case and `-`/`_`
/// ignored, as [`glir_tokens::is_filler`] does). A random body of 12 characters or more does
/// this about once in 10^12.
pub(crate) fn is_repeated_pattern(body: &str) -> bool {
    const MAX_PATTERN: usize = 4;
    let chars: Vec<u8> = body
        .bytes()
        .filter(|b| *b != b'-' && *b != b'_')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    chars.len() >= MIN_REPEATED_BODY
        && (1..=MAX_PATTERN).any(|period| chars[period..] == chars[..chars.len() - period])
}

/// How far after its BEGIN line's keyword an armored PGP private key block may end: twice the
/// 8 KiB a PEM block is read to (`gpg --export-secret-keys --armor` of an RSA-4096 key with its
/// encryption subkey is about 7 KiB).
const PGP_MAX_BLOCK: usize = 16 << 10;

/// Fewer base64 characters than this between a PEM block's markers are not a key: the
/// smallest private key GitLab users hold (Ed25519 in PKCS#8) has 64.
const MIN_PEM_BODY: usize = 64;

/// Whether a canonical PEM block's body is base64 key material, not prose, a placeholder or an
/// example cut short with an ellipsis. Lines may carry other text around the base64 (headers
/// such as `Proc-Type:`, a job log's timestamps), so the test is enough base64 with at least
/// one long unbroken run of it.
fn is_key_material(block: &str) -> bool {
    const LONG_RUN: usize = 40;
    // Random key material uses most of the alphabet; `XXXX…` or `AAAA…` filler does not.
    const MIN_DISTINCT: usize = 16;
    let is_base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let (mut total, mut longest) = (0, 0);
    let mut seen = [false; 256];
    for line in block.lines() {
        if line.starts_with("-----") {
            continue;
        }
        if line.contains("...") || line.contains('…') {
            return false;
        }
        for run in line.as_bytes().split(|&b| !is_base64(b)) {
            total += run.len();
            longest = longest.max(run.len());
            run.iter().for_each(|&b| seen[usize::from(b)] = true);
        }
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    total >= MIN_PEM_BODY && longest >= LONG_RUN && distinct >= MIN_DISTINCT
}

/// The PEM block as a `.pem` file holds it: escaped line breaks (`\n` in JSON strings) made
/// real, each line stripped of indentation (YAML block scalars, heredocs in scripts) and of
/// the quotes and continuation marks of source strings, empty lines dropped.
pub(crate) fn canonical_pem(block: &[u8]) -> String {
    let text = String::from_utf8_lossy(block)
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\r\n", "\n");
    text.lines()
        .map(|line| line.trim_matches(|c: char| c.is_ascii_whitespace() || "\"'\\".contains(c)))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Least entropy of a random 40-character base64 string in practice (expected ≈ 4.9 bits per
/// character; hex digests stay under 4).
const MIN_AWS_SECRET_ENTROPY: f64 = 4.2;

/// Upper and lower case, digits and high entropy: what 30 random bytes in base64 look like.
fn looks_random_base64(secret: &str) -> bool {
    let has = |class: fn(&u8) -> bool| secret.as_bytes().iter().any(class);
    has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_lowercase)
        && has(u8::is_ascii_digit)
        && !is_placeholder(secret)
        && shannon_entropy(secret) >= MIN_AWS_SECRET_ENTROPY
}

/// Fewest changes of character class (upper, lower, digit, other) between neighbours for
/// [`reads_random`]. Twenty random URL-safe characters change class 12 times on average and fewer
/// than 6 about once in a thousand; a word with a number changes a few times.
const MIN_CLASS_CHANGES: usize = 6;

/// Whether `secret` reads as random characters rather than words: upper and lower case, at
/// least [`MIN_CLASS_CHANGES`] changes of class along it, and not three or more capitalised words
/// without a digit (`MyStagingRunnerToken`), which twenty random characters are about once in
/// five hundred.
fn reads_random(secret: &str) -> bool {
    let class = |b: u8| match b {
        b'A'..=b'Z' => 0,
        b'a'..=b'z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let bytes = secret.as_bytes();
    let changes = bytes
        .windows(2)
        .filter(|pair| class(pair[0]) != class(pair[1]))
        .count();
    // A capital followed by at least three lower-case letters.
    let words = bytes
        .windows(4)
        .filter(|w| w[0].is_ascii_uppercase() && w[1..].iter().all(u8::is_ascii_lowercase))
        .count();
    bytes.iter().any(u8::is_ascii_uppercase)
        && bytes.iter().any(u8::is_ascii_lowercase)
        && changes >= MIN_CLASS_CHANGES
        && (words < 3 || bytes.iter().any(u8::is_ascii_digit))
}

/// Shannon entropy in bits per byte: how random a value reads.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefixed_family_has_a_rule() {
        // Both ways: every catalogue prefix has exactly one rule, every GitLab rule is in the
        // catalogue; a family added to `glir_tokens::PREFIXES` alone fails here.
        let set = RuleSet::builtin(&RuleOptions::default()).unwrap();
        for (prefix, family) in glir_tokens::PREFIXES {
            let rules: Vec<_> = set
                .rules
                .iter()
                .filter(|r| r.family == Some(*family) && r.keywords == [prefix.to_string()])
                .collect();
            assert_eq!(rules.len(), 1, "{family:?} ({prefix}) needs one rule");
        }
        for spec in GITLAB {
            assert!(
                glir_tokens::PREFIXES.iter().any(|(_, f)| *f == spec.family),
                "{} is not in the catalogue",
                spec.id
            );
        }
    }

    #[test]
    fn generic_only_on_request_and_custom_prefix_adds_a_keyword() {
        let plain = RuleSet::builtin(&RuleOptions::default()).unwrap();
        assert!(plain.get("generic-high-entropy").is_none());
        assert!(plain.get("gitlab-pat-custom-prefix").is_none());
        let opts = RuleOptions {
            custom_pat_prefix: Some("acmepat_".into()),
            generic: true,
            ..RuleOptions::default()
        };
        let set = RuleSet::builtin(&opts).unwrap();
        assert!(set.get("generic-high-entropy").is_some());
        let custom = set.get("gitlab-pat-custom-prefix").unwrap();
        assert_eq!(custom.keywords, vec!["acmepat_".to_string()]);
    }

    #[test]
    fn entropy_and_placeholders() {
        assert!(shannon_entropy("aaaaaaaaaaaaaaaaaaaa") < 0.01);
        assert!(shannon_entropy("q8Zt3LmP0vX7rKw2NfYs") > 4.0);
        assert!(is_placeholder("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_placeholder("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!is_placeholder("AKIAQ7RZ2MX5KD3VTL4P"));
    }

    #[test]
    fn the_aws_secret_names_all_go_on_to_key() {
        let set = RuleSet::builtin(&RuleOptions::default()).unwrap();
        let then = set.get("aws-secret-access-key").unwrap().then.unwrap();
        let after_keyword = |text: &str| {
            let end = text.to_ascii_lowercase().find("secret").unwrap() + "secret".len();
            then.follows(text.as_bytes(), end)
        };
        for name in [
            "aws_secret_access_key",
            "SecretAccessKey",
            "secret-access-key",
            "credentials.secret-key",
            "awsSecretKey",
            "AWS_SECRET_KEY",
            "aws.secretkey",
        ] {
            assert!(after_keyword(name), "{name}");
        }
        for other in [
            "kind: Secret",
            "client_secret: abc",
            "secretName: tls",
            "secret",
        ] {
            assert!(!after_keyword(other), "{other}");
        }
    }

    #[test]
    fn a_short_pattern_repeated_is_filler() {
        for filler in [
            "123123123123123123123",
            "abababababab",
            "ab12AB12ab12ab12ab12",
            "12-12-12-12-12-12",
            "zzzzzzzzzzzz",
        ] {
            assert!(is_repeated_pattern(filler), "{filler}");
        }
        for body in [
            // Too short to tell, a period of five, a pattern that stops, random.
            "12312312312",
            "abcdeabcdeabcdeabcde",
            "123123123123123123x",
            "q8Zt3LmP0vX7rKw2NfYs",
        ] {
            assert!(!is_repeated_pattern(body), "{body}");
        }
        // The body after a prefix or the ids is what repeats.
        assert!(is_placeholder("sk_live_123123123123123123123123"));
        assert!(is_placeholder(
            "xoxb-1234567890-98765432101-abcabcabcabcabcabcabcabc"
        ));
        // Spelled at run time: a literal would be a finding of its own.
        let live = format!("{}_live_{}", "sk", "q8Zt3LmP0vX7rKw2NfYs1234");
        assert!(!is_placeholder(&live));
        // A random tail too short to judge is not filler.
        assert!(!is_placeholder("q8Zt3LmP0vX7rKw2Nf_aa"));
    }

    #[test]
    fn the_secret_part_of_a_slack_token_is_not_an_id() {
        let set = RuleSet::builtin(&RuleOptions::default()).unwrap();
        let rule = set.get("slack-token").unwrap();
        let keep = |token: &str| set.verdict(rule, token).is_some();
        // Made-up ids and a made-up hex secret, spelled out at run time.
        let ids = "830215749163-602918374651-715293846021";
        let hex: String = (0..32u32)
            .map(|i| char::from_digit((i * 7 + 3) % 16, 16).unwrap())
            .collect();
        assert!(keep(&format!("xoxp-{ids}-{hex}")));
        assert!(!keep(&format!("xoxp-{ids}-924613580271")));
        assert!(!keep(&format!("xoxb-{ids}-{}", "x".repeat(24))));
    }
}
