//! `--format csv`: one row per municipality and commodity, with its province's status.

use anyhow::Result;
use spreiding_solver::model::Dataset;
use spreiding_solver::report::Report;
use spreiding_solver::Solution;
use std::collections::BTreeMap;

/// The columns of `--format csv`.
pub const COLUMNS: [&str; 17] = [
    "code",
    "name",
    "province",
    "commodity",
    "indicative",
    "counted",
    "eligible",
    "key",
    "cap",
    "exact",
    "allocated",
    "beyond_cap",
    "obligation",
    "reason",
    "rounding",
    "province_status",
    "province_shortfall",
];

/// The rows of `--format csv`, one per municipality and commodity.
pub fn rows(report: &Report) -> Vec<Vec<String>> {
    let status: BTreeMap<_, _> = report.provinces.iter().map(|p| ((&p.code, p.commodity), p)).collect();
    report
        .municipalities
        .iter()
        .map(|m| {
            let p = status.get(&(&m.province, m.commodity));
            vec![
                m.code.to_string(),
                m.name.clone(),
                m.province.to_string(),
                m.commodity.as_str().to_owned(),
                m.indicative.to_string(),
                m.counted.to_string(),
                m.eligible.to_string(),
                m.key.to_string(),
                m.cap.map_or_else(String::new, |c| c.to_string()),
                m.exact.to_string(),
                m.allocated.to_string(),
                m.beyond_cap.to_string(),
                m.obligation.to_string(),
                m.reason.as_str().to_owned(),
                m.rounding.to_owned(),
                p.map_or("", |p| p.status.as_str()).to_owned(),
                p.map_or_else(String::new, |p| p.shortfall.to_string()),
            ]
        })
        .collect()
}

pub fn render(dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    let report = Report::new(dataset, solution);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for row in rows(&report) {
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}
