//! Places above a municipality's task (MODEL.md 3.2a, issue 22 part 5): the scenario setting
//! `allocation.above_task` (held, ignored, effort) on nl-2024, checked against shortfalls and
//! obligations this test computes from the default run's counted places and indicative numbers.

use crate::common::{root, spreiding};
use std::collections::BTreeMap;
use std::path::Path;

/// Runs a command from the repository root and returns its standard output (it must succeed;
/// exit status 1, solved with an infeasible province, counts as success: leaving places out
/// makes some of nl-2024's provinces infeasible within the caps).
fn ok(args: &[&str]) -> String {
    let out = spreiding().args(args).current_dir(root()).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The rows of `solve --format csv`, and its header.
fn csv_rows(scenario: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let text = ok(&["solve", scenario, "--format", "csv"]);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    (header, r.deserialize().map(Result::unwrap).collect())
}

/// A scenario on top of the shipped rest-indicative one with `above_task` set.
fn scenario(dir: &Path, treatment: &str) -> String {
    let base = root().join("scenarios/2024-2026/rest-indicative.toml");
    let path = dir.join(format!("{treatment}.toml"));
    std::fs::write(
        &path,
        format!(
            "extends = {:?}\nname = \"{treatment}\"\n[allocation]\nabove_task = \"{treatment}\"\n",
            base.to_str().unwrap()
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

fn num(row: &BTreeMap<String, String>, column: &str) -> i64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

#[test]
fn places_above_the_task_are_held_ignored_or_carried_as_the_scenario_says() {
    let dir = tempfile::tempdir().unwrap();
    let default = "scenarios/2024-2026/rest-indicative.toml";
    let (default_header, default_rows) = csv_rows(default);
    assert!(!default_header.iter().any(|c| c == "above_task"), "the default's columns stay as they were");
    let default_json = ok(&["solve", default, "--format", "json"]);
    assert!(!default_json.contains("above_task"), "the default's report stays as it was");
    let report: serde_json::Value = serde_json::from_str(&default_json).unwrap();
    let targets: BTreeMap<(String, String), i64> = report["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (p["code"].as_str().unwrap().to_owned(), p["commodity"].as_str().unwrap().to_owned()),
                p["target"].as_i64().unwrap(),
            )
        })
        .collect();
    // Held (the default): every counted place counts, the obligation is counted + allocated.
    for row in &default_rows {
        assert_eq!(num(row, "obligation"), num(row, "counted") + num(row, "allocated") + num(row, "beyond_cap"));
    }

    for treatment in ["ignored", "effort"] {
        let path = scenario(dir.path(), treatment);
        let (header, rows) = csv_rows(&path);
        assert_eq!(header.last().map(String::as_str), Some("above_task"), "{header:?}");
        assert_eq!(&header[..header.len() - 1], &default_header[..]);
        assert_eq!(rows.len(), default_rows.len());
        // Per province and commodity: the places counting towards the task, min(C, I) per
        // municipality, and the whole places handed out.
        let mut towards: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut handed: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut above_somewhere = 0;
        for (row, base) in rows.iter().zip(&default_rows) {
            assert_eq!((&row["code"], &row["commodity"]), (&base["code"], &base["commodity"]));
            let (counted, indicative) = (num(base, "counted"), num(base, "indicative"));
            assert_eq!(num(row, "counted"), counted, "counting does not change");
            let above = (counted - indicative).max(0);
            above_somewhere += i64::from(above > 0);
            assert_eq!(num(row, "above_task"), above, "{} {}", row["code"], row["commodity"]);
            assert_eq!(
                num(row, "obligation"),
                counted.min(indicative) + num(row, "allocated") + num(row, "beyond_cap"),
                "{} {}",
                row["code"],
                row["commodity"]
            );
            let key = (row["province"].clone(), row["commodity"].clone());
            *towards.entry(key.clone()).or_default() += counted.min(indicative);
            *handed.entry(key).or_default() += num(row, "allocated");
        }
        assert!(above_somewhere > 20, "nl-2024 has municipalities above their task");
        let json: serde_json::Value = serde_json::from_str(&ok(&["solve", &path, "--format", "json"])).unwrap();
        assert_eq!(json["above_task"], treatment);
        let mut rose = 0;
        for p in json["provinces"].as_array().unwrap() {
            let key = (p["code"].as_str().unwrap().to_owned(), p["commodity"].as_str().unwrap().to_owned());
            let shortfall = (targets[&key] - towards[&key]).max(0);
            assert_eq!(p["shortfall"].as_i64().unwrap(), shortfall, "{key:?}");
            assert_eq!(p["allocated"].as_i64().unwrap() + p["missing"].as_i64().unwrap(), shortfall, "{key:?}");
            assert_eq!(p["allocated"].as_i64().unwrap(), handed[&key], "{key:?}");
            let base = report["provinces"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["code"] == p["code"] && b["commodity"] == p["commodity"])
                .unwrap();
            assert_eq!(
                p.get("above_task").map_or(0, |a| a.as_i64().unwrap()),
                base["counted"].as_i64().unwrap() - towards[&key],
                "{key:?}"
            );
            rose += i32::from(shortfall > base["shortfall"].as_i64().unwrap());
        }
        assert!(rose >= 6, "leaving places above the task out raises shortfalls ({rose} blocks)");

        // The explanation of a municipality above its task says what happens to those places,
        // and the obligation's sum.
        let groningen = rows.iter().find(|r| r["code"] == "GM0014" && r["commodity"] == "regular").unwrap();
        let above = num(groningen, "above_task");
        assert!(above > 0);
        let text = ok(&["explain", &path, "--municipality", "GM0014"]);
        assert!(text.contains(&format!("Daarvan liggen er {above} boven de taak van de gemeente")), "{text}");
        assert!(text.contains("tellen plaatsen boven de taak"), "{text}");
        assert!(text.contains(&format!("- plaatsen boven de taak {above} +")), "{text}");
        assert_eq!(text.contains("inzetjaren van de volgende cyclus"), treatment == "effort", "{text}");
    }
    // Held: the explanation of a municipality above its task says it is held to them.
    let text = ok(&["explain", default, "--municipality", "GM0014"]);
    assert!(text.contains("Dit scenario houdt de gemeente aan die plaatsen"), "{text}");
}

#[test]
fn the_above_task_setting_is_swept_recorded_and_refused_when_misspelt() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    ok(&["run", "scenarios/2026-2028/sweeps/above-task.toml", "--format", "parquet", "--out", out.to_str().unwrap()]);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut r = csv::Reader::from_reader(summary.as_bytes());
    let rows: Vec<BTreeMap<String, String>> = r.deserialize().map(Result::unwrap).collect();
    let total = |t: &str| -> i64 {
        let row = rows.iter().find(|r| r["params"] == format!("allocation.above_task={t}")).unwrap();
        row["total_allocated"].parse().unwrap()
    };
    // nl-2026 has municipalities above their task: leaving them out raises the shortfalls;
    // ignored and effort differ only in what is carried to the next cycle.
    assert!(total("ignored") > total("held"), "{summary}");
    assert_eq!(total("ignored"), total("effort"));
    // A misspelt value names the field and the valid values.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "extends = {:?}\n[allocation]\nabove_task = \"kept\"\n",
            root().join("scenarios/2024-2026/rest-indicative.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let out = spreiding().args(["validate", bad.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("above_task") && err.contains("held") && err.contains("bad.toml"), "{err}");
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        format!(
            "[sweep]\nname = \"s\"\nbase = {:?}\n[[sweep.grid]]\nparameter = \"allocation.above_task\"\nvalues = [\"held\", \"kept\"]\n",
            root().join("scenarios/2024-2026/rest-indicative.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let out = spreiding().args(["validate", sweep.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("\"held\", \"ignored\" or \"effort\""), "{err}");
}

/// Result files keep the obligations of a scenario that leaves places above the task out (the
/// records' obligations are not counted + allocated then): a cross-cycle comparison against
/// such a scenario, read from JSON lines and from Parquet, gives the obligations of its CSV.
#[test]
fn result_files_keep_obligations_without_the_places_above_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("second.toml");
    std::fs::write(
        &second,
        format!(
            "extends = {:?}\nname = \"ignored-2026\"\n[allocation]\nabove_task = \"ignored\"\n",
            root().join("scenarios/2026-2028/rest-indicative.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let (_, rows) = csv_rows(second.to_str().unwrap());
    let expected: BTreeMap<(String, String), i64> =
        rows.iter().map(|r| ((r["code"].clone(), r["commodity"].clone()), num(r, "obligation"))).collect();
    assert!(rows.iter().any(|r| num(r, "above_task") > 0));
    for format in ["jsonl", "parquet"] {
        let a = dir.path().join(format!("a-{format}"));
        let b = dir.path().join(format!("b-{format}"));
        ok(&["run", "scenarios/2024-2026/rest-indicative.toml", "--format", format, "--out", a.to_str().unwrap()]);
        ok(&["run", second.to_str().unwrap(), "--format", format, "--out", b.to_str().unwrap()]);
        let json: serde_json::Value =
            serde_json::from_str(&ok(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]))
                .unwrap();
        for r in json["rows"].as_array().unwrap() {
            let key = (r["code"].as_str().unwrap().to_owned(), r["commodity"].as_str().unwrap().to_owned());
            assert_eq!(r["obligation"][1].as_i64(), Some(expected[&key]), "{format} {key:?}");
        }
    }
}
