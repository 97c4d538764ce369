//! The monitoring report of one province (`spreiding monitor report`): a PDF typeset with the
//! dossier's typst machinery from the core's monitoring status, with the map of the gap and a
//! timeline per municipality behind schedule. The bytes depend only on the arguments: the
//! monitoring crate writes them with the snapshots and a manifest, and checks them again.

use super::decision::Decision;
use super::pdf;
use anyhow::Result;
use serde::Serialize;
use spreiding_solver::explain::dutch::minimum_rules;
use spreiding_solver::map::{quantile_classes, svg, Choropleth, Shape};
use spreiding_solver::model::ProvinceCode;
use spreiding_solver::monitor::{self, Row, Status};
use spreiding_solver::nl;
use spreiding_solver::nl::{date, int};
use std::collections::BTreeMap;

/// The typst template of the report.
const TEMPLATE: &str = include_str!("toezicht.typ");

/// One recorded snapshot the report lists (its copy in the report folder).
pub struct ListedSnapshot {
    /// Recording number.
    pub seq: u64,
    /// Its date.
    pub date: String,
    /// Path of its copy in the report folder.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

#[derive(Serialize)]
struct Program {
    name: &'static str,
    version: &'static str,
    commit: &'static str,
}

#[derive(Serialize)]
struct Titled {
    title: String,
    text: Vec<String>,
}

#[derive(Serialize)]
struct Behind {
    title: String,
    text: Vec<String>,
    file: String,
}

#[derive(Serialize)]
struct Document {
    title: String,
    at: String,
    due: String,
    snapshot: String,
    decision: String,
    decision_short: String,
    scenario: String,
    cycle: String,
    summary: Vec<String>,
    totals: Vec<Vec<String>>,
    table_text: Vec<String>,
    table: Vec<Vec<String>>,
    map: Option<String>,
    map_title: String,
    map_missing: Vec<String>,
    behind: Vec<Behind>,
    behind_none: Vec<String>,
    texts: Vec<Titled>,
    rules: Vec<String>,
    files: Vec<Vec<String>>,
    program: Program,
}

fn commodity_word(c: spreiding_solver::model::Commodity) -> &'static str {
    match c {
        spreiding_solver::model::Commodity::Regular => "regulier",
        spreiding_solver::model::Commodity::Amv => "amv",
    }
}

/// The file name of a row's timeline.
pub fn timeline_file(row: &Row) -> String {
    format!("timeline-{}-{}.svg", row.code, row.commodity.as_str())
}

/// The report's files for `province`: `toezicht-<code>.pdf`, `map-gap-<code>.svg` (when the
/// dossier has boundaries) and a timeline per municipality behind or overdue, by name.
pub fn files(
    decision: &Decision,
    status: &Status,
    province: &ProvinceCode,
    snapshots: &[ListedSnapshot],
) -> Result<BTreeMap<String, Vec<u8>>> {
    let d = &decision.dataset;
    let pname = d.province_index(province).map_or_else(|| province.to_string(), |i| d.provinces()[i].name.clone());
    let rows: Vec<&Row> = status.municipalities.iter().filter(|r| &r.province == province).collect();
    let mut out = BTreeMap::new();

    // The map: the gap per municipality, both commodities together.
    let map_title = format!("{pname}: ontbrekende plaatsen op {}", date(status.at));
    let mut map_file = None;
    if let Some(b) = &decision.boundaries {
        let mut gaps: BTreeMap<String, f64> = BTreeMap::new();
        for r in &rows {
            *gaps.entry(r.code.to_string()).or_default() += f64::from(r.gap);
        }
        let code = province.to_string();
        let keep = |s: &Shape| s.province == code;
        let shown: Vec<f64> = b.shapes.iter().filter(|s| keep(s)).filter_map(|s| gaps.get(&s.code).copied()).collect();
        #[expect(clippy::cast_possible_truncation, reason = "whole places, at least 0: far below u64::MAX")]
        let format = |v: f64| int(v.round().max(0.0) as u64);
        let classes = quantile_classes(&shown, &format);
        let notes = vec![format!("Stand op {}; peildatum {}", date(status.at), date(status.due))];
        let svg = svg(
            b,
            &keep,
            &Choropleth {
                title: &map_title,
                values: &gaps,
                classes: &classes,
                format: &format,
                no_data: "geen opgave",
                notes: &notes,
                labels: &[],
            },
        );
        let name = format!("map-gap-{province}.svg");
        out.insert(name.clone(), svg.into_bytes());
        map_file = Some(name);
    }

    let mut behind = Vec::new();
    let mut short: Vec<&&Row> = rows.iter().filter(|r| r.status.is_short()).collect();
    short.sort_by(|a, b| {
        (std::cmp::Reverse(a.gap), a.code, a.commodity).cmp(&(std::cmp::Reverse(b.gap), b.code, b.commodity))
    });
    for r in short {
        let file = timeline_file(r);
        out.insert(file.clone(), monitor::timeline_svg(r, status).into_bytes());
        behind.push(Behind {
            title: format!("{} ({}), {}", r.name, r.code, commodity_word(r.commodity)),
            text: vec![monitor::text(r, status)],
            file,
        });
    }

    let totals_header =
        ["Soort", "Opgave", "Telt mee", "Besloten", "Tekort", "Gerealiseerd", "Op schema", "Achter", "Te laat"];
    let mut totals = vec![totals_header.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    let mut summary = Vec::new();
    for t in status.provinces.iter().filter(|t| &t.code == province) {
        totals.push(vec![
            commodity_word(t.commodity).to_owned(),
            int(t.obligation),
            int(t.counted),
            int(t.pipeline),
            int(t.gap),
            t.met.to_string(),
            t.on_track.to_string(),
            t.behind.to_string(),
            t.overdue.to_string(),
        ]);
        summary.push(format!(
            "{}: de gemeenten van {pname} hebben samen een opgave van {} {}; op {} tellen er {} mee en zijn er {} besloten die later opengaan. Er ontbreken nog {} plaatsen bij {} gemeenten. Gerealiseerd: {}, op schema: {}, achter op schema: {}, te laat: {}.",
            nl::capitalised(commodity_word(t.commodity)),
            int(t.obligation),
            nl::places(t.commodity),
            date(status.at),
            int(t.counted),
            int(t.pipeline),
            int(t.gap),
            t.on_track + t.behind + t.overdue,
            t.met,
            t.on_track,
            t.behind,
            t.overdue
        ));
    }
    if summary.is_empty() {
        summary.push(format!("Het besluit legt de gemeenten van {pname} geen opgave op."));
    }

    let mut table = vec![["Code", "Gemeente", "Soort", "Opgave", "Telt mee", "Besloten", "Tekort", "Stand", "Sinds"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>()];
    for r in &rows {
        table.push(vec![
            r.code.to_string(),
            r.name.clone(),
            commodity_word(r.commodity).to_owned(),
            int(u64::from(r.obligation)),
            int(u64::from(r.counted)),
            int(u64::from(r.pipeline)),
            int(u64::from(r.gap)),
            r.status.dutch().to_owned(),
            r.since.map(date).unwrap_or_default(),
        ]);
    }

    let texts = rows
        .iter()
        .map(|r| Titled {
            title: format!("{} ({}), {}", r.name, r.code, commodity_word(r.commodity)),
            text: vec![monitor::text(r, status)],
        })
        .collect();

    let ctx = &decision.ctx;
    let snapshot = if status.snapshot.seq == 0 {
        format!("de lijst van het provinciaal verslag waarop het besluit rust ({})", status.snapshot.file)
    } else {
        format!("nr. {} van {} ({})", status.snapshot.seq, date(status.snapshot.date), status.snapshot.file)
    };
    let rules = vec![
        format!(
            "Plaatsen tellen mee volgens de telregels van de cyclus {} waarop het besluit rust: geen intenties{}, beschikbaar tot {}{}, en een locatie die na de peildatum van {} opent alleen met overbruggingsopvang{}.",
            d.cycle().id,
            if ctx.count_intentions { " (dit besluit telt intenties wel)" } else { "" },
            date(ctx.available_until),
            minimum_rules(ctx.min_location_places, ctx.min_years),
            date(ctx.counting_date),
            if ctx.require_bridging { "" } else { " (dit besluit stelt die eis niet)" }
        ),
        "Vóór de peildatum tellen alleen plaatsen die op de standdatum open zijn; plaatsen die volgens de regels meetellen maar later opengaan, heten besloten. Vanaf de peildatum tellen de plaatsen zoals de regels ze tellen.".to_owned(),
        "De stand van een gemeente is gerealiseerd als de meetellende plaatsen de opgave halen; anders vanaf de peildatum te laat; daarvoor op schema als meetellende en besloten plaatsen samen de opgave halen, en anders achter op schema. Er is geen andere drempel: alle aantallen zijn hele plaatsen en worden precies vergeleken. 'Sinds' is de eerste datum van de ononderbroken reeks standen achter op schema of te laat, gemeten op elke lijstdatum, de peildatum en de standdatum.".to_owned(),
        "Het rapport is reproduceerbaar: de lijsten van locaties staan byte voor byte in de map van het rapport, met hun SHA-256 hieronder en in manifest.json; `spreiding monitor verify` maakt het rapport opnieuw uit het dossier en deze lijsten en vergelijkt de bytes.".to_owned(),
    ];
    let mut files = vec![["Nr.", "Datum", "Bestand", "SHA-256"].iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    for s in snapshots {
        files.push(vec![s.seq.to_string(), s.date.clone(), s.path.clone(), s.sha256.clone()]);
    }

    let doc = Document {
        title: format!("Voortgang van de realisatie: provincie {pname}"),
        at: date(status.at),
        due: date(status.due),
        snapshot,
        decision: decision.id.clone(),
        decision_short: decision.id.chars().take(12).collect(),
        scenario: decision.scenario.clone(),
        cycle: d.cycle().id.clone(),
        summary,
        totals,
        table_text: vec![format!(
            "Per gemeente en soort plaatsen: de opgave volgens het verdeelbesluit, de plaatsen die op {} meetellen, de besloten plaatsen die later opengaan, het tekort en de stand.",
            date(status.at)
        )],
        table,
        map: map_file.clone(),
        map_title,
        map_missing: vec!["Het dossier bevat geen gemeentegrenzen; de kaart is niet getekend.".to_owned()],
        behind,
        behind_none: vec!["Geen gemeente is achter op schema of te laat.".to_owned()],
        texts,
        rules,
        files,
        program: Program { name: "spreiding", version: env!("CARGO_PKG_VERSION"), commit: super::COMMIT },
    };
    let mut images: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, bytes) in &out {
        images.push((name.as_str(), bytes.clone()));
    }
    images.push(("toezicht.json", serde_json::to_vec(&doc)?));
    let pdf = pdf::typeset(TEMPLATE, &images, &format!("spreiding-toezicht-{province}-{}-{}", status.at, decision.id))?;
    out.insert(format!("toezicht-{province}.pdf"), pdf);
    Ok(out)
}
