//! `config.toml` through `glir_config::parse`: any text is a config or an error that names
//! where it went wrong. Only parsed: resolving a profile may run its token command.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = glir_config::parse(text) {
        assert!(!e.to_string().is_empty(), "an error says nothing");
    }
});
