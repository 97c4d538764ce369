//! `spreiding run --format parquet`: the tables read back (by this program, by pyarrow and by
//! DuckDB) to the numbers of the JSON-lines run; byte-determinism, `--resume`, `merge` and
//! `compare` on Parquet folders; unreadable files named.

use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// A sweep over every kind of parameter column (text, number, boolean, date, draw and seed:
/// 2 x 3 x 2 x 2 grid points x 10 draws = 240 scenarios, 3 result files), a scenario file and
/// one that fails (an unknown data set).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let sweep = dir.join("mixed.toml");
    fs::write(
        &sweep,
        format!(
            r#"[sweep]
name = "mixed"
base = "{}"
[[sweep.grid]]
parameter = "allocation.mode"
values = ["rest", "level"]
[[sweep.grid]]
parameter = "allocation.weights.effort_share"
from = 0.0
to = 0.2
step = 0.1
[[sweep.grid]]
parameter = "counting.count_intentions"
values = [false, true]
[[sweep.grid]]
parameter = "counting.counting_date"
values = [2025-07-01, 2026-01-01]
[sweep.random]
draws = 10
seed = 11
location_places = 0.1
caps = 0.1
"#,
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    let broken = dir.join("broken.toml");
    fs::write(&broken, "name = \"broken\"\ndataset = \"/nonexistent/data\"\n").unwrap();
    vec![sweep, scenario_path("level"), broken]
}

fn run(files: &[PathBuf], out: &Path, extra: &[&str]) -> std::process::Output {
    spreiding().arg("run").args(files).arg("--out").arg(out).args(extra).output().unwrap()
}

#[test]
fn parquet_tables_hold_the_numbers_of_the_json_lines_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let files = inputs(t);
    let lines = run(&files, &t.join("lines"), &["--jobs", "2"]);
    let parquet = run(&files, &t.join("pq"), &["--format", "parquet", "--jobs", "2"]);
    // Exit 2: one scenario failed; both runs say so alike.
    assert_eq!(lines.status.code(), Some(2));
    assert_eq!(parquet.status.code(), Some(2));

    // The layout: three tables per result file, nothing else under results/.
    let files_pq: Vec<String> = tree(&t.join("pq/results")).into_keys().collect();
    let mut expected = Vec::new();
    for table in ["municipalities", "provinces", "scenarios"] {
        for name in ["broken.parquet", "level.parquet", "mixed.000.parquet", "mixed.100.parquet", "mixed.200.parquet"] {
            expected.push(format!("{table}/{name}"));
        }
    }
    assert_eq!(files_pq, expected);

    // The summary, built from the records each format reads back, is byte-identical.
    assert_eq!(fs::read(t.join("lines/summary.csv")).unwrap(), fs::read(t.join("pq/summary.csv")).unwrap());
    // So is every comparison of the two folders.
    for format in ["json", "csv", "table"] {
        let out = |dir: &str| {
            let o = spreiding().args(["compare", "--format", format]).arg(t.join(dir)).output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        assert_eq!(out("lines"), out("pq"), "compare --format {format}");
    }
    // A Parquet folder and a JSON-lines folder compare with each other: every difference 0.
    let both = spreiding()
        .args(["compare", "--format", "json"])
        .arg(t.join("pq/results/scenarios/level.parquet"))
        .arg(t.join("lines/results/level.jsonl"))
        .output()
        .unwrap();
    assert!(both.status.success(), "{}", String::from_utf8_lossy(&both.stderr));
    let v: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    let entries = v["municipalities"].as_array().unwrap();
    assert_eq!(entries.len(), 684);
    assert!(entries.iter().all(|e| e["values"][1]["diff"] == 0), "a Parquet file and its JSON-lines twin differ");

    // pyarrow and DuckDB read the tables and find the JSON lines' numbers, and the solve CSV's.
    let csv = t.join("level.csv");
    spreiding()
        .arg("solve")
        .arg(scenario_path("level"))
        .args(["--format", "csv", "--output"])
        .arg(&csv)
        .assert()
        .success();
    let py = std::process::Command::new("python3")
        .arg(root().join("tests/python/parquet_readers.py"))
        .arg(t.join("lines"))
        .arg(t.join("pq"))
        .arg("level")
        .arg(&csv)
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&py.stdout);
    assert!(py.status.success(), "{said}{}", String::from_utf8_lossy(&py.stderr));
    // 241 solved scenarios of 342 municipalities, 2 commodities each.
    assert!(said.contains("ok: 242 scenarios, 164844 municipality rows"), "{said}");
}

#[test]
fn parquet_bytes_do_not_depend_on_threads_and_resume_redoes_only_what_is_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let files = inputs(t);
    run(&files, &t.join("one"), &["--format", "parquet", "--jobs", "1"]);
    run(&files, &t.join("two"), &["--format", "parquet", "--jobs", "2"]);
    let reference = tree(&t.join("one"));
    assert_eq!(reference, tree(&t.join("two")));

    // Damage: one table of one result file gone, one cut short, one of another run.
    let two = t.join("two/results");
    fs::remove_file(two.join("provinces/mixed.100.parquet")).unwrap();
    let m = two.join("municipalities/mixed.000.parquet");
    let bytes = fs::read(&m).unwrap();
    fs::write(&m, &bytes[..bytes.len() / 2]).unwrap();
    // A scenarios table of another sweep (another seed) in place of mixed.200's.
    let other = t.join("other.toml");
    fs::write(&other, fs::read_to_string(&files[0]).unwrap().replace("seed = 11", "seed = 12")).unwrap();
    run(&[other], &t.join("other"), &["--format", "parquet"]);
    fs::copy(t.join("other/results/scenarios/mixed.200.parquet"), two.join("scenarios/mixed.200.parquet")).unwrap();

    let resumed = run(&files, &t.join("two"), &["--format", "parquet", "--resume"]);
    let said = String::from_utf8_lossy(&resumed.stderr);
    // 5 result files: level kept; the three damaged ones and the failed one (a scenario that
    // failed is always tried again) solved again.
    assert!(said.contains("--resume: 1 result file kept, 4 solved again, of which 4 from another"), "{said}");
    assert_eq!(tree(&t.join("two")), reference);
}

#[test]
fn parquet_parts_merge_into_the_one_machine_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let files = inputs(t);
    run(&files, &t.join("one"), &["--format", "parquet"]);
    let parts: Vec<PathBuf> = (0..2).map(|i| t.join(format!("part-{i}"))).collect();
    for (i, p) in parts.iter().enumerate() {
        run(&files, p, &["--format", "parquet", "--shard", &format!("{i}/2")]);
        assert!(p.join("shard.json").is_file());
    }
    // A part's table missing is refused, naming it.
    let gone = parts[1].join("results/provinces/mixed.100.parquet");
    let kept = fs::read(&gone).unwrap();
    fs::remove_file(&gone).unwrap();
    let o = spreiding().arg("merge").args(&parts).arg("--out").arg(t.join("bad")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("mixed.100.parquet: result file of shard 1/2 missing"), "{said}");
    assert!(!t.join("bad").exists() || fs::read_dir(t.join("bad")).unwrap().next().is_none());
    fs::write(&gone, kept).unwrap();

    let o = spreiding().arg("merge").args(parts.iter().rev()).arg("--out").arg(t.join("merged")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut one = tree(&t.join("one"));
    let merged = tree(&t.join("merged"));
    one.retain(|k, _| !k.ends_with("shard.json"));
    assert_eq!(one.keys().collect::<Vec<_>>(), merged.keys().collect::<Vec<_>>());
    assert_eq!(one, merged);
}

#[test]
fn unreadable_parquet_results_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    run(&[scenario_path("rest-indicative")], &t.join("pq"), &["--format", "parquet"]);
    let results = t.join("pq/results");
    let compare = |args: &[&Path]| {
        let o = spreiding().arg("compare").args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };

    // Not Parquet.
    let m = results.join("municipalities/rest-indicative.parquet");
    let good = fs::read(&m).unwrap();
    fs::write(&m, b"not parquet").unwrap();
    let said = compare(&[&t.join("pq")]);
    assert!(said.contains("municipalities/rest-indicative.parquet: not a Parquet file"), "{said}");
    // The scenarios table where the municipalities table belongs.
    fs::copy(results.join("scenarios/rest-indicative.parquet"), &m).unwrap();
    let said = compare(&[&t.join("pq")]);
    assert!(said.contains("holds the scenarios table, expected municipalities"), "{said}");
    fs::write(&m, &good).unwrap();
    // A table outside its folder.
    let loose = t.join("rest-indicative.parquet");
    fs::write(&loose, &good).unwrap();
    let said = compare(&[&loose]);
    assert!(said.contains("lives in a folder named after its table"), "{said}");
    // Both formats in one folder.
    fs::write(results.join("extra.jsonl"), b"").unwrap();
    let said = compare(&[&t.join("pq")]);
    assert!(said.contains("holds result files in both formats (1 .jsonl, 1 Parquet)"), "{said}");
    fs::remove_file(results.join("extra.jsonl")).unwrap();
    // A table of another result file of the same name (another definition).
    let other = t.join("other.toml");
    fs::write(
        &other,
        format!(
            "extends = \"{}\"\nname = \"rest-indicative\"\n[allocation.weights]\nindicative = 0.5\neffort = 0.5\nfeasibility = 0.0\n",
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    run(&[other], &t.join("other"), &["--format", "parquet"]);
    fs::copy(t.join("other/results/municipalities/rest-indicative.parquet"), &m).unwrap();
    let said = compare(&[&t.join("pq")]);
    assert!(said.contains("are not of one result file"), "{said}");
    fs::write(&m, &good).unwrap();
    // Another program's Parquet file (no spreiding metadata) is refused as such.
    // Parquet files start and end with the magic PAR1; a file with it but nothing valid:
    fs::write(&m, b"PAR1\0\0\0\0PAR1").unwrap();
    let said = compare(&[&t.join("pq")]);
    assert!(said.contains("rest-indicative.parquet: not a Parquet file"), "{said}");
}
