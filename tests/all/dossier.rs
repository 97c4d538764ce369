//! The decision dossier (`spreiding dossier`, `verify`, `map`): the PDF's text (pdftotext from
//! poppler-utils) holds every municipality with its obligation and every section; the files
//! are byte-identical when made twice; `verify` confirms an untouched dossier and names each
//! touched file; the maps are well-formed SVG with one shape per municipality.

use crate::common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Writes a dossier and returns the folder.
fn dossier(scenario: &Path, provinces: &[&str], out: &Path) -> std::process::Output {
    let mut cmd = spreiding();
    cmd.arg("dossier").arg(scenario).arg("--out").arg(out);
    for p in provinces {
        cmd.args(["--province", p]);
    }
    cmd.output().unwrap()
}

pub fn pdf_text(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; scripts/setup installs it)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A whole number the Dutch way (1.234), written independently of the program's formatter.
fn dutch(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The CSV report of `spreiding solve`: (code, commodity) -> (name, province, obligation, allocated).
fn csv_report(scenario: &Path) -> BTreeMap<(String, String), (String, String, u64, u64)> {
    let out = spreiding().args(["solve", "--format", "csv"]).arg(scenario).output().unwrap();
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (code, name, province, commodity, obligation, allocated) =
        (col("code"), col("name"), col("province"), col("commodity"), col("obligation"), col("allocated"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                (rec[code].to_owned(), rec[commodity].to_owned()),
                (
                    rec[name].to_owned(),
                    rec[province].to_owned(),
                    rec[obligation].parse().unwrap(),
                    rec[allocated].parse().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn the_pdf_names_every_municipality_with_its_obligation_under_every_section() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let run = dossier(&scenario_path("rest-indicative"), &["PV26"], &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = pdf_text(&out.join("verdeelbesluit-PV26.pdf"));
    for heading in [
        "Berekening van de verdeling van",
        "Provincie Utrecht (PV26)",
        "Wettelijk kader en telregels",
        "Het provinciaal verslag",
        "De gemeenten van de provincie",
        "Kaarten",
        "Motivering per gemeente",
        "Parameters van de berekening",
        "Reproduceerbaarheid",
    ] {
        assert!(text.contains(heading), "no `{heading}` in the PDF");
    }
    // Page numbers: "pagina 2 van N".
    assert!(text.contains("pagina 2 van "), "no page numbers");
    let report = csv_report(&scenario_path("rest-indicative"));
    let lines: Vec<&str> = text.lines().collect();
    let mut seen = 0;
    for ((code, commodity), (name, province, obligation, _)) in &report {
        if province != "PV26" {
            assert!(!text.contains(code.as_str()), "{code} of {province} in Utrecht's document");
            continue;
        }
        seen += 1;
        // The table row: code, name ... obligation last.
        let row = lines.iter().any(|l| {
            let t = l.trim_end();
            t.trim_start().starts_with(code.as_str())
                && t.contains(name.as_str())
                && t.ends_with(&format!(" {}", dutch(*obligation)))
        });
        assert!(row, "no table row for {code} {name} ({commodity}) ending in its obligation {obligation}");
        // Its motivation, per commodity that does not close (both do not close in Utrecht).
        let title = format!("{name} ({code}), ");
        assert!(text.contains(&title), "no motivation for {name}");
    }
    assert_eq!(seen, 2 * 26, "Utrecht has 26 municipalities");
    // The reproducibility record lists the data files with their SHA-256.
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let municipalities =
        manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == "data/dataset/municipalities.csv").unwrap();
    assert!(text.contains(municipalities["sha256"].as_str().unwrap()), "the PDF does not list the data's hash");
}

#[test]
fn a_dossier_is_the_same_twice_and_verify_names_each_touched_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let first = dossier(&scenario_path("effort"), &["PV22", "PV24"], &out);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let a = tree(&out);
    for f in [
        "verdeelbesluit-PV22.pdf",
        "verdeelbesluit-PV24.pdf",
        "map-PV22.svg",
        "map-PV22-allocated.svg",
        "map-PV24.svg",
        "map-NL.svg",
        "manifest.json",
        "results/report.json",
        "results/report.csv",
        "data/dataset/cycle.toml",
        "data/dataset/municipalities.csv",
        "data/dataset/illustrative/locations.csv",
        "data/dataset/gemeenten_2024.geojson",
        "data/scenarios/0-effort.toml",
    ] {
        assert!(a.contains_key(f), "no {f} in the dossier: {:?}", a.keys().collect::<Vec<_>>());
    }
    // The copies are the inputs, byte for byte; the stored report is `spreiding solve`'s.
    assert_eq!(a["data/scenarios/0-effort.toml"], fs::read(scenario_path("effort")).unwrap());
    assert_eq!(
        a["data/dataset/illustrative/locations.csv"],
        fs::read(dataset_path().join("illustrative/locations.csv")).unwrap()
    );
    let solved = spreiding().args(["solve", "--format", "json"]).arg(scenario_path("effort")).output().unwrap();
    assert_eq!(a["results/report.json"], solved.stdout);
    // The manifest lists every other file with its hash.
    let manifest: serde_json::Value = serde_json::from_slice(&a["manifest.json"]).unwrap();
    let listed: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = a.keys().map(String::as_str).filter(|p| *p != "manifest.json").collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(manifest["provinces"], serde_json::json!(["PV22", "PV24"]));
    assert_eq!(manifest["scenario"]["name"], "effort");
    assert_eq!(manifest["program"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(manifest["program"]["commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(manifest["program"]["highs"].as_str().is_some_and(|h| h.starts_with('1')));
    assert_eq!(manifest["command"][0], "spreiding");
    assert_eq!(manifest["command"][1], "dossier");

    // Made again into the same place: every file the same.
    let second = dossier(&scenario_path("effort"), &["PV22", "PV24"], &out);
    assert!(second.status.success());
    let b = tree(&out);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two runs");
    }

    // Untouched: verified.
    let ok = spreiding().arg("verify").arg(&out).output().unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("verified"));

    // Each change is named, on a fresh copy each time.
    let touched = |name: &str, change: &dyn Fn(&Path)| -> (Option<i32>, String) {
        let copy = tmp.path().join(name);
        for (path, bytes) in &a {
            let p = copy.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        change(&copy);
        let out = spreiding().arg("verify").arg(&copy).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let edit = |p: PathBuf, from: &str, to: &str| {
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{} has no `{from}`", p.display());
        fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    // One byte of a copied data file.
    let (code, text) = touched("data-byte", &|d| {
        let p = d.join("data/dataset/municipalities.csv");
        let mut bytes = fs::read(&p).unwrap();
        let i = bytes.iter().rposition(u8::is_ascii_digit).unwrap();
        bytes[i] = if bytes[i] == b'9' { b'8' } else { bytes[i] + 1 };
        fs::write(p, bytes).unwrap();
    });
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("data/dataset/municipalities.csv: changed"), "{text}");
    // One number of the stored report.
    let (code, text) =
        touched("report-number", &|d| edit(d.join("results/report.json"), "\"target\": 2", "\"target\": 3"));
    assert_eq!(code, Some(1));
    assert!(text.contains("results/report.json: changed"), "{text}");
    // A changed input whose hash was also changed in the manifest: the recomputation differs.
    let (code, text) = touched("forged", &|d| {
        let p = d.join("data/dataset/illustrative/effort.csv");
        let old = fs::read(&p).unwrap();
        let text = String::from_utf8(old.clone()).unwrap();
        // The first municipality's effort in its first year, ten times larger (the scenario
        // weighs effort).
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
        cells[2] = (cells[2].parse::<f64>().unwrap() * 10.0 + 100.0).to_string();
        lines[1] = cells.join(",");
        let new = lines.join("\n") + "\n";
        fs::write(&p, &new).unwrap();
        let m = d.join("manifest.json");
        let mut manifest: serde_json::Value = serde_json::from_slice(&fs::read(&m).unwrap()).unwrap();
        for f in manifest["files"].as_array_mut().unwrap() {
            if f["sha256"] == sha(&old) {
                f["sha256"] = sha(new.as_bytes()).into();
                f["bytes"] = new.len().into();
            }
        }
        fs::write(&m, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    });
    assert_eq!(code, Some(1));
    assert!(text.contains("results/report.json: differs from the recomputation"), "{text}");
    assert!(!text.contains("effort.csv: changed"), "{text}");
    // A file that is not in the manifest.
    let (code, text) = touched("extra", &|d| fs::write(d.join("results/extra.csv"), "x\n").unwrap());
    assert_eq!(code, Some(1));
    assert!(text.contains("results/extra.csv: not in the manifest"), "{text}");
    // A missing document.
    let (code, text) = touched("missing", &|d| fs::remove_file(d.join("verdeelbesluit-PV24.pdf")).unwrap());
    assert_eq!(code, Some(1));
    assert!(text.contains("verdeelbesluit-PV24.pdf: missing"), "{text}");
}

/// The `<path>` elements of an SVG document, which must parse as XML.
fn paths(svg: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("path"))
        .map(|n| {
            let title = n.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or("").to_owned();
            (n.attribute("id").unwrap_or("").to_owned(), title)
        })
        .collect()
}

#[test]
fn maps_have_one_titled_shape_per_municipality_of_the_province() {
    let tmp = tempfile::tempdir().unwrap();
    let report = csv_report(&scenario_path("rest-indicative"));
    for (province, count) in [("PV24", 6), ("PV28", 50)] {
        let file = tmp.path().join(format!("{province}.svg"));
        let run = spreiding()
            .args(["map", "--metric", "obligation", "--province", province, "--out"])
            .arg(&file)
            .arg(scenario_path("rest-indicative"))
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let shapes = paths(&fs::read_to_string(&file).unwrap());
        assert_eq!(shapes.len(), count, "{province}");
        for (code, title) in &shapes {
            let (name, p, regular, _) = &report[&(code.clone(), "regular".to_owned())];
            let amv = report[&(code.clone(), "amv".to_owned())].2;
            assert_eq!(p, province);
            assert_eq!(title, &format!("{name} ({code}): {}", dutch(regular + amv)));
        }
    }
}

#[test]
fn a_difference_map_shows_each_municipalitys_change_in_obligation() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("diff.svg");
    let run = spreiding()
        .args(["map", "--metric", "diff", "--commodity", "regular", "--province", "PV27", "--out"])
        .arg(&file)
        .arg(scenario_path("effort"))
        .arg("--baseline")
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let now = csv_report(&scenario_path("effort"));
    let then = csv_report(&scenario_path("rest-indicative"));
    let shapes = paths(&fs::read_to_string(&file).unwrap());
    assert_eq!(shapes.len(), 44, "Noord-Holland has 44 municipalities");
    let mut changed = 0;
    for (code, title) in &shapes {
        let key = (code.clone(), "regular".to_owned());
        let d = now[&key].2 as i64 - then[&key].2 as i64;
        let shown = match d.signum() {
            1 => format!("+{}", dutch(d as u64)),
            -1 => format!("-{}", dutch((-d) as u64)),
            _ => "0".to_owned(),
        };
        changed += usize::from(d != 0);
        assert!(title.ends_with(&format!(": {shown}")), "{title} but the difference is {d}");
    }
    assert!(changed > 0, "the effort weight changes nothing in Noord-Holland?");
    // Without a baseline, a difference map is refused.
    let run = spreiding()
        .args(["map", "--metric", "diff", "--out"])
        .arg(&file)
        .arg(scenario_path("effort"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--metric diff needs --baseline"));
}

#[test]
fn a_small_map_is_drawn_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("pv24.svg");
    let run = spreiding()
        .args(["map", "--metric", "obligation-per1000", "--province", "PV24", "--out"])
        .arg(&file)
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    insta::assert_snapshot!("map_flevoland_per_1000", fs::read_to_string(&file).unwrap());
}

#[test]
fn bad_requests_are_refused_with_what_would_be_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let run = dossier(&scenario_path("rest-indicative"), &["PV99"], &out);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("--province PV99: not a province of the data set; one of PV20,"), "{err}");
    assert!(!out.exists());
    // A folder that is neither empty nor a dossier is not replaced.
    let busy = tmp.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("notes.txt"), "mine").unwrap();
    let run = dossier(&scenario_path("rest-indicative"), &["PV24"], &busy);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not a dossier"));
    assert_eq!(fs::read_to_string(busy.join("notes.txt")).unwrap(), "mine");
    // verify on a folder without a manifest.
    let run = spreiding().arg("verify").arg(&busy).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("is")
            && String::from_utf8_lossy(&run.stderr).contains("a dossier?")
    );
}

#[test]
fn a_data_set_without_boundaries_gets_a_dossier_without_maps() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for f in spreiding_solver::io::DatasetSources::FILES {
        let to = data.join(f);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(dataset_path().join(f), to).unwrap();
    }
    let scenario = tmp.path().join("s.toml");
    fs::write(&scenario, "name = \"zonder kaarten\"\ndataset = \"data\"\n").unwrap();
    let out = tmp.path().join("d");
    let run = dossier(&scenario, &["PV22"], &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let files = tree(&out);
    assert!(!files.keys().any(|f| f.ends_with(".svg")), "{:?}", files.keys().collect::<Vec<_>>());
    let text = pdf_text(&out.join("verdeelbesluit-PV22.pdf"));
    assert!(text.contains("geen bestand met gemeentegrenzen"), "the document does not say why there are no maps");
    let ok = spreiding().arg("verify").arg(&out).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    // A map needs boundaries.
    let run = spreiding().args(["map", "--out"]).arg(tmp.path().join("m.svg")).arg(&scenario).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("has no boundary file"));
}

#[test]
fn an_extends_chain_is_copied_whole_and_its_overrides_are_listed_where_written() {
    let tmp = tempfile::tempdir().unwrap();
    let child = tmp.path().join("bezwaar.toml");
    let base = scenario_path("rest-indicative");
    fs::write(
        &child,
        format!(
            "extends = \"{}\"\nname = \"bezwaar-GM0344\"\n\n[[overrides.municipalities]]\ncode = \"GM0344\"\nmax_additional_regular = 300\n",
            base.display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("d");
    let run = dossier(&child, &["PV26"], &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(fs::read(out.join("data/scenarios/0-bezwaar.toml")).unwrap(), fs::read(&child).unwrap());
    assert_eq!(fs::read(out.join("data/scenarios/1-rest-indicative.toml")).unwrap(), fs::read(&base).unwrap());
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["inputs"]["scenarios"],
        serde_json::json!(["data/scenarios/0-bezwaar.toml", "data/scenarios/1-rest-indicative.toml"])
    );
    let text = pdf_text(&out.join("verdeelbesluit-PV26.pdf"));
    let row = text.lines().find(|l| l.contains("Gemeente GM0344 Utrecht")).expect("the override's row");
    assert!(row.contains("maximum regulier 300") && row.contains("data/scenarios/0-bezwaar.toml:4"), "{row}");
    // The municipality's table row carries the cap.
    let report = csv_report(&child);
    let obligation = report[&("GM0344".to_owned(), "regular".to_owned())].2;
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("GM0344")
            && l.contains(" 300 ")
            && l.trim_end().ends_with(&dutch(obligation))),
        "no table row with the cap 300"
    );
    // The copies alone reproduce it: the original files are gone.
    fs::remove_file(&child).unwrap();
    let ok = spreiding().arg("verify").arg(&out).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
}
