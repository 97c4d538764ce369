//! Reading a snapshot file: the data set's `locations.csv` format, as CSV (UTF-8) or as an
//! Excel workbook whose sheet has the same columns (the sheet named `locations`, else the
//! first). A workbook's rows become CSV lines with the same numbers (row 1 is line 1), so
//! every problem names the file, the sheet's row and the column.

use calamine::{DataRef, Reader, Xlsx};
use spreiding_solver::io::{not_regular, InputError, Problem, Source, MAX_FILE_BYTES};
use std::collections::BTreeMap;
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

/// Most bytes a workbook may unpack to (its entries' declared sizes): a location list of a few
/// thousand rows unpacks to a few MiB; a "zip bomb" is refused before anything is unpacked.
const MAX_UNPACKED: u64 = 256 * 1024 * 1024;
/// Most non-empty cells read from the sheet (a list of 10,000 locations has 90,000).
const MAX_CELLS: usize = 2_000_000;
/// The rightmost column a value may be in (a locations sheet has nine).
const MAX_COLUMN: u32 = 255;

/// The sheet's name and its rows as CSV text, line k being the sheet's row k. The cells are
/// streamed (never a grid as large as the sheet claims to be), within [`MAX_CELLS`] and
/// [`MAX_COLUMN`].
fn workbook_csv(name: &str, bytes: &[u8]) -> Result<(String, String), InputError> {
    let fail = |line: Option<u64>, message: String| InputError::single(Problem::at(name, line, None, message));
    let unreadable = |e: &dyn std::fmt::Display| {
        fail(None, format!("is not a readable Excel workbook ({e}); save it as .xlsx or CSV"))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        unpacked = unpacked.saturating_add(zip.by_index_raw(i).map_err(|e| unreadable(&e))?.size());
    }
    if unpacked > MAX_UNPACKED {
        return Err(fail(
            None,
            format!(
                "unpacks to {unpacked} bytes, more than the {} MiB a location list may; is it the right file?",
                MAX_UNPACKED / (1024 * 1024)
            ),
        ));
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let Some(sheet) = names.iter().find(|n| n.as_str() == "locations").or(names.first()).cloned() else {
        return Err(fail(None, "the workbook has no sheet; put the locations on a sheet named `locations`".into()));
    };
    let mut cells: BTreeMap<(u32, u32), String> = BTreeMap::new();
    {
        let mut reader = book
            .worksheet_cells_reader(&sheet)
            .map_err(|e| fail(None, format!("sheet {sheet} cannot be read ({e})")))?;
        while let Some(cell) =
            reader.next_cell().map_err(|e| fail(None, format!("sheet {sheet} cannot be read ({e})")))?
        {
            let (row, column) = cell.get_position();
            let line = u64::from(row) + 1;
            let text = cell_text(cell.get_value())
                .map_err(|m| fail(Some(line), format!("column {}: {m}", column_name(column))))?;
            if text.is_empty() {
                continue;
            }
            if column > MAX_COLUMN {
                return Err(fail(
                    Some(line),
                    format!(
                        "column {}: a value beyond column {}; a locations sheet has the nine columns of locations.csv",
                        column_name(column),
                        column_name(MAX_COLUMN)
                    ),
                ));
            }
            if cells.len() >= MAX_CELLS {
                return Err(fail(Some(line), format!("more than {MAX_CELLS} cells; a location list has far fewer")));
            }
            cells.insert((row, column), text);
        }
    }
    let (Some(first_col), Some(last_col)) = (cells.keys().map(|k| k.1).min(), cells.keys().map(|k| k.1).max()) else {
        return Err(fail(None, format!("sheet {sheet} is empty; it needs the header row of locations.csv")));
    };
    // Row k of the sheet is line k of the text; empty rows stay empty lines (the CSV reader
    // passes over them and the line numbers hold).
    let mut text = String::new();
    let mut next_row = 0u32;
    let mut rows = cells.iter().peekable();
    while let Some(&(&(row, _), _)) = rows.peek() {
        while next_row < row {
            text.push('\n');
            next_row += 1;
        }
        let mut record = vec![String::new(); (last_col - first_col + 1) as usize];
        while let Some(&(&(r, c), v)) = rows.peek() {
            if r != row {
                break;
            }
            record[(c - first_col) as usize] = v.clone();
            rows.next();
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let line = u64::from(row) + 1;
        w.write_record(&record).map_err(|e| fail(Some(line), e.to_string()))?;
        let bytes = w.into_inner().map_err(|e| fail(Some(line), e.to_string()))?;
        text.push_str(&String::from_utf8_lossy(&bytes));
        next_row = row + 1;
    }
    Ok((sheet, text))
}

/// A cell as the CSV reader expects its text: whole numbers without a decimal point, dates as
/// YYYY-MM-DD, booleans as true/false.
fn cell_text(cell: &DataRef<'_>) -> Result<String, String> {
    Ok(match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        // Rust writes a whole float without a point or an exponent (300.0 as 300).
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => {
            let Some(dt) = d.as_datetime() else { return Err(format!("the date {d} is out of range")) };
            dt.date().format("%Y-%m-%d").to_string()
        }
        DataRef::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        DataRef::DurationIso(s) => return Err(format!("a duration ({s}) where a value is expected")),
        DataRef::Error(e) => return Err(format!("the cell holds the error value {e}")),
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
        assert_eq!(cell_text(&DataRef::Float(300.0)).unwrap(), "300");
        assert_eq!(cell_text(&DataRef::Float(2.5)).unwrap(), "2.5");
        assert_eq!(cell_text(&DataRef::Float(1.0e20)).unwrap(), "100000000000000000000");
        assert_eq!(cell_text(&DataRef::Float(-12.0)).unwrap(), "-12");
        assert_eq!(cell_text(&DataRef::Bool(false)).unwrap(), "false");
        assert_eq!(cell_text(&DataRef::Empty).unwrap(), "");
        assert_eq!(cell_text(&DataRef::SharedString("GM0344")).unwrap(), "GM0344");
        assert_eq!(cell_text(&DataRef::DateTimeIso("2025-04-01T00:00:00".into())).unwrap(), "2025-04-01");
        assert!(cell_text(&DataRef::Error(calamine::CellErrorType::Div0)).is_err());
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

    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name("locations").unwrap();
        for (r, c, v) in cells {
            sheet.write_string(*r, *c, *v).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_is_read_cell_by_cell_with_its_row_numbers() {
        // Header on row 2 (line 2), a value on row 5, columns from B.
        let s = from_bytes("w.xlsx", workbook(&[(1, 1, "a"), (1, 2, "b"), (4, 2, "x")])).unwrap();
        assert_eq!(s.format, "xlsx");
        assert_eq!(s.source.name, "w.xlsx, sheet locations");
        assert_eq!(s.source.text, "\na,b\n\n\n,x\n");
    }

    #[test]
    fn a_sheet_that_claims_to_be_huge_is_not_made_a_grid() {
        // One value in the last column of the last row: refused by its column, at once.
        let far = workbook(&[(0, 0, "location_id"), (1_048_575, 16_383, "x")]);
        let e = from_bytes("far.xlsx", far).unwrap_err().to_string();
        assert!(e.contains("far.xlsx:1048576") && e.contains("column XFD"), "{e}");
        // The last row in an allowed column: a million empty lines, not a million-column grid.
        let low = workbook(&[(0, 0, "location_id"), (1_048_575, 0, "x")]);
        let s = from_bytes("low.xlsx", low).unwrap();
        assert_eq!(s.source.text.lines().count(), 1_048_576);
        assert!(s.source.text.ends_with("\nx\n"));
        let e = from_bytes("empty.xlsx", workbook(&[])).unwrap_err().to_string();
        assert!(e.contains("is empty"), "{e}");
    }

    #[test]
    fn the_sheet_named_locations_is_read_else_the_first() {
        let two = |first: &str, second: &str| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            wb.add_worksheet().set_name(first).unwrap().write_string(0, 0, first).unwrap();
            wb.add_worksheet().set_name(second).unwrap().write_string(0, 0, second).unwrap();
            from_bytes("two.xlsx", wb.save_to_buffer().unwrap()).unwrap()
        };
        let s = two("notes", "locations");
        assert_eq!((s.source.name.as_str(), s.source.text.as_str()), ("two.xlsx, sheet locations", "locations\n"));
        let s = two("notes", "other");
        assert_eq!((s.source.name.as_str(), s.source.text.as_str()), ("two.xlsx, sheet notes", "notes\n"));
    }

    #[test]
    fn a_bad_cell_is_named_by_its_row_and_column_and_column_iv_is_the_last_allowed() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name("locations").unwrap();
        sheet.write_string(0, 0, "location_id").unwrap();
        sheet.write_string(1, u16::try_from(MAX_COLUMN).unwrap(), "x").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let s = from_bytes("wide.xlsx", bytes).unwrap();
        assert_eq!(s.source.text, format!("location_id{}\n{}x\n", ",".repeat(255), ",".repeat(255)));
        assert_eq!(column_name(MAX_COLUMN), "IV");
        // A date ten billion days after 1900 is out of chrono's range.
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        wb.worksheet_from_index(0).unwrap().write_number_with_format(4, 2, 1.0e10, &date).unwrap();
        let e = from_bytes("date.xlsx", wb.save_to_buffer().unwrap()).unwrap_err().to_string();
        assert!(e.contains("date.xlsx:5") && e.contains("column C: the date") && e.contains("out of range"), "{e}");
    }

    /// A zip archive of one entry whose headers declare `size` unpacked bytes (its data is four).
    fn lying_zip(size: u32) -> Vec<u8> {
        let (name, data) = (b"xl/workbook.xml", b"abcd");
        let sizes = |v: &mut Vec<u8>| {
            v.extend_from_slice(&0u32.to_le_bytes()); // CRC-32: not checked before unpacking
            v.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        };
        // Local header: signature, version 2.0, no flags, deflated, no time or date.
        let mut z = vec![0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0];
        sizes(&mut z);
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(name);
        z.extend_from_slice(data);
        let central = u32::try_from(z.len()).unwrap();
        z.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        sizes(&mut z);
        z.extend_from_slice(&[0; 16]); // extra, comment, disk, attributes; the local header at 0
        z.extend_from_slice(name);
        let length = u32::try_from(z.len()).unwrap() - central;
        z.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]);
        z.extend_from_slice(&length.to_le_bytes());
        z.extend_from_slice(&central.to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z
    }

    #[test]
    fn a_workbook_may_unpack_to_256_mib_and_no_more() {
        assert_eq!(MAX_UNPACKED, 268_435_456);
        let e = from_bytes("bomb.xlsx", lying_zip(268_435_457)).unwrap_err().to_string();
        assert!(e.contains("bomb.xlsx") && e.contains("unpacks to 268435457 bytes, more than the 256 MiB"), "{e}");
        // At the limit it is opened (and is no workbook).
        let e = from_bytes("edge.xlsx", lying_zip(268_435_456)).unwrap_err().to_string();
        assert!(e.contains("edge.xlsx") && e.contains("not a readable Excel workbook"), "{e}");
    }

    #[test]
    fn a_file_may_have_64_mib_and_no_more() {
        let max = usize::try_from(MAX_FILE_BYTES).unwrap();
        assert_eq!(max, 64 * 1024 * 1024);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("max.csv");
        let mut bytes = b"location_id\n".to_vec();
        bytes.resize(max, b'\n');
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read(&path).unwrap().bytes.len(), max);
        bytes.push(b'\n');
        std::fs::write(&path, &bytes).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("max.csv") && e.contains("larger than 64 MiB"), "{e}");
        let e = from_bytes("upload.csv", bytes).unwrap_err().to_string();
        assert!(e.contains("upload.csv") && e.contains("larger than 64 MiB"), "{e}");
    }
}
