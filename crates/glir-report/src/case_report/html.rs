//! HTML rendering of the report document: one self-contained file.

use super::CaseReport;
use super::document::{Block, build};
use std::fmt::Write;

/// Inline so the file opens anywhere, offline, with nothing fetched.
const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:80rem;padding:0 1rem;color:#1f2328}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}\
.generated{color:#59636e;margin-top:0}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#f6f8fa}tr:nth-child(even) td{background:#fbfcfd}\
.verdict{padding:.5rem .75rem;border-radius:4px;font-weight:600}\
.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#82071e}\
.t{white-space:nowrap}.sev{font-weight:600;white-space:nowrap}.sev-critical{background:#82071e;color:#fff}\
.sev-high{background:#ffebe9;color:#82071e}.sev-medium{background:#fff8c5;color:#7d4e00}\
.sev-low{background:#ddf4ff;color:#0550ae}.sev-informational{color:#59636e}\
@media print{body{margin:0;max-width:none}}";

/// The report as one HTML file: inline CSS, no script, no external resource. Every value is
/// HTML-escaped (audit-event fields are attacker-controlled), and a Content-Security-Policy
/// forbids scripts and remote loads should a value ever slip through.
pub fn to_html(report: &CaseReport) -> String {
    let doc = build(report);
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<p class=\"generated\">{generated}</p>\n",
        title = escape(&doc.title),
        generated = escape(&doc.generated),
    );
    for section in &doc.sections {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>",
            escape(section.id),
            escape(section.title)
        );
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(text));
                }
                Block::Verdict { ok, text } => {
                    let class = if *ok { "ok" } else { "bad" };
                    let _ = writeln!(out, "<p class=\"verdict {class}\">{}</p>", escape(text));
                }
                Block::Heading(title) => {
                    let _ = writeln!(out, "<h3>{}</h3>", escape(title));
                }
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for item in items {
                        let _ = writeln!(out, "<li>{}</li>", escape(item));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table { head, rows } => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in head.iter() {
                        let _ = write!(out, "<th>{}</th>", escape(h));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    // A level or severity column is coloured, so the worst stands out.
                    let graded: Vec<bool> = head
                        .iter()
                        .map(|h| matches!(*h, "Level" | "Severity"))
                        .collect();
                    // A date and its time stay on one line.
                    let timed: Vec<bool> = head.iter().map(|h| h.ends_with("(UTC)")).collect();
                    for row in rows {
                        out.push_str("<tr>");
                        for (i, cell) in row.iter().enumerate() {
                            let class = match severity_class(cell) {
                                Some(level) if graded.get(i) == Some(&true) => {
                                    Some(format!("sev {level}"))
                                }
                                _ if timed.get(i) == Some(&true) => Some("t".to_string()),
                                _ => None,
                            };
                            match class {
                                Some(class) => {
                                    let _ =
                                        write!(out, "<td class=\"{class}\">{}</td>", escape(cell));
                                }
                                None => {
                                    let _ = write!(out, "<td>{}</td>", escape(cell));
                                }
                            }
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The CSS class of a Sigma level or finding severity.
fn severity_class(text: &str) -> Option<&'static str> {
    Some(match text.to_ascii_lowercase().as_str() {
        "critical" => "sev-critical",
        "high" => "sev-high",
        "medium" => "sev-medium",
        "low" => "sev-low",
        "informational" | "info" => "sev-informational",
        _ => return None,
    })
}

/// The five characters that can open markup or end an attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
