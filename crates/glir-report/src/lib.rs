//! Renders what glir finds for people and machines: event lists and timelines as a table, JSONL
//! or CSV, case reports, CSV records, SARIF logs of alerts and secret findings. Knows nothing of
//! where events came from or of the command line.

mod case_report;
mod csv_record;
mod format;
mod marks;
mod render;
mod sarif;
mod timeline;

pub use case_report::{
    CaseReport, Integrity, ReportFinding, SkippedCheck, to_html, to_json, to_markdown,
    write_timesketch,
};
pub use csv_record::csv_record;
pub use format::Format;
pub use marks::{Mark, notable_reason};
pub use render::{write_events, write_timeline};
pub use sarif::{alerts_to_sarif, findings_to_sarif};
pub use timeline::{Timeline, TimelineDay, TimelineEntry, build_timeline};
