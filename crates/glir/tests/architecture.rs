//! The workspace keeps the dependency order docs/ARCHITECTURE.md documents ("Dependency order"):
//! every crate's `[dependencies]` name only glir crates listed above it, and every crate is
//! listed. Read from the manifests themselves, so a new arrow against the flow fails here.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/glir sits two levels below the workspace root")
        .to_path_buf()
}

/// The crate names between the `dependency-order` markers, in order.
fn documented_order(root: &Path) -> Vec<String> {
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let start = doc
        .find("<!-- dependency-order -->")
        .expect("docs/ARCHITECTURE.md has a dependency-order block");
    let end = doc.find("<!-- /dependency-order -->").unwrap();
    doc[start..end]
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("glir"))
        .map(str::to_string)
        .collect()
}

/// Each workspace crate's name and the glir crates its `[dependencies]` name.
fn manifests(root: &Path) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let value: toml::Value = toml::from_str(&text).unwrap();
        let name = value["package"]["name"].as_str().unwrap().to_string();
        let deps = value
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|table| {
                table
                    .keys()
                    .filter(|k| k.starts_with("glir"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        out.push((name, deps));
    }
    out.sort();
    out
}

/// The arrows against `order`, and the crates it does not list, in words.
fn violations(order: &[String], crates: &[(String, Vec<String>)]) -> Vec<String> {
    let rank = |name: &str| order.iter().position(|c| c == name);
    let mut out = Vec::new();
    for (name, deps) in crates {
        let Some(own) = rank(name) else {
            out.push(format!("{name} is not in the documented order"));
            continue;
        };
        for dep in deps {
            match rank(dep) {
                Some(r) if r < own => {}
                Some(_) => out.push(format!("{name} depends on {dep}, listed after it")),
                None => out.push(format!("{name} depends on {dep}, not in the order")),
            }
        }
    }
    out
}

#[test]
fn every_dependency_points_up_the_documented_order() {
    let root = workspace_root();
    let order = documented_order(&root);
    let crates = manifests(&root);
    assert!(crates.len() >= 18, "found {} crates", crates.len());
    assert_eq!(violations(&order, &crates), Vec::<String>::new());
    let listed: Vec<&String> = order.iter().collect();
    for name in &listed {
        assert!(
            crates.iter().any(|(c, _)| c == *name),
            "{name} is listed but is not a crate"
        );
    }
}

#[test]
fn an_arrow_against_the_order_is_caught() {
    // The same check on a graph with a source that uses an analysis engine.
    let order: Vec<String> = ["glir-events", "glir-collect", "glir-scan"]
        .map(String::from)
        .to_vec();
    let crates = vec![
        ("glir-collect".to_string(), vec!["glir-scan".to_string()]),
        ("glir-scan".to_string(), vec!["glir-events".to_string()]),
        ("glir-new".to_string(), vec![]),
    ];
    assert_eq!(
        violations(&order, &crates),
        vec![
            "glir-collect depends on glir-scan, listed after it".to_string(),
            "glir-new is not in the documented order".to_string(),
        ]
    );
}
