//! Which encoded runs are worth decoding: those holding a rule keyword encoded. A keyword inside
//! base64 text appears, whatever its alignment, as one of three fixed strings (the characters no
//! neighbouring byte changes); inside two layers, as the encodings of those; inside hex, as its
//! hex digits. One Aho-Corasick pass over the data finds them, so a file is decoded only around
//! them instead of at every long word (most words of source and logs are base64-shaped).

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use super::MIN_BASE64;
use super::runs::{self, BASE64, WORD};

/// Shortest encoded form worth searching for: shorter ones would hit ordinary words.
const MIN_FORM: usize = 4;
/// Shortest segment of base64 characters that can hold a run that decodes: a base64 run is the
/// segment and up to two `=`, and needs [`MIN_BASE64`] bytes; a hex run (word characters, all
/// base64 characters) needs [`MIN_HEX`](super::MIN_HEX).
const MIN_SEGMENT: usize = MIN_BASE64 - 2;

/// The encoded forms of a rule set's keywords.
#[derive(Debug)]
pub(crate) struct EncodedKeywords {
    automaton: AhoCorasick,
    /// Per pattern: whether it is a hex form (else base64).
    hex: Vec<bool>,
    leads: Leads,
}

/// Three bytes of every form, from its start and from one byte in, hashed into a bit set. A form
/// (four bytes or more) that starts at an even offset of a segment has its first three bytes
/// there, one at an odd offset its next three at the even offset after, so looking up the three
/// bytes at every even offset finds every segment that holds a form, and rules out most others.
/// A look-up costs a cycle or two where the automaton's table, too big for the cache, costs
/// several; with ~700 bits set of 2^18 few segments pass by chance.
struct Leads {
    bits: Vec<u64>,
}

impl Leads {
    const HASH_BITS: u32 = 18;

    fn new<'f>(forms: impl Iterator<Item = &'f [u8]>) -> Leads {
        let mut leads = Leads {
            bits: vec![0; (1 << Self::HASH_BITS) / 64],
        };
        for form in forms {
            for three in [&form[..3], &form[1..4]] {
                let bit = Self::hash(three);
                leads.bits[bit / 64] |= 1 << (bit % 64);
            }
        }
        leads
    }

    fn hash(three: &[u8]) -> usize {
        let word = u32::from(three[0]) | u32::from(three[1]) << 8 | u32::from(three[2]) << 16;
        (word.wrapping_mul(0x9e37_79b1) >> (32 - Self::HASH_BITS)) as usize
    }

    /// Whether some form may lie in `segment`; never `false` where one does.
    fn any_in(&self, segment: &[u8]) -> bool {
        // Pairs at even offsets, each with the byte after it.
        let thirds = segment.iter().skip(2).step_by(2);
        segment.chunks_exact(2).zip(thirds).any(|(two, &third)| {
            let bit = Self::hash(&[two[0], two[1], third]);
            self.bits[bit / 64] & (1 << (bit % 64)) != 0
        })
    }
}

impl std::fmt::Debug for Leads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leads").finish_non_exhaustive()
    }
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
            leads: Leads::new(forms.iter().map(|(f, _)| f.as_slice())),
            hex: forms.into_iter().map(|(_, hex)| hex).collect(),
        })
    }

    /// The base64 runs and hex runs of `data` that hold an encoded keyword and are long enough
    /// to decode, in order, each once.
    pub(crate) fn runs(&self, data: &[u8]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let (mut base64, mut hex) = (Vec::new(), Vec::new());
        // Forms are made of base64 characters, so every hit lies inside one segment of them,
        // and searching segment by segment finds what one search over `data` would. Only long
        // segments where a form may start are searched: the automaton costs several cycles a
        // byte, and most of any text is short words.
        runs::long_base64_segments::<MIN_SEGMENT>(data, |segment| {
            if self.leads.any_in(&data[segment.clone()]) {
                self.hits(data, segment, &mut base64, &mut hex);
            }
        });
        (base64, hex)
    }

    /// The runs around the hits inside `span`, appended to `base64` and `hex`.
    fn hits(
        &self,
        data: &[u8],
        span: Range<usize>,
        base64: &mut Vec<Range<usize>>,
        hex: &mut Vec<Range<usize>>,
    ) {
        for hit in self.automaton.find_iter(Input::new(data).range(span)) {
            // Leftmost-first matches do not overlap; a run's further hits are skipped below.
            let (runs, class): (&mut Vec<Range<usize>>, &[bool; 256]) =
                if self.hex[hit.pattern().as_usize()] {
                    (&mut *hex, &WORD)
                } else {
                    (&mut *base64, &BASE64)
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
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    /// The gate as it was before segments: one search over all of `data`, every run kept.
    fn reference(gate: &EncodedKeywords, data: &[u8]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let (mut base64, mut hex) = (Vec::new(), Vec::new());
        gate.hits(data, 0..data.len(), &mut base64, &mut hex);
        (base64, hex)
    }

    /// The runs `decode` could decode: the others it drops for their length alone.
    fn decodable(
        (base64, hex): (Vec<Range<usize>>, Vec<Range<usize>>),
    ) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        (
            base64
                .into_iter()
                .filter(|r| r.len() >= MIN_BASE64)
                .collect(),
            hex.into_iter()
                .filter(|r| r.len() >= super::super::MIN_HEX)
                .collect(),
        )
    }

    fn every_keyword() -> Vec<String> {
        let opts = crate::RuleOptions {
            custom_pat_prefix: Some("acmepat_".into()),
            generic: true,
            ..Default::default()
        };
        let mut keywords: Vec<String> = crate::rules::RuleSet::builtin(&opts)
            .unwrap()
            .rules
            .iter()
            .flat_map(|r| r.keywords.clone())
            .collect();
        keywords.sort();
        keywords.dedup();
        keywords
    }

    /// Text where encoded keywords sit in base64 runs of every length around the segment
    /// threshold, at every offset from a block boundary, once and twice encoded, in hex, and
    /// touching `=`, word and non-word neighbours.
    fn adversarial(keywords: &[String]) -> Vec<Vec<u8>> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let fill: &[u8] = b"AZaz09+/_-";
        let edges: [&[u8]; 6] = [b" ", b"=", b"==", b"\n", b".", b"\xff"];
        let mut out = Vec::new();
        for keyword in keywords {
            let once = STANDARD.encode(format!("x{keyword}y"));
            let encodings = [
                once.clone(),
                URL_SAFE.encode(format!("ab{keyword}")),
                STANDARD.encode(&once),
                STANDARD.encode(format!("{keyword}z")),
                hex::encode(keyword),
                hex::encode_upper(format!("!{keyword}")),
            ];
            for encoded in encodings {
                for _ in 0..12 {
                    let mut text = Vec::new();
                    let prose: &[u8] = b"ab c\n+=";
                    for _ in 0..next(80) {
                        text.push(prose[next(prose.len())]);
                    }
                    text.extend_from_slice(edges[next(edges.len())]);
                    // Cut the form short or pad it so runs straddle the segment threshold.
                    let keep = encoded.len() - next(encoded.len().min(6));
                    for _ in 0..next(12) {
                        text.push(fill[next(fill.len())]);
                    }
                    text.extend_from_slice(&encoded.as_bytes()[..keep]);
                    for _ in 0..next(12) {
                        text.push(fill[next(fill.len())]);
                    }
                    text.extend_from_slice(edges[next(edges.len())]);
                    out.push(text);
                }
            }
        }
        // Random base64-heavy text, where segments of every length meet block boundaries.
        for len in [0, 13, 14, 63, 64, 65, 200, 5000] {
            for _ in 0..50 {
                let alphabet: &[u8] = b"Z2xwYXQt=. 0aF";
                out.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
            }
        }
        out
    }

    #[test]
    fn the_leads_see_a_form_at_either_parity_up_to_the_segments_end() {
        // Four-byte forms are the shortest; at an odd offset flush with the end, only the
        // three bytes at the last even offset are there to look up.
        let forms: [&[u8]; 3] = [b"Z2xw", b"bHBh", b"cGF0LX"];
        let leads = Leads::new(forms.iter().copied());
        for form in forms {
            for lead in 0..6 {
                for trail in 0..3 {
                    let mut segment = b"+-+-+-"[..lead].to_vec();
                    segment.extend_from_slice(form);
                    segment.extend_from_slice(&b"/_/"[..trail]);
                    assert!(
                        leads.any_in(&segment),
                        "{:?}",
                        String::from_utf8_lossy(&segment)
                    );
                }
            }
        }
        assert!(!leads.any_in(b"+-+-+-+-+-+-+-+-"));
    }

    #[test]
    fn the_gate_keeps_every_decodable_run_one_search_over_the_data_finds() {
        let keywords = every_keyword();
        let gate = EncodedKeywords::new(&keywords).unwrap();
        let mut with_runs = 0;
        for text in adversarial(&keywords) {
            // Shift the text across a block boundary: segments are found block by block.
            for lead in [0, 1, 13, 50, 63, 64] {
                let mut data = vec![b' '; lead];
                data.extend_from_slice(&text);
                let found = gate.runs(&data);
                let all = reference(&gate, &data);
                assert!(
                    found.0.iter().all(|r| all.0.contains(r))
                        && found.1.iter().all(|r| all.1.contains(r)),
                    "a run the reference does not have in {:?}",
                    String::from_utf8_lossy(&data)
                );
                let expected = decodable(all);
                with_runs += usize::from(!expected.0.is_empty() || !expected.1.is_empty());
                assert_eq!(
                    decodable(found),
                    expected,
                    "in {:?}",
                    String::from_utf8_lossy(&data)
                );
            }
        }
        // The inputs must exercise the gate, not only agree on finding nothing.
        assert!(with_runs > 1000, "{with_runs}");
    }

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
