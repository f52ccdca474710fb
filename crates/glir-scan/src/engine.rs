//! The scanner: one keyword prefilter pass over the data, then each hit confirmed by its
//! rule's regex on a bounded window around the keyword.

use std::collections::HashSet;

use glir_tokens::{Family, Identification};
use memchr::{memchr, memchr_iter, memrchr};

use std::ops::Range;

use crate::decode::json_escape::Unescaped;
use crate::decode::wrapped::Block;
use crate::decode::{self, Encoding, Layer};
use crate::prefilter::{AhoCorasickPrefilter, KeywordHit, Prefilter};
use crate::rules::{Check, Confidence, Rule, RuleSet, Verdict, is_body_byte};
use crate::{Error, ignore_marker};

/// A confirmed candidate.
///
/// This is the only type that holds the plaintext secret: a caller that needs it (to verify
/// it against GitLab) must take it from here, because [`crate::Finding`] stores only the
/// redacted form and fingerprint. `Debug` is deliberately redacted.
pub struct RawMatch<'r> {
    /// The rule that matched.
    pub rule: &'r Rule,
    /// The plaintext secret. Never print or store it; use `glir_redact`.
    pub secret: String,
    /// Byte offset of the match in the scanned data (of the encoded run for decoded matches).
    pub start: usize,
    /// End byte offset (exclusive), same convention as `start`.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based byte column of `start`.
    pub column: usize,
    /// Which decoding layer revealed the secret.
    pub encoding: Encoding,
    /// The inline marker on the same line, if any; callers drop such matches unless told not to.
    pub suppressed_by: Option<&'static str>,
    /// Structure checks passed (GitLab: `identify`, and the token ends where its body ends;
    /// third-party: the format matched).
    pub structurally_valid: bool,
    /// How sure the match is to be a real secret, from its form.
    pub confidence: Confidence,
    /// Offline identification, for GitLab rules.
    pub identification: Option<Identification>,
}

impl std::fmt::Debug for RawMatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawMatch")
            .field("rule", &self.rule.id)
            .field("secret", &glir_redact::redact(&self.secret))
            .field("line", &self.line)
            .field("column", &self.column)
            .field("encoding", &self.encoding)
            .field("suppressed_by", &self.suppressed_by)
            .field("structurally_valid", &self.structurally_valid)
            .finish_non_exhaustive()
    }
}

/// A compiled rule set ready to scan bytes.
#[derive(Debug)]
pub struct Scanner {
    rules: RuleSet,
    prefilter: Box<dyn Prefilter>,
    /// For each prefilter keyword, the rules it can start.
    keyword_rules: Vec<Vec<usize>>,
    /// The keywords as they read encoded: which runs are worth decoding.
    encoded: decode::EncodedKeywords,
}

impl Scanner {
    /// Build the prefilter over every rule's keywords.
    ///
    /// # Errors
    /// When the keyword automaton cannot be built.
    pub fn new(rules: RuleSet) -> Result<Scanner, Error> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.rules.iter().enumerate() {
            for keyword in &rule.keywords {
                match keywords.iter().position(|k| k == keyword) {
                    Some(existing) => keyword_rules[existing].push(index),
                    None => {
                        keywords.push(keyword.clone());
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let prefilter = Box::new(AhoCorasickPrefilter::new(&keywords)?);
        let mut encoded_keywords: Vec<String> = Vec::new();
        for keyword in rules.rules.iter().flat_map(|r| &r.encoded_keywords) {
            if !encoded_keywords.contains(keyword) {
                encoded_keywords.push(keyword.clone());
            }
        }
        let encoded = decode::EncodedKeywords::new(&encoded_keywords)?;
        Ok(Scanner {
            rules,
            prefilter,
            keyword_rules,
            encoded,
        })
    }

    /// The rules this scanner runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scan plain bytes; every confirmed candidate goes to `sink` in ascending offset order
    /// per rule.
    pub fn scan<'s>(&'s self, data: &[u8], sink: &mut dyn FnMut(RawMatch<'s>)) {
        self.scan_plain(data, View::of(data), sink);
    }

    /// The pipeline every source goes through (files, git blobs, job logs, artifacts): content
    /// that looks like a CI job log (an escape code or a runner section marker anywhere) is first
    /// cleaned of ANSI sequences and section markers with its lines kept, and then scanned plain
    /// and through its base64, double base64, hex and percent-encoded layers
    /// ([`scan_decoded`](Self::scan_decoded)), and once more with JSON string escapes undone
    /// when it has any (`\/`, `\uXXXX`). Responders often hold job logs as files (exported
    /// traces, artifacts, a runner's disk); what they came from does not decide how they read.
    /// Returns how many `[MASKED]` runs a log held.
    pub fn scan_content<'s>(&'s self, data: &[u8], sink: &mut dyn FnMut(RawMatch<'s>)) -> usize {
        let clean;
        let mut blocks = Vec::new();
        let markers = crate::markers::find(data);
        let job_log = markers.job_log;
        let (text, masked) = if job_log {
            clean = crate::joblog::clean_job_log(data);
            // Logs are where `xxd -p` and `base64` print wrapped dumps of a secret.
            blocks = decode::wrapped::blocks(&clean.text);
            (&clean.text[..], clean.masked)
        } else {
            // So are mails: MIME wraps base64 parts at 76 columns.
            if markers.mime_base64 {
                blocks = decode::wrapped::blocks(data);
            }
            (data, crate::joblog::count_masked(data))
        };
        let mut seen = HashSet::new();
        let view = View {
            blocks: &blocks,
            ..View::of(text)
        };
        self.scan_layers(text, view, &mut seen, sink);
        let mut named = Vec::new();
        if markers.kubernetes_secret {
            named.extend(crate::named::kubernetes_secret_data(text));
        }
        if job_log {
            named.extend(crate::named::printed_variables(text));
        }
        let mut lines = LineCursor::default();
        for value in &named {
            let decoded = Decoded {
                run: value.at.clone(),
                text: &value.text,
                encoding: value.encoding,
            };
            self.report_decoded(text, &decoded, &mut lines, &mut seen, sink);
        }
        if markers.json_escapes
            && let Some(unescaped) = decode::json_escape::unescape(text)
        {
            let view = View {
                original: text,
                unescaped: Some(&unescaped),
                encoding: Encoding::of(&[Layer::JsonEscaped]),
                blocks: &[],
            };
            self.scan_layers(&unescaped.text, view, &mut seen, sink);
        }
        masked
    }

    /// Scan plain bytes and, in addition, the decoded contents of base64 (up to two layers),
    /// hex and percent-encoded runs. Decoded matches are reported at the line of the encoded
    /// run with `encoding` set; a decoded secret already found in plain text on the same line
    /// is not reported twice. Meant for job logs, where `env | base64 -w0 | base64 -w0`
    /// defeats masking.
    pub fn scan_decoded<'s>(&'s self, data: &[u8], sink: &mut dyn FnMut(RawMatch<'s>)) {
        self.scan_layers(data, View::of(data), &mut HashSet::new(), sink);
    }

    /// [`scan_decoded`](Self::scan_decoded) of `data`, whose findings are placed in `view`;
    /// `(line, secret)` pairs in `seen` are not reported again.
    fn scan_layers<'s>(
        &'s self,
        data: &[u8],
        view: View<'_>,
        seen: &mut HashSet<(usize, String)>,
        sink: &mut dyn FnMut(RawMatch<'s>),
    ) {
        self.scan_plain(data, view, &mut |m| {
            // Written out twice on one line, a secret is two matches; seen through an unescaped
            // copy, it is one already reported.
            if !seen.insert((m.line, m.secret.clone())) && view.unescaped.is_some() {
                return;
            }
            sink(m);
        });
        let runs = decode::gated_runs(data, &self.encoded);
        // A keyword found encoded on one line of a wrapped dump (a mail's base64 part): the
        // dump's lines are joined, whatever the content looked like.
        let found;
        let view = if view.blocks.is_empty() && runs.has_wrapped_line(data) {
            found = decode::wrapped::blocks(data);
            View {
                blocks: &found,
                ..view
            }
        } else {
            view
        };
        let mut lines = LineCursor::default();
        decode::for_each_gated(data, runs, &mut |run, decoded, layers| {
            // A run inside a wrapped dump is one line of it; the whole block is decoded below.
            if view.inside_block(run.start) {
                return;
            }
            let run = view.original_offset(run.start)..view.original_offset(run.end);
            let decoded = Decoded {
                run,
                text: decoded,
                encoding: view.encoding.chain(layers),
            };
            self.report_decoded(view.original, &decoded, &mut lines, seen, sink);
        });
        for block in view.blocks {
            let mut lines = LineCursor::default();
            decode::for_each_decoded(&block.joined, &mut |_, decoded, layers| {
                let decoded = Decoded {
                    run: view.original_offset(block.range.start)
                        ..view.original_offset(block.range.end),
                    text: decoded,
                    encoding: view.encoding.chain(layers),
                };
                self.report_decoded(view.original, &decoded, &mut lines, seen, sink);
            });
        }
    }

    /// The secrets in one decoded run, reported at the run's place in `original`.
    fn report_decoded<'s>(
        &'s self,
        original: &[u8],
        decoded: &Decoded<'_>,
        lines: &mut LineCursor,
        seen: &mut HashSet<(usize, String)>,
        sink: &mut dyn FnMut(RawMatch<'s>),
    ) {
        let start = decoded.run.start;
        let (line, column) = lines.locate(original, start);
        self.confirm_hits(decoded.text, &mut |rule, secret, _, _, verdict| {
            if !seen.insert((line, secret.clone())) {
                return;
            }
            sink(RawMatch {
                rule,
                secret,
                start,
                end: decoded.run.end,
                line,
                column,
                encoding: decoded.encoding,
                suppressed_by: ignore_marker::find(line_at(original, start)),
                structurally_valid: verdict.structurally_valid,
                confidence: verdict.confidence,
                identification: verdict.identification,
            });
        });
    }

    /// The plain matches of `data`, placed in `view`.
    fn scan_plain<'s>(&'s self, data: &[u8], view: View<'_>, sink: &mut dyn FnMut(RawMatch<'s>)) {
        let mut lines = LineCursor::default();
        self.confirm_hits(data, &mut |rule, secret, start, end, verdict| {
            let (start, end) = (view.original_offset(start), view.original_offset(end));
            let (line, column) = lines.locate(view.original, start);
            sink(RawMatch {
                rule,
                secret,
                start,
                end,
                line,
                column,
                encoding: view.encoding,
                suppressed_by: ignore_marker::find(line_at(view.original, start)),
                structurally_valid: verdict.structurally_valid,
                confidence: verdict.confidence,
                identification: verdict.identification,
            });
        });
    }

    /// Run the prefilter and confirm each hit; `emit(rule, secret, start, end, verdict)`.
    fn confirm_hits<'s>(
        &'s self,
        data: &[u8],
        emit: &mut dyn FnMut(&'s Rule, String, usize, usize, Verdict),
    ) {
        // A rule's previous match end: hits inside it (the END line of a PEM block, a second
        // keyword in the same token) are not searched again.
        let mut covered = vec![0usize; self.rules.rules.len()];
        // Secrets already reported here: two rules reading the same secret (an AWS secret key
        // by its name and by its key id) report it once.
        let mut reported: HashSet<(usize, usize)> = HashSet::new();
        // The generic rule's candidates wait for the end: a specific rule whose keyword comes
        // later (`"bot_token": "xoxb-…"`) may claim the same span, and then it is the finding.
        let mut generic: Vec<(&'s Rule, Confirmed, Verdict)> = Vec::new();
        let mut specific: Vec<(usize, usize)> = Vec::new();
        self.prefilter.for_each_hit(data, &mut |hit| {
            for &index in &self.keyword_rules[hit.keyword] {
                if hit.start < covered[index] {
                    continue;
                }
                let rule = &self.rules.rules[index];
                if rule.then.is_some_and(|then| !then.follows(data, hit.end)) {
                    continue;
                }
                let Some(mut found) = confirm(rule, data, hit, covered[index]) else {
                    continue;
                };
                covered[index] = found.match_end;
                let Some(mut verdict) = self.rules.verdict(rule, &found.text) else {
                    continue;
                };
                let mut checksum_ends_it = false;
                if matches!(rule.check, Check::GitLab)
                    && !verdict.structurally_valid
                    && let Some((cut, valid)) = self.routable_before_a_dot(rule, &found.text)
                {
                    found.end = found.start + cut.len();
                    found.text = cut;
                    verdict = valid;
                    checksum_ends_it = true;
                }
                if matches!(rule.check, Check::Entropy(_)) {
                    generic.push((rule, found, verdict));
                    continue;
                }
                if !reported.insert((found.start, found.end)) {
                    continue;
                }
                specific.push((found.start, found.end));
                // A GitLab body longer than the rule reads on is not the shorter token its
                // first characters would make.
                let prefixed = matches!(rule.check, Check::GitLab);
                if prefixed
                    && !checksum_ends_it
                    && verdict.structurally_valid
                    && rule.family.is_some_and(|f| {
                        data.get(found.match_end).is_some_and(|&b| continues(f, b))
                    })
                {
                    verdict.structurally_valid = false;
                    verdict.confidence = Confidence::Low;
                    if let Some(id) = verdict.identification.as_mut() {
                        id.structurally_valid = false;
                        id.checks.push(format!(
                            "the body goes on past the longest {} this rule reads",
                            rule.name
                        ));
                    }
                }
                emit(rule, found.text, found.start, found.end, verdict);
            }
        });
        if generic.is_empty() {
            return;
        }
        let claimed = Claimed::new(specific);
        for (rule, found, verdict) in generic {
            if !claimed.overlaps(found.start, found.end) {
                emit(rule, found.text, found.start, found.end, verdict);
            }
        }
    }
}

/// The spans specific rules reported, to test a generic candidate against.
struct Claimed {
    /// Sorted by start.
    spans: Vec<(usize, usize)>,
    /// The furthest end among `spans[..=i]`.
    furthest_end: Vec<usize>,
}

impl Claimed {
    fn new(mut spans: Vec<(usize, usize)>) -> Claimed {
        spans.sort_unstable();
        let furthest_end = spans
            .iter()
            .scan(0, |furthest, &(_, end)| {
                *furthest = end.max(*furthest);
                Some(*furthest)
            })
            .collect();
        Claimed {
            spans,
            furthest_end,
        }
    }

    /// Whether a span claimed by a specific rule shares a byte with `start..end`.
    fn overlaps(&self, start: usize, end: usize) -> bool {
        let before_end = self.spans.partition_point(|&(s, _)| s < end);
        before_end > 0 && self.furthest_end[before_end - 1] > start
    }
}

impl Scanner {
    /// A routable token is as long as its checksum says: when a body fails its checks and a
    /// `.` follows a prefix whose CRC holds (`<token>.11aa`: a file suffix, a version), that
    /// prefix is the token. A body without such a prefix stays what it was.
    fn routable_before_a_dot(&self, rule: &Rule, text: &str) -> Option<(String, Verdict)> {
        let dots = text.match_indices('.').map(|(at, _)| at).rev();
        dots.filter_map(|at| {
            let cut = &text[..at];
            let verdict = self.rules.verdict(rule, cut)?;
            (verdict.structurally_valid && verdict.confidence == Confidence::High)
                .then(|| (cut.to_string(), verdict))
        })
        .next()
    }
}

/// Whether `b` after a match would have been part of a longer body of the family: the match
/// stopped at the rule's longest body, not at the token's end.
fn continues(family: Family, b: u8) -> bool {
    match family {
        // Session ids are hex and end at anything else.
        Family::GitlabSession => b.is_ascii_alphanumeric(),
        _ => is_body_byte(b),
    }
}

/// A regex match that covers its keyword.
struct Confirmed {
    /// Where the secret starts and ends: a context rule's match also holds the context.
    start: usize,
    end: usize,
    /// Where the whole match ends.
    match_end: usize,
    /// The secret, in its canonical form.
    text: String,
}

/// Search the rule's regex in its window around `hit` for a match that covers the keyword.
/// The haystack is cut at the window's end (so a failing search never runs to the end of
/// the data) but not at its start (so `\b` sees the byte before the window).
fn confirm(rule: &Rule, data: &[u8], hit: KeywordHit, not_before: usize) -> Option<Confirmed> {
    let from = hit.start.saturating_sub(rule.window_before).max(not_before);
    let to = hit.end.saturating_add(rule.window_after).min(data.len());
    let haystack = &data[..to];
    let mut at = from;
    while at <= hit.start {
        let caps = rule.regex.captures_at(haystack, at)?;
        let whole = caps.get(0)?;
        if whole.start() > hit.start {
            return None;
        }
        if whole.end() <= hit.start {
            at = whole.end().max(at + 1);
            continue;
        }
        if matches!(rule.check, Check::PemBlock)
            && memchr::memmem::find(&whole.as_bytes()[1..], b"-----BEGIN").is_some()
        {
            // A block that runs into another BEGIN is a stand-in (`(redacted)`) that found the
            // next key's END; that key is confirmed from its own BEGIN.
            return None;
        }
        let secret = caps.name("secret").unwrap_or(whole);
        let mut bytes = secret.as_bytes();
        if rule.family.is_some() {
            // A token at the end of a sentence: the dot is prose, never a token's last byte.
            while let [rest @ .., b'.'] = bytes {
                bytes = rest;
            }
        }
        let text = match rule.check {
            Check::PemBlock => crate::rules::canonical_pem(bytes),
            _ => String::from_utf8_lossy(bytes).into_owned(),
        };
        return Some(Confirmed {
            start: secret.start(),
            end: secret.start() + bytes.len(),
            match_end: whole.end(),
            text,
        });
    }
    None
}

/// Where scanned bytes sit in the content findings are reported against.
#[derive(Clone, Copy)]
struct View<'a> {
    /// The content whose lines and offsets findings carry.
    original: &'a [u8],
    /// The way back when the scanned bytes are an unescaped copy of `original`.
    unescaped: Option<&'a Unescaped>,
    /// The layers around the scanned bytes.
    encoding: Encoding,
    /// Wrapped dumps in the scanned bytes, in order, decoded whole.
    blocks: &'a [Block],
}

/// A decoded run: its place in the original, what it decoded to, and under which layers.
struct Decoded<'a> {
    run: Range<usize>,
    text: &'a [u8],
    encoding: Encoding,
}

impl<'a> View<'a> {
    /// The scanned bytes are the original, as written.
    fn of(original: &'a [u8]) -> View<'a> {
        View {
            original,
            unescaped: None,
            encoding: Encoding::PLAIN,
            blocks: &[],
        }
    }

    /// Whether `at` (in the scanned bytes) lies in one of the wrapped dumps.
    fn inside_block(&self, at: usize) -> bool {
        let after = self.blocks.partition_point(|b| b.range.start <= at);
        after > 0 && self.blocks[after - 1].range.contains(&at)
    }

    fn original_offset(&self, at: usize) -> usize {
        self.unescaped.map_or(at, |u| u.original(at))
    }
}

/// Counts lines lazily: only when a match exists, and only over the bytes since the last one.
#[derive(Default)]
struct LineCursor {
    offset: usize,
    newlines: usize,
}

impl LineCursor {
    /// 1-based line and byte column of `offset`.
    fn locate(&mut self, data: &[u8], offset: usize) -> (usize, usize) {
        if offset < self.offset {
            *self = LineCursor::default();
        }
        self.newlines += memchr_iter(b'\n', &data[self.offset..offset]).count();
        self.offset = offset;
        let line_start = memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1);
        (self.newlines + 1, offset - line_start + 1)
    }
}

/// The line containing `offset`, without its newline.
fn line_at(data: &[u8], offset: usize) -> &[u8] {
    let start = memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1);
    let end = memchr(b'\n', &data[offset..]).map_or(data.len(), |i| offset + i);
    &data[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Scanner>();
    }

    #[test]
    fn the_default_keywords_fit_the_simd_searcher() {
        // aho-corasick's Teddy takes at most 64 patterns; past that every scan runs a DFA byte
        // by byte at about a third of the speed (measured: 1.3 s against 3.3 s of CPU on 1 GB).
        let scanner = Scanner::new(RuleSet::builtin(&crate::RuleOptions::default()).unwrap());
        let keywords = scanner.unwrap().keyword_rules.len();
        assert!(keywords <= 64, "{keywords} keywords");
    }

    #[test]
    fn claimed_spans_overlap_by_any_byte() {
        // Nested and unsorted spans: the furthest end so far decides.
        let claimed = Claimed::new(vec![(50, 60), (10, 40), (12, 14)]);
        assert!(claimed.overlaps(10, 40));
        assert!(claimed.overlaps(39, 45));
        assert!(claimed.overlaps(0, 11));
        assert!(claimed.overlaps(20, 30));
        assert!(claimed.overlaps(55, 100));
        assert!(!claimed.overlaps(40, 50));
        assert!(!claimed.overlaps(0, 10));
        assert!(!claimed.overlaps(60, 70));
        assert!(!Claimed::new(Vec::new()).overlaps(0, 100));
    }

    #[test]
    fn line_cursor_counts_forward_and_restarts_backward() {
        let data = b"a\nbb\nccc\n";
        let mut cursor = LineCursor::default();
        assert_eq!(cursor.locate(data, 0), (1, 1));
        assert_eq!(cursor.locate(data, 6), (3, 2));
        assert_eq!(cursor.locate(data, 3), (2, 2));
        assert_eq!(line_at(data, 4), b"bb");
    }

    #[test]
    fn confirmation_needs_a_match_covering_the_keyword() {
        let set = RuleSet::builtin(&crate::RuleOptions::default()).unwrap();
        let rule = set.get("gitlab-deploy-token").unwrap();
        let data = b"gldt-short gldt-AbCdEfGhJkMnPqRsTuVw";
        // The first keyword has too short a body; the regex's next match starts after it.
        let first = KeywordHit {
            keyword: 0,
            start: 0,
            end: 5,
        };
        assert!(confirm(rule, data, first, 0).is_none());
        let second = KeywordHit {
            keyword: 0,
            start: 11,
            end: 16,
        };
        let found = confirm(rule, data, second, 0).unwrap();
        assert_eq!((found.start, found.end), (11, data.len()));
    }
}
