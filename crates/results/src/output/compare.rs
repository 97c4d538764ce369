//! `spreiding compare`, its renderers: results of runs side by side (the grouping, bands and
//! baseline are `spreiding_solver::report::compare`). Per municipality and commodity its
//! allocation in each scenario and the difference against the first (baseline) scenario, or
//! for a sweep its robustness band (min, median, max); per scenario the summary metrics of
//! `spreiding_solver::compare`.
//!
//! Each RESULT argument is a folder written by `spreiding run` or one result file. A scenario
//! gets a column (and a difference column); the scenarios of a sweep together get a band. The
//! baseline is the first solved scenario, or the one named with `--baseline`.
//!
//! Results of two cycles (one solved scenario each, e.g. a 2024-2026 and a 2026-2028 result)
//! are compared across cycles instead: municipalities lined up by code, per municipality and
//! commodity the obligation in each cycle and the change, and how many numbers rose
//! ([`spreiding_solver::report::compare::cross_cycle`]).

use anyhow::{bail, Result};
use serde::Serialize;
use spreiding_solver::model::entry_of;
use spreiding_solver::report::compare::{
    cross_cycle, Band, Comparison, ComparisonBuilder, CrossCycle, Metrics, Values,
};
use spreiding_solver::report::results::{Header, MunicipalityInfo, Record, ScenarioOutcome};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Output format of `compare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// CSV (municipalities, or `--metrics`).
    Csv,
    /// Everything as JSON.
    Json,
    /// Markdown tables.
    Md,
    /// An Excel workbook (needs --output): municipalities, differences, metrics, parameters.
    Xlsx,
}

/// Formats a number with `d` decimals; with a decimal comma for Excel.
fn num(x: f64, d: usize, excel: bool) -> String {
    let s = format!("{x:.d$}");
    if excel {
        s.replace('.', ",")
    } else {
        s
    }
}

pub use crate::layout::result_files;

/// Reads the results and renders the comparison in a format.
pub fn compare(
    paths: &[PathBuf],
    baseline_id: Option<&str>,
    format: Format,
    metrics_only: bool,
    excel: bool,
) -> Result<Vec<u8>> {
    let mut read = Vec::new();
    for p in paths {
        let files = result_files(p)?;
        let mut group = Vec::with_capacity(files.len());
        for (dir, name) in &files {
            let (header, records) = crate::run::read_result(dir, name)?;
            group.push((dir.join(name).display().to_string(), header, records));
        }
        read.push(group);
    }
    // Results of different cycles: the cross-cycle comparison.
    let solved = |r: &Record| r.outcome != ScenarioOutcome::Failed;
    let mut cycles: Vec<&str> = Vec::new();
    for (_, h, records) in read.iter().flatten() {
        if records.iter().any(solved) && !cycles.contains(&h.cycle.as_str()) {
            cycles.push(h.cycle.as_str());
        }
    }
    if cycles.len() > 1 {
        let picked: Vec<(&Header, &Record)> =
            read.iter().flatten().flat_map(|(_, h, rs)| rs.iter().filter(|r| solved(r)).map(move |r| (h, r))).collect();
        if cycles.len() != 2 || picked.len() != 2 {
            bail!(
                "the results are of {} cycles ({}) with {} solved scenarios; a comparison across cycles takes one solved scenario of each of two cycles",
                cycles.len(),
                cycles.join(", "),
                picked.len()
            );
        }
        if baseline_id.is_some() {
            bail!("--baseline does not apply across cycles: the first result given is the earlier cycle's");
        }
        if metrics_only {
            bail!("--metrics does not apply across cycles: the comparison's summary counts the numbers that rose and fell");
        }
        return render_cross(&cross_cycle(picked[0], picked[1]), format, excel);
    }
    let mut builder = ComparisonBuilder::new(baseline_id);
    for group in read {
        builder.add_read(group.into_iter().map(anyhow::Ok))?;
    }
    render(&builder.finish()?, format, metrics_only, excel)
}

/// The columns of a cross-cycle comparison's municipalities.
fn cross_header(c: &CrossCycle) -> Vec<String> {
    let mut h: Vec<String> = ["code", "name", "province", "commodity"].map(String::from).to_vec();
    h.extend(c.cycles.iter().map(|y| format!("obligation_{y}")));
    h.push("change".to_owned());
    h
}

fn cross_rows(c: &CrossCycle) -> Vec<Vec<String>> {
    let opt = |o: Option<u64>| o.map_or_else(String::new, |n| n.to_string());
    c.rows
        .iter()
        .map(|r| {
            vec![
                r.code.clone(),
                r.name.clone(),
                r.province.clone(),
                r.commodity.as_str().to_owned(),
                opt(r.obligation[0]),
                opt(r.obligation[1]),
                r.change.map_or_else(String::new, |d| d.to_string()),
            ]
        })
        .collect()
}

fn cross_summary_rows(c: &CrossCycle) -> (Vec<String>, Vec<Vec<String>>) {
    let mut h: Vec<String> = ["commodity", "municipalities", "rose", "fell", "same"].map(String::from).to_vec();
    h.extend(c.cycles.iter().map(|y| format!("only_{y}")));
    h.extend(c.cycles.iter().map(|y| format!("obligation_{y}")));
    let rows = c
        .summary
        .iter()
        .map(|s| {
            vec![
                s.commodity.clone(),
                s.municipalities.to_string(),
                s.rose.to_string(),
                s.fell.to_string(),
                s.same.to_string(),
                s.only[0].to_string(),
                s.only[1].to_string(),
                s.obligation[0].to_string(),
                s.obligation[1].to_string(),
            ]
        })
        .collect();
    (h, rows)
}

/// The sentence of a cross-cycle comparison: how many municipalities' numbers rose.
fn cross_sentence(c: &CrossCycle) -> String {
    let t = c.summary.iter().find(|s| s.commodity == "total");
    t.map_or_else(String::new, |t| {
        format!(
            "{} of {} municipalities have a higher obligation in {} than in {} ({} lower, {} the same); regular places {} higher, AMV {} higher.",
            t.rose,
            t.municipalities,
            c.cycles[1],
            c.cycles[0],
            t.fell,
            t.same,
            c.summary[0].rose,
            c.summary[1].rose
        )
    })
}

/// Renders a cross-cycle comparison in a format.
fn render_cross(c: &CrossCycle, format: Format, excel: bool) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(c)?;
            v.push(b'\n');
            v
        }
        Format::Csv => {
            let mut out = if excel { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
            let mut w = csv::WriterBuilder::new().delimiter(if excel { b';' } else { b',' }).from_writer(Vec::new());
            w.write_record(cross_header(c))?;
            for r in cross_rows(c) {
                w.write_record(r)?;
            }
            out.extend(w.into_inner()?);
            crate::output::spreadsheet_safe_csv(&out, if excel { b';' } else { b',' })?
        }
        Format::Table | Format::Md => {
            let md = format == Format::Md;
            let mut o = String::new();
            let _ = writeln!(
                o,
                "{}Scenario {} ({}) against {} ({}), municipalities lined up by code",
                if md { "## " } else { "" },
                c.scenarios[1],
                c.cycles[1],
                c.scenarios[0],
                c.cycles[0]
            );
            let _ = writeln!(o);
            let _ = writeln!(o, "{}", cross_sentence(c));
            let _ = writeln!(o);
            let (sh, srows) = cross_summary_rows(c);
            table_lines(&mut o, &sh, &srows, md);
            let _ = writeln!(o);
            table_lines(&mut o, &cross_header(c), &cross_rows(c), md);
            o.into_bytes()
        }
        Format::Xlsx => {
            let (sh, srows) = cross_summary_rows(c);
            crate::output::xlsx::workbook(&[
                crate::output::xlsx::Sheet {
                    name: "municipalities",
                    header: cross_header(c),
                    rows: cross_rows(c),
                    text: &["code", "name", "province", "commodity"],
                },
                crate::output::xlsx::Sheet { name: "summary", header: sh, rows: srows, text: &["commodity"] },
            ])?
        }
    })
}

/// Rows as an aligned text table (or a Markdown table).
fn table_lines(o: &mut String, header: &[String], rows: &[Vec<String>], md: bool) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| if i < 2 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        if md {
            format!("| {} |", parts.join(" | "))
        } else {
            parts.join("  ").trim_end().to_owned()
        }
    };
    let _ = writeln!(o, "{}", line(header));
    if md {
        let _ = writeln!(o, "|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
    }
    for r in rows {
        let _ = writeln!(o, "{}", line(r));
    }
}

/// Renders a comparison in a format.
pub fn render(c: &Comparison, format: Format, metrics_only: bool, excel: bool) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(&json(c))?;
            v.push(b'\n');
            v
        }
        Format::Csv => {
            let mut out = if excel { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
            let mut w = csv::WriterBuilder::new().delimiter(if excel { b';' } else { b',' }).from_writer(Vec::new());
            if metrics_only {
                metrics_csv(c, &mut w, excel)?;
            } else {
                municipalities_csv(c, &mut w, excel)?;
            }
            out.extend(w.into_inner()?);
            // A spreadsheet opens this one: no cell may be taken for a formula.
            if excel {
                out = crate::output::spreadsheet_safe_csv(&out, b';')?;
            }
            out
        }
        Format::Table => text(c, false).into_bytes(),
        Format::Md => text(c, true).into_bytes(),
        Format::Xlsx => workbook(c)?,
    })
}

/// `--format xlsx`: the municipalities (the rows of `--format csv`), those that differ from
/// the baseline in some group, the metrics (`--metrics`) and what was compared.
fn workbook(c: &Comparison) -> Result<Vec<u8>> {
    let (header, rows) = municipality_rows(c, false);
    let differences =
        rows.iter().zip(c.entries()).filter(|(_, (k, _))| c.changed(*k)).map(|(r, _)| r.clone()).collect();
    let (metrics_header, metrics) = metrics_rows(c, false);
    let mut parameters = vec![vec!["baseline".to_owned(), c.base_id.clone(), String::new()]];
    for g in &c.groups {
        let kind = match &g.values {
            Values::One(_) => "scenario",
            Values::Bands(_) => "sweep (min, median, max)",
            Values::Failed => "failed",
        };
        parameters.push(vec![g.label.clone(), kind.to_owned(), g.metrics.len().to_string()]);
    }
    let text = ["code", "name", "province", "commodity"];
    crate::output::xlsx::workbook(&[
        crate::output::xlsx::Sheet { name: "municipalities", header: header.clone(), rows, text: &text },
        crate::output::xlsx::Sheet { name: "differences", header, rows: differences, text: &text },
        crate::output::xlsx::Sheet {
            name: "metrics",
            header: metrics_header,
            rows: metrics,
            text: &["group", "id", "outcome", "params", "error"],
        },
        crate::output::xlsx::Sheet {
            name: "parameters",
            header: ["group", "kind", "scenarios"].map(String::from).to_vec(),
            rows: parameters,
            text: &["group", "kind"],
        },
    ])
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    code: &'a str,
    name: &'a str,
    province: &'a str,
    commodity: &'static str,
    indicative: u32,
    baseline: u32,
    values: Vec<JsonValue<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonValue<'a> {
    One { group: &'a str, allocated: u32, diff: i64 },
    Band { group: &'a str, scenarios: u64, min: u32, median: f64, max: u32 },
    Failed { group: &'a str, failed: bool },
}

fn json(c: &Comparison) -> serde_json::Value {
    let entries: Vec<JsonEntry<'_>> = c
        .entries()
        .map(|(k, commodity)| {
            let m = &c.header.municipalities[entry_of(k).0];
            JsonEntry {
                code: &m.code,
                name: &m.name,
                province: &m.province,
                commodity: commodity.as_str(),
                indicative: m.indicative[commodity as usize],
                baseline: c.base[k],
                values: c
                    .groups
                    .iter()
                    .map(|g| match &g.values {
                        Values::One(v) => JsonValue::One {
                            group: &g.label,
                            allocated: v[k],
                            diff: i64::from(v[k]) - i64::from(c.base[k]),
                        },
                        Values::Bands(b) => JsonValue::Band {
                            group: &g.label,
                            scenarios: b[k].len(),
                            min: b[k].min().unwrap_or(0),
                            median: b[k].median().unwrap_or(0.0),
                            max: b[k].max().unwrap_or(0),
                        },
                        Values::Failed => JsonValue::Failed { group: &g.label, failed: true },
                    })
                    .collect(),
            }
        })
        .collect();
    let scenarios: Vec<&Metrics> = c.groups.iter().flat_map(|g| &g.metrics).collect();
    serde_json::json!({
        "baseline": c.base_id,
        "groups": c.groups.iter().map(|g| serde_json::json!({"label": g.label, "scenarios": g.metrics.len()})).collect::<Vec<_>>(),
        "scenarios": scenarios,
        "municipalities": entries,
    })
}

fn municipalities_csv(c: &Comparison, w: &mut csv::Writer<Vec<u8>>, excel: bool) -> Result<()> {
    let (head, rows) = municipality_rows(c, excel);
    w.write_record(&head)?;
    for row in rows {
        w.write_record(&row)?;
    }
    Ok(())
}

/// The header and rows of the per-municipality table.
fn municipality_rows(c: &Comparison, excel: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head: Vec<String> =
        ["code", "name", "province", "commodity", "indicative", "baseline"].map(String::from).to_vec();
    for g in &c.groups {
        match &g.values {
            Values::One(_) => {
                head.push(g.label.clone());
                if g.label != c.base_id {
                    head.push(format!("{} diff", g.label));
                }
            }
            Values::Bands(_) => {
                for s in ["min", "median", "max"] {
                    head.push(format!("{} {s}", g.label));
                }
            }
            Values::Failed => head.push(format!("{} (failed)", g.label)),
        }
    }
    let mut rows = Vec::with_capacity(c.base.len());
    for (k, commodity) in c.entries() {
        let m = &c.header.municipalities[entry_of(k).0];
        let mut row = vec![
            m.code.clone(),
            m.name.clone(),
            m.province.clone(),
            commodity.as_str().to_owned(),
            m.indicative[commodity as usize].to_string(),
            c.base[k].to_string(),
        ];
        for g in &c.groups {
            match &g.values {
                Values::One(v) => {
                    row.push(v[k].to_string());
                    if g.label != c.base_id {
                        row.push((i64::from(v[k]) - i64::from(c.base[k])).to_string());
                    }
                }
                Values::Bands(b) => {
                    row.push(b[k].min().unwrap_or(0).to_string());
                    row.push(num(b[k].median().unwrap_or(0.0), 1, excel));
                    row.push(b[k].max().unwrap_or(0).to_string());
                }
                Values::Failed => row.push(String::new()),
            }
        }
        rows.push(row);
    }
    (head, rows)
}

fn metrics_csv(c: &Comparison, w: &mut csv::Writer<Vec<u8>>, excel: bool) -> Result<()> {
    let (head, rows) = metrics_rows(c, excel);
    w.write_record(&head)?;
    for row in rows {
        w.write_record(&row)?;
    }
    Ok(())
}

/// The header and rows of the per-scenario metrics.
fn metrics_rows(c: &Comparison, excel: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let provinces: Vec<String> = c.provinces();
    let mut head: Vec<String> = ["group", "id"].map(String::from).to_vec();
    head.extend(Metrics::COLUMNS.map(String::from));
    head.extend(provinces.iter().map(|p| format!("gini_{p}")));
    let mut rows = Vec::new();
    for g in &c.groups {
        for m in &g.metrics {
            let mut row = vec![g.label.clone(), m.id.clone()];
            row.extend(m.cells(excel));
            row.extend(provinces.iter().map(|p| num(m.gini.get(p).copied().unwrap_or(0.0), 6, excel)));
            rows.push(row);
        }
    }
    (head, rows)
}

/// Text for people (`md` = Markdown tables): metrics, then the entries that differ.
fn text(c: &Comparison, md: bool) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_text(c, &mut o, md);
    o
}

fn write_text(c: &Comparison, o: &mut String, md: bool) -> std::fmt::Result {
    let row = |o: &mut String, cells: &[String], widths: &[usize]| -> std::fmt::Result {
        if md {
            // A `|` in a name would end the cell.
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            writeln!(o, "| {} |", cells.join(" | "))
        } else {
            let line: Vec<String> = cells
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
                .collect();
            writeln!(o, "{}", line.join("  ").trim_end())
        }
    };
    let rule = |o: &mut String, n: usize| -> std::fmt::Result {
        if md {
            writeln!(o, "|{}", " --- |".repeat(n))
        } else {
            Ok(())
        }
    };
    if md {
        writeln!(o, "**Baseline:** {}", c.base_id.replace('|', "\\|"))?;
    } else {
        writeln!(o, "Baseline: {}", c.base_id)?;
    }
    writeln!(o)?;
    writeln!(o, "{}Scenarios", if md { "## " } else { "" })?;
    let head: Vec<String> =
        ["scenario", "outcome", "allocated", "missing", "receiving", "at cap", "max dev", "mean dev", "mean gini"]
            .map(String::from)
            .to_vec();
    let widths = [34, 10, 10, 8, 9, 7, 8, 8, 9];
    row(o, &head, &widths)?;
    rule(o, head.len())?;
    for g in &c.groups {
        if g.metrics.len() <= 20 {
            for m in &g.metrics {
                row(o, &metric_cells(&m.id, m), &widths)?;
            }
        } else {
            // A big sweep: the band of every metric over its scenarios.
            let solved: Vec<&Metrics> = g.metrics.iter().filter(|m| m.outcome != ScenarioOutcome::Failed).collect();
            let band = |f: &dyn Fn(&Metrics) -> f64, d: usize| -> String {
                let mut v: Vec<f64> = solved.iter().map(|m| f(m)).collect();
                v.sort_by(f64::total_cmp);
                match (v.first(), v.get(v.len() / 2), v.last()) {
                    (Some(a), Some(b), Some(c)) => format!("{a:.d$}/{b:.d$}/{c:.d$}"),
                    _ => "-".to_owned(),
                }
            };
            let failed = g.metrics.len() - solved.len();
            let infeasible = solved.iter().filter(|m| m.outcome == ScenarioOutcome::Infeasible).count();
            let cells = vec![
                format!("{} ({} scenarios, min/median/max)", g.label, g.metrics.len()),
                format!("{infeasible} inf., {failed} failed"),
                band(&|m| m.total_allocated as f64, 0),
                band(&|m| m.missing as f64, 0),
                band(&|m| f64::from(m.receiving), 0),
                band(&|m| f64::from(m.at_cap), 0),
                band(&|m| m.max_deviation, 1),
                band(&|m| m.mean_deviation, 2),
                band(&|m| m.mean_gini, 3),
            ];
            row(o, &cells, &widths)?;
        }
    }
    writeln!(o)?;
    writeln!(o, "{}Municipalities whose allocation differs from the baseline", if md { "## " } else { "" })?;
    let mut head: Vec<String> = ["municipality", "kind", "baseline"].map(String::from).to_vec();
    for g in &c.groups {
        match &g.values {
            Values::One(_) if g.label == c.base_id => head.push(g.label.clone()),
            Values::One(_) => head.push(format!("{} (diff)", g.label)),
            Values::Bands(_) => head.push(format!("{} min/median/max", g.label)),
            Values::Failed => head.push(format!("{} (failed)", g.label)),
        }
    }
    let mut widths = vec![32, 7, 8];
    widths.extend(c.groups.iter().map(|g| g.label.len().max(14) + 6));
    row(o, &head, &widths)?;
    rule(o, head.len())?;
    let mut unchanged = 0;
    for (k, commodity) in c.entries() {
        if !c.changed(k) {
            unchanged += 1;
            continue;
        }
        let m = &c.header.municipalities[entry_of(k).0];
        let mut cells = vec![format!("{} {}", m.code, m.name), commodity.as_str().to_owned(), c.base[k].to_string()];
        for g in &c.groups {
            cells.push(match &g.values {
                Values::One(v) if g.label == c.base_id => v[k].to_string(),
                Values::One(v) => {
                    format!("{} ({:+})", v[k], i64::from(v[k]) - i64::from(c.base[k]))
                }
                Values::Bands(b) => format!(
                    "{}/{}/{}",
                    b[k].min().unwrap_or(0),
                    num(b[k].median().unwrap_or(0.0), 1, false),
                    b[k].max().unwrap_or(0)
                ),
                Values::Failed => "-".to_owned(),
            });
        }
        row(o, &cells, &widths)?;
    }
    writeln!(o)?;
    writeln!(o, "{unchanged} of {} municipality-commodity entries are the same in every scenario.", c.base.len())
}

fn metric_cells(label: &str, m: &Metrics) -> Vec<String> {
    vec![
        label.to_owned(),
        m.outcome.as_str().to_owned(),
        m.total_allocated.to_string(),
        m.missing.to_string(),
        m.receiving.to_string(),
        m.at_cap.to_string(),
        format!("{:.1}", m.max_deviation),
        format!("{:.2}", m.mean_deviation),
        format!("{:.3}", m.mean_gini),
    ]
}

/// Per municipality of a result folder, the bands (min, median, max) of its obligation over
/// the folder's solved scenarios: regular, AMV and both ([`folder_bands`]; the service's
/// `GET /v1/runs/{id}/bands`).
pub struct FolderBands {
    /// Solved scenarios the bands are taken over.
    pub scenarios: u64,
    /// Scenarios that failed (left out).
    pub failed: u64,
    /// The municipalities in the header's order, each with its bands: regular, AMV, both.
    pub municipalities: Vec<(MunicipalityInfo, [Band; 3])>,
}

/// Why a folder has no bands.
#[derive(Debug)]
pub enum BandsError {
    /// A result file could not be read.
    Read(anyhow::Error),
    /// The file named holds scenarios on another data set than the first.
    DifferentDatasets(String),
    /// No scenario was solved.
    NothingSolved,
}

/// The bands of the result files of a folder (a run's folder or its `results/`).
pub fn folder_bands(folder: &Path) -> std::result::Result<FolderBands, BandsError> {
    let files = result_files(folder).unwrap_or_default();
    let mut header: Option<Header> = None;
    let mut bands: Vec<[Band; 3]> = Vec::new();
    let (mut solved, mut failed) = (0u64, 0u64);
    for (dir, name) in files {
        let (h, records) = crate::run::read_result(&dir, &name).map_err(BandsError::Read)?;
        for r in records {
            if r.outcome == ScenarioOutcome::Failed {
                failed += 1;
                continue;
            }
            match &header {
                None => {
                    bands = vec![Default::default(); h.municipalities.len()];
                    header = Some(h.clone());
                }
                Some(first) if first.municipalities != h.municipalities => {
                    return Err(BandsError::DifferentDatasets(name));
                }
                Some(_) => {}
            }
            // Both readers refuse a solved record without one value per entry of its header.
            for (i, b) in bands.iter_mut().enumerate() {
                let (regular, amv) = (whole(&r, 2 * i), whole(&r, 2 * i + 1));
                b[0].add(regular);
                b[1].add(amv);
                b[2].add(regular + amv);
            }
            solved += 1;
        }
    }
    let header = header.ok_or(BandsError::NothingSolved)?;
    Ok(FolderBands {
        scenarios: solved,
        failed,
        municipalities: header.municipalities.into_iter().zip(bands).collect(),
    })
}

/// A record's obligation at an entry, as the bands count it (whole places fit a u32: the data
/// set's limits keep every municipality's places far below).
fn whole(r: &Record, k: usize) -> u32 {
    u32::try_from(r.obligation(k)).unwrap_or(u32::MAX)
}
