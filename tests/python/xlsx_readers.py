"""Reads the workbooks of `solve --format xlsx` and `compare --format xlsx` with openpyxl and
checks every cell against the CSV (and JSON) of the same command, and the sheets' layout
(bold frozen header, autofilter over the table, fitted widths). Called by tests/all/xlsx.rs;
exits 1 naming the first difference.

usage: xlsx_readers.py SOLVE.xlsx SOLVE.csv SOLVE.json COMPARE.xlsx COMPARE.csv METRICS.csv
"""

import csv
import json
import sys

import openpyxl
from openpyxl.utils import get_column_letter


def fail(message):
    print(f"xlsx_readers: {message}", file=sys.stderr)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def same(cell, text, where):
    """An Excel cell against the CSV's text: numbers as numbers, booleans, empty as empty."""
    if text == "":
        check(cell is None, f"{where}: {cell!r}, the CSV is empty")
    elif isinstance(cell, bool):
        check(text == ("true" if cell else "false"), f"{where}: {cell!r}, the CSV says {text}")
    elif isinstance(cell, (int, float)):
        check(cell == float(text), f"{where}: {cell!r}, the CSV says {text}")
        if text.lstrip("-").isdigit():
            check(float(cell).is_integer(), f"{where}: whole number {text} stored as {cell!r}")
    else:
        check(cell == text, f"{where}: {cell!r}, the CSV says {text!r}")


def layout(ws, rows, cols):
    check(ws.freeze_panes == "A2", f"{ws.title}: header not frozen ({ws.freeze_panes})")
    want = f"A1:{get_column_letter(cols)}{rows + 1}"
    check(ws.auto_filter.ref == want, f"{ws.title}: autofilter {ws.auto_filter.ref}, expected {want}")
    for c in range(1, cols + 1):
        check(ws.cell(1, c).font.b, f"{ws.title}: header {c} not bold")
        width = ws.column_dimensions[get_column_letter(c)].width
        longest = max(len(str(ws.cell(r, c).value or "")) for r in range(1, rows + 2))
        # Fitted: the longest text, 3 characters for the filter button, at most 60 (Excel
        # stores widths with its own padding of under a character).
        check(width and min(longest, 60) <= width <= min(longest + 3, 60) + 1, f"{ws.title}: column {c} is {width} wide for {longest} characters")


def against_csv(ws, path, text_columns=()):
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    got_header = [c.value for c in ws[1]]
    check(got_header == header, f"{ws.title}: header {got_header[:5]}..., the CSV has {header[:5]}...")
    check(ws.max_row == len(rows) + 1, f"{ws.title}: {ws.max_row - 1} rows, the CSV has {len(rows)}")
    for r, row in enumerate(rows, start=2):
        for c, text in enumerate(row, start=1):
            cell = ws.cell(r, c).value
            where = f"{ws.title}!{get_column_letter(c)}{r} ({header[c - 1]})"
            if header[c - 1] in text_columns:
                check(cell == (text or None), f"{where}: {cell!r}, the CSV says {text!r}")
            else:
                same(cell, text, where)
    layout(ws, len(rows), len(header))
    return header, rows


def main():
    solve_xlsx, solve_csv, solve_json, compare_xlsx, compare_csv, metrics_csv = sys.argv[1:7]

    wb = openpyxl.load_workbook(solve_xlsx)
    check(wb.sheetnames == ["provinces", "municipalities", "parameters"], f"solve sheets {wb.sheetnames}")
    against_csv(wb["municipalities"], solve_csv, text_columns=("code", "name"))
    report = json.load(open(solve_json))
    ws = wb["provinces"]
    header = [c.value for c in ws[1]]
    check(ws.max_row == len(report["provinces"]) + 1, "provinces: row count")
    for r, p in enumerate(report["provinces"], start=2):
        for c, name in enumerate(header, start=1):
            want, got = p[name], ws.cell(r, c).value
            check(got == want, f"provinces!{get_column_letter(c)}{r} ({name}): {got!r}, the JSON says {want!r}")
    layout(ws, len(report["provinces"]), len(header))
    params = {row[0].value: row[1].value for row in wb["parameters"].iter_rows(min_row=2)}
    check(params.get("scenario") == report["scenario"], f"parameters: scenario {params.get('scenario')}")
    check(params.get("mode") == report["mode"], "parameters: mode")
    check("allocation.weights.effort" in params, f"parameters: no weights ({sorted(params)[:6]})")

    wb = openpyxl.load_workbook(compare_xlsx)
    check(wb.sheetnames == ["municipalities", "differences", "metrics", "parameters"], f"compare sheets {wb.sheetnames}")
    header, rows = against_csv(wb["municipalities"], compare_csv, text_columns=("code", "name"))
    against_csv(wb["metrics"], metrics_csv, text_columns=("group", "id"))

    # Differences: the rows where some scenario's difference is not 0, or a band leaves the
    # baseline; worked out here from the CSV.
    base = header.index("baseline")
    def changed(row):
        for i, name in enumerate(header):
            if name.endswith(" diff") and row[i] not in ("", "0"):
                return True
            if (name.endswith(" min") or name.endswith(" max")) and row[i] != row[base]:
                return True
        return False
    want = [r for r in rows if changed(r)]
    ws = wb["differences"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    check(len(got) == len(want), f"differences: {len(got)} rows, the CSV has {len(want)} that differ")
    for g, w in zip(got, want):
        check(g[0] == w[0] and g[3] == w[3], f"differences: {g[:4]} where the CSV has {w[:4]}")
    check(0 < len(want) < len(rows), f"differences: {len(want)} of {len(rows)}: the test needs some of each")
    print(f"ok: {len(rows)} compared rows, {len(want)} differences")


main()
