//! The output layer: every listing glir writes is a stream of [`Row`]s handed to a [`Sink`].
//! A row knows its JSON form (serde) and its cells; the sink knows the format and where the
//! bytes go. Commands build rows and never format text themselves, so a new format is one
//! match arm here and a new destination (a file today, a webhook or syslog for the receiver)
//! is one more `Sink`.

use crate::csv_record::csv_record;
use crate::format::Format;
use serde::Serialize;
use std::io::{self, Write};
use std::marker::PhantomData;

/// Longest cell a table shows before it is cut with `…` (the last column is never cut): room
/// for a Sigma rule's UUID, the longest cell that must stay whole.
const TABLE_COLUMN_CAP: usize = 40;

/// One record of a listing: an event, an alert, a finding, a rule.
pub trait Row: Serialize {
    /// The CSV header, naming the fields of [`Row::record`].
    const COLUMNS: &'static [&'static str];
    /// The fields in `COLUMNS` order, as text.
    fn record(&self) -> Vec<String>;
    /// A table's header: by default the CSV columns, upper-cased.
    fn table_columns() -> Vec<String> {
        Self::COLUMNS.iter().map(|c| c.to_uppercase()).collect()
    }
    /// A table's cells, in `table_columns` order: by default the CSV record.
    fn table_cells(&self) -> Vec<String> {
        self.record()
    }
}

/// Somewhere rows go.
pub trait Sink<R: ?Sized> {
    fn emit(&mut self, row: &R) -> io::Result<()>;
    /// Ends the output: closes a JSON array, writes a buffered table, flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// Rows rendered in one [`Format`] to a writer: stdout or a file.
///
/// JSONL and CSV stream a row as it comes; a JSON array streams between its brackets; a table
/// is buffered, since its column widths depend on every row.
pub struct WriterSink<W: Write, R: Row> {
    out: W,
    format: Format,
    written: usize,
    table: Vec<Vec<String>>,
    header_written: bool,
    row: PhantomData<fn(&R)>,
}

impl<W: Write, R: Row> WriterSink<W, R> {
    pub fn new(out: W, format: Format) -> Self {
        WriterSink {
            out,
            format,
            written: 0,
            table: Vec::new(),
            header_written: false,
            row: PhantomData,
        }
    }

    /// How many rows were emitted.
    pub fn count(&self) -> usize {
        self.written
    }

    fn csv_header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.header_written = true;
            writeln!(self.out, "{}", csv_record(R::COLUMNS))?;
        }
        Ok(())
    }
}

impl<W: Write, R: Row> Sink<R> for WriterSink<W, R> {
    fn emit(&mut self, row: &R) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, row)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, row)?;
            }
            Format::Csv => {
                self.csv_header()?;
                writeln!(self.out, "{}", csv_record(&row.record()))?;
            }
            Format::Table => self.table.push(row.table_cells()),
        }
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json if self.written == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Csv => self.csv_header()?,
            Format::Table => {
                let rows = std::mem::take(&mut self.table);
                write_table(&mut self.out, &R::table_columns(), &rows)?;
            }
            Format::Jsonl => {}
        }
        self.out.flush()
    }
}

/// Rows as an aligned table: every column but the last capped and padded, trailing blanks cut.
pub fn write_table(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let last = header.len().saturating_sub(1);
    let capped: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < last {
                        cap(c, TABLE_COLUMN_CAP)
                    } else {
                        c.clone()
                    }
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &capped {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i >= last {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for row in &capped {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// `s` cut to `max` characters, marked with `…` when cut.
pub(crate) fn cap(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One value as a JSON document: a command's summary, a report.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Pet {
        name: &'static str,
        legs: u8,
    }

    impl Row for Pet {
        const COLUMNS: &'static [&'static str] = &["name", "legs"];
        fn record(&self) -> Vec<String> {
            vec![self.name.to_string(), self.legs.to_string()]
        }
    }

    fn render(format: Format, pets: &[Pet]) -> String {
        let mut sink = WriterSink::<_, Pet>::new(Vec::new(), format);
        for p in pets {
            sink.emit(p).unwrap();
        }
        sink.finish().unwrap();
        String::from_utf8(sink.out).unwrap()
    }

    const PETS: &[Pet] = &[
        Pet {
            name: "cat, the",
            legs: 4,
        },
        Pet {
            name: "bird",
            legs: 2,
        },
    ];

    #[test]
    fn json_is_one_array_parsed_back_whole() {
        let text = render(Format::Json, PETS);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[1]["legs"], 2);
        let empty: serde_json::Value = serde_json::from_str(&render(Format::Json, &[])).unwrap();
        assert_eq!(empty, serde_json::json!([]));
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        let text = render(Format::Jsonl, PETS);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["name"], "cat, the");
    }

    #[test]
    fn csv_has_a_header_even_when_empty_and_quotes_commas() {
        assert_eq!(render(Format::Csv, &[]), "name,legs\n");
        assert_eq!(
            render(Format::Csv, PETS),
            "name,legs\n\"cat, the\",4\nbird,2\n"
        );
    }

    #[test]
    fn table_aligns_columns_to_the_widest_cell() {
        assert_eq!(
            render(Format::Table, PETS),
            "NAME      LEGS\ncat, the  4\nbird      2\n"
        );
    }
}
