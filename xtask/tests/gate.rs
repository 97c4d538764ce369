//! The performance gate's decision (`perf-gate`), on given counts (no valgrind needed): it
//! passes within the threshold and fails above it, or when a workload has no baseline. With the
//! tool's package, so that the test command builds the gate's binary.

#![allow(clippy::unwrap_used, reason = "tests: a panic is the failure, with its message")]

use assert_cmd::Command;
use std::fs;

fn gate(baseline: &str, counts: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("baseline.toml"), baseline).unwrap();
    fs::write(dir.path().join("counts.toml"), counts).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_perf-gate"))
        .arg("--baseline")
        .arg(dir.path().join("baseline.toml"))
        .arg("--counts")
        .arg(dir.path().join("counts.toml"))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_gate_passes_within_the_threshold() {
    let (code, out) = gate("a = 1000000\nb = 500\n", "a = 1099000\nb = 450\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("passed"));
}

#[test]
fn the_gate_fails_on_a_slowdown() {
    let (code, out) = gate("a = 1000000\nb = 500\n", "a = 1101000\nb = 500\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("+10.1%  SLOWER: fails the gate"), "{out}");
}

#[test]
fn the_gate_fails_without_a_baseline_for_a_workload() {
    let (code, out) = gate("a = 1000000\n", "a = 1000000\nnew = 5\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("no baseline: run with --update"), "{out}");
}

#[test]
fn the_committed_baseline_covers_every_workload() {
    let baseline = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/perf-baseline.toml")).unwrap();
    for workload in ["solve-closed-form", "solve-level", "solve-lp-corop", "explain", "sweep-200"] {
        assert!(baseline.contains(&format!("{workload} = ")), "{workload} missing in .ci/perf-baseline.toml");
    }
}
