//! A job artifact zip as `glir scan` reads it, nested zips included, under small caps so the fuzzer
//! spends its time on structure instead of inflating; the caps must hold whatever the headers say.
#![no_main]

use glir_scan::{ArchiveLimits, RuleOptions, RuleSet, Scanner, scan_zip};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| {
    Scanner::new(RuleSet::builtin(&RuleOptions::default()).expect("built-in rules"))
        .expect("built-in scanner")
});

const LIMITS: ArchiveLimits = ArchiveLimits {
    max_entry_size: 64 << 10,
    max_total_size: 256 << 10,
    max_entries: 64,
    max_depth: 3,
};

fuzz_target!(|data: &[u8]| {
    let stats = scan_zip(&SCANNER, data, &LIMITS, &mut |_, _| {});
    assert!(
        stats.entries <= LIMITS.max_entries,
        "{} entries",
        stats.entries
    );
    assert!(
        stats.bytes <= LIMITS.max_total_size,
        "{} bytes",
        stats.bytes
    );
});
