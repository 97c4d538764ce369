//! Minimum sizes on the command line (issue 24): the shipped `minimum-25` (at least 25 regular
//! and 5 AMV places, or none) read from `spreiding solve --format csv` and checked here against
//! arithmetic of its own and the same scenario without the minimum; the explanation, the
//! objection replay, the dossier and the sweep. That no allocation lies closer to the exact one
//! is checked against an enumeration in `crates/solver/tests/core/minimum.rs`.

use crate::common::*;
use crate::dossier::pdf_text;
use std::collections::BTreeMap;

type Row = BTreeMap<String, String>;

fn rows(name: &str) -> Vec<Row> {
    let out = spreiding().args(["solve", "--format", "csv"]).arg(scenario_path(name)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| h.iter().zip(rec.unwrap().iter()).map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .collect()
}

fn num(r: &Row, k: &str) -> u64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k} = {:?} in {r:?}", r[k]))
}

fn minimum_of(r: &Row) -> u64 {
    if r["commodity"] == "regular" {
        25
    } else {
        5
    }
}

#[test]
fn totals_bounds_and_the_exact_allocation_hold_with_a_minimum() {
    let with = rows("minimum-25");
    let without = rows("rest-indicative");
    assert_eq!(with.len(), without.len());
    let mut sums: BTreeMap<(String, String), (u64, u64, String)> = BTreeMap::new();
    let mut changes: BTreeMap<String, u32> = BTreeMap::new();
    for (w, o) in with.iter().zip(&without) {
        assert_eq!((&w["code"], &w["commodity"]), (&o["code"], &o["commodity"]));
        // The exact (continuous) allocation is the one without the minimum.
        assert_eq!(w["exact"], o["exact"], "{} {}", w["code"], w["commodity"]);
        let allocated = num(w, "allocated");
        // 0 or at least the minimum, never above the cap.
        assert!(allocated == 0 || allocated >= minimum_of(w), "{} {}: {allocated}", w["code"], w["commodity"]);
        if !w["cap"].is_empty() {
            assert!(allocated <= num(w, "cap"));
        }
        assert_eq!(num(w, "obligation"), num(w, "counted") + allocated + num(w, "beyond_cap"));
        // Where places were divided, the number without the minimum is the plain scenario's,
        // and the change is named by what happened to it.
        if w["province_status"] != "closes" && !w["without_minimum"].is_empty() {
            let before = num(w, "without_minimum");
            assert_eq!(before, num(o, "allocated"), "{} {}", w["code"], w["commodity"]);
            let expected = if before == allocated {
                "unchanged"
            } else if allocated == 0 {
                "dropped"
            } else if before < minimum_of(w) {
                "raised"
            } else if allocated > before {
                "absorbed"
            } else {
                "reduced"
            };
            assert_eq!(w["minimum_change"], expected, "{} {}", w["code"], w["commodity"]);
            *changes.entry(expected.to_owned()).or_default() += 1;
        } else {
            assert_eq!((w["without_minimum"].as_str(), w["minimum_change"].as_str()), ("", ""));
        }
        let e = sums.entry((w["province"].clone(), w["commodity"].clone())).or_insert((0, 0, String::new()));
        e.0 += allocated;
        e.1 = num(w, "province_shortfall");
        e.2.clone_from(&w["province_status"]);
    }
    // Every province's shortfall is divided exactly (none is infeasible in nl-2024).
    for ((p, c), (sum, shortfall, status)) in &sums {
        assert_ne!(status, "infeasible", "{p} {c}");
        assert_eq!(sum, shortfall, "{p} {c}");
    }
    // The minimum does something here: municipalities dropped, raised and absorbing.
    for kind in ["dropped", "raised", "absorbed", "reduced", "unchanged"] {
        assert!(changes.get(kind).copied().unwrap_or(0) > 0, "no {kind}: {changes:?}");
    }
}

#[test]
fn the_explanation_says_what_the_minimum_changed() {
    let with = rows("minimum-25");
    for kind in ["dropped", "raised"] {
        let r = with.iter().find(|r| r["minimum_change"] == kind).unwrap();
        let out = spreiding()
            .args(["explain", "--municipality", &r["code"], "--commodity", &r["commodity"]])
            .arg(scenario_path("minimum-25"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Minimumomvang: in dit scenario krijgt een gemeente geen extra plaatsen of ten minste"),
            "{text}"
        );
        let without = format!("Zonder minimum zou de gemeente {} plaatsen krijgen", r["without_minimum"]);
        assert!(text.contains(&without), "{kind}: {text}");
        match kind {
            "dropped" => assert!(text.contains("Zij krijgt daarom geen extra plaatsen"), "{text}"),
            _ => assert!(text.contains(&format!("Zij krijgt er {}:", r["allocated"])), "{text}"),
        }
        assert!(text.contains(&format!("toegewezen plaatsen {} =", r["allocated"])), "{text}");
    }
}

#[test]
fn an_objection_is_replayed_with_the_minimum() {
    let out = spreiding()
        .args(["objection", "--format", "json", "--claim"])
        .arg(root().join("scenarios/2024-2026/claims/zaltbommel-locatie.claim.toml"))
        .arg(scenario_path("minimum-25"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let provinces = v["claims"][0]["outcome"]["provinces"].as_array().unwrap();
    assert!(!provinces.is_empty());
    for p in provinces {
        assert_eq!(p["after"]["allocated"], p["after"]["shortfall"], "{p}");
        let min = if p["commodity"] == "regular" { 25 } else { 5 };
        for c in p["changes"].as_array().unwrap() {
            let after = c["allocated"][1].as_u64().unwrap();
            assert!(after == 0 || after >= min, "{c}");
        }
    }
}

#[test]
fn the_dossier_lists_the_minimum_and_verifies() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("d");
    let o = spreiding()
        .args(["dossier", "--province", "PV21", "--out"])
        .arg(&dir)
        .arg(scenario_path("minimum-25"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf_text(&dir.join("verdeelbesluit-PV21.pdf"));
    assert!(text.contains("Minimumomvang, regulier"), "settings table");
    assert!(text.contains("geen extra plaatsen of ten minste 5"), "the AMV rule");
    let v = spreiding().arg("verify").arg(&dir).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stderr));
}

#[test]
fn a_minimum_the_shortfall_cannot_make_is_reported() {
    // The sensitivity sweep: in two draws Fryslân's AMV shortfall (2 and 4) is below the
    // minimum of 5; those provinces are infeasible with the places missing, the rest allocated.
    let out = tempfile::tempdir().unwrap();
    let o = spreiding()
        .args(["run", "--format", "jsonl", "--out"])
        .arg(out.path())
        .arg(root().join("scenarios/2024-2026/sweeps/sensitivity-minimum.toml"))
        .output()
        .unwrap();
    let mut infeasible = 0;
    for f in std::fs::read_dir(out.path().join("results")).unwrap().flatten() {
        for line in std::fs::read_to_string(f.path()).unwrap().lines().skip(1) {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            for p in r["provinces"].as_array().unwrap() {
                if p["status"] == "infeasible" {
                    infeasible += 1;
                    assert_eq!((p["code"].as_str(), p["commodity"].as_str()), (Some("PV21"), Some("amv")));
                    assert!(p["shortfall"].as_u64().unwrap() < 5, "{p}");
                    assert_eq!((p["allocated"].as_u64(), p["missing"].as_u64()), (Some(0), p["shortfall"].as_u64()));
                } else {
                    assert_eq!(p["allocated"], p["shortfall"], "{p}");
                }
            }
        }
    }
    assert_eq!(infeasible, 2);
    // An infeasible province makes the run's exit status 1 (as caps that cannot take it).
    assert_eq!(o.status.code(), Some(1));
}

/// `allocation_step = 10` on top of minimum-25: every allocation a multiple of 10 except the
/// carrier's, one per province and commodity whose shortfall is not a multiple of 10; the JSON
/// report names it (`minimum.carrier`) as the allocations show it, and names none when the
/// shortfall is a multiple of 10.
#[test]
fn the_report_names_the_carrier_of_a_remainder() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario =
        extending(tmp.path(), &scenario_path("minimum-25"), "step-10", "[constraints]\nallocation_step = 10\n");
    let out = spreiding().args(["solve", "--format", "json"]).arg(&scenario).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (mut with, mut without) = (0, 0);
    for p in v["provinces"].as_array().unwrap() {
        let shortfall = p["shortfall"].as_u64().unwrap();
        if shortfall == 0 {
            continue;
        }
        let (code, c) = (p["code"].as_str().unwrap(), p["commodity"].as_str().unwrap());
        assert_eq!(p["minimum"]["outcome"], "met", "{code} {c}");
        let off: Vec<&str> = v["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["province"] == code && m["commodity"] == c && m["allocated"].as_u64().unwrap() % 10 != 0)
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        if shortfall % 10 == 0 {
            assert!(off.is_empty() && p["minimum"]["carrier"].is_null(), "{code} {c}: {off:?}");
            without += 1;
        } else {
            assert_eq!(off.len(), 1, "{code} {c}: one carrier of the remainder");
            assert_eq!(p["minimum"]["carrier"], off[0], "{code} {c}");
            with += 1;
        }
    }
    assert!(with > 0 && without > 0, "both kinds of province: {with} with a carrier, {without} without");
}

#[test]
fn a_time_limit_too_short_for_any_allocation_is_named_once() {
    // A limit of a nanosecond per stage, the MIP forced for every block: HiGHS stops before
    // presolve ends, with no allocation.
    let tmp = tempfile::tempdir().unwrap();
    let body = "[constraints]\nmip_time_limit = 1e-9\n\n[allocation]\nmethod = \"lp\"\n";
    let file = extending(tmp.path(), &scenario_path("minimum-25"), "tiny", body);
    let out = spreiding().args(["solve", "--format", "csv"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HiGHS could not solve a stage of the minimum-size MIP: no allocation found within the time limit of 0.000000001 s per stage; raise constraints.mip_time_limit"),
        "{err}"
    );
    // Said once (the block's error holds the MIP's, not also as its cause), and not as an LP's.
    assert_eq!(err.matches("HiGHS could not solve").count(), 1, "{err}");
    assert!(!err.contains("allocation LP"), "{err}");
}
