//! Objections (*bezwaar*) replayed: what a municipality's number would be if its data were
//! corrected, and whose numbers would change.
//!
//! A [`Claim`] corrects the data set the scenario runs on (locations, caps, scores, exclusions,
//! effort years; never a province's target). The whole country is solved again with the
//! correction, as the law prescribes (a province's shortfall is divided again), and compared
//! with the solution without it: the objector's figures before and after per commodity, and
//! per province and commodity every municipality whose number changes. The changes of the
//! assigned places in a province add up to the change of its assigned total (its shortfall when
//! the caps take it), so a text can say who absorbs a correction.
//!
//! Several claims are also replayed together. Claims that correct the same thing (the same
//! location, the same field of a municipality, the same effort year) are refused as
//! conflicting: their combined effect would depend on their order. For the others, applying
//! them one by one gives the same result in every order; [`replay`] checks it (every order for
//! up to five claims, else every rotation and its reverse) and reports it.

pub mod dutch;

use crate::explain::dutch::{override_lines, OverrideLine};
use crate::io::{apply_overrides, InputError, Problem, Problems};
use crate::keys::Standing;
use crate::model::{Claim, Commodity, Dataset, MunicipalityCode, Overrides, ProvinceCode, Scenario};
use crate::report::results::ProvinceRecord;
use crate::solve::{solve, MunicipalityResult, Reason, Solution, SolveError, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// One municipality's figures for one commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Counted places C_m.
    pub counted: u32,
    /// Whether it may receive additional places.
    pub eligible: bool,
    /// Eligibility in full (the reason when not eligible).
    pub standing: Standing,
    /// Its key (eligible municipalities only).
    pub key: Option<f64>,
    /// Its cap on additional places in force (`None`: no cap).
    pub cap: Option<u32>,
    /// The exact (real-valued) allocation.
    pub exact: f64,
    /// Whole places assigned (within the cap, plus beyond it in an elastic infeasible province).
    pub allocated: u32,
    /// Counted plus assigned.
    pub obligation: u32,
    /// Why.
    pub reason: Reason,
}

impl Figures {
    fn of(r: &MunicipalityResult) -> Self {
        Figures {
            counted: r.counted,
            eligible: r.standing.is_eligible(),
            standing: r.standing.clone(),
            key: r.key.map(|k| k.key),
            cap: r.cap,
            exact: r.exact,
            allocated: r.allocated + r.beyond_cap,
            obligation: r.obligation,
            reason: r.reason,
        }
    }
}

/// The objector's figures for one commodity, before and after the correction.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectorLine {
    /// Commodity.
    pub commodity: Commodity,
    /// Without the correction.
    pub before: Figures,
    /// With it.
    pub after: Figures,
}

/// One municipality whose numbers change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MunicipalityChange {
    /// Code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Counted places before and after.
    pub counted: [u32; 2],
    /// Assigned places before and after.
    pub allocated: [u32; 2],
    /// Obligation before and after.
    pub obligation: [u32; 2],
    /// Change of the assigned places (after minus before).
    pub allocated_change: i64,
    /// Change of the obligation (after minus before).
    pub obligation_change: i64,
}

/// A province and commodity in which something changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockChange {
    /// Province code.
    pub province: ProvinceCode,
    /// Province name.
    pub province_name: String,
    /// Commodity.
    pub commodity: Commodity,
    /// Before the correction.
    pub before: ProvinceRecord,
    /// After it.
    pub after: ProvinceRecord,
    /// Every municipality whose counted, assigned or obligation changes, by code.
    pub changes: Vec<MunicipalityChange>,
    /// Sum of the changes of the assigned places: equal to the change of the province's
    /// assigned total (within the caps and beyond them: `after.assigned() - before.assigned()`).
    pub allocated_change: i64,
    /// Change of the shortfall.
    pub shortfall_change: i64,
}

/// What a correction does, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The claim corrects no data.
    NoCorrections,
    /// The corrected data do not enter the calculation: every input and result stays the same
    /// (e.g. a location that does not count either way, a score whose weight is 0).
    NothingEntersCalculation,
    /// The province's report closes before and after for both commodities: nothing is divided,
    /// and the correction changes no number.
    ProvinceCloses,
    /// Exact values change, but no whole number.
    NoWholeChange,
    /// Numbers change.
    Changes,
}

/// The outcome of one claim, or of several together.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// The claims' sources.
    pub claims: Vec<String>,
    /// The corrections, described, in the order applied.
    pub corrections: Vec<OverrideLine>,
    /// What they do.
    pub effect: Effect,
    /// True when some number changes (counted, assigned or obligation of some municipality).
    pub changes_anything: bool,
    /// The national effort ratio before and after (it changes with an effort correction and
    /// moves every municipality's relative effort a little).
    pub national_effort_ratio: [f64; 2],
    /// The provinces and commodities in which some number changes.
    pub provinces: Vec<BlockChange>,
}

/// One claim replayed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimOutcome {
    /// The claim's source.
    pub source: String,
    /// The objecting municipality.
    pub municipality: MunicipalityCode,
    /// Its name.
    pub name: String,
    /// Its province.
    pub province: ProvinceCode,
    /// Its province's name.
    pub province_name: String,
    /// The grounds as given.
    pub grounds: String,
    /// The objector's figures per commodity.
    pub objector: Vec<ObjectorLine>,
    /// The outcome.
    pub outcome: Outcome,
}

/// All claims replayed together.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Combined {
    /// The outcome of all corrections together.
    pub outcome: Outcome,
    /// The objectors' figures (each objecting municipality once, in claim order).
    pub objectors: Vec<ObjectorLine>,
    /// The objectors, by code, with their lines in `objectors` (two per objector).
    pub objector_codes: Vec<MunicipalityCode>,
    /// Orders of application checked.
    pub orders_checked: u64,
    /// Orders there are (n!).
    pub orders_total: u64,
    /// True when every order checked gave the same solution as all corrections at once.
    pub order_independent: bool,
}

/// The replay of a set of claims on a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replay {
    /// Scenario name.
    pub scenario: String,
    /// The data set's label.
    pub dataset: String,
    /// Cycle id.
    pub cycle: String,
    /// Each claim on its own.
    pub claims: Vec<ClaimOutcome>,
    /// All claims together (two or more claims).
    pub combined: Option<Combined>,
}

/// Why claims cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Bad or conflicting claims.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The allocation failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
}

/// What a correction touches, for the conflict check: two claims touching the same thing
/// cannot be applied in any order with the same result.
fn touched(o: &Overrides) -> Vec<(String, &crate::model::Origin)> {
    let mut out = Vec::new();
    for m in &o.municipalities {
        if m.cap.regular.is_some() {
            out.push((format!("the regular cap of {}", m.code), &m.origin));
        }
        if m.cap.amv.is_some() {
            out.push((format!("the AMV cap of {}", m.code), &m.origin));
        }
        if m.score.is_some() {
            out.push((format!("the feasibility score of {}", m.code), &m.origin));
        }
        if m.excluded.is_some() {
            out.push((format!("the exclusion of {}", m.code), &m.origin));
        }
    }
    for l in &o.locations {
        // Shares of one location are checked against its total together: a location is one thing.
        out.push((format!("location {}", l.location_id), &l.origin));
    }
    for e in &o.effort {
        out.push((format!("the effort of {} in {}", e.municipality, e.year), &e.origin));
    }
    out
}

/// Refuses claims that correct the same thing, naming both places.
pub fn check_conflicts(claims: &[Claim]) -> Result<(), InputError> {
    let mut problems = Problems::default();
    let mut seen: BTreeMap<String, (usize, &crate::model::Origin)> = BTreeMap::new();
    for (k, c) in claims.iter().enumerate() {
        for (what, origin) in touched(&c.corrections) {
            match seen.get(&what) {
                Some((first, o)) if *first != k => problems.push(Problem::at(
                    &origin.source,
                    Some(origin.line),
                    Some("overrides"),
                    format!(
                        "corrects {what}, which {}:{} corrects too; the result would depend on the order of the claims: decide on them in one claim file",
                        o.source, o.line
                    ),
                )),
                Some(_) => {}
                None => {
                    seen.insert(what, (k, origin));
                }
            }
        }
    }
    problems.into_result(())
}

fn block_figures(s: &Solution, p: &ProvinceCode, c: Commodity) -> Option<ProvinceRecord> {
    s.block(p, c).map(ProvinceRecord::from)
}

/// What of a municipality's result enters its number: counted places, standing, key, cap and
/// the exact and whole allocation (not the key's components, which a weight of 0 leaves out).
#[derive(PartialEq)]
struct Entering {
    counted: u32,
    eligible: bool,
    key: Option<u64>,
    cap: Option<u32>,
    exact: u64,
    allocated: u32,
    beyond_cap: u32,
    reason: Reason,
}

fn enters(r: &MunicipalityResult) -> Entering {
    Entering {
        counted: r.counted,
        eligible: r.standing.is_eligible(),
        key: r.key.map(|k| k.key.to_bits()),
        cap: r.cap,
        exact: r.exact.to_bits(),
        allocated: r.allocated,
        beyond_cap: r.beyond_cap,
        reason: r.reason,
    }
}

/// Compares two solutions of the same data set's municipalities.
fn outcome(
    base: &Dataset,
    after_data: &Dataset,
    before: &Solution,
    after: &Solution,
    claims: Vec<String>,
    corrections: &Overrides,
) -> Outcome {
    let mut provinces = Vec::new();
    let mut exact_differs = false;
    for (bb, ab) in before.provinces.iter().zip(&after.provinces) {
        let mut changes = Vec::new();
        let rows = |s: &'_ Solution| -> Vec<MunicipalityResult> {
            s.municipalities.iter().filter(|r| r.province == bb.code && r.commodity == bb.commodity).cloned().collect()
        };
        for (b, a) in rows(before).iter().zip(rows(after).iter()) {
            if enters(b) != enters(a) {
                exact_differs = true;
            }
            let (ba, aa) = (b.allocated + b.beyond_cap, a.allocated + a.beyond_cap);
            if b.counted != a.counted || ba != aa || b.obligation != a.obligation {
                changes.push(MunicipalityChange {
                    code: b.code,
                    name: base.municipalities()[b.municipality].name.clone(),
                    counted: [b.counted, a.counted],
                    allocated: [ba, aa],
                    obligation: [b.obligation, a.obligation],
                    allocated_change: i64::from(aa) - i64::from(ba),
                    obligation_change: i64::from(a.obligation) - i64::from(b.obligation),
                });
            }
        }
        if (bb.shortfall, bb.allocated, bb.missing, bb.status, bb.level.map(f64::to_bits))
            != (ab.shortfall, ab.allocated, ab.missing, ab.status, ab.level.map(f64::to_bits))
        {
            exact_differs = true;
        }
        let (Some(fb), Some(fa)) =
            (block_figures(before, &bb.code, bb.commodity), block_figures(after, &bb.code, bb.commodity))
        else {
            continue;
        };
        if changes.is_empty() && fb == fa {
            continue;
        }
        provinces.push(BlockChange {
            province: bb.code,
            province_name: base.provinces()[bb.province].name.clone(),
            commodity: bb.commodity,
            allocated_change: changes.iter().map(|c| c.allocated_change).sum(),
            shortfall_change: i64::from(fa.shortfall) - i64::from(fb.shortfall),
            before: fb,
            after: fa,
            changes,
        });
    }
    let ratio = [base.national_effort_ratio(), after_data.national_effort_ratio()];
    let changes_anything = !provinces.is_empty();
    let effect = if corrections.is_empty() {
        Effect::NoCorrections
    } else if changes_anything {
        Effect::Changes
    } else if exact_differs {
        Effect::NoWholeChange
    } else {
        Effect::NothingEntersCalculation
    };
    Outcome {
        claims,
        corrections: override_lines(base, corrections),
        effect,
        changes_anything,
        national_effort_ratio: ratio,
        provinces,
    }
}

fn objector_lines(code: &MunicipalityCode, before: &Solution, after: &Solution) -> Vec<ObjectorLine> {
    Commodity::ALL
        .iter()
        .filter_map(|&c| {
            Some(ObjectorLine {
                commodity: c,
                before: Figures::of(before.municipality(code, c)?),
                after: Figures::of(after.municipality(code, c)?),
            })
        })
        .collect()
}

/// True when the objector's province closes for both commodities, before and after.
fn closes_throughout(p: &ProvinceCode, before: &Solution, after: &Solution) -> bool {
    Commodity::ALL
        .iter()
        .all(|&c| [before, after].iter().all(|s| s.block(p, c).is_some_and(|b| b.status == Status::Closes)))
}

/// Every permutation of `0..n` for n <= 5; else the n rotations and their reverses.
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n <= 5 {
        let mut out = Vec::new();
        let mut current: Vec<usize> = (0..n).collect();
        permute(&mut current, 0, &mut out);
        out
    } else {
        let mut out = Vec::new();
        for r in 0..n {
            let rotation: Vec<usize> = (0..n).map(|k| (k + r) % n).collect();
            let mut reversed = rotation.clone();
            reversed.reverse();
            out.push(rotation);
            out.push(reversed);
        }
        out
    }
}

fn permute(v: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k == v.len() {
        out.push(v.clone());
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        permute(v, k + 1, out);
        v.swap(k, i);
    }
}

fn factorial(n: usize) -> u64 {
    (1..=n as u64).try_fold(1u64, u64::checked_mul).unwrap_or(u64::MAX)
}

/// Replays claims on a scenario: `dataset` is the data set the scenario runs on (its overrides
/// applied), `solution` its solution. Claims that correct the same thing are refused.
pub fn replay(
    dataset: &Dataset,
    scenario: &Scenario,
    solution: &Solution,
    claims: &[Claim],
) -> Result<Replay, ReplayError> {
    check_conflicts(claims)?;
    let mut outcomes = Vec::with_capacity(claims.len());
    for c in claims {
        let corrected = apply_overrides(dataset, &c.corrections)?;
        let after = solve(&corrected, scenario)?;
        let i = dataset.municipality_index(&c.municipality).ok_or_else(|| {
            InputError::single(Problem::at(
                &c.source,
                None,
                Some("municipality"),
                format!("{} is not in the data set", c.municipality),
            ))
        })?;
        let m = &dataset.municipalities()[i];
        let province = &dataset.provinces()[m.province];
        let mut o = outcome(dataset, &corrected, solution, &after, vec![c.source.clone()], &c.corrections);
        if !o.changes_anything && !c.corrections.is_empty() && closes_throughout(&province.code, solution, &after) {
            o.effect = Effect::ProvinceCloses;
        }
        outcomes.push(ClaimOutcome {
            source: c.source.clone(),
            municipality: m.code,
            name: m.name.clone(),
            province: province.code,
            province_name: province.name.clone(),
            grounds: c.grounds.clone(),
            objector: objector_lines(&m.code, solution, &after),
            outcome: o,
        });
    }
    let combined = if claims.len() >= 2 {
        let all = claims.iter().fold(Overrides::default(), |acc, c| acc.then(&c.corrections));
        let corrected = apply_overrides(dataset, &all)?;
        let after = solve(&corrected, scenario)?;
        let orders = orders(claims.len());
        let mut independent = true;
        for order in &orders {
            let mut d = dataset.clone();
            for &k in order {
                d = apply_overrides(&d, &claims[k].corrections)?;
            }
            if solve(&d, scenario)? != after {
                independent = false;
            }
        }
        let mut codes: Vec<MunicipalityCode> = Vec::new();
        for c in claims {
            if !codes.contains(&c.municipality) {
                codes.push(c.municipality);
            }
        }
        let objectors = codes.iter().flat_map(|code| objector_lines(code, solution, &after)).collect();
        let o = outcome(dataset, &corrected, solution, &after, claims.iter().map(|c| c.source.clone()).collect(), &all);
        Some(Combined {
            outcome: o,
            objectors,
            objector_codes: codes,
            orders_checked: orders.len() as u64,
            orders_total: factorial(claims.len()),
            order_independent: independent,
        })
    } else {
        None
    };
    Ok(Replay {
        scenario: scenario.name.clone(),
        dataset: dataset.label().to_owned(),
        cycle: dataset.cycle().id.clone(),
        claims: outcomes,
        combined,
    })
}
