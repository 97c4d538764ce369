//! The properties of MODEL.md section 4 on random provinces (proptest).

use crate::common::*;
use proptest::prelude::*;
use spreiding_solver::model::{AllocationMode, Commodity, Eligibility, Weights};
use spreiding_solver::solve::{solve, MunicipalityResult, Solution, Status};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 96, ..ProptestConfig::default() }
}

fn of(solution: &Solution, c: Commodity) -> Vec<&MunicipalityResult> {
    solution.municipalities.iter().filter(|m| m.commodity == c).collect()
}

proptest! {
    #![proptest_config(config())]

    /// P1: per commodity, the whole places add up to the shortfall (less the missing places of
    /// an infeasible province), and the shortfall is max(0, target - counted).
    #[test]
    fn p1_province_totals_are_exact(specs in specs(30), scenario in any_scenario()) {
        let d = dataset(&specs);
        let sol = solve(&d, &scenario).unwrap();
        for b in &sol.provinces {
            let counted: u64 = specs.iter().map(|s| u64::from(s.counted[b.commodity as usize])).sum();
            prop_assert_eq!(b.counted, counted);
            prop_assert_eq!(u64::from(b.shortfall), u64::from(b.target).saturating_sub(counted));
            let sum: u32 = of(&sol, b.commodity).iter().map(|m| m.allocated).sum();
            prop_assert_eq!(sum, b.allocated);
            let c = b.commodity as usize;
            let receiving: Vec<&MunicipalityResult> =
                of(&sol, b.commodity).into_iter().filter(|m| m.key.is_some_and(|k| k.key > 0.0)).collect();
            if b.status == Status::Infeasible {
                // The caps (from the specs) cannot take the shortfall: everyone with a key is at
                // its cap, and the rest is missing. Without caps only a province where nobody
                // has a key is infeasible.
                let caps: u32 = if scenario.allocation.caps {
                    receiving.iter().map(|m| specs[m.municipality].cap[c]).sum()
                } else {
                    prop_assert!(receiving.is_empty());
                    0
                };
                prop_assert!(caps < b.shortfall);
                for m in &receiving {
                    prop_assert_eq!(m.allocated, specs[m.municipality].cap[c]);
                }
                prop_assert_eq!(b.missing, b.shortfall - caps);
            } else {
                prop_assert_eq!(sum, b.shortfall);
                prop_assert_eq!(b.missing, 0);
            }
        }
    }

    /// P2: 0 <= x <= U; excluded and ineligible municipalities get 0.
    #[test]
    fn p2_bounds_hold(specs in specs(30), scenario in any_scenario()) {
        let d = dataset(&specs);
        let sol = solve(&d, &scenario).unwrap();
        for m in &sol.municipalities {
            let s = &specs[m.municipality];
            prop_assert!(m.exact >= -1e-9);
            if scenario.allocation.caps {
                let cap = s.cap[m.commodity as usize];
                prop_assert_eq!(m.cap, Some(cap));
                prop_assert!(m.allocated <= cap, "{} > cap {}", m.allocated, cap);
                prop_assert!(m.exact <= f64::from(cap) + 1e-6);
            }
            let c = m.commodity as usize;
            let ineligible = s.excluded
                || (scenario.allocation.eligibility == Eligibility::BelowIndicative && s.counted[c] >= s.indicative[c]);
            if ineligible {
                prop_assert_eq!(m.allocated, 0);
                prop_assert!(m.exact.abs() < 1e-12);
                prop_assert!(!m.standing.is_eligible());
            }
        }
    }

    /// P3: the report is the starting point: the places a municipality offers (its specs'
    /// location) are counted whole, and its obligation is never below them.
    #[test]
    fn p3_counted_places_are_never_reduced(specs in specs(30), scenario in any_scenario()) {
        let d = dataset(&specs);
        let sol = solve(&d, &scenario).unwrap();
        for m in &sol.municipalities {
            let offered = specs[m.municipality].counted[m.commodity as usize];
            prop_assert_eq!(m.counted, offered);
            prop_assert!(m.obligation >= offered, "{}: obligation {} below the {} places offered", m.code, m.obligation, offered);
        }
    }

    /// P4: two municipalities with identical inputs get the same exact allocation and whole
    /// numbers at most one place apart.
    #[test]
    fn p4_equal_cases_are_treated_equally(mut specs in specs(25), scenario in any_scenario(), twin in 0usize..25) {
        let twin = twin % specs.len();
        specs.push(specs[twin].clone());
        let d = dataset(&specs);
        let sol = solve(&d, &scenario).unwrap();
        let last = specs.len() - 1;
        for c in Commodity::ALL {
            let a = sol.municipalities.iter().find(|m| m.municipality == twin && m.commodity == c).unwrap();
            let b = sol.municipalities.iter().find(|m| m.municipality == last && m.commodity == c).unwrap();
            prop_assert!((a.exact - b.exact).abs() < 1e-9, "{} vs {}", a.exact, b.exact);
            prop_assert!(a.allocated.abs_diff(b.allocated) <= 1);
            prop_assert_eq!(a.reason, b.reason);
        }
    }

    /// P5: more past effort never increases a municipality's allocation, measured against the
    /// same national average: the extra effort is taken from a "rest of the country"
    /// municipality in another province, so the national ratio stays. (With the national
    /// total growing instead, one municipality's extra effort also lowers every other
    /// municipality's relative effort; in a tiny country where it dominates the national total
    /// that can move its number up by a fraction of a place. `p5_effort_on_the_real_data_set`
    /// checks that case on nl-2024.)
    #[test]
    fn p5_more_effort_never_increases_the_allocation(
        specs in specs(25), mode in any_mode(), caps in any::<bool>(), k in 0usize..25, extra in 1.0..5_000.0f64,
        w in (0.0..1.0f64, 0.05..1.0f64, 0.0..1.0f64),
    ) {
        let k = k % specs.len();
        let weights = Weights { indicative: w.0, effort: w.1, feasibility: w.2 };
        let scenario = scenario(mode, Eligibility::BelowIndicative, caps, weights);
        // The extra effort comes from the rest of the country: the national ratio stays.
        let rest = 1e7;
        let d = dataset_with_rest(&specs, rest);
        let before = solve(&d, &scenario).unwrap();
        let mut more = specs.clone();
        more[k].effort += extra;
        let d_more = dataset_with_rest(&more, rest - extra);
        prop_assert!((d_more.national_effort_ratio() - d.national_effort_ratio()).abs() <= 1e-15 * d.national_effort_ratio());
        let after = solve(&d_more, &scenario).unwrap();
        for c in Commodity::ALL {
            let x0 = of(&before, c)[k].exact;
            let x1 = of(&after, c)[k].exact;
            prop_assert!(x1 <= x0 + 1e-6, "{c}: {x0} -> {x1}");
        }
    }

    /// P5: a larger indicative number never decreases a municipality's allocation (the province's
    /// target grows with it, as targets are the sums of the indicative numbers).
    #[test]
    fn p5_larger_indicative_never_decreases_the_allocation(
        specs in specs(25), scenario in any_scenario(), k in 0usize..25, extra in 1u32..200,
    ) {
        let k = k % specs.len();
        let before = solve(&dataset(&specs), &scenario).unwrap();
        let mut more = specs.clone();
        more[k].indicative[0] += extra;
        more[k].indicative[1] += extra / 10 + 1;
        let after = solve(&dataset(&more), &scenario).unwrap();
        for c in Commodity::ALL {
            let x0 = of(&before, c)[k].exact;
            let x1 = of(&after, c)[k].exact;
            prop_assert!(x1 >= x0 - 1e-6, "{c}: {x0} -> {x1}");
        }
    }

    /// P5: more counted places never increase a municipality's extra allocation.
    #[test]
    fn p5_more_counted_places_never_increase_the_extra_allocation(
        specs in specs(25), scenario in any_scenario(), k in 0usize..25, extra in 1u32..200,
    ) {
        let k = k % specs.len();
        let before = solve(&dataset(&specs), &scenario).unwrap();
        let mut more = specs.clone();
        more[k].counted[0] += extra;
        more[k].counted[1] += extra / 10 + 1;
        let after = solve(&dataset(&more), &scenario).unwrap();
        for c in Commodity::ALL {
            let x0 = of(&before, c)[k].exact;
            let x1 = of(&after, c)[k].exact;
            prop_assert!(x1 <= x0 + 1e-6, "{c}: {x0} -> {x1}");
        }
    }

    /// P6: with w_I = 1 and no caps, `rest` gives x_m proportional to I_m over the eligible.
    #[test]
    fn p6_rest_reproduces_the_indicative_distribution(specs in specs(30), eligibility in any_eligibility()) {
        let scenario = scenario(AllocationMode::Rest, eligibility, false, Weights::default());
        let d = dataset(&specs);
        let sol = solve(&d, &scenario).unwrap();
        for b in &sol.provinces {
            let ms = of(&sol, b.commodity);
            let sum_i: f64 = ms.iter().filter(|m| m.standing.is_eligible()).map(|m| f64::from(m.indicative)).sum();
            for m in &ms {
                let expected = if m.standing.is_eligible() && sum_i > 0.0 {
                    f64::from(b.shortfall) * f64::from(m.indicative) / sum_i
                } else {
                    0.0
                };
                prop_assert!((m.exact - expected).abs() < 1e-6, "{} {}: {} vs {}", m.code, m.commodity, m.exact, expected);
            }
        }
    }

    /// P8: changing AMV data never changes a regular allocation.
    #[test]
    fn p8_amv_data_never_changes_regular_results(
        specs in specs(25), scenario in any_scenario(), changes in prop::collection::vec((0u32..60, 0u32..40, 0u32..50), 25),
    ) {
        let before = solve(&dataset(&specs), &scenario).unwrap();
        let mut changed = specs.clone();
        for (s, (i, c, u)) in changed.iter_mut().zip(changes) {
            s.indicative[1] = i;
            s.counted[1] = c;
            s.cap[1] = u;
        }
        let after = solve(&dataset(&changed), &scenario).unwrap();
        let reg = |s: &Solution| -> Vec<(u32, u64, String)> {
            of(s, Commodity::Regular).iter().map(|m| (m.allocated, m.exact.to_bits(), m.reason.as_str().to_owned())).collect()
        };
        prop_assert_eq!(reg(&before), reg(&after));
        prop_assert_eq!(before.block(&before.provinces[0].code, Commodity::Regular), after.block(&after.provinces[0].code, Commodity::Regular));
    }
}

proptest! {
    #![proptest_config(config())]

    /// With `elastic`, every place of the shortfall is assigned: within the caps, and the rest
    /// beyond them; the places within the caps are those of the plain run.
    #[test]
    fn p1_with_elastic_every_place_is_assigned(specs in specs(30), scenario in any_scenario()) {
        let d = dataset(&specs);
        let plain = solve(&d, &scenario).unwrap();
        let mut elastic = scenario.clone();
        elastic.allocation.elastic = true;
        let sol = solve(&d, &elastic).unwrap();
        for (b, p) in sol.provinces.iter().zip(&plain.provinces) {
            prop_assert_eq!(b.allocated, p.allocated);
            prop_assert_eq!(b.missing, p.missing);
            let positive_key = sol.municipalities.iter().any(|m| m.province == b.code && m.commodity == b.commodity && m.key.is_some_and(|k| k.key > 0.0));
            prop_assert_eq!(b.beyond_cap, if positive_key { b.missing } else { 0 });
            let beyond: u32 = of(&sol, b.commodity).iter().map(|m| m.beyond_cap).sum();
            prop_assert_eq!(beyond, b.beyond_cap);
        }
        for m in &sol.municipalities {
            prop_assert_eq!(m.obligation, m.counted + m.allocated + m.beyond_cap);
        }
    }
}

/// Infeasible: caps below the shortfall give everyone with a positive key its cap, and the
/// province reports the missing places; with `elastic` they are assigned beyond the caps, pro
/// rata to the key.
#[test]
fn infeasible_province_gives_full_caps_and_reports_missing() {
    let mut specs: Vec<Spec> = (0..4)
        .map(|i| Spec {
            indicative: [100, 10],
            counted: [0, 0],
            population: 10_000,
            effort: 0.0,
            cap: [10 + i, 1],
            score: 0.5,
            excluded: false,
            corop: 0,
        })
        .collect();
    specs[3].excluded = true;
    let sol = solve(
        &dataset(&specs),
        &scenario(AllocationMode::Rest, Eligibility::BelowIndicative, true, Weights::default()),
    )
    .unwrap();
    let b = sol.block(&sol.provinces[0].code, Commodity::Regular).unwrap();
    assert_eq!(b.status, Status::Infeasible);
    assert_eq!(b.allocated, 10 + 11 + 12);
    assert_eq!(b.missing, 400 - 33);
    let allocated: Vec<u32> = of(&sol, Commodity::Regular).iter().map(|m| m.allocated).collect();
    assert_eq!(allocated, vec![10, 11, 12, 0]);
    assert!(of(&sol, Commodity::Regular).iter().all(|m| m.beyond_cap == 0));

    let mut elastic = scenario(AllocationMode::Rest, Eligibility::BelowIndicative, true, Weights::default());
    elastic.allocation.elastic = true;
    let sol = solve(&dataset(&specs), &elastic).unwrap();
    // 367 missing places over three equal keys: 122.33 each; the remaining place goes to the
    // lowest code.
    let beyond: Vec<u32> = of(&sol, Commodity::Regular).iter().map(|m| m.beyond_cap).collect();
    assert_eq!(beyond, vec![123, 122, 122, 0]);
    let obligations: Vec<u32> = of(&sol, Commodity::Regular).iter().map(|m| m.obligation).collect();
    assert_eq!(obligations, vec![133, 133, 134, 0]);
    assert_eq!(sol.provinces[0].beyond_cap, 367);
}

/// P5 on nl-2024 with the national ratio recomputed: 50% more past effort for a municipality
/// never increases its allocation, in either mode.
#[test]
fn p5_effort_on_the_real_data_set() {
    use spreiding_solver::io;
    for name in ["effort", "level"] {
        let (mut scenario, dataset) = io::load(&scenario_path(name)).unwrap();
        scenario.allocation.weights = Weights { indicative: 0.5, effort: 0.5, feasibility: 0.0 };
        let before = solve(&dataset, &scenario).unwrap();
        let receiving: Vec<usize> =
            before.municipalities.iter().filter(|m| m.exact > 0.0).map(|m| m.municipality).step_by(7).collect();
        for i in receiving {
            let mut parts = dataset.to_parts();
            parts.municipalities[i].effort_places = parts.municipalities[i].effort_places * 1.5 + 100.0;
            // Built again: the national ratio is recomputed with the extra effort.
            let more = io::build_dataset(parts).unwrap();
            assert!(more.national_effort_ratio() > dataset.national_effort_ratio());
            let after = solve(&more, &scenario).unwrap();
            for c in Commodity::ALL {
                let x0 = before.municipalities.iter().find(|m| m.municipality == i && m.commodity == c).unwrap().exact;
                let x1 = after.municipalities.iter().find(|m| m.municipality == i && m.commodity == c).unwrap().exact;
                assert!(x1 <= x0 + 1e-6, "{name} {} {c}: {x0} -> {x1}", dataset.municipalities()[i].code);
            }
        }
    }
}

/// The COROP balance family on nl-2024: in every province with two or more COROP regions, no
/// region's exact allocation exceeds the share of the shortfall, and the LP result differs from
/// the unconstrained one only where a region is at its maximum.
#[test]
fn corop_balance_holds_on_the_real_data_set() {
    use spreiding_solver::io;
    use spreiding_solver::solve::Reason;
    use std::collections::BTreeMap;
    let (scenario, dataset) = io::load(&scenario_path("corop-balance")).unwrap();
    let share = scenario.constraints.corop_max_share.unwrap();
    let sol = solve(&dataset, &scenario).unwrap();
    let mut limited = 0;
    for b in sol.provinces.iter().filter(|b| b.shortfall > 0) {
        let mut regions: BTreeMap<&str, f64> = BTreeMap::new();
        for m in sol.municipalities.iter().filter(|m| m.province == b.code && m.commodity == b.commodity) {
            *regions.entry(dataset.municipalities()[m.municipality].corop.as_str()).or_default() += m.exact;
            limited += usize::from(m.reason == Reason::Limited);
        }
        if regions.len() >= 2 {
            for (region, sum) in &regions {
                assert!(*sum <= share * f64::from(b.shortfall) + 1e-6, "{} {} {region}: {sum}", b.code, b.commodity);
            }
        }
    }
    assert!(limited > 0, "the scenario should bind somewhere, or it tests nothing");
}
