//! The library's layers point down, never back up, and have no import circles:
//! model <- io, nl <- counting, keys, allocate, round <- solve <- report, whatif, map <- explain, sweep
//! <- objection.
//! (Doc links are not imports and are not counted.)

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The rank of each top-level module: a module may use modules of a lower rank and its own.
const RANKS: &[(&str, u32)] = &[
    ("model", 0),
    ("io", 1),
    ("nl", 1),
    ("synthetic", 2),
    ("counting", 2),
    ("keys", 2),
    ("round", 2),
    ("allocate", 3),
    ("solve", 4),
    ("report", 5),
    ("whatif", 5),
    ("explain", 6),
    ("map", 5),
    ("sweep", 6),
    ("objection", 7),
];

fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned()
}

fn uses(dir: &Path, src: &Path, out: &mut BTreeMap<String, BTreeSet<String>>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            uses(&p, src, out);
        } else if p.extension().is_some_and(|x| x == "rs") && p.file_name().is_some_and(|n| n != "lib.rs") {
            let from = module_of(&p, src);
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
                let mut rest = line;
                while let Some(i) = rest.find("crate::") {
                    rest = &rest[i + "crate::".len()..];
                    let to: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !to.is_empty() && to != from {
                        out.entry(from.clone()).or_default().insert(to);
                    }
                }
            }
        }
    }
}

#[test]
fn library_modules_depend_only_downwards() {
    let src = root().join("solver/src");
    let mut deps = BTreeMap::new();
    uses(&src, &src, &mut deps);
    let rank: BTreeMap<&str, u32> = RANKS.iter().copied().collect();
    let mut wrong = Vec::new();
    for (from, tos) in &deps {
        let Some(&rf) = rank.get(from.as_str()) else {
            wrong.push(format!("{from} has no layer in RANKS"));
            continue;
        };
        for to in tos {
            match rank.get(to.as_str()) {
                Some(&rt) if rt < rf => {}
                Some(_) => wrong.push(format!("{from} uses {to}")),
                None => wrong.push(format!("{from} uses {to}, which has no layer in RANKS")),
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
    // The check sees the real imports.
    assert!(deps["solve"].contains("allocate") && deps["sweep"].contains("report"), "{deps:?}");
}

#[test]
fn the_binary_has_no_import_circles() {
    let src = root().join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "rs") {
            let from = module_of(&p, &src);
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
                if let Some(i) = line.find("crate::") {
                    let to: String =
                        line[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if to != from {
                        deps.entry(from.clone()).or_default().insert(to);
                    }
                }
            }
        }
    }
    for (a, tos) in &deps {
        for b in tos {
            assert!(!deps.get(b).is_some_and(|back| back.contains(a)), "{a} and {b} import each other");
        }
    }
    assert!(deps["cli"].contains("run"), "{deps:?}");
}
