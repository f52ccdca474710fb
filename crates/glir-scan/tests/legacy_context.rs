//! Unprefixed legacy GitLab tokens (before `glpat-`), found where only a GitLab token goes.

mod common;

use common::findings;
use glir_scan::Confidence;

/// A body `Devise.friendly_token` could make: 20 URL-safe characters without l, I, O or 0.
const BODY: &str = "Zq3xK9wPm2Rt7yVb4Nc8";

#[test]
fn in_a_gitlab_variable_a_header_or_a_netrc_machine() {
    for text in [
        format!("export GITLAB_TOKEN={BODY}\n"),
        format!("gitlab_token: \"{BODY}\"\n"),
        format!("curl -H 'PRIVATE-TOKEN: {BODY}' https://gitlab.example.com/api/v4/user\n"),
        format!("https://gitlab.example.com/api/v4/projects?private_token={BODY}&per_page=1\n"),
        format!("machine gitlab.example.com\n  login dana\n  password {BODY}\n"),
        format!("machine git.corp.example.net login oauth2 password {BODY}\n"),
        format!("git clone https://oauth2:{BODY}@git.corp.example.net/infra/app.git\n"),
        format!("{{\n  \"name\": \"PRIVATE-TOKEN\",\n  \"value\": \"{BODY}\"\n}}\n"),
        format!(
            "[{{\"variable_type\": \"env_var\", \"key\": \"GITLAB_TOKEN\", \"protected\": true, \"value\": \"{BODY}\"}}]\n"
        ),
        format!("gitlab.api.token={BODY}\n"),
        format!("gitlab.private.token={BODY}\n"),
        format!("gitlab_api_token       = \"{BODY}\"\n"),
        format!("const gitlabToken = '{BODY}';\n"),
        format!("    public const string GitlabApiToken = @\"{BODY}\";\n"),
        format!("    \"os.environ[\\\"GITLAB_TOKEN\\\"] = \\\"{BODY}\\\"\\n\",\n"),
        format!("machine code.acme.io\n  login gitlab-ci-token\n  password {BODY}\n"),
        format!("url = https://gitlab-ci-token:{BODY}@code.acme.io/g/p.git\n"),
    ] {
        found_once_at_its_line(&text);
    }
}

/// `text` holds [`BODY`] once, as one low-confidence legacy GitLab token on the line it is on
/// (not where its context starts), structurally sound.
fn found_once_at_its_line(text: &str) {
    let found = findings(text);
    assert_eq!(found.len(), 1, "{text}");
    let line = text.lines().position(|l| l.contains(BODY)).unwrap() + 1;
    let glir_scan::Location::File { line: at, .. } = found[0].location else {
        panic!("{:?}", found[0].location)
    };
    assert_eq!(at, line, "{text}");
    assert_eq!(found[0].provider, "gitlab");
    assert!(found[0].rule.starts_with("gitlab-legacy"), "{text}");
    assert_eq!(found[0].confidence, Confidence::Low);
    assert_eq!(found[0].invalid, None, "{text}");
    assert_eq!(
        found[0].fingerprint,
        glir_redact::fingerprint(BODY),
        "{text}"
    );
}

/// No legacy GitLab token is reported in `text`.
fn no_legacy_token(text: &str) {
    assert!(
        findings(text)
            .iter()
            .all(|f| !f.rule.starts_with("gitlab-legacy")),
        "{text}"
    );
}

#[test]
fn not_elsewhere_nor_when_the_generator_could_not_have_made_it() {
    for text in [
        // The same string anywhere else is an identifier.
        format!("cache_key = {BODY}\n"),
        format!("machine github.com login dana password {BODY}\n"),
        // Longer than a legacy body, or a prefixed token another rule reports.
        format!("GITLAB_TOKEN={BODY}x\n"),
    ] {
        no_legacy_token(&text);
    }
    // Twenty characters without a lower-case letter are not the generator's: an AWS key id
    // pasted into a GitLab header is reported as what it is.
    let aws = findings("curl -H 'PRIVATE-TOKEN: AKIA2E3F4G5H6J7K2L3M' https://x\n");
    assert_eq!(aws.len(), 1);
    assert_eq!(aws[0].rule, "aws-access-key-id");
    let prefixed = findings(&format!("GITLAB_TOKEN=glpat-{BODY}\n"));
    assert_eq!(prefixed.len(), 1);
    assert_eq!(prefixed[0].rule, "gitlab-pat");
    // l, I, O and 0 never come out of Devise.friendly_token.
    let typed = findings("GITLAB_TOKEN=my0ldTokenIsStillHer\n");
    assert_eq!(typed.len(), 1);
    assert!(typed[0].invalid.is_some());
}

/// A body a person might type: a name of capitalised words.
const WORDS: &str = "MyStagingRunnerToken";

#[test]
fn named_in_prose_a_table_row_or_a_self_managed_hosts_netrc() {
    for text in [
        format!(
            "Hi team,\n\nthe new GITLAB_API_TOKEN for the staging runner is:\n\n{BODY}\n\nplease rotate it after the migration.\n"
        ),
        format!("Use this GITLAB_TOKEN for the mirror: {BODY}\n"),
        format!(
            "2\tgitlab_token\t{{\"token\": \"{BODY}\", \"enabled\": true}}\t2024-01-08 10:22:33+00\n"
        ),
        format!("machine git.corp.internal\n  login deploy\n  password {BODY}\n"),
        format!("machine code.acme.io login alice password {BODY}\n"),
        format!("The GITLAB_TOKEN of the backup job is\n{BODY}\n"),
        format!("machine scm.example.org\nlogin ci\npassword {BODY}\n"),
    ] {
        found_once_at_its_line(&text);
    }
}

#[test]
fn loose_contexts_want_a_body_that_reads_random() {
    for text in [
        // Words, a name, or another tool's host.
        format!("the GITLAB_TOKEN for staging lives in {WORDS}\n"),
        "GITLAB_TOKEN rotation is tracked in the_rotation_tracker\n".to_string(),
        format!("GITLAB_TOKEN_FILE points at {BODY}\n"),
        format!("machine git.corp.internal login deploy password {WORDS}\n"),
        format!("machine nexus.internal.acme.io login deploy password {BODY}\n"),
        format!("machine artifactory.example.net\n  login deploy\n  password {BODY}\n"),
        // More than two lines below the name is no longer about it.
        format!("GITLAB_TOKEN is:\n\n\n{BODY}\n"),
    ] {
        no_legacy_token(&text);
    }
    // An assignment is context enough: a typed body there is still reported (as the context
    // rule always did), only the looser contexts ask more of it.
    assert_eq!(findings(&format!("GITLAB_TOKEN={WORDS}\n")).len(), 1);
    let oauth = format!("machine git.corp.internal login oauth2 password {WORDS}\n");
    assert_eq!(findings(&oauth).len(), 1, "{oauth}");
}

#[test]
fn named_in_a_mails_base64_part() {
    use base64::Engine as _;
    let body = format!(
        "Hi team,\n\nthe new GITLAB_API_TOKEN for the staging runner is:\n\n{BODY}\n\nAlice\n"
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mail = format!(
        "From: Alice <alice@example.com>\nSubject: runner\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n{}\n",
        wrapped.join("\n")
    );
    let scanner = glir_scan::Scanner::new(
        glir_scan::RuleSet::builtin(&glir_scan::RuleOptions::default()).unwrap(),
    )
    .unwrap();
    let mut found = Vec::new();
    scanner.scan_content(mail.as_bytes(), &mut |m| {
        found.push((
            m.rule.id,
            glir_redact::fingerprint(&m.secret),
            m.line,
            m.encoding.to_string(),
        ));
    });
    assert_eq!(
        found,
        vec![(
            "gitlab-legacy-token-in-prose",
            glir_redact::fingerprint(BODY),
            6,
            "base64".to_string()
        )]
    );
}
