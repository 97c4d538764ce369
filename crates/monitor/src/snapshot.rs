//! Reading a snapshot file: the data set's `locations.csv` format, as CSV (UTF-8) or as an
//! Excel workbook whose sheet has the same columns (the sheet named `locations`, else the
//! first). A workbook's rows become CSV lines with the same numbers (row 1 is line 1), so
//! every problem names the file, the sheet's row and the column.

use calamine::{Data, Reader, Xlsx};
use spreiding_solver::io::{not_regular, InputError, Problem, Source, MAX_FILE_BYTES};
use std::io::{Cursor, Read};
use std::path::Path;

/// A snapshot file as read: its bytes (what is recorded and hashed) and its rows as CSV text.
#[derive(Clone, Debug)]
pub struct SnapshotFile {
    /// The name it is reported and recorded under (the path as given, or an upload's name).
    pub name: String,
    /// `csv` or `xlsx`.
    pub format: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// The rows as CSV text, named for problems (a workbook: `file.xlsx, sheet locations`).
    pub source: Source,
}

/// Reads a snapshot file (a regular file of at most [`MAX_FILE_BYTES`]).
pub fn read(path: &Path) -> Result<SnapshotFile, InputError> {
    let name = path.display().to_string();
    let fail = |message: String| InputError::single(Problem::at(&name, None, None, message));
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if let Some(kind) = not_regular(&meta) {
        return Err(fail(kind));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if let Some(kind) = file.metadata().ok().as_ref().and_then(not_regular) {
        return Err(fail(kind));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read: {e}")))?;
    from_bytes(&name, bytes)
}

/// A snapshot from its bytes (an upload), named `name` in problems.
pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<SnapshotFile, InputError> {
    let fail = |message: String| InputError::single(Problem::at(name, None, None, message));
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "is larger than {} MiB, the most a snapshot may have; is it the right file?",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let sha256 = spreiding_results::hash::sha256(&bytes);
    if bytes.starts_with(b"PK\x03\x04") {
        let (sheet, text) = workbook_csv(name, &bytes)?;
        let source = Source::new(format!("{name}, sheet {sheet}"), text);
        return Ok(SnapshotFile { name: name.to_owned(), format: "xlsx", bytes, sha256, source });
    }
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        fail(format!(
            "is neither UTF-8 CSV text (byte {} is not valid) nor an Excel workbook (.xlsx); save it as one of them",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    Ok(SnapshotFile { name: name.to_owned(), format: "csv", bytes, sha256, source: Source::new(name.to_owned(), text) })
}

/// The sheet's name and its rows as CSV text, line k being the sheet's row k.
fn workbook_csv(name: &str, bytes: &[u8]) -> Result<(String, String), InputError> {
    let fail = |line: Option<u64>, message: String| InputError::single(Problem::at(name, line, None, message));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| fail(None, format!("is not a readable Excel workbook ({e}); save it as .xlsx or CSV")))?;
    let names = book.sheet_names();
    let Some(sheet) = names.iter().find(|n| n.as_str() == "locations").or(names.first()).cloned() else {
        return Err(fail(None, "the workbook has no sheet; put the locations on a sheet named `locations`".into()));
    };
    let range = book.worksheet_range(&sheet).map_err(|e| fail(None, format!("sheet {sheet} cannot be read ({e})")))?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(fail(None, format!("sheet {sheet} is empty; it needs the header row of locations.csv")));
    };
    let mut text = "\n".repeat(usize::try_from(first_row).unwrap_or(0));
    for (k, row) in range.rows().enumerate() {
        let line = u64::from(first_row) + k as u64 + 1;
        let mut cells = Vec::with_capacity(row.len());
        for (j, cell) in row.iter().enumerate() {
            let column = u32::try_from(j).unwrap_or(u32::MAX).saturating_add(first_col);
            cells.push(cell_text(cell).map_err(|m| fail(Some(line), format!("column {}: {m}", column_name(column))))?);
        }
        // An empty row stays an empty line (the CSV reader passes over it; line numbers hold).
        if cells.iter().all(String::is_empty) {
            text.push('\n');
            continue;
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&cells).map_err(|e| fail(Some(line), e.to_string()))?;
        let bytes = w.into_inner().map_err(|e| fail(Some(line), e.to_string()))?;
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    Ok((sheet, text))
}

/// A cell as the CSV reader expects its text: whole numbers without a decimal point, dates as
/// YYYY-MM-DD, booleans as true/false.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let Some(dt) = d.as_datetime() else { return Err(format!("the date {d} is out of range")) };
            dt.date().format("%Y-%m-%d").to_string()
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => return Err(format!("a duration ({s}) where a value is expected")),
        Data::Error(e) => return Err(format!("the cell holds the error value {e}")),
    })
}

/// A spreadsheet's column letters: 0 is A, 26 is AA.
fn column_name(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + u8::try_from(c % 26).unwrap_or(0));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn cells_read_as_the_csv_has_them() {
        assert_eq!(cell_text(&Data::Float(300.0)).unwrap(), "300");
        assert_eq!(cell_text(&Data::Float(2.5)).unwrap(), "2.5");
        assert_eq!(cell_text(&Data::Bool(false)).unwrap(), "false");
        assert_eq!(cell_text(&Data::Empty).unwrap(), "");
        assert_eq!(cell_text(&Data::DateTimeIso("2025-04-01T00:00:00".into())).unwrap(), "2025-04-01");
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Div0)).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_binary_is_refused() {
        let s = from_bytes("s.csv", "\u{feff}a,b\n".as_bytes().to_vec()).unwrap();
        assert_eq!(s.source.text, "a,b\n");
        assert_eq!(s.format, "csv");
        let e = from_bytes("s.bin", vec![0xff, 0xfe, 0x00]).unwrap_err().to_string();
        assert!(e.contains("s.bin") && e.contains("neither UTF-8"), "{e}");
        let e = from_bytes("s.xlsx", b"PK\x03\x04rubbish".to_vec()).unwrap_err().to_string();
        assert!(e.contains("s.xlsx") && e.contains("not a readable Excel workbook"), "{e}");
    }
}
