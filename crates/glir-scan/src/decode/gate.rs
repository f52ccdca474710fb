//! Which encoded runs are worth decoding: those holding a rule keyword encoded. A keyword inside
//! base64 text appears, whatever its alignment, as one of three fixed strings (the characters no
//! neighbouring byte changes); inside two layers, as the encodings of those; inside hex, as its
//! hex digits. One Aho-Corasick pass over the data finds them, so a file is decoded only around
//! them instead of at every long word (most words of source and logs are base64-shaped).

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use super::runs::{BASE64, WORD};

/// Shortest encoded form worth searching for: shorter ones would hit ordinary words.
const MIN_FORM: usize = 4;

/// The encoded forms of a rule set's keywords.
#[derive(Debug)]
pub(crate) struct EncodedKeywords {
    automaton: AhoCorasick,
    /// Per pattern: whether it is a hex form (else base64).
    hex: Vec<bool>,
}

impl EncodedKeywords {
    pub(crate) fn new(keywords: &[String]) -> Result<EncodedKeywords, aho_corasick::BuildError> {
        let mut forms: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut add = |form: Vec<u8>, hex: bool| {
            if form.len() >= MIN_FORM && !forms.iter().any(|(f, _)| *f == form) {
                forms.push((form, hex));
            }
        };
        for keyword in keywords {
            let once = base64_forms(keyword.as_bytes());
            for form in &once {
                for twice in base64_forms(form) {
                    add(twice, false);
                }
            }
            for form in once {
                add(form, false);
            }
            add(hex::encode(keyword).into_bytes(), true);
            add(hex::encode_upper(keyword).into_bytes(), true);
        }
        // Hundreds of forms: too many for the SIMD searcher, so a DFA, which keeps one state
        // step per byte however many there are.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(forms.iter().map(|(f, _)| f))?;
        Ok(EncodedKeywords {
            automaton,
            hex: forms.into_iter().map(|(_, hex)| hex).collect(),
        })
    }

    /// The base64 runs and hex runs of `data` that hold an encoded keyword, in order, each once.
    pub(crate) fn runs(&self, data: &[u8]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let (mut base64, mut hex) = (Vec::new(), Vec::new());
        for hit in self.automaton.find_iter(data) {
            // Leftmost-first matches do not overlap; a run's further hits are skipped below.
            let (runs, class): (&mut Vec<Range<usize>>, &[bool; 256]) =
                if self.hex[hit.pattern().as_usize()] {
                    (&mut hex, &WORD)
                } else {
                    (&mut base64, &BASE64)
                };
            if runs.last().is_some_and(|r| r.contains(&hit.start())) {
                continue;
            }
            let mut start = hit.start();
            while start > 0 && class[data[start - 1] as usize] {
                start -= 1;
            }
            let mut end = hit.end();
            while end < data.len() && class[data[end] as usize] {
                end += 1;
            }
            if !self.hex[hit.pattern().as_usize()] {
                // Padding, as `runs::base64` takes it.
                let body = end;
                while end < data.len() && end - body < 2 && data[end] == b'=' {
                    end += 1;
                }
            }
            runs.push(start..end);
        }
        (base64, hex)
    }
}

/// The characters of `text`'s base64 encoding that do not depend on its neighbours, for each of
/// the three alignments, in the standard and the URL-safe alphabet.
fn base64_forms(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(text);
        // Character k covers bits [6k, 6k + 6): stable when inside [8 * offset, 8 * padded.len()).
        let first = (8 * offset).div_ceil(6);
        let Some(last) = (8 * padded.len()).checked_sub(6).map(|bits| bits / 6) else {
            continue;
        };
        if last < first {
            continue;
        }
        for encoded in [
            STANDARD_NO_PAD.encode(&padded),
            URL_SAFE_NO_PAD.encode(&padded),
        ] {
            let form = encoded.as_bytes()[first..=last].to_vec();
            if !out.contains(&form) {
                out.push(form);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn a_keyword_is_found_in_base64_at_every_alignment_and_two_layers_deep() {
        let gate = EncodedKeywords::new(&["glpat-".to_string()]).unwrap();
        for lead in ["", "a", "ab", "abc", "TOKEN=", "x\n"] {
            let text = format!("{lead}glpat-AAAAbbbbCCCCddddEEEE rest");
            let once = STANDARD.encode(&text);
            let (runs, _) = gate.runs(format!("v: {once} .").as_bytes());
            assert_eq!(runs, vec![(3..3 + once.len())], "{lead:?}");
            let twice = STANDARD.encode(&once);
            let (runs, _) = gate.runs(format!("v: {twice} .").as_bytes());
            assert_eq!(runs, vec![(3..3 + twice.len())], "twice, {lead:?}");
        }
        let hexed = hex::encode("x glpat-AAAA");
        let (_, runs) = gate.runs(format!("h={hexed};").as_bytes());
        assert_eq!(runs, vec![(2..2 + hexed.len())]);
        let (b, h) = gate.runs(b"an ordinary line of source code with identifiers_and_words");
        assert!(b.is_empty() && h.is_empty());
    }
}
