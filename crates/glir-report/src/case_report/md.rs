//! Markdown rendering of the report document.

use super::CaseReport;
use super::document::{Block, build};
use std::fmt::Write;

/// The report as Markdown: summary, exposure window, attacker timeline, detections, findings,
/// actions taken (planned-but-not-applied listed apart), checks skipped, evidence manifest and
/// integrity, in that order. Every value is scrubbed and escaped, so event text cannot break a
/// table or inject links or HTML into a rendered view.
pub fn to_markdown(report: &CaseReport) -> String {
    let doc = build(report);
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(
        out,
        "# {}\n\n{}",
        escape(&doc.title),
        escape(&doc.generated)
    );
    for section in &doc.sections {
        let _ = writeln!(out, "\n## {}", section.title);
        for block in &section.blocks {
            out.push('\n');
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "{}", escape(text));
                }
                Block::Verdict { ok, text } => {
                    let mark = if *ok { "OK" } else { "FAILED" };
                    let _ = writeln!(out, "**{mark}**: {}", escape(text));
                }
                Block::Heading(title) => {
                    let _ = writeln!(out, "### {title}");
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(out, "- {}", escape(item));
                    }
                }
                Block::Table { head, rows } => {
                    let _ = writeln!(out, "| {} |", head.join(" | "));
                    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                    for row in rows {
                        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
                        let _ = writeln!(out, "| {} |", cells.join(" | "));
                    }
                }
            }
        }
    }
    out
}

/// Backslash-escapes what would end a table cell or start markup (CommonMark allows a backslash
/// before any ASCII punctuation), and folds line breaks, which would end a table row.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '<' | '>' | '[' | ']' | '`' | '*' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn cells_cannot_break_a_table_or_open_markup() {
        assert_eq!(escape("a|b\nc\r\nd"), r"a\|b c  d");
        assert_eq!(escape("<b>[x](y)`z`*"), r"\<b\>\[x\](y)\`z\`\*");
        assert_eq!(escape(r"C:\path"), r"C:\\path");
        assert_eq!(escape("plain_event_type"), "plain_event_type");
    }
}
