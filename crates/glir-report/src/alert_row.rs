//! An alert as a row of the output layer: what `detect`, `alerts` and (later) the receiver list.

use crate::sink::Row;
use glir_events::Alert;

impl Row for Alert {
    const COLUMNS: &'static [&'static str] = &[
        "time",
        "level",
        "rule_id",
        "title",
        "actor",
        "event_ids",
        "reason",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            self.time.to_string(),
            self.level.clone(),
            self.rule_id.clone(),
            self.title.clone(),
            self.actor.clone().unwrap_or_else(|| "-".into()),
            self.event_ids.join(" "),
            self.reason.clone(),
        ]
    }

    fn table_columns() -> Vec<String> {
        ["TIME", "LEVEL", "RULE", "ACTOR", "EVENTS", "REASON"]
            .map(String::from)
            .to_vec()
    }

    fn table_cells(&self) -> Vec<String> {
        vec![
            self.time.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            self.level.clone(),
            self.rule_id.clone(),
            self.actor.clone().unwrap_or_else(|| "-".into()),
            self.event_ids.join(" "),
            self.reason.clone(),
        ]
    }
}
