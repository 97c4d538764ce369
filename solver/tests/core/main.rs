//! The library's own integration tests: everything that needs only `spreiding_solver`, so that
//! `cargo test -p spreiding-solver` runs them without building the binary's dependencies (and a
//! mutation of the core is tested in seconds, not minutes: `scripts/mutants`).

mod api;
mod common;
mod countries;
mod differential;
mod draws;
mod explain;
mod map;
mod properties;
mod synthetic;
