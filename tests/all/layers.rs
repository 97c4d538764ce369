//! The design's layers, checked on the source: crates point down (docs/ARCHITECTURE.md), the
//! core library's top-level modules point down
//! (model <- io, nl <- counting, keys, allocate, round <- solve <- report, whatif, map <- explain,
//! sweep <- objection), and no crate has an import circle between any two of its modules, at
//! any depth.
//!
//! Every `.rs` file of every crate is read; every path that starts with `crate::`, `super::` or
//! `self::` is followed (in `use` trees too, braces and all) to the deepest module it names.
//! A module using its own ancestor or descendant is not a circle (`super::Type` from a child,
//! `mod child; pub use child::X` in a parent); any other pair of modules that reach each other,
//! directly or through others, is. Test modules (`#[cfg(test)]`, the rest of a file) are not
//! read. Doc comments are not imports.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's crates, bottom up: a crate may depend only on crates of a lower rank.
const CRATES: &[(&str, &str, u32)] = &[
    ("spreiding-solver", "crates/solver", 0),
    ("spreiding-results", "crates/results", 1),
    // The Python package: on the core only (rank 1: not on the result formats).
    ("spreiding-python", "python", 1),
    ("spreiding-dossier", "crates/dossier", 2),
    // Monitoring reads decisions from their dossiers.
    ("spreiding-monitor", "crates/monitor", 3),
    ("spreiding-serve", "crates/serve", 4),
    ("spreiding", ".", 5),
    ("xtask", "xtask", 3),
];

/// The rank of each top-level module of the core library: a module may use modules of a lower
/// rank and its own.
const RANKS: &[(&str, u32)] = &[
    ("model", 0),
    ("io", 1),
    ("nl", 1),
    ("synthetic", 2),
    ("counting", 2),
    ("keys", 2),
    ("round", 2),
    ("indicative", 2),
    ("allocate", 3),
    ("solve", 4),
    ("report", 5),
    ("whatif", 5),
    ("explain", 6),
    ("map", 5),
    ("sweep", 6),
    ("objection", 7),
    ("monitor", 7),
];

/// A module path inside a crate: `[]` is the crate root, `["solve", "block"]` is
/// `solve/block.rs`.
type Module = Vec<String>;

/// The module a source file is, from its path under `src/`.
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") || !parts.is_empty() && stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

/// Every `.rs` file under `dir`, recursively, with its module.
fn files(src: &Path, dir: &Path, out: &mut Vec<(PathBuf, Module)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(src, &p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p.strip_prefix(src).unwrap();
            // A binary's own files (src/bin/x.rs) are crate roots of their own.
            let module = if rel.starts_with("bin") { Vec::new() } else { module_of(rel) };
            out.push((p.clone(), module));
        }
    }
}

/// The text that imports can be in: no comments, nothing from the first `#[cfg(test)]` on.
/// Inline modules other than test modules would need brace tracking: there are none, and the
/// check says so when one appears.
fn code(path: &Path, text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let bare = t.trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
        assert!(
            !(bare.starts_with("mod ") && bare.trim_end().ends_with('{')),
            "{}: an inline module that is not #[cfg(test)] ({line}); the layer check cannot see inside it",
            path.display()
        );
        out.push_str(line.split(" //").next().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Parses the path that starts at `s` (after `crate::`, `super::` or `self::`), expanding
/// `{...}` groups; returns every full path (as segments) and how far it read.
fn paths_at(s: &[char]) -> (Vec<Vec<String>>, usize) {
    let mut i = 0;
    let mut prefix: Vec<String> = Vec::new();
    loop {
        while i < s.len() && s[i].is_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == '{' {
            // A group: comma-separated subpaths, each may have its own groups.
            i += 1;
            let mut all = Vec::new();
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    i += 1;
                    break;
                }
                let (subs, used) = paths_at(&s[i..]);
                i += used.max(1);
                for sub in subs {
                    all.push(prefix.iter().cloned().chain(sub).collect());
                }
            }
            return (all, i);
        }
        let start = i;
        while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        if i == start {
            return (vec![prefix], i);
        }
        prefix.push(s[start..i].iter().collect());
        if i + 1 < s.len() && s[i] == ':' && s[i + 1] == ':' {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// The modules `from` (a file's module) names in `code`, as absolute module paths in the
/// crate, resolved to the deepest module that exists.
fn imports(from: &Module, code: &str, modules: &BTreeSet<Module>) -> BTreeSet<Module> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word =
            i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        let (base, skip): (Module, usize) = if starts_word && rest.starts_with("crate::") {
            (Vec::new(), 7)
        } else if starts_word && rest.starts_with("super::") {
            // super::super::... : one level up each.
            let mut base = from.clone();
            let mut j = i;
            while chars[j..].iter().take(7).collect::<String>() == "super::" {
                base.pop();
                j += 7;
            }
            (base, j - i)
        } else if starts_word && rest.starts_with("self::") {
            (from.clone(), 6)
        } else {
            i += 1;
            continue;
        };
        let (paths, used) = paths_at(&chars[i + skip..]);
        for path in paths {
            let mut full = base.clone();
            let mut deepest = base.clone();
            for seg in path {
                if seg == "self" {
                    continue;
                }
                full.push(seg);
                if modules.contains(&full) {
                    deepest = full.clone();
                }
            }
            out.insert(deepest);
        }
        i += skip + used.max(1);
    }
    out
}

fn related(a: &Module, b: &Module) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The module graph of one crate's `src/`: edges between modules that are not ancestor and
/// descendant.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut list = Vec::new();
    files(src, src, &mut list);
    let modules: BTreeSet<Module> = list.iter().map(|(_, m)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (path, from) in &list {
        let text = std::fs::read_to_string(path).unwrap();
        for to in imports(from, &code(path, &text), &modules) {
            if !related(from, &to) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// Every import circle of a graph, each as the modules on it (shortest first found).
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    // For each edge a -> b, a path b ->* a closes a circle (breadth first, deterministic).
    let mut found: Vec<Vec<Module>> = Vec::new();
    let mut seen: BTreeSet<BTreeSet<Module>> = BTreeSet::new();
    for (a, tos) in edges {
        for b in tos {
            let mut back: BTreeMap<Module, Module> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([b.clone()]);
            let mut visited = BTreeSet::from([b.clone()]);
            while let Some(n) = queue.pop_front() {
                if &n == a {
                    // The way back b ->* a, then the circle a -> b -> ... (-> a).
                    let mut path = vec![a.clone()];
                    let mut at = a.clone();
                    while &at != b {
                        at = back[&at].clone();
                        path.push(at.clone());
                    }
                    path.reverse();
                    path.pop();
                    let cycle: Vec<Module> = std::iter::once(a.clone()).chain(path).collect();
                    let key: BTreeSet<Module> = cycle.iter().cloned().collect();
                    if seen.insert(key) {
                        found.push(cycle);
                    }
                    break;
                }
                for next in edges.get(&n).into_iter().flatten() {
                    if visited.insert(next.clone()) {
                        back.insert(next.clone(), n.clone());
                        queue.push_back(next.clone());
                    }
                }
            }
        }
    }
    found
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

fn crate_srcs() -> Vec<(&'static str, PathBuf)> {
    let mut out: Vec<(&str, PathBuf)> =
        CRATES.iter().map(|&(name, dir, _)| (name, root().join(dir).join("src"))).collect();
    // The test and bench crates are crates too.
    out.push(("spreiding (tests/all)", root().join("tests/all")));
    out.push(("spreiding-solver (tests/core)", root().join("crates/solver/tests/core")));
    out
}

#[test]
fn no_crate_has_an_import_circle_at_any_depth() {
    let mut wrong = Vec::new();
    let mut edges_seen = 0;
    for (name, src) in crate_srcs() {
        let g = graph(&src);
        edges_seen += g.values().map(BTreeSet::len).sum::<usize>();
        for c in circles(&g) {
            wrong.push(format!("{name}: {}", c.iter().chain(c.first()).map(show).collect::<Vec<_>>().join(" -> ")));
        }
    }
    assert!(wrong.is_empty(), "import circles:\n{}", wrong.join("\n"));
    // The check sees the real imports (a few hundred edges; the core alone has over a hundred).
    assert!(edges_seen > 150, "only {edges_seen} edges read");
    let core = graph(&root().join("crates/solver/src"));
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Module>();
    assert!(core[&m("solve::finish")].contains(&m("solve::block")), "{:?}", core.get(&m("solve::finish")));
    assert!(core[&m("solve::block")].contains(&m("allocate")), "{:?}", core.get(&m("solve::block")));
}

#[test]
fn the_checker_finds_circles_it_is_shown() {
    // A planted circle, two levels deep and through a `use` group and `super::super::`: a/x.rs
    // uses b::y, and b/y.rs uses a::x by a relative path.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    for (file, text) in [
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a/mod.rs", "mod x;\npub use x::X;\n"),
        ("a/x.rs", "use crate::{b::{y::Y, self}, c};\npub struct X;\n"),
        ("b/mod.rs", "pub mod y;\n"),
        ("b/y.rs", "use super::super::a::x::X; // the way back\npub struct Y;\n"),
        ("c.rs", "use super::a; // c -> a only: no circle with c\n"),
    ] {
        let p = src.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let g = graph(src);
    let found = circles(&g);
    let shown: Vec<String> = found.iter().map(|c| c.iter().map(show).collect::<Vec<_>>().join(" -> ")).collect();
    assert_eq!(shown, vec!["a::x -> b::y".to_owned()], "{g:?}");
    // Parent and child are not a circle; a comment and a test module are not imports.
    std::fs::write(
        src.join("b/y.rs"),
        "use super::Z;\n// use crate::a::x;\n#[cfg(test)]\nmod tests { use crate::a::x; }\n",
    )
    .unwrap();
    std::fs::write(src.join("b/mod.rs"), "pub mod y;\npub use y::Y;\npub struct Z;\n").unwrap();
    assert!(circles(&graph(src)).is_empty(), "{:?}", graph(src));
}

#[test]
fn library_modules_depend_only_downwards() {
    let src = root().join("crates/solver/src");
    let rank: BTreeMap<&str, u32> = RANKS.iter().copied().collect();
    let mut wrong = Vec::new();
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph(&src) {
        let (Some(f), tos) = (from.first(), tos) else { continue };
        for to in tos.iter().filter_map(|t| t.first()).filter(|t| *t != f) {
            top.entry(f.clone()).or_default().insert(to.clone());
        }
    }
    for (from, tos) in &top {
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
    assert!(top["solve"].contains("allocate") && top["sweep"].contains("report"), "{top:?}");
}

fn optional(manifest: &toml::Table, dep: &str) -> bool {
    manifest["dependencies"].get(dep).and_then(|d| d.get("optional")).and_then(toml::Value::as_bool) == Some(true)
}

#[test]
fn crates_depend_only_downwards_and_the_core_is_light() {
    let rank: BTreeMap<&str, u32> = CRATES.iter().map(|&(n, _, r)| (n, r)).collect();
    let mut wrong = Vec::new();
    for &(name, dir, r) in CRATES {
        let manifest = std::fs::read_to_string(root().join(dir).join("Cargo.toml")).unwrap();
        let table: toml::Table = manifest.parse().unwrap();
        for section in ["dependencies", "build-dependencies"] {
            for dep in table.get(section).and_then(|d| d.as_table()).into_iter().flat_map(|d| d.keys()) {
                if let Some(&rd) = rank.get(dep.as_str()) {
                    if rd >= r {
                        wrong.push(format!("{name} (rank {r}) depends on {dep} (rank {rd})"));
                    }
                }
                // The front ends' heavy dependencies each have one home.
                let home = match dep.as_str() {
                    d if d.starts_with("typst") => Some("spreiding-dossier"),
                    "axum" | "tokio" | "hyper" => Some("spreiding-serve"),
                    // SQLite: the service's index of runs, and monitoring's store of snapshots.
                    "rusqlite" if name != "spreiding-monitor" => Some("spreiding-serve"),
                    "parquet" | "rust_xlsxwriter" => Some("spreiding-results"),
                    d if d.starts_with("pyo3") || d.starts_with("arrow") => Some("spreiding-python"),
                    // Libraries may derive clap's ValueEnum or utoipa's ToSchema behind a feature.
                    "utoipa" if !optional(&table, dep) => Some("spreiding-serve"),
                    "clap" if !optional(&table, dep) => Some("spreiding"),
                    _ => None,
                };
                if let Some(home) = home.filter(|h| *h != name) {
                    wrong.push(format!("{name} names {dep}, which belongs to {home}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
