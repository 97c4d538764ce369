//! `monitor status --format table|csv|json|xlsx`.
//!
//! The CSV has one row per municipality and commodity with an obligation or places (the
//! columns of [`COLUMNS`]); the workbook has that table, the provinces and the losses as
//! sheets; the JSON is the core's [`Status`] with the decision's identity.

use anyhow::Result;
use serde::Serialize;
use spreiding_dossier::decision::Decision;
use spreiding_results::output::spreadsheet_safe;
use spreiding_results::output::xlsx::{workbook, Sheet};
use spreiding_solver::explain::dutch::int;
use spreiding_solver::monitor::{Progress, Row, Status};
use std::fmt::Write;

/// The status CSV's columns.
pub const COLUMNS: &[&str] = &[
    "code",
    "name",
    "province",
    "commodity",
    "obligation",
    "counted",
    "pipeline",
    "gap",
    "status",
    "since",
    "previous",
    "change",
    "lost",
    "lost_locations",
    "snapshot_date",
];

/// The provinces sheet's columns.
pub const PROVINCE_COLUMNS: &[&str] = &[
    "province",
    "name",
    "commodity",
    "obligation",
    "counted",
    "pipeline",
    "gap",
    "met",
    "on_track",
    "behind",
    "overdue",
];

/// The losses sheet's columns.
pub const LOSS_COLUMNS: &[&str] = &["code", "name", "commodity", "location_id", "places", "reason", "seen", "source"];

/// The formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    Table,
    Csv,
    Json,
    Xlsx,
}

/// The JSON answer: the decision and its status.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusAnswer<'a> {
    /// The decision: SHA-256 of its dossier's manifest.
    pub decision: &'a str,
    /// Its scenario.
    pub scenario: &'a str,
    /// Its cycle.
    pub cycle: &'a str,
    /// The status.
    #[serde(flatten)]
    pub status: &'a Status,
}

fn row_cells(r: &Row, status: &Status) -> Vec<String> {
    let lost: u32 = r.losses.iter().map(|l| l.places).sum();
    vec![
        r.code.to_string(),
        r.name.clone(),
        r.province.to_string(),
        r.commodity.as_str().to_owned(),
        r.obligation.to_string(),
        r.counted.to_string(),
        r.pipeline.to_string(),
        r.gap.to_string(),
        r.status.as_str().to_owned(),
        r.since.map(|d| d.to_string()).unwrap_or_default(),
        r.previous.to_string(),
        r.change.to_string(),
        lost.to_string(),
        r.losses.iter().map(|l| l.location_id.as_str()).collect::<Vec<_>>().join(" "),
        status.snapshot.date.to_string(),
    ]
}

fn province_cells(status: &Status) -> Vec<Vec<String>> {
    status
        .provinces
        .iter()
        .map(|p| {
            vec![
                p.code.to_string(),
                p.name.clone(),
                p.commodity.as_str().to_owned(),
                p.obligation.to_string(),
                p.counted.to_string(),
                p.pipeline.to_string(),
                p.gap.to_string(),
                p.met.to_string(),
                p.on_track.to_string(),
                p.behind.to_string(),
                p.overdue.to_string(),
            ]
        })
        .collect()
}

fn loss_cells(status: &Status) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for r in &status.municipalities {
        for l in &r.losses {
            out.push(vec![
                r.code.to_string(),
                r.name.clone(),
                r.commodity.as_str().to_owned(),
                l.location_id.clone(),
                l.places.to_string(),
                l.reason.as_str().to_owned(),
                l.seen.to_string(),
                l.source.clone().unwrap_or_default(),
            ]);
        }
    }
    out
}

fn csv_of(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    Ok(w.into_inner()?)
}

/// The status in `format`, as bytes.
pub fn render(format: Format, decision: &Decision, status: &Status) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = status.municipalities.iter().map(|r| row_cells(r, status)).collect();
    Ok(match format {
        Format::Csv => csv_of(COLUMNS, &rows)?,
        Format::Json => {
            let answer = StatusAnswer {
                decision: &decision.id,
                scenario: &decision.scenario,
                cycle: &decision.dataset.cycle().id,
                status,
            };
            let mut v = serde_json::to_vec_pretty(&answer)?;
            v.push(b'\n');
            v
        }
        Format::Xlsx => workbook(&[
            Sheet {
                name: "municipalities",
                header: COLUMNS.iter().map(|s| (*s).to_owned()).collect(),
                rows,
                text: &["code", "name", "province", "lost_locations"],
            },
            Sheet {
                name: "provinces",
                header: PROVINCE_COLUMNS.iter().map(|s| (*s).to_owned()).collect(),
                rows: province_cells(status),
                text: &["province", "name"],
            },
            Sheet {
                name: "losses",
                header: LOSS_COLUMNS.iter().map(|s| (*s).to_owned()).collect(),
                rows: loss_cells(status),
                text: &["code", "name", "location_id", "source"],
            },
        ])?,
        Format::Table => table(decision, status).into_bytes(),
    })
}

/// `--format table`: for people. The provinces, then every municipality that has not met its
/// obligation (overdue and behind first, the largest gap first), then the losses.
pub fn table(decision: &Decision, status: &Status) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_table(&mut o, decision, status);
    o
}

fn write_table(o: &mut String, decision: &Decision, s: &Status) -> std::fmt::Result {
    writeln!(
        o,
        "Monitoring of decision {} (scenario {}, cycle {}) on {}; due date {}",
        &decision.id[..decision.id.len().min(12)],
        decision.scenario,
        decision.dataset.cycle().id,
        s.at,
        s.due
    )?;
    if s.snapshot.seq == 0 {
        writeln!(
            o,
            "No snapshot recorded on or before {}: the decision's own location list ({})",
            s.at, s.snapshot.file
        )?;
    } else {
        writeln!(o, "Snapshot {} of {} ({})", s.snapshot.seq, s.snapshot.date, s.snapshot.file)?;
    }
    writeln!(o)?;
    writeln!(
        o,
        "{:<5} {:<14} {:<8} {:>10} {:>8} {:>8} {:>7} {:>5} {:>8} {:>6} {:>7}",
        "prov", "name", "kind", "obligation", "counted", "pipeline", "gap", "met", "on-track", "behind", "overdue"
    )?;
    for p in &s.provinces {
        writeln!(
            o,
            "{:<5} {:<14} {:<8} {:>10} {:>8} {:>8} {:>7} {:>5} {:>8} {:>6} {:>7}",
            p.code.to_string(),
            p.name.chars().take(14).collect::<String>(),
            p.commodity.as_str(),
            int(p.obligation),
            int(p.counted),
            int(p.pipeline),
            int(p.gap),
            p.met,
            p.on_track,
            p.behind,
            p.overdue
        )?;
    }
    let mut open: Vec<&Row> = s.municipalities.iter().filter(|r| r.status != Progress::Met).collect();
    open.sort_by(|a, b| {
        (std::cmp::Reverse(a.status), std::cmp::Reverse(a.gap), a.code, a.commodity).cmp(&(
            std::cmp::Reverse(b.status),
            std::cmp::Reverse(b.gap),
            b.code,
            b.commodity,
        ))
    });
    writeln!(o)?;
    if open.is_empty() {
        writeln!(o, "Every municipality has met its obligation.")?;
        return Ok(());
    }
    writeln!(o, "Not met ({}):", open.len())?;
    writeln!(
        o,
        "{:<7} {:<22} {:<5} {:<8} {:>10} {:>8} {:>8} {:>7} {:<9} {:<10} {:>7}",
        "code", "name", "prov", "kind", "obligation", "counted", "pipeline", "gap", "status", "since", "change"
    )?;
    for r in open {
        writeln!(
            o,
            "{:<7} {:<22} {:<5} {:<8} {:>10} {:>8} {:>8} {:>7} {:<9} {:<10} {:>+7}",
            r.code.to_string(),
            r.name.chars().take(22).collect::<String>(),
            r.province.to_string(),
            r.commodity.as_str(),
            int(u64::from(r.obligation)),
            int(u64::from(r.counted)),
            int(u64::from(r.pipeline)),
            int(u64::from(r.gap)),
            r.status.as_str(),
            r.since.map(|d| d.to_string()).unwrap_or_default(),
            r.change
        )?;
    }
    let losses = loss_cells(s);
    if !losses.is_empty() {
        writeln!(o)?;
        writeln!(o, "Places lost since the previous snapshot ({}):", losses.len())?;
        for l in losses {
            writeln!(o, "  {} {} ({}): location {} {} places, {}", l[0], l[1], l[2], l[3], l[4], l[5])?;
        }
    }
    Ok(())
}
