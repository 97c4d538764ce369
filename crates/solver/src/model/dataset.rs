//! The validated data set of one cycle: provinces, municipalities and the locations reported.

use super::{CoropCode, Date, MunicipalityCode, PerCommodity, ProvinceCode};

use serde::{Deserialize, Serialize};

/// A municipality or province that a name or code given by a user does not find (the message
/// says why and what would be valid).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnknownName(pub String);

/// The dates and national totals of one cycle of the Spreidingswet (`cycle.toml`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cycle {
    /// Cycle id, e.g. `2024-2026`.
    pub id: String,
    /// National number of places, AMV included.
    pub national_total: u32,
    /// National number of AMV places.
    pub national_amv: u32,
    /// First day of the cycle.
    pub start: Date,
    /// Day the provincial reports are due.
    pub report_deadline: Date,
    /// A place must be available on this date to count...
    pub counting_date: Date,
    /// ...and stay available until this day, the start of the next cycle.
    pub end: Date,
    /// Which places count (`[counting]`).
    pub counting: super::CycleCounting,
    /// How the indicative distribution is computed (`[indicative]`), if the cycle says.
    pub indicative: Option<super::IndicativeRules>,
}

/// A province with its task (the sum of its municipalities' indicative numbers).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Province {
    /// CBS code.
    pub code: ProvinceCode,
    /// Name.
    pub name: String,
    /// The provinciale opgave per commodity.
    pub target: PerCommodity<u32>,
    /// Places offered in the report of November 2024, as published (information only).
    pub offered_2024_11: u32,
    /// The target was set by a scenario override (and need not equal the sum of the
    /// indicative numbers).
    pub target_set_by_scenario: bool,
}

/// Whether an indicative number was published or reconstructed (see the data set's SOURCES.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IndicativeSource {
    /// Published in the public record.
    Published,
    /// Reconstructed from population and the welfare proxy.
    Reconstructed,
}

impl IndicativeSource {
    /// The word in `municipalities.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicativeSource::Published => "published",
            IndicativeSource::Reconstructed => "reconstructed",
        }
    }
}

/// A municipality with all its inputs (indicative numbers, effort, feasibility, exclusion).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Municipality {
    /// CBS code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Index of its province in [`Dataset::provinces`].
    pub province: usize,
    /// COROP region.
    pub corop: CoropCode,
    /// Inhabitants on 1 January of the cycle's first year.
    pub population: u32,
    /// Standardised welfare score (stand-in for CBS SES-WOA).
    pub welvaart_proxy: f64,
    /// Indicative number per commodity.
    pub indicative: PerCommodity<u32>,
    /// Published or reconstructed.
    pub indicative_source: IndicativeSource,
    /// Sum over the effort years of the average number of occupied places.
    pub effort_places: f64,
    /// Number of effort years reported (the data set has 10: 2014..2023).
    pub effort_years: u32,
    /// The effort per year as reported (year, average occupied places), by year; empty for a
    /// data set built in code with only the sum. Scenario and claim corrections of one year
    /// need it.
    #[serde(skip)]
    pub effort_by_year: Vec<(u32, f64)>,
    /// Cap on additional places per commodity (feasibility).
    pub cap: PerCommodity<u32>,
    /// How feasible new places are, 0..1.
    pub feasibility_score: f64,
    /// Why the feasibility is what it is (may be empty).
    pub feasibility_reason: String,
    /// Why the municipality is excluded from additional places, if it is.
    pub excluded: Option<String>,
}

/// Status of a reported location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LocationStatus {
    /// In use.
    Existing,
    /// Decided, not yet open.
    Planned,
    /// Without a firm decision.
    Intention,
}

impl LocationStatus {
    /// The word in `locations.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationStatus::Existing => "existing",
            LocationStatus::Planned => "planned",
            LocationStatus::Intention => "intention",
        }
    }

    /// The Dutch word for decision texts.
    pub fn dutch(self) -> &'static str {
        match self {
            LocationStatus::Existing => "bestaand",
            LocationStatus::Planned => "gepland",
            LocationStatus::Intention => "intentie",
        }
    }
}

/// One municipality's share of a reported location (a shared location has one row per municipality).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocationShare {
    /// Location id (shared by the rows of one location).
    pub location_id: String,
    /// Index of the municipality in [`Dataset::municipalities`].
    pub municipality: usize,
    /// This municipality's places per commodity.
    pub places: PerCommodity<u32>,
    /// Firmness of the location.
    pub status: LocationStatus,
    /// Opening date.
    pub opens: Date,
    /// Closing date; `None` is open-ended.
    pub closes: Option<Date>,
    /// The municipality runs bridging reception until this location opens.
    pub bridging: bool,
    /// The whole location's capacity (all municipalities' shares together).
    pub location_total: u32,
    /// Where the row came from (`file:line`), for explanations.
    pub source: String,
}

/// A validated data set.
///
/// Provinces and municipalities are sorted by code; other structures refer to them by index.
/// Its fields are read through methods: a `Dataset` is built only by the crate's readers
/// (`io::parse_dataset`, `io::build_dataset`), which validate it, and derived values (the
/// national effort ratio) are computed there, so they cannot go stale. To change one, take its
/// [`DatasetParts`], change them and build again.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dataset {
    /// What the data set is called (the folder it was read from, or a caller's label).
    pub(crate) label: String,
    /// The texts it was read from (empty for a data set built in code); see
    /// [`Dataset::content_hash`].
    #[serde(skip)]
    pub(crate) sources: std::sync::Arc<super::DatasetSources>,
    /// Cycle dates and totals.
    pub(crate) cycle: Cycle,
    /// Provinces, sorted by code.
    pub(crate) provinces: Vec<Province>,
    /// Municipalities, sorted by code.
    pub(crate) municipalities: Vec<Municipality>,
    /// Location rows, in file order.
    pub(crate) locations: Vec<LocationShare>,
    /// National effort ratio: all occupied places over all effort years per inhabitant.
    pub(crate) national_effort_ratio: f64,
}

/// The parts of a data set, unvalidated: what `io::build_dataset` checks and turns into a
/// [`Dataset`] (and what [`Dataset::to_parts`] gives back to change).
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetParts {
    /// What the data set is called.
    pub label: String,
    /// Cycle dates and totals.
    pub cycle: Cycle,
    /// Provinces, sorted by code.
    pub provinces: Vec<Province>,
    /// Municipalities, sorted by code.
    pub municipalities: Vec<Municipality>,
    /// Location rows.
    pub locations: Vec<LocationShare>,
}

impl Dataset {
    /// What the data set is called (the folder it was read from, or a caller's label).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The texts it was read from (empty for a data set built from parts).
    pub fn sources(&self) -> &super::DatasetSources {
        &self.sources
    }

    /// Cycle dates and totals.
    pub fn cycle(&self) -> &Cycle {
        &self.cycle
    }

    /// Provinces, sorted by code.
    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    /// Municipalities, sorted by code.
    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    /// Location rows, in file order.
    pub fn locations(&self) -> &[LocationShare] {
        &self.locations
    }

    /// National occupied places per inhabitant over the effort years (the denominator of r_m),
    /// computed from the municipalities when the data set was built.
    pub fn national_effort_ratio(&self) -> f64 {
        self.national_effort_ratio
    }

    /// Its parts, to change and build again with `io::build_dataset`.
    pub fn to_parts(&self) -> DatasetParts {
        DatasetParts {
            label: self.label.clone(),
            cycle: self.cycle.clone(),
            provinces: self.provinces.clone(),
            municipalities: self.municipalities.clone(),
            locations: self.locations.clone(),
        }
    }

    /// SHA-256 of the texts it was read from ([`super::DatasetSources::content_hash`]): the
    /// data set's identity in fingerprints, whatever its label. Computed when asked (a solve
    /// does not need it).
    pub fn content_hash(&self) -> String {
        self.sources.content_hash()
    }

    /// National occupied places per inhabitant over the effort years (the denominator of r_m).
    pub(crate) fn compute_national_effort_ratio(municipalities: &[Municipality]) -> f64 {
        let (places, population) =
            municipalities.iter().fold((0.0, 0.0), |(p, n), m| (p + m.effort_places, n + f64::from(m.population)));
        if population > 0.0 {
            places / population
        } else {
            0.0
        }
    }

    /// Index of a municipality by code.
    pub fn municipality_index(&self, code: &MunicipalityCode) -> Option<usize> {
        self.municipalities.binary_search_by(|m| m.code.cmp(code)).ok()
    }

    /// Index of a province by code.
    pub fn province_index(&self, code: &ProvinceCode) -> Option<usize> {
        self.provinces.binary_search_by(|p| p.code.cmp(code)).ok()
    }

    /// A municipality by code (any case), or by its exact name (case-insensitive); a name that
    /// matches several is refused, listing them. The lookup of every front end (`explain`,
    /// `what-if`, the service).
    pub fn find_municipality(&self, given: &str) -> Result<MunicipalityCode, UnknownName> {
        if let Some(code) = MunicipalityCode::parse(given.trim()) {
            if self.municipality_index(&code).is_some() {
                return Ok(code);
            }
            return Err(UnknownName(format!("unknown municipality {code}: it is not in the data set")));
        }
        let matches: Vec<_> =
            self.municipalities.iter().filter(|m| m.name.eq_ignore_ascii_case(given.trim())).collect();
        match matches.as_slice() {
            [m] => Ok(m.code),
            [] => Err(UnknownName(format!(
                "unknown municipality `{given}`: give a code like GM0014 or a name from municipalities.csv"
            ))),
            several => {
                let list: Vec<String> = several
                    .iter()
                    .map(|m| format!("{} ({}, {})", m.code, m.name, self.provinces[m.province].name))
                    .collect();
                Err(UnknownName(format!(
                    "`{given}` names {} municipalities: {}; give the code",
                    several.len(),
                    list.join(", ")
                )))
            }
        }
    }

    /// A province by code (any case) or exact name (case-insensitive), as `--province` takes
    /// it; the message lists the valid codes.
    pub fn find_province(&self, given: &str) -> Result<ProvinceCode, UnknownName> {
        let t = given.trim();
        ProvinceCode::parse(&t.to_ascii_uppercase())
            .filter(|c| self.province_index(c).is_some())
            .or_else(|| self.provinces.iter().find(|p| p.name.eq_ignore_ascii_case(t)).map(|p| p.code))
            .ok_or_else(|| {
                let known: Vec<String> = self.provinces.iter().map(|p| p.code.to_string()).collect();
                UnknownName(format!("--province {given}: not a province of the data set; one of {}", known.join(", ")))
            })
    }

    /// Indices of each province's municipalities (sorted by code), by province index.
    pub fn members_by_province(&self) -> Vec<Vec<usize>> {
        let mut members = vec![Vec::new(); self.provinces.len()];
        for (i, m) in self.municipalities.iter().enumerate() {
            members[m.province].push(i);
        }
        members
    }

    /// Relative effort r_m of a municipality: its occupied places per inhabitant over the effort
    /// years, divided by the national ratio (MODEL.md 3.4). 1 is the national average.
    pub fn relative_effort(&self, municipality: usize) -> f64 {
        let m = &self.municipalities[municipality];
        if self.national_effort_ratio <= 0.0 || m.population == 0 {
            return 0.0;
        }
        (m.effort_places / f64::from(m.population)) / self.national_effort_ratio
    }
}
