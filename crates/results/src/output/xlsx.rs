//! Excel workbooks (`solve --format xlsx`, `compare --format xlsx`): one sheet per table, with
//! the same columns and rows as the CSV of that table.
//!
//! Every sheet has its header row in bold and frozen, an autofilter over the whole table and
//! column widths fitted to the contents (at most 60 characters). Numbers are numbers (whole
//! numbers exactly, decimals with all their digits), `true`/`false` are booleans, empty CSV
//! cells stay empty, and the columns named as text (codes, names, ids) are text even when they
//! look like numbers. The workbook's creation date is fixed (2000-01-01), so the same inputs
//! give the same bytes.

use anyhow::{bail, Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// Excel's last row (0-based) and the characters a column is at most widened to.
const MAX_ROW: usize = 1_048_575;
const MAX_WIDTH: usize = 60;

/// Characters an Excel cell holds.
pub const MAX_CELL: usize = 32_767;

/// One table: its sheet name, header and rows (as the CSV has them), and the columns that are
/// text whatever they look like.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub text: &'a [&'a str],
}

/// The workbook of the sheets, in order.
pub fn workbook(sheets: &[Sheet<'_>]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?));
    let bold = Format::new().set_bold();
    for sheet in sheets {
        if sheet.rows.len() > MAX_ROW {
            bail!(
                "the {} table has {} rows; an Excel sheet holds at most {MAX_ROW}: use --format csv",
                sheet.name,
                sheet.rows.len()
            );
        }
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name)?;
        let mut widths: Vec<usize> = sheet.header.iter().map(|h| h.chars().count()).collect();
        let text: Vec<bool> = sheet.header.iter().map(|h| sheet.text.contains(&h.as_str())).collect();
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c)?, h, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).context("too many rows")?;
            for (c, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(cell.chars().count());
                }
                if cell.is_empty() {
                    continue;
                }
                let n = cell.chars().count();
                if n > MAX_CELL {
                    bail!(
                        "the {} table's row {} column `{}` has {n} characters; an Excel cell holds at most {MAX_CELL}: use --format csv",
                        sheet.name,
                        r,
                        sheet.header.get(c).map_or("?", String::as_str)
                    );
                }
                let c = col(c)?;
                if text.get(usize::from(c)).copied().unwrap_or(true) {
                    ws.write_string(r, c, cell)?;
                } else if let Ok(b) = cell.parse::<bool>() {
                    ws.write_boolean(r, c, b)?;
                } else if let Some(x) = cell.parse::<f64>().ok().filter(|x| x.is_finite()) {
                    ws.write_number(r, c, x)?;
                } else {
                    ws.write_string(r, c, cell)?;
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            // Room for the autofilter's button beside the title.
            ws.set_column_width(col(c)?, (w + 3).min(MAX_WIDTH) as f64)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !sheet.header.is_empty() {
            let last_row = u32::try_from(sheet.rows.len()).context("too many rows")?;
            ws.autofilter(0, 0, last_row, col(sheet.header.len() - 1)?)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).ok().filter(|&c| c < 16_384).context("more columns than an Excel sheet holds (16,384)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: usize) -> Sheet<'static> {
        Sheet { name: "metrics", header: vec!["id".to_owned()], rows: vec![Vec::new(); rows], text: &["id"] }
    }

    #[test]
    fn a_sheet_holds_excel_rows_and_not_one_more() {
        // A full sheet: the header and 1,048,575 rows (empty cells are not written).
        let bytes = workbook(&[sheet(MAX_ROW)]).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let e = workbook(&[sheet(MAX_ROW + 1)]).unwrap_err().to_string();
        assert_eq!(e, "the metrics table has 1048576 rows; an Excel sheet holds at most 1048575: use --format csv");
    }

    #[test]
    fn a_cell_holds_excel_characters_and_not_one_more() {
        let one = |n: usize| Sheet {
            name: "bands",
            header: vec!["name".to_owned()],
            rows: vec![vec!["x".repeat(n)]],
            text: &["name"],
        };
        assert!(workbook(&[one(MAX_CELL)]).is_ok());
        let e = workbook(&[one(MAX_CELL + 1)]).unwrap_err().to_string();
        assert_eq!(
            e,
            "the bands table's row 1 column `name` has 32768 characters; an Excel cell holds at most 32767: use --format csv"
        );
    }

    #[test]
    fn columns_beyond_excel_are_refused() {
        assert_eq!(col(16_383).unwrap(), 16_383);
        assert!(col(16_384).unwrap_err().to_string().contains("16,384"));
    }
}
