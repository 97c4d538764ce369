//! Replays what the fuzzers found (fuzz/regressions/<target>/*, each a crash or hang fixed
//! since) and the shipped files through the fuzz targets' own checks, so `cargo test` guards
//! them without the nightly toolchain. How to run the fuzzers: fuzz/README.md.

#[path = "../../fuzz/checks.rs"]
mod checks;

use crate::common::root;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = root().join("fuzz/regressions").join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        if e.path().is_file() && e.file_name() != ".gitkeep" {
            let bytes = std::fs::read(e.path()).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{} fails again", e.path().display());
            n += 1;
        }
    }
    n
}

#[test]
fn saved_fuzz_findings_stay_fixed() {
    let total = replay("dataset", checks::dataset)
        + replay("scenario", checks::scenario)
        + replay("sweep", checks::sweep)
        + replay("results", checks::results);
    assert!(total > 0, "no saved findings to replay");
}

#[test]
fn the_shipped_files_pass_the_fuzz_checks() {
    for (i, f) in spreiding_solver::io::DatasetSources::FILES.iter().enumerate() {
        let mut input = vec![i as u8];
        input.extend(std::fs::read(root().join("data/nl-2024").join(f)).unwrap());
        checks::dataset(&input);
    }
    for entry in std::fs::read_dir(root().join("scenarios/2024-2026")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "toml") {
            checks::scenario(&std::fs::read(entry.path()).unwrap());
        }
    }
    checks::scenario(&std::fs::read(root().join("fuzz/seeds/overrides.toml")).unwrap());
    for entry in std::fs::read_dir(root().join("scenarios/2024-2026/sweeps")).unwrap().flatten() {
        checks::sweep(&std::fs::read(entry.path()).unwrap());
    }
}
