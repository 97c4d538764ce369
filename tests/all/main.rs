//! Integration tests, one binary with a module per topic.

mod api;
mod bad_input;
mod cli;
mod common;
mod data;
mod differential;
mod dossier;
mod engine;
mod explain;
mod fuzz_regressions;
mod gate;
mod golden;
mod layers;
mod map;
mod objection;
mod os;
mod parquet;
mod properties;
mod scenarios;
mod serve;
mod shard;
mod sweep_checks;
mod synthetic;
mod whatif;
mod workbench;
mod xlsx;
