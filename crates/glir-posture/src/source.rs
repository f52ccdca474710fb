//! Reading a check's source from GitLab: paths with `{target.x}` / `{item.x}` filled in, lists
//! paged to the end, GraphQL answers read for their refusals, and every failure sorted into
//! "GitLab will not show this to you" (a SKIP with the reason) or "something broke" (an ERROR).

use glir_gitlab::{Client, Error, PageRequest, Paging};
use serde_json::Value;

/// What a source gave.
#[derive(Debug, Clone)]
pub enum Fetched {
    One(Value),
    Many(Vec<Value>),
}

/// Why a source gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// GitLab will not show it to this token, or it does not exist at this tier or version:
    /// the check is skipped with this reason.
    Hidden(String),
    /// A fault: the check is an error with this reason.
    Failed(String),
    /// The token itself is refused (401): the run stops.
    Unauthorized(String),
}

/// Fills `{target.field}` and `{item.field}` with the values, percent-encoded as one path
/// segment (a full path `acme/app` becomes `acme%2Fapp`, as GitLab wants ids).
pub fn fill(template: &str, target: &Value, item: Option<&Value>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("`{template}`: unclosed `{{`"))?
            + start;
        let name = &rest[start + 1..end];
        let (root, field) = name
            .split_once('.')
            .ok_or_else(|| format!("`{{{name}}}`: use {{target.field}} or {{item.field}}"))?;
        let from = match root {
            "target" => Some(target),
            "item" => item,
            _ => None,
        }
        .ok_or_else(|| format!("`{{{name}}}`: nothing is called `{root}` here"))?;
        let value = field
            .split('.')
            .try_fold(from, |v, key| v.get(key))
            .ok_or_else(|| format!("`{{{name}}}`: the {root} has no `{field}`"))?;
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => return Err(format!("`{{{name}}}` is {other}, not a name or number")),
        };
        out.push_str(&url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `GET path` (the query after `?` kept).
pub async fn get(client: &Client, path: &str) -> Result<Fetched, Refusal> {
    let (path, query) = split(path);
    client
        .get::<Value>(path, &query)
        .await
        .map(|r| Fetched::One(r.body))
        .map_err(|e| refusal(&e))
}

/// Every item of every page.
pub async fn list(client: &Client, path: &str) -> Result<Vec<Value>, Refusal> {
    let (path, query) = split(path);
    let request = PageRequest {
        path: path.to_string(),
        query: query.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        paging: Paging::Offset { per_page: 100 },
    };
    let mut items: Vec<Value> = client.all(request).await.map_err(|e| refusal(&e))?;
    if path.ends_with("/variables") {
        items.iter_mut().for_each(without_value);
    }
    Ok(items)
}

/// A CI/CD variable's value never enters a check: no label, detail or report can show it.
/// Its length is what a check may need (GitLab masks only values of 8 characters or more).
fn without_value(item: &mut Value) {
    if let Some(map) = item.as_object_mut()
        && let Some(value) = map.remove("value")
    {
        let length = value.as_str().map_or(0, |s| s.chars().count());
        map.insert("value_length".to_string(), Value::from(length));
    }
}

/// A GraphQL list at the dotted path `items` of `data`.
pub async fn graphql(
    client: &Client,
    query: &str,
    items: &str,
    target: &Value,
) -> Result<Vec<Value>, Refusal> {
    // A group is listed with `full_path`, a project with `path_with_namespace`.
    let full_path = target
        .get("full_path")
        .or_else(|| target.get("path_with_namespace"));
    let variables = serde_json::json!({ "fullPath": full_path });
    let answer = client
        .graphql(query, variables)
        .await
        .map_err(|e| refusal(&e))?
        .body;
    let found = items
        .split('.')
        .try_fold(&answer, |v, key| v.get(key))
        .filter(|v| !v.is_null());
    match found {
        Some(Value::Array(list)) => Ok(list.clone()),
        Some(other) => Err(Refusal::Failed(format!(
            "GraphQL `{items}` is {other}, not a list"
        ))),
        None => {
            let message = answer["errors"][0]["message"]
                .as_str()
                .unwrap_or("no data and no error")
                .to_string();
            // GitLab answers a refusal with null data and this message
            // (app/graphql/gitlab_schema.rb, `Gitlab::Graphql::Authorize`).
            if message.contains("don't have permission") || message.contains("does not exist") {
                Err(Refusal::Hidden(format!("GraphQL: {message}")))
            } else {
                Err(Refusal::Failed(format!("GraphQL: {message}")))
            }
        }
    }
}

fn split(path: &str) -> (&str, Vec<(&str, String)>) {
    match path.split_once('?') {
        None => (path, Vec::new()),
        Some((path, query)) => (
            path,
            query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (k, v.to_string())
                })
                .collect(),
        ),
    }
}

fn refusal(e: &Error) -> Refusal {
    match e {
        Error::Unauthorized { .. } => Refusal::Unauthorized(e.to_string()),
        Error::InsufficientScope { scopes, .. } => Refusal::Hidden(format!(
            "the token lacks the scope GitLab asks for ({})",
            scopes.join(", ")
        )),
        Error::Forbidden { path, .. } => {
            Refusal::Hidden(format!("GitLab refused {path} (403) for this token's role"))
        }
        Error::NotFound { path, .. } => Refusal::Hidden(format!(
            "GitLab answered 404 for {path}: not at this tier or version, or not visible to this token"
        )),
        other => Refusal::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_take_target_and_item_fields_as_one_segment() {
        let target = json!({"id": 7, "full_path": "acme/app"});
        let item = json!({"id": 3});
        assert_eq!(
            fill("/projects/{target.full_path}/hooks", &target, None).unwrap(),
            "/projects/acme%2Fapp/hooks"
        );
        assert_eq!(
            fill("/runners/{item.id}", &target, Some(&item)).unwrap(),
            "/runners/3"
        );
        assert!(fill("/x/{item.id}", &target, None).is_err());
        assert!(fill("/x/{target.nope}", &target, None).is_err());
        assert!(fill("/x/{target.id", &target, None).is_err());
    }

    #[test]
    fn a_variables_value_is_replaced_by_its_length() {
        let mut v = json!({"key": "A", "value": "s3cr3t-value"});
        without_value(&mut v);
        assert_eq!(v, json!({"key": "A", "value_length": 12}));
    }

    #[test]
    fn query_strings_become_pairs() {
        let (p, q) = split("/users?admins=true&active=true");
        assert_eq!(p, "/users");
        assert_eq!(
            q,
            vec![("admins", "true".into()), ("active", "true".into())]
        );
    }
}
