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

/// data/nl-2026 is what `scripts/make-nl-2026` makes from its sources: run it again into a new
/// folder with this build's binary and every file is the same, byte for byte.
#[test]
fn nl_2026_is_remade_by_its_generator_byte_for_byte() {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("python3")
        .arg(root().join("scripts/make-nl-2026"))
        .args(["--spreiding", env!("CARGO_BIN_EXE_spreiding"), "--out"])
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the generator");
    assert!(status.success(), "scripts/make-nl-2026 failed");
    let shipped = crate::common::tree(&root().join("data/nl-2026"));
    let mut made = crate::common::tree(out.path());
    made.insert("SOURCES.md".to_owned(), shipped["SOURCES.md"].clone());
    assert_eq!(shipped.keys().collect::<Vec<_>>(), made.keys().collect::<Vec<_>>());
    for (name, bytes) in &shipped {
        assert!(made[name] == *bytes, "data/nl-2026/{name} is not what the generator makes");
    }
}

/// The second cycle's counting rules, written out here from cycle.toml's values (counting date
/// 2027-07-01, end and available_until 2028-02-01, min_years 2: open until 2029-07-01 at
/// least), applied to the locations file by this test; the provinces' shortfalls then match
/// the published places still to realise.
#[test]
fn nl_2026_counts_only_multi_year_places_and_meets_the_published_shortfalls() {
    let dir = root().join("data/nl-2026");
    let read = |f: &str| -> Vec<std::collections::HashMap<String, String>> {
        csv::Reader::from_path(dir.join(f)).unwrap().deserialize().map(|r| r.unwrap()).collect()
    };
    let province_of: std::collections::HashMap<String, String> =
        read("municipalities.csv").into_iter().map(|m| (m["code"].clone(), m["province"].clone())).collect();
    let mut counted: std::collections::BTreeMap<String, [i64; 2]> = Default::default();
    let (mut too_short, mut intentions, mut late) = (0, 0, 0);
    for l in read("illustrative/locations.csv") {
        let (opens, closes) = (l["opens"].as_str(), l["closes"].as_str());
        let counts = if l["status"] == "intention" {
            intentions += 1;
            false
        } else if !closes.is_empty() && closes < "2028-02-01" {
            false
        } else if !closes.is_empty() && closes < "2029-07-01" {
            too_short += 1;
            false
        } else if opens <= "2027-07-01" || (opens < "2028-02-01" && l["bridging"] == "true") {
            true
        } else {
            late += 1;
            false
        };
        if counts {
            let c = counted.entry(province_of[&l["municipality"]].clone()).or_default();
            c[0] += l["places_regular"].parse::<i64>().unwrap();
            c[1] += l["places_amv"].parse::<i64>().unwrap();
        }
    }
    assert!(too_short > 0 && intentions > 0 && late > 0, "the data set exercises the rules");
    let mut shortfall = std::collections::BTreeMap::new();
    let mut national = 0;
    for p in read("provinces.csv") {
        let c = counted.get(&p["code"]).copied().unwrap_or_default();
        let task = [p["target_regular"].parse::<i64>().unwrap(), p["target_amv"].parse::<i64>().unwrap()];
        national += c[0] + c[1];
        shortfall.insert(p["name"].clone(), (task[0] - c[0]).max(0) + (task[1] - c[1]).max(0));
    }
    for (name, published) in
        [("Zuid-Holland", 11_400), ("Noord-Holland", 7_700), ("Noord-Brabant", 7_150), ("Gelderland", 4_900)]
    {
        let s = shortfall[name];
        assert!((s - published).abs() * 50 <= published, "{name}: {s} against the published {published}");
    }
    assert_eq!((shortfall["Groningen"], shortfall["Flevoland"]), (0, 0));
    assert!((national - 50_000).abs() * 50 <= 50_000, "{national} places counted, published about 50,000");
    // The solver counts the same.
    let out = crate::common::spreiding()
        .args(["solve", "scenarios/2026-2028/rest-indicative.toml", "--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in report["provinces"].as_array().unwrap() {
        let k = if p["commodity"] == "regular" { 0 } else { 1 };
        let code = p["code"].as_str().unwrap();
        assert_eq!(p["counted"].as_i64().unwrap(), counted.get(code).map_or(0, |c| c[k]), "{code} {}", p["commodity"]);
    }
}
