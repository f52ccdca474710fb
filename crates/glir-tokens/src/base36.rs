//! Base36 as GitLab writes it: lowercase `0-9a-z`, used for routing values, lengths and the CRC.

/// Parse a lowercase base36 number; `None` for anything else (including `+` or uppercase,
/// which `u64::from_str_radix` would accept but GitLab never emits).
pub(crate) fn parse(text: &str) -> Option<u64> {
    let lowercase_alnum = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if text.is_empty() || !lowercase_alnum {
        return None;
    }
    u64::from_str_radix(text, 36).ok()
}

/// Ruby's `Integer#to_s(36)`.
pub(crate) fn format(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    out.reverse();
    out.into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_digits() {
        for value in [0, 1, 35, 36, 42, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(parse(&format(value)), Some(value));
        }
        assert_eq!(format(42), "16");
        assert_eq!(parse("1A"), None);
        assert_eq!(parse("+1"), None);
        assert_eq!(parse(""), None);
    }
}
