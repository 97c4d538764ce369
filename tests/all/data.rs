//! The shipped data set (`data/nl-2024`) is the reference copy, byte for byte, and stands on its
//! own: the shipped scenarios name it, not a folder outside the repository.

use crate::common::{dataset_path, root};
use std::path::Path;

/// The files that must equal the reference copy (its own SOURCES.md is not copied: the project
/// writes its provenance note in its own words), with the SHA-256 of the reference copy's
/// bytes (`sha256sum` of ../shared/data/nl-2024, 2026-12-06): a clone without ../shared beside
/// it is still checked against the reference.
const FILES: &[(&str, &str)] = &[
    ("municipalities.csv", "2d3e413da7ef81accd354621ad7b79614add31e322bd7abe68b5dacb48c6f38c"),
    ("provinces.csv", "c5162c6613f953f8a32a4391d96cf611b1086e8599f66cba0c2e3a10f6afb57d"),
    ("gemeenten_2024.geojson", "3622c4e3b928335639464fab81671be4c724eca97e58286fd0851501c199fb2f"),
    ("illustrative/locations.csv", "b456acd5412797d7004572845759a43a2f6e65c11437a262c5853dc58b51580e"),
    ("illustrative/effort.csv", "663529a722f33676ac1eb4b0a03cdfd97bd92d6e94d3bdecb216b2d0a124a498"),
    ("illustrative/feasibility.csv", "f3e6da844c6b1fa84c5b141331c66f10a1ae5f1bff5cb400639fa1ef3ac1ec59"),
    ("illustrative/exclusions.csv", "6be66249e7e56f944f4e02e3da56e7c3acd2ed1e28899e3fb7fa56cdbd6f2d1a"),
    ("source/cbs_gemeenten_2024.csv", "6bdbd85e31a12ba5cc33f2ac2911fe787294b0ac9545d85c0dc8b3f40a48d7cf"),
    ("source/cbs_kwb2022_inkomen.csv", "2bd1188439dd451c0bcfd1223084ed14adbd2fc907b641da1e32afcf7daba9e0"),
];

#[test]
fn shipped_data_is_the_reference_copy_byte_for_byte() {
    let reference = root().join("../shared/data/nl-2024");
    for (f, sha256) in FILES {
        let ours = std::fs::read(dataset_path().join(f)).unwrap_or_else(|e| panic!("data/nl-2024/{f}: {e}"));
        assert!(!ours.is_empty(), "data/nl-2024/{f} is empty");
        let hash: String = {
            use sha2::{Digest, Sha256};
            Sha256::digest(&ours).iter().map(|b| format!("{b:02x}")).collect()
        };
        assert_eq!(&hash, sha256, "data/nl-2024/{f} is not the reference copy's bytes");
        if reference.is_dir() {
            let theirs = std::fs::read(reference.join(f)).unwrap_or_else(|e| panic!("reference {f}: {e}"));
            assert!(ours == theirs, "data/nl-2024/{f} differs from ../shared/data/nl-2024/{f}");
        }
    }
    assert!(dataset_path().join("SOURCES.md").is_file(), "the data set needs its provenance note");
}

/// The reference copy's `cycle.toml` (its SHA-256 and length): the shipped one begins with
/// exactly these bytes and only adds the cycle's rules as data, the tables `[counting]` and
/// `[indicative]` (issue 22), whose values reproduce the first cycle.
const CYCLE: (&str, usize) = ("e4d27dd0aa896291ef95da5c65acf0e25ff52a5873662fa565d3b19a82ba4e13", 366);

#[test]
fn shipped_cycle_is_the_reference_copy_with_the_rules_added() {
    let ours = std::fs::read_to_string(dataset_path().join("cycle.toml")).unwrap();
    let (head, added) = ours.split_at(CYCLE.1.min(ours.len()));
    let hash: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(head.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(hash, CYCLE.0, "data/nl-2024/cycle.toml does not begin with the reference copy's bytes");
    let reference = root().join("../shared/data/nl-2024/cycle.toml");
    if reference.is_file() {
        assert_eq!(std::fs::read_to_string(reference).unwrap(), head, "the reference copy changed");
    }
    let added: toml::Table = toml::from_str(added).unwrap();
    assert_eq!(added.keys().collect::<Vec<_>>(), ["counting", "indicative"], "only the rules are added");
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
