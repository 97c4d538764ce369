//! Integration tests, one binary with a module per topic.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

mod above_task;
mod bad_input;
mod cli;
mod common;
mod cycles;
mod data;
mod determinism;
mod dossier;
mod engine;
mod fuzz_regressions;
mod golden;
mod hostile;
mod hostile_files;
mod layers;
mod minimum;
mod monitor;
mod objection;
mod os;
mod parquet;
mod peer;
mod scenarios;
mod serve;
mod shard;
mod sweep_checks;
mod whatif;
mod workbench;
mod xlsx;
