//! Renderers, one file each: `spreiding solve` as a table for people, JSON and CSV for tools;
//! `spreiding compare` in its formats.

pub mod compare;
mod csv;
pub mod indicative;
mod json;
mod table;
pub mod whatif;
pub mod xlsx;

use anyhow::Result;
use spreiding_solver::model::{Dataset, Scenario};
use spreiding_solver::report::Report;
use spreiding_solver::Solution;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// The JSON report.
    Json,
    /// One CSV row per municipality and commodity.
    Csv,
    /// An Excel workbook (needs --output): provinces, municipalities (the CSV's rows) and
    /// parameters.
    Xlsx,
}

/// Renders a solution in a format.
pub fn render(format: Format, dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    match format {
        Format::Table => Ok(table::render(dataset, solution).into_bytes()),
        Format::Json => json::render(dataset, solution),
        Format::Csv => csv::render(dataset, solution),
        Format::Xlsx => anyhow::bail!("--format xlsx needs the scenario: use output::workbook"),
    }
}

/// The columns of the provinces sheet.
const PROVINCE_COLUMNS: [&str; 13] = [
    "code",
    "name",
    "commodity",
    "target",
    "counted",
    "shortfall",
    "surplus",
    "allocated",
    "status",
    "missing",
    "beyond_cap",
    "level",
    "eligible",
];

/// `solve --format xlsx`: the provinces (as `--format json` has them), the municipalities (the
/// rows of `--format csv`) and the scenario's parameters.
pub fn workbook(dataset: &Dataset, scenario: &Scenario, solution: &Solution) -> Result<Vec<u8>> {
    let report = Report::new(dataset, solution);
    let provinces = report
        .provinces
        .iter()
        .map(|p| {
            vec![
                p.code.to_string(),
                p.name.clone(),
                p.commodity.as_str().to_owned(),
                p.target.to_string(),
                p.counted.to_string(),
                p.shortfall.to_string(),
                p.surplus.to_string(),
                p.allocated.to_string(),
                p.status.as_str().to_owned(),
                p.missing.to_string(),
                p.beyond_cap.to_string(),
                p.level.map_or_else(String::new, |l| l.to_string()),
                p.eligible.to_string(),
            ]
        })
        .collect();
    let mut parameters = vec![
        vec!["scenario".to_owned(), scenario.name.clone()],
        vec!["dataset".to_owned(), dataset.label().to_owned()],
        vec!["cycle".to_owned(), report.cycle.clone()],
        vec!["counting_date".to_owned(), report.counting_date.clone()],
        vec!["mode".to_owned(), report.mode.clone()],
        vec!["program".to_owned(), format!("spreiding {}", env!("CARGO_PKG_VERSION"))],
        vec!["fingerprint".to_owned(), spreiding_solver::report::results::fingerprint(dataset, scenario, None)],
    ];
    for (name, value) in [
        (
            "counting",
            spreiding_solver::counting::CountingContext::settings(
                scenario,
                &spreiding_solver::counting::CountingContext::new(dataset, scenario),
            ),
        ),
        ("allocation", serde_json::to_value(&scenario.allocation)?),
        ("constraints", serde_json::to_value(&scenario.constraints)?),
    ] {
        flatten(name, &value, &mut parameters);
    }
    parameters.push(vec!["overrides".to_owned(), serde_json::to_string(&scenario.overrides)?]);
    let mut municipalities = Vec::with_capacity(report.municipalities.len());
    csv::each_row(&report, |row| {
        municipalities.push(row.iter().map(|c| (*c).to_owned()).collect());
        Ok(())
    })?;
    xlsx::workbook(&[
        xlsx::Sheet {
            name: "provinces",
            header: PROVINCE_COLUMNS.map(String::from).to_vec(),
            rows: provinces,
            text: &["code", "name", "commodity", "status"],
        },
        xlsx::Sheet {
            name: "municipalities",
            header: csv::COLUMNS.map(String::from).to_vec(),
            rows: municipalities,
            text: &["code", "name", "province", "commodity", "reason", "rounding", "province_status"],
        },
        xlsx::Sheet {
            name: "parameters",
            header: vec!["parameter".to_owned(), "value".to_owned()],
            rows: parameters,
            text: &["parameter"],
        },
    ])
}

/// A settings value as `path = value` rows (objects by their members; lists and the rest as
/// JSON; null as an empty cell).
fn flatten(path: &str, value: &serde_json::Value, out: &mut Vec<Vec<String>>) {
    match value {
        serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| flatten(&format!("{path}.{k}"), v, out)),
        serde_json::Value::Null => out.push(vec![path.to_owned(), String::new()]),
        serde_json::Value::String(s) => out.push(vec![path.to_owned(), s.clone()]),
        other => out.push(vec![path.to_owned(), other.to_string()]),
    }
}

/// A CSV cell as a spreadsheet may open it: a text that begins with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be taken for a formula (CSV formula injection), so it is prefixed
/// with `'` (OWASP's advice); numbers (`-12`, `-1,5` with a decimal comma) stay as they are.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.replace(',', ".").parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A CSV text with every cell made [`spreadsheet_safe`] (same delimiter, a byte-order mark
/// kept): what the service hands out as CSV.
pub fn spreadsheet_safe_csv(text: &[u8], delimiter: u8) -> Result<Vec<u8>> {
    let (bom, body) = match text.strip_prefix("\u{feff}".as_bytes()) {
        Some(rest) => ("\u{feff}".as_bytes(), rest),
        None => (&b""[..], text),
    };
    let mut r = ::csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(body);
    let mut w = ::csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(bom.to_vec());
    for record in r.records() {
        let record = record?;
        w.write_record(record.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod safe_tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_numbers_are_not() {
        for (cell, safe) in [
            ("=1+1", "'=1+1"),
            ("+31 6", "'+31 6"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-12", "-12"),
            ("-1,5", "-1,5"),
            ("+3", "+3"),
            ("Den Haag", "Den Haag"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(spreadsheet_safe(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn a_csv_is_made_safe_cell_by_cell() {
        let text = "\u{feff}id;n\n=1+1;-3\n\"a;b\";\"=HYPERLINK(\"\"x\"\")\"\n";
        let safe = spreadsheet_safe_csv(text.as_bytes(), b';').unwrap();
        assert_eq!(String::from_utf8(safe).unwrap(), "\u{feff}id;n\n'=1+1;-3\n\"a;b\";\"'=HYPERLINK(\"\"x\"\")\"\n");
    }
}
