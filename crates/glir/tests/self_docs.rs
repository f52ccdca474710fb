//! What glir says about itself: completion scripts, man pages and --help, all drawn from the
//! clap definition it parses with.

mod common;

use common::{bare_glir, text};
use std::collections::BTreeSet;
use std::process::Output;

/// The flags whose environment variable clap reads; every help page shows them (they are global).
const VARIABLES: [&str; 4] = ["GLIR_URL", "GLIR_PROFILE", "GLIR_DATA_DIR", "GLIR_CONFIG"];

fn glir(args: &[&str]) -> Output {
    bare_glir().args(args).output().unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let o = glir(args);
    assert!(o.status.success(), "glir {args:?}: {}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The commands `--help` lists under "Commands:", `help` aside.
fn listed_commands(path: &[String]) -> Vec<String> {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let help = stdout_of(&args);
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        // Names sit two spaces in; wrapped descriptions further.
        .filter_map(|l| l.strip_prefix("  ").filter(|l| !l.starts_with(' ')))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command and subcommand as the words that reach it (`["case", "verify"]`).
fn every_command() -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut todo = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        for name in listed_commands(&path) {
            let mut sub = path.clone();
            sub.push(name);
            found.push(sub.clone());
            todo.push(sub);
        }
    }
    found
}

#[test]
fn the_command_list_reaches_nested_commands() {
    let commands = every_command();
    for expected in [
        &["scan"][..],
        &["case", "verify"],
        &["rules", "list"],
        &["man"],
    ] {
        assert!(
            commands.iter().any(|c| c == expected),
            "{expected:?} not in {commands:?}"
        );
    }
}

#[test]
fn completions_for_every_shell_know_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        // `mirror` and `--copy-to` are only reachable through `case`, a shell keyword itself.
        for word in ["scan", "detect", "case", "mirror", "copy-to"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let o = glir(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn man_prints_the_glir_page() {
    let page = stdout_of(&["man"]);
    let header = page
        .lines()
        .find(|l| l.starts_with('.') && !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap_or_default();
    assert!(header.starts_with(".TH glir 1"), "{header}");
    assert!(page.contains(".SH NAME\nglir"), "{page}");
    assert!(page.contains("completions"));
}

#[test]
fn man_out_writes_a_page_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("share/man/man1");
    let expected: BTreeSet<String> = std::iter::once("glir.1".to_owned())
        .chain(
            every_command()
                .iter()
                .map(|path| format!("glir-{}.1", path.join("-"))),
        )
        .collect();
    assert!(expected.contains("glir-case-verify.1"), "{expected:?}");
    // The second run replaces what the first wrote.
    for _ in 0..2 {
        stdout_of(&["man", "--out", out.to_str().unwrap()]);
        let written: BTreeSet<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(written, expected);
    }
    let verify = std::fs::read_to_string(out.join("glir-case-verify.1")).unwrap();
    assert!(verify.contains(".TH glir-case-verify 1"), "{verify}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("glir.1"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o444, 0o444, "{mode:o}");
    }
}

#[test]
fn every_help_renders_and_names_the_variables_once() {
    let mut paths = every_command();
    paths.push(Vec::new());
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = bare_glir()
            .env("GLIR_URL", "https://private.example")
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        // Help wraps to the terminal; compare words, not lines.
        let help = String::from_utf8(o.stdout)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(help.contains("Usage: glir"), "{help}");
        for var in VARIABLES {
            let shown = format!("[env: {var}]");
            assert_eq!(help.matches(&shown).count(), 1, "{args:?}: {var} in {help}");
        }
        assert!(!help.contains("private.example"), "{args:?}: {help}");
    }
}

#[test]
fn every_command_help_names_its_formats_json_among_them() {
    for path in every_command().into_iter().filter(|p| p.len() == 1) {
        let name = path[0].as_str();
        let help = stdout_of(&[name, "--help"]);
        if matches!(name, "completions" | "man") {
            // Their output is a file format of its own.
            assert!(!help.contains("Formats: --format"), "{name}: {help}");
            continue;
        }
        let formats = help
            .lines()
            .find(|l| l.starts_with("Formats: --format"))
            .unwrap_or_else(|| panic!("{name} --help names no formats:\n{help}"));
        assert!(formats.contains("json"), "{name}: {formats}");
    }
}
