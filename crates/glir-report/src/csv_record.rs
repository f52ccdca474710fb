//! One CSV record at a time, for listings that stream rows as they come (alerts, rule lists):
//! the csv crate's RFC 4180 quoting, so there is one CSV writer in glir.
//!
//! Every field is attacker-controlled text (an event's details, a token's name): a cell a
//! spreadsheet would take for a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`) is written with a
//! leading `'`, as OWASP's "CSV Injection" advises, so opening the export runs nothing.

use std::borrow::Cow;

/// `fields` as one CSV record, without its line end.
pub fn csv_record<S: AsRef<[u8]>>(fields: &[S]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let safe: Vec<Cow<'_, [u8]>> = fields.iter().map(|f| neutralised(f.as_ref())).collect();
    // Writing to memory cannot fail, and a record of any bytes is valid CSV.
    let written = writer
        .write_record(&safe)
        .and_then(|()| writer.flush().map_err(csv::Error::from));
    let bytes = match (written, writer.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => Vec::new(),
    };
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// `field`, with a `'` in front when a spreadsheet would read it as a formula. A lone `-` (glir's
/// "none") and negative numbers stay as they are.
fn neutralised(field: &[u8]) -> Cow<'_, [u8]> {
    let formula = match field {
        [b'=' | b'+' | b'@' | b'\t' | b'\r', ..] => true,
        [b'-', rest @ ..] => !rest.is_empty() && !is_number(rest),
        _ => false,
    };
    if formula {
        let mut quoted = Vec::with_capacity(field.len() + 1);
        quoted.push(b'\'');
        quoted.extend_from_slice(field);
        Cow::Owned(quoted)
    } else {
        Cow::Borrowed(field)
    }
}

fn is_number(text: &[u8]) -> bool {
    let mut dots = 0;
    !text.is_empty()
        && text.iter().all(|&b| {
            dots += usize::from(b == b'.');
            b.is_ascii_digit() || b == b'.'
        })
        && dots <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(csv_record(&["a", "b c", ""]), "a,b c,");
        assert_eq!(
            csv_record(&["x,y", "say \"hi\"", "two\nlines"]),
            "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\""
        );
    }

    #[test]
    fn formulas_are_neutralised_and_plain_values_kept() {
        assert_eq!(
            csv_record(&["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)"]),
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+cmd|' /C calc'!A0,'@SUM(A1)"
        );
        assert_eq!(
            csv_record(&["-2+3+cmd|' /C calc'!A0"]),
            "'-2+3+cmd|' /C calc'!A0"
        );
        assert_eq!(
            csv_record(&["-", "-12.5", "a=b", "dana@example.com"]),
            "-,-12.5,a=b,dana@example.com"
        );
    }
}
