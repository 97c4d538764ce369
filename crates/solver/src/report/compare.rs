//! Comparison of scenario results: summary metrics per scenario, robustness bands per
//! municipality over a sweep, and the grouping of results against a baseline
//! ([`ComparisonBuilder`], [`Comparison`]). Pure functions over [`crate::report::results`]
//! records; reading the files and rendering the comparison are the front ends' work.
//!
//! Definitions (per scenario):
//! - *total allocated*: whole places allocated, all provinces and both commodities;
//! - *receiving*: municipalities allocated at least one place (either commodity);
//! - *at cap*: municipalities at their cap in at least one commodity;
//! - *deviation from the indicative share*, per municipality and commodity: its obligation
//!   (counted + allocated) minus its indicative share of what its province ends up with,
//!   `I_m * sum(obligations) / sum(I)` over the province; the largest and the mean absolute
//!   value, in places;
//! - *Gini* of the obligations (regular + AMV) per 1,000 inhabitants over the municipalities of
//!   each province, and its mean over the provinces.

use crate::io::Source;
use crate::model::limits::count;
use crate::model::{entries, entry, entry_of, Commodity};
use crate::report::results::{read_lines, Header, ReadError, Record, ScenarioOutcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// The summary metrics of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Scenario id.
    pub id: String,
    /// ok | infeasible | failed.
    pub outcome: ScenarioOutcome,
    /// Whole places allocated.
    pub total_allocated: u64,
    /// Places that could not be allocated.
    pub missing: u64,
    /// Provinces (per commodity) that are infeasible.
    pub infeasible_provinces: u32,
    /// Municipalities receiving places.
    pub receiving: u32,
    /// Municipalities at a cap.
    pub at_cap: u32,
    /// Largest absolute deviation from the indicative share, in places.
    pub max_deviation: f64,
    /// Mean absolute deviation from the indicative share, in places.
    pub mean_deviation: f64,
    /// Gini of obligations per 1,000 inhabitants, per province code.
    pub gini: BTreeMap<String, f64>,
    /// Mean of the provinces' Gini coefficients.
    pub mean_gini: f64,
}

impl Metrics {
    /// Names of the columns of [`Metrics::cells`].
    pub const COLUMNS: [&'static str; 9] = [
        "outcome",
        "total_allocated",
        "missing",
        "infeasible_provinces",
        "receiving",
        "at_cap",
        "max_deviation",
        "mean_deviation",
        "mean_gini",
    ];

    /// The metrics as CSV cells, reals with 3 (deviations) or 6 (Gini) decimals, with a decimal
    /// comma when `decimal_comma`.
    pub fn cells(&self, decimal_comma: bool) -> [String; 9] {
        let real = |x: f64, d: usize| {
            let s = format!("{x:.d$}");
            if decimal_comma {
                s.replace('.', ",")
            } else {
                s
            }
        };
        [
            self.outcome.as_str().to_owned(),
            self.total_allocated.to_string(),
            self.missing.to_string(),
            self.infeasible_provinces.to_string(),
            self.receiving.to_string(),
            self.at_cap.to_string(),
            real(self.max_deviation, 3),
            real(self.mean_deviation, 3),
            real(self.mean_gini, 6),
        ]
    }
}

/// The Gini coefficient of non-negative values: sum_ij |v_i - v_j| / (2 n^2 mean); 0 when all
/// are 0 or there are none.
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len();
    let sum: f64 = values.iter().sum();
    if n == 0 || sum <= 0.0 {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    // sum_ij |v_i - v_j| = 2 sum_i (2i - n + 1) v_(i) with 0-based sorted order.
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (2.0 * i as f64 - n as f64 + 1.0) * x).sum();
    weighted / (n as f64 * sum)
}

/// What the metrics need from a header, looked up once: each municipality's province number.
#[derive(Clone, Debug)]
pub struct MetricsContext {
    provinces: Vec<String>,
    province_of: Vec<usize>,
    indicative: Vec<[f64; 2]>,
    population: Vec<f64>,
}

impl MetricsContext {
    /// The context of a header.
    pub fn new(header: &Header) -> Self {
        let mut provinces: Vec<String> = header.municipalities.iter().map(|m| m.province.clone()).collect();
        provinces.sort();
        provinces.dedup();
        let ms = &header.municipalities;
        MetricsContext {
            province_of: ms.iter().map(|m| provinces.binary_search(&m.province).unwrap_or(0)).collect(),
            indicative: ms.iter().map(|m| [f64::from(m.indicative[0]), f64::from(m.indicative[1])]).collect(),
            population: ms.iter().map(|m| f64::from(m.population)).collect(),
            provinces,
        }
    }
}

/// The metrics of a record. A failed record has zeros.
pub fn metrics(ctx: &MetricsContext, record: &Record) -> Metrics {
    let n = ctx.province_of.len();
    let mut m = Metrics {
        id: record.id.clone(),
        outcome: record.outcome,
        total_allocated: 0,
        missing: record.provinces.iter().map(|p| u64::from(p.missing)).sum(),
        infeasible_provinces: count(record.provinces.iter().filter(|p| p.missing > 0).count()),
        receiving: 0,
        at_cap: 0,
        max_deviation: 0.0,
        mean_deviation: 0.0,
        gini: BTreeMap::new(),
        mean_gini: 0.0,
    };
    if record.outcome == ScenarioOutcome::Failed
        || record.allocated.len() != entries(n)
        || record.counted.len() != entries(n)
    {
        return m;
    }
    let obligation = |k: usize| record.obligation(k) as f64;
    m.total_allocated = record.allocated.iter().map(|&a| u64::from(a)).sum();
    let assigned = |k: usize| record.allocated[k] + record.beyond(k);
    m.receiving = count(
        (0..n).filter(|&i| assigned(entry(i, Commodity::Regular)) + assigned(entry(i, Commodity::Amv)) > 0).count(),
    );
    let mut capped_municipalities: Vec<usize> = record.capped.iter().map(|&k| entry_of(k as usize).0).collect();
    capped_municipalities.dedup();
    m.at_cap = count(capped_municipalities.len());

    // Province sums of obligations and indicative numbers, per commodity.
    let mut sums = vec![[(0.0_f64, 0.0_f64); 2]; ctx.provinces.len()];
    for (i, (&p, indicative)) in ctx.province_of.iter().zip(&ctx.indicative).enumerate() {
        for (c, (e, ind)) in Commodity::ALL.into_iter().zip(sums[p].iter_mut().zip(indicative)) {
            e.0 += obligation(entry(i, c));
            e.1 += ind;
        }
    }
    let (mut max, mut total) = (0.0_f64, 0.0);
    for (i, (&p, indicative)) in ctx.province_of.iter().zip(&ctx.indicative).enumerate() {
        for (c, (&(o, sum), &ind)) in Commodity::ALL.into_iter().zip(sums[p].iter().zip(indicative)) {
            let expected = if sum > 0.0 { ind * o / sum } else { 0.0 };
            let d = (obligation(entry(i, c)) - expected).abs();
            max = max.max(d);
            total += d;
        }
    }
    m.max_deviation = max;
    m.mean_deviation = if n == 0 { 0.0 } else { total / entries(n) as f64 };

    let mut per_province: Vec<Vec<f64>> = vec![Vec::new(); ctx.provinces.len()];
    for i in 0..n {
        let per_1000 = if ctx.population[i] > 0.0 {
            (obligation(entry(i, Commodity::Regular)) + obligation(entry(i, Commodity::Amv))) * 1000.0
                / ctx.population[i]
        } else {
            0.0
        };
        per_province[ctx.province_of[i]].push(per_1000);
    }
    for (p, values) in ctx.provinces.iter().zip(&per_province) {
        m.gini.insert(p.clone(), gini(values));
    }
    m.mean_gini = if m.gini.is_empty() { 0.0 } else { m.gini.values().sum::<f64>() / m.gini.len() as f64 };
    m
}

/// Min, median and max of whole numbers, in bounded memory (a count per distinct value).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    counts: BTreeMap<u32, u64>,
    n: u64,
}

impl Band {
    /// Adds a value.
    pub fn add(&mut self, v: u32) {
        *self.counts.entry(v).or_default() += 1;
        self.n += 1;
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when no value was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Smallest value.
    pub fn min(&self) -> Option<u32> {
        self.counts.keys().next().copied()
    }

    /// Largest value.
    pub fn max(&self) -> Option<u32> {
        self.counts.keys().next_back().copied()
    }

    /// The median: the middle value, or the mean of the two middle values.
    pub fn median(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let nth = |k: u64| {
            let mut seen = 0;
            for (&v, &c) in &self.counts {
                seen += c;
                if seen > k {
                    return f64::from(v);
                }
            }
            0.0
        };
        Some(if self.n % 2 == 1 { nth(self.n / 2) } else { (nth(self.n / 2 - 1) + nth(self.n / 2)) / 2.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_equal_values_is_zero_and_of_one_holder_is_one_minus_one_over_n() {
        assert!(gini(&[3.0, 3.0, 3.0]).abs() < 1e-12);
        assert!((gini(&[0.0, 0.0, 0.0, 8.0]) - 0.75).abs() < 1e-12);
        // Pairwise by hand: values 1, 2, 3: sum |vi - vj| over ordered pairs = 8;
        // 8 / (2 * 9 * 2) = 0.2222...
        assert!((gini(&[2.0, 3.0, 1.0]) - 8.0 / 36.0).abs() < 1e-12);
        assert!(gini(&[]).abs() < 1e-300);
    }

    #[test]
    fn band_median_of_even_and_odd_counts() {
        let mut b = Band::default();
        for v in [5, 1, 3] {
            b.add(v);
        }
        assert_eq!((b.min(), b.max(), b.median()), (Some(1), Some(5), Some(3.0)));
        b.add(4);
        assert_eq!(b.median(), Some(3.5));
    }
}

/// The values of one group for every entry (municipality and commodity, flat index).
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// One scenario: its allocations.
    One(Vec<u32>),
    /// Several scenarios (a sweep): the band of each entry.
    Bands(Vec<Band>),
    /// No scenario of the group was solved.
    Failed,
}

/// A scenario, or the scenarios of a sweep (ids `name/...`) of one result argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The scenario id, or the sweep's name.
    pub label: String,
    /// Its allocations or bands.
    pub values: Values,
    /// The metrics of each of its scenarios.
    pub metrics: Vec<Metrics>,
}

/// Why results cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A result file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Results of different data sets.
    #[error("{0}: its municipalities differ from those of the first result; compare results on the same data set")]
    OtherDataSet(String),
    /// The baseline asked for is not among the solved scenarios.
    #[error("no solved scenario with the id {0} in the results")]
    NoBaseline(String),
    /// Nothing was solved.
    #[error("no solved scenario in the results")]
    NothingSolved,
}

/// A group being read.
struct GroupBuilder {
    label: String,
    first: Option<Vec<u32>>,
    bands: Option<Vec<Band>>,
    metrics: Vec<Metrics>,
}

impl GroupBuilder {
    fn add(&mut self, r: Record) {
        match (&mut self.first, &mut self.bands) {
            (None, None) => self.first = Some(r.allocated),
            (first, bands) => {
                let bands = bands.get_or_insert_with(|| vec![Band::default(); r.allocated.len()]);
                if let Some(first) = first.take() {
                    for (b, v) in bands.iter_mut().zip(first) {
                        b.add(v);
                    }
                }
                for (b, &v) in bands.iter_mut().zip(&r.allocated) {
                    b.add(v);
                }
            }
        }
    }

    fn build(self) -> Group {
        let values = match (self.first, self.bands) {
            (_, Some(b)) => Values::Bands(b),
            (Some(one), None) => Values::One(one),
            (None, None) => Values::Failed,
        };
        Group { label: self.label, values, metrics: self.metrics }
    }
}

/// Builds a comparison from result files, one result argument (a run's folder, or a file) at a
/// time, streaming the records: memory holds one file and the groups' bands.
pub struct ComparisonBuilder {
    wanted: Option<String>,
    header: Option<Header>,
    baseline: Option<(String, Vec<u32>)>,
    groups: Vec<Group>,
}

impl ComparisonBuilder {
    /// A comparison against the scenario `baseline` (default: the first solved one).
    pub fn new(baseline: Option<&str>) -> Self {
        ComparisonBuilder { wanted: baseline.map(str::to_owned), header: None, baseline: None, groups: Vec::new() }
    }

    /// Adds the result files of one result argument, in order. Within it a scenario without a
    /// sweep prefix is a group of its own and the scenarios of a sweep (`name/...`) form one
    /// group. `files` yields each file's text when it is needed.
    pub fn add_result<E>(&mut self, files: impl IntoIterator<Item = Result<Source, E>>) -> Result<(), E>
    where
        E: From<CompareError>,
    {
        self.add_read(files.into_iter().map(|file| {
            let file = file?;
            let (h, records) = read_lines(&file.name, &file.text).map_err(CompareError::from)?;
            Ok((file.name, h, records))
        }))
    }

    /// [`Self::add_result`] for result files already read (of any format): each file's name,
    /// header and records.
    pub fn add_read<E>(
        &mut self,
        files: impl IntoIterator<Item = Result<(String, Header, Vec<Record>), E>>,
    ) -> Result<(), E>
    where
        E: From<CompareError>,
    {
        let mut builders: Vec<GroupBuilder> = Vec::new();
        for file in files {
            let (name, h, records) = file?;
            if records.iter().any(|r| r.outcome != ScenarioOutcome::Failed) {
                match &self.header {
                    None => self.header = Some(h.clone()),
                    Some(first) => {
                        let codes = |h: &Header| h.municipalities.iter().map(|m| m.code.clone()).collect::<Vec<_>>();
                        if codes(first) != codes(&h) {
                            return Err(CompareError::OtherDataSet(name).into());
                        }
                    }
                }
            }
            let ctx = MetricsContext::new(&h);
            for r in records {
                let label = r.id.split_once('/').map_or(r.id.as_str(), |(prefix, _)| prefix).to_owned();
                let b = match builders.iter().position(|b| b.label == label) {
                    Some(i) => &mut builders[i],
                    None => {
                        builders.push(GroupBuilder { label, first: None, bands: None, metrics: Vec::new() });
                        let last = builders.len() - 1;
                        &mut builders[last]
                    }
                };
                b.metrics.push(metrics(&ctx, &r));
                if r.outcome == ScenarioOutcome::Failed {
                    continue;
                }
                if self.baseline.is_none() && self.wanted.as_deref().is_none_or(|w| w == r.id) {
                    self.baseline = Some((r.id.clone(), r.allocated.clone()));
                }
                b.add(r);
            }
        }
        // The same results given twice (or two runs with a scenario of the same name): the
        // later group is told apart by its place, so that every column has its own name.
        for mut b in builders {
            let taken = |label: &str| self.groups.iter().any(|g| g.label == label);
            if taken(&b.label) {
                let base = b.label.clone();
                let mut k = 2;
                while taken(&format!("{base} ({k})")) {
                    k += 1;
                }
                b.label = format!("{base} ({k})");
            }
            self.groups.push(b.build());
        }
        Ok(())
    }

    /// The comparison; refused when nothing was solved or the baseline asked for is missing.
    pub fn finish(self) -> Result<Comparison, CompareError> {
        match (self.header, self.baseline) {
            (Some(header), Some((base_id, base))) => Ok(Comparison { header, base_id, base, groups: self.groups }),
            _ => Err(match self.wanted {
                Some(id) => CompareError::NoBaseline(id),
                None => CompareError::NothingSolved,
            }),
        }
    }
}

/// Results side by side: every group's values per entry, against the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The municipalities the entries index (entry k is municipality k / 2, regular for even k).
    pub header: Header,
    /// The baseline scenario's id.
    pub base_id: String,
    /// The baseline's allocations per entry.
    pub base: Vec<u32>,
    /// The groups, in the order read.
    pub groups: Vec<Group>,
}

impl Comparison {
    /// The entries with their commodity, in order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, crate::model::Commodity)> + '_ {
        (0..self.base.len()).map(|k| (k, entry_of(k).1))
    }

    /// True when entry `k` differs from the baseline in some group.
    pub fn changed(&self, k: usize) -> bool {
        self.groups.iter().any(|g| match &g.values {
            Values::One(v) => v[k] != self.base[k],
            Values::Bands(b) => b[k].min() != Some(self.base[k]) || b[k].max() != Some(self.base[k]),
            Values::Failed => false,
        })
    }

    /// The province codes of the header, sorted.
    pub fn provinces(&self) -> Vec<String> {
        let mut p: Vec<String> = self.header.municipalities.iter().map(|m| m.province.clone()).collect();
        p.sort();
        p.dedup();
        p
    }
}

/// Two cycles' results side by side: `compare` of a scenario of one cycle against one of
/// another. Municipalities are lined up by code (a municipality in one cycle only has no
/// number in the other); per municipality and commodity the obligation in each cycle and the
/// change; per commodity and in total, how many municipalities' numbers rose, fell or stayed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrossCycle {
    /// The cycles, first as given first.
    pub cycles: [String; 2],
    /// The scenario ids compared.
    pub scenarios: [String; 2],
    /// Per municipality (by code) and commodity.
    pub rows: Vec<CrossRow>,
    /// Per commodity, then `total` (regular and AMV together per municipality).
    pub summary: Vec<CrossSummary>,
}

/// One municipality and commodity in two cycles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrossRow {
    /// Code.
    pub code: String,
    /// Name (the later cycle's where both have it).
    pub name: String,
    /// Province code.
    pub province: String,
    /// regular | amv.
    pub commodity: Commodity,
    /// Obligation in each cycle (`None`: not a municipality of that cycle).
    pub obligation: [Option<u64>; 2],
    /// Second minus first, when in both.
    pub change: Option<i64>,
}

/// How the numbers moved between the cycles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrossSummary {
    /// regular, amv or total.
    pub commodity: String,
    /// Municipalities in both cycles.
    pub municipalities: u32,
    /// Of those, a higher number in the second cycle.
    pub rose: u32,
    /// A lower number.
    pub fell: u32,
    /// The same number.
    pub same: u32,
    /// Municipalities of the first cycle only, of the second only.
    pub only: [u32; 2],
    /// All obligations together, per cycle.
    pub obligation: [u64; 2],
}

/// The cross-cycle comparison of two solved scenarios (with their result files' headers).
pub fn cross_cycle(first: (&Header, &Record), second: (&Header, &Record)) -> CrossCycle {
    let sides = [first, second];
    // code -> (name, province, [index in each header])
    let mut by_code: BTreeMap<&str, (&str, &str, [Option<usize>; 2])> = BTreeMap::new();
    for (s, (h, _)) in sides.iter().enumerate() {
        for (i, m) in h.municipalities.iter().enumerate() {
            let e = by_code.entry(m.code.as_str()).or_insert((m.name.as_str(), m.province.as_str(), [None, None]));
            e.0 = m.name.as_str();
            e.1 = m.province.as_str();
            e.2[s] = Some(i);
        }
    }
    let obligation = |s: usize, i: Option<usize>, c: Commodity| -> Option<u64> {
        let r = sides[s].1;
        i.map(|i| entry(i, c)).filter(|&k| k < r.counted.len()).map(|k| r.obligation(k))
    };
    let mut rows = Vec::new();
    let mut summary: Vec<CrossSummary> = ["regular", "amv", "total"]
        .iter()
        .map(|c| CrossSummary {
            commodity: (*c).to_owned(),
            municipalities: 0,
            rose: 0,
            fell: 0,
            same: 0,
            only: [0, 0],
            obligation: [0, 0],
        })
        .collect();
    let tally = |s: &mut CrossSummary, o: [Option<u64>; 2]| match o {
        [Some(a), Some(b)] => {
            s.municipalities += 1;
            s.obligation[0] += a;
            s.obligation[1] += b;
            match b.cmp(&a) {
                std::cmp::Ordering::Greater => s.rose += 1,
                std::cmp::Ordering::Less => s.fell += 1,
                std::cmp::Ordering::Equal => s.same += 1,
            }
        }
        [Some(a), None] => {
            s.only[0] += 1;
            s.obligation[0] += a;
        }
        [None, Some(b)] => {
            s.only[1] += 1;
            s.obligation[1] += b;
        }
        [None, None] => {}
    };
    for (code, (name, province, idx)) in &by_code {
        let mut total = [None, None];
        for (ci, c) in Commodity::ALL.into_iter().enumerate() {
            let o = [obligation(0, idx[0], c), obligation(1, idx[1], c)];
            for s in 0..2 {
                total[s] = match (total[s], o[s]) {
                    (None, x) => x,
                    (Some(t), Some(x)) => Some(t + x),
                    (t, None) => t,
                };
            }
            tally(&mut summary[ci], o);
            rows.push(CrossRow {
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                province: (*province).to_owned(),
                commodity: c,
                obligation: o,
                change: match o {
                    [Some(a), Some(b)] => {
                        Some(i64::try_from(b).unwrap_or(i64::MAX) - i64::try_from(a).unwrap_or(i64::MAX))
                    }
                    _ => None,
                },
            });
        }
        tally(&mut summary[2], total);
    }
    CrossCycle {
        cycles: [first.0.cycle.clone(), second.0.cycle.clone()],
        scenarios: [first.1.id.clone(), second.1.id.clone()],
        rows,
        summary,
    }
}
