//! The output layer: every value glir shows is rendered here. Listings are rows handed to a
//! [`Sink`] (table, JSON, JSONL, CSV; stdout or a file); case reports, SARIF logs and
//! timelines have their own shapes. Knows nothing of where events came from or of the
//! command line.

mod alert_row;
mod case_report;
mod csv_record;
mod format;
mod marks;
mod posture;
mod render;
mod sarif;
mod sink;
mod timeline;

pub use case_report::{
    CaseReport, Integrity, ReportFinding, SkippedCheck, to_html, to_json, to_markdown,
    write_timesketch,
};
pub use csv_record::csv_record;
pub use format::Format;
pub use marks::{Mark, notable_reason};
pub use posture::posture_markdown;
pub use render::{write_events, write_timeline};
pub use sarif::{SarifFile, alerts_to_sarif, findings_to_sarif, posture_to_sarif};
pub use sink::{Row, Sink, WriterSink, write_json, write_table};
pub use timeline::{Timeline, TimelineDay, TimelineEntry, build_timeline};
