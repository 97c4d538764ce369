//! Counterfactuals (`spreiding_solver::whatif`): each figure checked by solving the country
//! again with the change it names. (On the command line: `tests/all/whatif.rs`.)

use crate::common::*;
use spreiding_solver::io::{self, apply_overrides};
use spreiding_solver::model::{
    Commodity, Dataset, LocationAction, LocationOverride, LocationStatus, MunicipalityCode, MunicipalityOverride,
    Origin, Overrides, PerCommodity, Scenario,
};
use spreiding_solver::solve::{solve, MunicipalityResult, Reason, Solution};
use spreiding_solver::whatif::{province_what_if, weights_at, what_if_all, MunicipalityWhatIf};

fn pv(code: &str) -> spreiding_solver::model::ProvinceCode {
    spreiding_solver::model::ProvinceCode::parse(code).unwrap()
}

fn origin() -> Origin {
    Origin { source: "test".into(), line: 1 }
}

fn assigned(r: &MunicipalityResult) -> u32 {
    r.allocated + r.beyond_cap
}

/// The country solved with one new location of `n` counted places of `c` in `code`.
fn with_location(d: &Dataset, s: &Scenario, code: MunicipalityCode, c: Commodity, n: u32) -> Solution {
    let places = match c {
        Commodity::Regular => PerCommodity { regular: Some(n), amv: Some(0) },
        Commodity::Amv => PerCommodity { regular: Some(0), amv: Some(n) },
    };
    let o = Overrides {
        locations: vec![LocationOverride {
            origin: origin(),
            action: LocationAction::Add,
            location_id: "WHAT-IF".into(),
            municipality: code,
            places,
            status: Some(LocationStatus::Existing),
            opens: Some(d.cycle().start),
            closes: Some(None),
            bridging: Some(false),
            location_total: Some(n),
        }],
        ..Overrides::default()
    };
    solve(&apply_overrides(d, &o).unwrap(), s).unwrap()
}

/// The country solved with `code`'s cap of `c` set to `cap`.
fn with_cap(d: &Dataset, s: &Scenario, code: MunicipalityCode, c: Commodity, cap: u32) -> Solution {
    let o = Overrides {
        municipalities: vec![MunicipalityOverride {
            origin: origin(),
            code,
            cap: match c {
                Commodity::Regular => PerCommodity { regular: Some(cap), amv: None },
                Commodity::Amv => PerCommodity { regular: None, amv: Some(cap) },
            },
            score: None,
            excluded: None,
        }],
        ..Overrides::default()
    };
    solve(&apply_overrides(d, &o).unwrap(), s).unwrap()
}

fn check_province(name: &str, province: &str) -> Vec<MunicipalityWhatIf> {
    let (s, d) = io::load(&scenario_path(name)).unwrap();
    let sol = solve(&d, &s).unwrap();
    let all = what_if_all(&d, &s, &sol, Some(&pv(province))).unwrap();
    assert!(!all.is_empty());
    let mut checked = [0; 4];
    for w in &all {
        let base = sol.municipality(&w.code, w.commodity).unwrap();
        let block = sol.block(&base.province, w.commodity).unwrap();
        assert_eq!(w.allocated, assigned(base));
        // places_to_close is the shortfall.
        assert_eq!(w.what_if.places_to_close.value, (block.shortfall > 0).then_some(block.shortfall));
        // places_to_zero: 0 at n, positive at n - 1.
        match w.what_if.places_to_zero.value {
            None => assert_eq!(assigned(base), 0, "{} {}", w.code, w.commodity),
            Some(n) => {
                // Positive now (n = 0), so that a first place is asked for at all.
                assert!(assigned(base) > 0, "{} {}: places_to_zero {n} but nothing assigned now", w.code, w.commodity);
                let at = with_location(&d, &s, w.code, w.commodity, n);
                assert_eq!(
                    assigned(at.municipality(&w.code, w.commodity).unwrap()),
                    0,
                    "{} {} at {n}",
                    w.code,
                    w.commodity
                );
                if n > 1 {
                    let before = with_location(&d, &s, w.code, w.commodity, n - 1);
                    assert!(
                        assigned(before.municipality(&w.code, w.commodity).unwrap()) > 0,
                        "{} {} at {}",
                        w.code,
                        w.commodity,
                        n - 1
                    );
                }
                checked[0] += 1;
            }
        }
        // cap_binding: a cap of ceil(t) - 1 binds (the municipality gets exactly its cap),
        // a cap of ceil(t) + 1 does not.
        if let Some(t) = w.what_if.cap_binding.value {
            if s.allocation.weights.normalised().feasibility == 0.0 && s.allocation.caps {
                let below = t.ceil() as u32 - 1;
                let r = with_cap(&d, &s, w.code, w.commodity, below);
                let m = r.municipality(&w.code, w.commodity).unwrap();
                assert!(
                    matches!(m.reason, Reason::Capped | Reason::InfeasibleCapped),
                    "{} {}: {:?}",
                    w.code,
                    w.commodity,
                    m.reason
                );
                assert!((m.exact - f64::from(below)).abs() < 1e-6);
                let r = with_cap(&d, &s, w.code, w.commodity, t.ceil() as u32 + 1);
                let m = r.municipality(&w.code, w.commodity).unwrap();
                assert!(!matches!(m.reason, Reason::Capped), "{} {}", w.code, w.commodity);
                assert!((m.exact - t).abs() < 1e-6, "{} {}: {} vs {t}", w.code, w.commodity, m.exact);
                checked[1] += 1;
            }
        } else {
            assert!(base.exact <= 1e-9, "{} {}", w.code, w.commodity);
        }
        // weight_ranges: the same number at both ends, a different one just outside.
        let ranges = [
            &w.what_if.weight_ranges.indicative,
            &w.what_if.weight_ranges.effort,
            &w.what_if.weight_ranges.feasibility,
        ];
        for (k, r) in ranges.iter().enumerate() {
            let r = r.value.unwrap();
            assert!(r.low <= r.current && r.current <= r.high, "{r:?}");
            let at = |v: f64| {
                let mut t = s.clone();
                t.allocation.weights = weights_at(&s.allocation.weights, k, v);
                assigned(solve(&d, &t).unwrap().municipality(&w.code, w.commodity).unwrap())
            };
            assert_eq!(at(r.low), r.allocated, "{} {} weight {k} low {r:?}", w.code, w.commodity);
            assert_eq!(at(r.high), r.allocated, "{} {} weight {k} high {r:?}", w.code, w.commodity);
            match r.outside_low {
                Some(v) => {
                    assert!(v < r.low && r.low - v < 1e-9);
                    assert_ne!(at(v), r.allocated);
                    checked[2] += 1;
                }
                None => assert_eq!(r.low, 0.0),
            }
            match r.outside_high {
                Some(v) => {
                    assert!(v > r.high && v - r.high < 1e-9);
                    assert_ne!(at(v), r.allocated);
                    checked[3] += 1;
                }
                None => assert_eq!(r.high, 1.0),
            }
        }
    }
    eprintln!("{name} {province}: checked {checked:?}");
    assert!(checked[0] > 0 && checked[2] + checked[3] > 0, "{checked:?}");
    all
}

#[test]
fn counterfactuals_hold_when_solved_again_rest() {
    check_province("rest-indicative", "PV26");
}

#[test]
fn counterfactuals_hold_when_solved_again_effort() {
    check_province("effort", "PV31");
}

/// With a minimum size (issue 24) every figure still holds when the province is solved again
/// (the re-solves include the minimum): Fryslân AMV, where 5 of 8 municipalities are dropped
/// or raised, and Limburg regular.
#[test]
fn counterfactuals_hold_when_solved_again_minimum() {
    check_province("minimum-25", "PV21");
    check_province("minimum-25", "PV31");
}

#[test]
fn counterfactuals_hold_when_solved_again_level() {
    check_province("level", "PV22");
}

/// A capped municipality: its cap binds, and the value is what it gets with the cap lifted.
#[test]
fn a_binding_cap_reports_the_uncapped_allocation() {
    let (s, d) = io::load(&scenario_path("rest-indicative")).unwrap();
    let sol = solve(&d, &s).unwrap();
    let all = what_if_all(&d, &s, &sol, Some(&pv("PV25"))).unwrap();
    // Apeldoorn (GM0200): cap 0 in the data, capped.
    let w = all.iter().find(|w| w.code.as_str() == "GM0200" && w.commodity == Commodity::Regular).unwrap();
    let t = w.what_if.cap_binding.value.unwrap();
    assert!(t > 100.0, "{t}");
    assert!(w.what_if.cap_binding.text.starts_with("Het maximum van 0 bindt"), "{}", w.what_if.cap_binding.text);
    // With a cap of ceil(t) + 1 it gets t exactly (key unchanged: the feasibility weight is 0).
    let r = with_cap(&d, &s, w.code, Commodity::Regular, t.ceil() as u32 + 1);
    assert!((r.municipality(&w.code, Commodity::Regular).unwrap().exact - t).abs() < 1e-6);
    // The same value for every municipality of a closing province: nothing.
    let closes = what_if_all(&d, &s, &sol, Some(&pv("PV24"))).unwrap();
    for w in closes {
        assert_eq!(w.what_if.places_to_zero.value, None);
        assert_eq!(w.what_if.places_to_close.value, None);
        assert_eq!(w.what_if.cap_binding.value, None);
        assert!(w.what_if.places_to_close.text.contains("sluit al"), "{}", w.what_if.places_to_close.text);
    }
}

/// The province's what-if: the shortfall, and the shortfall under the other counting rules,
/// equal to solving scenarios with those rules.
#[test]
fn province_what_if_matches_the_other_counting_rules() {
    let (s, d) = io::load(&scenario_path("rest-indicative")).unwrap();
    let sol = solve(&d, &s).unwrap();
    let code = pv("PV23");
    let w = province_what_if(&d, &s, &sol, &code).unwrap();
    assert_eq!(w.len(), 2);
    for p in &w {
        let b = sol.block(&code, p.commodity).unwrap();
        assert_eq!(p.shortfall, b.shortfall);
        assert_eq!(p.places_to_close.value, Some(b.shortfall));
        assert_eq!(p.counting.len(), 3);
        for alt in &p.counting {
            let mut t = s.clone();
            t.counting.count_intentions = Some(alt.rules.contains("count_intentions"));
            t.counting.require_bridging = Some(!alt.rules.contains("no_bridging_requirement"));
            let other = solve(&d, &t).unwrap();
            let ob = other.block(&code, p.commodity).unwrap();
            assert_eq!((alt.counted, alt.shortfall), (ob.counted, ob.shortfall), "{}", alt.rules);
        }
    }
}

/// One municipality's figures are those of the whole table; the sentences say what the values
/// say.
#[test]
fn one_municipality_equals_its_row_of_the_table() {
    let (s, d) = io::load(&scenario_path("effort")).unwrap();
    let sol = solve(&d, &s).unwrap();
    let all = what_if_all(&d, &s, &sol, Some(&pv("PV25"))).unwrap();
    for code in ["GM0228", "GM0297", "GM0200"] {
        let code = MunicipalityCode::parse(code).unwrap();
        for c in Commodity::ALL {
            let one = spreiding_solver::whatif::what_if(&d, &s, &sol, &code, c).unwrap();
            let row = all.iter().find(|w| w.code == code && w.commodity == c).unwrap();
            assert_eq!(one, row.what_if, "{code} {c}");
        }
    }
    for w in &all {
        for r in
            [&w.what_if.weight_ranges.indicative, &w.what_if.weight_ranges.effort, &w.what_if.weight_ranges.feasibility]
        {
            let v = r.value.unwrap();
            let everywhere = v.outside_low.is_none() && v.outside_high.is_none();
            assert_eq!(r.text.ends_with("bij elk gewicht."), everywhere, "{}", r.text);
            assert_eq!(r.text.ends_with("daarbuiten verandert het."), !everywhere, "{}", r.text);
        }
        match w.what_if.places_to_zero.value {
            Some(n) => assert!(w
                .what_if
                .places_to_zero
                .text
                .starts_with(&format!("Met {} extra", spreiding_solver::nl::int(u64::from(n))))),
            None => assert!(w.what_if.places_to_zero.text.contains("krijgt al geen extra")),
        }
    }
}

/// A province whose report closes; a scenario that counts intentions already (only the
/// bridging rule is left to loosen).
#[test]
fn province_what_if_of_a_closing_report_and_of_other_rules() {
    let (s, d) = io::load(&scenario_path("rest-indicative")).unwrap();
    let sol = solve(&d, &s).unwrap();
    let w = province_what_if(&d, &s, &sol, &pv("PV24")).unwrap();
    for p in &w {
        assert_eq!(p.shortfall, 0);
        assert_eq!(p.places_to_close.value, None);
        assert!(
            p.places_to_close.text.starts_with("Het verslag van Flevoland sluit voor"),
            "{}",
            p.places_to_close.text
        );
    }
    let mut t = s.clone();
    t.counting.count_intentions = Some(true);
    let sol = solve(&d, &t).unwrap();
    let w = province_what_if(&d, &t, &sol, &pv("PV23")).unwrap();
    for p in &w {
        let rules: Vec<&str> = p.counting.iter().map(|c| c.rules.as_str()).collect();
        assert_eq!(rules, ["no_bridging_requirement"]);
        assert!(p.places_to_close.text.starts_with("Met "), "{}", p.places_to_close.text);
    }
    t.counting.require_bridging = Some(false);
    let sol = solve(&d, &t).unwrap();
    assert!(province_what_if(&d, &t, &sol, &pv("PV23")).unwrap().iter().all(|p| p.counting.is_empty()));
}

/// With `elastic` in an infeasible province, a municipality's number includes its places beyond
/// the cap, and its cap binds.
#[test]
fn elastic_places_beyond_the_cap_count_as_assigned() {
    let specs: Vec<Spec> = (0..6)
        .map(|k| Spec {
            indicative: [100 + 10 * k, 10],
            counted: [0, 0],
            population: 20_000,
            effort: 0.0,
            cap: [20, 5],
            score: 0.5,
            excluded: false,
            corop: 0,
        })
        .collect();
    let d = dataset(&specs);
    let mut s = scenario(
        spreiding_solver::model::AllocationMode::Rest,
        spreiding_solver::model::Eligibility::All,
        true,
        spreiding_solver::model::Weights::default(),
    );
    s.allocation.elastic = true;
    let sol = solve(&d, &s).unwrap();
    let all = what_if_all(&d, &s, &sol, None).unwrap();
    let mut beyond = 0;
    for w in &all {
        let r = sol.municipality(&w.code, w.commodity).unwrap();
        assert_eq!(w.allocated, r.allocated + r.beyond_cap);
        beyond += r.beyond_cap;
        assert!(w.what_if.cap_binding.text.starts_with("Het maximum van"), "{}", w.what_if.cap_binding.text);
    }
    assert!(beyond > 0);
}
