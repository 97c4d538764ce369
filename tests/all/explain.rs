//! P9: every municipality's number comes with its explanation: inputs, counting verdicts, key
//! and components, the province's level, the reason and the rounding step.

use crate::common::*;
use spreiding_solver::counting::Verdict;
use spreiding_solver::explain::{dutch, explain};
use spreiding_solver::io;
use spreiding_solver::model::{AllocationMode, Commodity};
use spreiding_solver::solve::{solve, Reason};

#[test]
fn every_municipality_has_a_consistent_explanation() {
    for name in ["rest-indicative", "level", "effort", "corop-balance"] {
        let (scenario, dataset) = io::load(&scenario_path(name)).unwrap();
        let solution = solve(&dataset, &scenario).unwrap();
        let w = scenario.allocation.weights.normalised();
        for r in &solution.municipalities {
            let e = explain(&dataset, &scenario, &solution, &r.code, r.commodity).unwrap();
            assert_eq!(&e.result, r);
            // The counted places are the sum of the locations that count.
            let counted: u32 = e.counting.locations.iter().filter(|l| l.verdict.counts()).map(|l| l.places).sum();
            assert_eq!(counted, r.counted, "{} {}", r.code, r.commodity);
            // The key is the weighted blend of its components.
            if let Some(k) = &e.key {
                let blend =
                    w.indicative * k.indicative_share + w.effort * k.effort_share + w.feasibility * k.feasibility_share;
                assert!((blend - k.key).abs() < 1e-12);
            }
            // An interior municipality's exact number is the level formula.
            if r.reason == Reason::Interior {
                let (t, k) = (e.block.level.unwrap(), e.key.unwrap().key);
                let x = match scenario.allocation.mode {
                    AllocationMode::Rest => t * k,
                    AllocationMode::Level => t * k * f64::from(e.block.target) - f64::from(r.counted),
                };
                assert!((x - r.exact).abs() < 1e-6, "{} {}: {x} vs {}", r.code, r.commodity, r.exact);
            }
            // A municipality held down by COROP balance is in a region at its maximum.
            if r.reason == Reason::Limited {
                let limit = scenario.constraints.corop_max_share.unwrap() * f64::from(e.block.shortfall);
                assert!(
                    (e.corop_allocated - limit).abs() < 1e-6,
                    "{} {}: {} vs {limit}",
                    r.code,
                    r.commodity,
                    e.corop_allocated
                );
            }
            if r.reason == Reason::Capped {
                assert!((r.exact - f64::from(r.cap.unwrap())).abs() < 1e-6);
            }
            // The rounding step gives the whole number.
            if let Some(step) = r.rounding {
                assert_eq!(step.value, r.allocated);
                assert_eq!(step.floor + u32::from(step.up), r.allocated);
            }
        }
    }
}

#[test]
fn the_dutch_text_quotes_the_numbers() {
    let (scenario, dataset) = io::load(&scenario_path("rest-indicative")).unwrap();
    let solution = solve(&dataset, &scenario).unwrap();
    // Groningen AMV: counted locations, a shortfall, theta and rounding.
    let code = spreiding_solver::model::MunicipalityCode::parse("GM0014").unwrap();
    let e = explain(&dataset, &scenario, &solution, &code, Commodity::Amv).unwrap();
    let text = dutch::render(&e);
    let theta = e.block.level.unwrap();
    for needle in [
        "Groningen (GM0014)".to_owned(),
        format!("Getelde plaatsen: {}.", e.result.counted),
        format!("het tekort is {} plaatsen", e.block.shortfall),
        format!("theta = {}", dutch::dec(theta, 6)),
        format!("Sleutel = 1,0000 x {}", dutch::dec(e.key.unwrap().indicative_share, 6)),
        format!("wordt {}", e.result.allocated),
        format!("= opgave {}", e.result.obligation),
    ] {
        assert!(text.contains(&needle), "missing `{needle}` in:\n{text}");
    }
    // Locations that do not count are named with their rule.
    let regular = explain(&dataset, &scenario, &solution, &code, Commodity::Regular).unwrap();
    let not_counted = regular.counting.locations.iter().find(|l| !l.verdict.counts()).unwrap();
    assert_eq!(not_counted.verdict, Verdict::Intention);
    let text = dutch::render(&regular);
    assert!(text.contains(&format!("Locatie {}", not_counted.location_id)));
    assert!(text.contains("telt niet mee: een intentie zonder vast besluit"));
}

#[test]
fn explaining_an_unknown_municipality_is_an_error_not_a_none() {
    use spreiding_solver::explain::{explain, ExplainError};
    use spreiding_solver::model::MunicipalityCode;
    let (scenario, dataset) = spreiding_solver::io::load(&crate::common::scenario_path("rest-indicative")).unwrap();
    let solution = spreiding_solver::solve(&dataset, &scenario).unwrap();
    let code = MunicipalityCode::parse("GM9999").unwrap();
    let e = explain(&dataset, &scenario, &solution, &code, spreiding_solver::model::Commodity::Regular).unwrap_err();
    assert_eq!(e, ExplainError::UnknownMunicipality(code));
    assert_eq!(e.to_string(), "unknown municipality GM9999: it is not in the data set");
}
