//! Embeds the rule pack (`rules/gitlab`, rules and their tests) in the binary, so an installed
//! `glir` detects without a source checkout. Cargo's `include_dir`-style crates do the same with
//! a proc macro; a dozen lines of build script avoid the dependency.

use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a target directory copied from
    // another checkout keeps the compiled script, which would read that checkout's rules.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../rules/gitlab");
    // A directory here makes Cargo rerun the script when anything inside it changes.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    if files.is_empty() {
        println!(
            "cargo:warning=no rules under {}: glir is built without its rule pack",
            root.display()
        );
    }
    let mut code = String::from(
        "/// The bundled rule pack: (path relative to the pack, contents).\npub const RULE_PACK: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under the pack");
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            relative.to_string_lossy(),
            file.canonicalize().expect("readable rule file")
        ));
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_pack.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            files.push(path);
        }
    }
}
