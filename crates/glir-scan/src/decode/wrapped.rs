//! Encoded dumps wrapped at a fixed width: `base64` wraps at 76 columns, `openssl base64` at 64,
//! `xxd -p` at 60. Line by line, no run holds a whole secret, and a keyword's encoded form may
//! straddle two lines, so such blocks are joined before they are decoded.

use std::ops::Range;

use super::runs::BASE64;

/// Widths wrapping tools use lie in this range; shorter lines are not worth joining.
const WIDTHS: Range<usize> = 60..77;

/// Whether `run` is a whole line of `data` as long as wrapping tools make them.
pub(crate) fn is_wrapped_line(data: &[u8], run: &Range<usize>) -> bool {
    let starts_line = run.start == 0 || data[run.start - 1] == b'\n';
    let rest = &data[run.end..];
    let ends_line = rest.is_empty() || rest.starts_with(b"\n") || rest.starts_with(b"\r\n");
    starts_line && ends_line && WIDTHS.contains(&run.len())
}

/// A wrapped block: its lines in the original, and their contents joined.
pub(crate) struct Block {
    pub(crate) range: Range<usize>,
    pub(crate) joined: Vec<u8>,
}

/// Every block of at least two lines of base64 or hex characters of which all but the last
/// have the same width in [`WIDTHS`] and the last is no longer.
pub(crate) fn blocks(data: &[u8]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, Vec<u8>, usize)> = None; // start, width, joined, lines
    let mut at = 0;
    while at < data.len() {
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
        let line = data[at..end].strip_suffix(b"\r").unwrap_or(&data[at..end]);
        // The last line of a base64 dump may end in its `=` padding.
        let body = line
            .strip_suffix(b"==")
            .or_else(|| line.strip_suffix(b"="))
            .unwrap_or(line);
        let encoded = !body.is_empty() && body.iter().all(|&b| BASE64[usize::from(b)]);
        open = match open.take() {
            Some((start, width, mut joined, lines)) if encoded && line.len() <= width => {
                joined.extend_from_slice(line);
                if line.len() == width {
                    Some((start, width, joined, lines + 1))
                } else {
                    out.push(Block {
                        range: start..end,
                        joined,
                    });
                    None
                }
            }
            finished => {
                if let Some((start, _, joined, lines)) = finished
                    && lines >= 2
                {
                    out.push(Block {
                        range: start..at.saturating_sub(1),
                        joined,
                    });
                }
                (encoded && WIDTHS.contains(&line.len()))
                    .then(|| (at, line.len(), line.to_vec(), 1))
            }
        };
        at = end + 1;
    }
    if let Some((start, _, joined, lines)) = open
        && lines >= 2
    {
        out.push(Block {
            range: start..data.len(),
            joined,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_lines_are_joined_up_to_the_short_last_one() {
        let hex = "ab".repeat(30);
        let text = format!("$ xxd -p\n{hex}\n{hex}\r\n{}\nnext line\n", &hex[..10]);
        let found = blocks(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].joined,
            format!("{hex}{hex}{}", &hex[..10]).into_bytes()
        );
        assert_eq!(
            &text[found[0].range.clone()],
            format!("{hex}\n{hex}\r\n{}", &hex[..10])
        );
    }

    #[test]
    fn a_block_ends_at_a_wider_line_the_end_of_data_or_a_single_line() {
        let line = "QUJD".repeat(19); // 76 characters
        let padded = format!("{line}\nQUI=\n");
        assert_eq!(blocks(padded.as_bytes())[0].joined.len(), 76 + 4);
        let text = format!("{line}\n{line}\n{line}x{line}\n");
        let found = blocks(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].joined.len(), 2 * 76);
        let text = format!("{line}\n{line}");
        assert_eq!(blocks(text.as_bytes())[0].joined.len(), 2 * 76);
        assert!(blocks(format!("{line}\nplain words\n").as_bytes()).is_empty());
    }
}
