//! Settings clap takes from the environment: a flag still wins, and a variable counts as much
//! as its flag did before clap read it.

mod common;

use common::{bare_glir, text};
use std::path::Path;
use std::process::Output;

/// glir with only PATH and `vars` in its environment.
fn glir_with(vars: &[(&str, &Path)], args: &[&str]) -> Output {
    bare_glir()
        .envs(vars.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn glir_data_dir_holds_the_store_unless_the_flag_names_another() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (from_env, from_flag) = (dir.path().join("env"), dir.path().join("flag"));
    let vars = [
        ("GLIR_DATA_DIR", from_env.as_path()),
        ("GLIR_CONFIG", &config),
    ];

    // `events` reads the store and names the one it looked for when there is none.
    let o = glir_with(&vars, &["events"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let expected = format!("no store at {}", from_env.join("glir.db").display());
    assert!(text(&o).contains(&expected), "{}", text(&o));

    let flag = from_flag.to_str().unwrap();
    // After the subcommand, where a global flag meets the variable clap also hands it.
    let o = glir_with(&vars, &["events", "--data-dir", flag]);
    let expected = format!("no store at {}", from_flag.join("glir.db").display());
    assert!(text(&o).contains(&expected), "{}", text(&o));
    assert!(!from_env.exists());
}

#[test]
fn glir_profile_picks_the_profile_unless_the_flag_does() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.lab]\nurl = \"https://gitlab.lab.test\"\n",
    )
    .unwrap();
    let vars = [
        ("GLIR_PROFILE", Path::new("staging")),
        ("GLIR_CONFIG", &config),
        ("GLIR_DATA_DIR", dir.path()),
    ];
    let o = glir_with(&vars, &["case", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("profile `staging`"), "{}", text(&o));
    let o = glir_with(&vars, &["case", "list", "--profile", "lab"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_missing_config_file_is_refused_only_when_typed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-yet.toml");
    let vars = [
        ("GLIR_CONFIG", missing.as_path()),
        ("GLIR_DATA_DIR", dir.path()),
    ];
    let o = glir_with(&vars, &["case", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = glir_with(
        &[("GLIR_DATA_DIR", dir.path())],
        &["case", "list", "--config", missing.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not-yet.toml"), "{}", text(&o));
}
