//! P7 (MODEL.md): identical output bytes for identical inputs, whatever the thread count and the
//! process, through the binary (the in-process properties are in `crates/solver/tests/core`).

use crate::common::*;
use proptest::prelude::*;
use spreiding_solver::model::AllocationMode;

proptest! {
    // Each case starts four processes: fewer cases.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// P7: identical output bytes for identical inputs, whatever the thread count and the
    /// process: the data set written to files, solved by two `spreiding solve` processes with
    /// one and with four solver threads, and by `spreiding run` of it with --jobs 1 and 3.
    #[test]
    fn p7_output_bytes_are_deterministic(specs in specs(20), mode in any_mode(), caps in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        spreiding_solver::io::write_dataset(&dataset(&specs), &dir.path().join("data")).unwrap();
        let file = dir.path().join("s.toml");
        let mode = if mode == AllocationMode::Rest { "rest" } else { "level" };
        std::fs::write(&file, format!("name = \"s\"\ndataset = \"data\"\n[allocation]\nmode = \"{mode}\"\ncaps = {caps}\n")).unwrap();
        let solve_with = |threads: &str| {
            let out = spreiding().args(["solve", "--format", "json"]).arg(&file).env("RAYON_NUM_THREADS", threads).output().unwrap();
            assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let one = solve_with("1");
        prop_assert!(!one.is_empty());
        prop_assert_eq!(&solve_with("4"), &one);
        let run = |jobs: &str, out: &str| {
            let o = spreiding().args(["run", "--jobs", jobs, "--out"]).arg(dir.path().join(out)).arg(&file).output().unwrap();
            assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
            tree(&dir.path().join(out))
        };
        prop_assert_eq!(run("1", "a"), run("3", "b"));
    }
}
