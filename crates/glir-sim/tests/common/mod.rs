//! Shared helpers for the simulator's integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use glir_sim::{Scenario, SimHandle};
use jiff::Timestamp;
use reqwest::Response;
use serde_json::Value;

pub const ADMIN: &str = "glpat-SimAdminToken0000001";
pub const DEV: &str = "glpat-SimDevToken100000001";
pub const OWNER: &str = "glpat-SimOwnerToken0000001";

pub fn start_time() -> Timestamp {
    "2026-11-20T00:00:00Z".parse().expect("valid timestamp")
}

pub async fn synthetic(n: usize) -> SimHandle {
    glir_sim::start(Scenario::synthetic(n, start_time()))
        .await
        .expect("sim starts")
}

pub async fn from_json(json: &str) -> SimHandle {
    let scenario = Scenario::from_json_str(json).expect("test scenario is valid");
    glir_sim::start(scenario).await.expect("sim starts")
}

pub async fn get(sim: &SimHandle, token: &str, path: &str) -> Response {
    reqwest::Client::new()
        .get(format!("{}/api/v4{path}", sim.url()))
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .expect("request completes")
}

pub async fn get_json(sim: &SimHandle, token: &str, path: &str) -> (u16, Value) {
    let resp = get(sim, token, path).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The URL of the `rel` link in a `Link` header.
pub fn link(resp: &Response, rel: &str) -> Option<String> {
    let value = header(resp, "link")?;
    value.split(", ").find_map(|part| {
        let (url, params) = part.split_once(">; ")?;
        (params == format!("rel=\"{rel}\"")).then(|| url.trim_start_matches('<').to_string())
    })
}

pub fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .expect("array body")
        .iter()
        .map(|e| e["id"].as_i64().expect("numeric id"))
        .collect()
}

/// `PUT` a JSON body; the status and the JSON answer.
pub async fn put_json(sim: &SimHandle, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .put(format!("{}/api/v4{path}", sim.url()))
        .header("PRIVATE-TOKEN", token)
        .json(body)
        .send()
        .await
        .expect("request completes");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

/// `POST /api/graphql` with `query` and `variables`, authenticated when `token` is given.
pub async fn graphql(
    sim: &SimHandle,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/api/graphql", sim.url()))
        .json(&serde_json::json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.header("Authorization", format!("Bearer {token}"));
    }
    let resp = req.send().await.expect("request completes");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}
