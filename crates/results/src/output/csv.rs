//! `--format csv`: one row per municipality and commodity, with its province's status.

use anyhow::Result;
use spreiding_solver::model::Dataset;
use spreiding_solver::report::Report;
use spreiding_solver::Solution;
use std::collections::BTreeMap;

/// The columns of `--format csv` (the core names them: the Python package's tables have the
/// same).
pub const COLUMNS: [&str; 17] = spreiding_solver::report::CSV_COLUMNS;

/// Hands each row of `--format csv` (one per municipality and commodity) to `sink`.
pub fn each_row(report: &Report, mut sink: impl FnMut(&[&str]) -> Result<()>) -> Result<()> {
    let status: BTreeMap<_, _> = report.provinces.iter().map(|p| ((&p.code, p.commodity), p)).collect();
    for m in &report.municipalities {
        let p = status.get(&(&m.province, m.commodity));
        sink(&[
            m.code.as_str(),
            &m.name,
            m.province.as_str(),
            m.commodity.as_str(),
            &m.indicative.to_string(),
            &m.counted.to_string(),
            if m.eligible { "true" } else { "false" },
            &m.key.to_string(),
            &m.cap.map_or_else(String::new, |c| c.to_string()),
            &m.exact.to_string(),
            &m.allocated.to_string(),
            &m.beyond_cap.to_string(),
            &m.obligation.to_string(),
            m.reason.as_str(),
            m.rounding,
            p.map_or("", |p| p.status.as_str()),
            &p.map_or_else(String::new, |p| p.shortfall.to_string()),
        ])?;
    }
    Ok(())
}

/// The column a scenario that leaves places above the task out (`above_task` ignored or
/// effort) adds at the end; the default's columns stay as they were.
pub const ABOVE_TASK: &str = "above_task";

pub fn render(dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    let report = Report::new(dataset, solution);
    let mut w = csv::Writer::from_writer(Vec::new());
    let above = report.above_task.is_some();
    let minimum = !report.minimum.is_none();
    if !above && !minimum {
        w.write_record(COLUMNS)?;
        each_row(&report, |row| Ok(w.write_record(row)?))?;
    } else {
        // The default's columns stay as they were; each setting adds its columns at the end.
        let mut header: Vec<&str> = COLUMNS.to_vec();
        if above {
            header.push(ABOVE_TASK);
        }
        if minimum {
            header.extend(spreiding_solver::report::MINIMUM_COLUMNS);
        }
        w.write_record(&header)?;
        let mut extras = report.municipalities.iter().map(|m| {
            let mut extra: Vec<String> = Vec::new();
            if above {
                extra.push(m.above_task.to_string());
            }
            if minimum {
                extra.push(m.without_minimum.map_or_else(String::new, |v| v.to_string()));
                extra.push(m.minimum_change.map_or("", |c| c.as_str()).to_owned());
            }
            extra
        });
        each_row(&report, |row| {
            let extra = extras.next().unwrap_or_default();
            Ok(w.write_record(row.iter().copied().chain(extra.iter().map(String::as_str)))?)
        })?;
    }
    Ok(w.into_inner()?)
}
