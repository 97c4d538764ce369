//! The properties of MODEL.md section 4 on generated countries, through the default path
//! (`method = "auto"`: closed forms, region water-filling, rounding), with the expected values
//! computed here from MODEL.md, not by the program.
//!
//! A country has one to three provinces of two to eight municipalities; every location kind
//! (existing, planned, intention; opening before, on and after the counting date and the
//! cycle's end; closing before, on and after the end; with and without bridging reception;
//! shared by two municipalities), every scenario switch and both constraint families (COROP
//! balance, maximum per 1,000 inhabitants), on and off. Numbers are drawn from small grids of
//! whole numbers so that equal keys, coinciding breakpoints and caps that take the shortfall
//! exactly are common, not rare (the bug fixed in 1c012e2 lived there).
//!
//! The reference ([`Reference`]) counts the places, decides eligibility, computes relative
//! effort, the keys and the caps, and (for a province without COROP rows) the allocation by
//! MODEL.md's closed form with its level found by bisection, then whole places by largest
//! remainder. Provinces with COROP rows are held to the bounds, the rows and the LP's answer
//! (`method = "lp"`).

use proptest::prelude::*;
use spreiding_solver::model::{
    AboveTask, AllocationMode, AllocationRules, Commodity, Constraints, CoropCode, CountingRules, Cycle, DatasetParts,
    Date, Eligibility, IndicativeSource, LocationShare, LocationStatus, Method, Municipality, MunicipalityCode,
    PerCommodity, Province, ProvinceCode, Scenario, Weights,
};
use spreiding_solver::solve::{solve, Solution, Status};

fn date(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const COUNTING_DATE: &str = "2025-07-01";
const END: &str = "2026-02-01";

/// One location share as generated.
#[derive(Clone, Debug)]
struct Loc {
    places: [u32; 2],
    status: LocationStatus,
    opens: &'static str,
    closes: Option<&'static str>,
    bridging: bool,
    /// Shared with the next municipality of the province (which gets the same share).
    shared: bool,
}

#[derive(Clone, Debug)]
struct Muni {
    indicative: [u32; 2],
    population: u32,
    effort: f64,
    cap: [u32; 2],
    score: f64,
    excluded: bool,
    region: u8,
    locations: Vec<Loc>,
}

#[derive(Clone, Debug)]
struct Country {
    provinces: Vec<Vec<Muni>>,
}

fn loc() -> impl Strategy<Value = Loc> {
    (
        (prop::sample::select(vec![0u32, 5, 10, 20]), prop::sample::select(vec![0u32, 1, 2])),
        prop::sample::select(vec![LocationStatus::Existing, LocationStatus::Planned, LocationStatus::Intention]),
        prop::sample::select(vec!["2024-01-01", "2025-07-01", "2025-07-02", "2026-01-31", "2026-02-01"]),
        prop::sample::select(vec![None, Some("2026-01-31"), Some("2026-02-01"), Some("2027-01-01")]),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(places, status, opens, closes, bridging, shared)| Loc {
            places: [places.0, places.1],
            status,
            opens,
            // A location closes after it opens.
            closes: closes.filter(|c| *c > opens),
            bridging,
            shared,
        })
        .prop_filter("a location has places", |l| l.places[0] + l.places[1] > 0)
}

fn muni() -> impl Strategy<Value = Muni> {
    (
        (prop::sample::select(vec![0u32, 5, 10, 20, 40]), prop::sample::select(vec![0u32, 1, 2, 4])),
        prop::sample::select(vec![1_000u32, 2_000, 5_000, 10_000]),
        prop::sample::select(vec![0.0, 50.0, 100.0, 400.0]),
        (prop::sample::select(vec![0u32, 5, 10, 20, 60]), prop::sample::select(vec![0u32, 1, 2, 5])),
        prop::sample::select(vec![0.0, 0.5, 1.0]),
        prop::bool::weighted(0.1),
        0u8..3,
        prop::collection::vec(loc(), 0..3),
    )
        .prop_map(|(indicative, population, effort, cap, score, excluded, region, locations)| Muni {
            indicative: [indicative.0, indicative.1],
            population,
            effort,
            cap: [cap.0, cap.1],
            score,
            excluded,
            region,
            locations,
        })
}

/// A province; with `twin`, its first municipality appears twice (identical inputs).
fn province() -> impl Strategy<Value = Vec<Muni>> {
    (prop::collection::vec(muni(), 2..8), prop::bool::weighted(0.3)).prop_map(|(mut ms, twin)| {
        if twin {
            let mut t = ms[0].clone();
            // Twins share nothing: each has its own copy of the locations.
            for l in &mut t.locations {
                l.shared = false;
            }
            for l in &mut ms[0].locations {
                l.shared = false;
            }
            // Nor does the one before it share with the twin.
            if let Some(before) = ms.last_mut() {
                for l in &mut before.locations {
                    l.shared = false;
                }
            }
            ms.push(t);
        }
        ms
    })
}

fn country() -> impl Strategy<Value = Country> {
    prop::collection::vec(province(), 1..4).prop_map(|provinces| Country { provinces })
}

/// Whether province `p`'s first municipality was twinned (it is then also the last).
fn twins(c: &Country, p: usize) -> Option<(usize, usize)> {
    let ms = &c.provinces[p];
    let last = ms.len() - 1;
    let same = |a: &Muni, b: &Muni| format!("{a:?}") == format!("{b:?}");
    (last > 0 && same(&ms[0], &ms[last])).then_some((0, last))
}

/// The data set of a country: codes GM{p}{i}, provinces PV20.., COROP regions per province.
fn parts(c: &Country) -> DatasetParts {
    let mut municipalities = Vec::new();
    let mut locations = Vec::new();
    let mut provinces = Vec::new();
    for (p, ms) in c.provinces.iter().enumerate() {
        let base = municipalities.len();
        for (i, m) in ms.iter().enumerate() {
            municipalities.push(Municipality {
                code: MunicipalityCode::parse(&format!("GM{}{:03}", p + 1, i)).unwrap(),
                name: format!("Gemeente {}-{i}", p + 1),
                province: p,
                corop: CoropCode::parse(&format!("CR{:02}", p * 3 + usize::from(m.region) + 1)).unwrap(),
                population: m.population,
                welvaart_proxy: 0.0,
                indicative: PerCommodity { regular: m.indicative[0], amv: m.indicative[1] },
                indicative_source: IndicativeSource::Reconstructed,
                effort_places: m.effort,
                effort_years: 10,
                effort_by_year: Vec::new(),
                cap: PerCommodity { regular: m.cap[0], amv: m.cap[1] },
                feasibility_score: m.score,
                feasibility_reason: String::new(),
                excluded: m.excluded.then(|| "test".to_owned()),
            });
        }
        for (i, m) in ms.iter().enumerate() {
            for (k, l) in m.locations.iter().enumerate() {
                let id = format!("L{p}-{i}-{k}");
                let partner = (l.shared && i + 1 < ms.len()).then_some(i + 1);
                let share = |municipality: usize| LocationShare {
                    location_id: id.clone(),
                    municipality: base + municipality,
                    places: PerCommodity { regular: l.places[0], amv: l.places[1] },
                    status: l.status,
                    opens: date(l.opens),
                    closes: l.closes.map(date),
                    bridging: l.bridging,
                    location_total: (l.places[0] + l.places[1]) * if partner.is_some() { 2 } else { 1 },
                    source: format!("test:{id}"),
                };
                locations.push(share(i));
                if let Some(j) = partner {
                    locations.push(share(j));
                }
            }
        }
        let sum = |k: usize| ms.iter().map(|m| m.indicative[k]).sum::<u32>();
        provinces.push(Province {
            code: ProvinceCode::parse(&format!("PV{}", 20 + p)).unwrap(),
            name: format!("Provincie {p}"),
            target: PerCommodity { regular: sum(0), amv: sum(1) },
            offered_2024_11: 0,
            target_set_by_scenario: false,
        });
    }
    let national_amv: u32 = provinces.iter().map(|p| p.target.amv).sum();
    let national_total: u32 = provinces.iter().map(|p| p.target.regular).sum::<u32>() + national_amv;
    DatasetParts {
        label: "country".into(),
        cycle: Cycle {
            id: "test".into(),
            national_total,
            national_amv,
            start: date("2024-02-01"),
            report_deadline: date("2024-11-01"),
            counting_date: date(COUNTING_DATE),
            end: date(END),
            counting: Default::default(),
            indicative: None,
        },
        provinces,
        municipalities,
        locations,
    }
}

fn weights() -> impl Strategy<Value = Weights> {
    let w = || prop::sample::select(vec![0.0, 0.5, 1.0]);
    (w(), w(), w())
        .prop_filter("some weight", |(a, b, c)| a + b + c > 0.0)
        .prop_map(|(indicative, effort, feasibility)| Weights { indicative, effort, feasibility })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        (any::<bool>(), any::<bool>()),
        prop::sample::select(vec![AllocationMode::Rest, AllocationMode::Level]),
        (
            prop::sample::select(vec![Eligibility::All, Eligibility::BelowIndicative]),
            prop::sample::select(vec![AboveTask::Held, AboveTask::Ignored, AboveTask::Effort]),
        ),
        any::<bool>(),
        weights(),
        prop::sample::select(vec![None, Some(0.4), Some(0.5), Some(0.6), Some(1.0)]),
        (prop::sample::select(vec![None, Some(2.0), Some(5.0)]), prop::sample::select(vec![None, Some(0.5)])),
    )
        .prop_map(|((intentions, bridging), mode, (eligibility, above_task), caps, weights, corop, per_1000)| {
            Scenario {
                name: "country".into(),
                dataset: "country".into(),
                counting: CountingRules {
                    count_intentions: Some(intentions),
                    require_bridging: Some(bridging),
                    ..CountingRules::default()
                },
                allocation: AllocationRules {
                    mode,
                    eligibility,
                    caps,
                    weights,
                    method: Method::Auto,
                    elastic: false,
                    above_task,
                },
                constraints: Constraints {
                    corop_max_share: corop,
                    max_per_1000: PerCommodity { regular: per_1000.0, amv: per_1000.1 },
                    ..Constraints::default()
                },
                overrides: Default::default(),
                files: Vec::new(),
                counting_date_origin: None,
            }
        })
}

/// MODEL.md computed by the test.
struct Reference<'a> {
    country: &'a Country,
    scenario: &'a Scenario,
    national: f64,
}

/// One municipality of a block, as the reference sees it.
#[derive(Debug)]
struct Entry {
    counted: u32,
    /// The counted places that count towards the task: MODEL.md 3.2a, all of them when held,
    /// otherwise no more than the indicative number.
    task: u32,
    eligible: bool,
    key: f64,
    cap: f64,
    region: u8,
}

impl<'a> Reference<'a> {
    fn new(country: &'a Country, scenario: &'a Scenario) -> Self {
        let all = country.provinces.iter().flatten();
        let places: f64 = all.clone().map(|m| m.effort).sum();
        let people: f64 = all.map(|m| f64::from(m.population)).sum();
        Reference { country, scenario, national: places / people }
    }

    /// MODEL.md 3.1: does a location count?
    fn counts(&self, l: &Loc) -> bool {
        let rules = &self.scenario.counting;
        if l.status == LocationStatus::Intention && !rules.count_intentions.unwrap_or(false) {
            return false;
        }
        if l.closes.is_some_and(|c| c < END) {
            return false;
        }
        l.opens <= COUNTING_DATE || (l.opens < END && (l.bridging || !rules.require_bridging.unwrap_or(true)))
    }

    /// Counted places of every municipality of province `p` (shares of shared locations
    /// included), per commodity.
    fn counted(&self, p: usize) -> Vec<[u32; 2]> {
        let ms = &self.country.provinces[p];
        let mut out = vec![[0u32; 2]; ms.len()];
        for (i, m) in ms.iter().enumerate() {
            for l in m.locations.iter().filter(|l| self.counts(l)) {
                let partner = (l.shared && i + 1 < ms.len()).then_some(i + 1);
                for j in std::iter::once(i).chain(partner) {
                    out[j][0] += l.places[0];
                    out[j][1] += l.places[1];
                }
            }
        }
        out
    }

    /// The block of province `p` and commodity `k`: its entries and shortfall.
    fn block(&self, p: usize, k: usize) -> (Vec<Entry>, u32, u32) {
        let ms = &self.country.provinces[p];
        let counted = self.counted(p);
        let target: u32 = ms.iter().map(|m| m.indicative[k]).sum();
        let task: Vec<u32> = ms
            .iter()
            .zip(&counted)
            .map(|(m, c)| match self.scenario.allocation.above_task {
                AboveTask::Held => c[k],
                AboveTask::Ignored | AboveTask::Effort => {
                    if c[k] > m.indicative[k] {
                        m.indicative[k]
                    } else {
                        c[k]
                    }
                }
            })
            .collect();
        let total_counted: u64 = task.iter().map(|&t| u64::from(t)).sum();
        let shortfall = u32::try_from(u64::from(target).saturating_sub(total_counted)).unwrap();
        let rules = &self.scenario.allocation;
        let eligible: Vec<bool> = ms
            .iter()
            .zip(&counted)
            .map(|(m, c)| !m.excluded && (rules.eligibility == Eligibility::All || c[k] < m.indicative[k]))
            .collect();
        // Nobody in the country hosted anyone: every r is 0 (MODEL.md 3.4: r = 0 hosted nobody).
        let r = |m: &Muni| if self.national > 0.0 { (m.effort / f64::from(m.population)) / self.national } else { 0.0 };
        let e = |m: &Muni| f64::from(m.indicative[k]) / (1.0 + r(m));
        let f = |m: &Muni| f64::from(m.cap[k]) * m.score;
        let sum = |g: &dyn Fn(&Muni) -> f64| -> f64 {
            ms.iter().zip(&eligible).filter(|(_, e)| **e).map(|(m, _)| g(m)).sum()
        };
        let (si, se, sf) = (sum(&|m| f64::from(m.indicative[k])), sum(&e), sum(&f));
        let w = &rules.weights;
        let wsum = w.indicative + w.effort + w.feasibility;
        let share = |v: f64, s: f64| if s > 0.0 { v / s } else { 0.0 };
        let rho = if k == 0 {
            self.scenario.constraints.max_per_1000.regular
        } else {
            self.scenario.constraints.max_per_1000.amv
        };
        let entries = ms
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let key = if eligible[i] {
                    (w.indicative * share(f64::from(m.indicative[k]), si)
                        + w.effort * share(e(m), se)
                        + w.feasibility * share(f(m), sf))
                        / wsum
                } else {
                    0.0
                };
                let mut cap = if rules.caps { f64::from(m.cap[k]) } else { f64::INFINITY };
                if let Some(rho) = rho {
                    let limit = (rho * f64::from(m.population) / 1000.0).floor();
                    cap = cap.min((limit - f64::from(task[i])).max(0.0));
                }
                Entry { counted: counted[i][k], task: task[i], eligible: eligible[i], key, cap, region: m.region }
            })
            .collect();
        (entries, target, shortfall)
    }

    /// Whether the block has COROP rows (a share set, a shortfall, two or more regions).
    fn has_rows(&self, p: usize, shortfall: u32) -> bool {
        let mut regions: Vec<u8> = self.country.provinces[p].iter().map(|m| m.region).collect();
        regions.sort_unstable();
        regions.dedup();
        self.scenario.constraints.corop_max_share.is_some() && shortfall > 0 && regions.len() >= 2
    }

    /// MODEL.md 3.6 without rows: x = clamp(a t - b, 0, U), t by bisection.
    fn closed_form(&self, entries: &[Entry], target: u32, shortfall: u32) -> Vec<f64> {
        let members: Vec<(f64, f64, f64)> = entries
            .iter()
            .map(|e| {
                if !e.eligible || e.key <= 0.0 {
                    return (0.0, 0.0, 0.0);
                }
                match self.scenario.allocation.mode {
                    AllocationMode::Rest => (e.key, 0.0, e.cap),
                    AllocationMode::Level => (e.key * f64::from(target), f64::from(e.task), e.cap),
                }
            })
            .collect();
        let s = f64::from(shortfall);
        let caps: f64 = members.iter().map(|m| m.2).sum();
        if s == 0.0 {
            return vec![0.0; members.len()];
        }
        if caps <= s {
            return members.iter().map(|m| m.2).collect();
        }
        let total = |t: f64| members.iter().map(|&(a, b, u)| (a * t - b).clamp(0.0, u)).sum::<f64>();
        let (mut lo, mut hi) = (0.0, 1.0);
        while total(hi) < s {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if total(mid) < s {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        members.iter().map(|&(a, b, u)| (a * hi - b).clamp(0.0, u)).collect()
    }
}

/// MODEL.md 3.7: floors, then one place each to the largest fractions (1e-9), ties by the
/// larger key, then the lower code; never above a cap.
fn largest_remainder(exact: &[f64], entries: &[Entry], codes: &[String], places: u32) -> Vec<u32> {
    let values: Vec<f64> = exact
        .iter()
        .zip(entries)
        .map(|(&x, e)| {
            let x = x.max(0.0);
            let x = if (x - x.round()).abs() < 1e-6 { x.round() } else { x };
            x.min(e.cap)
        })
        .collect();
    let mut out: Vec<u32> = values.iter().map(|v| v.floor() as u32).collect();
    let mut remaining = places.saturating_sub(out.iter().sum());
    let fraction: Vec<i64> = values.iter().map(|v| ((v - v.floor()) * 1e9).round() as i64).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| {
        // Keys at 1e-12 (the program's documented resolution): equal shares computed along
        // different sums are equal, and the code decides.
        let key = |k: f64| (k * 1e12).round() as i64;
        fraction[j].cmp(&fraction[i]).then(key(entries[j].key).cmp(&key(entries[i].key))).then(codes[i].cmp(&codes[j]))
    });
    for i in order {
        if remaining == 0 {
            break;
        }
        if f64::from(out[i]) < entries[i].cap {
            out[i] += 1;
            remaining -= 1;
        }
    }
    out
}

fn results<'s>(sol: &'s Solution, province: &str, k: usize) -> Vec<&'s spreiding_solver::solve::MunicipalityResult> {
    let c = Commodity::ALL[k];
    sol.municipalities.iter().filter(|m| m.province.as_str() == province && m.commodity == c).collect()
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    /// P1, P2, P3, P4 and the allocation itself, against the reference, on the default path.
    #[test]
    fn generated_countries_on_the_default_path_follow_model_md(country in country(), scenario in scenario()) {
        let dataset = spreiding_solver::io::build_dataset(parts(&country)).unwrap();
        let prepared = spreiding_solver::io::prepare(&scenario, &dataset).unwrap();
        let sol = solve(&prepared, &scenario).unwrap();
        let reference = Reference::new(&country, &scenario);
        let mut lp = scenario.clone();
        lp.allocation.method = Method::Lp;
        let lp_sol = solve(&prepared, &lp).unwrap();
        for p in 0..country.provinces.len() {
            let code = format!("PV{}", 20 + p);
            for k in 0..2 {
                let (entries, target, shortfall) = reference.block(p, k);
                let rs = results(&sol, &code, k);
                let b = sol.block(&ProvinceCode::parse(&code).unwrap(), Commodity::ALL[k]).unwrap();
                let codes: Vec<String> = rs.iter().map(|m| m.code.to_string()).collect();
                // P3: counted places as MODEL.md counts them, never reduced.
                for (m, e) in rs.iter().zip(&entries) {
                    prop_assert_eq!(m.counted, e.counted, "{} counted", m.code);
                    prop_assert_eq!(m.above_task, e.counted - e.task, "{} above its task", m.code);
                    prop_assert_eq!(m.obligation, e.task + m.allocated + m.beyond_cap);
                }
                prop_assert_eq!(b.target, target);
                prop_assert_eq!(b.shortfall, shortfall);
                // P1: whole places add up; missing only when the caps (or rows) cannot take it.
                let sum: u32 = rs.iter().map(|m| m.allocated).sum();
                prop_assert_eq!(sum, b.allocated);
                prop_assert_eq!(sum + b.missing, shortfall, "{} {}", code, k);
                // P2: bounds; nothing for the ineligible or a zero key.
                for (m, e) in rs.iter().zip(&entries) {
                    prop_assert!(f64::from(m.allocated) <= e.cap, "{} {} > cap {}", m.code, m.allocated, e.cap);
                    prop_assert!(m.exact >= -1e-9 && m.exact <= e.cap + 1e-6);
                    if !e.eligible || e.key <= 0.0 {
                        prop_assert_eq!(m.allocated, 0, "{} ineligible", m.code);
                    }
                    let key = m.key.map_or(0.0, |k| k.key);
                    prop_assert!((key - e.key).abs() < 1e-9, "{} key {} vs {}", m.code, key, e.key);
                }
                // The allocation: the closed form (no rows), or the LP's answer (rows).
                if reference.has_rows(p, shortfall) {
                    let share = scenario.constraints.corop_max_share.unwrap();
                    for g in 0..3u8 {
                        let in_region: f64 = rs.iter().zip(&entries).filter(|(_, e)| e.region == g).map(|(m, _)| m.exact).sum();
                        prop_assert!(in_region <= share * f64::from(shortfall) + 1e-6 * (1.0 + f64::from(shortfall)), "{} region {} takes {}", code, g, in_region);
                    }
                    let ls = results(&lp_sol, &code, k);
                    for (a, l) in rs.iter().zip(&ls) {
                        prop_assert!((a.exact - l.exact).abs() <= 1e-6 * (1.0 + f64::from(shortfall)), "{}: auto {} lp {}", a.code, a.exact, l.exact);
                        prop_assert_eq!(a.allocated, l.allocated, "{}", a.code);
                    }
                } else {
                    let exact = reference.closed_form(&entries, target, shortfall);
                    for (m, x) in rs.iter().zip(&exact) {
                        prop_assert!((m.exact - x).abs() <= 1e-6 * (1.0 + f64::from(shortfall)), "{} {}: {} vs {}", m.code, k, m.exact, x);
                    }
                    let caps: f64 = entries.iter().filter(|e| e.eligible && e.key > 0.0).map(|e| e.cap).sum();
                    let placed = if caps < f64::from(shortfall) { caps as u32 } else { shortfall };
                    prop_assert_eq!(b.missing, shortfall - placed);
                    prop_assert_eq!(b.status == Status::Infeasible, placed < shortfall);
                    let whole = largest_remainder(&exact, &entries, &codes, placed);
                    let got: Vec<u32> = rs.iter().map(|m| m.allocated).collect();
                    prop_assert_eq!(got, whole, "{} {}", code, k);
                }
                // P4: twins get the same exact allocation and whole places at most one apart.
                if let Some((a, t)) = twins(&country, p) {
                    prop_assert!((rs[a].exact - rs[t].exact).abs() <= 1e-7 * (1.0 + rs[a].exact), "twins {} {}", rs[a].exact, rs[t].exact);
                    prop_assert!(rs[a].allocated.abs_diff(rs[t].allocated) <= 1);
                }
            }
        }
    }
}

/// The generators do make the cases the properties are about: ties, exact fills, infeasible
/// provinces, COROP rows, shared locations and every counting outcome (checked over a fixed
/// sample, so that a change to the generators that loses them fails here).
#[test]
fn the_generated_countries_cover_the_hard_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ties, mut exact_fills, mut infeasible, mut rows, mut shared, mut late, mut dropped, mut above) =
        (0, 0, 0, 0, 0, 0, 0, 0);
    for _ in 0..300 {
        let country = country().new_tree(&mut runner).unwrap().current();
        let scenario = scenario().new_tree(&mut runner).unwrap().current();
        let r = Reference::new(&country, &scenario);
        for p in 0..country.provinces.len() {
            for k in 0..2 {
                let (entries, _, shortfall) = r.block(p, k);
                let keys: Vec<f64> = entries.iter().filter(|e| e.key > 0.0).map(|e| e.key).collect();
                ties += usize::from((1..keys.len()).any(|i| keys[..i].contains(&keys[i])));
                let caps: f64 = entries.iter().filter(|e| e.eligible && e.key > 0.0).map(|e| e.cap).sum();
                exact_fills += usize::from(shortfall > 0 && caps == f64::from(shortfall));
                infeasible += usize::from(caps < f64::from(shortfall));
                rows += usize::from(r.has_rows(p, shortfall));
                above += entries.iter().filter(|e| e.task < e.counted).count();
            }
            for m in &country.provinces[p] {
                shared += m.locations.iter().filter(|l| l.shared).count();
                late += m.locations.iter().filter(|l| l.opens > COUNTING_DATE && r.counts(l)).count();
                dropped += m.locations.iter().filter(|l| !r.counts(l)).count();
            }
        }
    }
    for (what, n) in [
        ("equal keys", ties),
        ("caps that take the shortfall exactly", exact_fills),
        ("infeasible blocks", infeasible),
        ("blocks with COROP rows", rows),
        ("shared locations", shared),
        ("late locations that count", late),
        ("locations that do not count", dropped),
        ("municipalities whose places above the task are left out", above),
    ] {
        assert!(n >= 10, "only {n} cases of {what} in 300 countries");
    }
}
