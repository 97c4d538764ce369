//! Both cycles everywhere: every command on the second cycle's scenarios, and `compare` of a
//! 2024-2026 result against a 2026-2028 result checked against numbers this test computes from
//! the two solves' CSV.

use crate::common::{root, spreiding};
use std::collections::BTreeMap;

/// (code, commodity) -> (name, province, obligation) from `solve --format csv`.
fn obligations(scenario: &str) -> BTreeMap<(String, String), (String, String, i64)> {
    let out = spreiding().args(["solve", scenario, "--format", "csv"]).current_dir(root()).output().unwrap();
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    r.deserialize::<BTreeMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            (
                (row["code"].clone(), row["commodity"].clone()),
                (row["name"].clone(), row["province"].clone(), row["obligation"].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn every_command_works_on_the_second_cycle() {
    let s = "scenarios/2026-2028/rest-indicative.toml";
    let ok = |args: &[&str]| {
        let out = spreiding().args(args).current_dir(root()).output().unwrap();
        assert!(out.status.code() == Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    for f in [
        "rest-indicative",
        "level",
        "effort",
        "corop-balance",
        "sweeps/counting",
        "sweeps/sensitivity",
        "sweeps/weights",
    ] {
        let text = ok(&["validate", &format!("scenarios/2026-2028/{f}.toml")]);
        assert!(text.contains("2026-2028") || text.contains("nl-2026"), "{text}");
    }
    assert!(ok(&["solve", s]).contains("cycle 2026-2028"));
    let e = ok(&["explain", s, "--municipality", "Breda"]);
    assert!(e.contains("932 plaatsen staat vast"), "{e}");
    assert!(e.contains("ten minste 2 jaar vanaf de peildatum"), "{e}");
    // A location the second cycle's rules exclude is named with its rule.
    let report: serde_json::Value = serde_json::from_str(&ok(&["solve", s, "--format", "json"])).unwrap();
    let csv_text = std::fs::read_to_string(root().join("data/nl-2026/illustrative/locations.csv")).unwrap();
    let short = csv_text.lines().find(|l| l.contains(",2028-12-31,")).expect("a location open until 2028-12-31");
    let code = short.split(',').nth(1).unwrap();
    let e = ok(&["explain", s, "--municipality", code]);
    assert!(e.contains("regel min_years"), "{e}");
    assert_eq!(report["cycle"], "2026-2028");
    let w = ok(&["what-if", s, "--province", "PV30", "--format", "csv"]);
    assert!(w.lines().count() > 10, "{w}");
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("m.svg");
    ok(&["map", s, "--out", map.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&map).unwrap().contains("2026-2028"));
    // Back to the first cycle's rules by a scenario setting: more places count.
    let relaxed = dir.path().join("relaxed.toml");
    std::fs::write(
        &relaxed,
        format!("extends = \"{}\"\nname = \"first-rules\"\n[counting]\nmin_years = 0\n", root().join(s).display()),
    )
    .unwrap();
    let r2: serde_json::Value =
        serde_json::from_str(&ok(&["solve", relaxed.to_str().unwrap(), "--format", "json"])).unwrap();
    let counted = |r: &serde_json::Value| {
        r["provinces"].as_array().unwrap().iter().map(|p| p["counted"].as_u64().unwrap()).sum::<u64>()
    };
    assert!(counted(&r2) > counted(&report), "min_years = 0 counts the short locations too");
}

#[test]
fn compare_across_cycles_lines_municipalities_up_by_code() {
    let first = obligations("scenarios/2024-2026/rest-indicative.toml");
    let second = obligations("scenarios/2026-2028/rest-indicative.toml");
    let dir = tempfile::tempdir().unwrap();
    for (s, out) in
        [("scenarios/2024-2026/rest-indicative.toml", "a"), ("scenarios/2026-2028/rest-indicative.toml", "b")]
    {
        spreiding().args(["run", s, "--out"]).arg(dir.path().join(out)).current_dir(root()).assert().success();
    }
    let compare = |format: &str| {
        spreiding().args(["compare", "a", "b", "--format", format]).current_dir(dir.path()).output().unwrap()
    };
    let json: serde_json::Value = serde_json::from_slice(&compare("json").stdout).unwrap();
    assert_eq!(json["cycles"], serde_json::json!(["2024-2026", "2026-2028"]));
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 684);
    let mut total: BTreeMap<&str, [i64; 2]> = BTreeMap::new();
    for r in rows {
        let key = (r["code"].as_str().unwrap().to_owned(), r["commodity"].as_str().unwrap().to_owned());
        let (a, b) = (first[&key].2, second[&key].2);
        assert_eq!((r["obligation"][0].as_i64(), r["obligation"][1].as_i64()), (Some(a), Some(b)), "{key:?}");
        assert_eq!(r["change"].as_i64(), Some(b - a), "{key:?}");
        let t = total.entry(r["code"].as_str().unwrap()).or_default();
        t[0] += a;
        t[1] += b;
    }
    let rose = total.values().filter(|t| t[1] > t[0]).count();
    let fell = total.values().filter(|t| t[1] < t[0]).count();
    let summary = json["summary"].as_array().unwrap();
    let t = summary.iter().find(|s| s["commodity"] == "total").unwrap();
    assert_eq!(
        (t["rose"].as_u64(), t["fell"].as_u64(), t["municipalities"].as_u64()),
        (Some(rose as u64), Some(fell as u64), Some(342))
    );
    let reg_rose = first.iter().filter(|(k, v)| k.1 == "regular" && second[*k].2 > v.2).count();
    assert_eq!(summary[0]["rose"].as_u64(), Some(reg_rose as u64));
    // Every format says it.
    let table = String::from_utf8(compare("table").stdout).unwrap();
    assert!(table.contains(&format!("{rose} of 342 municipalities have a higher obligation in 2026-2028")), "{table}");
    let md = String::from_utf8(compare("md").stdout).unwrap();
    assert!(md.contains(&format!("{rose} of 342")) && md.contains("| code"), "{md}");
    let csv_out = compare("csv");
    let mut r = csv::Reader::from_reader(csv_out.stdout.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["code", "name", "province", "commodity", "obligation_2024-2026", "obligation_2026-2028", "change"]
    );
    assert_eq!(r.records().count(), 684);
    let x = spreiding()
        .args(["compare", "a", "b", "--format", "xlsx", "--output", "c.xlsx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
    assert!(std::fs::read(dir.path().join("c.xlsx")).unwrap().starts_with(b"PK"));
    // A sweep against another cycle is refused with a reason.
    let bad = spreiding()
        .args(["compare", "a", "b", "--baseline", "rest-indicative"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("across cycles"));
    let bad = spreiding()
        .args(["compare", "a", "b", "--metrics", "--format", "csv"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--metrics does not apply across cycles"));
}

#[test]
fn the_dossier_of_the_second_cycle_names_it_and_its_rules_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let made = spreiding()
        .args(["dossier", "scenarios/2026-2028/rest-indicative.toml", "--province", "PV30", "--out"])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let text = crate::dossier::pdf_text(&out.join("verdeelbesluit-PV30.pdf"));
    // pdftotext may break a sentence over lines: compare with single spaces.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Voor de cyclus 2026-2028 (1 februari 2026 tot 1 februari 2028) is de landelijke opgave 88.000",
        "Alleen locaties die ten minste 2 jaar vanaf de peildatum beschikbaar zijn, tellen mee (regel min_years)",
        "Noord-Brabant, cyclus 2026-2028: opgave per 1.000 inwoners",
    ] {
        assert!(flat.contains(needle), "the dossier does not say: {needle}");
    }
    spreiding().arg("verify").arg(&out).assert().success();
}

#[test]
fn a_sweep_varies_the_cycle_rules_in_both_result_formats() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["jsonl", "parquet"] {
        let out = dir.path().join(format);
        let run = spreiding()
            .args(["run", "scenarios/2026-2028/sweeps/counting.toml", "--format", format, "--out"])
            .arg(&out)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        let mut r = csv::Reader::from_reader(summary.as_bytes());
        let rows: Vec<BTreeMap<String, String>> = r.deserialize().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 24);
        // With the same other settings, dropping the two-year rule never counts fewer places:
        // the total allocated (the shortfalls) is never larger.
        let total = |min_years: u32| -> f64 {
            let params = format!(
                "counting.count_intentions=false;counting.counting_date=2027-07-01;counting.min_years={min_years};counting.require_bridging=true"
            );
            let row = rows.iter().find(|r| r["params"] == params).unwrap_or_else(|| panic!("no scenario {params}"));
            row["total_allocated"].parse().unwrap()
        };
        assert!(total(0) < total(2), "the two-year rule excludes places in nl-2026");
    }
    // The Parquet result reads back with its parameters.
    let json = spreiding().args(["compare", "parquet", "--format", "json"]).current_dir(dir.path()).output().unwrap();
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
}
