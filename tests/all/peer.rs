//! Checks against something the program did not compute: the PuLP model of `peer/` (MODEL.md
//! written again in Python, its own closed forms, leximin LP and rounding) on every shipped
//! scenario, and relative effort worked out by hand from the data files.

use crate::common::*;

/// `peer/pulp_compare.py --check`: every municipality's exact and whole allocation in the four
/// shipped scenarios equals the Python model's. Needs Python with PuLP and highspy
/// (`scripts/setup` installs them); without them the test fails saying so.
#[test]
fn pulp_agrees_on_every_shipped_scenario() {
    let have = std::process::Command::new("python3").args(["-c", "import pulp, highspy"]).output();
    let have = have.is_ok_and(|o| o.status.success());
    assert!(have, "python3 with pulp and highspy is needed (scripts/setup installs them: pip install pulp highspy)");
    let out = std::process::Command::new("python3")
        .arg(root().join("peer/pulp_compare.py"))
        .args(["--check", "--binary", env!("CARGO_BIN_EXE_spreiding")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for name in ["rest-indicative", "level", "effort", "corop-balance"] {
        assert!(text.contains(&format!("{name}: 684 municipality-commodity entries")), "{text}");
        assert!(
            text.contains(&format!("{name}: 684 municipality-commodity entries, 19786 places allocated, 0 differ")),
            "{text}"
        );
    }
}

/// Relative effort r_m (MODEL.md 3.4) of a few municipalities, by hand: the ten years of
/// `effort.csv` summed, per inhabitant, over the national figure.
#[test]
fn relative_effort_by_hand() {
    // Groningen (GM0014): 294 + 686 + 1322 + 192 + 347 + 372 + 568 + 871 + 1082 + 1306.
    let groningen_places = 7040.0;
    let groningen_population = 243_768.0;
    // The whole country: 329,500 occupied places over the ten years, 17,942,942 inhabitants
    // (the sums of effort.csv and municipalities.csv).
    let national = 329_500.0 / 17_942_942.0;
    let explained = |code: &str| -> serde_json::Value {
        let out = spreiding()
            .args(["explain", "--format", "json", "--municipality", code])
            .arg(scenario_path("effort"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let e = explained("GM0014");
    let inputs = &e["inputs"];
    assert_eq!(inputs["effort_places"], 7040.0);
    assert_eq!(inputs["effort_years"], 10);
    assert!((inputs["national_effort_ratio"].as_f64().unwrap() - national).abs() < 1e-15, "{inputs}");
    let r = (groningen_places / groningen_population) / national;
    assert!((inputs["relative_effort"].as_f64().unwrap() - r).abs() < 1e-12, "{inputs}: {r}");
    assert!((r - 1.572_657_677).abs() < 1e-9, "worked out by hand: 1.5727, not {r}");
    // Every other municipality from the files, summed here.
    let mut places = std::collections::BTreeMap::<String, f64>::new();
    let mut reader = csv::Reader::from_path(dataset_path().join("illustrative/effort.csv")).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        *places.entry(row[0].to_owned()).or_default() += row[2].parse::<f64>().unwrap();
    }
    let mut reader = csv::Reader::from_path(dataset_path().join("municipalities.csv")).unwrap();
    let population: std::collections::BTreeMap<String, f64> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_owned(), r[3].parse::<f64>().unwrap())).collect();
    assert_eq!(places.values().sum::<f64>(), 329_500.0);
    assert_eq!(population.values().sum::<f64>(), 17_942_942.0);
    for code in ["GM0034", "GM0363", "GM1680"] {
        let e = explained(code);
        let r = (places[code] / population[code]) / national;
        assert!((e["inputs"]["relative_effort"].as_f64().unwrap() - r).abs() < 1e-12, "{code}: {} vs {r}", e["inputs"]);
    }
}
