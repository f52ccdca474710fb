//! Tokens in pasted text: a responder pastes what they found — a log line
//! (`curl --header 'PRIVATE-TOKEN: glpat-…'`), an `.env` line, a sentence — not a bare token.
//! Only what identifies as a GitLab family is a candidate, so a command sends GitLab nothing
//! else.

use crate::{Family, Identification, IdentifyOptions, identify};

/// The distinct GitLab tokens in `text`, in order of first appearance, each with its
/// identification. Words are split at characters no GitLab token holds; a word such as
/// `token=glpat-…` or `PRIVATE-TOKEN:glpat-…` is also tried after its last `=` or `:`, and a
/// sentence's closing `.` is dropped.
pub fn candidates(text: &str, opts: &IdentifyOptions) -> Vec<(String, Identification)> {
    let mut found: Vec<(String, Identification)> = Vec::new();
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-.=".contains(c)));
    for word in words.filter(|w| !w.is_empty()) {
        // No token ends in `.`: one there closes a sentence.
        let word = word.trim_end_matches('.');
        let after_sign = word.rsplit(['=', ':']).next().unwrap_or(word);
        for option in [word, after_sign] {
            if option.is_empty() {
                continue;
            }
            let id = identify(option, opts);
            if id.family != Family::Unknown {
                if !found.iter().any(|(t, _)| t == option) {
                    found.push((option.to_string(), id));
                }
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        candidates(text, &IdentifyOptions::default())
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn a_pasted_curl_line_gives_its_token_only() {
        assert_eq!(
            tokens(
                "curl --header 'PRIVATE-TOKEN: glpat-Zq3xK9wPm2Rt7yVb4Nc8' https://gitlab.example.com/api/v4/user"
            ),
            ["glpat-Zq3xK9wPm2Rt7yVb4Nc8"]
        );
    }

    #[test]
    fn assignments_sentences_and_repeats() {
        assert_eq!(
            tokens(
                "GITLAB_TOKEN=glpat-Zq3xK9wPm2Rt7yVb4Nc8\nthe token glpat-Zq3xK9wPm2Rt7yVb4Nc8."
            ),
            ["glpat-Zq3xK9wPm2Rt7yVb4Nc8"]
        );
        assert_eq!(
            tokens(
                "deploy: gldt-AbCdEfGhIjKlMnOpQrSt, trigger: glptt-0123456789abcdef0123456789abcdef01234567"
            ),
            [
                "gldt-AbCdEfGhIjKlMnOpQrSt",
                "glptt-0123456789abcdef0123456789abcdef01234567"
            ]
        );
    }

    #[test]
    fn text_without_a_gitlab_token_gives_nothing() {
        assert!(tokens("hello").is_empty());
        assert!(tokens("AKIAQWERTYUIOPASDFGH wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_empty());
        assert!(tokens("").is_empty());
    }
}
