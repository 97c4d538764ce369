//! `solve --format xlsx` and `compare --format xlsx`: the workbooks read back with openpyxl
//! equal the CSV (and JSON) of the same commands; same inputs, same bytes; `--output` needed.

use crate::common::*;
use std::fs;
use std::path::Path;

fn out(args: &[&str], paths: &[&Path], file: &Path) {
    let o = spreiding().args(args).args(paths).arg("--output").arg(file).output().unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn workbooks_hold_the_csv_cell_for_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let level = scenario_path("level");
    out(&["solve", "--format", "xlsx"], &[&level], &t.join("solve.xlsx"));
    out(&["solve", "--format", "csv"], &[&level], &t.join("solve.csv"));
    out(&["solve", "--format", "json"], &[&level], &t.join("solve.json"));
    // Two scenarios and a sweep: columns, differences and bands.
    let run = t.join("run");
    spreiding()
        .arg("run")
        .arg(&level)
        .arg(scenario_path("effort"))
        .arg(root().join("scenarios/2024-2026/sweeps/weights.toml"))
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    out(&["compare", "--format", "xlsx"], &[&run], &t.join("compare.xlsx"));
    out(&["compare", "--format", "csv"], &[&run], &t.join("compare.csv"));
    out(&["compare", "--format", "csv", "--metrics"], &[&run], &t.join("metrics.csv"));

    let py = std::process::Command::new("python3")
        .arg(root().join("tests/python/xlsx_readers.py"))
        .args(
            ["solve.xlsx", "solve.csv", "solve.json", "compare.xlsx", "compare.csv", "metrics.csv"].map(|f| t.join(f)),
        )
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&py.stdout);
    assert!(py.status.success(), "{said}{}", String::from_utf8_lossy(&py.stderr));
    assert!(said.starts_with("ok: 684 compared rows"), "{said}");

    // The same inputs give the same bytes.
    out(&["solve", "--format", "xlsx"], &[&level], &t.join("again.xlsx"));
    assert_eq!(fs::read(t.join("solve.xlsx")).unwrap(), fs::read(t.join("again.xlsx")).unwrap());
    out(&["compare", "--format", "xlsx"], &[&run], &t.join("again-compare.xlsx"));
    assert_eq!(fs::read(t.join("compare.xlsx")).unwrap(), fs::read(t.join("again-compare.xlsx")).unwrap());
}

#[test]
fn a_workbook_is_not_written_to_the_terminal() {
    for args in [vec!["solve", "--format", "xlsx"], vec!["compare", "--format", "xlsx"]] {
        let path = if args[0] == "solve" { scenario_path("level") } else { root().join("no-such-results") };
        let o = spreiding().args(&args).arg(path).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(o.stdout.is_empty());
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(said.contains("--format xlsx writes a workbook: give --output FILE.xlsx"), "{said}");
    }
}
