//! Job-log cleanup before scanning: ANSI escape sequences, GitLab's collapsible-section
//! markers and the runner's per-line timestamps are removed so a token they split is whole
//! again. Newlines are never removed, so line numbers stay those of the raw trace.

use memchr::memmem;

/// A cleaned job log.
#[derive(Debug, Clone, Default)]
pub struct CleanLog {
    /// The text to scan: same lines as the raw log, escape codes and markers removed.
    pub text: Vec<u8>,
    /// How many `[MASKED]` runs GitLab's masking left in the log. They are not secrets and no
    /// rule reports them (`[` and `]` end every token body).
    pub masked: usize,
}

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
const MASKED: &[u8] = b"[MASKED]";
/// Runner-side section markers (`doc/ci/jobs/job_logs.md`, "Custom collapsible sections"):
/// `section_start:<unix ts>:<name>[<options>]\r\e[0K` and `section_end:<ts>:<name>\r\e[0K`.
const SECTION_MARKERS: [&[u8]; 2] = [b"section_start:", b"section_end:"];

/// What both section markers start with: one search finds either.
const SECTION: &[u8] = b"section_";

/// Strip ANSI sequences and section markers from a raw trace.
pub fn clean_job_log(raw: &[u8]) -> CleanLog {
    let mut text = Vec::with_capacity(raw.len());
    static SECTIONS: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(SECTION));
    let sections = &*SECTIONS;
    let find_from = |i: usize, found: Option<usize>| found.map_or(raw.len(), |n| i + n);
    // The next escape and the next possible marker at or after `i`, each searched for again
    // only once `i` passed it: searching for `s`, the first byte of a marker, stopped at every
    // word with an s in it.
    let mut escape = find_from(0, memchr::memchr(ESC, raw));
    let mut section = find_from(0, sections.find(raw));
    let mut i = 0;
    while i < raw.len() {
        if escape < i {
            escape = find_from(i, memchr::memchr(ESC, &raw[i..]));
        }
        if section < i {
            section = find_from(i, sections.find(&raw[i..]));
        }
        // Copy up to the next byte that can start an escape or a marker in one piece.
        let next = escape.min(section);
        text.extend_from_slice(&raw[i..next]);
        i = next;
        if i == raw.len() {
            break;
        }
        if raw[i] == ESC {
            i = skip_escape(raw, i);
            continue;
        }
        if let Some(end) = section_marker_end(raw, i) {
            i = end;
            continue;
        }
        text.push(raw[i]);
        i += 1;
    }
    if timestamp_prefix(&text).is_some() {
        text = strip_timestamps(&text);
    }
    let masked = count_masked(&text);
    CleanLog { text, masked }
}

/// The length of the timestamp prefix a runner puts before each line when job log timestamps
/// are on (`doc/ci/jobs/job_logs.md`, "Job log timestamps"):
/// `2024-01-24T10:47:55.123456Z 00O ` — RFC 3339 UTC time, a two-hex-digit stream number,
/// `O` or `E` for stdout or stderr, `+` when the line continues the previous one.
fn timestamp_prefix(line: &[u8]) -> Option<usize> {
    let digits = |range: std::ops::Range<usize>| {
        line.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && line.get(4) == Some(&b'-')
        && digits(5..7)
        && line.get(7) == Some(&b'-')
        && digits(8..10)
        && line.get(10) == Some(&b'T')
        && digits(11..13)
        && line.get(13) == Some(&b':')
        && digits(14..16)
        && line.get(16) == Some(&b':')
        && digits(17..19);
    if !shape {
        return None;
    }
    let mut at = 19;
    if line.get(at) == Some(&b'.') {
        at += 1;
        while line.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let stream = line.get(at..at + 5)?;
    let ok = stream[0] == b'Z'
        && stream[1] == b' '
        && stream[2..4].iter().all(u8::is_ascii_hexdigit)
        && matches!(stream[4], b'O' | b'E');
    if !ok {
        return None;
    }
    at += 5;
    if line.get(at) == Some(&b'+') {
        at += 1;
    }
    (line.get(at) == Some(&b' ')).then_some(at + 1)
}

/// `text` without the timestamp prefix of each line that has one; a secret printed across
/// lines (a wrapped dump, a PEM key) reads as it was printed.
fn strip_timestamps(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text).map(|at| at + 1);
    for end in ends.chain((text.last() != Some(&b'\n')).then_some(text.len())) {
        let line = &text[start..end];
        out.extend_from_slice(&line[timestamp_prefix(line).unwrap_or(0)..]);
        start = end;
    }
    out
}

/// `[MASKED]` runs in `text`.
pub(crate) fn count_masked(text: &[u8]) -> usize {
    static FINDER: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(MASKED));
    FINDER.find_iter(text).count()
}

/// Index just after the escape sequence starting at `start` (CSI, OSC or a two-byte escape).
fn skip_escape(raw: &[u8], start: usize) -> usize {
    match raw.get(start + 1) {
        // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
        Some(b'[') => {
            let mut j = start + 2;
            while j < raw.len() && raw[j] != b'\n' {
                if (0x40..=0x7e).contains(&raw[j]) {
                    return j + 1;
                }
                j += 1;
            }
            j
        }
        // OSC (hyperlinks, titles): up to BEL or ESC \.
        Some(b']') => {
            let mut j = start + 2;
            while j < raw.len() && raw[j] != b'\n' {
                if raw[j] == BEL {
                    return j + 1;
                }
                if raw[j] == ESC && raw.get(j + 1) == Some(&b'\\') {
                    return j + 2;
                }
                j += 1;
            }
            j
        }
        Some(b'\n') | None => start + 1,
        Some(_) => start + 2,
    }
}

/// If a section marker starts at `i`, the index just after its terminating `\r`.
fn section_marker_end(raw: &[u8], i: usize) -> Option<usize> {
    if raw[i] != b's' {
        return None;
    }
    let rest = &raw[i..];
    let marker = SECTION_MARKERS.iter().find(|m| rest.starts_with(m))?;
    let after = &rest[marker.len()..];
    // `<digits>:<name>` up to `\r`, on one line; otherwise it is prose mentioning the word.
    let ts_len = after.iter().take_while(|b| b.is_ascii_digit()).count();
    if ts_len == 0 || after.get(ts_len) != Some(&b':') {
        return None;
    }
    let cr = after.iter().position(|&b| b == b'\r' || b == b'\n')?;
    (after[cr] == b'\r').then_some(i + marker.len() + cr + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colours_and_sections_keeping_lines() {
        let raw = b"\x1b[0Ksection_start:1700000000:build[collapsed=true]\r\x1b[0K\x1b[36;1mBuilding\x1b[0;m\nok [MASKED]\n\x1b[0Ksection_end:1700000001:build\r\x1b[0K\n";
        let clean = clean_job_log(raw);
        assert_eq!(clean.text, b"Building\nok [MASKED]\n\n".to_vec());
        assert_eq!(clean.masked, 1);
    }

    /// The cleaner as it was: a stop at every `s`.
    fn reference(raw: &[u8]) -> Vec<u8> {
        let mut text = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let next = memchr::memchr2(ESC, b's', &raw[i..]).map_or(raw.len(), |n| i + n);
            text.extend_from_slice(&raw[i..next]);
            i = next;
            if i == raw.len() {
                break;
            }
            if raw[i] == ESC {
                i = skip_escape(raw, i);
            } else if let Some(end) = section_marker_end(raw, i) {
                i = end;
            } else {
                text.push(raw[i]);
                i += 1;
            }
        }
        text
    }

    #[test]
    fn cleaning_stops_only_where_a_marker_or_escape_can_start() {
        let pieces: [&[u8]; 14] = [
            b"\x1b",
            b"[",
            b"]",
            b"0K",
            b"s",
            b"section_",
            b"section_start:",
            b"section_end:",
            b"17",
            b":build",
            b"\r",
            b"\n",
            b"\x07",
            b"\\",
        ];
        let mut state = 0x853c_49e6_748f_ea9bu64;
        for len in [1, 5, 20, 200] {
            for _ in 0..500 {
                let mut raw = Vec::new();
                for _ in 0..len {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    raw.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
                }
                assert_eq!(
                    clean_job_log(&raw).text,
                    reference(&raw),
                    "{:?}",
                    String::from_utf8_lossy(&raw)
                );
            }
        }
    }

    #[test]
    fn timestamp_prefixes_are_removed_when_the_log_has_them() {
        let raw = b"2024-09-10T11:14:02.049653Z 00O Running with gitlab-runner 17.4\n2024-09-10T11:14:03Z 01E+ \x1b[31merror\x1b[0m\nno prefix here\n";
        let clean = clean_job_log(raw);
        assert_eq!(
            clean.text,
            b"Running with gitlab-runner 17.4\nerror\nno prefix here\n".to_vec()
        );
        // A log that does not start with one is left as it is.
        let raw = b"plain\n2024-09-10T11:14:02Z 00O x\n";
        assert_eq!(clean_job_log(raw).text, raw.to_vec());
    }

    #[test]
    fn prose_mentioning_sections_stays() {
        let raw = b"see section_start: in the docs\n";
        assert_eq!(clean_job_log(raw).text, raw.to_vec());
    }
}
