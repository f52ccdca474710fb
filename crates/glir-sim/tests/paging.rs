//! Offset and keyset pagination headers and walks, and the audit event time filters.

mod common;

use common::{ADMIN, get, get_json, header, ids, link, synthetic};
use std::collections::HashSet;

#[tokio::test]
async fn offset_headers_on_a_middle_page() {
    let sim = synthetic(45).await;
    let resp = get(
        &sim,
        ADMIN,
        "/audit_events?per_page=20&page=2&entity_type=Project",
    )
    .await;
    assert_eq!(resp.status(), 200);
    // 45 events, every third is a Project event: 15 of them.
    assert_eq!(header(&resp, "x-total"), Some("15"));
    assert_eq!(header(&resp, "x-total-pages"), Some("1"));
    assert_eq!(header(&resp, "x-page"), Some("2"));
    assert_eq!(header(&resp, "x-next-page"), Some(""));
    assert_eq!(
        header(&resp, "x-prev-page"),
        Some(""),
        "page 2 of 1 is out of range"
    );

    let resp = get(&sim, ADMIN, "/audit_events?per_page=10&page=2").await;
    assert_eq!(header(&resp, "x-total"), Some("45"));
    assert_eq!(header(&resp, "x-total-pages"), Some("5"));
    assert_eq!(header(&resp, "x-per-page"), Some("10"));
    assert_eq!(header(&resp, "x-page"), Some("2"));
    assert_eq!(header(&resp, "x-next-page"), Some("3"));
    assert_eq!(header(&resp, "x-prev-page"), Some("1"));
    let base = format!("{}/api/v4/audit_events?", sim.url());
    assert_eq!(
        link(&resp, "next"),
        Some(format!("{base}page=3&per_page=10"))
    );
    assert_eq!(
        link(&resp, "prev"),
        Some(format!("{base}page=1&per_page=10"))
    );
    assert_eq!(
        link(&resp, "first"),
        Some(format!("{base}page=1&per_page=10"))
    );
    assert_eq!(
        link(&resp, "last"),
        Some(format!("{base}page=5&per_page=10"))
    );
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(ids(&body), (26..=35).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn offset_walk_via_next_links_visits_every_event_once() {
    let sim = synthetic(57).await;
    let client = reqwest::Client::new();
    let mut url = format!("{}/api/v4/audit_events?per_page=8", sim.url());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = client
            .get(&url)
            .header("PRIVATE-TOKEN", ADMIN)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        let next = link(&resp, "next");
        let body: serde_json::Value = resp.json().await.expect("json");
        seen.extend(ids(&body));
        pages += 1;
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(pages, 8);
    assert_eq!(seen, (1..=57).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn per_page_is_capped_at_100_and_defaults_to_20() {
    let sim = synthetic(150).await;
    let resp = get(&sim, ADMIN, "/audit_events?per_page=500").await;
    assert_eq!(header(&resp, "x-per-page"), Some("100"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(ids(&body).len(), 100);
    let (_, body) = get_json(&sim, ADMIN, "/audit_events").await;
    assert_eq!(ids(&body).len(), 20);
    let (status, body) = get_json(&sim, ADMIN, "/audit_events?page=two").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "page is invalid");
}

#[tokio::test]
async fn counts_are_omitted_above_ten_thousand_records() {
    let sim = synthetic(10_001).await;
    let resp = get(&sim, ADMIN, "/audit_events?per_page=100").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-total"), None);
    assert_eq!(header(&resp, "x-total-pages"), None);
    assert!(link(&resp, "last").is_none());
    assert!(link(&resp, "next").is_some());
    assert_eq!(header(&resp, "x-next-page"), Some("2"));
}

#[tokio::test]
async fn keyset_walk_has_no_duplicates_and_no_gaps() {
    let sim = synthetic(253).await;
    let client = reqwest::Client::new();
    let mut url = format!(
        "{}/api/v4/audit_events?pagination=keyset&order_by=id&sort=desc&per_page=50",
        sim.url()
    );
    let mut seen = Vec::new();
    let mut last_page_len;
    loop {
        let resp = client
            .get(&url)
            .header("PRIVATE-TOKEN", ADMIN)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        assert_eq!(
            header(&resp, "x-total"),
            None,
            "keyset paging does not count"
        );
        let next = link(&resp, "next");
        let body: serde_json::Value = resp.json().await.expect("json");
        last_page_len = ids(&body).len();
        seen.extend(ids(&body));
        match next {
            Some(n) => {
                assert!(n.contains("cursor="), "{n}");
                assert!(
                    n.starts_with(&format!("{}/api/v4/audit_events?", sim.url())),
                    "{n}"
                );
                url = n;
            }
            None => break,
        }
    }
    assert_eq!(
        last_page_len, 3,
        "the last page has the remainder and no Link"
    );
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert_eq!(
        seen,
        sim.audit_event_ids().into_iter().rev().collect::<Vec<_>>(),
        "no gaps, id desc"
    );
}

#[tokio::test]
async fn keyset_exact_multiple_ends_without_link() {
    let sim = synthetic(40).await;
    // 40 events: Group ones are ids 1, 4, …, 40 (14 of them) → two full pages of 7.
    let resp = get(
        &sim,
        ADMIN,
        "/groups/acme/audit_events?pagination=keyset&per_page=7",
    )
    .await;
    let mut next = link(&resp, "next");
    let mut pages = vec![ids(&resp.json().await.expect("json"))];
    while let Some(url) = next {
        let resp = reqwest::Client::new()
            .get(&url)
            .header("PRIVATE-TOKEN", ADMIN)
            .send()
            .await
            .expect("request");
        next = link(&resp, "next");
        pages.push(ids(&resp.json().await.expect("json")));
    }
    assert_eq!(pages.len(), 2, "no trailing empty page: {pages:?}");
    assert_eq!(
        pages.concat(),
        (0..14).rev().map(|k| 3 * k + 1).collect::<Vec<i64>>()
    );
}

#[tokio::test]
async fn keyset_only_supports_id_desc_for_audit_events() {
    let sim = synthetic(5).await;
    for query in ["sort=asc", "order_by=created_at"] {
        let (status, body) = get_json(
            &sim,
            ADMIN,
            &format!("/audit_events?pagination=keyset&{query}"),
        )
        .await;
        assert_eq!(status, 405, "{query}");
        assert_eq!(
            body["error"],
            "Keyset pagination is not yet available for this type of request"
        );
    }
    let (status, body) = get_json(&sim, ADMIN, "/audit_events?pagination=keyset&cursor=%%%").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "cursor is invalid");
}

#[tokio::test]
async fn users_keyset_ascending_walk() {
    let sim = synthetic(1).await;
    let resp = get(
        &sim,
        ADMIN,
        "/users?pagination=keyset&order_by=id&sort=asc&per_page=2",
    )
    .await;
    let next = link(&resp, "next").expect("more users");
    let first: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(ids(&first), vec![1, 2]);
    let resp = reqwest::Client::new()
        .get(&next)
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .expect("request");
    assert!(link(&resp, "next").is_none());
    assert_eq!(ids(&resp.json().await.expect("json")), vec![3]);
}

#[tokio::test]
async fn created_after_and_before_are_inclusive() {
    let sim = synthetic(10).await;
    // Event i is at 2026-11-20T00:(i-1):00Z.
    let (status, body) = get_json(
        &sim,
        ADMIN,
        "/audit_events?created_after=2026-11-20T00:03:00Z&created_before=2026-11-20T00:06:00Z",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![7, 6, 5, 4]);
    let (_, body) = get_json(
        &sim,
        ADMIN,
        "/audit_events?created_after=2026-11-20T00:08:00.000%2B00:00",
    )
    .await;
    assert_eq!(ids(&body), vec![10, 9]);
    let (_, body) = get_json(&sim, ADMIN, "/audit_events?created_before=2026-11-20").await;
    assert_eq!(ids(&body), vec![1], "a bare date is midnight UTC");
    let (status, body) = get_json(&sim, ADMIN, "/audit_events?created_after=yesterday").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "created_after is invalid");
}

#[tokio::test]
async fn instance_entity_filters() {
    let sim = synthetic(12).await;
    let (_, body) = get_json(&sim, ADMIN, "/audit_events?entity_type=User&entity_id=2").await;
    // User events are i ≡ 2 (mod 3) with entity = author; dev (id 2) authors i = 3..=5.
    assert_eq!(ids(&body), vec![5]);
    let (_, body) = get_json(&sim, ADMIN, "/audit_events?entity_type=Group").await;
    assert_eq!(ids(&body), vec![10, 7, 4, 1]);
    let (status, body) = get_json(&sim, ADMIN, "/audit_events?entity_type=Runner").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "entity_type does not have a valid value");
}
