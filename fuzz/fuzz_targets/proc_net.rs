//! What `glir triage host` parses from the server it runs on, where an intruder may have
//! written: `/proc/net/{tcp,tcp6,udp,udp6}` through `glir_triage::parse_table`, and a
//! `gitlab.rb` or Rails YAML through `glir_triage::redact_config`.
//!
//! Socket tables are parsed line by line, so the whole text parses to what its lines parse to
//! one at a time, and a bad line is named by a number inside the text. A secret on the first
//! line of a config is redacted whatever follows it, and lines are kept one for one.
#![no_main]

use glir_triage::{Proto, Syntax, parse_table, redact_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let proto = Proto::ALL[usize::from(selector) % Proto::ALL.len()];

    let (sockets, bad) = parse_table(proto, &text);
    let lines = text.lines().count();
    assert!(sockets.len() + bad.len() <= lines);
    assert!(bad.iter().all(|b| b.line >= 1 && b.line <= lines), "{bad:?}");
    let mut one_by_one = Vec::new();
    for line in text.lines() {
        one_by_one.extend(parse_table(proto, line).0);
    }
    assert_eq!(sockets, one_by_one);
    for socket in &sockets {
        assert_eq!(socket.proto, proto);
        if socket.is_listening() && proto.is_tcp() {
            assert_eq!(socket.state, 0x0A);
        }
    }

    // A secret of the fuzzer's choosing, in letters no redaction marker or token tail uses.
    let secret: String = std::iter::once('Q')
        .chain(rest.iter().take(6).flat_map(|b| {
            let hex = format!("{b:02X}");
            hex.chars().collect::<Vec<_>>()
        }))
        .chain("XZQ".chars())
        .collect();
    if text.contains(&secret) {
        return;
    }
    for (syntax, first) in [
        (Syntax::Ruby, format!("gitlab_rails['db_password'] = '{secret}'\n")),
        (Syntax::Yaml, format!("password: {secret}\n")),
    ] {
        let input = format!("{first}{text}");
        let out = redact_config(&input, syntax);
        assert!(!out.text.contains(&secret), "{syntax:?}: the secret survived");
        assert_eq!(out.text.lines().count(), input.lines().count(), "{syntax:?}");
        assert!(out.values >= 1);
    }
});
