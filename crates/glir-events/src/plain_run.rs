//! Finding where a JSON string's plain run ends: the first `"`, `\\` or control byte (< 0x20).
//! Strings are most of a record's bytes, so this is the reader's inner loop.
//!
//! On x86_64 it looks at 16 bytes per step with SSE2, which every x86_64 CPU has (it is part of
//! the target's baseline, so no runtime detection); elsewhere, and for the last few bytes of the
//! input, eight at a time in a `u64`. This module holds the crate's only `unsafe`.

/// Length of the run of bytes a string holds as they are (not `"`, `\\` or a control byte).
#[inline(always)]
pub(crate) fn plain_prefix(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::plain_prefix(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        swar(bytes)
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// [`super::plain_prefix`] 16 bytes at a time, then the tail shorter than 16 bytes in a
    /// `u64`. Not a `#[target_feature]` function, so that it can be inlined into the reader's
    /// loop: SSE2 is enabled for the whole x86_64 target.
    #[inline(always)]
    pub(super) fn plain_prefix(bytes: &[u8]) -> usize {
        let mut rest = bytes;
        while let Some((block, tail)) = rest.split_first_chunk::<16>() {
            // SAFETY: the intrinsics need SSE2, which is part of the x86_64 baseline, so every
            // CPU this runs on has it; `block` is 16 in-bounds bytes, exactly what one unaligned
            // load reads (`loadu` has no alignment requirement).
            let mask = unsafe {
                let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
                // An unsigned `v <= 0x1f` is `max(v, 0x1f) == 0x1f`.
                let last_control = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(v, last_control), last_control);
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
            };
            if mask != 0 {
                return bytes.len() - rest.len() + mask.trailing_zeros() as usize;
            }
            rest = tail;
        }
        bytes.len() - rest.len() + super::swar(rest)
    }
}

/// [`plain_prefix`] eight bytes at a time in a `u64`, then byte by byte.
#[inline]
fn swar(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bytes equal to zero get their high bit set; a false positive can only sit above a true
    // one, so the lowest flagged byte is always a real match.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut n = 0;
    while let Some(chunk) = bytes.get(n..n + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let special = zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
        if special != 0 {
            return n + special.trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    n + bytes[n..]
        .iter()
        .position(|&b| is_special(b))
        .unwrap_or(bytes.len() - n)
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&b| is_special(b))
            .unwrap_or(bytes.len())
    }

    /// Every way of scanning, on `bytes` and on each of its suffixes.
    fn check(bytes: &[u8]) {
        for start in 0..=bytes.len() {
            let s = &bytes[start..];
            let want = reference(s);
            assert_eq!(plain_prefix(s), want, "{s:?}");
            assert_eq!(swar(s), want, "swar {s:?}");
        }
    }

    #[test]
    fn every_byte_value_at_every_position_of_a_block() {
        for b in 0..=u8::MAX {
            for at in 0..40 {
                let mut bytes = vec![b'a'; 40];
                bytes[at] = b;
                let want = if is_special(b) { at } else { 40 };
                assert_eq!(reference(&bytes), want);
                check(&bytes);
            }
        }
    }

    #[test]
    fn the_first_of_several_stops_wins_across_block_boundaries() {
        for first in [15, 16, 17, 31, 32, 33] {
            for second in first + 1..48 {
                for (x, y) in [(b'"', b'\\'), (0x1f, b'"'), (b'\\', 0x00)] {
                    let mut bytes = vec![0xc3; 48];
                    bytes[first] = x;
                    bytes[second] = y;
                    assert_eq!(plain_prefix(&bytes), first);
                    check(&bytes);
                }
            }
        }
    }

    /// Every stop at every offset of inputs several 16-byte steps long, amid plain ASCII, DEL
    /// or UTF-8 bytes, so each step and the tail past the last whole one is hit.
    #[test]
    fn every_stop_is_found_at_every_offset_of_longer_runs() {
        for len in [15, 16, 17, 47, 48, 49, 80] {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x00, b'\n', 0x1f] {
                    for plain in [b'a', 0xc3, 0x7f] {
                        let mut bytes = vec![plain; len];
                        bytes[at] = stop;
                        assert_eq!(plain_prefix(&bytes), at, "{bytes:?}");
                        assert_eq!(reference(&bytes), at);
                    }
                }
            }
        }
    }

    #[test]
    fn runs_reaching_the_end_of_the_input_are_whole() {
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len).map(|i| 0x20 + (i % 0x5f) as u8).collect();
            let bytes: Vec<u8> = bytes.into_iter().filter(|&b| !is_special(b)).collect();
            assert_eq!(plain_prefix(&bytes), bytes.len());
            check(&bytes);
        }
        // High bytes (UTF-8 continuation and lead bytes) are plain, even 0xff and 0x80.
        let high: Vec<u8> = (0x80..=0xff).collect();
        assert_eq!(plain_prefix(&high), high.len());
        check(&high);
    }
}
