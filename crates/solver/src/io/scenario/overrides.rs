//! `[[overrides.*]]` as written, checked and turned into the model's overrides (their
//! application to a data set is `io::overrides`).

use super::schema::OverridesFile;
use crate::io::dataset::toml_date;
use crate::io::source::LineIndex;
use crate::io::{Problem, Problems};
use crate::model::limits::{MAX_OCCUPIED, MAX_PLACES};
use crate::model::{
    Date, EffortOverride, LocationAction, LocationOverride, MunicipalityCode, MunicipalityOverride, Origin, Overrides,
    PerCommodity, ProvinceCode, ProvinceOverride,
};

fn municipality_code(text: &str, at: &Origin, field: &str, problems: &mut Problems) -> Option<MunicipalityCode> {
    let code = MunicipalityCode::parse(text);
    if code.is_none() {
        problems.push(Problem::at(
            &at.source,
            Some(at.line),
            Some(field),
            format!("`{text}` is not a municipality code ({})", MunicipalityCode::FORM),
        ));
    }
    code
}

/// Checks numbers of places against [`MAX_PLACES`]; false (with a problem each) if one is above.
fn within_limit(at: &Origin, key: &str, values: &[(&str, Option<u32>)], problems: &mut Problems) -> bool {
    let mut ok = true;
    for (field, value) in values {
        if let Some(v) = value.filter(|v| *v > MAX_PLACES) {
            problems.push(Problem::at(
                &at.source,
                Some(at.line),
                Some(&format!("{key}.{field}")),
                format!("{v} is too large; at most {MAX_PLACES} places"),
            ));
            ok = false;
        }
    }
    ok
}

pub(crate) fn convert(path: &str, lines: &LineIndex, file: &OverridesFile, problems: &mut Problems) -> Overrides {
    let origin = |span: std::ops::Range<usize>| Origin { source: path.to_owned(), line: lines.line(span.start) };
    let mut out = Overrides::default();
    for m in &file.municipalities {
        let at = origin(m.span());
        let f = m.get_ref();
        let key = "overrides.municipalities";
        let Some(code) = municipality_code(&f.code, &at, &format!("{key}.code"), problems) else {
            continue;
        };
        if !within_limit(
            &at,
            key,
            &[("max_additional_regular", f.max_additional_regular), ("max_additional_amv", f.max_additional_amv)],
            problems,
        ) {
            continue;
        }
        if let Some(score) = f.score {
            if !(0.0..=1.0).contains(&score) {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.score")),
                    format!("{score} is not a score from 0 to 1"),
                ));
                continue;
            }
        }
        let excluded = match (f.excluded, &f.exclusion_reason) {
            (Some(true), reason) => {
                Some(Some(reason.clone().unwrap_or_else(|| "uitgezonderd in dit scenario".to_owned())))
            }
            (Some(false), None) => Some(None),
            (Some(false), Some(_)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.exclusion_reason")),
                    "given with excluded = false; leave it out",
                ));
                continue;
            }
            (None, Some(_)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.exclusion_reason")),
                    "needs excluded = true",
                ));
                continue;
            }
            (None, None) => None,
        };
        if f.max_additional_regular.is_none()
            && f.max_additional_amv.is_none()
            && f.score.is_none()
            && excluded.is_none()
        {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some(key),
                format!(
                    "changes nothing for {code}; set max_additional_regular, max_additional_amv, score or excluded"
                ),
            ));
            continue;
        }
        out.municipalities.push(MunicipalityOverride {
            origin: at,
            code,
            cap: PerCommodity { regular: f.max_additional_regular, amv: f.max_additional_amv },
            score: f.score,
            excluded,
        });
    }
    for l in &file.locations {
        let at = origin(l.span());
        let f = l.get_ref();
        let key = "overrides.locations";
        let here = |field: &str| format!("{key}.{field}");
        let action = f.action.unwrap_or(LocationAction::Change);
        let Some(municipality) = municipality_code(&f.municipality, &at, &here("municipality"), problems) else {
            continue;
        };
        if f.location_id.trim().is_empty() {
            problems.push(Problem::at(path, Some(at.line), Some(&here("location_id")), "is empty"));
            continue;
        }
        let status = f.status;
        let mut date = |field: &str, d: &Option<toml::value::Datetime>| -> Result<Option<Date>, ()> {
            match d {
                None => Ok(None),
                Some(d) => toml_date(d)
                    .map(Some)
                    .map_err(|msg| problems.push(Problem::at(path, Some(at.line), Some(&here(field)), msg))),
            }
        };
        let (Ok(opens), Ok(closes)) = (date("opens", &f.opens), date("closes", &f.closes)) else {
            continue;
        };
        let closes = match (closes, f.open_ended) {
            (Some(_), Some(true)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&here("open_ended")),
                    "given together with closes; give one of them",
                ));
                continue;
            }
            (Some(d), _) => Some(Some(d)),
            (None, Some(true)) => Some(None),
            (None, _) => None,
        };
        if !within_limit(
            &at,
            key,
            &[("places_regular", f.places_regular), ("places_amv", f.places_amv), ("location_total", f.location_total)],
            problems,
        ) {
            continue;
        }
        let o = LocationOverride {
            origin: at.clone(),
            action,
            location_id: f.location_id.trim().to_owned(),
            municipality,
            places: PerCommodity { regular: f.places_regular, amv: f.places_amv },
            status,
            opens,
            closes,
            bridging: f.bridging,
            location_total: f.location_total,
        };
        let changes_something = o.places.regular.is_some()
            || o.places.amv.is_some()
            || o.status.is_some()
            || o.opens.is_some()
            || o.closes.is_some()
            || o.bridging.is_some()
            || o.location_total.is_some();
        match action {
            LocationAction::Remove if changes_something => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(key),
                    "remove takes only location_id and municipality",
                ));
                continue;
            }
            LocationAction::Change if !changes_something => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(key),
                    "changes nothing; set a field to change, or action = \"remove\"",
                ));
                continue;
            }
            LocationAction::Add => {
                let missing: Vec<&str> = [
                    ("places_regular", o.places.regular.is_none()),
                    ("places_amv", o.places.amv.is_none()),
                    ("status", o.status.is_none()),
                    ("opens", o.opens.is_none()),
                    ("closes or open_ended", o.closes.is_none()),
                    ("bridging", o.bridging.is_none()),
                    ("location_total", o.location_total.is_none()),
                ]
                .into_iter()
                .filter_map(|(n, m)| m.then_some(n))
                .collect();
                if !missing.is_empty() {
                    problems.push(Problem::at(
                        path,
                        Some(at.line),
                        Some(key),
                        format!("add needs every field; missing {}", missing.join(", ")),
                    ));
                    continue;
                }
            }
            _ => {}
        }
        if let (Some(opens), Some(Some(closes))) = (o.opens, o.closes) {
            if closes < opens {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&here("closes")),
                    format!("{closes} is before opens {opens}; a location closes after it opens"),
                ));
                continue;
            }
        }
        out.locations.push(o);
    }
    for p in &file.provinces {
        let at = origin(p.span());
        let f = p.get_ref();
        if !within_limit(
            &at,
            "overrides.provinces",
            &[("target_regular", f.target_regular), ("target_amv", f.target_amv)],
            problems,
        ) {
            continue;
        }
        let Some(code) = ProvinceCode::parse(&f.code) else {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some("overrides.provinces.code"),
                format!("`{}` is not a province code ({})", f.code, ProvinceCode::FORM),
            ));
            continue;
        };
        if f.target_regular.is_none() && f.target_amv.is_none() {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some("overrides.provinces"),
                format!("changes nothing for {code}; set target_regular or target_amv"),
            ));
            continue;
        }
        out.provinces.push(ProvinceOverride {
            origin: at,
            code,
            target: PerCommodity { regular: f.target_regular, amv: f.target_amv },
        });
    }
    for e in &file.effort {
        let at = origin(e.span());
        let f = e.get_ref();
        let key = "overrides.effort";
        let Some(municipality) = municipality_code(&f.municipality, &at, &format!("{key}.municipality"), problems)
        else {
            continue;
        };
        if !(f.avg_occupied_places.is_finite() && (0.0..=MAX_OCCUPIED).contains(&f.avg_occupied_places)) {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some(&format!("{key}.avg_occupied_places")),
                format!("{} is not valid; expected a number of places from 0 to {MAX_OCCUPIED}", f.avg_occupied_places),
            ));
            continue;
        }
        out.effort.push(EffortOverride {
            origin: at,
            municipality,
            year: f.year,
            avg_occupied_places: f.avg_occupied_places,
        });
    }
    out
}
