//! The secret must not appear in any field, in Debug, or in the serialized form.

mod common;

use common::{Rng, Version, friendly, hex, jwt, routable};
use glir_tokens::{IdentifyOptions, identify};
use serde_json::json;

#[test]
fn no_field_debug_or_json_contains_the_secret() {
    let mut rng = Rng::new(99);
    let header = json!({"alg": "RS256"});
    let claims = json!({"sub": "gid://gitlab/Ci::Build/5", "aud": "gitlab-authz-token", "exp": 1});
    let tokens = [
        format!("glpat-{}", friendly(&mut rng, 20)),
        routable("glpat-", &[("o", 1), ("u", 2)], [0x5a; 16], Version::V1),
        routable("acme-glrt-", &[("o", 1), ("p", 3)], [0x17; 16], Version::V0),
        format!("glcbt-1f_{}", friendly(&mut rng, 20)),
        format!("glcbt-{}", jwt(&header, &claims)),
        format!("gloas-{}", hex(&mut rng, 32)),
        format!("glrt-t2_{}", friendly(&mut rng, 20)),
        "glpat-xxxxxxxxxxxxxxxxxxxx".to_string(),
    ];
    let opts = IdentifyOptions {
        instance_prefix: Some("acme".into()),
        ..IdentifyOptions::default()
    };
    for token in &tokens {
        let id = identify(token, &opts);
        let body = &token[id.prefix.len().min(token.len())..];
        let debug = format!("{id:?}");
        let json = serde_json::to_string(&id).expect("serializable");
        for shown in [&debug, &json] {
            assert!(!shown.contains(token.as_str()), "token in {shown}");
            // The secret part minus the last four characters redact() keeps.
            let secret_part = &body[..body.len() - 4];
            assert!(
                !shown.contains(secret_part),
                "body of {} in {shown}",
                id.redacted
            );
        }
        assert_eq!(id.fingerprint, glir_tokens::fingerprint(token));
        assert_eq!(id.redacted, glir_tokens::redact(token));
    }
}
