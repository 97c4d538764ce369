//! The shipped data set (`data/nl-2024`) is the reference copy, byte for byte, and stands on its
//! own: the shipped scenarios name it, not a folder outside the repository.

use crate::common::{dataset_path, root};
use std::path::Path;

/// The files that must equal the reference copy (its own SOURCES.md is not copied: the project
/// writes its provenance note in its own words).
const FILES: &[&str] = &[
    "cycle.toml",
    "municipalities.csv",
    "provinces.csv",
    "gemeenten_2024.geojson",
    "illustrative/locations.csv",
    "illustrative/effort.csv",
    "illustrative/feasibility.csv",
    "illustrative/exclusions.csv",
    "source/cbs_gemeenten_2024.csv",
    "source/cbs_kwb2022_inkomen.csv",
];

#[test]
fn shipped_data_equals_the_reference_copy_where_it_is_present() {
    let reference = root().join("../shared/data/nl-2024");
    for f in FILES {
        let ours = std::fs::read(dataset_path().join(f)).unwrap_or_else(|e| panic!("data/nl-2024/{f}: {e}"));
        assert!(!ours.is_empty(), "data/nl-2024/{f} is empty");
        if reference.is_dir() {
            let theirs = std::fs::read(reference.join(f)).unwrap_or_else(|e| panic!("reference {f}: {e}"));
            assert!(ours == theirs, "data/nl-2024/{f} differs from ../shared/data/nl-2024/{f}");
        }
    }
    assert!(dataset_path().join("SOURCES.md").is_file(), "the data set needs its provenance note");
}

#[test]
fn shipped_scenarios_read_the_data_inside_the_repository() {
    for entry in std::fs::read_dir(root().join("scenarios/2024-2026")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("shared"), "{} names a folder outside the repository", path.display());
            if let Some(line) = text.lines().find(|l| l.starts_with("dataset")) {
                let rel = line.split('"').nth(1).unwrap();
                let resolved = path.parent().unwrap().join(rel);
                assert!(
                    resolved.canonicalize().unwrap().starts_with(root().canonicalize().unwrap()),
                    "{}: {rel}",
                    path.display()
                );
                assert!(Path::new(&resolved).join("cycle.toml").is_file());
            }
        }
    }
}
