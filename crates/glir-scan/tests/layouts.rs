//! Secrets in the layouts real files give them: Kubernetes `.dockerconfigjson` secrets, JSON
//! captures with string escapes, PEM keys in YAML block scalars, JSON strings and heredocs, AWS
//! secret keys next to their key id. Every finding names the layers it was under.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use glir_scan::{Encoding, Layer, Location};

/// What one file's scan reports: (line, rule, encoding, fingerprint).
fn scan_file(name: &str, content: &str) -> Vec<(usize, String, String, String)> {
    common::scan_one_file(name, content.as_bytes())
        .into_iter()
        .map(|f| {
            let Location::File { line, .. } = f.location else {
                panic!("{:?}", f.location)
            };
            (line, f.rule, f.encoding.label(), f.fingerprint)
        })
        .collect()
}

fn fp(secret: &str) -> String {
    glir_redact::fingerprint(secret)
}

#[test]
fn a_dockerconfigjson_secret_is_two_base64_layers_and_says_so() {
    let token = common::routable_pat(31);
    let auth = STANDARD.encode(format!("deployer:{token}"));
    let config = format!(r#"{{"auths":{{"registry.gitlab.example.com":{{"auth":"{auth}"}}}}}}"#);
    // As `docker login` writes it: one layer.
    assert_eq!(
        scan_file("config.json", &config),
        vec![(1, "gitlab-pat".into(), "base64".into(), fp(&token))]
    );
    // As a Kubernetes pull secret holds it: the config itself is base64 too.
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
        STANDARD.encode(&config)
    );
    assert_eq!(
        scan_file("pull-secret.yaml", &manifest),
        vec![(5, "gitlab-pat".into(), "base64>base64".into(), fp(&token))]
    );
}

#[test]
fn json_string_escapes_are_undone_and_named() {
    let token = common::routable_pat(32);
    let escaped_prefix = format!("\\u0067{}", &token[1..]);
    let hook =
        "https:\\/\\/hooks.slack.com\\/services\\/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";
    let capture = format!(
        "{{\n  \"request\": {{\"url\": \"{hook}\"}},\n  \"note\": \"token={escaped_prefix}\"\n}}\n"
    );
    let found = scan_file("capture.har", &capture);
    let expected_hook = hook.replace("\\/", "/");
    assert_eq!(
        found,
        vec![
            (
                2,
                "slack-webhook-url".into(),
                "json-escaped".into(),
                fp(&expected_hook)
            ),
            (3, "gitlab-pat".into(), "json-escaped".into(), fp(&token)),
        ]
    );
    // Base64 whose `/` an encoder escaped: the escapes are undone before decoding. Text with
    // non-ASCII characters puts a `/` mid-group; the escape then splits the run where decoding
    // its second half alone would be misaligned, so only the unescaped copy holds the token.
    let dump = (0..200)
        .map(|pad| {
            let text = format!("NOTE={}ÿé\nGITLAB_TOKEN={token}\n", "a".repeat(pad));
            let start = text.find("glpat-").unwrap();
            let encoded = STANDARD.encode(&text);
            let split = encoded[..start * 4 / 3]
                .rfind('/')
                .is_some_and(|slash| (slash + 1) % 4 != 0);
            (encoded, split)
        })
        .find(|(_, split)| *split)
        .expect("a padding whose base64 has a misaligned `/` before the token")
        .0;
    let json = format!("{{\"env\":\"{}\"}}\n", dump.replace('/', "\\/"));
    assert_eq!(
        scan_file("env.json", &json),
        vec![(
            1,
            "gitlab-pat".into(),
            "json-escaped>base64".into(),
            fp(&token)
        )]
    );
    // A secret readable without undoing anything is reported once, as written.
    let both = format!("{{\"a\":\"x\\/y\",\"t\":\"{token}\"}}\n");
    assert_eq!(
        scan_file("plain.json", &both),
        vec![(1, "gitlab-pat".into(), "plain".into(), fp(&token))]
    );
}

#[test]
fn a_pem_key_is_the_same_key_in_every_layout() {
    let key = common::pem_private_key(33);
    let canonical = fp(&key);
    let indented: String = key.lines().map(|l| format!("    {l}\n")).collect();
    let layouts = [
        ("id_rsa", format!("{key}\n"), 1),
        (
            "values.yaml",
            format!("tls:\n  cert: abc\n  key: |\n{indented}  other: 1\n"),
            4,
        ),
        (
            "sa.json",
            format!(
                "{{\n  \"name\": \"deploy\",\n  \"ssh_key\": {}\n}}\n",
                serde_json::to_string(&format!("{key}\n")).unwrap()
            ),
            3,
        ),
        (
            "install.sh",
            format!(
                "#!/bin/sh\ncat > ~/.ssh/id_rsa <<'EOF'\n{key}\nEOF\nchmod 600 ~/.ssh/id_rsa\n"
            ),
            3,
        ),
        (
            "tls-secret.yaml",
            format!(
                "kind: Secret\ndata:\n  tls.key: {}\n",
                STANDARD.encode(format!("{key}\n"))
            ),
            3,
        ),
    ];
    for (name, content, line) in layouts {
        let found = scan_file(name, &content);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(found[0].0, line, "{name}");
        assert_eq!(found[0].1, "private-key", "{name}");
        assert_eq!(found[0].3, canonical, "{name}: the canonical block");
    }
}

#[test]
fn pem_blocks_that_hold_no_key_are_not_reported() {
    for body in [
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7...\n...",
        "<paste the private key of the deploy user here, keep the markers>",
        "Paste the key here and keep both marker lines as they are written",
    ] {
        let text = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        assert!(scan_file("README.md", &text).is_empty(), "{body}");
    }
}

#[test]
fn an_aws_secret_key_is_found_beside_its_key_id_whatever_its_name() {
    let secret = common::aws_secret(34);
    let id = "AKIA2E3F4G5H6J7K2L3M";
    for (name, content, line) in [
        (
            "deploy.env",
            format!("export AWS_KEY={id}\nexport AWS_SECRET={secret}\n"),
            2,
        ),
        (
            "terraform.tfstate",
            format!(
                "{{\n  \"attributes\": {{\n    \"id\": \"{id}\",\n    \"status\": \"Active\",\n    \"secret\": \"{secret}\"\n  }}\n}}\n"
            ),
            5,
        ),
        (
            "creds.csv",
            format!("user,key,secret\nci,{id},{secret}\n"),
            2,
        ),
    ] {
        let found = scan_file(name, &content);
        let secrets: Vec<_> = found.iter().filter(|f| f.3 == fp(&secret)).collect();
        assert_eq!(secrets.len(), 1, "{name}: {found:?}");
        assert_eq!(secrets[0].0, line, "{name}");
        assert_eq!(secrets[0].1, "aws-secret-access-key-near-key-id", "{name}");
    }
    // Named and beside its id: one finding, not one per rule.
    let ini = format!("[ci]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    let found = scan_file("credentials", &ini);
    assert_eq!(found.iter().filter(|f| f.3 == fp(&secret)).count(), 1);
}

#[test]
fn forty_characters_beside_a_key_id_are_not_always_a_secret() {
    let id = "AKIA2E3F4G5H6J7K2L3M";
    let far = format!("key={id}\n1\n2\n3\n4\nsecret={}\n", common::aws_secret(35));
    for content in [
        format!("key={id}\ncommit=6f1ed002ab5595859014ebf0951522d9f8dd6b2c\n"),
        format!("key={id}\npath=/usr/local/share/applications/defaults\n"),
        // A JWT's segments are base64url joined by dots; one may be 40 characters long.
        format!(
            "key={id}\njwt=eyJhbGciOiJIUzI1NiJ9.{}.sig\n",
            common::aws_secret(40).replace(['/', '+'], "x")
        ),
        far,
    ] {
        let found = scan_file("notes.txt", &content);
        assert!(
            found.iter().all(|f| f.1 == "aws-access-key-id"),
            "{content}: {found:?}"
        );
    }
}

#[test]
fn encodings_read_back_from_their_labels() {
    for layers in [
        &[][..],
        &[Layer::Base64],
        &[Layer::Base64, Layer::Base64],
        &[Layer::JsonEscaped, Layer::Hex],
        &[Layer::Percent, Layer::Base64, Layer::Hex],
    ] {
        let encoding = Encoding::of(layers);
        let json = serde_json::to_string(&encoding).unwrap();
        assert_eq!(serde_json::from_str::<Encoding>(&json).unwrap(), encoding);
        assert_eq!(encoding.layers().collect::<Vec<_>>(), layers);
    }
    assert_eq!(
        Encoding::of(&[Layer::Base64, Layer::Base64]).label(),
        "base64>base64"
    );
    assert!("base64>rot13".parse::<Encoding>().is_err());
    assert!("hex>hex>hex>hex".parse::<Encoding>().is_err());
}

#[test]
fn an_openssh_key_with_zeroed_fields_is_a_key() {
    // `openssh-key-v1\0`, cipher and kdf `none`, one key: runs of `A` are zero bytes.
    let random = common::pem_private_key(36);
    let body: Vec<&str> = random.lines().filter(|l| !l.starts_with("-----")).collect();
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        body.join("\n")
    );
    let found = scan_file("id_ed25519", &key);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "private-key");
}

#[test]
fn a_stand_in_block_does_not_swallow_the_next_key() {
    let key = common::pem_private_key(37);
    let log = format!(
        "{{\"data\": {{\"private_key\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\n(redacted)\\n-----END OPENSSH PRIVATE KEY-----\\n\"}}}}\n{{\"event\": \"rotate\"}}\n{{\"data\": {{\"ssh_key\": {}}}}}\n",
        serde_json::to_string(&key).unwrap()
    );
    let found = scan_file("vault.jsonl", &log);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 3);
    assert_eq!(found[0].3, fp(&key));
}

#[test]
fn stand_ins_are_not_reported() {
    for text in [
        "example_token: \"glpat-your-token-goes-here\"\n",
        "GITLAB_TOKEN=glpat-REDACTED-REDACTED-REDACTED\n",
        "token: glpat-ABCDEFGHIJKLMNOPQRST\n",
        "SLACK_BOT_TOKEN: xoxb-your-bot-token\n",
        "slack_token = \"xoxp-xxxxxxxxxxxx-xxxxxxxxxxxx\"\n",
        "STRIPE_KEY=sk_live_REPLACE_WITH_YOUR_OWN_KEY_1234\n",
    ] {
        assert!(scan_file("config.yml", text).is_empty(), "{text}");
    }
}

#[test]
fn aws_configure_set_names_the_secret_with_a_space() {
    let secret = common::aws_secret(38);
    let notebook =
        format!("    \"os.environ[\\\"AWS_SECRET_ACCESS_KEY\\\"] = \\\"{secret}\\\"\\n\",\n");
    assert_eq!(
        scan_file("analysis.ipynb", &notebook).len(),
        1,
        "{notebook}"
    );
    let spring = format!("cloud.aws.credentials.secret-key={secret}\n");
    assert_eq!(
        scan_file("application.properties", &spring).len(),
        1,
        "{spring}"
    );
    let history = format!("aws configure set aws_secret_access_key {secret} --profile ci\n");
    assert_eq!(
        scan_file(".zsh_history", &history),
        vec![(
            1,
            "aws-secret-access-key".into(),
            "plain".into(),
            fp(&secret)
        )]
    );
}

#[test]
fn a_bare_value_is_read_with_the_name_beside_it() {
    const LEGACY: &str = "Zq3xK9wPm2Rt7yVb4Nc8";
    let once = STANDARD.encode(format!("{LEGACY}\n"));
    let twice = STANDARD.encode(&once);
    let log = format!(
        "\x1b[32;1m$ echo \"$GITLAB_PRIVATE_TOKEN\" | base64\x1b[0;m\n{once}\n\x1b[32;1m$ echo $GITLAB_PRIVATE_TOKEN | base64 -w0 | base64 -w0\x1b[0;m\n{twice}\n$ echo done\n"
    );
    assert_eq!(
        scan_file("job.log", &log),
        vec![
            (
                2,
                "gitlab-legacy-token-in-context".into(),
                "base64".into(),
                fp(LEGACY)
            ),
            (
                4,
                "gitlab-legacy-token-in-context".into(),
                "base64>base64".into(),
                fp(LEGACY)
            ),
        ]
    );
    let secret = common::aws_secret(39);
    let manifest = format!(
        "apiVersion: v1\ndata:\n  gitlab-api-token: {}\n  aws-secret-access-key: {}\nkind: Secret\n",
        STANDARD.encode(LEGACY),
        STANDARD.encode(&secret)
    );
    assert_eq!(
        scan_file("secret.yaml", &manifest),
        vec![
            (
                3,
                "gitlab-legacy-token-in-context".into(),
                "base64".into(),
                fp(LEGACY)
            ),
            (
                4,
                "aws-secret-access-key".into(),
                "base64".into(),
                fp(&secret)
            ),
        ]
    );
    // The same values under another kind carry no name worth trusting.
    let config_map = manifest.replace("kind: Secret", "kind: ConfigMap");
    assert!(scan_file("cm.yaml", &config_map).is_empty());
}

/// An armored PGP block of `kind` (`PRIVATE` or `PUBLIC`) with a random body: headers, a blank
/// line, 64-column base64 and the CRC-24 line, as `gpg --armor` writes them. Not a real key.
fn pgp_block(kind: &str, seed: u64, lines: usize) -> String {
    let mut rng = common::Rng::new(seed);
    let body: Vec<String> = (0..lines).map(|_| rng.pick(common::B64, 64)).collect();
    let marker = |edge: &str| format!("-----{edge} PGP {kind} KEY BLOCK-----");
    format!(
        "{}\nComment: generated for a test\n\n{}\n={}\n{}",
        marker("BEGIN"),
        body.join("\n"),
        rng.pick(common::B64, 4),
        marker("END")
    )
}

#[test]
fn a_pgp_private_key_block_is_a_key_in_every_layout() {
    let key = pgp_block("PRIVATE", 61, 40);
    // The canonical form drops the blank line after the armor headers.
    let canonical = fp(&key.replace("\n\n", "\n"));
    let indented: String = key.lines().map(|l| format!("    {l}\n")).collect();
    for (name, content, line) in [
        ("secret.asc", format!("{key}\n"), 1),
        (
            "values.yaml",
            format!("signing:\n  key: |\n{indented}  other: 1\n"),
            3,
        ),
        (
            "ci.json",
            format!(
                "{{\n  \"GPG_PRIVATE_KEY\": {}\n}}\n",
                serde_json::to_string(&format!("{key}\n")).unwrap()
            ),
            2,
        ),
    ] {
        let found = scan_file(name, &content);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(found[0].0, line, "{name}");
        assert_eq!(found[0].1, "private-key", "{name}");
        assert_eq!(found[0].3, canonical, "{name}: the canonical block");
    }
    // An RSA-4096 key with its subkey runs past 8 KiB armored.
    let big = pgp_block("PRIVATE", 62, 150);
    assert!(big.len() > 9000);
    let found = scan_file("big.asc", &format!("{big}\n"));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn a_pgp_public_key_block_or_an_empty_private_one_is_not_a_finding() {
    let public = pgp_block("PUBLIC", 63, 40);
    assert!(scan_file("pubkey.asc", &format!("{public}\n")).is_empty());
    // Markers around prose or a cut-off body hold no key.
    let begin = format!("-----BEGIN PGP {} KEY BLOCK-----", "PRIVATE");
    let end = format!("-----END PGP {} KEY BLOCK-----", "PRIVATE");
    for body in [
        "paste the exported secret key here, between the two marker lines",
        "lQWGBGSV...\n...",
    ] {
        let text = format!("{begin}\n{body}\n{end}\n");
        assert!(scan_file("README.md", &text).is_empty(), "{body}");
    }
    // A public block followed by a private one: only the private block is reported.
    let private = pgp_block("PRIVATE", 64, 40);
    let both = format!("{public}\n{private}\n");
    let found = scan_file("keys.asc", &both);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, public.lines().count() + 1);
}
