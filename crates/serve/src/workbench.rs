//! The modellers' workbench: a web page at `/` (Dutch, embedded in the binary, no network at
//! run time) on top of the API, and the one endpoint only the page needs: a data set's map
//! (`GET /v1/datasets/{label}/map`), municipality outlines as SVG paths with the populations
//! the page divides by.
//!
//! The page is three hand-written files (`workbench/index.html`, `app.js`, `app.css`): no
//! front-end build step, no framework; it talks to the API as any client does (the token, when
//! the server has tokens, in the `Authorization` header, kept in the tab's session storage).

use super::problem::{ApiError, ProblemDetails};
use super::App;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spreiding_solver::map::Boundaries;
use spreiding_solver::model::Dataset;
use std::fmt::Write as _;
use std::sync::Arc;
use utoipa::ToSchema;

const INDEX: &str = include_str!("workbench/index.html");
const SCRIPT: &str = include_str!("workbench/app.js");
const STYLE: &str = include_str!("workbench/app.css");

/// The page's own files only: no other origin, no inline script.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

fn asset(media: &'static str, text: &'static str) -> Response {
    let mut r = text.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// `GET /`: the workbench page.
pub async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

/// `GET /workbench/app.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /workbench/app.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// One municipality on the map.
#[derive(Serialize, ToSchema)]
pub struct MapMunicipality {
    /// Municipality code (`GM0014`).
    pub code: String,
    pub name: String,
    /// Province code (`PV20`).
    pub province: String,
    /// Inhabitants (the data set's), for figures per 1,000 inhabitants.
    pub population: u32,
    /// The outline as an SVG path in the map's coordinates; empty when the boundary file has
    /// no shape for it.
    pub path: String,
}

/// One province.
#[derive(Serialize, ToSchema)]
pub struct MapProvince {
    pub code: String,
    pub name: String,
}

/// `GET /v1/datasets/{label}/map`.
#[derive(Serialize, ToSchema)]
pub struct DatasetMap {
    /// The data set's label, as inline scenarios name it.
    pub dataset: String,
    /// The map's width and height in its units (100 m; x east, y south, RD New).
    pub width: u32,
    pub height: u32,
    /// Every municipality of the data set, in code order.
    pub municipalities: Vec<MapMunicipality>,
    /// Every province, in code order.
    pub provinces: Vec<MapProvince>,
}

/// Metres per map unit: 100 m is below what a national or provincial map on a screen shows.
const UNIT: f64 = 100.0;

/// The map of a data set with its boundaries: RD New metres to whole units of 100 m, y
/// downwards, each ring as a move and relative lines (repeated points dropped).
#[expect(clippy::cast_possible_truncation, reason = "map coordinates in units of the RD grid: a few thousand")]
pub fn build(label: &str, dataset: &Dataset, boundaries: &Boundaries) -> DatasetMap {
    let points = || boundaries.shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in points() {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if boundaries.shapes.is_empty() {
        (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
    }
    let unit = |x: f64, y: f64| (((x - x0) / UNIT).round() as i64, ((y1 - y) / UNIT).round() as i64);
    let path = |code: &str| -> String {
        let Ok(i) = boundaries.shapes.binary_search_by(|s| s.code.as_str().cmp(code)) else {
            return String::new();
        };
        let mut out = String::new();
        for ring in &boundaries.shapes[i].rings {
            let mut at: Option<(i64, i64)> = None;
            for &(x, y) in ring {
                let (px, py) = unit(x, y);
                match at {
                    None => {
                        let _ = write!(out, "M{px} {py}");
                    }
                    Some((ax, ay)) if (ax, ay) == (px, py) => continue,
                    Some((ax, ay)) => {
                        let _ = write!(out, "l{} {}", px - ax, py - ay);
                    }
                }
                at = Some((px, py));
            }
            out.push('z');
        }
        out
    };
    DatasetMap {
        dataset: label.to_owned(),
        width: ((x1 - x0) / UNIT).ceil() as u32,
        height: ((y1 - y0) / UNIT).ceil() as u32,
        municipalities: dataset
            .municipalities()
            .iter()
            .map(|m| {
                let code = m.code.to_string();
                MapMunicipality {
                    path: path(&code),
                    code,
                    name: m.name.clone(),
                    province: dataset.provinces()[m.province].code.to_string(),
                    population: m.population,
                }
            })
            .collect(),
        provinces: dataset
            .provinces()
            .iter()
            .map(|p| MapProvince { code: p.code.to_string(), name: p.name.clone() })
            .collect(),
    }
}

/// A data set's map: every municipality's outline and population, and the provinces.
///
/// For the workbench page (and any client that draws maps): outlines from the data set's
/// boundary file (`gemeenten_<start year>.geojson`) in RD New, as SVG paths in units of 100 m.
#[utoipa::path(get, path = "/v1/datasets/{label}/map", tag = "scenarios",
    params(("label" = String, Path, description = "A served data set's label (see `datasets` in GET /v1/scenarios)", example = "nl-2024")),
    responses((status = 200, description = "The map", body = DatasetMap),
              (status = 404, description = "No served data set has this label, or it has no boundary file", body = ProblemDetails, content_type = "application/problem+json"),
              super::problem::Unauthorized))]
pub async fn dataset_map(State(app): State<Arc<App>>, Path(label): Path<String>) -> Result<Response, ApiError> {
    match app.catalog.map(&label) {
        None => Err(ApiError::not_found(format!(
            "no served data set has the label `{label}` (see `datasets` in GET /v1/scenarios)"
        ))),
        Some(Err(why)) => Err(ApiError::not_found(format!("the data set `{label}` has no map: {why}"))),
        Some(Ok(bytes)) => {
            let mut r =
                axum::body::Body::from(axum::body::Bytes::from_owner(super::shared::SharedBytes(bytes.clone())))
                    .into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreiding_solver::map::Shape;

    /// The colours of a `const NAME = ...;` line of the page's script.
    fn colours_of(name: &str) -> Vec<String> {
        let line = SCRIPT.lines().find(|l| l.starts_with(&format!("const {name} = "))).unwrap_or_default();
        line.split('\'').filter(|s| s.starts_with('#')).map(str::to_owned).collect()
    }

    #[test]
    fn the_page_draws_with_the_dossiers_palettes() {
        // app.js cannot import map.rs: the copies are held equal here.
        assert_eq!(colours_of("PALETTE"), spreiding_solver::map::PALETTE);
        assert_eq!(colours_of("DIVERGING"), spreiding_solver::map::DIVERGING);
        assert_eq!(colours_of("NO_DATA"), [spreiding_solver::map::NO_DATA]);
    }

    #[test]
    fn outlines_are_relative_paths_in_units_of_100_m_with_y_down() {
        let square = |code: &str, x: f64, y: f64| Shape {
            code: code.to_owned(),
            name: code.to_owned(),
            province: "PV20".to_owned(),
            rings: vec![vec![(x, y), (x + 1000.0, y), (x + 1000.0, y + 1000.0), (x + 1000.0, y + 1020.0), (x, y)]],
        };
        // Away from the origin, so that a sum of the bounds is not their difference.
        let b = Boundaries { shapes: vec![square("GM0014", 10_000.0, 20_000.0), square("GM0034", 12_000.0, 20_500.0)] };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nl-2024");
        let d = spreiding_solver::io::load_dataset(&root).expect("data set");
        let map = build("nl-2024", &d, &b);
        assert_eq!((map.width, map.height), (30, 16));
        assert_eq!(map.dataset, "nl-2024");
        assert_eq!(map.municipalities.len(), d.municipalities().len());
        assert_eq!(map.provinces.len(), 12);
        let path = |code: &str| map.municipalities.iter().find(|m| m.code == code).map(|m| m.path.clone());
        // North at the top (y flipped); 1,020 m rounds to the 10 units of 1,000 m: no line.
        assert_eq!(path("GM0014").as_deref(), Some("M0 15l10 0l0 -10l-10 10z"));
        assert_eq!(path("GM0034").as_deref(), Some("M20 10l10 0l0 -10l-10 10z"));
        // A municipality the boundary file lacks: listed, without an outline.
        assert_eq!(path("GM0363").as_deref(), Some(""));
        let groningen = map.municipalities.iter().find(|m| m.code == "GM0014").expect("GM0014");
        assert_eq!((groningen.name.as_str(), groningen.province.as_str()), ("Groningen", "PV20"));
        assert!(groningen.population > 200_000);
    }
}
