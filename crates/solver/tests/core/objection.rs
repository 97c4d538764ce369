//! Objection replay (`spreiding_solver::objection`) as data: a claim that restates the data
//! changes nothing; properties on random claims (the total moves only through counted places,
//! order independence, overlapping claims refused); the order check on many claims. (Through
//! the binary, with files and the Dutch text: `tests/all/objection.rs`.)

use crate::common::*;
use proptest::prelude::*;
use spreiding_solver::io::{self, apply_overrides, parse_claim, Source};
use spreiding_solver::model::{
    Claim, Commodity, LocationAction, LocationOverride, MunicipalityCode, MunicipalityOverride, Origin, Overrides,
    PerCommodity,
};
use spreiding_solver::objection::{check_conflicts, replay, Effect};
use spreiding_solver::solve::{solve, Solution};

fn origin(line: u64) -> Origin {
    Origin { source: "claim.toml".to_owned(), line }
}

fn rest_indicative() -> (spreiding_solver::model::Scenario, spreiding_solver::model::Dataset, Solution) {
    let (s, d) = io::load(&scenario_path("rest-indicative")).unwrap();
    let sol = solve(&d, &s).unwrap();
    (s, d, sol)
}

/// What the claim says about a province whose report closes, about data that do not enter
/// the calculation, and about a claim without corrections.
#[test]
fn a_claim_that_changes_nothing_says_so() {
    let (s, d, sol) = rest_indicative();
    let parse = |text: &str| parse_claim(&Source::new("c.claim.toml", text), &d).unwrap();
    // Flevoland (PV24) closes for both commodities; Almere (GM0034) gives up nothing that counts
    // there: its cap changes, and nothing is divided.
    let closes = parse("municipality = \"GM0034\"\ngrounds = \"x\"\n[[overrides.municipalities]]\ncode = \"GM0034\"\nmax_additional_regular = 1\n");
    // A feasibility score, with a feasibility weight of 0, does not enter.
    let score = parse(
        "municipality = \"GM0228\"\ngrounds = \"x\"\n[[overrides.municipalities]]\ncode = \"GM0228\"\nscore = 0.01\n",
    );
    // An effort correction, with an effort weight of 0, does not enter (the national ratio moves).
    let effort = parse("municipality = \"GM0228\"\ngrounds = \"x\"\n[[overrides.effort]]\nmunicipality = \"GM0228\"\nyear = 2016\navg_occupied_places = 900.0\n");
    let none = parse("municipality = \"GM0228\"\ngrounds = \"Het beleid is onredelijk.\"\n");
    for (claim, effect, phrase) in [
        (&closes, Effect::ProvinceCloses, "sluit voor beide soorten opvangplaatsen, met en zonder de correctie"),
        (&score, Effect::NothingEntersCalculation, "tellen in deze berekening niet mee"),
        (&effort, Effect::NothingEntersCalculation, "tellen in deze berekening niet mee"),
        (&none, Effect::NoCorrections, "geen gegevens corrigeert"),
    ] {
        let r = replay(&d, &s, &sol, std::slice::from_ref(claim)).unwrap();
        let o = &r.claims[0].outcome;
        assert_eq!(o.effect, effect, "{}", claim.grounds);
        assert!(!o.changes_anything);
        assert!(o.provinces.is_empty());
        for l in &r.claims[0].objector {
            // The cap in force is part of the figures; only it may differ (Almere's).
            assert_eq!(l.before, spreiding_solver::objection::Figures { cap: l.before.cap, ..l.after.clone() });
            if l.commodity == Commodity::Regular {
                assert_eq!(l.before.cap == l.after.cap, effect != Effect::ProvinceCloses);
            }
        }
        let text = spreiding_solver::objection::dutch::render(&r);
        assert!(text.contains(phrase), "{text}");
    }
    let r = replay(&d, &s, &sol, std::slice::from_ref(&effort)).unwrap();
    let [before, after] = r.claims[0].outcome.national_effort_ratio;
    assert!(after > before, "900 occupied places in 2016 raise the national ratio");
    assert!(spreiding_solver::objection::dutch::render(&r).contains("landelijk gemiddelde"));
}

/// Random claims on a synthetic province (and a second province beside it).
#[derive(Clone, Debug)]
enum Correction {
    Cap { m: usize, regular: u32 },
    Score { m: usize, score: f64 },
    Exclude { m: usize, excluded: bool },
    Places { m: usize, regular: u32, amv: u32 },
    Add { m: usize, regular: u32, amv: u32 },
}

fn correction(n: usize) -> impl Strategy<Value = Correction> {
    prop_oneof![
        (0..n, 0u32..400).prop_map(|(m, regular)| Correction::Cap { m, regular }),
        (0..n, 0.0..1.0f64).prop_map(|(m, score)| Correction::Score { m, score }),
        (0..n, any::<bool>()).prop_map(|(m, excluded)| Correction::Exclude { m, excluded }),
        (0..n, 0u32..300, 0u32..30).prop_map(|(m, regular, amv)| Correction::Places { m, regular, amv }),
        (0..n, 0u32..300, 0u32..30).prop_map(|(m, regular, amv)| Correction::Add { m, regular, amv }),
    ]
}

fn code(m: usize) -> MunicipalityCode {
    MunicipalityCode::parse(&format!("GM{:04}", m + 1)).unwrap()
}

fn overrides_of(c: &Correction, d: &spreiding_solver::model::Dataset, line: u64) -> Overrides {
    let mut o = Overrides::default();
    let municipality = |m: usize| MunicipalityOverride {
        origin: origin(line),
        code: code(m),
        cap: PerCommodity::default(),
        score: None,
        excluded: None,
    };
    let location = |m: usize, action: LocationAction, id: String| LocationOverride {
        origin: origin(line),
        action,
        location_id: id,
        municipality: code(m),
        places: PerCommodity::default(),
        status: None,
        opens: None,
        closes: None,
        bridging: None,
        location_total: None,
    };
    match *c {
        Correction::Cap { m, regular } => o
            .municipalities
            .push(MunicipalityOverride { cap: PerCommodity { regular: Some(regular), amv: None }, ..municipality(m) }),
        Correction::Score { m, score } => {
            o.municipalities.push(MunicipalityOverride { score: Some(score), ..municipality(m) })
        }
        Correction::Exclude { m, excluded } => o
            .municipalities
            .push(MunicipalityOverride { excluded: Some(excluded.then(|| "bezwaar".to_owned())), ..municipality(m) }),
        Correction::Places { m, regular, amv } => {
            // Its own location row when it has one, else a new one.
            if d.locations().iter().any(|l| l.location_id == format!("L{m}")) {
                o.locations.push(LocationOverride {
                    places: PerCommodity { regular: Some(regular), amv: Some(amv) },
                    location_total: Some(regular + amv),
                    ..location(m, LocationAction::Change, format!("L{m}"))
                });
            } else {
                o.locations.push(new_location(m, regular, amv, line));
            }
        }
        Correction::Add { m, regular, amv } => o.locations.push(new_location(m, regular, amv, line)),
    }
    o
}

fn new_location(m: usize, regular: u32, amv: u32, line: u64) -> LocationOverride {
    LocationOverride {
        origin: origin(line),
        action: LocationAction::Add,
        location_id: format!("N{m}-{line}"),
        municipality: code(m),
        places: PerCommodity { regular: Some(regular), amv: Some(amv) },
        status: Some(spreiding_solver::model::LocationStatus::Existing),
        opens: Some(spreiding_solver::model::Date::from_ymd_opt(2024, 3, 1).unwrap()),
        closes: Some(None),
        bridging: Some(false),
        location_total: Some(regular + amv),
    }
}

fn claim_of(c: &Correction, d: &spreiding_solver::model::Dataset, k: usize) -> Claim {
    let m = match *c {
        Correction::Cap { m, .. }
        | Correction::Score { m, .. }
        | Correction::Exclude { m, .. }
        | Correction::Places { m, .. }
        | Correction::Add { m, .. } => m,
    };
    Claim {
        source: format!("claim-{k}.toml"),
        municipality: code(m),
        grounds: "test".to_owned(),
        corrections: overrides_of(c, d, k as u64 + 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A claim that sets what is already there (the cap it has) changes no number, and says so;
    /// a claim without corrections too.
    #[test]
    fn a_claim_restating_the_data_changes_nothing(specs in specs(20), scenario in any_scenario(), pick in any::<prop::sample::Index>()) {
        let d = dataset_with_rest(&specs, 50_000.0);
        let sol = solve(&d, &scenario).unwrap();
        let m = pick.index(specs.len());
        let same = Claim {
            source: "same.toml".into(),
            municipality: code(m),
            grounds: "x".into(),
            corrections: overrides_of(&Correction::Cap { m, regular: specs[m].cap[0] }, &d, 1),
        };
        let empty = Claim { corrections: Overrides::default(), ..same.clone() };
        for claim in [same, empty] {
            let r = replay(&d, &scenario, &sol, &[claim]).unwrap();
            let o = &r.claims[0].outcome;
            prop_assert!(!o.changes_anything);
            prop_assert!(o.provinces.is_empty());
            prop_assert!(matches!(o.effect, Effect::NothingEntersCalculation | Effect::NoCorrections | Effect::ProvinceCloses));
            for l in &r.claims[0].objector {
                prop_assert_eq!(&l.before, &l.after);
            }
        }
    }

    /// A claim changes a province's shortfall only through its counted places (targets are
    /// never corrected), nothing moves to the other province, and the changes of the assigned
    /// places add up to the change of the province's assigned total.
    #[test]
    fn a_claim_moves_the_total_only_through_counted_places(
        specs in specs(20),
        scenario in any_scenario(),
        c in correction(19),
    ) {
        let d = dataset_with_rest(&specs, 50_000.0);
        prop_assume!(match c {
            Correction::Cap { m, .. } | Correction::Score { m, .. } | Correction::Exclude { m, .. } | Correction::Places { m, .. } | Correction::Add { m, .. } => m < specs.len(),
        });
        let sol = solve(&d, &scenario).unwrap();
        let claim = claim_of(&c, &d, 0);
        let r = replay(&d, &scenario, &sol, std::slice::from_ref(&claim)).unwrap();
        let corrected = apply_overrides(&d, &claim.corrections).unwrap();
        let after = solve(&corrected, &scenario).unwrap();
        for (b, a) in sol.provinces.iter().zip(&after.provinces) {
            prop_assert_eq!(a.target, b.target);
            prop_assert_eq!(u64::from(a.shortfall), u64::from(a.target).saturating_sub(a.counted));
            if a.counted == b.counted {
                prop_assert_eq!(a.shortfall, b.shortfall);
            }
            if b.code.as_str() == "PV21" {
                // The other province: untouched.
                prop_assert_eq!(a, b);
            }
        }
        for bc in &r.claims[0].outcome.provinces {
            prop_assert_eq!(bc.province.as_str(), "PV20");
            let sum: i64 = bc.changes.iter().map(|m| m.allocated_change).sum();
            prop_assert_eq!(sum, i64::from(bc.after.assigned()) - i64::from(bc.before.assigned()));
            prop_assert_eq!(bc.shortfall_change, i64::from(bc.after.shortfall) - i64::from(bc.before.shortfall));
            let counted_change: i64 = bc.changes.iter().map(|m| i64::from(m.counted[1]) - i64::from(m.counted[0])).sum();
            prop_assert_eq!(counted_change, bc.after.counted as i64 - bc.before.counted as i64);
        }
        // The replay's view equals the plain solve of the corrected data.
        for m in &after.municipalities {
            let before = sol.municipality(&m.code, m.commodity).unwrap();
            let named = r.claims[0].outcome.provinces.iter().any(|b| b.commodity == m.commodity && b.changes.iter().any(|x| x.code == m.code));
            let differs = (before.counted, before.allocated + before.beyond_cap, before.obligation) != (m.counted, m.allocated + m.beyond_cap, m.obligation);
            prop_assert_eq!(named, differs, "{}", m.code);
        }
    }

    /// Several claims on different municipalities: applying them one by one in reverse order
    /// gives the solution of all at once, and the replay reports every order the same.
    #[test]
    fn claims_are_order_independent(
        specs in specs(20),
        scenario in any_scenario(),
        cs in prop::collection::vec(correction(19), 2..5),
    ) {
        let d = dataset_with_rest(&specs, 50_000.0);
        let mut seen = std::collections::BTreeSet::new();
        let cs: Vec<Correction> = cs.into_iter().filter(|c| {
            let m = match *c { Correction::Cap { m, .. } | Correction::Score { m, .. } | Correction::Exclude { m, .. } | Correction::Places { m, .. } | Correction::Add { m, .. } => m };
            m < specs.len() && seen.insert(m)
        }).collect();
        prop_assume!(cs.len() >= 2);
        let claims: Vec<Claim> = cs.iter().enumerate().map(|(k, c)| claim_of(c, &d, k)).collect();
        prop_assert!(check_conflicts(&claims).is_ok());
        let sol = solve(&d, &scenario).unwrap();
        let r = replay(&d, &scenario, &sol, &claims).unwrap();
        let combined = r.combined.unwrap();
        prop_assert!(combined.order_independent);
        let n = claims.len() as u64;
        prop_assert_eq!(combined.orders_total, (1..=n).product::<u64>());
        prop_assert_eq!(combined.orders_checked, combined.orders_total);
        // Independently: one by one in reverse order, against all at once.
        let all = claims.iter().fold(Overrides::default(), |acc, c| acc.then(&c.corrections));
        let at_once = solve(&apply_overrides(&d, &all).unwrap(), &scenario).unwrap();
        let mut step = d.clone();
        for c in claims.iter().rev() {
            step = apply_overrides(&step, &c.corrections).unwrap();
        }
        prop_assert_eq!(solve(&step, &scenario).unwrap(), at_once);
    }
}

/// What a correction touches, as MODEL.md's data would name it (independently of the
/// program's conflict check): two claims touching the same thing depend on their order.
fn touches(c: &Correction, d: &spreiding_solver::model::Dataset) -> String {
    match *c {
        Correction::Cap { m, .. } => format!("cap {m}"),
        Correction::Score { m, .. } => format!("score {m}"),
        Correction::Exclude { m, .. } => format!("exclusion {m}"),
        Correction::Places { m, .. } if d.locations().iter().any(|l| l.location_id == format!("L{m}")) => {
            format!("location L{m}")
        }
        // A new location of its own (its id carries the claim's line).
        Correction::Places { .. } | Correction::Add { .. } => String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Claims on few municipalities, so that they often touch the same municipality, its cap,
    /// its eligibility or its location: the replay refuses exactly the sets in which two claims
    /// touch the same thing; otherwise every order of application, computed here one by one,
    /// gives the solution of all at once, and the replay says so.
    #[test]
    fn overlapping_claims_are_refused_and_the_rest_are_order_independent(
        specs in specs(6),
        scenario in any_scenario(),
        cs in prop::collection::vec(correction(3), 2..4),
    ) {
        let d = dataset_with_rest(&specs, 50_000.0);
        let cs: Vec<Correction> = cs.into_iter().filter(|c| match *c {
            Correction::Cap { m, .. } | Correction::Score { m, .. } | Correction::Exclude { m, .. } | Correction::Places { m, .. } | Correction::Add { m, .. } => m < specs.len(),
        }).collect();
        prop_assume!(cs.len() >= 2);
        let claims: Vec<Claim> = cs.iter().enumerate().map(|(k, c)| claim_of(c, &d, k)).collect();
        let mut things: Vec<String> = cs.iter().map(|c| touches(c, &d)).filter(|t| !t.is_empty()).collect();
        let n_things = things.len();
        things.sort();
        things.dedup();
        let overlap = things.len() < n_things;
        let sol = solve(&d, &scenario).unwrap();
        let r = replay(&d, &scenario, &sol, &claims);
        prop_assert_eq!(r.is_err(), overlap, "overlap {} but replay {:?}", overlap, r.as_ref().err().map(|e| e.to_string()));
        let Ok(r) = r else { return Ok(()) };
        let combined = r.combined.unwrap();
        let all = claims.iter().fold(Overrides::default(), |acc, c| acc.then(&c.corrections));
        let at_once = solve(&apply_overrides(&d, &all).unwrap(), &scenario).unwrap();
        let mut orders: Vec<Vec<usize>> = vec![(0..claims.len()).collect()];
        // Every order (at most 3! here), built here without the program's permutations.
        if claims.len() == 2 {
            orders.push(vec![1, 0]);
        } else if claims.len() == 3 {
            orders.extend([vec![0, 2, 1], vec![1, 0, 2], vec![1, 2, 0], vec![2, 0, 1], vec![2, 1, 0]]);
        }
        let mut same = true;
        for order in &orders {
            let mut step = d.clone();
            for &k in order {
                step = apply_overrides(&step, &claims[k].corrections).unwrap();
            }
            same &= solve(&step, &scenario).unwrap() == at_once;
        }
        prop_assert_eq!(combined.orders_checked, orders.len() as u64);
        prop_assert_eq!(combined.order_independent, same);
    }
}

/// Seven claims: the rotations and their reverses are checked (14 of 5.040 orders).
#[test]
fn many_claims_check_rotations_and_reverses() {
    let (s, d, sol) = rest_indicative();
    let codes = ["GM0197", "GM0222", "GM0244", "GM0246", "GM0262", "GM0267", "GM0285"];
    let claims: Vec<Claim> = codes
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let text = format!("municipality = \"{c}\"\ngrounds = \"x\"\n[[overrides.municipalities]]\ncode = \"{c}\"\nmax_additional_regular = {}\n", 10 + k);
            parse_claim(&Source::new(format!("c{k}.claim.toml"), text), &d).unwrap()
        })
        .collect();
    let r = replay(&d, &s, &sol, &claims).unwrap();
    let c = r.combined.unwrap();
    assert_eq!((c.orders_checked, c.orders_total), (14, 5040));
    assert!(c.order_independent);
    // Every objector is capped at its new cap now, and the rest of Gelderland takes the places.
    for (k, code) in codes.iter().enumerate() {
        let code = MunicipalityCode::parse(code).unwrap();
        let k_line = c
            .objectors
            .iter()
            .zip(c.objector_codes.iter().flat_map(|x| [x, x]))
            .find(|(l, x)| **x == code && l.commodity == Commodity::Regular)
            .unwrap()
            .0;
        assert_eq!(k_line.after.allocated, 10 + k as u32, "{code}");
    }
    let b = &c.outcome.provinces[0];
    assert_eq!(b.allocated_change, 0);
    assert_eq!(b.before.shortfall, b.after.shortfall);
}
