//! Secrets out of `gitlab.rb` and the Rails YAML, in the forms GitLab's own templates and docs
//! use (`gitlab-org/omnibus-gitlab:files/gitlab-config-template/gitlab.rb.template`,
//! https://docs.gitlab.com/administration/auth/ldap/,
//! https://docs.gitlab.com/integration/omniauth/): values gone, names and line numbers kept.

use glir_redact::fingerprint;
use glir_triage::{Syntax, is_secret_key, redact_config};

fn ruby(text: &str) -> String {
    let out = redact_config(text, Syntax::Ruby);
    assert_eq!(
        out.text.lines().count(),
        text.lines().count(),
        "{}",
        out.text
    );
    out.text
}

fn yaml(text: &str) -> String {
    let out = redact_config(text, Syntax::Yaml);
    assert_eq!(
        out.text.lines().count(),
        text.lines().count(),
        "{}",
        out.text
    );
    out.text
}

fn redacted(value: &str) -> String {
    format!("[redacted {}]", fingerprint(value))
}

#[test]
fn secret_keys_lose_their_values_and_keep_their_names() {
    let out = ruby(
        "gitlab_rails['db_password'] = 'p1-Secret'\ngitlab_rails['smtp_password'] = \"p2-Secret\"\ngitlab_rails['otp_key_base'] = 'p3-Secret'\ngitlab_rails['db_host'] = '10.0.0.9'\n",
    );
    assert!(
        out.contains(&format!(
            "gitlab_rails['db_password'] = '{}'",
            redacted("p1-Secret")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "gitlab_rails['smtp_password'] = \"{}\"",
            redacted("p2-Secret")
        )),
        "{out}"
    );
    assert!(!out.contains("p3-Secret"), "{out}");
    assert!(
        out.contains("gitlab_rails['db_host'] = '10.0.0.9'"),
        "{out}"
    );
}

#[test]
fn nested_hashes_symbols_and_arrays_are_followed() {
    let text = r#"gitlab_rails['ldap_servers'] = {
  'main' => {
    'label' => 'LDAP',
    'bind_dn' => 'cn=admin',
    'password' => 'ldap-Secret1',
  }
}
gitlab_rails['omniauth_providers'] = [{ :name => 'saml', :args => { client_secret: 'saml-Secret2', idp_cert_fingerprint: 'AB:CD' } }]
gitlab_rails['active_record_encryption_primary_key'] = ['are-Secret3', 'are-Secret4']
"#;
    let out = ruby(text);
    for secret in ["ldap-Secret1", "saml-Secret2", "are-Secret3", "are-Secret4"] {
        assert!(!out.contains(secret), "{secret}: {out}");
    }
    assert!(out.contains("'bind_dn' => 'cn=admin'"), "{out}");
    assert!(out.contains("idp_cert_fingerprint: 'AB:CD'"), "{out}");
}

#[test]
fn yaml_heredocs_blocks_and_plain_values_are_redacted() {
    let text = "gitlab_rails['ldap_servers'] = YAML.load <<-'EOS'\n  main:\n    bind_dn: 'cn=x'\n    password: plain-Secret5\nEOS\ngitlab_rails['x_private_key'] = <<~KEY\n  whole-Secret6\nKEY\ngitlab_rails['after'] = 'kept'\n";
    let out = ruby(text);
    assert!(
        !out.contains("plain-Secret5") && !out.contains("whole-Secret6"),
        "{out}"
    );
    assert!(
        out.contains("bind_dn: 'cn=x'") && out.contains("gitlab_rails['after'] = 'kept'"),
        "{out}"
    );

    let secrets = "production:\n  secret_key_base: kb-Secret7\n  openid_connect_signing_key: |\n    line-Secret8\n    line-Secret9\n  db_key_base: 'kb-Secret10'\n  ci_jwt_signing_key: ~\n  port: 5432\n";
    let out = yaml(secrets);
    for secret in ["kb-Secret7", "line-Secret8", "line-Secret9", "kb-Secret10"] {
        assert!(!out.contains(secret), "{secret}: {out}");
    }
    assert!(
        out.contains("ci_jwt_signing_key: ~") && out.contains("port: 5432"),
        "{out}"
    );
}

#[test]
fn private_keys_url_passwords_and_tokens_go_wherever_they_are() {
    let text = "registry['internal_key'] = \"-----BEGIN RSA PRIVATE KEY-----\nMIIEpem-Secret11\n-----END RSA PRIVATE KEY-----\"\nexternal_url 'https://gitlab.example.test'\ngitlab_rails['redis_url'] = 'redis://:url-Secret12@10.0.0.5:6379'\n# note glpat-AbCdEfGhIjKlMnOpQrSt\n";
    let out = ruby(text);
    for secret in ["MIIEpem-Secret11", "url-Secret12", "AbCdEfGhIjKlMnOp"] {
        assert!(!out.contains(secret), "{secret}: {out}");
    }
    assert!(out.contains("redis://:[redacted "), "{out}");
    assert!(
        out.contains("external_url 'https://gitlab.example.test'"),
        "{out}"
    );
}

#[test]
fn empty_nil_and_paths_are_kept() {
    let text = "gitlab_rails['db_password'] = nil\ngitlab_rails['smtp_password'] = ''\nnginx['ssl_certificate_key'] = '/etc/gitlab/ssl/x.key'\ngitlab_rails['registry_key_path'] = '/var/opt/gitlab/x.key'\n";
    let out = redact_config(text, Syntax::Ruby);
    assert_eq!(out.text, text);
    assert_eq!(out.values, 0);
}

#[test]
fn secret_key_names() {
    for key in [
        "db_password",
        "secret_token",
        "aws_secret_access_key",
        "otp_key_base",
        "sentry_dsn",
        "bindPassword",
        "credentials",
    ] {
        assert!(is_secret_key(key), "{key}");
    }
    for key in [
        "db_host",
        "ssl_certificate_key",
        "registry_key_path",
        "bind_dn",
        "external_url",
        "keyboard",
        "tls-key-file",
    ] {
        assert!(!is_secret_key(key), "{key}");
    }
}

#[test]
fn command_lines_lose_secret_arguments() {
    let line = "/opt/x/exporter --db-password=cl-Secret1 --token cl-Secret2 --listen :9187 DSN=postgres://u:cl-Secret3@db/x api_key=cl-Secret4";
    let out = glir_triage::redact_command_line(line);
    for secret in ["cl-Secret1", "cl-Secret2", "cl-Secret3", "cl-Secret4"] {
        assert!(!out.contains(secret), "{secret}: {out}");
    }
    assert!(
        out.starts_with("/opt/x/exporter --db-password=[redacted sha256:"),
        "{out}"
    );
    assert!(out.contains(" --listen :9187 "), "{out}");
    let plain = "puma 6.4.0 (unix:///var/opt/gitlab/gitlab-rails/sockets/gitlab.socket) [gitlab-puma-worker]";
    assert_eq!(glir_triage::redact_command_line(plain), plain);
}
