//! The maps' groundwork on the shipped boundary file: every municipality of the data set has
//! exactly one shape, in its province, inside the RD New grid of the Netherlands.

use crate::common::root;
use spreiding_solver::io::{load_dataset, Source};
use spreiding_solver::map::{parse_boundaries, quantile_classes, svg, Choropleth, PALETTE};
use std::collections::BTreeMap;

#[test]
fn the_boundary_file_covers_the_data_set_in_rd_new() {
    let dir = root().join("data/nl-2024");
    let dataset = load_dataset(&dir).unwrap();
    let b = parse_boundaries(&Source::read(&dir.join("gemeenten_2024.geojson")).unwrap()).unwrap();
    let shapes: Vec<(String, String)> = b.shapes.iter().map(|s| (s.code.clone(), s.province.clone())).collect();
    let mut expected: Vec<(String, String)> = dataset
        .municipalities()
        .iter()
        .map(|m| (m.code.to_string(), dataset.provinces()[m.province].code.to_string()))
        .collect();
    expected.sort();
    assert_eq!(shapes, expected);
    // The RD grid's extent over the Netherlands (x 7-300 km, y 289-629 km), with a margin.
    for s in &b.shapes {
        for &(x, y) in s.rings.iter().flatten() {
            assert!((0.0..300_000.0).contains(&x) && (289_000.0..630_000.0).contains(&y), "{} at {x},{y}", s.code);
        }
    }

    // A choropleth of inhabitants per municipality: one path each, every class used.
    let values: BTreeMap<String, f64> =
        dataset.municipalities().iter().map(|m| (m.code.to_string(), f64::from(m.population))).collect();
    let all: Vec<f64> = values.values().copied().collect();
    let classes = quantile_classes(&all, &|v| format!("{v:.0}"));
    let map = Choropleth {
        title: "Inwoners per gemeente",
        values: &values,
        classes: &classes,
        format: &|v| format!("{v:.0}"),
        no_data: "geen gegevens",
        notes: &[],
        labels: &[],
    };
    let national = svg(&b, &|_| true, &map);
    assert_eq!(national.matches("<path ").count(), 342);
    for colour in PALETTE {
        assert!(national.contains(&format!("fill=\"{colour}\"")), "{colour} unused");
    }
    let groningen = svg(&b, &|s| s.province == "PV20", &map);
    let in_groningen = b.shapes.iter().filter(|s| s.province == "PV20").count();
    assert_eq!(groningen.matches("<path ").count(), in_groningen);
    if let Ok(out) = std::env::var("SPREIDING_MAP_OUT") {
        std::fs::write(format!("{out}/nl.svg"), &national).unwrap();
        std::fs::write(format!("{out}/pv20.svg"), &groningen).unwrap();
    }
}
