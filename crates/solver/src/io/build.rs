//! Building a data set from its parts in memory (`DatasetParts`): the checks a data set built
//! in code must pass before it is a `Dataset`, each problem named by a JSON-pointer-like path
//! (`/municipalities/3/population`) under the data set's label.

use super::dataset::municipality_totals_above_limit;
use super::{InputError, Problem, Problems};
use crate::model::limits::{MAX_OCCUPIED, MAX_PLACES, MAX_POPULATION};
use crate::model::{Commodity, Dataset, DatasetParts};
use std::collections::BTreeMap;

/// Checks the parts and builds the data set (computing its derived values). Checked: codes
/// sorted and unique, every index in range, the limits of `model::limits`, scores from 0 to 1,
/// targets equal to the sums of the indicative numbers (unless set by a scenario), national
/// totals, and the shares of a location within its total.
pub fn build_dataset(parts: DatasetParts) -> Result<Dataset, InputError> {
    let mut problems = Problems::default();
    let label = parts.label.clone();
    let mut at = |path: String, message: String| problems.push(Problem::at(&label, None, Some(&path), message));
    for (i, w) in parts.provinces.windows(2).enumerate() {
        if w[0].code >= w[1].code {
            at(
                format!("/provinces/{}/code", i + 1),
                format!("{} is not after {}; provinces are sorted by code, each once", w[1].code, w[0].code),
            );
        }
    }
    for (i, w) in parts.municipalities.windows(2).enumerate() {
        if w[0].code >= w[1].code {
            at(
                format!("/municipalities/{}/code", i + 1),
                format!("{} is not after {}; municipalities are sorted by code, each once", w[1].code, w[0].code),
            );
        }
    }
    let mut sums = vec![[0u64; 2]; parts.provinces.len()];
    let mut members = vec![0usize; parts.provinces.len()];
    for (i, m) in parts.municipalities.iter().enumerate() {
        let here = |f: &str| format!("/municipalities/{i}/{f}");
        if m.province >= parts.provinces.len() {
            at(
                here("province"),
                format!("index {} is not a province; there are {}", m.province, parts.provinces.len()),
            );
            continue;
        }
        members[m.province] += 1;
        if m.population == 0 || m.population > MAX_POPULATION {
            at(here("population"), format!("{} is not valid; expected 1 to {MAX_POPULATION}", m.population));
        }
        for c in Commodity::ALL {
            sums[m.province][c as usize] += u64::from(m.indicative.of(c));
            for (field, v) in [("indicative", m.indicative.of(c)), ("cap", m.cap.of(c))] {
                if v > MAX_PLACES {
                    at(here(&format!("{field}/{c}")), format!("{v} is too large; at most {MAX_PLACES}"));
                }
            }
        }
        if !(0.0..=1.0).contains(&m.feasibility_score) {
            at(here("feasibility_score"), format!("{} is not a score from 0 to 1", m.feasibility_score));
        }
        let max_effort = MAX_OCCUPIED * f64::from(m.effort_years.max(1));
        if !(m.effort_places.is_finite() && (0.0..=max_effort).contains(&m.effort_places)) {
            at(here("effort_places"), format!("{} is not valid; expected 0 to {max_effort}", m.effort_places));
        }
        if !m.welvaart_proxy.is_finite() {
            at(here("welvaart_proxy"), "is not a finite number".to_owned());
        }
    }
    for (i, p) in parts.provinces.iter().enumerate() {
        if members[i] == 0 {
            at(format!("/provinces/{i}"), format!("{} has no municipalities", p.code));
        }
        for c in Commodity::ALL {
            let t = p.target.of(c);
            if t > MAX_PLACES {
                at(format!("/provinces/{i}/target/{c}"), format!("{t} is too large; at most {MAX_PLACES}"));
            } else if !p.target_set_by_scenario && u64::from(t) != sums[i][c as usize] {
                at(
                    format!("/provinces/{i}/target/{c}"),
                    format!("{t} does not equal the sum of the indicative numbers, {}", sums[i][c as usize]),
                );
            }
        }
    }
    let mut shares: BTreeMap<&str, (u64, u32)> = BTreeMap::new();
    for (i, l) in parts.locations.iter().enumerate() {
        if l.municipality >= parts.municipalities.len() {
            at(format!("/locations/{i}/municipality"), format!("index {} is not a municipality", l.municipality));
        }
        for v in [l.places.regular, l.places.amv, l.location_total] {
            if v > MAX_PLACES {
                at(format!("/locations/{i}"), format!("{v} places is too large; at most {MAX_PLACES}"));
            }
        }
        if l.closes.is_some_and(|c| c < l.opens) {
            at(format!("/locations/{i}/closes"), "is before opens".to_owned());
        }
        let e = shares.entry(l.location_id.as_str()).or_insert((0, l.location_total));
        e.0 += u64::from(l.places.regular) + u64::from(l.places.amv);
    }
    for (id, (sum, total)) in shares {
        if sum > u64::from(total) {
            at(format!("/locations[{id}]"), format!("the shares add up to {sum}, more than the total {total}"));
        }
    }
    let national: u64 = parts.provinces.iter().map(|p| u64::from(p.target.regular) + u64::from(p.target.amv)).sum();
    let amv: u64 = parts.provinces.iter().map(|p| u64::from(p.target.amv)).sum();
    let scenario_targets = parts.provinces.iter().any(|p| p.target_set_by_scenario);
    if !scenario_targets
        && (national != u64::from(parts.cycle.national_total) || amv != u64::from(parts.cycle.national_amv))
    {
        at(
            "/cycle".to_owned(),
            format!(
                "national totals {} (AMV {}) differ from the provinces' {national} (AMV {amv})",
                parts.cycle.national_total, parts.cycle.national_amv
            ),
        );
    }
    if !(parts.cycle.start < parts.cycle.counting_date && parts.cycle.counting_date < parts.cycle.end) {
        at("/cycle/counting_date".to_owned(), "must lie after start and before end".to_owned());
    }
    let national_effort_ratio = Dataset::compute_national_effort_ratio(&parts.municipalities);
    let d = Dataset {
        label: parts.label,
        sources: Default::default(),
        cycle: parts.cycle,
        provinces: parts.provinces,
        municipalities: parts.municipalities,
        locations: parts.locations,
        national_effort_ratio,
    };
    if problems.is_empty() {
        for (m, c, total) in municipality_totals_above_limit(&d) {
            problems.push(Problem::at(
                &d.label,
                None,
                Some(&format!("/municipalities/{m}")),
                format!("its locations add up to {total} {c} places, more than {MAX_PLACES}"),
            ));
        }
    }
    problems.into_result(d)
}
