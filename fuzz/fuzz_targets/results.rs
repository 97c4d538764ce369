//! Fuzz target: see fuzz/checks.rs (results).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::results(data));
