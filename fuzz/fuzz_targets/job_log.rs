//! Any content through the scanner's full pipeline: job-log cleanup, JSON unescaping, wrapped
//! dumps, named values, base64/hex/percent layers, with the built-in rules.
#![no_main]

use glir_scan::{RuleOptions, RuleSet, Scanner, clean_job_log};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| {
    Scanner::new(RuleSet::builtin(&RuleOptions::default()).expect("built-in rules"))
        .expect("built-in scanner")
});

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fuzz_target!(|data: &[u8]| {
    let clean = clean_job_log(data);
    // Findings are reported at the raw trace's line numbers; that only holds if cleanup keeps
    // every newline.
    assert_eq!(
        newlines(&clean.text),
        newlines(data),
        "cleanup changed the line count"
    );
    assert!(clean.text.len() <= data.len(), "cleanup only removes bytes");

    let lines = newlines(data) + 1;
    SCANNER.scan_content(data, &mut |m| {
        assert!(
            m.start <= m.end && m.end <= data.len(),
            "match outside the content"
        );
        assert!((1..=lines).contains(&m.line), "line {} of {lines}", m.line);
        assert!(m.column >= 1);
    });
});
