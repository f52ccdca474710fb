//! What a file's content calls for: a CI job log to clean, JSON string escapes to undo, a
//! Kubernetes `Secret` whose data keys name their values, a MIME mail whose base64 parts are
//! wrapped. Each is a marker string, looked for by content, not by file name.

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// Searchers built once: building one costs more than searching a small file with it.
static SECTION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"section_"));
static SECRET: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"Secret"));
static MIME_BASE64: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"ncoding: base64"));

/// What a content holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Markers {
    /// An escape code (runners colour their output) or a section marker.
    pub(crate) job_log: bool,
    /// `\/` or `\u`: JSON string escapes.
    pub(crate) json_escapes: bool,
    /// `kind: Secret` in YAML or JSON.
    pub(crate) kubernetes_secret: bool,
    /// `Content-Transfer-Encoding: base64`.
    pub(crate) mime_base64: bool,
}

/// Runner-side section markers (`doc/ci/jobs/job_logs.md`, "Custom collapsible sections").
const SECTION_MARKERS: [&[u8]; 2] = [b"section_start:", b"section_end:"];
/// How a Kubernetes object names its kind, before `Secret`.
const KINDS: [&[u8]; 3] = [b"kind: ", b"\"kind\": \"", b"\"kind\":\""];

/// The markers `data` holds. Each is one memchr or memmem pass that stops at the first
/// occurrence; one multi-pattern search costed more, because its two-byte patterns (`\u`,
/// `\/`) left it verifying a candidate every few bytes.
pub(crate) fn find(data: &[u8]) -> Markers {
    Markers {
        job_log: memchr::memchr(0x1b, data).is_some()
            || SECTION
                .find_iter(data)
                .any(|at| SECTION_MARKERS.iter().any(|m| data[at..].starts_with(m))),
        json_escapes: memchr::memchr_iter(b'\\', data)
            .any(|at| matches!(data.get(at + 1), Some(b'u' | b'/'))),
        kubernetes_secret: SECRET
            .find_iter(data)
            .any(|at| KINDS.iter().any(|kind| data[..at].ends_with(kind))),
        mime_base64: MIME_BASE64.find(data).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_sets_its_flag_and_nothing_else() {
        assert_eq!(find(b"plain text, nothing to see"), Markers::default());
        let log = find(b"\x1b[32;1m$ make\x1b[0m\n");
        assert!(log.job_log && !log.json_escapes);
        assert!(find(b"section_start:1700000000:build\r").job_log);
        assert!(!find(b"see section_ headings").job_log);
        assert!(find(br#"{"url":"https:\/\/x"}"#).json_escapes);
        assert!(find(br#"{"t":"\u0067"}"#).json_escapes);
        assert!(!find(br#"{"t":"a\nb \"q\""}"#).json_escapes);
        assert!(find(b"apiVersion: v1\nkind: Secret\n").kubernetes_secret);
        assert!(find(br#"{"kind": "Secret"}"#).kubernetes_secret);
        assert!(!find(b"kind: ConfigMap\nSecretName: x\n").kubernetes_secret);
        assert!(find(b"Content-Transfer-Encoding: base64\r\n").mime_base64);
    }
}
