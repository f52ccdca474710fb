//! Inline suppression markers on the line of a finding (gitleaks, trufflehog, Kingfisher and
//! detect-secrets conventions, plus glir's own).

use memchr::memmem;

/// Markers honoured on the same line as a finding, in the order they are looked for.
pub const MARKERS: &[&str] = &[
    "glir:ignore",
    "gitleaks:allow",
    "trufflehog:ignore",
    "kingfisher:ignore",
    "pragma: allowlist secret",
];

/// The first marker found in `line`, if any.
pub fn find(line: &[u8]) -> Option<&'static str> {
    MARKERS
        .iter()
        .copied()
        .find(|marker| memmem::find(line, marker.as_bytes()).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_marker_and_nothing_else() {
        for marker in MARKERS {
            let line = format!("token = abc # {marker}");
            assert_eq!(find(line.as_bytes()), Some(*marker));
        }
        assert_eq!(find(b"token = abc # gitleaks"), None);
    }
}
