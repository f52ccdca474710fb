//! `POST /api/graphql` for audit event streaming destinations: allowed, forbidden (200 with
//! `errors` and `null` data, as GraphQL answers), unknown fields, and bad tokens.

mod common;

use common::{from_json, graphql};
use serde_json::{Value, json};

const POSTURE: &str = include_str!("fixtures/posture.json");
const ROOT: &str = "glpat-PostureRoot0000001";
const OWNER: &str = "glpat-PostureOwner000001";
const DEV: &str = "glpat-PostureDev00000001";

const INSTANCE: &str =
    "query { instanceExternalAuditEventDestinations { nodes { id name destinationUrl } } }";
const GROUP: &str = "query($fullPath: ID!) {\n  group(fullPath: $fullPath) {\n    externalAuditEventDestinations { nodes { id name destinationUrl } }\n  }\n}";

const DENIED: &str = "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

#[tokio::test]
async fn administrators_of_an_ultimate_instance_list_its_destinations() {
    let sim = from_json(POSTURE).await;
    let (status, body) = graphql(&sim, Some(ROOT), INSTANCE, json!({})).await;
    assert_eq!(status, 200);
    let nodes = &body["data"]["instanceExternalAuditEventDestinations"]["nodes"];
    assert_eq!(nodes[0]["destinationUrl"], "http://127.0.0.1:9/unused");
    assert_eq!(nodes[0]["name"], "127.0.0.1");
    assert!(
        nodes[0]["id"]
            .as_str()
            .is_some_and(|id| id
                .starts_with("gid://gitlab/AuditEvents::InstanceExternalAuditEventDestination/")),
        "{body}"
    );
    assert!(body.get("errors").is_none());
}

#[tokio::test]
async fn others_get_null_and_graphqls_permission_error() {
    let sim = from_json(POSTURE).await;
    for token in [Some(OWNER), None] {
        let (status, body) = graphql(&sim, token, INSTANCE, json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(
            body["data"],
            json!({"instanceExternalAuditEventDestinations": null})
        );
        assert_eq!(body["errors"][0]["message"], DENIED);
        assert_eq!(
            body["errors"][0]["path"],
            json!(["instanceExternalAuditEventDestinations"])
        );
        assert_eq!(
            body["errors"][0]["locations"],
            json!([{"line": 1, "column": 9}])
        );
    }
    let premium = POSTURE.replace(r#""tier": "ultimate""#, r#""tier": "premium""#);
    let sim = from_json(&premium).await;
    let (_, body) = graphql(&sim, Some(ROOT), INSTANCE, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"], DENIED,
        "streaming is Ultimate"
    );
}

#[tokio::test]
async fn group_owners_list_their_top_level_groups_destinations() {
    let sim = from_json(POSTURE).await;
    let (status, body) = graphql(&sim, Some(OWNER), GROUP, json!({"fullPath": "acme"})).await;
    assert_eq!(status, 200);
    let nodes = &body["data"]["group"]["externalAuditEventDestinations"]["nodes"];
    assert_eq!(nodes[0]["destinationUrl"], "https://siem.posture.test/acme");

    let (_, body) = graphql(&sim, Some(DEV), GROUP, json!({"fullPath": "acme"})).await;
    assert_eq!(
        body["data"],
        json!({"group": {"externalAuditEventDestinations": null}})
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["group", "externalAuditEventDestinations"])
    );
    assert_eq!(
        body["errors"][0]["locations"],
        json!([{"line": 3, "column": 5}])
    );

    // A group the caller cannot see is simply null, without an error.
    let (_, body) = graphql(&sim, None, GROUP, json!({"fullPath": "acme"})).await;
    assert_eq!(body, json!({"data": {"group": null}}));
}

#[tokio::test]
async fn unknown_fields_and_bad_tokens_are_graphqls_errors() {
    let sim = from_json(POSTURE).await;
    let (status, body) =
        graphql(&sim, Some(ROOT), "{ projects { nodes { id } } }", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'projects' doesn't exist on type 'Query'"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "undefinedField");
    assert!(body.get("data").is_none());

    let ce = POSTURE.replace(r#""tier": "ultimate""#, r#""enterprise": false"#);
    let sim_ce = from_json(&ce).await;
    let (_, body) = graphql(&sim_ce, Some(ROOT), INSTANCE, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'instanceExternalAuditEventDestinations' doesn't exist on type 'Query'"
    );

    let (status, body) =
        graphql(&sim, Some("glpat-NotARealToken000001"), INSTANCE, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"errors": [{"message": "Invalid token"}]}));
    assert_eq!(body["data"], Value::Null);
}
