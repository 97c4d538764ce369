//! Applying a scenario's overrides to a data set, validated like the data itself.

use super::{InputError, Problem, Problems};
use crate::model::limits::MAX_PLACES;
use crate::model::{
    Commodity, Dataset, LocationAction, LocationOverride, LocationShare, Origin, Overrides, PerCommodity,
};
use std::collections::{BTreeMap, BTreeSet};

fn problem(o: &Origin, field: &str, message: String) -> Problem {
    Problem::at(&o.source, Some(o.line), Some(field), message)
}

/// The data set with the overrides applied, in order. Unknown codes and locations, an added
/// row that exists, dates out of order and shares above a location's total are refused with the
/// scenario file and line of the override.
pub fn apply_overrides(dataset: &Dataset, overrides: &Overrides) -> Result<Dataset, InputError> {
    if overrides.is_empty() {
        return Ok(dataset.clone());
    }
    let mut d = dataset.clone();
    let mut problems = Problems::default();
    for m in &overrides.municipalities {
        let Some(i) = d.municipality_index(&m.code) else {
            problems.push(problem(
                &m.origin,
                "overrides.municipalities.code",
                format!("unknown municipality {}", m.code),
            ));
            continue;
        };
        let target = &mut d.municipalities[i];
        for c in Commodity::ALL {
            if let Some(cap) = m.cap.of(c) {
                *target.cap.get_mut(c) = cap;
            }
        }
        if let Some(score) = m.score {
            target.feasibility_score = score;
        }
        if let Some(excluded) = &m.excluded {
            target.excluded = excluded.clone();
        }
    }
    // Rows by (location, municipality) and by location, so that every override is a lookup:
    // linear in the number of overrides and rows. Removed rows are left as `None` until the end
    // (the order of the others is kept).
    let mut rows: Vec<Option<LocationShare>> = std::mem::take(&mut d.locations).into_iter().map(Some).collect();
    let mut by_key: BTreeMap<(String, usize), usize> = BTreeMap::new();
    let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().flatten().enumerate() {
        by_key.insert((r.location_id.clone(), r.municipality), i);
        by_id.entry(r.location_id.clone()).or_default().push(i);
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for l in &overrides.locations {
        let Some(m) = d.municipality_index(&l.municipality) else {
            problems.push(problem(
                &l.origin,
                "overrides.locations.municipality",
                format!("unknown municipality {}", l.municipality),
            ));
            continue;
        };
        let key = (l.location_id.clone(), m);
        match (l.action, by_key.get(&key).copied()) {
            (LocationAction::Add, Some(_)) => problems.push(problem(
                &l.origin,
                "overrides.locations.location_id",
                format!("location {} already has a row for {}; use action = \"change\"", l.location_id, l.municipality),
            )),
            (LocationAction::Add, None) => {
                by_key.insert(key, rows.len());
                by_id.entry(l.location_id.clone()).or_default().push(rows.len());
                rows.push(Some(new_row(l, m)));
                touched.insert(l.location_id.clone());
            }
            (_, None) => problems.push(problem(
                &l.origin,
                "overrides.locations.location_id",
                format!("unknown location {} for {}: no such row in locations.csv", l.location_id, l.municipality),
            )),
            (LocationAction::Remove, Some(r)) => {
                rows[r] = None;
                by_key.remove(&key);
            }
            (LocationAction::Change, Some(r)) => {
                if let Some(row) = rows[r].as_mut() {
                    change_row(row, l);
                }
                if let Some(total) = l.location_total {
                    // The total is the whole location's: every row of it gets it.
                    for &i in by_id.get(&l.location_id).into_iter().flatten() {
                        if let Some(row) = rows[i].as_mut() {
                            row.location_total = total;
                        }
                    }
                }
                touched.insert(l.location_id.clone());
                if let Some(row) = &rows[r] {
                    if let Some(closes) = row.closes {
                        if closes < row.opens {
                            problems.push(problem(
                                &l.origin,
                                "overrides.locations",
                                format!(
                                    "after this change location {} closes ({closes}) before it opens ({})",
                                    l.location_id, row.opens
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    let last_origin: BTreeMap<&str, &Origin> =
        overrides.locations.iter().map(|l| (l.location_id.as_str(), &l.origin)).collect();
    for id in &touched {
        let of_id: Vec<&LocationShare> =
            by_id.get(id).into_iter().flatten().filter_map(|&i| rows[i].as_ref()).collect();
        let shares: u64 = of_id.iter().map(|r| u64::from(r.places.regular) + u64::from(r.places.amv)).sum();
        let total = of_id.first().map_or(0, |r| r.location_total);
        if shares > u64::from(total) {
            if let Some(o) = last_origin.get(id.as_str()) {
                problems.push(problem(
                    o,
                    "overrides.locations",
                    format!("the shares of location {id} add up to {shares} places, more than its location_total {total}: a shared location must be split, never counted twice"),
                ));
            }
        }
    }
    d.locations = rows.into_iter().flatten().collect();
    for (m, c, total) in super::dataset::municipality_totals_above_limit(&d) {
        let o = overrides.locations.iter().rev().find(|l| l.municipality == d.municipalities[m].code);
        if let Some(o) = o {
            problems.push(problem(
                &o.origin,
                "overrides.locations",
                format!(
                    "after the overrides the locations of {} add up to {total} {c} places, more than the {MAX_PLACES} a municipality may report",
                    d.municipalities[m].code
                ),
            ));
        }
    }
    for p in &overrides.provinces {
        let Some(i) = d.province_index(&p.code) else {
            problems.push(problem(&p.origin, "overrides.provinces.code", format!("unknown province {}", p.code)));
            continue;
        };
        for c in Commodity::ALL {
            if let Some(t) = p.target.of(c) {
                *d.provinces[i].target.get_mut(c) = t;
                d.provinces[i].target_set_by_scenario = true;
            }
        }
    }
    let years = super::dataset::effort_years(&d.cycle);
    let mut effort_changed = BTreeSet::new();
    for e in &overrides.effort {
        let Some(i) = d.municipality_index(&e.municipality) else {
            problems.push(problem(
                &e.origin,
                "overrides.effort.municipality",
                format!("unknown municipality {}", e.municipality),
            ));
            continue;
        };
        if !years.contains(&e.year) {
            problems.push(problem(
                &e.origin,
                "overrides.effort.year",
                format!(
                    "{} is not one of the effort years of cycle {}; expected a year from {} to {}",
                    e.year,
                    d.cycle.id,
                    years.start(),
                    years.end()
                ),
            ));
            continue;
        }
        let m = &mut d.municipalities[i];
        let Some(slot) = m.effort_by_year.iter_mut().find(|(y, _)| *y == e.year) else {
            problems.push(problem(
                &e.origin,
                "overrides.effort.year",
                format!(
                    "the data set has no effort figure of {} for {}; only a reported year can be corrected",
                    e.year, m.code
                ),
            ));
            continue;
        };
        if slot.1.to_bits() != e.avg_occupied_places.to_bits() {
            slot.1 = e.avg_occupied_places;
            effort_changed.insert(i);
        }
    }
    // The sum again in year order, whatever the order of the corrections: the same data give the
    // same bits.
    for &i in &effort_changed {
        let m = &mut d.municipalities[i];
        m.effort_places = m.effort_by_year.iter().map(|(_, v)| v).sum();
    }
    d.national_effort_ratio = Dataset::compute_national_effort_ratio(&d.municipalities);
    problems.into_result(d)
}

fn new_row(l: &LocationOverride, municipality: usize) -> LocationShare {
    LocationShare {
        location_id: l.location_id.clone(),
        municipality,
        places: PerCommodity { regular: l.places.regular.unwrap_or(0), amv: l.places.amv.unwrap_or(0) },
        status: l.status.unwrap_or(crate::model::LocationStatus::Planned),
        opens: l.opens.unwrap_or_default(),
        closes: l.closes.unwrap_or(None),
        bridging: l.bridging.unwrap_or(false),
        location_total: l.location_total.unwrap_or(0),
        source: format!("{}:{}", file_name(&l.origin), l.origin.line),
    }
}

fn change_row(row: &mut LocationShare, l: &LocationOverride) {
    for c in Commodity::ALL {
        if let Some(p) = l.places.of(c) {
            *row.places.get_mut(c) = p;
        }
    }
    if let Some(s) = l.status {
        row.status = s;
    }
    if let Some(o) = l.opens {
        row.opens = o;
    }
    if let Some(c) = l.closes {
        row.closes = c;
    }
    if let Some(b) = l.bridging {
        row.bridging = b;
    }
    row.source = format!("{} (gewijzigd in {}:{})", row.source, file_name(&l.origin), l.origin.line);
}

fn file_name(o: &Origin) -> String {
    o.source.rsplit(['/', '\\']).next().unwrap_or(&o.source).to_owned()
}
