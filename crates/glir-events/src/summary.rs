use crate::event_ref::EventRef;
use crate::render::as_text;

/// Shown in place of an absent `from`/`to`, so "set" and "cleared" changes stay readable.
const NOTHING: &str = "∅";

pub(crate) fn summarize(e: &EventRef<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    match (e.change, e.from, e.to) {
        (Some(change), None, None) => parts.push(change.to_owned()),
        (change, from, to) if change.is_some() || from.is_some() || to.is_some() => {
            let arrow = format!("{} → {}", from.unwrap_or(NOTHING), to.unwrap_or(NOTHING));
            parts.push(match change {
                Some(change) => format!("{change}: {arrow}"),
                None => arrow,
            });
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
        parts.push(match role {
            Some(role) => format!("add {add} as {role}"),
            None => format!("add {add}"),
        });
    }
    if let Some(remove) = remove {
        parts.push(format!("remove {remove}"));
    }
    if let Some(with) = with {
        parts.push(format!("with {with}"));
    }
    if let Some(message) = e.custom_message {
        parts.push(message.to_owned());
    }
    if let Some(target) = target(e) {
        parts.push(target);
    }
    if parts.is_empty() {
        parts.push(e.event_type.unwrap_or("event").to_owned());
    }
    one_line(&parts.join("; "))
}

/// "target PersonalAccessToken ci-token": the type and the most readable name of the target.
fn target(e: &EventRef<'_>) -> Option<String> {
    let name = e.target_details.or(e.target_id);
    match (e.target_type, name) {
        (None, None) => None,
        (Some(kind), None) => Some(format!("target {kind}")),
        (None, Some(name)) => Some(format!("target {name}")),
        (Some(kind), Some(name)) => Some(format!("target {kind} {name}")),
    }
}

/// Messages can hold newlines (sanitized HTML, multi-line reasons); a summary is one line.
fn one_line(s: &str) -> String {
    s.split(char::is_control)
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
