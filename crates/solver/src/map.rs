//! Maps for decision documents: municipality boundaries (GeoJSON in WGS84 lon/lat) projected to
//! RD New (EPSG:28992, the Dutch national grid, in metres) and drawn as SVG choropleths with a
//! legend. Groundwork of the decision dossier (issue 9); nothing here prints, and only
//! [`boundaries_in`] reads a file (the data set's boundary file).
//!
//! The projection is the approximation of Schreutelkamp and Strang van Hees (2001), a
//! polynomial in the distance to Amersfoort, within about a metre of RDNAPTRANS over the
//! Netherlands: far below what a map of municipalities can show. The colour scale is
//! ColorBrewer's YlGnBu: its classes differ in lightness (they read in greyscale) and it is
//! safe for the common kinds of colour blindness.

use crate::io::{InputError, Problem, Source};
use crate::model::{Commodity, Dataset};
use crate::solve::Solution;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// RD New coordinates (x east, y north, metres) of a WGS84 point.
pub fn rd_new(lat: f64, lon: f64) -> (f64, f64) {
    // (p, q, coefficient): x = 155000 + sum R_pq dphi^p dlam^q, y = 463000 + sum S_pq dphi^p dlam^q.
    const R: [(i32, i32, f64); 9] = [
        (0, 1, 190_094.945),
        (1, 1, -11_832.228),
        (2, 1, -114.221),
        (0, 3, -32.391),
        (1, 0, -0.705),
        (3, 1, -2.340),
        (1, 3, -0.608),
        (0, 2, -0.008),
        (2, 3, 0.148),
    ];
    const S: [(i32, i32, f64); 10] = [
        (1, 0, 309_056.544),
        (0, 2, 3_638.893),
        (2, 0, 73.077),
        (1, 2, -157.984),
        (3, 0, 59.788),
        (0, 1, 0.433),
        (2, 2, -6.439),
        (1, 1, -0.032),
        (0, 4, 0.092),
        (1, 4, -0.054),
    ];
    let dphi = 0.36 * (lat - 52.155_174_40);
    let dlam = 0.36 * (lon - 5.387_206_21);
    let sum = |terms: &[(i32, i32, f64)]| terms.iter().map(|&(p, q, c)| c * dphi.powi(p) * dlam.powi(q)).sum::<f64>();
    (155_000.0 + sum(&R), 463_000.0 + sum(&S))
}

/// One municipality's outline in RD New.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Municipality code (`GM0014`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Province code (`PV20`).
    pub province: String,
    /// Rings (outer boundaries and holes), each a closed list of points in metres.
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// The outlines of a boundary file, in code order.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundaries {
    /// One shape per municipality.
    pub shapes: Vec<Shape>,
}

fn ring(value: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    value
        .as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            let (lon, lat) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
            ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then(|| rd_new(lat, lon))
        })
        .collect()
}

/// Reads a GeoJSON FeatureCollection of municipalities (WGS84 lon/lat; properties
/// `gemeentecode`, `gemeentenaam`, `provinciecode`; Polygon or MultiPolygon geometry). Every
/// problem names the feature by index and the property or geometry at fault.
pub fn parse_boundaries(source: &Source) -> Result<Boundaries, InputError> {
    let refuse = |field: Option<&str>, m: String| InputError::single(Problem::at(&source.name, None, field, m));
    let doc: serde_json::Value =
        serde_json::from_str(&source.text).map_err(|e| refuse(None, format!("is not GeoJSON: {e}")))?;
    let Some(features) = doc.get("features").and_then(|f| f.as_array()) else {
        return Err(refuse(None, "is not a GeoJSON FeatureCollection (no `features` list)".into()));
    };
    let mut problems = crate::io::Problems::default();
    let mut shapes = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let text = |key: &str| f.pointer(&format!("/properties/{key}")).and_then(|v| v.as_str()).map(str::to_owned);
        let at = |key: &str| format!("features[{i}].{key}");
        let (Some(code), Some(name), Some(province)) =
            (text("gemeentecode"), text("gemeentenaam"), text("provinciecode"))
        else {
            problems.push(Problem::at(
                &source.name,
                None,
                Some(&at("properties")),
                "needs the texts gemeentecode, gemeentenaam and provinciecode",
            ));
            continue;
        };
        let coordinates = f.pointer("/geometry/coordinates");
        let polygons: Option<Vec<&serde_json::Value>> = match f.pointer("/geometry/type").and_then(|t| t.as_str()) {
            Some("Polygon") => coordinates.map(|c| vec![c]),
            Some("MultiPolygon") => coordinates.and_then(|c| c.as_array()).map(|a| a.iter().collect()),
            _ => None,
        };
        let rings: Option<Vec<Vec<(f64, f64)>>> = polygons
            .and_then(|ps| {
                ps.iter()
                    .map(|p| p.as_array().map(|rs| rs.iter().map(ring).collect::<Option<Vec<_>>>()))
                    .collect::<Option<Option<Vec<_>>>>()
            })
            .flatten()
            .map(|v: Vec<Vec<Vec<(f64, f64)>>>| v.into_iter().flatten().collect());
        match rings {
            Some(rings) if !rings.is_empty() && rings.iter().all(|r| r.len() >= 4) => {
                shapes.push(Shape { code, name, province, rings })
            }
            _ => problems.push(Problem::at(
                &source.name,
                None,
                Some(&at("geometry")),
                format!("{code}: needs a Polygon or MultiPolygon of lon/lat rings of at least 4 points"),
            )),
        }
    }
    shapes.sort_by(|a, b| a.code.cmp(&b.code));
    for w in shapes.windows(2) {
        if w[0].code == w[1].code {
            problems.push(Problem::at(&source.name, None, None, format!("{} has two features", w[0].code)));
        }
    }
    problems.into_result(Boundaries { shapes })
}

/// ColorBrewer YlGnBu, light to dark: the sequential scale.
pub const PALETTE: [&str; 5] = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];

/// ColorBrewer PuOr, orange (less) through white (equal) to purple (more): the scale of
/// differences, safe for the common kinds of colour blindness; its two ends differ in
/// lightness too (orange lighter than purple).
pub const DIVERGING: [&str; 5] = ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"];

/// The colour of shapes without a value.
pub const NO_DATA: &str = "#d9d9d9";

/// Class bounds for values: `n` classes with upper bounds at the quantiles of the values
/// (equal counts), the last bound the maximum; fewer when values repeat.
pub fn quantile_bounds(values: &[f64], n: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let mut bounds: Vec<f64> = Vec::new();
    if v.is_empty() || n == 0 {
        return bounds;
    }
    for k in 1..=n {
        let b = v[(k * v.len()).div_ceil(n) - 1];
        if bounds.last().is_none_or(|&l| b > l) {
            bounds.push(b);
        }
    }
    bounds
}

/// One class of a choropleth: the values up to `upper` (and above the class before).
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// The largest value in the class.
    pub upper: f64,
    /// The legend's text.
    pub label: String,
    /// The fill.
    pub colour: &'static str,
}

/// The class of a value: the first whose upper bound it does not exceed (the last if none).
pub fn class_of(classes: &[Class], value: f64) -> usize {
    classes.iter().position(|c| value <= c.upper).unwrap_or(classes.len().saturating_sub(1))
}

/// Sequential classes at the quantiles of the values ([`quantile_bounds`], [`PALETTE`]),
/// labelled "t/m a", "a - b", ... with `format`. When there are fewer classes than colours,
/// the colours are spread from light to dark, so the darkest always means the most.
pub fn quantile_classes(values: &[f64], format: &dyn Fn(f64) -> String) -> Vec<Class> {
    let bounds = quantile_bounds(values, PALETTE.len());
    let n = bounds.len();
    bounds
        .iter()
        .enumerate()
        .map(|(k, &b)| Class {
            upper: b,
            label: if k == 0 {
                format!("t/m {}", format(b))
            } else {
                format!("{} - {}", format(bounds[k - 1]), format(b))
            },
            colour: PALETTE[if n <= 1 { PALETTE.len() - 1 } else { k * (PALETTE.len() - 1) / (n - 1) }],
        })
        .collect()
}

/// Diverging classes for differences ([`DIVERGING`]): equal (within 1e-9) in the middle, and
/// on each side a class up to the median size of the differences on that side and one beyond.
pub fn difference_classes(values: &[f64], format: &dyn Fn(f64) -> String) -> Vec<Class> {
    const EQUAL: f64 = 1e-9;
    let median = |mut side: Vec<f64>| {
        side.sort_by(f64::total_cmp);
        side.get(side.len().saturating_sub(1) / 2).copied()
    };
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let less = median(finite().filter(|&v| v < -EQUAL).map(f64::abs).collect());
    let more = median(finite().filter(|&v| v > EQUAL).map(f64::abs).collect());
    let mut classes = Vec::new();
    if let Some(t) = less {
        classes.push(Class { upper: -t, label: format!("{} of minder", format(-t)), colour: DIVERGING[0] });
        classes.push(Class { upper: -EQUAL, label: format!("minder, tot {}", format(-t)), colour: DIVERGING[1] });
    }
    classes.push(Class { upper: EQUAL, label: "gelijk".to_owned(), colour: DIVERGING[2] });
    if let Some(t) = more {
        classes.push(Class { upper: t, label: format!("meer, t/m {}", format(t)), colour: DIVERGING[3] });
        classes.push(Class { upper: f64::INFINITY, label: format!("meer dan {}", format(t)), colour: DIVERGING[4] });
    }
    classes
}

/// What a choropleth shows.
pub struct Choropleth<'a> {
    /// The map's title.
    pub title: &'a str,
    /// The value per municipality code; missing codes are drawn as "no data".
    pub values: &'a BTreeMap<String, f64>,
    /// The classes, in increasing order ([`quantile_classes`], [`difference_classes`]).
    pub classes: &'a [Class],
    /// How a value is written in the tooltips.
    pub format: &'a dyn Fn(f64) -> String,
    /// The legend's line for shapes without a value.
    pub no_data: &'a str,
    /// Further lines under the legend (e.g. the provinces' status on the national map).
    pub notes: &'a [String],
    /// Labels at the centre of each named province's shapes: (province code, text).
    pub labels: &'a [(String, String)],
}

/// The centroid of a province's shapes (area-weighted over the rings' signed areas).
fn centroid<'s>(shapes: impl Iterator<Item = &'s Shape>) -> Option<(f64, f64)> {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for s in shapes {
        for r in &s.rings {
            for w in r.windows(2) {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                let cross = x0 * y1 - x1 * y0;
                a += cross;
                cx += (x0 + x1) * cross;
                cy += (y0 + y1) * cross;
            }
        }
    }
    (a.abs() > f64::EPSILON).then(|| (cx / (3.0 * a), cy / (3.0 * a)))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG map of the shapes `keep` selects, coloured by class, with a title, a legend, a scale
/// bar and notes; each shape carries its name, code and value as a tooltip (`<title>`). The
/// bytes depend only on the arguments.
pub fn svg(boundaries: &Boundaries, keep: &dyn Fn(&Shape) -> bool, map: &Choropleth<'_>) -> String {
    const WIDTH: f64 = 600.0;
    const MARGIN: f64 = 10.0;
    const LEGEND: f64 = 270.0;
    let shapes: Vec<&Shape> = boundaries.shapes.iter().filter(|s| keep(s)).collect();
    let points = || shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in points() {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if shapes.is_empty() {
        (x0, y0, x1, y1) = (0.0, 0.0, 1.0, 1.0);
    }
    let scale = (WIDTH - 2.0 * MARGIN) / (x1 - x0).max(1.0);
    let legend_height = 60.0 + 20.0 * (map.classes.len() as f64 + 1.0) + 50.0 + 16.0 * map.notes.len() as f64;
    let height = ((y1 - y0) * scale + 2.0 * MARGIN + 40.0).max(legend_height);
    let total = WIDTH + LEGEND;
    let px = |x: f64| MARGIN + (x - x0) * scale;
    let py = |y: f64| 40.0 + MARGIN + (y1 - y) * scale;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total:.0} {height:.0}\" width=\"{total:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<rect width=\"{total:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>\n<text x=\"{MARGIN}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{t}</text>\n<g stroke=\"#ffffff\" stroke-width=\"0.4\" stroke-linejoin=\"round\">\n",
        t = escape(map.title)
    );
    for s in &shapes {
        let value = map.values.get(&s.code).copied();
        let fill =
            value.filter(|_| !map.classes.is_empty()).map_or(NO_DATA, |v| map.classes[class_of(map.classes, v)].colour);
        let mut d = String::new();
        for r in &s.rings {
            for (i, &(x, y)) in r.iter().enumerate() {
                let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, px(x), py(y));
            }
            d.push('Z');
        }
        let shown = value.map_or_else(|| map.no_data.to_owned(), |v| (map.format)(v));
        let _ = writeln!(
            out,
            "<path id=\"{code}\" fill=\"{fill}\" fill-rule=\"evenodd\" d=\"{d}\"><title>{name} ({code}): {shown}</title></path>",
            code = escape(&s.code),
            name = escape(&s.name),
            shown = escape(&shown)
        );
    }
    out.push_str("</g>\n");
    for (province, text) in map.labels {
        if let Some((x, y)) = centroid(shapes.iter().copied().filter(|s| &s.province == province)) {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                px(x),
                py(y),
                escape(text)
            );
        }
    }
    // Legend: one swatch per class, then "no data".
    let lx = WIDTH + 10.0;
    let _ = writeln!(out, "<g font-size=\"12\">");
    let mut y = 60.0;
    let swatch = |out: &mut String, y: f64, colour: &str, label: &str| {
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{y}\" width=\"18\" height=\"14\" fill=\"{colour}\" stroke=\"#555555\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            lx + 24.0,
            y + 11.0,
            escape(label)
        );
    };
    for c in map.classes {
        swatch(&mut out, y, c.colour, &c.label);
        y += 20.0;
    }
    swatch(&mut out, y, NO_DATA, map.no_data);
    // Scale bar: 10 km (or 50 km when the map is wide).
    let km = if (x1 - x0) > 150_000.0 { 50.0 } else { 10.0 };
    let bar = km * 1000.0 * scale;
    let by = y + 40.0;
    let _ = writeln!(
        out,
        "<rect x=\"{lx}\" y=\"{by}\" width=\"{bar:.1}\" height=\"4\" fill=\"#333333\"/><text x=\"{lx}\" y=\"{}\">{km:.0} km (RD New, EPSG:28992)</text>",
        by + 18.0
    );
    let mut ny = by + 44.0;
    for note in map.notes {
        let _ = writeln!(out, "<text x=\"{lx}\" y=\"{ny}\" font-size=\"11\">{}</text>", escape(note));
        ny += 16.0;
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// What a map shows per municipality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Obligation (counted + assigned places) per 1,000 inhabitants.
    ObligationPer1000,
    /// Places assigned by the allocation (within and beyond the caps).
    Allocated,
    /// Obligation: counted + assigned places.
    Obligation,
}

impl Metric {
    /// The Dutch name, for titles.
    pub fn dutch(self) -> &'static str {
        match self {
            Metric::ObligationPer1000 => "opgave per 1.000 inwoners",
            Metric::Allocated => "toegewezen plaatsen",
            Metric::Obligation => "opgave (getelde en toegewezen plaatsen)",
        }
    }
}

/// A metric per municipality code, summed over `commodities`.
pub fn metric_values(
    dataset: &Dataset,
    solution: &Solution,
    metric: Metric,
    commodities: &[Commodity],
) -> BTreeMap<String, f64> {
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for m in solution.municipalities.iter().filter(|m| commodities.contains(&m.commodity)) {
        let places = match metric {
            Metric::Allocated => m.allocated + m.beyond_cap,
            Metric::Obligation | Metric::ObligationPer1000 => m.obligation,
        };
        let e = sums
            .entry(m.code.to_string())
            .or_insert((0.0, f64::from(dataset.municipalities()[m.municipality].population)));
        e.0 += f64::from(places);
    }
    sums.into_iter()
        .map(|(code, (places, population))| {
            let v = match metric {
                Metric::ObligationPer1000 if population > 0.0 => places * 1000.0 / population,
                Metric::ObligationPer1000 => 0.0,
                _ => places,
            };
            (code, v)
        })
        .collect()
}

/// The boundary file of a data set folder, by convention `gemeenten_<start year>.geojson`
/// (`gemeenten_2024.geojson` for the cycle that starts in 2024); `None` when there is none.
pub fn boundaries_in(folder: &Path, dataset: &Dataset) -> Result<Option<(String, Source, Boundaries)>, InputError> {
    use chrono::Datelike;
    let name = format!("gemeenten_{}.geojson", dataset.cycle().start.year());
    let path = folder.join(&name);
    if !path.exists() {
        return Ok(None);
    }
    let source = Source::read_file(&path)?;
    let mut boundaries = parse_boundaries(&source)?;
    // Maps name municipalities as the data set does (the boundary file may spell them
    // otherwise, or be of another year).
    for shape in &mut boundaries.shapes {
        if let Some(m) = crate::model::MunicipalityCode::parse(&shape.code).and_then(|c| dataset.municipality_index(&c))
        {
            shape.name = dataset.municipalities()[m].name.clone();
        }
    }
    Ok(Some((name, source, boundaries)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rd_new_matches_the_published_reference_points() {
        // Amersfoort (the origin), the Westertoren and the Martinitoren, from the published
        // transformation formulas' examples; the approximation is within a metre or so.
        let near = |(x, y): (f64, f64), (ex, ey): (f64, f64)| (x - ex).abs() < 1.5 && (y - ey).abs() < 1.5;
        assert!(near(rd_new(52.155_174_40, 5.387_206_21), (155_000.0, 463_000.0)));
        assert!(
            near(rd_new(52.374_532_53, 4.883_525_59), (120_700.723, 487_525.501)),
            "{:?}",
            rd_new(52.374_532_53, 4.883_525_59)
        );
        assert!(
            near(rd_new(53.219_383_17, 6.568_200_53), (233_883.131, 582_065.167)),
            "{:?}",
            rd_new(53.219_383_17, 6.568_200_53)
        );
    }

    #[test]
    fn quantile_bounds_split_the_values_into_equal_counts() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_bounds(&v, 5), vec![2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(quantile_bounds(&[3.0, 3.0, 3.0], 4), vec![3.0]);
        assert!(quantile_bounds(&[], 4).is_empty());
        let c = quantile_classes(&v, &|x| format!("{x}"));
        assert_eq!((class_of(&c, 1.0), class_of(&c, 2.0), class_of(&c, 2.5), class_of(&c, 10.0)), (0, 0, 1, 4));
        let labels: Vec<&str> = c.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["t/m 2", "2 - 4", "4 - 6", "6 - 8", "8 - 10"]);
        assert_eq!(c.iter().map(|c| c.colour).collect::<Vec<_>>(), PALETTE);
        // Two classes take the lightest and the darkest colour; one class the darkest.
        let two = quantile_classes(&[1.0, 1.0, 1.0, 2.0, 2.0], &|x| format!("{x}"));
        assert_eq!(two.iter().map(|c| c.colour).collect::<Vec<_>>(), [PALETTE[0], PALETTE[4]]);
        assert_eq!(quantile_classes(&[3.0], &|x| format!("{x}"))[0].colour, PALETTE[4]);
    }

    #[test]
    fn difference_classes_put_equal_in_the_middle_and_split_each_side_at_its_median() {
        let c = difference_classes(&[-4.0, -2.0, -1.0, 0.0, 0.0, 1.0, 3.0, 5.0, 7.0], &|x| format!("{x}"));
        let uppers: Vec<f64> = c.iter().map(|c| c.upper).collect();
        // Medians of the sizes: 1, 2, 4 -> 2; 1, 3, 5, 7 -> 3 (the lower of the middle two).
        assert_eq!(uppers, [-2.0, -1e-9, 1e-9, 3.0, f64::INFINITY]);
        assert_eq!(c.iter().map(|c| c.colour).collect::<Vec<_>>(), DIVERGING);
        let at = |v: f64| class_of(&c, v);
        assert_eq!((at(-4.0), at(-2.0), at(-1.0), at(0.0), at(1.0), at(3.0), at(5.0)), (0, 0, 1, 2, 3, 3, 4));
        assert_eq!(c[0].label, "-2 of minder");
        assert_eq!(c[4].label, "meer dan 3");
        // Only increases: no orange classes.
        let up = difference_classes(&[0.0, 2.0], &|x| format!("{x}"));
        assert_eq!(up.iter().map(|c| c.colour).collect::<Vec<_>>(), &DIVERGING[2..]);
    }

    fn square(code: &str, lon: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"gemeentecode":"{code}","gemeentenaam":"Naam {code}","provinciecode":"PV20"}},"geometry":{{"type":"Polygon","coordinates":[[[{lon},52.0],[{lon},52.1],[{e},52.1],[{e},52.0],[{lon},52.0]]]}}}}"#,
            e = lon + 0.1
        )
    }

    #[test]
    fn reads_boundaries_and_draws_one_titled_path_each() {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            square("GM0002", 5.1),
            square("GM0001", 5.0)
        );
        let b = parse_boundaries(&Source::new("t.geojson", text)).expect("valid");
        assert_eq!(b.shapes.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["GM0001", "GM0002"]);
        let values: BTreeMap<String, f64> = [("GM0001".to_owned(), 1.5)].into();
        let classes = [
            Class { upper: 1.0, label: "t/m 1".into(), colour: PALETTE[0] },
            Class { upper: 2.0, label: "1 - 2".into(), colour: PALETTE[1] },
        ];
        let notes = ["PV20: sluit niet".to_owned()];
        let map = Choropleth {
            title: "Plaatsen <per> 1.000",
            values: &values,
            classes: &classes,
            format: &|v| format!("{v:.1}"),
            no_data: "geen",
            notes: &notes,
            labels: &[("PV20".to_owned(), "P<20>".to_owned())],
        };
        let svg = svg(&b, &|_| true, &map);
        assert_eq!(svg.matches("<path ").count(), 2);
        assert!(svg.contains(&format!("fill=\"{}\"", PALETTE[1])), "{svg}");
        assert!(svg.contains(&format!("fill=\"{NO_DATA}\"")));
        assert!(svg.contains("<title>Naam GM0001 (GM0001): 1.5</title>"));
        assert!(svg.contains("Plaatsen &lt;per&gt; 1.000"));
        assert!(svg.contains(">PV20: sluit niet</text>"));
        assert!(svg.contains(">1 - 2</text>"));
        // The label sits at the centre of the province's two squares (5.0-5.2 E, 52.0-52.1 N).
        let (cx, cy) = rd_new(52.05, 5.1);
        let label = svg.lines().find(|l| l.contains(">P&lt;20&gt;</text>")).expect("the label");
        let num = |key: &str| -> f64 {
            let rest = &label[label.find(key).unwrap() + key.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        };
        let scale = (600.0 - 20.0)
            / (b.shapes.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| p.0).fold(f64::MIN, f64::max)
                - b.shapes.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| p.0).fold(f64::MAX, f64::min));
        let x0 = b.shapes.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| p.0).fold(f64::MAX, f64::min);
        let y1 = b.shapes.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| p.1).fold(f64::MIN, f64::max);
        assert!((num("x=\"") - (10.0 + (cx - x0) * scale)).abs() < 2.0, "{label}");
        assert!((num("y=\"") - (50.0 + (y1 - cy) * scale)).abs() < 2.0, "{label}");
        assert_eq!(svg, super::svg(&b, &|_| true, &map), "the bytes depend only on the input");
    }

    #[test]
    fn refuses_features_without_codes_or_geometry_naming_them() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null},
            {"type":"Feature","properties":{"gemeentecode":"GM0001","gemeentenaam":"A","provinciecode":"PV20"},"geometry":{"type":"Point","coordinates":[5,52]}}]}"#;
        let e = parse_boundaries(&Source::new("t.geojson", text)).expect_err("invalid");
        let fields: Vec<&str> = e.problems().iter().filter_map(|p| p.field.as_deref()).collect();
        assert_eq!(fields, ["features[0].properties", "features[1].geometry"]);
        assert!(parse_boundaries(&Source::new("t", "[]")).is_err());
        assert!(parse_boundaries(&Source::new("t", "{")).is_err());
    }
}
