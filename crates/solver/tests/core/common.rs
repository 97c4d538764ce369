//! Helpers: paths to the shipped data and scenarios, the files of a folder, and small
//! synthetic provinces built in memory for property tests. Shared by the library's tests
//! (`solver/tests/core`) and the binary's (`tests/all`, which adds the binary itself).

#![allow(dead_code)]

use proptest::prelude::*;
use spreiding_solver::model::{
    AllocationMode, AllocationRules, Commodity, Constraints, CoropCode, CountingRules, Cycle, Dataset, DatasetParts,
    Date, Eligibility, IndicativeSource, LocationShare, LocationStatus, Method, Municipality, MunicipalityCode,
    PerCommodity, Province, ProvinceCode, Scenario, Weights,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file below a folder with its bytes, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The repository root (the folder with `scenarios/`), from either package.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("scenarios").is_dir() && p.join("data").is_dir())
        .map_or(here.clone(), Path::to_path_buf)
}

/// A shipped scenario file.
pub fn scenario_path(name: &str) -> PathBuf {
    root().join("scenarios/2024-2026").join(format!("{name}.toml"))
}

/// The shipped data set.
pub fn dataset_path() -> PathBuf {
    root().join("data/nl-2024")
}

/// One municipality of a synthetic province.
#[derive(Clone, Debug)]
pub struct Spec {
    pub indicative: [u32; 2],
    pub counted: [u32; 2],
    pub population: u32,
    pub effort: f64,
    pub cap: [u32; 2],
    pub score: f64,
    pub excluded: bool,
    pub corop: u8,
}

pub fn spec() -> impl Strategy<Value = Spec> {
    (
        (0u32..400, 0u32..40),
        (0u32..300, 0u32..30),
        1_000u32..200_000,
        prop_oneof![Just(0.0), 0.0..5_000.0],
        (0u32..400, 0u32..40),
        0.0..1.0f64,
        prop::bool::weighted(0.1),
        0u8..3,
    )
        .prop_map(|(i, c, population, effort, cap, score, excluded, corop)| Spec {
            indicative: [i.0, i.1],
            counted: [c.0, c.1],
            population,
            effort,
            cap: [cap.0, cap.1],
            score,
            excluded,
            corop,
        })
}

pub fn specs(max: usize) -> impl Strategy<Value = Vec<Spec>> {
    prop::collection::vec(spec(), 2..max)
}

fn date(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// A one-province data set (PV20) from specs; counted places come from one existing location
/// per municipality; targets are the sums of the indicative numbers.
pub fn dataset(specs: &[Spec]) -> Dataset {
    spreiding_solver::io::build_dataset(parts(specs)).expect("a valid synthetic data set")
}

/// [`dataset`] plus a second province (PV21) with one municipality (GM9000) that carries the
/// rest of the country's past effort: moving effort between it and a municipality of PV20
/// leaves the national effort ratio as it was.
pub fn dataset_with_rest(specs: &[Spec], rest_effort: f64) -> Dataset {
    let mut p = parts(specs);
    let rest = Municipality {
        code: MunicipalityCode::parse("GM9000").expect("code"),
        name: "Rest van het land".into(),
        province: 1,
        corop: CoropCode::parse("CR99").expect("corop"),
        population: 10_000_000,
        welvaart_proxy: 0.0,
        indicative: PerCommodity { regular: 1_000, amv: 100 },
        indicative_source: IndicativeSource::Reconstructed,
        effort_places: rest_effort,
        effort_years: 10,
        effort_by_year: Vec::new(),
        cap: PerCommodity { regular: 1_000, amv: 100 },
        feasibility_score: 0.5,
        feasibility_reason: String::new(),
        excluded: None,
    };
    p.provinces.push(Province {
        code: ProvinceCode::parse("PV21").expect("code"),
        name: "Rest".into(),
        target: rest.indicative,
        offered_2024_11: 0,
        target_set_by_scenario: false,
    });
    p.cycle.national_total += 1_100;
    p.cycle.national_amv += 100;
    p.municipalities.push(rest);
    spreiding_solver::io::build_dataset(p).expect("a valid synthetic data set")
}

/// The parts of [`dataset`].
pub fn parts(specs: &[Spec]) -> DatasetParts {
    let municipalities: Vec<Municipality> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| Municipality {
            code: MunicipalityCode::parse(&format!("GM{:04}", i + 1)).expect("code"),
            name: format!("Gemeente {}", i + 1),
            province: 0,
            corop: CoropCode::parse(&format!("CR{:02}", s.corop + 1)).expect("corop"),
            population: s.population,
            welvaart_proxy: 0.0,
            indicative: PerCommodity { regular: s.indicative[0], amv: s.indicative[1] },
            indicative_source: IndicativeSource::Reconstructed,
            effort_places: s.effort,
            effort_years: 10,
            effort_by_year: Vec::new(),
            cap: PerCommodity { regular: s.cap[0], amv: s.cap[1] },
            feasibility_score: s.score,
            feasibility_reason: String::new(),
            excluded: s.excluded.then(|| "test".to_owned()),
        })
        .collect();
    let locations = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.counted[0] + s.counted[1] > 0)
        .map(|(i, s)| LocationShare {
            location_id: format!("L{i}"),
            municipality: i,
            places: PerCommodity { regular: s.counted[0], amv: s.counted[1] },
            status: LocationStatus::Existing,
            opens: date("2024-01-01"),
            closes: None,
            bridging: false,
            location_total: s.counted[0] + s.counted[1],
            source: format!("test:{i}"),
        })
        .collect();
    let target = PerCommodity {
        regular: specs.iter().map(|s| s.indicative[0]).sum(),
        amv: specs.iter().map(|s| s.indicative[1]).sum(),
    };
    DatasetParts {
        label: "synthetic".to_owned(),
        cycle: Cycle {
            id: "test".into(),
            national_total: target.regular + target.amv,
            national_amv: target.amv,
            start: date("2024-02-01"),
            report_deadline: date("2024-11-01"),
            counting_date: date("2025-07-01"),
            end: date("2026-02-01"),
            counting: Default::default(),
            indicative: None,
        },
        provinces: vec![Province {
            code: ProvinceCode::parse("PV20").expect("code"),
            name: "Testprovincie".into(),
            target,
            offered_2024_11: 0,
            target_set_by_scenario: false,
        }],
        municipalities,
        locations,
    }
}

pub fn scenario(mode: AllocationMode, eligibility: Eligibility, caps: bool, weights: Weights) -> Scenario {
    Scenario {
        name: "test".into(),
        dataset: "synthetic".to_owned(),
        counting: CountingRules::default(),
        allocation: AllocationRules {
            mode,
            eligibility,
            caps,
            weights,
            method: Method::Lp,
            elastic: false,
            ..Default::default()
        },
        constraints: Constraints::default(),
        overrides: Default::default(),
        files: Vec::new(),
        counting_date_origin: None,
    }
}

pub fn any_mode() -> impl Strategy<Value = AllocationMode> {
    prop_oneof![Just(AllocationMode::Rest), Just(AllocationMode::Level)]
}

pub fn any_eligibility() -> impl Strategy<Value = Eligibility> {
    prop_oneof![Just(Eligibility::All), Just(Eligibility::BelowIndicative)]
}

pub fn any_weights() -> impl Strategy<Value = Weights> {
    prop_oneof![
        Just(Weights::default()),
        (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64)
            .prop_filter("positive", |(a, b, c)| a + b + c > 0.01)
            .prop_map(|(indicative, effort, feasibility)| Weights { indicative, effort, feasibility }),
    ]
}

/// A whole scenario on a synthetic province.
pub fn any_scenario() -> impl Strategy<Value = Scenario> {
    (any_mode(), any_eligibility(), any::<bool>(), any_weights()).prop_map(|(m, e, c, w)| scenario(m, e, c, w))
}

pub const COMMODITIES: [Commodity; 2] = Commodity::ALL;
