//! `glir undo CASE STEP`: the inverse of an applied step, planned, shown, applied on
//! confirmation and journaled naming the step it undoes; refused, with the reason, where GitLab
//! cannot put things back.

use super::case::cases;
use super::respond::{apply_plan, refuse_closed, write_applied, write_plan};
use super::user::record_acquisition;
use super::{open_store, operator, runtime, write_value};
use crate::cli::{GlobalArgs, OutputFormat, UndoArgs};
use crate::config::Settings;
use crate::output::stdout;
use anyhow::{Result, bail};
use glir_respond::plan_undo;
use jiff::Timestamp;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &UndoArgs) -> Result<ExitCode> {
    let mut case = refuse_closed(cases(settings, &args.dir).load(&args.case)?)?;
    // Decided from the case alone: a refusal needs no GitLab.
    let undo = plan_undo(&case, &args.step)?;
    let client = super::client(settings, Duration::from_millis(50))?;
    let rt = runtime()?;
    let started = Timestamp::now();
    let caller = match rt.block_on(client.current_user()) {
        Ok(answer) => answer.body,
        Err(e) => {
            bail!("GitLab did not say who the responder's token is: {e}; nothing was changed")
        }
    };
    let operator = operator();
    record_acquisition(&mut case, &client, &caller, "glir undo", started, &operator)?;
    let path = undo.plan.save(&mut case, &operator)?;
    let json = g.format == OutputFormat::Json;
    if !json {
        let mut out = stdout();
        writeln!(
            out,
            "undo of journal #{} ({}, {})",
            undo.undoes_seq,
            undo.undone.name(),
            &undo.undoes_hash[..12]
        )?;
        write_plan(&mut out, &undo.plan, &path)?;
    }
    let mut store = open_store(settings)?;
    let applied = apply_plan(
        &rt,
        &client,
        &mut store,
        &mut case,
        &undo.plan,
        &path,
        args.yes,
        &operator,
        &[],
    )?;
    let value = json!({
        "case": args.case,
        "undoes": {"seq": undo.undoes_seq, "hash": undo.undoes_hash, "action": undo.undone},
        "plan_path": path,
        "plan": undo.plan,
        "applied": applied,
    });
    if !write_value(g.format, &value)? {
        write_applied(&mut stdout(), &applied, &args.case)?;
    }
    Ok(applied.exit_code())
}
