//! The dossier's maps and `spreiding map`: which values a map shows and how they are written
//! (Dutch numbers), on the library's choropleth ([`spreiding_solver::map`]).

use anyhow::{bail, Result};
use spreiding_solver::explain::dutch;
use spreiding_solver::map::{
    difference_classes, metric_values, quantile_classes, svg, Boundaries, Choropleth, Metric, Shape,
};
use spreiding_solver::model::{Commodity, Dataset, ProvinceCode};
use spreiding_solver::report::Report;
use spreiding_solver::Solution;
use std::collections::BTreeMap;
use std::path::PathBuf;

const BOTH: [Commodity; 2] = [Commodity::Regular, Commodity::Amv];

fn per_1000(v: f64) -> String {
    dutch::dec(v, 2)
}

#[expect(clippy::cast_possible_truncation, reason = "whole places, rounded and at least 0: far below u64::MAX")]
fn places(v: f64) -> String {
    dutch::int(v.round().max(0.0) as u64)
}

#[expect(clippy::cast_possible_truncation, reason = "whole places of a difference, rounded: far below u64::MAX")]
fn signed(v: f64) -> String {
    let r = v.round();
    if r > 0.0 {
        format!("+{}", dutch::int(r as u64))
    } else if r < 0.0 {
        format!("-{}", dutch::int((-r) as u64))
    } else {
        "0".to_owned()
    }
}

fn draw(
    b: &Boundaries,
    keep: &dyn Fn(&Shape) -> bool,
    title: &str,
    values: &BTreeMap<String, f64>,
    format: &dyn Fn(f64) -> String,
    notes: &[String],
    labels: &[(String, String)],
) -> String {
    let shown: Vec<f64> = b.shapes.iter().filter(|s| keep(s)).filter_map(|s| values.get(&s.code).copied()).collect();
    let classes = quantile_classes(&shown, format);
    svg(b, keep, &Choropleth { title, values, classes: &classes, format, no_data: "geen gegevens", notes, labels })
}

/// A province's two maps: obligation per 1,000 inhabitants and places allocated (both
/// commodities together), classes over the province's own municipalities.
pub fn province(b: &Boundaries, dataset: &Dataset, solution: &Solution, code: &ProvinceCode) -> [String; 2] {
    let name = dataset.province_index(code).map_or_else(String::new, |i| dataset.provinces()[i].name.clone());
    let name = format!("{name}, cyclus {}", dataset.cycle().id);
    let code = code.to_string();
    let keep = |s: &Shape| s.province == code;
    let per = metric_values(dataset, solution, Metric::ObligationPer1000, &BOTH);
    let allocated = metric_values(dataset, solution, Metric::Allocated, &BOTH);
    [
        draw(b, &keep, &format!("{name}: opgave per 1.000 inwoners"), &per, &per_1000, &[], &[]),
        draw(b, &keep, &format!("{name}: toegewezen plaatsen"), &allocated, &places, &[], &[]),
    ]
}

/// The national overview: every municipality's obligation per 1,000 inhabitants, and every
/// province's status per commodity under the legend.
pub fn national(b: &Boundaries, dataset: &Dataset, solution: &Solution, report: &Report) -> String {
    let per = metric_values(dataset, solution, Metric::ObligationPer1000, &BOTH);
    let mut notes = vec!["Verslag per provincie (regulier; amv):".to_owned()];
    let mut labels = Vec::new();
    for p in dataset.provinces() {
        let status: Vec<String> = report
            .provinces
            .iter()
            .filter(|r| r.code == p.code)
            .map(|r| match r.status {
                spreiding_solver::solve::Status::Closes => {
                    dutch::status_word(spreiding_solver::solve::Status::Closes).to_owned()
                }
                _ => format!("tekort {}", dutch::int(u64::from(r.shortfall))),
            })
            .collect();
        notes.push(format!("{} {}: {}", p.code, p.name, status.join("; ")));
        labels.push((p.code.to_string(), p.code.to_string()));
    }
    draw(b, &|_| true, "Nederland: opgave per 1.000 inwoners", &per, &per_1000, &notes, &labels)
}

/// What `spreiding map` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum MapMetric {
    /// Obligation (counted + allocated) per 1,000 inhabitants.
    #[cfg_attr(feature = "clap", value(name = "obligation-per-1000", alias = "obligation-per1000"))]
    ObligationPer1000,
    /// Places allocated.
    Allocated,
    /// Obligation: counted + allocated places.
    Obligation,
    /// The obligation's difference against --baseline.
    Diff,
}

/// Which commodities a map sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum MapCommodity {
    /// Regular places.
    Regular,
    /// AMV places.
    Amv,
    /// Both together.
    All,
}

/// `spreiding map`'s arguments.
pub struct MapArgs {
    pub scenario: PathBuf,
    pub metric: MapMetric,
    pub baseline: Option<PathBuf>,
    pub province: Option<String>,
    pub commodity: MapCommodity,
    pub out: PathBuf,
}

/// `spreiding map`: one SVG map of a scenario (or its difference from a baseline).
pub fn command(args: MapArgs) -> Result<()> {
    match (args.metric, &args.baseline) {
        (MapMetric::Diff, None) => bail!("--metric diff needs --baseline SCENARIO"),
        (MapMetric::Diff, Some(_)) | (_, None) => {}
        (_, Some(_)) => bail!("--baseline is the scenario a difference map subtracts: give it with --metric diff"),
    }
    let load = |path: &std::path::Path| -> Result<(super::Dossier, Boundaries)> {
        let text = spreiding_solver::io::Source::read_file(path)?.text;
        if spreiding_solver::io::is_sweep(&text) {
            bail!("{}: is a sweep; a map is drawn for one scenario file: name one scenario", path.display());
        }
        let d = super::Dossier::load(path)?;
        let Some((_, _, b)) = d.boundaries.clone() else {
            bail!(
                "{}: the data set {} has no boundary file (gemeenten_<start year>.geojson); maps need one",
                path.display(),
                d.scenario.dataset
            )
        };
        Ok((d, b))
    };
    let (d, b) = load(&args.scenario)?;
    let commodities: &[Commodity] = match args.commodity {
        MapCommodity::Regular => &[Commodity::Regular],
        MapCommodity::Amv => &[Commodity::Amv],
        MapCommodity::All => &BOTH,
    };
    let what = match args.commodity {
        MapCommodity::Regular => ", regulier",
        MapCommodity::Amv => ", amv",
        MapCommodity::All => "",
    };
    let province = args.province.as_deref().map(|given| d.dataset.find_province(given)).transpose()?;
    let (area, code) = match &province {
        None => ("Nederland".to_owned(), None),
        Some(c) => {
            (d.dataset.provinces()[d.dataset.province_index(c).expect("checked")].name.clone(), Some(c.to_string()))
        }
    };
    let area = format!("{area}, cyclus {}", d.dataset.cycle().id);
    let keep = |s: &Shape| code.as_ref().is_none_or(|c| &s.province == c);
    let text = match (args.metric, &args.baseline) {
        (MapMetric::Diff, None) => bail!("--metric diff needs --baseline SCENARIO"),
        (MapMetric::Diff, Some(base)) => {
            let (bd, _) = load(base)?;
            let codes = |d: &super::Dossier| d.dataset.municipalities().iter().map(|m| m.code).collect::<Vec<_>>();
            if codes(&bd) != codes(&d) {
                bail!(
                    "{}: runs on another data set than {}; a difference map needs the same municipalities",
                    base.display(),
                    args.scenario.display()
                );
            }
            let now = metric_values(&d.dataset, &d.solution, Metric::Obligation, commodities);
            let then = metric_values(&bd.dataset, &bd.solution, Metric::Obligation, commodities);
            let diff: BTreeMap<String, f64> =
                now.iter().filter_map(|(c, v)| then.get(c).map(|t| (c.clone(), v - t))).collect();
            let shown: Vec<f64> =
                b.shapes.iter().filter(|s| keep(s)).filter_map(|s| diff.get(&s.code).copied()).collect();
            let classes = difference_classes(&shown, &signed);
            let title = format!(
                "{area}: verschil in opgave{what}, \"{}\" ten opzichte van \"{}\"",
                d.scenario.name, bd.scenario.name
            );
            let notes = ["Opgave: getelde en toegewezen plaatsen.".to_owned()];
            svg(
                &b,
                &keep,
                &Choropleth {
                    title: &title,
                    values: &diff,
                    classes: &classes,
                    format: &signed,
                    no_data: "geen gegevens",
                    notes: &notes,
                    labels: &[],
                },
            )
        }
        (metric, _) => {
            let (m, format): (Metric, &dyn Fn(f64) -> String) = match metric {
                MapMetric::ObligationPer1000 => (Metric::ObligationPer1000, &per_1000),
                MapMetric::Allocated => (Metric::Allocated, &places),
                _ => (Metric::Obligation, &places),
            };
            let values = metric_values(&d.dataset, &d.solution, m, commodities);
            let title = format!("{area}: {}{what}, scenario \"{}\"", m.dutch(), d.scenario.name);
            draw(&b, &keep, &title, &values, format, &[], &[])
        }
    };
    spreiding_results::atomic::write_output(Some(&args.out), text.as_bytes())?;
    Ok(())
}
