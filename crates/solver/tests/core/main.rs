//! The library's own integration tests: everything that needs only `spreiding_solver`, so that
//! `cargo test -p spreiding-solver` runs them without building the binary's dependencies (and a
//! mutation of the core is tested in seconds, not minutes: `scripts/mutants`).

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

mod api;
mod common;
mod countries;
mod differential;
mod draws;
mod explain;
mod indicative;
mod map;
mod minimum;
mod monitor;
mod objection;
mod properties;
mod results;
mod synthetic;
mod whatif;
