//! `spreiding indicative`: the indicative distribution as a table, CSV, JSON or an Excel
//! workbook, and as the data set's own files (`municipalities.csv`, `provinces.csv`).

use super::Format;
use anyhow::{Context, Result};
use spreiding_solver::indicative::{Indicative, IndicativeRow, Share};
use spreiding_solver::model::Dataset;
use std::fmt::Write as _;

/// The CSV columns, one row per municipality.
pub const COLUMNS: [&str; 17] = [
    "code",
    "name",
    "province",
    "population",
    "score",
    "factor",
    "weight",
    "pinned",
    "indicative_total",
    "indicative_regular",
    "indicative_amv",
    "over",
    "quota",
    "whole",
    "remainder_rank",
    "extra",
    "amv_quota",
];

/// The columns of the provinces table.
pub const PROVINCE_COLUMNS: [&str; 4] = ["code", "name", "indicative_regular", "indicative_amv"];

fn cells(r: &IndicativeRow) -> Vec<String> {
    let share = |f: fn(&Share) -> String| r.total_share.as_ref().map_or_else(String::new, f);
    vec![
        r.code.to_string(),
        r.name.clone(),
        r.province.to_string(),
        r.population.to_string(),
        r.score.to_string(),
        r.factor.to_string(),
        r.weight.to_string(),
        r.pinned.to_string(),
        r.total.to_string(),
        r.regular.to_string(),
        r.amv.to_string(),
        share(|s| s.over.clone()),
        share(|s| format!("{:.6}", s.quota)),
        share(|s| s.whole.to_string()),
        share(|s| s.rank.to_string()),
        share(|s| s.extra.to_string()),
        r.amv_share.as_ref().map_or_else(String::new, |s| format!("{:.6}", s.quota)),
    ]
}

/// Renders the distribution in a format (`xlsx`: provinces, municipalities and the rules).
pub fn render(format: Format, d: &Indicative) -> Result<Vec<u8>> {
    match format {
        Format::Json => Ok((serde_json::to_string_pretty(d)? + "\n").into_bytes()),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)?;
            for r in &d.municipalities {
                w.write_record(cells(r).iter().map(|c| super::spreadsheet_safe(c).into_owned()))?;
            }
            Ok(w.into_inner()?)
        }
        Format::Table => Ok(table(d).into_bytes()),
        Format::Xlsx => super::xlsx::workbook(&[
            super::xlsx::Sheet {
                name: "provinces",
                header: PROVINCE_COLUMNS.map(String::from).to_vec(),
                rows: d
                    .provinces
                    .iter()
                    .map(|p| vec![p.code.to_string(), p.name.clone(), p.regular.to_string(), p.amv.to_string()])
                    .collect(),
                text: &["code", "name"],
            },
            super::xlsx::Sheet {
                name: "municipalities",
                header: COLUMNS.map(String::from).to_vec(),
                rows: d.municipalities.iter().map(cells).collect(),
                text: &["code", "name", "province", "over"],
            },
            super::xlsx::Sheet {
                name: "rules",
                header: vec!["rule".to_owned(), "value".to_owned()],
                rows: vec![
                    vec!["cycle".to_owned(), d.cycle.clone()],
                    vec!["scope".to_owned(), serde_json::to_value(d.scope)?.as_str().unwrap_or_default().to_owned()],
                    vec!["correction".to_owned(), d.correction.clone()],
                    vec!["amv".to_owned(), serde_json::to_value(d.amv_rule)?.as_str().unwrap_or_default().to_owned()],
                    vec!["total".to_owned(), d.total.to_string()],
                    vec!["amv_total".to_owned(), d.amv.to_string()],
                ],
                text: &["rule", "value"],
            },
        ]),
    }
}

fn table(d: &Indicative) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Indicative distribution, cycle {}: {} places of which {} AMV; weight = inhabitants x {}; scope {}",
        d.cycle,
        d.total,
        d.amv,
        d.correction,
        serde_json::to_value(d.scope).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "{:<6} {:<16} {:>9} {:>6}", "code", "province", "regular", "amv");
    for p in &d.provinces {
        let _ = writeln!(o, "{:<6} {:<16} {:>9} {:>6}", p.code.as_str(), p.name, p.regular, p.amv);
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<7} {:<28} {:<5} {:>10} {:>8} {:>9} {:>7} {:>5} {:>6}",
        "code", "name", "prov", "population", "score", "factor", "regular", "amv", "pinned"
    );
    for r in &d.municipalities {
        let name: String = r.name.chars().take(28).collect();
        let _ = writeln!(
            o,
            "{:<7} {:<28} {:<5} {:>10} {:>8} {:>9} {:>7} {:>5} {:>6}",
            r.code.as_str(),
            name,
            r.province.as_str(),
            r.population,
            r.score.to_string(),
            r.factor.to_string(),
            r.regular,
            r.amv,
            if r.pinned { "yes" } else { "" }
        );
    }
    o
}

/// A data set's CSV file again with some columns replaced: `columns` names them, `values`
/// gives a row's new values (in that order) from its code, every other cell as read.
fn rewrite(
    source: &spreiding_solver::model::Source,
    columns: &[&str],
    values: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<Vec<u8>> {
    let mut reader = csv::Reader::from_reader(source.text.as_bytes());
    let header = reader.headers().with_context(|| format!("{}: header", source.name))?.clone();
    let col = |name: &str| {
        header.iter().position(|h| h == name).with_context(|| format!("{}: no column {name}", source.name))
    };
    let code = col("code")?;
    let replaced = columns.iter().map(|c| col(c)).collect::<Result<Vec<_>>>()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", source.name, i + 2))?;
        let new = values(record.get(code).unwrap_or_default())
            .with_context(|| format!("{}: line {}: not in the distribution", source.name, i + 2))?;
        let out: Vec<&str> = record
            .iter()
            .enumerate()
            .map(|(c, v)| replaced.iter().position(|&r| r == c).map_or(v, |k| new[k].as_str()))
            .collect();
        w.write_record(&out)?;
    }
    Ok(w.into_inner()?)
}

/// The data set's `municipalities.csv` with the computed indicative numbers (a pinned number is
/// `published`, the others `reconstructed`), every other column as read.
pub fn municipalities_file(dataset: &Dataset, d: &Indicative) -> Result<Vec<u8>> {
    rewrite(&dataset.sources().municipalities, &["indicative_regular", "indicative_amv", "indicative_source"], |code| {
        d.municipalities.iter().find(|r| r.code.as_str().eq_ignore_ascii_case(code)).map(|r| {
            vec![
                r.regular.to_string(),
                r.amv.to_string(),
                if r.pinned { "published" } else { "reconstructed" }.to_owned(),
            ]
        })
    })
}

/// The data set's `provinces.csv` with the tasks the sums of the municipalities' numbers.
pub fn provinces_file(dataset: &Dataset, d: &Indicative) -> Result<Vec<u8>> {
    rewrite(&dataset.sources().provinces, &["target_regular", "target_amv"], |code| {
        d.provinces
            .iter()
            .find(|p| p.code.as_str().eq_ignore_ascii_case(code))
            .map(|p| vec![p.regular.to_string(), p.amv.to_string()])
    })
}
