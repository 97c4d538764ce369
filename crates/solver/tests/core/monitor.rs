//! Monitoring (docs/MODEL.md section 5): the core's status against a computation written here,
//! on generated snapshot lists for three municipalities of Utrecht under the shipped
//! `rest-indicative` decision. Dates are drawn from a few around the counting date (1 July 2025)
//! and the cycle's end (1 February 2026), so that every boundary is met often; snapshots share
//! dates, so that superseding is too.

use crate::common::*;
use proptest::prelude::*;
use spreiding_solver::counting::CountingContext;
use spreiding_solver::io;
use spreiding_solver::model::{Commodity, Date, LocationShare, LocationStatus, MunicipalityCode, PerCommodity};
use spreiding_solver::monitor::{effective, status, Decision, LossReason, Progress, Snapshot};
use spreiding_solver::solve::solve;
use spreiding_solver::Solution;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CODES: [&str; 3] = ["GM0344", "GM0307", "GM0327"];

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).unwrap()
}

/// Dates around the rules' boundaries.
fn dates() -> Vec<Date> {
    vec![
        day(2024, 6, 1),
        day(2024, 11, 1),
        day(2025, 3, 1),
        day(2025, 6, 30),
        day(2025, 7, 1),
        day(2025, 7, 2),
        day(2026, 1, 31),
        day(2026, 2, 1),
        day(2026, 6, 1),
    ]
}

struct Fixture {
    scenario: spreiding_solver::model::Scenario,
    dataset: spreiding_solver::model::Dataset,
    solution: Solution,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (scenario, dataset) = io::load(&scenario_path("rest-indicative")).unwrap();
        let solution = solve(&dataset, &scenario).unwrap();
        Fixture { scenario, dataset, solution }
    })
}

/// A generated row: municipality (index into CODES), regular, amv, status, opens, closes, bridging.
type Gen = (usize, u32, u32, u8, usize, Option<usize>, bool);

fn row_strategy() -> impl Strategy<Value = Gen> {
    let n = dates().len();
    (
        0..CODES.len(),
        prop_oneof![Just(0u32), 1..400u32, Just(250u32)],
        0..12u32,
        0..3u8,
        0..n,
        proptest::option::of(0..n),
        any::<bool>(),
    )
}

fn share(f: &Fixture, id: usize, g: &Gen) -> LocationShare {
    let ds = dates();
    let (m, regular, amv, status, opens, closes, bridging) = *g;
    let opens = ds[opens];
    // A closing date before the opening is not a valid row: such a location is open-ended.
    let closes = closes.map(|k| ds[k]).filter(|c| *c >= opens);
    LocationShare {
        location_id: format!("T{id:03}"),
        municipality: f.dataset.municipality_index(&MunicipalityCode::parse(CODES[m]).unwrap()).unwrap(),
        places: PerCommodity { regular, amv },
        status: [LocationStatus::Existing, LocationStatus::Planned, LocationStatus::Intention][usize::from(status)],
        opens,
        closes,
        bridging,
        location_total: regular + amv,
        source: format!("t:{id}"),
    }
}

/// What the 2024-2026 rules (cycle.toml) count: no intentions, open until 2026-02-01, a late
/// location (after 2025-07-01, before 2026-02-01) only with bridging.
fn rules_count(l: &LocationShare) -> bool {
    let end = day(2026, 2, 1);
    let due = day(2025, 7, 1);
    l.status != LocationStatus::Intention
        && l.closes.is_none_or(|c| c >= end)
        && l.opens < end
        && (l.opens <= due || l.bridging)
}

/// (counted, pipeline) of a municipality's rows on a date.
fn count(list: &[LocationShare], m: usize, c: Commodity, on: Date) -> (u32, u32) {
    let due = day(2025, 7, 1);
    let mut out = (0, 0);
    for l in list.iter().filter(|l| l.municipality == m && rules_count(l)) {
        let p = if c == Commodity::Regular { l.places.regular } else { l.places.amv };
        if l.opens <= on || on >= due {
            out.0 += p;
        } else {
            out.1 += p;
        }
    }
    out
}

fn word(obligation: u32, counted: u32, pipeline: u32, on: Date) -> Progress {
    if counted >= obligation {
        Progress::Met
    } else if on >= day(2025, 7, 1) {
        Progress::Overdue
    } else if counted + pipeline >= obligation {
        Progress::OnTrack
    } else {
        Progress::Behind
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn the_status_is_the_one_computed_from_the_lists(
        lists in proptest::collection::vec((0..9usize, proptest::collection::vec(row_strategy(), 0..6)), 0..5),
        at in 0..9usize,
    ) {
        let f = fixture();
        let ds = dates();
        let at = ds[at];
        let base = f.dataset.locations().to_vec();
        // Each generated list is the report's list plus its rows (some lists share a date).
        let snapshots: Vec<Snapshot> = lists
            .iter()
            .enumerate()
            .map(|(k, (d, rows))| {
                let mut locations = base.clone();
                // Row i of every list is location T00i: lists share locations, so places move, shrink
                // and stop counting between them.
                locations.extend(rows.iter().enumerate().map(|(i, g)| share(f, i, g)));
                Snapshot { seq: k as u64 + 1, date: ds[*d], file: format!("s{k}"), sha256: String::new(), locations }
            })
            .collect();
        let ctx = CountingContext::new(&f.dataset, &f.scenario);
        let decision = Decision { dataset: &f.dataset, solution: &f.solution, ctx, baseline: ("base".into(), "h".into()), provinces: &[] };
        let got = status(&decision, &snapshots, at);

        // The lists in force, oldest first: per date the last recorded; the report's own list
        // first unless a snapshot is dated on or before its date.
        let deadline = day(2024, 11, 1);
        // (Only the lists dated on or before D: before any, the report's list is in force.)
        let mut by_date: BTreeMap<Date, &Snapshot> = BTreeMap::new();
        for s in &snapshots {
            if by_date.get(&s.date).is_none_or(|o| o.seq < s.seq) {
                by_date.insert(s.date, s);
            }
        }
        let mut in_force: Vec<(Date, &[LocationShare], u64)> = Vec::new();
        by_date.retain(|d, _| *d <= at);
        if by_date.keys().next().is_none_or(|d| *d > deadline) {
            in_force.push((deadline, &base, 0));
        }
        in_force.extend(by_date.values().filter(|s| s.date <= at).map(|s| (s.date, s.locations.as_slice(), s.seq)));
        let (current_date, current, seq) = *in_force.last().unwrap();
        prop_assert_eq!(got.snapshot.seq, seq);
        prop_assert_eq!(got.snapshot.date, current_date);

        for code in CODES {
            let m = f.dataset.municipality_index(&MunicipalityCode::parse(code).unwrap()).unwrap();
            for c in Commodity::ALL {
                let obligation = f.solution.municipality(&MunicipalityCode::parse(code).unwrap(), c).unwrap().obligation;
                let (counted, pipeline) = count(current, m, c, at);
                let row = got.municipalities.iter().find(|r| r.code.as_str() == code && r.commodity == c);
                if obligation == 0 && counted == 0 && pipeline == 0 {
                    prop_assert!(row.is_none());
                    continue;
                }
                let row = row.unwrap();
                prop_assert_eq!((row.obligation, row.counted, row.pipeline), (obligation, counted, pipeline), "{} {:?}", code, c);
                prop_assert_eq!(row.gap, obligation.saturating_sub(counted));
                let progress = word(obligation, counted, pipeline, at);
                prop_assert_eq!(row.status, progress, "{} {:?}", code, c);
                // Since: walk back over the evaluation points.
                let mut points: Vec<(Date, (u32, u32))> =
                    in_force.iter().map(|(d, l, _)| (*d, count(l, m, c, *d))).collect();
                let due = day(2025, 7, 1);
                if in_force[0].0 <= due && due < at {
                    let list = in_force.iter().rev().find(|(d, _, _)| *d <= due).unwrap().1;
                    points.push((due, count(list, m, c, due)));
                }
                points.push((at, (counted, pipeline)));
                points.sort_by_key(|p| p.0);
                let since = matches!(progress, Progress::Behind | Progress::Overdue).then(|| {
                    let mut start = at;
                    for (d, (cd, pl)) in points.iter().rev() {
                        if matches!(word(obligation, *cd, *pl, *d), Progress::Behind | Progress::Overdue) {
                            start = *d;
                        } else {
                            break;
                        }
                    }
                    start
                });
                prop_assert_eq!(row.since, since, "{} {:?}", code, c);
                let previous = if in_force.len() > 1 {
                    let (d, l, _) = in_force[in_force.len() - 2];
                    count(l, m, c, d).0
                } else {
                    counted
                };
                prop_assert_eq!(row.previous, previous);
                prop_assert_eq!(row.change, i64::from(counted) - i64::from(previous));
                prop_assert_eq!(row.timeline.len(), in_force.len());
                // Losses: the generated rows the previous list counted and this one does not.
                let mut lost: BTreeMap<String, (u32, &'static str)> = BTreeMap::new();
                if in_force.len() > 1 {
                    let before = in_force[in_force.len() - 2].1;
                    for l in before.iter().filter(|l| l.municipality == m && rules_count(l)) {
                        let p = if c == Commodity::Regular { l.places.regular } else { l.places.amv };
                        let now = current.iter().find(|x| x.location_id == l.location_id && x.municipality == m);
                        let kept = now.filter(|x| rules_count(x)).map_or(0, |x| if c == Commodity::Regular { x.places.regular } else { x.places.amv });
                        if p > kept {
                            let reason = match now {
                                None => "removed",
                                Some(x) if rules_count(x) => "reduced",
                                Some(_) => "rule",
                            };
                            lost.insert(l.location_id.clone(), (p - kept, reason));
                        }
                    }
                }
                let got_lost: BTreeMap<String, (u32, &'static str)> = row
                    .losses
                    .iter()
                    .map(|l| {
                        let reason = match l.reason {
                            LossReason::Removed => "removed",
                            LossReason::Reduced => "reduced",
                            LossReason::Rule(v) => {
                                assert!(!v.counts());
                                assert_eq!(l.reason.as_str(), v.as_str());
                                "rule"
                            }
                        };
                        if reason != "rule" {
                            assert_eq!(l.reason.as_str(), reason);
                        }
                        (l.location_id.clone(), (l.places, reason))
                    })
                    .collect();
                prop_assert_eq!(got_lost, lost, "{} {:?}", code, c);
            }
        }
        // Province totals are the sums of their rows.
        for p in &got.provinces {
            let rows: Vec<_> = got.municipalities.iter().filter(|r| r.province == p.code && r.commodity == p.commodity).collect();
            prop_assert_eq!(p.obligation, rows.iter().map(|r| u64::from(r.obligation)).sum::<u64>());
            prop_assert_eq!(p.counted, rows.iter().map(|r| u64::from(r.counted)).sum::<u64>());
            prop_assert_eq!(p.gap, rows.iter().map(|r| u64::from(r.gap)).sum::<u64>());
            prop_assert_eq!(p.pipeline, rows.iter().map(|r| u64::from(r.pipeline)).sum::<u64>());
            for (n, s) in [(p.met, Progress::Met), (p.on_track, Progress::OnTrack), (p.behind, Progress::Behind), (p.overdue, Progress::Overdue)] {
                prop_assert_eq!(n as usize, rows.iter().filter(|r| r.status == s).count());
            }
            prop_assert_eq!((p.met + p.on_track + p.behind + p.overdue) as usize, rows.len());
        }
    }
}

#[test]
fn statuses_at_their_boundaries() {
    let due = day(2025, 7, 1);
    let before = day(2025, 6, 30);
    assert_eq!(Progress::of(10, 10, 0, due, due), Progress::Met);
    assert_eq!(Progress::of(10, 9, 0, due, due), Progress::Overdue);
    assert_eq!(Progress::of(10, 9, 1, before, due), Progress::OnTrack);
    assert_eq!(Progress::of(10, 9, 0, before, due), Progress::Behind);
    assert_eq!(Progress::of(0, 0, 0, before, due), Progress::Met);
    assert_eq!(Progress::of(u32::MAX, u32::MAX - 1, u32::MAX, before, due), Progress::OnTrack, "no overflow");
    assert_eq!(
        [Progress::Met, Progress::OnTrack, Progress::Behind, Progress::Overdue].map(Progress::as_str),
        ["met", "on-track", "behind", "overdue"]
    );
    assert!(
        Progress::Behind.is_short()
            && Progress::Overdue.is_short()
            && !Progress::OnTrack.is_short()
            && !Progress::Met.is_short()
    );
    assert_eq!(
        [Progress::Met, Progress::OnTrack, Progress::Behind, Progress::Overdue].map(Progress::dutch),
        ["gerealiseerd", "op schema", "achter op schema", "te laat"]
    );
}

#[test]
fn only_the_decisions_provinces_and_only_municipalities_with_something_to_follow() {
    let f = fixture();
    let ctx = CountingContext::new(&f.dataset, &f.scenario);
    let at = day(2025, 3, 1);
    let utrecht = [spreiding_solver::model::ProvinceCode::parse("PV26").unwrap()];
    for provinces in [&utrecht[..], &[]] {
        let decision =
            Decision { dataset: &f.dataset, solution: &f.solution, ctx, baseline: ("b".into(), "h".into()), provinces };
        let got = status(&decision, &[], at);
        let mut expected = 0;
        for r in &f.solution.municipalities {
            if !provinces.is_empty() && r.province != utrecht[0] {
                assert!(!got.municipalities.iter().any(|g| g.code == r.code), "{} is outside the decision", r.code);
                continue;
            }
            let (counted, pipeline) = count(f.dataset.locations(), r.municipality, r.commodity, at);
            let listed = got.municipalities.iter().any(|g| g.code == r.code && g.commodity == r.commodity);
            assert_eq!(listed, r.obligation > 0 || counted > 0 || pipeline > 0, "{} {:?}", r.code, r.commodity);
            expected += usize::from(listed);
        }
        assert_eq!(got.municipalities.len(), expected);
        assert!(expected > 0);
        assert!(got.provinces.iter().all(|p| provinces.is_empty() || p.code == utrecht[0]));
    }
}

#[test]
fn of_two_snapshots_of_one_date_the_later_recorded_is_in_force() {
    let s = |seq, d| Snapshot { seq, date: d, file: String::new(), sha256: String::new(), locations: Vec::new() };
    let list = [s(3, day(2025, 3, 1)), s(1, day(2025, 3, 1)), s(2, day(2025, 1, 1)), s(4, day(2025, 1, 1))];
    let seqs: Vec<u64> = effective(&list).iter().map(|s| s.seq).collect();
    assert_eq!(seqs, [4, 3]);
}

#[test]
fn the_dutch_text_says_each_part_only_when_it_applies() {
    use spreiding_solver::counting::Verdict;
    use spreiding_solver::monitor::{text, InForce, Loss, Row, Status};
    let due = day(2025, 7, 1);
    let row = |obligation: u32, counted: u32, pipeline: u32, status: Progress, since: Option<Date>, change: i64| Row {
        code: MunicipalityCode::parse("GM0344").unwrap(),
        name: "Utrecht".into(),
        province: spreiding_solver::model::ProvinceCode::parse("PV26").unwrap(),
        commodity: Commodity::Regular,
        obligation,
        counted,
        pipeline,
        gap: obligation.saturating_sub(counted),
        status,
        since,
        previous: 0,
        change,
        timeline: Vec::new(),
        losses: Vec::new(),
    };
    let status_on = |at: Date, seq: u64| Status {
        at,
        due,
        snapshot: InForce { seq, date: at, file: "s.csv".into(), sha256: String::new() },
        provinces: Vec::new(),
        municipalities: Vec::new(),
    };
    let june = status_on(day(2025, 6, 15), 2);
    let t = text(&row(1816, 1379, 250, Progress::Behind, Some(day(2025, 6, 1)), -50), &june);
    assert!(t.starts_with("Utrecht (GM0344): de opgave volgens het verdeelbesluit is 1.816 reguliere plaatsen. Op 15 juni 2025 tellen 1.379 plaatsen mee; er ontbreken nog 437."), "{t}");
    assert!(t.contains("brengen nog 250 plaatsen"), "{t}");
    assert!(t.contains("achter op schema sinds 1 juni 2025"), "{t}");
    assert!(t.ends_with("Ten opzichte van de vorige stand: 50 plaatsen minder."), "{t}");
    // Met, nothing in the pipeline, more than before.
    let t = text(&row(100, 120, 0, Progress::Met, None, 20), &june);
    assert!(!t.contains("ontbreken") && !t.contains("Besloten"), "{t}");
    assert!(t.contains("De opgave is gerealiseerd.") && t.ends_with("20 plaatsen meer."), "{t}");
    // On track, no change; before any snapshot no comparison at all.
    let t = text(&row(100, 90, 10, Progress::OnTrack, None, 0), &june);
    assert!(t.contains("op schema.") && t.ends_with("geen verandering."), "{t}");
    let t = text(&row(100, 90, 10, Progress::OnTrack, None, 0), &status_on(day(2025, 6, 15), 0));
    assert!(!t.contains("vorige stand"), "{t}");
    // Overdue: behind since before the due date, or overdue from the due date on.
    let july = status_on(day(2025, 7, 15), 2);
    let t = text(&row(100, 90, 0, Progress::Overdue, Some(day(2025, 3, 1)), 0), &july);
    assert!(t.contains("is verstreken zonder dat de opgave is gehaald: te laat. Achter op schema was de gemeente al sinds 1 maart 2025."), "{t}");
    let t = text(&row(100, 90, 0, Progress::Overdue, Some(due), 0), &july);
    assert!(t.contains("te laat.") && !t.contains("al sinds"), "{t}");
    // Losses, each with its reason.
    let mut r = row(100, 90, 0, Progress::Behind, Some(day(2025, 6, 1)), -10);
    for (id, reason) in
        [("L1", LossReason::Removed), ("L2", LossReason::Reduced), ("L3", LossReason::Rule(Verdict::ClosesBeforeEnd))]
    {
        r.losses.push(Loss { location_id: id.into(), places: 5, reason, seen: day(2025, 6, 1), source: None });
    }
    let t = text(&r, &june);
    assert!(t.contains("Verloren: locatie L1 (5 plaatsen) staat niet meer op de lijst."), "{t}");
    assert!(t.contains("Verloren: locatie L2 (5 plaatsen) heeft minder plaatsen."), "{t}");
    assert!(t.contains("Verloren: locatie L3 (5 plaatsen) telt niet mee: sluit voor het einde van de cyclus."), "{t}");
}

/// The attributes of every `tag` element of an SVG document (which must parse as XML), in
/// document order, the element's text under the key `#text`.
fn elements(svg: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.tag_name().name() == tag)
        .map(|n| {
            let mut attrs: BTreeMap<String, String> =
                n.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect();
            attrs.insert("#text".into(), n.text().unwrap_or_default().to_owned());
            attrs
        })
        .collect()
}

fn num(attrs: &BTreeMap<String, String>, key: &str) -> f64 {
    attrs[key].parse().unwrap_or_else(|_| panic!("{key} of {attrs:?}"))
}

fn close(a: f64, b: f64, what: &str) {
    // The chart writes coordinates with one decimal.
    assert!((a - b).abs() <= 0.06, "{what}: {a} is not {b}");
}

#[test]
fn a_timeline_chart_puts_each_point_at_its_date_and_value_inside_its_axes() {
    use spreiding_solver::monitor::{timeline_svg, InForce, Point, Row, Status};
    let (due, at) = (day(2025, 7, 1), day(2025, 6, 15));
    let p = |date, counted, pipeline| Point { date, counted, pipeline };
    let timeline = vec![p(day(2024, 11, 1), 200, 0), p(day(2025, 3, 1), 500, 700), p(day(2025, 6, 1), 600, 300)];
    let row = Row {
        code: MunicipalityCode::parse("GM0344").unwrap(),
        name: "Utrecht".into(),
        province: spreiding_solver::model::ProvinceCode::parse("PV26").unwrap(),
        commodity: Commodity::Regular,
        obligation: 1000,
        counted: 650,
        pipeline: 250,
        gap: 350,
        status: Progress::OnTrack,
        since: None,
        previous: 600,
        change: 50,
        timeline: timeline.clone(),
        losses: Vec::new(),
    };
    let status = Status {
        at,
        due,
        snapshot: InForce { seq: 2, date: day(2025, 6, 1), file: "s.csv".into(), sha256: String::new() },
        provinces: Vec::new(),
        municipalities: Vec::new(),
    };
    let svg = timeline_svg(&row, &status);
    assert!(svg.contains("<title>Utrecht (GM0344), reguliere plaatsen</title>"), "{svg}");

    // The plot's box, read from its axes: the x axis along the bottom, the y axis on the left.
    let lines = elements(&svg, "line");
    let (xaxis, yaxis) = (&lines[0], &lines[1]);
    let (left, right, bottom, top) = (num(xaxis, "x1"), num(xaxis, "x2"), num(xaxis, "y1"), num(yaxis, "y1"));
    assert_eq!((num(yaxis, "x1"), num(yaxis, "x2"), num(yaxis, "y2"), num(xaxis, "y2")), (left, left, bottom, bottom));
    assert!(0.0 < left && left < right && right <= 560.0 && 0.0 < top && top < bottom && bottom <= 240.0);
    // Dates run from the first point to the later of the status date and the due date, with a
    // tenth more room on the right; values from 0 to the highest, with a tenth more room above.
    let days = |d: Date| (d - timeline[0].date).num_days() as f64;
    let span = days(due) * 1.1;
    let x = |d: Date| left + days(d) / span * (right - left);
    let highest = 1200.0; // 500 counted and 700 decided on 1 March 2025
    let y = |v: u32| bottom - f64::from(v) / (highest * 1.1) * (bottom - top);

    // One dot per snapshot, at its date and its counted places, with its date below the axis.
    let dots = elements(&svg, "circle");
    assert_eq!(dots.len(), timeline.len());
    for (dot, point) in dots.iter().zip(&timeline) {
        close(num(dot, "cx"), x(point.date), "a dot's x");
        close(num(dot, "cy"), y(point.counted), "a dot's y");
        let label = point.date.format("%d-%m-%Y").to_string();
        assert!(elements(&svg, "text").iter().any(|t| t["#text"] == label), "{label}");
    }
    close(num(&dots[0], "cx"), left, "the first dot");
    // The obligation's line and label, and the due date's line.
    let obligation = lines.iter().find(|l| l["stroke"] == "#b2182b").unwrap();
    close(num(obligation, "y1"), y(1000), "the obligation's line");
    assert_eq!((num(obligation, "x1"), num(obligation, "x2")), (left, right));
    let due_line = lines.iter().find(|l| l.contains_key("stroke-dasharray")).unwrap();
    close(num(due_line, "x1"), x(due), "the due date's line");
    assert_eq!((num(due_line, "y1"), num(due_line, "y2")), (top, bottom));
    // The value scale's labels sit at their values (3 below, as text stands on its baseline).
    let texts = elements(&svg, "text");
    for (label, v) in [("0", 0), ("500", 500), ("1.000", 1000)] {
        let t = texts.iter().find(|t| t["#text"] == label).unwrap_or_else(|| panic!("{label}"));
        close(num(t, "y") - 3.0, y(v), label);
        assert!(num(t, "x") < left && t["text-anchor"] == "end", "{label}");
    }
    // The step lines: counted, and counted with the decided places, carried to the status date.
    let paths = elements(&svg, "path");
    assert_eq!(paths.len(), 2);
    let steps = |values: &[u32]| {
        let mut dates: Vec<Date> = timeline.iter().map(|p| p.date).collect();
        dates.push(at);
        let mut d = format!("M{:.1},{:.1}", x(dates[0]), y(values[0]));
        for (date, v) in dates.iter().zip(values).skip(1) {
            d.push_str(&format!("H{:.1}V{:.1}", x(*date), y(*v)));
        }
        d
    };
    assert_eq!(paths[1]["d"], steps(&[200, 500, 600, 650]));
    assert_eq!(paths[0]["d"], steps(&[200, 1200, 900, 900]));
    // Everything inside the picture, the legend's marks left to right under the plot.
    for t in &texts {
        assert!((0.0..=560.0).contains(&num(t, "x")) && (0.0..=240.0).contains(&num(t, "y")), "{t:?}");
    }
    let legend: Vec<&BTreeMap<String, String>> = lines.iter().filter(|l| num(l, "y1") > bottom + 26.0).collect();
    assert_eq!(legend.len(), 2);
    let labels: Vec<&BTreeMap<String, String>> = texts.iter().filter(|t| num(t, "y") > bottom + 30.0).collect();
    assert_eq!(labels.len(), 2);
    for (line, label) in legend.iter().zip(&labels) {
        assert!(num(line, "x1") >= left && num(line, "x1") < num(line, "x2") && num(line, "x2") < num(label, "x"));
        assert!(num(line, "y1") == num(line, "y2") && num(label, "y") - num(line, "y1") == 3.0);
    }
    assert!(num(labels[0], "x") + 40.0 < num(legend[1], "x1"), "the second mark overlaps the first label");
    assert!(num(legend[1], "y1") <= 240.0);
}
