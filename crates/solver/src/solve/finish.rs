//! One province and commodity after solving: rounding to whole places, the elastic option,
//! and the results with their reasons.

use super::block::{BlockContext, Prepared};
use super::{
    BlockResult, MinimumChange, MinimumEffect, MinimumOutcome, MinimumReport, MunicipalityResult, Reason, Status,
};
use crate::allocate::{minimum, BlockSolution, LpError, MemberOutcome};
use crate::keys::Standing;
use crate::model::limits::WHOLE_TOLERANCE;
use crate::model::{Method, MinimumFallback};
use crate::round;

pub(super) fn finish(
    ctx: &BlockContext<'_>,
    prepared: Prepared,
    sol: &BlockSolution,
) -> Result<(BlockResult, Vec<MunicipalityResult>), LpError> {
    let BlockContext { dataset, scenario, province: p, members: ms, commodity: c, inputs, relative_effort } = *ctx;
    let counted = &inputs.counted;
    let province = &dataset.provinces[p];
    let rules = &scenario.allocation;
    let Prepared {
        target,
        counted_sum,
        towards_task,
        above_task,
        shortfall,
        surplus,
        standings,
        eligible,
        key_sums,
        key_of,
        caps,
        member_of,
        block,
    } = prepared;

    let infeasible = sol.is_infeasible(block.shortfall);
    #[expect(clippy::cast_possible_truncation, reason = "what the caps can take of a u32 shortfall, below it")]
    let rounded_target =
        if infeasible { (sol.allocatable + WHOLE_TOLERANCE).floor().max(0.0) as u32 } else { shortfall };
    let items: Vec<round::Item<'_>> = member_of
        .iter()
        .zip(&sol.x)
        .map(|(&j, &x)| round::Item {
            exact: x,
            cap: caps[j].0.unwrap_or(u32::MAX),
            key: key_of[j].map_or(0.0, |k| k.key),
            code: dataset.municipalities[ms[j]].code.as_str(),
        })
        .collect();
    let steps = round::largest_remainder(rounded_target, &items);
    // A minimum size (and step): the whole places closest to the exact allocation that keep it
    // (crate::allocate::minimum), or the fallback the scenario asks for. Without one the
    // rounding's values are the allocation (`values` is None: nothing is copied).
    let rule = if shortfall > 0 { scenario.constraints.minimum_rule(c) } else { None };
    let (values, minimum): (Option<Vec<u32>>, Option<MinimumReport>) = match rule {
        None => (None, None),
        Some(rule) => {
            let rounded: Vec<u32> = steps.iter().map(|s| s.value).collect();
            let a = minimum::allocate(
                rounded_target,
                rule,
                &items,
                rules.method == Method::Lp,
                scenario.constraints.mip_time_limit,
            )?;
            let met = a.total == rounded_target;
            let (values, outcome) = match (met, scenario.constraints.minimum_fallback) {
                (true, _) => (a.values, MinimumOutcome::Met),
                (false, MinimumFallback::Infeasible) => (a.values, MinimumOutcome::Infeasible),
                (false, MinimumFallback::Continuous) => (rounded.clone(), MinimumOutcome::Continuous),
            };
            let devs: Vec<f64> = values.iter().zip(&items).map(|(&v, it)| (f64::from(v) - it.exact).abs()).collect();
            let report = MinimumReport {
                min: rule.min,
                step: rule.step.max(1),
                outcome,
                path: a.path,
                optimal: a.optimal,
                deviation: devs.iter().sum(),
                max_deviation: devs.iter().copied().fold(0.0, f64::max),
                reachable: a.total,
                carrier: a
                    .carrier
                    .filter(|_| outcome != MinimumOutcome::Continuous)
                    .map(|pos| dataset.municipalities[ms[member_of[pos]]].code),
                changed: crate::model::limits::count(values.iter().zip(&rounded).filter(|(v, r)| v != r).count()),
            };
            (Some(values), Some(report))
        }
    };
    let value_of = |pos: usize| values.as_ref().map_or(steps[pos].value, |v| v[pos]);
    let allocated: u32 = (0..steps.len()).map(value_of).sum();
    // Elastic: the places the caps cannot take go to the members anyway, pro rata to the key,
    // beyond their caps (whole places by largest remainder, no caps). Places a minimum size
    // cannot make stay missing.
    // Rounding hands out exactly `rounded_target` <= `shortfall` places; saturating keeps a
    // broken invariant from wrapping into a huge number.
    debug_assert!(allocated <= shortfall);
    let missing = shortfall.saturating_sub(allocated);
    let beyond_caps = shortfall.saturating_sub(rounded_target).min(missing);
    let beyond: Vec<u32> = if rules.elastic && beyond_caps > 0 && !items.is_empty() {
        let key_sum: f64 = items.iter().map(|it| it.key).sum();
        let extra: Vec<round::Item<'_>> = items
            .iter()
            .map(|it| round::Item { exact: f64::from(beyond_caps) * it.key / key_sum, cap: u32::MAX, ..*it })
            .collect();
        round::largest_remainder(beyond_caps, &extra).iter().map(|s| s.value).collect()
    } else {
        vec![0; items.len()]
    };
    let beyond_cap: u32 = beyond.iter().sum();
    let status = if shortfall == 0 {
        Status::Closes
    } else if infeasible || allocated < shortfall {
        Status::Infeasible
    } else {
        Status::Allocated
    };

    let mut member_pos = vec![None; ms.len()];
    for (pos, &j) in member_of.iter().enumerate() {
        member_pos[j] = Some(pos);
    }
    let results = ms
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let m = &dataset.municipalities[i];
            let (exact, step, outcome, value) = match member_pos[j] {
                Some(pos) => (sol.x[pos], Some(steps[pos]), Some(sol.outcome[pos]), value_of(pos)),
                None => (0.0, None, None, 0),
            };
            let reason = match (&standings[j], outcome) {
                (Standing::Excluded { .. }, _) => Reason::Excluded,
                (Standing::MetIndicative, _) => Reason::Ineligible,
                _ if shortfall == 0 => Reason::ProvinceCloses,
                (_, None) => Reason::ZeroKey,
                (_, Some(MemberOutcome::Interior)) => Reason::Interior,
                (_, Some(MemberOutcome::Capped)) => Reason::Capped,
                (_, Some(MemberOutcome::AboveLevel)) => Reason::AboveLevel,
                (_, Some(MemberOutcome::Limited)) => Reason::Limited,
                (_, Some(MemberOutcome::InfeasibleCapped)) => Reason::InfeasibleCapped,
            };
            let allocated = value;
            let beyond_cap = member_pos[j].map_or(0, |pos| beyond[pos]);
            let effect = match (&minimum, step) {
                (Some(m), Some(s)) => {
                    Some(MinimumEffect { without: s.value, change: MinimumChange::of(s.value, allocated, m.min) })
                }
                _ => None,
            };
            MunicipalityResult {
                municipality: i,
                code: m.code,
                province: province.code,
                commodity: c,
                indicative: m.indicative.of(c),
                counted: counted[i].of(c),
                standing: standings[j].clone(),
                key: key_of[j],
                relative_effort: relative_effort[i],
                cap: caps[j].0,
                cap_source: caps[j].1,
                exact: if shortfall == 0 { 0.0 } else { exact },
                allocated,
                beyond_cap,
                above_task: counted[i].of(c) - towards_task[j],
                obligation: towards_task[j] + allocated + beyond_cap,
                reason,
                rounding: if shortfall == 0 { None } else { step },
                minimum: effect,
            }
        })
        .collect();
    let block_result = BlockResult {
        province: p,
        code: province.code,
        commodity: c,
        target,
        counted: counted_sum,
        above_task,
        shortfall,
        surplus,
        allocated,
        status,
        missing,
        beyond_cap,
        level: if shortfall == 0 { None } else { sol.level },
        eligible: crate::model::limits::count(eligible),
        receiving_candidates: crate::model::limits::count(member_of.len()),
        key_sums,
        lp_solves: sol.lp_solves,
        minimum,
    };
    Ok((block_result, results))
}
