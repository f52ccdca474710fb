//! Splitting a decoded byte stream into record texts without loading the file: JSON Lines split
//! at newlines, a JSON array split into its top-level elements, and a sequence of JSON values
//! (one pretty-printed object, such as a saved `GET /audit_events/:id` response, or several)
//! split into the values.

use std::io::{self, BufRead};

/// A record larger than this is reported and skipped rather than buffered: one hostile or broken
/// line must not make memory grow with the file.
const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the splitter found next.
pub(crate) enum Next {
    /// A record's text is in the buffer.
    Record(Position),
    /// Something that cannot be a record (too long, cut off, stray text).
    Broken(Position, &'static str),
    /// The stream is exhausted.
    End,
}

/// Where a record starts: the 1-based line, and for arrays the 1-based element number.
#[derive(Clone, Copy)]
pub(crate) struct Position {
    pub(crate) line: u64,
    pub(crate) element: Option<u64>,
}

/// A stream of record texts.
pub(crate) enum Records {
    Lines(Lines),
    /// An array, or a bare sequence of values.
    Values(Array),
}

impl Records {
    /// Skips a BOM and leading whitespace, then chooses by the first byte: an array, a value
    /// spread over lines (the first line does not end its object), or lines.
    pub(crate) fn detect(mut reader: Box<dyn BufRead + Send>) -> io::Result<Records> {
        let mut line = 1;
        // BOM bytes matched so far; the first read can end inside the BOM.
        let mut bom = 0;
        loop {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            if bom < UTF8_BOM.len() {
                let matched = chunk
                    .iter()
                    .zip(&UTF8_BOM[bom..])
                    .take_while(|(a, b)| a == b)
                    .count();
                if matched > 0 {
                    reader.consume(matched);
                    bom += matched;
                    continue;
                }
                bom = UTF8_BOM.len();
            }
            match chunk.iter().position(|b| !b.is_ascii_whitespace()) {
                None => {
                    line += count_newlines(chunk);
                    let n = chunk.len();
                    reader.consume(n);
                }
                Some(i) if chunk[i] == b'[' => {
                    line += count_newlines(&chunk[..i]);
                    reader.consume(i + 1);
                    return Ok(Records::Values(Array::new(reader, line, false)));
                }
                Some(i) if chunk[i] == b'{' && spans_lines(&chunk[i..]) => {
                    line += count_newlines(&chunk[..i]);
                    reader.consume(i);
                    return Ok(Records::Values(Array::new(reader, line, true)));
                }
                Some(_) => break,
            }
        }
        Ok(Records::Lines(Lines {
            reader,
            line: line - 1,
        }))
    }

    /// Reads the next record's text into `buf` (cleared first).
    pub(crate) fn next(&mut self, buf: &mut Vec<u8>) -> io::Result<Next> {
        buf.clear();
        match self {
            Records::Lines(lines) => lines.next(buf),
            Records::Values(array) => array.next(buf),
        }
    }
}

/// Whether the object starting `text` goes on past its first line: a JSON Lines record ends its
/// line with `}`, a pretty-printed one does not. A first line longer than the buffer is taken
/// for JSON Lines.
fn spans_lines(text: &[u8]) -> bool {
    let Some(newline) = text.iter().position(|&b| b == b'\n') else {
        return false;
    };
    text[..newline]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'}')
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// JSON Lines: one record per line, blank lines skipped.
pub(crate) struct Lines {
    reader: Box<dyn BufRead + Send>,
    /// Lines consumed so far.
    line: u64,
}

impl Lines {
    fn next(&mut self, buf: &mut Vec<u8>) -> io::Result<Next> {
        loop {
            let Some(too_long) = self.read_line(buf)? else {
                return Ok(Next::End);
            };
            let position = Position {
                line: self.line,
                element: None,
            };
            if too_long {
                return Ok(Next::Broken(position, "line longer than 8 MiB"));
            }
            if !buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(Next::Record(position));
            }
            buf.clear();
        }
    }

    /// One line without its newline; `None` at the end, `Some(true)` if it was cut at the limit.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
        let mut started = false;
        let mut too_long = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                if started {
                    self.line += 1;
                }
                return Ok(started.then_some(too_long));
            }
            started = true;
            let newline = memchr::memchr(b'\n', chunk);
            let part = &chunk[..newline.unwrap_or(chunk.len())];
            if buf.len() + part.len() > MAX_RECORD_BYTES {
                too_long = true;
                buf.clear();
            } else if !too_long {
                buf.extend_from_slice(part);
            }
            let used = newline.map_or(chunk.len(), |i| i + 1);
            self.reader.consume(used);
            if newline.is_some() {
                self.line += 1;
                return Ok(Some(too_long));
            }
        }
    }
}

/// A JSON array, split into top-level elements by tracking nesting and strings, so a malformed
/// element is skipped and the next one still read (a serde sequence visitor cannot resume after
/// a syntax error). `bare`: values one after another with no brackets, ending with the input.
pub(crate) struct Array {
    reader: Box<dyn BufRead + Send>,
    line: u64,
    elements: u64,
    state: ArrayState,
    bare: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// Between elements.
    Open,
    /// After the closing bracket.
    Closed,
    /// Stray text after the closing bracket was reported; the rest is ignored.
    Abandoned,
}

impl Array {
    fn new(reader: Box<dyn BufRead + Send>, line: u64, bare: bool) -> Array {
        Array {
            reader,
            line,
            elements: 0,
            state: ArrayState::Open,
            bare,
        }
    }

    fn next(&mut self, buf: &mut Vec<u8>) -> io::Result<Next> {
        match self.state {
            ArrayState::Abandoned => Ok(Next::End),
            ArrayState::Closed => self.after_close(),
            ArrayState::Open => self.element(buf),
        }
    }

    fn after_close(&mut self) -> io::Result<Next> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(Next::End);
            }
            if let Some(i) = chunk.iter().position(|b| !b.is_ascii_whitespace()) {
                self.line += count_newlines(&chunk[..i]);
                self.state = ArrayState::Abandoned;
                let position = Position {
                    line: self.line,
                    element: None,
                };
                return Ok(Next::Broken(
                    position,
                    "content after the closing `]` of the array",
                ));
            }
            self.line += count_newlines(chunk);
            let n = chunk.len();
            self.reader.consume(n);
        }
    }

    /// Skips separators to the next element and copies it into `buf`. Commas are treated as
    /// separators like whitespace: a missing or doubled comma costs no record.
    fn element(&mut self, buf: &mut Vec<u8>) -> io::Result<Next> {
        let mut scan = Scan::default();
        let mut start: Option<Position> = None;
        let mut too_long = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                self.state = ArrayState::Abandoned;
                if self.bare && start.is_none() {
                    return Ok(Next::End);
                }
                let reason = match start {
                    Some(_) => "record cut off by the end of the file",
                    None => "array not closed: the file ends before `]`",
                };
                let position = start.unwrap_or(Position {
                    line: self.line,
                    element: None,
                });
                return Ok(Next::Broken(position, reason));
            }
            let mut piece_start = 0;
            let mut end = None;
            let mut i = 0;
            while i < chunk.len() {
                let b = chunk[i];
                if start.is_none() {
                    match b {
                        b'\n' => self.line += 1,
                        b' ' | b'\t' | b'\r' | b',' => {}
                        b']' if !self.bare => {
                            self.reader.consume(i + 1);
                            self.state = ArrayState::Closed;
                            return self.after_close();
                        }
                        _ => {
                            self.elements += 1;
                            start = Some(Position {
                                line: self.line,
                                element: (!self.bare).then_some(self.elements),
                            });
                            piece_start = i;
                            scan.enter(b);
                        }
                    }
                    i += 1;
                    continue;
                }
                if scan.ends_before(b) {
                    end = Some(i);
                    break;
                }
                if b == b'\n' {
                    self.line += 1;
                }
                scan.step(b);
                i += 1;
                if scan.closed {
                    end = Some(i);
                    break;
                }
            }
            let stop = end.unwrap_or(chunk.len());
            if start.is_some() && !too_long {
                let piece = &chunk[piece_start..stop];
                if buf.len() + piece.len() > MAX_RECORD_BYTES {
                    too_long = true;
                    buf.clear();
                } else {
                    buf.extend_from_slice(piece);
                }
            }
            self.reader.consume(stop);
            if let (Some(_), Some(position)) = (end, start) {
                return Ok(if too_long {
                    Next::Broken(position, "record longer than 8 MiB")
                } else {
                    Next::Record(position)
                });
            }
        }
    }
}

/// Nesting and string state of the element being scanned.
#[derive(Default)]
struct Scan {
    depth: u32,
    in_string: bool,
    escaped: bool,
    scalar: bool,
    closed: bool,
}

impl Scan {
    fn enter(&mut self, first: u8) {
        match first {
            b'{' | b'[' => self.depth = 1,
            b'"' => {
                self.scalar = true;
                self.in_string = true;
            }
            _ => self.scalar = true,
        }
    }

    /// A bare scalar (only an error can start an element with one) ends before its delimiter,
    /// which is left for the next call.
    fn ends_before(&self, b: u8) -> bool {
        self.scalar && !self.in_string && matches!(b, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n')
    }

    fn step(&mut self, b: u8) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return;
        }
        if self.scalar {
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    self.closed = true;
                }
            }
            _ => {}
        }
    }
}
