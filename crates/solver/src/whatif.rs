//! Counterfactuals: what would have to be different for a municipality's number to change.
//!
//! Per municipality and commodity ([`WhatIf`]), each figure computed by re-solving its province
//! (only that block: nothing moves between provinces), with a one-line Dutch sentence:
//!
//! * `places_to_zero`: the smallest number n of additional counted places (one new location
//!   in the municipality, everything else unchanged) at which it is assigned no places. The
//!   exact allocation falls as its counted places rise (MODEL.md P5), so a bisection finds the
//!   first n at which the exact value is below one place; from there every n is solved in turn
//!   until the rounded number is 0 (rounding alone can still give it one place). At n = S_p the
//!   province closes, so the search ends. By construction the number is 0 at n and positive at
//!   n - 1.
//! * `places_to_close`: the additional counted places at which its province's report closes:
//!   the shortfall S_p, wherever they are counted.
//! * `cap_binding`: the cap value below which a cap binds for it: its exact allocation, or, if
//!   its cap binds now, the exact allocation it would get with that cap lifted (its key kept).
//!   For any cap U < t the leximin solution has x_m = U; for U >= t the current solution stays
//!   optimal.
//! * `weight_ranges`: per weight w_j, the interval [low, high] of values of its normalised
//!   weight (the other two scaled to keep their ratio; equal halves when both are 0) over which
//!   the municipality's rounded number stays what it is. The province is solved on a grid of
//!   [`GRID`] + 1 values of w_j; from the current value outwards, the first grid value with a
//!   different number brackets the end, which bisection narrows to below 1e-11. `outside_low`
//!   and `outside_high` are the points just outside where the number differs (none where the
//!   interval reaches 0 or 1). A change that comes and goes between two neighbouring grid
//!   values (narrower than 1/[`GRID`]) is not seen; this is the one approximation here.
//!
//! At province level ([`ProvinceWhatIf`]): the shortfall, the places to close it, and the
//! shortfall under the other counting rules (intentions counted, no bridging requirement).

use crate::counting::{counted_places, CountingContext};
use crate::model::{Commodity, Dataset, MunicipalityCode, ProvinceCode, Scenario, Weights};
use crate::nl::{dec, int, places};
use crate::solve::{Frame, MunicipalityResult, Reason, Solution, SolveError, SolveInputs, Status};
use rayon::prelude::*;
use serde::Serialize;

/// Grid steps per unit of a weight.
pub const GRID: u32 = 200;
/// Bisection steps within a grid cell (1/200 / 2^31 < 1e-11).
const BISECTION: u32 = 31;
/// The exact value at or above which a municipality surely keeps a place after rounding.
const SURELY_WHOLE: f64 = 1.0 + 1e-6;

/// A value and its one-line Dutch sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figure<T> {
    /// The value (`None` where the question does not arise; the text says why).
    pub value: Option<T>,
    /// The sentence.
    pub text: String,
}

/// The interval of one weight over which a municipality's number stays the same.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightRange {
    /// The normalised weight now.
    pub current: f64,
    /// Lowest value with the same number.
    pub low: f64,
    /// Highest value with the same number.
    pub high: f64,
    /// A value just below `low` where the number differs (none when `low` is 0).
    pub outside_low: Option<f64>,
    /// A value just above `high` where the number differs (none when `high` is 1).
    pub outside_high: Option<f64>,
    /// The number (whole places assigned) over the interval.
    pub allocated: u32,
}

/// The three weights' intervals.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightRanges {
    /// Weight of the indicative share.
    pub indicative: Figure<WeightRange>,
    /// Weight of the effort share.
    pub effort: Figure<WeightRange>,
    /// Weight of the feasibility share.
    pub feasibility: Figure<WeightRange>,
}

/// The counterfactuals of one municipality and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhatIf {
    /// Additional counted places at which it is assigned nothing.
    pub places_to_zero: Figure<u32>,
    /// Additional counted places at which its province's report closes.
    pub places_to_close: Figure<u32>,
    /// The cap below which a cap binds for it.
    pub cap_binding: Figure<f64>,
    /// The weights' intervals.
    pub weight_ranges: WeightRanges,
}

/// A municipality's counterfactuals, with what they are of.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MunicipalityWhatIf {
    /// Code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Province code.
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// Whole places assigned now.
    pub allocated: u32,
    /// The counterfactuals.
    pub what_if: WhatIf,
}

/// The shortfall under other counting rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountingAlternative {
    /// `count_intentions`, `no_bridging_requirement` or both (`+`).
    pub rules: String,
    /// Counted places of the province under them.
    pub counted: u64,
    /// The shortfall under them.
    pub shortfall: u32,
    /// The sentence.
    pub text: String,
}

/// A province's counterfactuals for one commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceWhatIf {
    /// Province code.
    pub province: ProvinceCode,
    /// Name.
    pub name: String,
    /// Commodity.
    pub commodity: Commodity,
    /// The task.
    pub target: u32,
    /// Counted places.
    pub counted: u64,
    /// The shortfall.
    pub shortfall: u32,
    /// Additional counted places at which the report closes.
    pub places_to_close: Figure<u32>,
    /// The shortfall under the counting rules the scenario does not use.
    pub counting: Vec<CountingAlternative>,
}

fn assigned(r: &MunicipalityResult) -> u32 {
    r.allocated + r.beyond_cap
}

/// One province and commodity of a solved scenario, re-solved with changes.
struct Block<'a> {
    frame: &'a Frame<'a>,
    dataset: &'a Dataset,
    scenario: &'a Scenario,
    inputs: &'a SolveInputs,
    province: usize,
    commodity: Commodity,
    /// The base results of the members, in member order.
    base: Vec<MunicipalityResult>,
    shortfall: u32,
}

impl Block<'_> {
    fn solve_with(&self, inputs: &SolveInputs) -> Result<Vec<MunicipalityResult>, SolveError> {
        Ok(self.frame.block(self.scenario, inputs, self.province, self.commodity)?.1)
    }

    /// Member `j` with `n` more counted places: (exact, assigned).
    fn with_places(&self, j: usize, n: u32) -> Result<(f64, u32), SolveError> {
        let i = self.base[j].municipality;
        let mut inputs = self.inputs.clone();
        let c = inputs.counted[i].get_mut(self.commodity);
        *c = c.saturating_add(n);
        let r = self.solve_with(&inputs)?;
        Ok((r[j].exact, assigned(&r[j])))
    }

    fn places_to_zero(&self, j: usize) -> Result<Option<u32>, SolveError> {
        if assigned(&self.base[j]) == 0 || self.shortfall == 0 {
            return Ok(None);
        }
        let s = self.shortfall;
        if self.scenario.constraints.minimum_rule(self.commodity).is_some() {
            // With a minimum size the number drops to 0 before the exact value does: bisect on
            // the whole number itself (n = s closes the province: 0), then step back while the
            // number stays 0 (near the minimum it need not fall monotonically).
            let (mut lo, mut hi) = (0, s);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if self.with_places(j, mid)?.1 > 0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            while hi > 1 && self.with_places(j, hi - 1)?.1 == 0 {
                hi -= 1;
            }
            return Ok(Some(hi));
        }
        // First n whose exact value is below SURELY_WHOLE (n = s closes the province: exact 0).
        let mut first = 1;
        if self.with_places(j, 1)?.0 >= SURELY_WHOLE {
            let (mut lo, mut hi) = (1, s);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if self.with_places(j, mid)?.0 >= SURELY_WHOLE {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            first = hi;
        }
        for n in first..=s {
            if self.with_places(j, n)?.1 == 0 {
                return Ok(Some(n));
            }
        }
        Ok(Some(s))
    }

    fn cap_binding(&self, j: usize) -> Result<Option<f64>, SolveError> {
        let r = &self.base[j];
        match r.reason {
            Reason::Capped | Reason::InfeasibleCapped => {
                self.frame.exact_without_cap(self.scenario, self.inputs, self.province, self.commodity, r.municipality)
            }
            Reason::Interior | Reason::Limited if r.exact > 0.0 => Ok(Some(r.exact)),
            _ => Ok(None),
        }
    }

    /// Every member's assigned places with weight `which` at `v`.
    fn at_weight(&self, which: usize, v: f64) -> Result<Vec<u32>, SolveError> {
        let mut scenario = self.scenario.clone();
        scenario.allocation.weights = weights_at(&self.scenario.allocation.weights, which, v);
        let r = self.frame.block(&scenario, self.inputs, self.province, self.commodity)?.1;
        Ok(r.iter().map(assigned).collect())
    }

    /// The grid of weight `which`: (v, every member's assigned places).
    fn grid(&self, which: usize) -> Result<Vec<(f64, Vec<u32>)>, SolveError> {
        (0..=GRID).map(|g| f64::from(g) / f64::from(GRID)).map(|v| Ok((v, self.at_weight(which, v)?))).collect()
    }

    fn range(&self, which: usize, j: usize, grid: &[(f64, Vec<u32>)]) -> Result<WeightRange, SolveError> {
        let current = weight_of(&self.scenario.allocation.weights.normalised(), which);
        let f0 = assigned(&self.base[j]);
        let bisect = |mut same: f64, mut other: f64| -> Result<(f64, f64), SolveError> {
            for _ in 0..BISECTION {
                let mid = 0.5 * (same + other);
                if self.at_weight(which, mid)?[j] == f0 {
                    same = mid;
                } else {
                    other = mid;
                }
            }
            Ok((same, other))
        };
        let (mut high, mut outside_high) = (1.0, None);
        let mut prev = current;
        for (v, vals) in grid.iter().filter(|(v, _)| *v > current) {
            if vals[j] != f0 {
                let (s, o) = bisect(prev, *v)?;
                (high, outside_high) = (s, Some(o));
                break;
            }
            prev = *v;
        }
        let (mut low, mut outside_low) = (0.0, None);
        let mut prev = current;
        for (v, vals) in grid.iter().rev().filter(|(v, _)| *v < current) {
            if vals[j] != f0 {
                let (s, o) = bisect(prev, *v)?;
                (low, outside_low) = (s, Some(o));
                break;
            }
            prev = *v;
        }
        Ok(WeightRange { current, low, high, outside_low, outside_high, allocated: f0 })
    }
}

fn weight_of(w: &Weights, which: usize) -> f64 {
    [w.indicative, w.effort, w.feasibility][which]
}

/// The weights with normalised weight `which` set to `v` and the other two scaled to keep
/// their ratio (equal halves when both are 0).
pub fn weights_at(w: &Weights, which: usize, v: f64) -> Weights {
    let n = w.normalised();
    let mut a = [n.indicative, n.effort, n.feasibility];
    let rest: f64 = (0..3).filter(|&k| k != which).map(|k| a[k]).sum();
    for k in (0..3).filter(|&k| k != which) {
        a[k] = if rest > 0.0 { a[k] / rest * (1.0 - v) } else { 0.5 * (1.0 - v) };
    }
    a[which] = v;
    Weights { indicative: a[0], effort: a[1], feasibility: a[2] }
}

const WEIGHT_NAMES: [&str; 3] = ["het indicatieve aandeel", "de inzet", "de haalbaarheid"];

/// The computed values of one municipality, before they are put in words.
struct Values {
    zero: Option<u32>,
    shortfall: u32,
    cap: Option<f64>,
    ranges: [WeightRange; 3],
    caps_enforced: bool,
}

fn sentences(name: &str, c: Commodity, province_name: &str, r: &MunicipalityResult, values: Values) -> WhatIf {
    let Values { zero, shortfall, cap, ranges, caps_enforced } = values;
    let p = places(c);
    let a = assigned(r);
    let places_to_zero = Figure {
        value: zero,
        text: match zero {
            Some(n) => format!(
                "Met {} extra getelde {p} (een nieuwe locatie in {name}, verder alles gelijk) krijgt {name} geen extra {p} meer toegewezen; met één minder nog wel (nu {}).",
                int(u64::from(n)),
                int(u64::from(a))
            ),
            None => format!("{name} krijgt al geen extra {p} toegewezen."),
        },
    };
    let places_to_close = Figure {
        value: (shortfall > 0).then_some(shortfall),
        text: if shortfall > 0 {
            format!(
                "Met {} extra getelde {p} in de provincie {province_name}, waar ook, sluit haar verslag.",
                int(u64::from(shortfall))
            )
        } else {
            format!("Het verslag van de provincie {province_name} sluit al voor {p}.")
        },
    };
    let cap_text = match (cap, r.cap, r.reason) {
        (None, _, _) => format!("{name} krijgt geen extra {p}; geen maximum bindt."),
        (Some(t), Some(u), Reason::Capped | Reason::InfeasibleCapped) => format!(
            "Het maximum van {} bindt: zonder dat maximum kreeg {name} exact {} {p}; een hoger maximum tot die waarde verandert de uitkomst.",
            int(u64::from(u)),
            dec(t, 2)
        ),
        (Some(t), Some(u), _) => format!(
            "Het maximum van {} bindt niet: pas een maximum onder {} (de exacte toewijzing) zou binden; een hoger maximum verandert niets.",
            int(u64::from(u)),
            dec(t, 2)
        ),
        (Some(t), None, _) => format!(
            "Er geldt {}geen maximum; een maximum onder {} (de exacte toewijzing) zou binden.",
            if caps_enforced { "" } else { "in dit scenario " },
            dec(t, 2)
        ),
    };
    let range_figure = |k: usize| {
        let w = ranges[k];
        let mut text = format!(
            "Bij een gewicht voor {} van {} tot {} (nu {}; de andere gewichten in dezelfde verhouding) blijft het aantal van {name} {}",
            WEIGHT_NAMES[k],
            dec(w.low, 4),
            dec(w.high, 4),
            dec(w.current, 4),
            int(u64::from(w.allocated))
        );
        text.push_str(match (w.outside_low, w.outside_high) {
            (None, None) => ", bij elk gewicht.",
            _ => "; daarbuiten verandert het.",
        });
        Figure { value: Some(w), text }
    };
    WhatIf {
        places_to_zero,
        places_to_close,
        cap_binding: Figure { value: cap, text: cap_text },
        weight_ranges: WeightRanges {
            indicative: range_figure(0),
            effort: range_figure(1),
            feasibility: range_figure(2),
        },
    }
}

/// A solved scenario and what re-solving its provinces needs.
struct Base<'a> {
    frame: Frame<'a>,
    dataset: &'a Dataset,
    scenario: &'a Scenario,
    inputs: SolveInputs,
    solution: &'a Solution,
}

impl<'a> Base<'a> {
    fn new(dataset: &'a Dataset, scenario: &'a Scenario, solution: &'a Solution) -> Self {
        Base { frame: Frame::new(dataset), dataset, scenario, inputs: SolveInputs::new(dataset, scenario), solution }
    }
}

/// The counterfactuals of the municipalities of one province and commodity; `only`: just
/// this municipality (by index in the data set).
fn block_what_if(
    base: &Base<'_>,
    province: usize,
    commodity: Commodity,
    only: Option<usize>,
) -> Result<Vec<MunicipalityWhatIf>, SolveError> {
    let Base { frame, dataset, scenario, inputs, solution } = base;
    let (dataset, scenario, solution): (&Dataset, &Scenario, &Solution) = (dataset, scenario, solution);
    let code = dataset.provinces()[province].code;
    let Some(b) = solution.block(&code, commodity) else { return Ok(Vec::new()) };
    let members: Vec<MunicipalityResult> = frame
        .members(province)
        .iter()
        .filter_map(|&i| solution.municipality(&dataset.municipalities()[i].code, commodity).cloned())
        .collect();
    let block = Block { frame, dataset, scenario, inputs, province, commodity, base: members, shortfall: b.shortfall };
    let wanted: Vec<usize> =
        (0..block.base.len()).filter(|&j| only.is_none_or(|i| block.base[j].municipality == i)).collect();
    let grids: Vec<Vec<(f64, Vec<u32>)>> = (0..3).into_par_iter().map(|w| block.grid(w)).collect::<Result<_, _>>()?;
    let province_name = &dataset.provinces()[province].name;
    wanted
        .par_iter()
        .map(|&j| {
            let r = &block.base[j];
            let zero = block.places_to_zero(j)?;
            let cap = block.cap_binding(j)?;
            let ranges = [block.range(0, j, &grids[0])?, block.range(1, j, &grids[1])?, block.range(2, j, &grids[2])?];
            let name = &block.dataset.municipalities()[r.municipality].name;
            Ok(MunicipalityWhatIf {
                code: r.code,
                name: name.clone(),
                province: code,
                commodity,
                allocated: assigned(r),
                what_if: sentences(
                    name,
                    commodity,
                    province_name,
                    r,
                    Values { zero, shortfall: block.shortfall, cap, ranges, caps_enforced: scenario.allocation.caps },
                ),
            })
        })
        .collect()
}

/// Why counterfactuals cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// Not in the data set.
    #[error("unknown municipality {0}: it is not in the data set")]
    UnknownMunicipality(MunicipalityCode),
    /// Not in the data set.
    #[error("unknown province {0}: it is not in the data set")]
    UnknownProvince(ProvinceCode),
    /// A re-solve failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
}

/// The counterfactuals of one municipality and commodity of `solution` (a solution of
/// `scenario` on `dataset`).
pub fn what_if(
    dataset: &Dataset,
    scenario: &Scenario,
    solution: &Solution,
    code: &MunicipalityCode,
    commodity: Commodity,
) -> Result<WhatIf, WhatIfError> {
    let i = dataset.municipality_index(code).ok_or(WhatIfError::UnknownMunicipality(*code))?;
    let base = Base::new(dataset, scenario, solution);
    let p = dataset.municipalities()[i].province;
    let mut all = block_what_if(&base, p, commodity, Some(i))?;
    all.pop().map(|m| m.what_if).ok_or(WhatIfError::UnknownMunicipality(*code))
}

/// The counterfactuals of every municipality and commodity (of one province, if given), in
/// the order of the solution (by code, regular before AMV).
pub fn what_if_all(
    dataset: &Dataset,
    scenario: &Scenario,
    solution: &Solution,
    province: Option<&ProvinceCode>,
) -> Result<Vec<MunicipalityWhatIf>, WhatIfError> {
    let base = Base::new(dataset, scenario, solution);
    let provinces: Vec<usize> = match province {
        Some(code) => vec![dataset.province_index(code).ok_or(WhatIfError::UnknownProvince(*code))?],
        None => (0..dataset.provinces().len()).collect(),
    };
    let blocks: Vec<(usize, Commodity)> =
        provinces.iter().flat_map(|&p| Commodity::ALL.iter().map(move |&c| (p, c))).collect();
    let parts: Vec<Vec<MunicipalityWhatIf>> =
        blocks.par_iter().map(|&(p, c)| block_what_if(&base, p, c, None)).collect::<Result<_, _>>()?;
    let mut all: Vec<MunicipalityWhatIf> = parts.into_iter().flatten().collect();
    all.sort_by_key(|a| (a.code, a.commodity));
    Ok(all)
}

/// The counterfactuals of a province's report, per commodity.
pub fn province_what_if(
    dataset: &Dataset,
    scenario: &Scenario,
    solution: &Solution,
    code: &ProvinceCode,
) -> Result<Vec<ProvinceWhatIf>, WhatIfError> {
    let p = dataset.province_index(code).ok_or(WhatIfError::UnknownProvince(*code))?;
    let province = &dataset.provinces()[p];
    let members = dataset.members_by_province().swap_remove(p);
    let rules = CountingContext::new(dataset, scenario);
    let mut variants: Vec<(String, String, Scenario)> = Vec::new();
    let mut push = |rules_name: &str, text: &str, intentions: bool, bridging: bool| {
        let mut s = scenario.clone();
        s.counting.count_intentions = Some(intentions);
        s.counting.require_bridging = Some(bridging);
        variants.push((rules_name.to_owned(), text.to_owned(), s));
    };
    if !rules.count_intentions {
        push(
            "count_intentions",
            "Als intenties (plaatsen zonder vast besluit) meetellen",
            true,
            rules.require_bridging,
        );
    }
    if rules.require_bridging {
        push(
            "no_bridging_requirement",
            "Als locaties die na de peildatum openen ook zonder overbruggingsopvang meetellen",
            rules.count_intentions,
            false,
        );
    }
    if !rules.count_intentions && rules.require_bridging {
        push("count_intentions+no_bridging_requirement", "Als beide regels zo worden verruimd", true, false);
    }
    let counted_under: Vec<Vec<crate::model::PerCommodity<u32>>> =
        variants.iter().map(|(_, _, s)| counted_places(dataset, &CountingContext::new(dataset, s))).collect();
    Ok(Commodity::ALL
        .iter()
        .filter_map(|&c| {
            let b = solution.block(code, c)?;
            let p_text = places(c);
            let counting = variants
                .iter()
                .zip(&counted_under)
                .map(|((rules_name, text, _), counted)| {
                    // The places that count towards the task (all of them unless the scenario
                    // leaves places above a municipality's task out, MODEL.md 3.2a).
                    let towards = |i: usize| {
                        scenario.allocation.above_task.towards_task(counted[i].of(c), dataset.municipalities[i].indicative.of(c))
                    };
                    let sum: u64 = members.iter().map(|&i| u64::from(towards(i))).sum();
                    let shortfall = b.target.saturating_sub(u32::try_from(sum).unwrap_or(u32::MAX));
                    CountingAlternative {
                        rules: rules_name.clone(),
                        counted: sum,
                        shortfall,
                        text: format!(
                            "{text}, telt de provincie {} {p_text} (nu {}) en is het tekort {} (nu {}); het verslag {}.",
                            int(sum),
                            int(b.counted - b.above_task),
                            int(u64::from(shortfall)),
                            int(u64::from(b.shortfall)),
                            if shortfall == 0 { "sluit dan" } else { "sluit dan niet" }
                        ),
                    }
                })
                .collect();
            Some(ProvinceWhatIf {
                province: *code,
                name: province.name.clone(),
                commodity: c,
                target: b.target,
                counted: b.counted,
                shortfall: b.shortfall,
                places_to_close: Figure {
                    value: (b.status != Status::Closes).then_some(b.shortfall),
                    text: if b.shortfall > 0 {
                        format!(
                            "Met {} extra getelde {p_text}, in welke gemeente ook, sluit het verslag van {}; de gewichten veranderen het tekort niet.",
                            int(u64::from(b.shortfall)),
                            province.name
                        )
                    } else {
                        format!("Het verslag van {} sluit voor {p_text}.", province.name)
                    },
                },
                counting,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Weights, b: [f64; 3]) {
        let got = [a.indicative, a.effort, a.feasibility];
        for (g, e) in got.iter().zip(b) {
            assert!((g - e).abs() < 1e-12, "{got:?} vs {b:?}");
        }
    }

    #[test]
    fn weights_at_keeps_the_others_ratio() {
        let w = |indicative, effort, feasibility| Weights { indicative, effort, feasibility };
        // The others in their ratio.
        close(weights_at(&w(0.6, 0.4, 0.0), 0, 0.5), [0.5, 0.5, 0.0]);
        close(weights_at(&w(2.0, 1.0, 1.0), 2, 0.5), [1.0 / 3.0, 1.0 / 6.0, 0.5]);
        close(weights_at(&w(1.0, 0.0, 0.0), 1, 0.3), [0.7, 0.3, 0.0]);
        // Both others 0: equal halves.
        close(weights_at(&w(1.0, 0.0, 0.0), 0, 0.4), [0.4, 0.3, 0.3]);
        close(weights_at(&w(0.0, 0.0, 3.0), 2, 1.0), [0.0, 0.0, 1.0]);
        // The ends.
        close(weights_at(&w(0.2, 0.3, 0.5), 1, 0.0), [0.2 / 0.7, 0.0, 0.5 / 0.7]);
        close(weights_at(&w(0.2, 0.3, 0.5), 1, 1.0), [0.0, 1.0, 0.0]);
        assert!((weight_of(&w(0.2, 0.3, 0.5), 2) - 0.5).abs() < 1e-15);
        assert!((weight_of(&w(0.2, 0.3, 0.5), 0) - 0.2).abs() < 1e-15);
    }
}
