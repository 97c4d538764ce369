//! Maps for decision documents: municipality boundaries (GeoJSON in WGS84 lon/lat) projected to
//! RD New (EPSG:28992, the Dutch national grid, in metres) and drawn as SVG choropleths with a
//! legend. Groundwork of the decision dossier (issue 9); nothing here reads files or prints.
//!
//! The projection is the approximation of Schreutelkamp and Strang van Hees (2001), a
//! polynomial in the distance to Amersfoort, within about a metre of RDNAPTRANS over the
//! Netherlands: far below what a map of municipalities can show. The colour scale is
//! ColorBrewer's YlGnBu: its classes differ in lightness (they read in greyscale) and it is
//! safe for the common kinds of colour blindness.

use crate::io::{InputError, Problem, Source};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// ColorBrewer YlGnBu, light to dark.
pub const PALETTE: [&str; 5] = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];

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

/// The class of a value: the first bound it does not exceed.
pub fn class_of(bounds: &[f64], value: f64) -> usize {
    bounds.iter().position(|&b| value <= b).unwrap_or(bounds.len().saturating_sub(1))
}

/// What a choropleth shows.
pub struct Choropleth<'a> {
    /// The map's title.
    pub title: &'a str,
    /// The value per municipality code; missing codes are drawn as "no data".
    pub values: &'a BTreeMap<String, f64>,
    /// Class upper bounds ([`quantile_bounds`]), at most [`PALETTE`]'s length.
    pub bounds: &'a [f64],
    /// How a value is written in the legend and tooltips.
    pub format: &'a dyn Fn(f64) -> String,
    /// The legend's line for shapes without a value.
    pub no_data: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG map of the shapes `keep` selects, coloured by class, with a title, a legend and a
/// scale bar; each shape carries its name, code and value as a tooltip (`<title>`). The bytes
/// depend only on the arguments.
pub fn svg(boundaries: &Boundaries, keep: &dyn Fn(&Shape) -> bool, map: &Choropleth<'_>) -> String {
    const WIDTH: f64 = 600.0;
    const MARGIN: f64 = 10.0;
    const LEGEND: f64 = 190.0;
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
    let height = ((y1 - y0) * scale + 2.0 * MARGIN + 40.0).max(LEGEND + 60.0);
    let total = WIDTH + LEGEND;
    let px = |x: f64| MARGIN + (x - x0) * scale;
    let py = |y: f64| 40.0 + MARGIN + (y1 - y) * scale;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total:.0} {height:.0}\" width=\"{total:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<text x=\"{MARGIN}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{t}</text>\n<g stroke=\"#ffffff\" stroke-width=\"0.4\" stroke-linejoin=\"round\">\n",
        t = escape(map.title)
    );
    for s in &shapes {
        let value = map.values.get(&s.code).copied();
        let fill = value.map_or(NO_DATA, |v| PALETTE[class_of(map.bounds, v).min(PALETTE.len() - 1)]);
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
    // Legend: one swatch per class, then "no data".
    let lx = WIDTH + 10.0;
    let _ = writeln!(out, "<g font-size=\"12\">");
    let mut lower: Option<f64> = None;
    let mut y = 60.0;
    for (k, &b) in map.bounds.iter().enumerate().take(PALETTE.len()) {
        let label = match lower {
            None => format!("t/m {}", (map.format)(b)),
            Some(l) => format!("{} - {}", (map.format)(l), (map.format)(b)),
        };
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{y}\" width=\"18\" height=\"14\" fill=\"{}\" stroke=\"#555555\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            PALETTE[k],
            lx + 24.0,
            y + 11.0,
            escape(&label)
        );
        lower = Some(b);
        y += 20.0;
    }
    let _ = writeln!(
        out,
        "<rect x=\"{lx}\" y=\"{y}\" width=\"18\" height=\"14\" fill=\"{NO_DATA}\" stroke=\"#555555\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>",
        lx + 24.0,
        y + 11.0,
        escape(map.no_data)
    );
    // Scale bar: 10 km (or 50 km when the map is wide).
    let km = if (x1 - x0) > 150_000.0 { 50.0 } else { 10.0 };
    let bar = km * 1000.0 * scale;
    let by = y + 40.0;
    let _ = writeln!(
        out,
        "<rect x=\"{lx}\" y=\"{by}\" width=\"{bar:.1}\" height=\"4\" fill=\"#333333\"/><text x=\"{lx}\" y=\"{}\">{km:.0} km (RD New, EPSG:28992)</text>\n</g>\n</svg>",
        by + 18.0
    );
    out
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
        let b = quantile_bounds(&v, 5);
        assert_eq!((class_of(&b, 1.0), class_of(&b, 2.0), class_of(&b, 2.5), class_of(&b, 10.0)), (0, 0, 1, 4));
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
        let bounds = [1.0, 2.0];
        let map = Choropleth {
            title: "Plaatsen <per> 1.000",
            values: &values,
            bounds: &bounds,
            format: &|v| format!("{v:.1}"),
            no_data: "geen",
        };
        let svg = svg(&b, &|_| true, &map);
        assert_eq!(svg.matches("<path ").count(), 2);
        assert!(svg.contains(&format!("fill=\"{}\"", PALETTE[1])), "{svg}");
        assert!(svg.contains(&format!("fill=\"{NO_DATA}\"")));
        assert!(svg.contains("<title>Naam GM0001 (GM0001): 1.5</title>"));
        assert!(svg.contains("Plaatsen &lt;per&gt; 1.000"));
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
