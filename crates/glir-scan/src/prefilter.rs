//! The literal-keyword prefilter. Behind a small trait so a Vectorscan backend can be added
//! later behind a feature without touching rule confirmation.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::Error;

/// A keyword occurrence in the scanned bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeywordHit {
    /// Index into the keyword list the prefilter was built from.
    pub keyword: usize,
    pub start: usize,
    pub end: usize,
}

/// Finds keyword occurrences, in ascending order of `start`.
pub(crate) trait Prefilter: Send + Sync + std::fmt::Debug {
    fn for_each_hit(&self, data: &[u8], on_hit: &mut dyn FnMut(KeywordHit));
}

/// One Aho-Corasick automaton over every rule's keywords.
#[derive(Debug)]
pub(crate) struct AhoCorasickPrefilter {
    automaton: AhoCorasick,
}

impl AhoCorasickPrefilter {
    pub fn new(keywords: &[String]) -> Result<Self, Error> {
        // Leftmost-longest rather than Standard: aho-corasick only uses its packed (Teddy)
        // SIMD searcher for leftmost match kinds, and that searcher is what makes the scan
        // run at memory speed. Keywords sharing a prefix are resolved to the longest one.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(keywords)?;
        Ok(AhoCorasickPrefilter { automaton })
    }
}

impl Prefilter for AhoCorasickPrefilter {
    fn for_each_hit(&self, data: &[u8], on_hit: &mut dyn FnMut(KeywordHit)) {
        for m in self.automaton.find_iter(data) {
            on_hit(KeywordHit {
                keyword: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            });
        }
    }
}
