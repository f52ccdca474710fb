//! `POST /api/graphql`: what only GitLab's GraphQL API answers (audit event streaming
//! destinations, doc/api/graphql/reference/_index.md). GraphQL answers 200 with an `errors` list
//! for refusals, so the caller reads both `data` and `errors`.

use crate::request::{Body, Call};
use crate::{Client, Error, Response};
use reqwest::Method;
use serde_json::{Value, json};

impl Client {
    /// Runs a read-only query and returns GitLab's whole answer (`data` and `errors`). The
    /// query is sent again after a 5xx or a dropped connection: a query changes nothing.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Response<Value>, Error> {
        let outcome = async {
            let url = self.graphql_url()?;
            let call = Call {
                method: Method::POST,
                url: &url,
                body: Body::Json(json!({ "query": query, "variables": variables })),
                accept: "application/json",
                max_bytes: None,
                replay: true,
            };
            let fetched = self.send(&call).await?;
            Ok(Response {
                body: fetched.decode()?,
                status: fetched.status,
                request_id: fetched.request_id,
            })
        }
        .await;
        self.tally(outcome)
    }
}
