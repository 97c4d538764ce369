//! Monitoring realisation after a decision (docs/MODEL.md section 5, README "Monitoring"):
//! which places count on a date, against the obligations of a verdeelbesluit, from dated
//! location lists (snapshots).
//!
//! The rules, in one place:
//!
//! - **Snapshot in force.** Snapshots are dated location lists in the data set's
//!   `locations.csv` format, each describing what exists or is decided on its date. On a date
//!   D the snapshot in force is the one with the latest date on or before D; of several with
//!   that date, the one recorded last (a later one *supersedes*, the earlier one stays in the
//!   history). Before the first snapshot, the decision's own location list (the provincial
//!   report it was computed from, dated the cycle's report deadline) is in force.
//! - **Counted on D.** A location row's places count on D when the decision's counting rules
//!   count them ([`crate::counting::verdict`] with the decision's [`CountingContext`]: not an
//!   intention, not closing before the cycle's end, opening late only with bridging, the
//!   cycle's minimum size and years) and, before the counting date (the due date), the
//!   location is open on D. From the due date on, the places count as the rules count them
//!   (a late location with bridging counts from the due date).
//! - **Pipeline.** Places the rules count that do not count yet on D (decided, opening later).
//! - **Status.** `met`: counted >= obligation. Otherwise, on or after the due date:
//!   `overdue`. Before it: `on-track` when counted + pipeline >= obligation (the places are
//!   decided and open in time), else `behind`. No other threshold: every number is whole and
//!   compared exactly.
//! - **Since.** For `behind` and `overdue`, the first date of the uninterrupted run of such
//!   statuses ending at D, evaluated at every snapshot date, the due date and D.
//! - **Losses.** Places the rules counted (or had in the pipeline) in the previous snapshot in
//!   force and no longer in this one, per location: `removed` (no longer listed), `reduced`
//!   (fewer places), or the counting rule that now excludes them (`closes-before-end`, ...).

use crate::counting::{verdict, CountingContext, Verdict};
use crate::model::{Commodity, Dataset, Date, LocationShare, MunicipalityCode, PerCommodity, ProvinceCode};
use crate::nl;
use crate::Solution;
use serde::Serialize;
use std::collections::BTreeMap;

/// A recorded snapshot: a dated location list.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Order of recording (1, 2, ...); of two snapshots with one date the higher supersedes.
    pub seq: u64,
    /// The date the list describes.
    pub date: Date,
    /// The file it was read from (as named when recorded).
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The validated rows.
    pub locations: Vec<LocationShare>,
}

/// A municipality's progress on a commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Progress {
    /// Counted places reach the obligation.
    Met,
    /// Before the due date; counted and decided places together reach the obligation.
    OnTrack,
    /// Before the due date; even the decided places do not reach the obligation.
    Behind,
    /// On or after the due date, short of the obligation.
    Overdue,
}

impl Progress {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Met => "met",
            Progress::OnTrack => "on-track",
            Progress::Behind => "behind",
            Progress::Overdue => "overdue",
        }
    }

    /// The Dutch word, for reports.
    pub fn dutch(self) -> &'static str {
        match self {
            Progress::Met => "gerealiseerd",
            Progress::OnTrack => "op schema",
            Progress::Behind => "achter op schema",
            Progress::Overdue => "te laat",
        }
    }

    /// Behind or overdue.
    pub fn is_short(self) -> bool {
        matches!(self, Progress::Behind | Progress::Overdue)
    }

    /// The status of an obligation with `counted` places counting and `pipeline` decided ones
    /// to come, on date `on` against the due date.
    pub fn of(obligation: u32, counted: u32, pipeline: u32, on: Date, due: Date) -> Progress {
        if counted >= obligation {
            Progress::Met
        } else if on >= due {
            Progress::Overdue
        } else if u64::from(counted) + u64::from(pipeline) >= u64::from(obligation) {
            Progress::OnTrack
        } else {
            Progress::Behind
        }
    }
}

/// Why places that counted before no longer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum LossReason {
    /// The location is no longer listed for the municipality.
    Removed,
    /// The location is listed with fewer places.
    Reduced,
    /// The location is listed, but a counting rule now excludes it.
    Rule(Verdict),
}

impl LossReason {
    /// The name used in every output (a rule by its verdict's name).
    pub fn as_str(self) -> &'static str {
        match self {
            LossReason::Removed => "removed",
            LossReason::Reduced => "reduced",
            LossReason::Rule(v) => v.as_str(),
        }
    }
}

/// Places lost at one location between two snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Loss {
    /// The location's id.
    pub location_id: String,
    /// Places lost.
    pub places: u32,
    /// Why.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "loss_reason")]
    pub reason: LossReason,
    /// The snapshot date it was first seen in.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub seen: Date,
    /// Where the row is (file:line) in the snapshot that excludes it, if listed.
    pub source: Option<String>,
}

fn loss_reason<S: serde::Serializer>(r: &LossReason, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// One point of a municipality's timeline: counted places at a snapshot's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    /// The snapshot's date (the baseline: the cycle's report deadline).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    /// Places counting on that date.
    pub counted: u32,
    /// Places decided, not yet counting.
    pub pipeline: u32,
}

/// A municipality and commodity on the status date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    /// CBS code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Province code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// The decided obligation (the decision's `obligation`).
    pub obligation: u32,
    /// Places counting on the status date.
    pub counted: u32,
    /// Places decided that count later (before the due date).
    pub pipeline: u32,
    /// max(0, obligation - counted).
    pub gap: u32,
    /// The status.
    pub status: Progress,
    /// Behind or overdue since this date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub since: Option<Date>,
    /// Counted places at the previous snapshot (the baseline before the first).
    pub previous: u32,
    /// counted - previous.
    pub change: i64,
    /// Counted places at every snapshot date up to the status date, the baseline first.
    pub timeline: Vec<Point>,
    /// Places lost since the previous snapshot, per location.
    pub losses: Vec<Loss>,
}

/// A province and commodity on the status date: sums of its rows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceTotals {
    /// Province code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: ProvinceCode,
    /// Name.
    pub name: String,
    /// Commodity.
    pub commodity: Commodity,
    /// Sum of obligations.
    pub obligation: u64,
    /// Sum of counted places.
    pub counted: u64,
    /// Sum of pipeline places.
    pub pipeline: u64,
    /// Sum of the municipalities' gaps (places above one municipality's obligation do not
    /// close another's gap).
    pub gap: u64,
    /// Municipalities per status.
    pub met: u32,
    /// On track.
    pub on_track: u32,
    /// Behind.
    pub behind: u32,
    /// Overdue.
    pub overdue: u32,
}

/// The snapshot a status was computed from.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InForce {
    /// Its recording number (0: the decision's own location list).
    pub seq: u64,
    /// Its date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    /// Its file.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// The status of a decision on a date.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Status {
    /// The status date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub at: Date,
    /// The due date (the cycle's counting date).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due: Date,
    /// The snapshot in force.
    pub snapshot: InForce,
    /// Provinces and commodities with an obligation, by code then commodity.
    pub provinces: Vec<ProvinceTotals>,
    /// Municipalities and commodities with an obligation above 0 or places counting, by code
    /// then commodity.
    pub municipalities: Vec<Row>,
}

/// A decision as monitoring reads it.
pub struct Decision<'a> {
    /// The data set the decision was computed on (scenario overrides applied).
    pub dataset: &'a Dataset,
    /// Its solution: the obligations.
    pub solution: &'a Solution,
    /// Its counting rules.
    pub ctx: CountingContext,
    /// The decision's own location list's file and SHA-256 (the baseline).
    pub baseline: (String, String),
    /// The provinces the decision is about (its dossier's); empty: every province.
    pub provinces: &'a [ProvinceCode],
}

/// Places per municipality (by index) and commodity: (counted, pipeline).
type Tally = Vec<PerCommodity<(u32, u32)>>;

/// Counted and pipeline places of a location list on a date.
pub fn tally(locations: &[LocationShare], n: usize, ctx: &CountingContext, on: Date) -> Tally {
    let mut out = vec![PerCommodity { regular: (0u32, 0u32), amv: (0u32, 0u32) }; n];
    for l in locations {
        if !verdict(l, ctx).counts() {
            continue;
        }
        let now = l.opens <= on || on >= ctx.counting_date;
        for c in Commodity::ALL {
            let slot = out[l.municipality].get_mut(c);
            let p = l.places.of(c);
            if now {
                slot.0 = slot.0.saturating_add(p);
            } else {
                slot.1 = slot.1.saturating_add(p);
            }
        }
    }
    out
}

/// The snapshots that are in force on some date: per date the last recorded, by date.
pub fn effective(snapshots: &[Snapshot]) -> Vec<&Snapshot> {
    let mut by_date: BTreeMap<Date, &Snapshot> = BTreeMap::new();
    for s in snapshots {
        match by_date.get(&s.date) {
            Some(o) if o.seq > s.seq => {}
            _ => {
                by_date.insert(s.date, s);
            }
        }
    }
    by_date.into_values().collect()
}

/// Places the rules count (now or later) per (location, municipality, commodity), with the row.
fn held<'a>(locations: &'a [LocationShare], ctx: &CountingContext) -> BTreeMap<(&'a str, usize, Commodity), u32> {
    let mut out = BTreeMap::new();
    for l in locations {
        if verdict(l, ctx).counts() {
            for c in Commodity::ALL {
                if l.places.of(c) > 0 {
                    out.insert((l.location_id.as_str(), l.municipality, c), l.places.of(c));
                }
            }
        }
    }
    out
}

/// Losses from `before` to `after` per (municipality, commodity).
fn losses<'a>(
    before: &'a [LocationShare],
    after: &'a [LocationShare],
    ctx: &CountingContext,
    seen: Date,
) -> BTreeMap<(usize, Commodity), Vec<Loss>> {
    let now = held(after, ctx);
    let rows: BTreeMap<(&str, usize), &LocationShare> =
        after.iter().map(|l| ((l.location_id.as_str(), l.municipality), l)).collect();
    let mut out: BTreeMap<(usize, Commodity), Vec<Loss>> = BTreeMap::new();
    for ((id, m, c), places) in held(before, ctx) {
        let kept = now.get(&(id, m, c)).copied().unwrap_or(0);
        if kept >= places {
            continue;
        }
        let row = rows.get(&(id, m));
        let reason = match row {
            None => LossReason::Removed,
            Some(l) => match verdict(l, ctx) {
                v if v.counts() => LossReason::Reduced,
                v => LossReason::Rule(v),
            },
        };
        out.entry((m, c)).or_default().push(Loss {
            location_id: id.to_owned(),
            places: places - kept,
            reason,
            seen,
            source: row.map(|l| l.source.clone()),
        });
    }
    out
}

/// The status of `decision` on `at`, from its recorded snapshots (any order).
pub fn status(decision: &Decision<'_>, snapshots: &[Snapshot], at: Date) -> Status {
    let d = decision.dataset;
    let n = d.municipalities.len();
    let ctx = &decision.ctx;
    let due = ctx.counting_date;
    let baseline_date = d.cycle.report_deadline;
    // The lists in force, oldest first: the decision's own (unless a snapshot is dated on or
    // before it), then the last recorded snapshot of each date on or before D.
    let snaps: Vec<&Snapshot> = effective(snapshots).into_iter().filter(|s| s.date <= at).collect();
    let mut lists: Vec<(Date, &[LocationShare], InForce)> = Vec::with_capacity(snaps.len() + 1);
    if snaps.first().is_none_or(|s| s.date > baseline_date) {
        let (file, sha256) = decision.baseline.clone();
        lists.push((baseline_date, &d.locations, InForce { seq: 0, date: baseline_date, file, sha256 }));
    }
    for s in snaps {
        let info = InForce { seq: s.seq, date: s.date, file: s.file.clone(), sha256: s.sha256.clone() };
        lists.push((s.date, &s.locations, info));
    }
    let current_index = lists.len() - 1;
    let current = &lists[current_index];

    // Points at which the status is evaluated: every list's date (with that list) and D. The
    // due date needs no point of its own: with the list in force then, a status before it that
    // is behind becomes overdue (short either way), and one on track or met becomes met (the
    // pipeline counts from the due date on), so it never starts or ends a run of short ones.
    let tallies: Vec<Tally> = lists.iter().map(|(date, locs, _)| tally(locs, n, ctx, *date)).collect();
    let at_tally = tally(current.1, n, ctx, at);

    let lost =
        if current_index > 0 { losses(lists[current_index - 1].1, current.1, ctx, current.0) } else { BTreeMap::new() };

    let mut rows = Vec::new();
    for r in &decision.solution.municipalities {
        if !decision.provinces.is_empty() && !decision.provinces.contains(&r.province) {
            continue;
        }
        let m = r.municipality;
        let c = r.commodity;
        let (counted, pipeline) = at_tally[m].of(c);
        if r.obligation == 0 && counted == 0 && pipeline == 0 {
            continue;
        }
        let status = Progress::of(r.obligation, counted, pipeline, at, due);
        let since = if status.is_short() {
            let mut start = at;
            for ((date, _, _), t) in lists.iter().zip(&tallies).rev() {
                let (cd, pl) = t[m].of(c);
                if Progress::of(r.obligation, cd, pl, *date, due).is_short() {
                    start = start.min(*date);
                } else {
                    break;
                }
            }
            Some(start)
        } else {
            None
        };
        let previous = if current_index > 0 { tallies[current_index - 1][m].of(c).0 } else { counted };
        let timeline = lists
            .iter()
            .zip(&tallies)
            .map(|((date, _, _), t)| Point { date: *date, counted: t[m].of(c).0, pipeline: t[m].of(c).1 })
            .collect();
        rows.push(Row {
            code: d.municipalities[m].code,
            name: d.municipalities[m].name.clone(),
            province: r.province,
            commodity: c,
            obligation: r.obligation,
            counted,
            pipeline,
            gap: r.obligation.saturating_sub(counted),
            status,
            since,
            previous,
            change: i64::from(counted) - i64::from(previous),
            timeline,
            losses: lost.get(&(m, c)).cloned().unwrap_or_default(),
        });
    }

    let mut provinces: BTreeMap<(ProvinceCode, Commodity), ProvinceTotals> = BTreeMap::new();
    for r in &rows {
        let name = d
            .province_index(&r.province)
            .map(|p| d.provinces[p].name.clone())
            .unwrap_or_else(|| r.province.to_string());
        let t = provinces.entry((r.province, r.commodity)).or_insert_with(|| ProvinceTotals {
            code: r.province,
            name,
            commodity: r.commodity,
            obligation: 0,
            counted: 0,
            pipeline: 0,
            gap: 0,
            met: 0,
            on_track: 0,
            behind: 0,
            overdue: 0,
        });
        t.obligation += u64::from(r.obligation);
        t.counted += u64::from(r.counted);
        t.pipeline += u64::from(r.pipeline);
        t.gap += u64::from(r.gap);
        match r.status {
            Progress::Met => t.met += 1,
            Progress::OnTrack => t.on_track += 1,
            Progress::Behind => t.behind += 1,
            Progress::Overdue => t.overdue += 1,
        }
    }
    Status { at, due, snapshot: current.2.clone(), provinces: provinces.into_values().collect(), municipalities: rows }
}

/// A row's position as a Dutch paragraph (the monitoring report, `monitor status --format
/// table` with `--explain`).
pub fn text(row: &Row, status: &Status) -> String {
    let places = nl::places(row.commodity);
    let mut s = format!(
        "{} ({}): de opgave volgens het verdeelbesluit is {} {places}. Op {} tellen {} plaatsen mee",
        row.name,
        row.code,
        nl::int(u64::from(row.obligation)),
        nl::date(status.at),
        nl::int(u64::from(row.counted)),
    );
    if row.gap > 0 {
        s.push_str(&format!("; er ontbreken nog {}", nl::int(u64::from(row.gap))));
    }
    s.push('.');
    if row.pipeline > 0 {
        s.push_str(&format!(
            " Besloten locaties die later opengaan, voor de peildatum van {}, brengen nog {} plaatsen.",
            nl::date(status.due),
            nl::int(u64::from(row.pipeline))
        ));
    }
    s.push_str(&match row.status {
        Progress::Met => " De opgave is gerealiseerd.".to_owned(),
        Progress::OnTrack => " Met de besloten locaties wordt de opgave op tijd gehaald: op schema.".to_owned(),
        Progress::Behind => format!(
            " Ook met de besloten locaties wordt de opgave niet gehaald: achter op schema sinds {}.",
            nl::date(row.since.unwrap_or(status.at))
        ),
        Progress::Overdue => {
            let since = row.since.unwrap_or(status.due);
            let mut t = format!(
                " De peildatum van {} is verstreken zonder dat de opgave is gehaald: te laat.",
                nl::date(status.due)
            );
            if since < status.due {
                t.push_str(&format!(" Achter op schema was de gemeente al sinds {}.", nl::date(since)));
            }
            t
        }
    });
    if status.snapshot.seq > 0 {
        let change = match row.change {
            0 => "geen verandering".to_owned(),
            c if c > 0 => format!("{} plaatsen meer", nl::int(c.unsigned_abs())),
            c => format!("{} plaatsen minder", nl::int(c.unsigned_abs())),
        };
        s.push_str(&format!(" Ten opzichte van de vorige stand: {change}."));
    }
    for l in &row.losses {
        let why = match l.reason {
            LossReason::Removed => "staat niet meer op de lijst".to_owned(),
            LossReason::Reduced => "heeft minder plaatsen".to_owned(),
            LossReason::Rule(v) => crate::explain::dutch::verdict_text(v).to_owned(),
        };
        s.push_str(&format!(" Verloren: locatie {} ({} plaatsen) {why}.", l.location_id, nl::int(u64::from(l.places))));
    }
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A row's timeline as an SVG chart: counted places at each snapshot as a step line, decided
/// places (counted + pipeline) dashed, the obligation as a horizontal line and the due date
/// as a vertical one, from the first point to the later of the status date and the due date.
/// The bytes depend only on the arguments.
pub fn timeline_svg(row: &Row, status: &Status) -> String {
    use std::fmt::Write;
    const W: f64 = 560.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = 40.0;
    let first = row.timeline.first().map_or(status.at, |p| p.date);
    let last = status.at.max(status.due);
    // A tenth more room on the right, for the due date's label.
    let span = (last - first).num_days().max(1) as f64 * 1.1;
    let top = row
        .timeline
        .iter()
        .map(|p| p.counted.saturating_add(p.pipeline))
        .chain([row.obligation, row.counted.saturating_add(row.pipeline), 1])
        .max()
        .unwrap_or(1);
    let ymax = f64::from(top) * 1.1;
    let x = |d: Date| LEFT + (d - first).num_days() as f64 / span * (W - LEFT - RIGHT);
    let y = |v: u32| TOP + (1.0 - f64::from(v) / ymax) * (H - TOP - BOTTOM);
    let title = format!("{} ({}), {}", row.name, row.code, nl::places(row.commodity));
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"10\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<rect width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\n<text x=\"{LEFT}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{t}</text>",
        t = escape(&title)
    );
    // Axes and the value scale: 0, half the obligation, the obligation.
    let _ = writeln!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#555555\"/><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b}\" stroke=\"#555555\"/>",
        b = H - BOTTOM,
        r = W - RIGHT
    );
    for v in [0, row.obligation / 2] {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            y(v) + 3.0,
            nl::int(u64::from(v))
        );
    }
    let oy = y(row.obligation);
    let _ = writeln!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{oy:.1}\" x2=\"{r}\" y2=\"{oy:.1}\" stroke=\"#b2182b\" stroke-width=\"1.2\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#b2182b\">{}</text><text x=\"{r}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#b2182b\">opgave</text>",
        LEFT - 4.0,
        oy + 3.0,
        nl::int(u64::from(row.obligation)),
        oy - 4.0,
        r = W - RIGHT
    );
    let due = x(status.due);
    let _ = writeln!(
        o,
        "<line x1=\"{due:.1}\" y1=\"{TOP}\" x2=\"{due:.1}\" y2=\"{b}\" stroke=\"#333333\" stroke-dasharray=\"2 3\"/><text x=\"{due:.1}\" y=\"{}\" text-anchor=\"middle\">peildatum {}</text>",
        H - BOTTOM + 26.0,
        escape(&nl::date(status.due)),
        b = H - BOTTOM
    );
    // The step lines, carried to the status date.
    let mut points: Vec<(Date, u32, u32)> =
        row.timeline.iter().map(|p| (p.date, p.counted, p.counted.saturating_add(p.pipeline))).collect();
    points.push((status.at, row.counted, row.counted.saturating_add(row.pipeline)));
    for (k, colour, dash) in [(2usize, "#92c5de", " stroke-dasharray=\"5 3\""), (1, "#2166ac", "")] {
        let mut d = String::new();
        for (i, p) in points.iter().enumerate() {
            let v = if k == 1 { p.1 } else { p.2 };
            if i == 0 {
                let _ = write!(d, "M{:.1},{:.1}", x(p.0), y(v));
            } else {
                let _ = write!(d, "H{:.1}V{:.1}", x(p.0), y(v));
            }
        }
        let _ = writeln!(o, "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>");
    }
    for p in &row.timeline {
        let _ = writeln!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#2166ac\"><title>{}: {} plaatsen</title></circle><text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"8\">{}</text>",
            x(p.date),
            y(p.counted),
            escape(&nl::date(p.date)),
            nl::int(u64::from(p.counted)),
            x(p.date),
            H - BOTTOM + 12.0,
            p.date.format("%d-%m-%Y")
        );
    }
    let ly = H - 6.0;
    let _ = writeln!(
        o,
        "<g font-size=\"9\"><line x1=\"{LEFT}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"#2166ac\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">telt mee</text><line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"#92c5de\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/><text x=\"{}\" y=\"{}\">telt mee of besloten</text></g>",
        LEFT + 20.0,
        LEFT + 24.0,
        ly + 3.0,
        LEFT + 90.0,
        LEFT + 110.0,
        LEFT + 114.0,
        ly + 3.0,
    );
    o.push_str("</svg>\n");
    o
}
