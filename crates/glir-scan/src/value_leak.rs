//! Where did a CI/CD variable's value end up? Known values are searched for in job logs as
//! written, URL-encoded, and inside every base64 (single or double), hex or percent-encoded
//! run, because masking only hides the exact string (gitlabhq doc/ci/variables/_index.md,
//! "Mask a CI/CD variable").

use aho_corasick::{AhoCorasick, MatchKind};

use crate::decode::for_each_decoded;
use crate::{Encoding, Layer};

/// Values shorter than this are not searched: they would match ordinary text. GitLab itself
/// refuses to mask values under 8 characters.
pub const MIN_VALUE_LEN: usize = 8;

/// One sighting of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueHit {
    /// Index of the value in the list given to [`ValueLeakFinder::new`].
    pub value: usize,
    pub encoding: Encoding,
    /// 1-based line of the (outermost) text where it was seen.
    pub line: usize,
}

/// Searches text for a fixed set of secret values in one pass per layer.
pub struct ValueLeakFinder {
    plain: AhoCorasick,
    /// For each pattern of `plain`: which value, and whether it is the URL-encoded form.
    patterns: Vec<(usize, Encoding)>,
}

impl ValueLeakFinder {
    /// Values shorter than [`MIN_VALUE_LEN`] are left out; `searched` says which are in.
    pub fn new(values: &[&str]) -> Result<ValueLeakFinder, crate::Error> {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        let mut patterns = Vec::new();
        for (index, value) in values.iter().enumerate() {
            if value.len() < MIN_VALUE_LEN {
                continue;
            }
            needles.push(value.as_bytes().to_vec());
            patterns.push((index, Encoding::PLAIN));
            let encoded = percent_encode(value);
            if encoded != *value {
                needles.push(encoded.into_bytes());
                patterns.push((index, Encoding::of(&[Layer::Percent])));
            }
        }
        let plain = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&needles)?;
        Ok(ValueLeakFinder { plain, patterns })
    }

    /// Whether the value at `index` is searched for at all.
    pub fn searched(&self, index: usize) -> bool {
        self.patterns.iter().any(|(v, _)| *v == index)
    }

    /// Each (value, encoding, line) is reported once: a URL-encoded value is also seen by the
    /// percent-decoding layer.
    pub fn find(&self, text: &[u8], sink: &mut dyn FnMut(ValueHit)) {
        let line_of = |offset: usize| memchr::memchr_iter(b'\n', &text[..offset]).count() + 1;
        let mut seen: Vec<ValueHit> = Vec::new();
        let mut emit = |hit: ValueHit| {
            if !seen.contains(&hit) {
                seen.push(hit);
                sink(hit);
            }
        };
        for m in self.plain.find_iter(text) {
            let (value, encoding) = self.patterns[m.pattern().as_usize()];
            emit(ValueHit {
                value,
                encoding,
                line: line_of(m.start()),
            });
        }
        for_each_decoded(text, &mut |run, decoded, encoding| {
            for m in self.plain.find_iter(decoded) {
                let (value, _) = self.patterns[m.pattern().as_usize()];
                emit(ValueHit {
                    value,
                    encoding,
                    line: line_of(run.start),
                });
            }
        });
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, as `curl --data-urlencode`
/// and most URL builders do.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    const VALUE: &str = "Sim+Leak/Secret=Value!2026";

    fn hits(text: &str) -> Vec<ValueHit> {
        let finder = ValueLeakFinder::new(&["short", VALUE]).unwrap();
        assert!(!finder.searched(0));
        let mut out = Vec::new();
        finder.find(text.as_bytes(), &mut |h| out.push(h));
        out
    }

    #[test]
    fn finds_plain_url_encoded_base64_and_double_base64() {
        let b64 = STANDARD.encode(format!("API_SECRET_KEY={VALUE}\nHOME=/root\n"));
        let double = STANDARD.encode(&b64);
        let text = format!(
            "$ echo start\nkey={VALUE}\ncurl -d 'k={}'\n{b64}\n{double}\nshort short\n",
            percent_encode(VALUE)
        );
        let got: Vec<(usize, Encoding, usize)> = hits(&text)
            .iter()
            .map(|h| (h.value, h.encoding, h.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, Encoding::PLAIN, 2),
                (1, Encoding::of(&[Layer::Percent]), 3),
                (1, Encoding::of(&[Layer::Base64]), 4),
                (1, Encoding::of(&[Layer::Base64, Layer::Base64]), 5),
            ]
        );
    }

    #[test]
    fn masked_output_is_not_a_hit() {
        assert!(hits("key=[MASKED]\n").is_empty());
    }
}
