//! Objection replay through the binary (`spreiding objection`): the replay equals solving the
//! scenario with the correction as an override; golden snapshots of the Dutch text of three
//! realistic claims; refusals with file and line. (The library's properties on random claims:
//! `crates/solver/tests/core/objection.rs`.)

use crate::common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn claim_path(name: &str) -> PathBuf {
    root().join("scenarios/2024-2026/claims").join(format!("{name}.claim.toml"))
}

const CLAIMS: [&str; 3] = ["zaltbommel-locatie", "druten-gedeelde-locatie", "ede-maximum-apeldoorn"];

/// `spreiding solve --format csv` rows by (code, commodity): (counted, allocated, obligation).
fn csv_numbers(scenario: &std::path::Path) -> BTreeMap<(String, String), (u32, u32, u32)> {
    let out = spreiding().args(["solve", "--format", "csv"]).arg(scenario).output().unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (code, commodity, counted, allocated, obligation) =
        (col("code"), col("commodity"), col("counted"), col("allocated"), col("obligation"));
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (
                (row[code].to_owned(), row[commodity].to_owned()),
                (row[counted].parse().unwrap(), row[allocated].parse().unwrap(), row[obligation].parse().unwrap()),
            )
        })
        .collect()
}

/// The replay of each shipped claim equals `spreiding solve` of a scenario that extends the
/// same scenario and carries the claim's corrections as overrides: every municipality the
/// replay names has the numbers of that solve, and every other municipality the numbers of
/// the plain solve.
#[test]
fn each_claim_equals_solving_the_corrected_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let plain = csv_numbers(&scenario_path("rest-indicative"));
    for name in CLAIMS {
        let claim_text = std::fs::read_to_string(claim_path(name)).unwrap();
        // The claim's [[overrides.*]] tables are valid scenario overrides as they stand.
        let overrides = &claim_text[claim_text.find("[[overrides").unwrap()..];
        let scenario = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &scenario,
            format!("extends = \"{}\"\nname = \"{name}\"\n{overrides}", scenario_path("rest-indicative").display()),
        )
        .unwrap();
        let corrected = csv_numbers(&scenario);
        let out = spreiding()
            .args(["objection", "--format", "json", "--claim"])
            .arg(claim_path(name))
            .arg(scenario_path("rest-indicative"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let c = &v["claims"][0];
        assert_eq!(v["combined"], serde_json::Value::Null);
        let mut named = 0;
        for b in c["outcome"]["provinces"].as_array().unwrap() {
            let commodity = b["commodity"].as_str().unwrap().to_owned();
            let mut sum = 0i64;
            for m in b["changes"].as_array().unwrap() {
                let key = (m["code"].as_str().unwrap().to_owned(), commodity.clone());
                let (counted, allocated, obligation) = corrected[&key];
                assert_eq!(m["counted"][1], counted, "{name} {key:?}");
                assert_eq!(m["allocated"][1], allocated, "{name} {key:?}");
                assert_eq!(m["obligation"][1], obligation, "{name} {key:?}");
                let (c0, a0, o0) = plain[&key];
                assert_eq!(
                    (m["counted"][0].as_u64(), m["allocated"][0].as_u64()),
                    (Some(u64::from(c0)), Some(u64::from(a0)))
                );
                assert_eq!(m["obligation"][0], o0);
                sum += m["allocated_change"].as_i64().unwrap();
                named += 1;
            }
            // The changes add up to the change of the province's assigned places.
            let total = b["after"]["allocated"].as_i64().unwrap() - b["before"]["allocated"].as_i64().unwrap();
            assert_eq!(sum, total, "{name}");
            assert_eq!(b["allocated_change"], total);
        }
        assert!(named > 0, "{name} names no municipality");
        // Every municipality not named keeps its numbers.
        let named_keys: Vec<(String, String)> = c["outcome"]["provinces"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| {
                b["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| (m["code"].as_str().unwrap().to_owned(), b["commodity"].as_str().unwrap().to_owned()))
            })
            .collect();
        for (key, numbers) in &plain {
            if !named_keys.contains(key) {
                assert_eq!(&corrected[key], numbers, "{name}: {key:?} changed but is not named");
            }
        }
        // The objector's figures after the correction are those of the corrected solve.
        let code = c["municipality"].as_str().unwrap();
        for line in c["objector"].as_array().unwrap() {
            let key = (code.to_owned(), line["commodity"].as_str().unwrap().to_owned());
            let (counted, allocated, obligation) = corrected[&key];
            assert_eq!(line["after"]["counted"], counted);
            assert_eq!(line["after"]["allocated"], allocated);
            assert_eq!(line["after"]["obligation"], obligation);
            let (c0, a0, o0) = plain[&key];
            assert_eq!(line["before"]["counted"], c0);
            assert_eq!(line["before"]["allocated"], a0);
            assert_eq!(line["before"]["obligation"], o0);
        }
    }
}

/// Golden snapshots of the Dutch text of the three shipped claims, each on its own, and of
/// the three together (which states the order check).
#[test]
fn dutch_text_of_three_claims() {
    for name in CLAIMS {
        let out = spreiding()
            .current_dir(root())
            .args(["objection", "scenarios/2024-2026/rest-indicative.toml", "--claim"])
            .arg(format!("scenarios/2024-2026/claims/{name}.claim.toml"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        insta::assert_snapshot!(format!("objection-{name}"), String::from_utf8(out.stdout).unwrap());
    }
    let mut cmd = spreiding();
    cmd.current_dir(root()).args(["objection", "scenarios/2024-2026/rest-indicative.toml"]);
    for name in CLAIMS {
        cmd.arg("--claim").arg(format!("scenarios/2024-2026/claims/{name}.claim.toml"));
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("De correcties na elkaar toepassen geeft in iedere volgorde dezelfde uitkomst (nagegaan voor 6 van de 6 volgordes)."),
        "{text}"
    );
    // Zaltbommel's 37 counted places lower Gelderland's regular shortfall from 1.032 to 995.
    assert!(text.contains("tekort 1.032 → 995"), "{text}");
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Bad claims are refused with file, line and field; nothing is printed on stdout.
#[test]
fn bad_claims_are_refused_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("unknown.claim.toml", "municipality = \"GM9999\"\ngrounds = \"x\"\n", "unknown.claim.toml:1: municipality: GM9999 is not a municipality of the scenario's data set"),
        ("notacode.claim.toml", "grounds = \"x\"\nmunicipality = \"Druten\"\n", "notacode.claim.toml:2: municipality: `Druten` is not a municipality code"),
        ("empty.claim.toml", "municipality = \"GM0225\"\ngrounds = \"  \"\n", "empty.claim.toml:2: grounds: is empty"),
        (
            "province.claim.toml",
            "municipality = \"GM0225\"\ngrounds = \"x\"\n[[overrides.provinces]]\ncode = \"PV25\"\ntarget_regular = 1\n",
            "province.claim.toml:3: overrides.provinces: a province's target is set by law",
        ),
        (
            "location.claim.toml",
            "municipality = \"GM0225\"\ngrounds = \"x\"\n\n[[overrides.locations]]\nlocation_id = \"L9999\"\nmunicipality = \"GM0225\"\nplaces_regular = 5\n",
            "location.claim.toml:4: overrides.locations.location_id: unknown location L9999 for GM0225",
        ),
        (
            "year.claim.toml",
            "municipality = \"GM0225\"\ngrounds = \"x\"\n[[overrides.effort]]\nmunicipality = \"GM0225\"\nyear = 2024\navg_occupied_places = 5.0\n",
            "year.claim.toml:3: overrides.effort.year: 2024 is not one of the effort years of cycle 2024-2026; expected a year from 2014 to 2023",
        ),
        (
            "negative.claim.toml",
            "municipality = \"GM0225\"\ngrounds = \"x\"\n[[overrides.effort]]\nmunicipality = \"GM0225\"\nyear = 2020\navg_occupied_places = -5.0\n",
            "negative.claim.toml:3: overrides.effort.avg_occupied_places: -5 is not valid",
        ),
        ("typo.claim.toml", "municipality = \"GM0225\"\ngrond = \"x\"\n", "typo.claim.toml:2"),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), name, text);
        let out = spreiding()
            .arg("objection")
            .arg(scenario_path("rest-indicative"))
            .arg("--claim")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{name}: {err}");
    }
    // Two claims correcting the same location: refused, naming both places.
    let a = write(
        dir.path(),
        "a.claim.toml",
        "municipality = \"GM0225\"\ngrounds = \"x\"\n[[overrides.locations]]\nlocation_id = \"L0162\"\nmunicipality = \"GM0296\"\nplaces_regular = 183\n",
    );
    let b = write(
        dir.path(),
        "b.claim.toml",
        "municipality = \"GM0296\"\ngrounds = \"y\"\n\n[[overrides.locations]]\nlocation_id = \"L0162\"\nmunicipality = \"GM0296\"\nplaces_regular = 200\n",
    );
    let out = spreiding()
        .arg("objection")
        .arg(scenario_path("rest-indicative"))
        .arg("--claim")
        .arg(&a)
        .arg("--claim")
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("b.claim.toml:4: overrides: corrects location L0162, which"), "{err}");
    assert!(err.contains("a.claim.toml:3 corrects too"), "{err}");
}
