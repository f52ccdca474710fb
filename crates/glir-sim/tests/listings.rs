//! `GET /projects`, `GET /groups` and `GET /projects/:id/members/all`: who sees what, with
//! GitLab's offset and keyset paging.

mod common;

use common::{from_json, get, get_json, header, ids, link};

const POSTURE: &str = include_str!("fixtures/posture.json");
const ROOT: &str = "glpat-PostureRoot0000001";
const OWNER: &str = "glpat-PostureOwner000001";
const MAINT: &str = "glpat-PostureMaint000001";
const OUTSIDER: &str = "glpat-PostureOutsider001";

#[tokio::test]
async fn admins_list_every_project_others_their_own_and_the_open_ones() {
    let sim = from_json(POSTURE).await;
    let (status, body) = get_json(&sim, ROOT, "/projects?order_by=id&sort=asc").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![20, 21, 22, 23]);
    // 23 is internal (any signed-in user), 22 public; 20 and 21 are private to acme.
    let (_, body) = get_json(&sim, OUTSIDER, "/projects?order_by=id&sort=asc").await;
    assert_eq!(ids(&body), vec![22, 23]);
    let (_, body) = get_json(&sim, MAINT, "/projects?membership=true").await;
    assert_eq!(ids(&body), vec![20]);
    let (_, body) = get_json(&sim, ROOT, "/projects?archived=false&order_by=id&sort=asc").await;
    assert_eq!(ids(&body), vec![20, 21, 22]);
    let (_, body) = get_json(&sim, ROOT, "/projects?visibility=public").await;
    assert_eq!(ids(&body), vec![22]);
    let (_, body) = get_json(&sim, ROOT, "/projects?simple=true&order_by=id&sort=asc").await;
    assert!(body[0].get("visibility").is_none(), "BasicProjectDetails");
    assert_eq!(body[0]["path_with_namespace"], "acme/app");
    let (_, body) = get_json(&sim, ROOT, "/projects?statistics=true&per_page=1").await;
    assert!(body[0]["statistics"].is_object());
    let (status, _) = get_json(&sim, ROOT, "/projects?order_by=stars").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn project_offset_pages_carry_gitlabs_headers() {
    let sim = from_json(POSTURE).await;
    let resp = get(&sim, ROOT, "/projects?order_by=id&sort=asc&per_page=3").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-total"), Some("4"));
    assert_eq!(header(&resp, "x-total-pages"), Some("2"));
    assert_eq!(header(&resp, "x-next-page"), Some("2"));
    let next = link(&resp, "next").expect("a next link");
    assert!(
        next.contains("page=2") && next.contains("order_by=id"),
        "{next}"
    );
    let first: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(ids(&first), vec![20, 21, 22]);
    let resp = reqwest::Client::new()
        .get(next)
        .header("PRIVATE-TOKEN", ROOT)
        .send()
        .await
        .expect("next page");
    assert_eq!(header(&resp, "x-next-page"), Some(""));
    let second: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(ids(&second), vec![23]);
}

#[tokio::test]
async fn project_keyset_walks_by_id_and_refuses_other_orders() {
    let sim = from_json(POSTURE).await;
    let mut url = format!(
        "{}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=2",
        sim.url()
    );
    let mut seen = Vec::new();
    loop {
        let resp = reqwest::Client::new()
            .get(&url)
            .header("PRIVATE-TOKEN", OUTSIDER)
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), 200);
        let next = link(&resp, "next");
        let body: serde_json::Value = resp.json().await.expect("json");
        seen.extend(ids(&body));
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen, vec![22, 23], "only what the outsider may see");
    let (status, body) = get_json(&sim, ROOT, "/projects?pagination=keyset&order_by=name").await;
    assert_eq!(status, 405);
    assert_eq!(
        body["error"],
        "Keyset pagination is not yet available for this type of request"
    );
}

#[tokio::test]
async fn groups_default_to_all_for_admins_and_to_memberships_for_others() {
    let sim = from_json(POSTURE).await;
    let (status, body) = get_json(&sim, ROOT, "/groups?order_by=id").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![10, 11, 12]);
    let (_, body) = get_json(&sim, ROOT, "/groups?top_level_only=true&order_by=id").await;
    assert_eq!(ids(&body), vec![10, 12]);
    // Sorted by name by default: "Acme", "open", "sub".
    let (_, body) = get_json(&sim, OWNER, "/groups").await;
    assert_eq!(
        ids(&body),
        vec![10, 11],
        "acme and the subgroup it inherits"
    );
    assert!(
        body[0].get("unique_project_download_limit").is_none(),
        "detail only"
    );
    let (_, body) = get_json(&sim, MAINT, "/groups").await;
    assert_eq!(
        ids(&body),
        Vec::<i64>::new(),
        "a project member belongs to no group"
    );
    let (_, body) = get_json(&sim, MAINT, "/groups?all_available=true&order_by=id").await;
    assert_eq!(
        ids(&body),
        vec![10, 12],
        "acme holds a project of theirs; open is public"
    );
    let resp = get(&sim, ROOT, "/groups?per_page=2&order_by=id").await;
    assert_eq!(header(&resp, "x-total"), Some("3"));
    assert_eq!(header(&resp, "x-next-page"), Some("2"));
    let (status, _) = get_json(&sim, ROOT, "/groups?pagination=keyset&order_by=id").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn all_members_of_a_project_include_inherited_ones() {
    let sim = from_json(POSTURE).await;
    let (status, body) = get_json(&sim, OUTSIDER, "/projects/22/members/all").await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["username"], "outsider");
    assert_eq!(body[0]["access_level"], 50);
    let (_, body) = get_json(&sim, MAINT, "/projects/20/members/all").await;
    let levels: Vec<(String, i64)> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap_or_default().to_string(),
                m["access_level"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        vec![
            ("maint".to_string(), 40),
            ("owner".to_string(), 50),
            ("dev".to_string(), 30)
        ]
    );
    let (status, _) = get_json(&sim, OUTSIDER, "/projects/20/members/all").await;
    assert_eq!(status, 404, "a private project is hidden");
}
