//! Counterfactuals on the command line (`spreiding explain --what-if`, `spreiding what-if`); the
//! library's counterfactuals, each checked by solving again, are in
//! `crates/solver/tests/core/whatif.rs`.

use crate::common::*;
use spreiding_solver::io;
use spreiding_solver::solve::solve;
use spreiding_solver::whatif::what_if_all;

fn pv(code: &str) -> spreiding_solver::model::ProvinceCode {
    spreiding_solver::model::ProvinceCode::parse(code).unwrap()
}

/// The command line: explain --what-if as text and JSON, the province's what-if, and the
/// all-municipality table; the JSON's figures are those of the library.
#[test]
fn what_if_on_the_command_line() {
    let out = spreiding()
        .args(["explain", "--municipality", "Utrecht", "--what-if"])
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("9. Wat als (berekend door de provincie opnieuw te verdelen)"), "{text}");
    assert!(
        text.contains(
            "Met 1.065 extra getelde reguliere plaatsen in de provincie Utrecht, waar ook, sluit haar verslag."
        ),
        "{text}"
    );
    // Without --what-if the explanation is as before: no section 9, no what_if in JSON.
    let plain = spreiding()
        .args(["explain", "--municipality", "GM0344", "--format", "json"])
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(v.get("what_if").is_none());
    let json = spreiding()
        .args(["explain", "--municipality", "GM0344", "--format", "json", "--what-if"])
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let w = &v["what_if"];
    assert_eq!(w["places_to_close"]["value"], 1065);
    for k in ["places_to_zero", "places_to_close", "cap_binding"] {
        assert!(w[k]["text"].as_str().is_some_and(|t| !t.is_empty()), "{k}");
    }
    for k in ["indicative", "effort", "feasibility"] {
        let r = &w["weight_ranges"][k]["value"];
        assert!(r["low"].as_f64().unwrap() <= r["high"].as_f64().unwrap());
    }
    // The province's what-if needs --what-if.
    let out =
        spreiding().args(["explain", "--province", "PV23"]).arg(scenario_path("rest-indicative")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = spreiding()
        .args(["explain", "--province", "Overijssel", "--what-if"])
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Wat als: het verslag van de provincie Overijssel (PV23)"), "{text}");
    assert!(text.contains("Met 2.448 extra getelde reguliere plaatsen"), "{text}");
    // The whole table: one row per municipality and commodity, the same numbers as the library.
    let out =
        spreiding().args(["what-if", "--province", "PV26"]).arg(scenario_path("rest-indicative")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (s, d) = io::load(&scenario_path("rest-indicative")).unwrap();
    let sol = solve(&d, &s).unwrap();
    let lib = what_if_all(&d, &s, &sol, Some(&pv("PV26"))).unwrap();
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), lib.len());
    assert_eq!(rows.len(), 2 * 26);
    for (row, w) in rows.iter().zip(&lib) {
        assert_eq!(&row[0], w.code.as_str());
        assert_eq!(row[5].parse::<u32>().ok(), w.what_if.places_to_zero.value);
    }
    let bad =
        spreiding().args(["what-if", "--province", "PV99"]).arg(scenario_path("rest-indicative")).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a province of the data set; one of PV20"));
}
