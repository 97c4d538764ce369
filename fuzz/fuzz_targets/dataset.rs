//! Fuzz target: see fuzz/checks.rs (dataset).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::dataset(data));
