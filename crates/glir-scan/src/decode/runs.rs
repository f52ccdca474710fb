//! Where encoded runs are: the runs the regexes `[A-Za-z0-9+/_-]{16,}={0,2}`,
//! `\b[0-9A-Fa-f]{32,}\b` and `(?:[A-Za-z0-9._~+=:/-]|%[0-9A-Fa-f]{2})*%[0-9A-Fa-f]{2}(…)*` find,
//! found by a walk over byte classes instead: the regex engines spent most of a file scan
//! matching these on ordinary text, where nearly every word is a short candidate. A test holds
//! the walks to the regexes.

use std::ops::Range;

use super::{MIN_BASE64, MIN_HEX};

/// A byte class as a table, built at compile time.
macro_rules! class {
    (|$b:ident| $pred:expr) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            table[i] = $pred;
            i += 1;
        }
        table
    }};
}

pub(super) const BASE64: [bool; 256] =
    class!(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-'));
/// Word characters for `\b` around hex runs. Non-ASCII bytes do not count: where the regex's
/// Unicode `\b` would see a letter or invalid UTF-8 next to a hex run, the walk decodes the run
/// too (one more try, never a miss). The test compares the two on ASCII text.
pub(super) const WORD: [bool; 256] = class!(|b| b.is_ascii_alphanumeric() || b == b'_');
const PERCENT_PLAIN: [bool; 256] = class!(|b| b.is_ascii_alphanumeric()
    || matches!(b, b'.' | b'_' | b'~' | b'+' | b'=' | b':' | b'/' | b'-'));

/// Base64 runs: at least [`MIN_BASE64`] alphabet characters, with up to two `=` after them.
pub(super) fn base64(data: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !BASE64[data[i] as usize] {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && BASE64[data[i] as usize] {
            i += 1;
        }
        if i - start >= MIN_BASE64 {
            let mut end = i;
            while end < data.len() && end - i < 2 && data[end] == b'=' {
                end += 1;
            }
            out.push(start..end);
            i = end;
        }
    }
    out
}

/// Bytes per block of [`long_base64_segments`]: one bit each in a `u64`.
const BLOCK: usize = 64;

/// The maximal runs of [`BASE64`] bytes at least `MIN` long, in order (`1 <= MIN <= 64`).
///
/// Ordinary text is mostly short words, so this works on blocks: one bit per byte, built by a
/// loop the compiler vectorises, and a block without a long run costs a few shifts. Only blocks
/// with one are walked run by run.
/// `MIN` is a constant so that finding runs that long in a block is a few shifts, unrolled.
pub(super) fn long_base64_segments<const MIN: usize>(
    data: &[u8],
    mut each: impl FnMut(Range<usize>),
) {
    const { assert!(MIN >= 1 && MIN <= BLOCK) };
    // Length of the run that reaches the start of the current block.
    let mut open = 0usize;
    let mut last = [0u8; BLOCK];
    let blocks = data.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    // Zero-padded, so the run open at the end of `data` ends in it.
    last[..tail.len()].copy_from_slice(tail);
    for (k, block) in blocks.chain(std::iter::once(&last[..])).enumerate() {
        let at = k * BLOCK;
        let mask = class_mask(block.try_into().expect("a whole block"));
        if mask == u64::MAX {
            open += BLOCK;
            continue;
        }
        // Bit i is byte at + i. `mask` has a zero, so both counts are below 64.
        let head = mask.trailing_ones() as usize;
        if open + head >= MIN {
            each(at - open..at + head);
        }
        let tail = mask.leading_ones() as usize;
        let inner = mask & (u64::MAX << head) & (u64::MAX >> tail);
        // Bit i: a run of `MIN` starts at i. The lowest is where a long run starts, since the
        // byte before it would otherwise start one too.
        let mut starts = run_starts::<MIN>(inner);
        while starts != 0 {
            let start = starts.trailing_zeros() as usize;
            let end = start + (inner >> start).trailing_ones() as usize;
            each(at + start..at + end);
            // Inner runs end before the block does.
            starts &= u64::MAX << end;
        }
        open = tail;
    }
}

/// Bit i set: `block[i]` is a [`BASE64`] byte. On x86-64, sixteen bytes at a time with SSE2
/// (part of every x86-64 CPU, so no detection) and one `movemask` per sixteen bits: this mask is
/// computed for every 64 bytes of every file, and the portable version's gathering of bits by
/// multiplication was most of the walk's time.
#[cfg(target_arch = "x86_64")]
fn class_mask(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    // Unsigned `x - low <= span`: bytes below `low` wrap to large values.
    fn in_range(v: __m128i, low: u8, span: u8) -> __m128i {
        // SAFETY: SSE2 is in the x86-64 baseline; these are register operations.
        unsafe {
            let offset = _mm_sub_epi8(v, _mm_set1_epi8(low as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(span as i8)), offset)
        }
    }
    let mut mask = 0u64;
    for (k, sixteen) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is in the x86-64 baseline, and `sixteen` holds the 16 bytes the
        // unaligned load reads.
        let bits = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast());
            let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 25);
            let digit = in_range(v, b'0', 9);
            let sign = _mm_or_si128(
                _mm_or_si128(eq(b'+'), eq(b'/')),
                _mm_or_si128(eq(b'_'), eq(b'-')),
            );
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), sign))
        };
        mask |= u64::from(bits as u16) << (16 * k);
    }
    mask
}

/// Bit i set: `block[i]` is a [`BASE64`] byte. Comparisons rather than the table, and bytes
/// gathered into bits eight at a time by a multiplication, so that the compiler vectorises the
/// comparisons (the table and a shift per byte kept it scalar, at a quarter of the speed).
#[cfg(not(target_arch = "x86_64"))]
fn class_mask(block: &[u8; BLOCK]) -> u64 {
    let flags: [u8; BLOCK] = std::array::from_fn(|i| {
        let b = block[i];
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        let sign = (b == b'+') | (b == b'/') | (b == b'_') | (b == b'-');
        u8::from(letter | digit | sign)
    });
    let mut mask = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let ones = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
        // Byte j (0 or 1) lands on bit 56 + j; nothing carries into those bits.
        mask |= (ones.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// The bits of `bits` that start `MIN` consecutive ones.
fn run_starts<const MIN: usize>(mut bits: u64) -> u64 {
    // Each step keeps the bits that start a run twice as long, up to `MIN`.
    let mut len = 1;
    while len < MIN {
        let step = len.min(MIN - len);
        bits &= bits >> step;
        len += step;
    }
    bits
}

/// Hex runs: whole words of at least [`MIN_HEX`] hex digits.
pub(super) fn hex(data: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !WORD[data[i] as usize] {
            i += 1;
            continue;
        }
        let start = i;
        let mut all_hex = true;
        while i < data.len() && WORD[data[i] as usize] {
            all_hex &= data[i].is_ascii_hexdigit();
            i += 1;
        }
        if all_hex && i - start >= MIN_HEX {
            out.push(start..i);
        }
    }
    out
}

/// Percent-encoded runs: URL characters and `%XX` escapes, with at least one escape.
pub(super) fn percent(data: &[u8]) -> Vec<Range<usize>> {
    let escape_at = |i: usize| {
        data.get(i) == Some(&b'%')
            && data
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'%', &data[from..]) {
        let p = from + found;
        if !escape_at(p) {
            from = p + 1;
            continue;
        }
        // Back over plain characters: an escape before them would have been found first.
        let mut start = p;
        while start > from && PERCENT_PLAIN[data[start - 1] as usize] {
            start -= 1;
        }
        let mut end = p;
        loop {
            if escape_at(end) {
                end += 3;
            } else if end < data.len() && PERCENT_PLAIN[data[end] as usize] {
                end += 1;
            } else {
                break;
            }
        }
        out.push(start..end);
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use regex::bytes::Regex;

    fn by_regex(pattern: &str, data: &[u8]) -> Vec<std::ops::Range<usize>> {
        Regex::new(pattern)
            .unwrap()
            .find_iter(data)
            .map(|m| m.range())
            .collect()
    }

    /// Text made of the characters that decide where runs start and end (non-ASCII bytes that
    /// are no letter, where the regex's `\b` and the walk agree).
    fn samples() -> Vec<Vec<u8>> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut out = vec![
            b"key=Z2xwYXQtAAAABBBBCCCCDDDD== end".to_vec(),
            b"sha 0123456789abcdef0123456789ABCDEF and 0123456789abcdef0123456789abcdefg".to_vec(),
            b"url=https%3A%2F%2Fexample.com%2Fx%3Ftoken%3Dglpat-abc %zz %4 %%41".to_vec(),
        ];
        // Every boundary character, then alphabets that make long runs of each kind likely.
        let alphabets: [&[u8]; 4] = [
            b"aZ09+/_-=%4fF .:~\n\"g\xff\x80",
            b"aZ09+/_-aZ09==== ",
            b"0123456789abcdefABCDEF_g -",
            b"ab%%%4141fFzz./~:=+- ",
        ];
        for alphabet in alphabets {
            for len in [0, 1, 5, 40, 200, 2000] {
                for _ in 0..100 {
                    let text: Vec<u8> = (0..len)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            alphabet[(state % alphabet.len() as u64) as usize]
                        })
                        .collect();
                    out.push(text);
                }
            }
        }
        out
    }

    #[test]
    fn the_block_mask_is_the_base64_class() {
        for b in 0..=255u8 {
            let mut block = [b'.'; super::BLOCK];
            block[5] = b;
            let expected = if super::BASE64[b as usize] { 1 << 5 } else { 0 };
            assert_eq!(super::class_mask(&block), expected, "byte {b:#04x}");
        }
    }

    fn long_segments_of<const MIN: usize>(samples: &[Vec<u8>]) {
        let regex = Regex::new(&format!("[A-Za-z0-9+/_-]{{{MIN},}}")).unwrap();
        for data in samples {
            // Behind 0 to 64 other bytes, so segments end at every offset within a block.
            for lead in [0, 1, 31, 63, 64] {
                let mut shifted = vec![b'.'; lead];
                shifted.extend_from_slice(data);
                let mut found = Vec::new();
                super::long_base64_segments::<MIN>(&shifted, |r| found.push(r));
                let expected: Vec<_> = regex.find_iter(&shifted).map(|m| m.range()).collect();
                assert_eq!(
                    found,
                    expected,
                    "min {MIN} in {:?}",
                    String::from_utf8_lossy(&shifted)
                );
            }
        }
    }

    #[test]
    fn long_segments_are_the_long_base64_runs() {
        let samples = samples();
        long_segments_of::<1>(&samples);
        long_segments_of::<2>(&samples);
        long_segments_of::<13>(&samples);
        long_segments_of::<14>(&samples);
        long_segments_of::<15>(&samples);
        long_segments_of::<40>(&samples);
        long_segments_of::<64>(&samples);
    }

    #[test]
    fn the_walks_find_what_the_regexes_find() {
        for data in samples() {
            assert_eq!(
                super::base64(&data),
                by_regex(r"[A-Za-z0-9+/_-]{16,}={0,2}", &data),
                "base64 in {:?}",
                String::from_utf8_lossy(&data)
            );
            if data.is_ascii() {
                assert_eq!(
                    super::hex(&data),
                    by_regex(r"\b[0-9A-Fa-f]{32,}\b", &data),
                    "hex in {:?}",
                    String::from_utf8_lossy(&data)
                );
            }
            assert_eq!(
                super::percent(&data),
                by_regex(
                    r"(?:[A-Za-z0-9._~+=:/-]|%[0-9A-Fa-f]{2})*%[0-9A-Fa-f]{2}(?:[A-Za-z0-9._~+=:/-]|%[0-9A-Fa-f]{2})*",
                    &data
                ),
                "percent in {:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }
}
