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
        format!("gitlab_api_token       = \"{BODY}\"\n"),
        format!("const gitlabToken = '{BODY}';\n"),
        format!("    public const string GitlabApiToken = @\"{BODY}\";\n"),
        format!("    \"os.environ[\\\"GITLAB_TOKEN\\\"] = \\\"{BODY}\\\"\\n\",\n"),
        format!("machine code.acme.io\n  login gitlab-ci-token\n  password {BODY}\n"),
        format!("url = https://gitlab-ci-token:{BODY}@code.acme.io/g/p.git\n"),
    ] {
        let found = findings(&text);
        assert_eq!(found.len(), 1, "{text}");
        // Reported where the token is, not where its context starts.
        let line = text.lines().position(|l| l.contains(BODY)).unwrap() + 1;
        let glir_scan::Location::File { line: at, .. } = found[0].location else {
            panic!("{:?}", found[0].location)
        };
        assert_eq!(at, line, "{text}");
        assert_eq!(found[0].provider, "gitlab");
        assert_eq!(found[0].confidence, Confidence::Low);
        assert_eq!(found[0].invalid, None, "{text}");
        assert_eq!(found[0].fingerprint, glir_redact::fingerprint(BODY));
    }
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
        assert!(
            findings(&text)
                .iter()
                .all(|f| !f.rule.starts_with("gitlab-legacy")),
            "{text}"
        );
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
