//! JSON string escapes undone, lines kept. Captured API responses, HAR files and PHP-style
//! encoders write `/` as `\/` and any byte as `\u00XX`, which splits a webhook URL or a base64
//! run (whose alphabet holds `/`) so no rule or decoder sees it whole. `\n`, `\r` and `\t` stay
//! as written: turning them into line breaks would move every later line away from the file's.

/// A JSON-unescaped copy of some text and the way back to the original's offsets.
pub(crate) struct Unescaped {
    /// The text with `\/`, `\"`, `\\` and `\uXXXX` decoded; same lines as the original.
    pub(crate) text: Vec<u8>,
    /// `(offset in text, offset in the original)` after each escape: the mapping is linear
    /// between two entries.
    anchors: Vec<(usize, usize)>,
}

impl Unescaped {
    /// The original offset of `at`, an offset into [`text`](Self::text).
    pub(crate) fn original(&self, at: usize) -> usize {
        let after = self.anchors.partition_point(|&(text, _)| text <= at);
        match after.checked_sub(1) {
            Some(i) => {
                let (text, original) = self.anchors[i];
                original + (at - text)
            }
            None => at,
        }
    }
}

/// `data` with its JSON string escapes undone, or `None` when nothing changed.
pub(crate) fn unescape(data: &[u8]) -> Option<Unescaped> {
    let mut text = Vec::with_capacity(data.len());
    let mut anchors = Vec::new();
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'\\', &data[i..]) {
        let at = i + found;
        text.extend_from_slice(&data[i..at]);
        let (decoded, used) = escape_at(&data[at..]);
        match decoded {
            Some(bytes) => {
                text.extend_from_slice(bytes.as_slice());
                anchors.push((text.len(), at + used));
            }
            None => text.extend_from_slice(&data[at..at + used]),
        }
        i = at + used;
    }
    text.extend_from_slice(&data[i..]);
    (!anchors.is_empty()).then_some(Unescaped { text, anchors })
}

/// The bytes an escape at the start of `rest` (which starts with `\`) stands for, and how many
/// bytes of `rest` it takes; `None` for an escape kept as written.
fn escape_at(rest: &[u8]) -> (Option<Utf8>, usize) {
    match rest.get(1) {
        Some(&b @ (b'/' | b'"' | b'\\')) => (Some(Utf8::ascii(b)), 2),
        Some(b'u') => match hex4(&rest[2..]) {
            Some(high @ 0xd800..=0xdbff) => {
                let low = rest
                    .get(6..8)
                    .filter(|pair| *pair == b"\\u")
                    .and_then(|_| hex4(&rest[8..]))
                    .filter(|low| (0xdc00..=0xdfff).contains(low));
                match low {
                    Some(low) => {
                        let code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
                        (char::from_u32(code).map(Utf8::char), 12)
                    }
                    None => (None, 6),
                }
            }
            Some(code) => (char::from_u32(code).map(Utf8::char), 6),
            None => (None, 2),
        },
        // `\n`, `\t`, a lone backslash at the end: kept, both bytes at once so the second is
        // never read as the start of another escape.
        Some(_) => (None, 2),
        None => (None, 1),
    }
}

fn hex4(digits: &[u8]) -> Option<u32> {
    let digits = std::str::from_utf8(digits.get(..4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// One character's UTF-8 bytes, without allocating.
struct Utf8 {
    bytes: [u8; 4],
    len: usize,
}

impl Utf8 {
    fn ascii(b: u8) -> Utf8 {
        Utf8 {
            bytes: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn char(c: char) -> Utf8 {
        let mut bytes = [0u8; 4];
        let len = c.encode_utf8(&mut bytes).len();
        Utf8 { bytes, len }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memchr::memmem;

    #[test]
    fn escapes_are_undone_and_offsets_map_back() {
        let data = br#"{"url":"https:\/\/hooks.example\/T0","k":"\u0067lpat-x","n":"a\nb"}"#;
        let out = unescape(data).unwrap();
        assert_eq!(
            out.text,
            br#"{"url":"https://hooks.example/T0","k":"glpat-x","n":"a\nb"}"#.to_vec()
        );
        let at = |needle: &[u8], hay: &[u8]| memmem::find(hay, needle).unwrap();
        for needle in [&b"hooks"[..], b"T0", b"lpat-x", b"a\\nb"] {
            assert_eq!(out.original(at(needle, &out.text)), at(needle, data));
        }
        assert_eq!(out.original(0), 0);
    }

    #[test]
    fn surrogate_pairs_and_broken_escapes() {
        let out = unescape(br#"\ud83d\ude00 \ud83d x \uZZZZ \/"#).unwrap();
        assert_eq!(out.text, "😀 \\ud83d x \\uZZZZ /".as_bytes());
        assert!(unescape(b"no escapes\\n here\\").is_none());
    }
}
