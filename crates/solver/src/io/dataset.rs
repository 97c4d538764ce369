//! Reading a data set (layout of `data/nl-2024`, see docs/MODEL.md section 2): from the texts
//! of its files held in memory ([`DatasetSources`], [`parse_dataset`]), or from a folder
//! ([`load_dataset`], a thin adapter that reads the files and parses them).

use super::table::{read_table, Row, Table};
use super::{InputError, Problem, Problems, Source};
use crate::model::decimal::Decimal;
use crate::model::limits::{MAX_MIN_YEARS, MAX_OCCUPIED, MAX_PLACES, MAX_POPULATION, MAX_WELVAART};
use crate::model::DatasetSources;
use crate::model::{
    AmvRule, CoropCode, Correction, Cycle, CycleCounting, Dataset, Date, IndicativeRules, IndicativeSource,
    LocationShare, LocationStatus, Municipality, MunicipalityCode, PerCommodity, Province, ProvinceCode, Scope,
};
use chrono::Datelike;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

impl DatasetSources {
    /// Reads the files of a data set folder; every file that cannot be read is a problem.
    pub fn read(root: &Path) -> Result<Self, InputError> {
        let mut problems = Problems::default();
        if !root.is_dir() {
            let what = if root.exists() { "is a file, not a data set folder" } else { "no such data set folder" };
            problems.push(Problem::at(
                root,
                None,
                None,
                format!("{what}; expected a folder with {}", Self::FILES.join(", ")),
            ));
            return Err(problems.into_error());
        }
        let mut read = |file: &str| Source::read(&root.join(file)).map_err(|p| problems.push(p)).ok();
        let [cycle, provinces, municipalities, locations, effort, feasibility, exclusions] = Self::FILES.map(&mut read);
        match (cycle, provinces, municipalities, locations, effort, feasibility, exclusions) {
            (
                Some(cycle),
                Some(provinces),
                Some(municipalities),
                Some(locations),
                Some(effort),
                Some(feasibility),
                Some(exclusions),
            ) => Ok(DatasetSources {
                label: root.display().to_string(),
                cycle,
                provinces,
                municipalities,
                locations,
                effort,
                feasibility,
                exclusions,
            }),
            _ => Err(problems.into_error()),
        }
    }
}

/// `cycle.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CycleFile {
    id: String,
    national_total: u32,
    national_amv: u32,
    start: toml::value::Datetime,
    report_deadline: toml::value::Datetime,
    counting_date: toml::value::Datetime,
    end: toml::value::Datetime,
    #[serde(default)]
    counting: Option<CountingFile>,
    #[serde(default)]
    indicative: Option<IndicativeFile>,
}

/// `cycle.toml`'s `[counting]`: every key optional, the 2024-2026 rule when left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountingFile {
    available_until: Option<toml::value::Datetime>,
    require_bridging: Option<bool>,
    count_intentions: Option<bool>,
    min_location_places: Option<u32>,
    min_years: Option<u32>,
}

/// `cycle.toml`'s `[indicative]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicativeFile {
    scope: String,
    amv: String,
    #[serde(default)]
    pin_published: bool,
    correction: CorrectionFile,
    #[serde(default)]
    pins: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionFile {
    form: String,
    intercept: Option<toml::Value>,
    slope: Option<toml::Value>,
    floor: Option<toml::Value>,
    ceiling: Option<toml::Value>,
}

/// The columns of each file, in the order written (read in any order).
pub(crate) const PROVINCE_COLUMNS: &[&str] =
    &["code", "name", "target_regular", "target_amv", "offered_2024_11", "offered_2024_11_source"];
pub(crate) const MUNICIPALITY_COLUMNS: &[&str] = &[
    "code",
    "name",
    "province",
    "population",
    "welvaart_proxy",
    "indicative_regular",
    "indicative_amv",
    "indicative_source",
    "corop",
];
pub(crate) const LOCATION_COLUMNS: &[&str] = &[
    "location_id",
    "municipality",
    "places_regular",
    "places_amv",
    "status",
    "opens",
    "closes",
    "bridging",
    "location_total",
];
pub(crate) const EFFORT_COLUMNS: &[&str] = &["municipality", "year", "avg_occupied_places"];
pub(crate) const FEASIBILITY_COLUMNS: &[&str] =
    &["municipality", "max_additional_regular", "max_additional_amv", "score", "reason"];
pub(crate) const EXCLUSION_COLUMNS: &[&str] = &["municipality", "reason"];

/// Converts a TOML date to a calendar date, or explains why it is not one.
pub(crate) fn toml_date(d: &toml::value::Datetime) -> Result<Date, String> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => {
            Date::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
                .ok_or_else(|| format!("{d} is not a valid date"))
        }
        _ => Err(format!("{d} is not a plain date; expected YYYY-MM-DD, e.g. 2025-07-01")),
    }
}

fn load_cycle(source: &Source, problems: &mut Problems) -> Option<Cycle> {
    let path = source.name.as_str();
    let text = &source.text;
    let file: CycleFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.push(super::toml_error::problem(path, text, &e));
            return None;
        }
    };
    let mut date = |key: &str, d: &toml::value::Datetime| match toml_date(d) {
        Ok(d) => Some(d),
        Err(msg) => {
            problems.push(Problem::at(path, None, Some(key), msg));
            None
        }
    };
    let start = date("start", &file.start);
    let report_deadline = date("report_deadline", &file.report_deadline);
    let counting_date = date("counting_date", &file.counting_date);
    let end = date("end", &file.end);
    let (start, report_deadline, counting_date, end) = (start?, report_deadline?, counting_date?, end?);
    if !(start < counting_date && counting_date < end) {
        problems.push(Problem::at(
            path,
            None,
            Some("counting_date"),
            format!("{counting_date} must lie after start {start} and before end {end}"),
        ));
    }
    if file.national_amv > file.national_total {
        problems.push(Problem::at(path, None, Some("national_amv"), "is larger than national_total"));
    }
    let counting = match file.counting {
        None => CycleCounting::default(),
        Some(c) => {
            let d = CycleCounting::default();
            let available_until = match &c.available_until {
                None => None,
                Some(v) => match toml_date(v) {
                    Ok(u) if u < counting_date => {
                        problems.push(Problem::at(
                            path,
                            None,
                            Some("counting.available_until"),
                            format!("{u} lies before the counting date {counting_date}; a place must be available on the counting date and stay so until this day"),
                        ));
                        None
                    }
                    Ok(u) => Some(u),
                    Err(msg) => {
                        problems.push(Problem::at(path, None, Some("counting.available_until"), msg));
                        None
                    }
                },
            };
            if c.min_years.is_some_and(|y| y > MAX_MIN_YEARS) {
                problems.push(Problem::at(
                    path,
                    None,
                    Some("counting.min_years"),
                    format!("must be at most {MAX_MIN_YEARS} (years from the counting date)"),
                ));
            }
            CycleCounting {
                available_until,
                require_bridging: c.require_bridging.unwrap_or(d.require_bridging),
                count_intentions: c.count_intentions.unwrap_or(d.count_intentions),
                min_location_places: c.min_location_places.unwrap_or(d.min_location_places),
                min_years: c.min_years.unwrap_or(d.min_years).min(MAX_MIN_YEARS),
            }
        }
    };
    let indicative = file.indicative.and_then(|i| indicative_rules(path, i, problems));
    Some(Cycle {
        id: file.id,
        national_total: file.national_total,
        national_amv: file.national_amv,
        start,
        report_deadline,
        counting_date,
        end,
        counting,
        indicative,
    })
}

fn indicative_rules(path: &str, file: IndicativeFile, problems: &mut Problems) -> Option<IndicativeRules> {
    let before = problems.0.len();
    let mut bad = |field: &str, msg: String| problems.push(Problem::at(path, None, Some(field), msg));
    let scope = match file.scope.as_str() {
        "national" => Some(Scope::National),
        "province" => Some(Scope::Province),
        other => {
            bad("indicative.scope", format!("`{other}` is not a scope; expected national or province"));
            None
        }
    };
    let amv = match file.amv.as_str() {
        "apportion" => Some(AmvRule::Apportion),
        "share" => Some(AmvRule::Share),
        other => {
            bad("indicative.amv", format!("`{other}` is not an AMV rule; expected apportion or share"));
            None
        }
    };
    let c = &file.correction;
    let mut number = |key: &str, v: &Option<toml::Value>| -> Option<Decimal> {
        let field = format!("indicative.correction.{key}");
        match v {
            None => None,
            Some(toml::Value::Integer(i)) => Some(Decimal::from_int(*i)),
            Some(toml::Value::Float(x)) => Decimal::from_f64(*x).map_err(|e| bad(&field, e)).ok(),
            Some(other) => {
                bad(&field, format!("{other} is not a number; expected e.g. 0.12"));
                None
            }
        }
    };
    let (intercept, slope, floor, ceiling) = (
        number("intercept", &c.intercept),
        number("slope", &c.slope),
        number("floor", &c.floor),
        number("ceiling", &c.ceiling),
    );
    let correction = match c.form.as_str() {
        "none" => {
            if [&c.intercept, &c.slope, &c.floor, &c.ceiling].iter().any(|v| v.is_some()) {
                bad("indicative.correction", "form none takes no parameters".to_owned());
            }
            Some(Correction::None)
        }
        "linear" => match slope {
            None => {
                bad("indicative.correction.slope", "form linear needs a slope (e.g. 0.12)".to_owned());
                None
            }
            Some(slope) => {
                if let (Some(lo), Some(hi)) = (floor, ceiling) {
                    if lo > hi {
                        bad("indicative.correction.floor", format!("{lo} is above the ceiling {hi}"));
                    }
                }
                if let Some(lo) = floor.filter(|lo| !lo.is_positive()) {
                    bad("indicative.correction.floor", format!("{lo} is not above 0; a weight must be positive"));
                }
                Some(Correction::Linear { intercept: intercept.unwrap_or(Decimal::ONE), slope, floor, ceiling })
            }
        },
        other => {
            bad("indicative.correction.form", format!("`{other}` is not a correction form; expected linear or none"));
            None
        }
    };
    let mut pins = BTreeMap::new();
    for (code, n) in &file.pins {
        match MunicipalityCode::parse(code) {
            Some(c) => {
                pins.insert(c, *n);
            }
            None => {
                bad(&format!("indicative.pins.{code}"), format!("`{code}` is not a code ({})", MunicipalityCode::FORM))
            }
        }
    }
    if problems.0.len() > before {
        return None;
    }
    Some(IndicativeRules { scope: scope?, correction: correction?, amv: amv?, pin_published: file.pin_published, pins })
}

/// Reads and validates a data set folder: [`DatasetSources::read`], then [`parse_dataset`].
pub fn load_dataset(root: &Path) -> Result<Dataset, InputError> {
    parse_dataset(&DatasetSources::read(root)?)
}

/// Validates a data set from the texts of its files. All problems in all files are reported
/// together, each with its source, line and field.
pub fn parse_dataset(sources: &DatasetSources) -> Result<Dataset, InputError> {
    let mut problems = Problems::default();
    let cycle = load_cycle(&sources.cycle, &mut problems);

    let provinces_t = read_table(&sources.provinces, PROVINCE_COLUMNS, &mut problems);
    let municipalities_t = read_table(&sources.municipalities, MUNICIPALITY_COLUMNS, &mut problems);
    let locations_t = read_table(&sources.locations, LOCATION_COLUMNS, &mut problems);
    let effort_t = read_table(&sources.effort, EFFORT_COLUMNS, &mut problems);
    let feasibility_t = read_table(&sources.feasibility, FEASIBILITY_COLUMNS, &mut problems);
    let exclusions_t = read_table(&sources.exclusions, EXCLUSION_COLUMNS, &mut problems);
    for t in [&provinces_t, &municipalities_t, &feasibility_t].into_iter().flatten() {
        if t.is_empty() {
            problems.push(Problem::at(&t.name, None, None, "has a header and no rows; the data set needs its rows"));
        }
    }

    let (Some(provinces_t), Some(municipalities_t)) = (provinces_t, municipalities_t) else {
        return Err(problems.into_error());
    };
    let (provinces, province_lines) = parse_provinces(&provinces_t, &mut problems);
    let (mut municipalities, incomplete) = parse_municipalities(&municipalities_t, &provinces, &mut problems);
    check_targets(
        &provinces_t.name,
        &provinces,
        &province_lines,
        &municipalities,
        &incomplete.provinces,
        &mut problems,
    );
    if let Some(cycle) = &cycle {
        check_national_totals(&sources.cycle.name, cycle, &provinces, &mut problems);
    }
    // Known codes; `None` for a municipality whose own row has problems (already reported).
    let codes: Codes = municipalities
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code, Some(i)))
        .chain(incomplete.codes.into_iter().map(|c| (c, None)))
        .collect();

    if let Some(rules) = cycle.as_ref().and_then(|c| c.indicative.as_ref()) {
        for code in rules.pins.keys().filter(|c| !codes.contains_key(c)) {
            problems.push(Problem::at(
                &sources.cycle.name,
                None,
                Some(&format!("indicative.pins.{code}")),
                format!("{code} is not a municipality of {}", sources.municipalities.name),
            ));
        }
    }
    if let Some(t) = &effort_t {
        parse_effort(t, &codes, &mut municipalities, cycle.as_ref().map(effort_years), &mut problems);
    }
    if let Some(t) = &feasibility_t {
        parse_feasibility(t, &codes, &mut municipalities, &mut problems);
    }
    if let Some(t) = &exclusions_t {
        parse_exclusions(t, &codes, &mut municipalities, &mut problems);
    }
    let locations = match &locations_t {
        Some(t) => parse_locations(t, &codes, &mut problems),
        None => Vec::new(),
    };

    let national_effort_ratio = Dataset::compute_national_effort_ratio(&municipalities);
    let dataset = cycle.map(|cycle| Dataset {
        label: sources.label.clone(),
        sources: std::sync::Arc::new(sources.clone()),
        cycle,
        provinces,
        municipalities,
        locations,
        national_effort_ratio,
    });
    if let Some(d) = &dataset {
        for (m, c, total) in municipality_totals_above_limit(d) {
            problems.push(Problem::at(
                &sources.locations.name,
                None,
                Some("municipality"),
                format!(
                    "the locations of {} add up to {total} {c} places, more than the {MAX_PLACES} a municipality may report",
                    d.municipalities[m].code
                ),
            ));
        }
    }
    match dataset {
        Some(d) => problems.into_result(d),
        None => Err(problems.into_error()),
    }
}

fn parse_provinces(t: &Table, problems: &mut Problems) -> (Vec<Province>, BTreeMap<ProvinceCode, u64>) {
    let mut provinces = BTreeMap::new();
    let mut lines = BTreeMap::new();
    for row in t.rows(PROVINCE_COLUMNS) {
        let code = row.text("code");
        let Some(code) = ProvinceCode::parse(code) else {
            problems.push(row.problem("code", format!("`{code}` is not a province code ({})", ProvinceCode::FORM)));
            continue;
        };
        if let Some(first) = lines.get(&code) {
            problems.push(row.problem("code", format!("duplicate code {code}; first on line {first}")));
            continue;
        }
        lines.insert(code, row.line);
        let name = row.required("name", problems).unwrap_or_default().to_owned();
        let regular = row.count("target_regular", problems);
        let amv = row.count("target_amv", problems);
        let offered = row.count("offered_2024_11", problems);
        if let (Some(regular), Some(amv), Some(offered)) = (regular, amv, offered) {
            provinces.insert(
                code,
                Province {
                    code,
                    name,
                    target: PerCommodity { regular, amv },
                    offered_2024_11: offered,
                    target_set_by_scenario: false,
                },
            );
        }
    }
    (provinces.into_values().collect(), lines)
}

/// Municipalities whose row has problems: their codes are known (so that other files do not
/// report them again as unknown) and their provinces' targets are not checked.
#[derive(Default)]
struct Incomplete {
    codes: BTreeSet<MunicipalityCode>,
    provinces: BTreeSet<usize>,
}

fn parse_municipalities(t: &Table, provinces: &[Province], problems: &mut Problems) -> (Vec<Municipality>, Incomplete) {
    let mut incomplete = Incomplete::default();
    let mut out: BTreeMap<MunicipalityCode, (u64, Municipality)> = BTreeMap::new();
    for row in t.rows(MUNICIPALITY_COLUMNS) {
        let code = row.text("code");
        let Some(code) = MunicipalityCode::parse(code) else {
            problems
                .push(row.problem("code", format!("`{code}` is not a municipality code ({})", MunicipalityCode::FORM)));
            continue;
        };
        if let Some((first, _)) = out.get(&code) {
            problems.push(row.problem("code", format!("duplicate code {code}; first on line {first}")));
            continue;
        }
        let province_text = row.text("province");
        let province = match ProvinceCode::parse(province_text) {
            Some(p) => match provinces.binary_search_by(|q| q.code.cmp(&p)) {
                Ok(i) => Some(i),
                Err(_) => {
                    let known: Vec<&str> = provinces.iter().map(|p| p.code.as_str()).collect();
                    problems
                        .push(row.problem("province", format!("unknown province {p}; known are {}", known.join(", "))));
                    None
                }
            },
            None => {
                problems.push(
                    row.problem(
                        "province",
                        format!("`{province_text}` is not a province code ({})", ProvinceCode::FORM),
                    ),
                );
                None
            }
        };
        let corop_text = row.text("corop");
        let corop = CoropCode::parse(corop_text);
        if corop.is_none() {
            problems.push(row.problem("corop", format!("`{corop_text}` is not a COROP code ({})", CoropCode::FORM)));
        }
        let name = row.required("name", problems).unwrap_or_default().to_owned();
        let population = row.count_max("population", MAX_POPULATION, problems);
        if population == Some(0) {
            problems.push(row.problem("population", "is 0; a municipality has inhabitants"));
        }
        let welvaart = row.real("welvaart_proxy", -MAX_WELVAART, MAX_WELVAART, problems);
        let regular = row.count("indicative_regular", problems);
        let amv = row.count("indicative_amv", problems);
        let source = row.choice(
            "indicative_source",
            &[("published", IndicativeSource::Published), ("reconstructed", IndicativeSource::Reconstructed)],
            problems,
        );
        let (Some(province), Some(corop), Some(population), Some(welvaart), Some(regular), Some(amv), Some(source)) =
            (province, corop, population, welvaart, regular, amv, source)
        else {
            incomplete.provinces.extend(province);
            incomplete.codes.insert(code);
            continue;
        };
        {
            out.insert(
                code,
                (
                    row.line,
                    Municipality {
                        code,
                        name,
                        province,
                        corop,
                        population,
                        welvaart_proxy: welvaart,
                        indicative: PerCommodity { regular, amv },
                        indicative_source: source,
                        effort_places: 0.0,
                        effort_years: 0,
                        effort_by_year: Vec::new(),
                        cap: PerCommodity::default(),
                        feasibility_score: 0.0,
                        feasibility_reason: String::new(),
                        excluded: None,
                    },
                ),
            );
        }
    }
    check_corop_nesting(&t.name, &out, provinces, problems);
    (out.into_values().map(|(_, m)| m).collect(), incomplete)
}

/// COROP regions lie within one province. A municipality whose COROP region lies (by the
/// majority of its municipalities) in another province is in the wrong province.
fn check_corop_nesting(
    path: &str,
    rows: &BTreeMap<MunicipalityCode, (u64, Municipality)>,
    provinces: &[Province],
    problems: &mut Problems,
) {
    let mut counts: BTreeMap<&CoropCode, BTreeMap<usize, usize>> = BTreeMap::new();
    for (_, m) in rows.values() {
        *counts.entry(&m.corop).or_default().entry(m.province).or_default() += 1;
    }
    for (line, m) in rows.values() {
        let per_province = &counts[&m.corop];
        if per_province.len() < 2 {
            continue;
        }
        // The majority province; ties go to the lowest code (provinces are sorted).
        let Some((&majority, &n)) = per_province.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
            continue;
        };
        if majority != m.province {
            problems.push(Problem::at(
                path,
                Some(*line),
                Some("province"),
                format!(
                    "{} is placed in {}, but its COROP region {} lies in {} ({n} municipalities); COROP regions lie within one province",
                    m.code, provinces[m.province].code, m.corop, provinces[majority].code
                ),
            ));
        }
    }
}

fn check_targets(
    path: &str,
    provinces: &[Province],
    lines: &BTreeMap<ProvinceCode, u64>,
    municipalities: &[Municipality],
    incomplete: &BTreeSet<usize>,
    problems: &mut Problems,
) {
    let mut sums = vec![PerCommodity { regular: 0u64, amv: 0u64 }; provinces.len()];
    let mut members = vec![0usize; provinces.len()];
    for m in municipalities {
        sums[m.province].regular += u64::from(m.indicative.regular);
        sums[m.province].amv += u64::from(m.indicative.amv);
        members[m.province] += 1;
    }
    for (i, p) in provinces.iter().enumerate() {
        if incomplete.contains(&i) {
            continue;
        }
        let line = lines.get(&p.code).copied();
        if members[i] == 0 {
            problems.push(Problem::at(
                path,
                line,
                Some("code"),
                format!("province {} has no municipalities in municipalities.csv", p.code),
            ));
            continue;
        }
        for (field, target, sum) in
            [("target_regular", p.target.regular, sums[i].regular), ("target_amv", p.target.amv, sums[i].amv)]
        {
            if u64::from(target) != sum {
                problems.push(Problem::at(
                    path,
                    line,
                    Some(field),
                    format!(
                        "{target} does not equal the sum of the indicative numbers of the {} municipalities of {}, which is {sum}",
                        members[i], p.code
                    ),
                ));
            }
        }
    }
}

fn check_national_totals(path: &str, cycle: &Cycle, provinces: &[Province], problems: &mut Problems) {
    let total: u64 = provinces.iter().map(|p| u64::from(p.target.regular) + u64::from(p.target.amv)).sum();
    let amv: u64 = provinces.iter().map(|p| u64::from(p.target.amv)).sum();
    if total != u64::from(cycle.national_total) {
        problems.push(Problem::at(
            path,
            None,
            Some("national_total"),
            format!(
                "{} does not equal the sum of the provinces' targets (regular + amv), which is {total}",
                cycle.national_total
            ),
        ));
    }
    if amv != u64::from(cycle.national_amv) {
        problems.push(Problem::at(
            path,
            None,
            Some("national_amv"),
            format!("{} does not equal the sum of the provinces' AMV targets, which is {amv}", cycle.national_amv),
        ));
    }
}

/// Municipality codes to indices; `None` for a known municipality with problems in its row.
type Codes = BTreeMap<MunicipalityCode, Option<usize>>;

/// Looks up the municipality named in `field`; records a problem if it is unknown.
fn municipality(row: &Row<'_>, field: &str, codes: &Codes, problems: &mut Problems) -> Option<usize> {
    let text = row.text(field);
    match MunicipalityCode::parse(text) {
        Some(code) => match codes.get(&code) {
            Some(&i) => i,
            None => {
                problems
                    .push(row.problem(field, format!("unknown municipality {code}; it is not in municipalities.csv")));
                None
            }
        },
        None => {
            problems
                .push(row.problem(field, format!("`{text}` is not a municipality code ({})", MunicipalityCode::FORM)));
            None
        }
    }
}

/// The effort years of a cycle: the ten calendar years before the year it starts (MODEL.md
/// 3.4): 2014..=2023 for the cycle starting 1 February 2024.
pub fn effort_years(cycle: &Cycle) -> std::ops::RangeInclusive<u32> {
    let start = u32::try_from(cycle.start.year()).unwrap_or(0);
    start.saturating_sub(EFFORT_YEARS)..=start.saturating_sub(1)
}

/// Number of effort years.
pub const EFFORT_YEARS: u32 = 10;

fn parse_effort(
    t: &Table,
    codes: &Codes,
    ms: &mut [Municipality],
    years: Option<std::ops::RangeInclusive<u32>>,
    problems: &mut Problems,
) {
    let mut seen: BTreeMap<(usize, u32), u64> = BTreeMap::new();
    let mut complete = vec![true; ms.len()];
    for row in t.rows(EFFORT_COLUMNS) {
        let m = municipality(&row, "municipality", codes, problems);
        let year = row.count_max("year", 9999, problems);
        let places = row.real("avg_occupied_places", 0.0, MAX_OCCUPIED, problems);
        if let (Some(y), Some(range)) = (year, &years) {
            if !range.contains(&y) {
                problems.push(row.problem(
                    "year",
                    format!(
                        "{y} is not one of the {EFFORT_YEARS} years before the cycle; expected a year from {} to {}",
                        range.start(),
                        range.end()
                    ),
                ));
                if let Some(m) = m {
                    complete[m] = false;
                }
                continue;
            }
        }
        let (Some(m), Some(year), Some(places)) = (m, year, places) else {
            if let Some(m) = m {
                complete[m] = false;
            }
            continue;
        };
        if let Some(first) = seen.insert((m, year), row.line) {
            problems
                .push(row.problem("year", format!("duplicate year {year} for {}; first on line {first}", ms[m].code)));
            continue;
        }
        ms[m].effort_places += places;
        ms[m].effort_years += 1;
        ms[m].effort_by_year.push((year, places));
    }
    for m in ms.iter_mut() {
        m.effort_by_year.sort_by_key(|&(y, _)| y);
    }
    // Every municipality has every year (0 where it hosted nobody); a municipality whose rows
    // have problems of their own is not reported again.
    let Some(range) = years else { return };
    for (i, m) in ms.iter().enumerate() {
        if !complete[i] {
            continue;
        }
        let missing: Vec<String> =
            range.clone().filter(|y| !seen.contains_key(&(i, *y))).map(|y| y.to_string()).collect();
        if !missing.is_empty() {
            problems.push(Problem::at(
                &t.name,
                None,
                Some("year"),
                format!(
                    "no row for {} ({}) in {}; every municipality needs one row per year {}-{} (0 where it hosted nobody)",
                    m.code,
                    m.name,
                    missing.join(", "),
                    range.start(),
                    range.end()
                ),
            ));
        }
    }
}

fn parse_feasibility(t: &Table, codes: &Codes, ms: &mut [Municipality], problems: &mut Problems) {
    let mut seen: BTreeMap<usize, u64> = BTreeMap::new();
    for row in t.rows(FEASIBILITY_COLUMNS) {
        let m = municipality(&row, "municipality", codes, problems);
        if let Some(m) = m {
            if let Some(first) = seen.insert(m, row.line) {
                problems.push(
                    row.problem("municipality", format!("duplicate row for {}; first on line {first}", ms[m].code)),
                );
                continue;
            }
        }
        let regular = row.count("max_additional_regular", problems);
        let amv = row.count("max_additional_amv", problems);
        let score = row.real("score", 0.0, 1.0, problems);
        let (Some(m), Some(regular), Some(amv), Some(score)) = (m, regular, amv, score) else {
            continue;
        };
        ms[m].cap = PerCommodity { regular, amv };
        ms[m].feasibility_score = score;
        ms[m].feasibility_reason = row.text("reason").to_owned();
    }
    for (i, m) in ms.iter().enumerate() {
        if !seen.contains_key(&i) {
            problems.push(Problem::at(
                &t.name,
                None,
                Some("municipality"),
                format!("no row for {} ({}); every municipality needs its caps and score", m.code, m.name),
            ));
        }
    }
}

fn parse_exclusions(t: &Table, codes: &Codes, ms: &mut [Municipality], problems: &mut Problems) {
    let mut seen: BTreeMap<usize, u64> = BTreeMap::new();
    for row in t.rows(EXCLUSION_COLUMNS) {
        let Some(m) = municipality(&row, "municipality", codes, problems) else {
            continue;
        };
        if let Some(first) = seen.insert(m, row.line) {
            problems.push(
                row.problem("municipality", format!("duplicate exclusion of {}; first on line {first}", ms[m].code)),
            );
            continue;
        }
        ms[m].excluded = Some(row.text("reason").to_owned());
    }
}

fn parse_locations(t: &Table, codes: &Codes, problems: &mut Problems) -> Vec<LocationShare> {
    let mut out = Vec::new();
    for row in t.rows(LOCATION_COLUMNS) {
        let id = row.required("location_id", problems);
        let m = municipality(&row, "municipality", codes, problems);
        let regular = row.count("places_regular", problems);
        let amv = row.count("places_amv", problems);
        let status = row.choice(
            "status",
            &[
                ("existing", LocationStatus::Existing),
                ("planned", LocationStatus::Planned),
                ("intention", LocationStatus::Intention),
            ],
            problems,
        );
        let opens = row.date("opens", problems);
        let closes = row.optional_date("closes", problems);
        let bridging = row.boolean("bridging", problems);
        let total = row.count("location_total", problems);
        if let (Some(opens), Some(Some(closes))) = (opens, closes) {
            if closes < opens {
                problems.push(
                    row.problem(
                        "closes",
                        format!("{closes} is before opens {opens}; a location closes after it opens"),
                    ),
                );
                continue;
            }
        }
        let (
            Some(id),
            Some(m),
            Some(regular),
            Some(amv),
            Some(status),
            Some(opens),
            Some(closes),
            Some(bridging),
            Some(total),
        ) = (id, m, regular, amv, status, opens, closes, bridging, total)
        else {
            continue;
        };
        out.push((
            row.line,
            LocationShare {
                location_id: id.to_owned(),
                municipality: m,
                places: PerCommodity { regular, amv },
                status,
                opens,
                closes,
                bridging,
                location_total: total,
                source: row.source(),
            },
        ));
    }
    check_shared_locations(&t.name, &out, problems);
    out.into_iter().map(|(_, l)| l).collect()
}

/// Validates a location list on its own against a data set's municipalities: a monitoring
/// snapshot (`spreiding monitor add`), in the data set's `locations.csv` format and with its
/// checks (columns, codes, dates, shared locations, the per-municipality limit), each problem
/// named with the snapshot's file, line and field.
pub fn parse_locations_source(source: &Source, dataset: &Dataset) -> Result<Vec<LocationShare>, InputError> {
    let mut problems = Problems::default();
    let codes: Codes = dataset.municipalities.iter().enumerate().map(|(i, m)| (m.code, Some(i))).collect();
    let locations = match read_table(source, LOCATION_COLUMNS, &mut problems) {
        Some(t) => parse_locations(&t, &codes, &mut problems),
        None => return Err(problems.into_error()),
    };
    for (m, c, total) in totals_above_limit(&locations, dataset.municipalities.len()) {
        problems.push(Problem::at(
            &source.name,
            None,
            Some("municipality"),
            format!(
                "the locations of {} add up to {total} {c} places, more than the {MAX_PLACES} a municipality may report",
                dataset.municipalities[m].code
            ),
        ));
    }
    problems.into_result(locations)
}

/// Municipalities whose location rows add up to more than [`MAX_PLACES`] of a commodity, with
/// the commodity and the sum: no municipality can report that many, and below it no counted
/// number or obligation can overflow.
pub(crate) fn municipality_totals_above_limit(d: &Dataset) -> Vec<(usize, crate::model::Commodity, u64)> {
    totals_above_limit(&d.locations, d.municipalities.len())
}

/// [`municipality_totals_above_limit`] of a location list over `n` municipalities.
fn totals_above_limit(locations: &[LocationShare], n: usize) -> Vec<(usize, crate::model::Commodity, u64)> {
    let mut sums = vec![PerCommodity { regular: 0u64, amv: 0u64 }; n];
    for l in locations {
        sums[l.municipality].regular += u64::from(l.places.regular);
        sums[l.municipality].amv += u64::from(l.places.amv);
    }
    let mut out = Vec::new();
    for (m, s) in sums.iter().enumerate() {
        for c in crate::model::Commodity::ALL {
            if s.of(c) > u64::from(MAX_PLACES) {
                out.push((m, c, s.of(c)));
            }
        }
    }
    out
}

/// The shares of one location must not add up to more than its total (no double counting), a
/// municipality appears once per location, and all rows agree on the total.
fn check_shared_locations(path: &str, rows: &[(u64, LocationShare)], problems: &mut Problems) {
    let mut by_id: BTreeMap<&str, Vec<&(u64, LocationShare)>> = BTreeMap::new();
    for r in rows {
        by_id.entry(r.1.location_id.as_str()).or_default().push(r);
    }
    for (id, rs) in by_id {
        let first_line = rs[0].0;
        let total = rs[0].1.location_total;
        let mut municipalities = BTreeSet::new();
        for (line, l) in &rs {
            if l.location_total != total {
                problems.push(Problem::at(
                    path,
                    Some(*line),
                    Some("location_total"),
                    format!(
                        "{} differs from {total} on line {first_line} for the same location {id}",
                        l.location_total
                    ),
                ));
            }
            if !municipalities.insert(l.municipality) {
                problems.push(Problem::at(
                    path,
                    Some(*line),
                    Some("municipality"),
                    format!("location {id} is listed twice for the same municipality (first on line {first_line}); give each municipality one share"),
                ));
            }
        }
        let shares: u64 = rs.iter().map(|(_, l)| u64::from(l.places.regular) + u64::from(l.places.amv)).sum();
        if shares > u64::from(total) {
            let lines: Vec<String> = rs.iter().map(|(line, _)| line.to_string()).collect();
            let (last_line, _) = rs[rs.len() - 1];
            problems.push(Problem::at(
                path,
                Some(*last_line),
                Some("places_regular"),
                format!(
                    "the shares of location {id} (lines {}) add up to {shares} places, more than its location_total {total}: a shared location must be split, never counted twice",
                    lines.join(", ")
                ),
            ));
        }
    }
}
