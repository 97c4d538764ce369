//! Helpers of the binary's tests: the library tests' helpers (`crates/solver/tests/core/common.rs`)
//! and the binary itself.

#![allow(dead_code, unused_imports)]

#[path = "../../crates/solver/tests/core/common.rs"]
mod library;
pub use library::*;

/// The `spreiding` binary of this build.
pub fn spreiding() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("spreiding").unwrap()
}
