//! Claim files of objections (TOML): the objecting municipality, its grounds, and the
//! corrections it asks for, written as a scenario's overrides are.
//!
//! ```toml
//! municipality = "GM0225"          # the objecting municipality (its CBS code)
//! grounds = """
//! De gedeelde locatie aan de Maas is bij Druten en bij Wijchen geteld.
//! """
//! [[overrides.locations]]          # locations added, removed or changed
//! location_id = "L0456"
//! municipality = "GM0225"
//! places_regular = 200
//! [[overrides.municipalities]]     # caps, score, exclusion
//! code = "GM0225"
//! max_additional_regular = 150
//! [[overrides.effort]]             # the effort of one year
//! municipality = "GM0225"
//! year = 2019
//! avg_occupied_places = 120.0
//! ```
//!
//! A province's target cannot be corrected by a claim (it is set by law): `[[overrides.provinces]]`
//! is refused. Unknown keys are refused. The corrections are checked against the data set they
//! apply to by [`super::apply_overrides`], with the claim's file and line.

use super::scenario::overrides::convert;
use super::scenario::OverridesFile;
use super::source::LineIndex;
use super::{apply_overrides, InputError, Problem, Problems, Source};
use crate::model::{Claim, Dataset, MunicipalityCode};
use serde::Deserialize;
use toml::Spanned;

/// A claim file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimFile {
    municipality: Spanned<String>,
    grounds: Spanned<String>,
    #[serde(default)]
    overrides: OverridesFile,
}

/// Longest grounds text accepted, in characters.
const MAX_GROUNDS: usize = 20_000;

/// Validates a claim's text against the data set it applies to (the scenario's, its overrides
/// applied): the objecting municipality must be in it, and the corrections must apply to it.
pub fn parse_claim(source: &Source, dataset: &Dataset) -> Result<Claim, InputError> {
    let path = source.name.as_str();
    let file: ClaimFile = toml::from_str(&source.text)
        .map_err(|e| InputError::single(super::toml_error::problem(path, &source.text, &e)))?;
    let lines = LineIndex::new(&source.text);
    let mut problems = Problems::default();
    let at = |span: std::ops::Range<usize>| Some(lines.line(span.start));

    let given = file.municipality.get_ref().trim();
    let municipality = match MunicipalityCode::parse(given) {
        Some(code) if dataset.municipality_index(&code).is_some() => Some(code),
        Some(code) => {
            problems.push(Problem::at(
                path,
                at(file.municipality.span()),
                Some("municipality"),
                format!(
                    "{code} is not a municipality of the scenario's data set ({}); name the objecting municipality by its code in municipalities.csv",
                    dataset.label()
                ),
            ));
            None
        }
        None => {
            problems.push(Problem::at(
                path,
                at(file.municipality.span()),
                Some("municipality"),
                format!("`{given}` is not a municipality code ({})", MunicipalityCode::FORM),
            ));
            None
        }
    };
    let grounds = file.grounds.get_ref().trim().to_owned();
    if grounds.is_empty() {
        problems.push(Problem::at(
            path,
            at(file.grounds.span()),
            Some("grounds"),
            "is empty; give the grounds of the objection as the objector states them",
        ));
    } else if grounds.chars().count() > MAX_GROUNDS {
        problems.push(Problem::at(
            path,
            at(file.grounds.span()),
            Some("grounds"),
            format!("is longer than {MAX_GROUNDS} characters; quote the grounds, not the whole letter"),
        ));
    }
    for p in &file.overrides.provinces {
        problems.push(Problem::at(
            path,
            at(p.span()),
            Some("overrides.provinces"),
            "a province's target is set by law and cannot be corrected by an objection; correct locations, caps, scores, exclusions or effort",
        ));
    }
    let corrections = convert(path, &lines, &file.overrides, &mut problems);
    let corrections = crate::model::Overrides { provinces: Vec::new(), ..corrections };
    if problems.is_empty() {
        if let Err(e) = apply_overrides(dataset, &corrections) {
            for p in e.problems() {
                problems.push(p.clone());
            }
        }
    }
    match municipality {
        Some(municipality) if problems.is_empty() => {
            Ok(Claim { source: path.to_owned(), municipality, grounds, corrections })
        }
        _ => Err(problems.into_error()),
    }
}

/// [`parse_claim`] for a claim given as a JSON value (the same fields as a claim file; dates as
/// `"YYYY-MM-DD"` strings), e.g. in the body of a request. Problems name `name` and the field.
pub fn parse_claim_value(name: &str, value: &serde_json::Value, dataset: &Dataset) -> Result<Claim, InputError> {
    let refuse = |message: String| InputError::single(Problem::at(name, None, None, message));
    let mut toml_value = super::scenario::json_to_toml(value)
        .map_err(|e| refuse(format!("is not a claim: {e}; expected an object with the fields of a claim file")))?;
    if !toml_value.is_table() {
        return Err(refuse("is not a claim; expected an object with the fields of a claim file".to_owned()));
    }
    super::scenario::dates_in(&mut toml_value);
    let text = toml::to_string(&toml_value).map_err(|e| refuse(format!("is not a claim: {e}")))?;
    parse_claim(&Source::new(name, text), dataset).map_err(|e| e.without_lines_of(name))
}

/// Reads a claim file and validates it against `dataset`.
pub fn load_claim(path: &std::path::Path, dataset: &Dataset) -> Result<Claim, InputError> {
    parse_claim(&Source::read_file(path)?, dataset)
}
