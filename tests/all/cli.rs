//! The command line: exit statuses, formats, atomic output, determinism of bytes.

use crate::common::*;
use std::fs;

#[test]
fn solve_prints_a_table_per_province() {
    let out = spreiding().arg("solve").arg(scenario_path("rest-indicative")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("PV24  Flevoland      regular     2234    3291         0         0        0 closes"),
        "{text}"
    );
    assert!(text.contains("Total shortfall"));
    assert!(out.stderr.is_empty(), "HiGHS or logging wrote to stderr: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn solve_json_has_the_documented_fields_and_nothing_else_on_stdout() {
    let out = spreiding().args(["solve", "--format", "json"]).arg(scenario_path("level")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // The whole of stdout parses as one JSON document: HiGHS printed nothing.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "level");
    let provinces = v["provinces"].as_array().unwrap();
    assert_eq!(provinces.len(), 24);
    for p in provinces {
        for key in ["code", "commodity", "target", "counted", "shortfall", "allocated", "status", "missing"] {
            assert!(p.get(key).is_some(), "province without {key}: {p}");
        }
    }
    let ms = v["municipalities"].as_array().unwrap();
    assert_eq!(ms.len(), 2 * 342);
    for m in ms {
        for key in [
            "code",
            "province",
            "commodity",
            "indicative",
            "counted",
            "eligible",
            "key",
            "cap",
            "exact",
            "allocated",
            "obligation",
            "reason",
        ] {
            assert!(m.get(key).is_some(), "municipality without {key}: {m}");
        }
    }
}

#[test]
fn solve_output_bytes_are_identical_across_runs() {
    let run = || spreiding().args(["solve", "--format", "json"]).arg(scenario_path("effort")).output().unwrap().stdout;
    let first = run();
    assert!(!first.is_empty());
    assert_eq!(first, run());
}

#[test]
fn solve_writes_csv_atomically_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("result.csv");
    fs::write(&target, "old contents\n").unwrap();
    spreiding()
        .args(["solve", "--format", "csv", "--output"])
        .arg(&target)
        .arg(scenario_path("rest-indicative"))
        .assert()
        .success();
    let text = fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("code,name,province,commodity,"));
    assert_eq!(text.lines().count(), 1 + 2 * 342);
    // Nothing else is left in the folder (no temporary files).
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_infeasible_province_exits_1_and_still_writes_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tight.toml");
    fs::write(
        &scenario,
        format!(
            "name = \"tight\"\ndataset = \"{}\"\n[constraints]\nmax_per_1000_regular = 0.5\n",
            dataset_path().display()
        ),
    )
    .unwrap();
    let target = dir.path().join("out.json");
    let out = spreiding().args(["solve", "--format", "json", "--output"]).arg(&target).arg(&scenario).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("places missing"));
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&target).unwrap()).unwrap();
    let infeasible: Vec<&serde_json::Value> =
        v["provinces"].as_array().unwrap().iter().filter(|p| p["status"] == "infeasible").collect();
    assert!(!infeasible.is_empty());
    for p in infeasible {
        assert!(p["missing"].as_u64().unwrap() > 0);
        assert_eq!(p["allocated"].as_u64().unwrap() + p["missing"].as_u64().unwrap(), p["shortfall"].as_u64().unwrap());
    }
}

#[test]
fn explain_prints_the_dutch_motivation() {
    let out = spreiding()
        .args(["explain", "--municipality", "GM0160", "--commodity", "regular"])
        .arg(scenario_path("level"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "1. Gegevens",
        "2. Getelde plaatsen",
        "3. Het provinciaal verslag",
        "5. Verdeelsleutel",
        "lambda =",
        "7. Afronding",
        "8. Uitkomst",
    ] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
}

#[test]
fn explain_accepts_a_name_and_refuses_an_unknown_code() {
    // Any case: the municipality named (Hardenberg is GM0160 in municipalities.csv).
    let out =
        spreiding().args(["explain", "--municipality", "hardenberg"]).arg(scenario_path("level")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().next().unwrap().ends_with("voor de gemeente Hardenberg (GM0160)"), "{text}");
    let by_code =
        spreiding().args(["explain", "--municipality", "gm0160"]).arg(scenario_path("level")).output().unwrap();
    assert_eq!(by_code.stdout, text.as_bytes());
    let out = spreiding().args(["explain", "--municipality", "GM9999"]).arg(scenario_path("level")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown municipality GM9999"));
}

#[test]
fn validate_accepts_the_shipped_scenarios() {
    for name in ["rest-indicative", "level", "effort", "corop-balance"] {
        spreiding().arg("validate").arg(scenario_path(name)).assert().success();
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = spreiding().args(["solve", "--format", "xml", "x.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = spreiding().args(["solve", "does-not-exist.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist.toml: cannot read"));
}

#[test]
fn validate_accepts_sweeps_and_solve_refuses_them_clearly() {
    let out = spreiding().arg("validate").arg(scenario_path("sweeps/weights")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sweep \"weights\" of 22 scenarios (22 grid points)"));
    let out = spreiding().arg("solve").arg(scenario_path("sweeps/sensitivity")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("this is a sweep file, not a scenario: run it with `spreiding run`"));
}

#[test]
fn elastic_assigns_the_missing_places_beyond_the_caps_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tight.toml");
    fs::write(
        &scenario,
        format!(
            "name = \"tight\"\ndataset = \"{}\"\n[allocation]\nelastic = true\n[constraints]\nmax_per_1000_regular = 0.5\n",
            dataset_path().display()
        ),
    )
    .unwrap();
    let out = spreiding().args(["solve", "--format", "json"]).arg(&scenario).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("places assigned beyond the caps (elastic)"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in v["provinces"].as_array().unwrap().iter().filter(|p| p["status"] == "infeasible") {
        assert_eq!(p["beyond_cap"], p["missing"]);
        let beyond: u64 = v["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["province"] == p["code"] && m["commodity"] == p["commodity"])
            .map(|m| m["beyond_cap"].as_u64().unwrap())
            .sum();
        assert_eq!(beyond, p["missing"].as_u64().unwrap());
    }
    let m = v["municipalities"].as_array().unwrap().iter().find(|m| m["beyond_cap"].as_u64().unwrap() > 0).unwrap();
    let code = m["code"].as_str().unwrap();
    let commodity = m["commodity"].as_str().unwrap();
    let text = spreiding()
        .args(["explain", "--municipality", code, "--commodity", commodity])
        .arg(&scenario)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("toch toegewezen, boven de maxima"), "{text}");
    assert!(text.contains(&format!("plaatsen boven het maximum {}", m["beyond_cap"])), "{text}");
}
