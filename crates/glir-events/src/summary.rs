use crate::event_ref::EventRef;
use crate::render::as_text;
use std::fmt::{self, Write};

/// Shown in place of an absent `from`/`to`, so "set" and "cleared" changes stay readable.
const NOTHING: &str = "∅";

pub(crate) fn summarize(e: &EventRef<'_>) -> String {
    let mut parts = Parts(String::with_capacity(128));
    match (e.change, e.from, e.to) {
        (Some(change), None, None) => parts.add(format_args!("{change}")),
        (change, from, to) if change.is_some() || from.is_some() || to.is_some() => {
            let (from, to) = (from.unwrap_or(NOTHING), to.unwrap_or(NOTHING));
            match change {
                Some(change) => parts.add(format_args!("{change}: {from} → {to}")),
                None => parts.add(format_args!("{from} → {to}")),
            }
        }
        _ => {}
    }
    // Membership events put their meaning in `add: "user_access", as: "Developer"` (EE
    // members audit: `additional_details`), sign-ins in `with` (app/controllers/sessions_controller.rb:
    // `log_audit_event(..., with: authentication_method)`); none of these has a column.
    let [add, role, remove, with] = e
        .details
        .members(["add", "as", "remove", "with"])
        .map(|v| v.as_ref().and_then(as_text));
    if let Some(add) = add {
        match role {
            Some(role) => parts.add(format_args!("add {add} as {role}")),
            None => parts.add(format_args!("add {add}")),
        }
    }
    if let Some(remove) = remove {
        parts.add(format_args!("remove {remove}"));
    }
    if let Some(with) = with {
        parts.add(format_args!("with {with}"));
    }
    if let Some(message) = e.custom_message {
        parts.add(format_args!("{message}"));
    }
    let name = e.target_details.or(e.target_id);
    match (e.target_type, name) {
        (None, None) => {}
        (Some(kind), None) => parts.add(format_args!("target {kind}")),
        (None, Some(name)) => parts.add(format_args!("target {name}")),
        (Some(kind), Some(name)) => parts.add(format_args!("target {kind} {name}")),
    }
    if parts.0.is_empty() {
        parts.add(format_args!("{}", e.event_type.unwrap_or("event")));
    }
    if parts.0.contains(char::is_control) {
        one_line(&parts.0)
    } else {
        parts.0
    }
}

/// The summary's parts, written straight into one string joined by "; ".
struct Parts(String);

impl Parts {
    fn add(&mut self, part: fmt::Arguments<'_>) {
        if !self.0.is_empty() {
            self.0.push_str("; ");
        }
        // Writing into a String cannot fail.
        let _ = self.0.write_fmt(part);
    }
}

/// Messages can hold newlines (sanitized HTML, multi-line reasons); a summary is one line.
fn one_line(s: &str) -> String {
    s.split(char::is_control)
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
