//! One CSV record at a time, for listings that stream rows as they come (alerts, rule lists):
//! the csv crate's RFC 4180 quoting, so there is one CSV writer in glir.

/// `fields` as one CSV record, without its line end.
pub fn csv_record<S: AsRef<[u8]>>(fields: &[S]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail, and a record of any bytes is valid CSV.
    let written = writer
        .write_record(fields)
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
}
