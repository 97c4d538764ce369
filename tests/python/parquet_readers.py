"""Reads a `spreiding run --format parquet` folder with pyarrow and DuckDB and checks every
number against the JSON-lines run of the same scenarios and against `spreiding solve --format
csv` of one scenario file. Called by tests/all/parquet.rs; exits 1 naming the first difference.

usage: parquet_readers.py JSONL_RUN PARQUET_RUN SCENARIO_ID SOLVE_CSV
"""

import csv
import json
import pathlib
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def fail(message):
    print(f"parquet_readers: {message}", file=sys.stderr)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def jsonl_records(run):
    header, records = None, []
    for f in sorted((run / "results").glob("*.jsonl")):
        lines = f.read_text().splitlines()
        h = json.loads(lines[0])
        if h["municipalities"]:
            header = h
        records += [json.loads(line) for line in lines[1:] if line.strip()]
    return header, records


def main():
    jsonl_run, parquet_run, solve_csv = (pathlib.Path(a) for a in (sys.argv[1], sys.argv[2], sys.argv[4]))
    scenario_id = sys.argv[3]
    header, records = jsonl_records(jsonl_run)
    results = parquet_run / "results"

    # pyarrow: each table's folder reads as one dataset, with the documented column types.
    mun = pq.read_table(results / "municipalities")
    prov = pq.read_table(results / "provinces")
    scen = pq.read_table(results / "scenarios")
    types = {
        "scenario": pa.string(),
        "municipality": pa.string(),
        "counted": pa.uint32(),
        "allocated": pa.uint32(),
        "beyond_cap": pa.uint32(),
        "obligation": pa.uint32(),
        "reason": pa.string(),
    }
    for name, t in types.items():
        check(mun.schema.field(name).type == t, f"municipalities.{name} is {mun.schema.field(name).type}, expected {t}")
    check(prov.schema.field("counted").type == pa.uint64(), "provinces.counted is not uint64")
    check(scen.schema.field("allocation.weights.effort_share").type == pa.float64(), "effort_share is not float64")
    check(scen.schema.field("counting.count_intentions").type == pa.bool_(), "count_intentions is not bool")
    check(scen.schema.field("draw").type == pa.uint32(), "draw is not uint32")

    # Scenarios: one row per record, same outcome, error and parameters.
    scenarios = {r["scenario"]: r for r in scen.to_pylist()}
    check(len(scenarios) == len(records), f"{len(scenarios)} scenario rows, {len(records)} JSON-lines records")
    for r in records:
        row = scenarios.get(r["id"])
        check(row is not None, f"scenario {r['id']} missing")
        check(row["outcome"] == r["outcome"], f"{r['id']}: outcome {row['outcome']} != {r['outcome']}")
        check(row["error"] == r.get("error"), f"{r['id']}: error {row['error']!r} != {r.get('error')!r}")
        for k, v in r["params"].items():
            got = row[k]
            if isinstance(got, bool):
                ok = got == (v == "true")
            elif isinstance(got, float):
                ok = got == float(v)
            elif isinstance(got, int):
                ok = got == int(v)
            else:
                ok = got == v
            check(ok, f"{r['id']}: parameter {k} = {got!r}, JSON lines say {v!r}")
        unset = [k for k, v in row.items() if v is not None and k not in ("scenario", "outcome", "error") and k not in r["params"]]
        check(not unset, f"{r['id']}: parameters {unset} set but not in the record")

    # Municipalities: every entry's counted and allocated places, and who is at the cap.
    ms = header["municipalities"]
    by_scenario = {}
    for row in mun.to_pylist():
        by_scenario.setdefault(row["scenario"], []).append(row)
    entries = 0
    for r in records:
        rows = by_scenario.pop(r["id"], [])
        if r["outcome"] == "failed":
            check(not rows, f"{r['id']} failed but has municipality rows")
            continue
        check(len(rows) == 2 * len(ms), f"{r['id']}: {len(rows)} rows for {len(ms)} municipalities")
        capped = set(r["capped"])
        for k, row in enumerate(rows):
            m = ms[k // 2]
            where = f"{r['id']} {m['code']} {row['commodity']}"
            check(row["municipality"] == m["code"] and row["name"] == m["name"], f"{where}: row {k} is {row['municipality']}")
            check(row["province"] == m["province"] and row["population"] == m["population"], f"{where}: province or population")
            check(row["commodity"] == ("regular" if k % 2 == 0 else "amv"), f"{where}: commodity order")
            check(row["indicative"] == m["indicative"][k % 2], f"{where}: indicative")
            check(row["counted"] == r["counted"][k], f"{where}: counted {row['counted']} != {r['counted'][k]}")
            check(row["allocated"] == r["allocated"][k], f"{where}: allocated")
            check(row["beyond_cap"] == (r["beyond_cap"][k] if r.get("beyond_cap") else 0), f"{where}: beyond_cap")
            check(row["obligation"] == row["counted"] + row["allocated"] + row["beyond_cap"], f"{where}: obligation")
            check((row["reason"] in ("capped", "infeasible-capped")) == (k in capped), f"{where}: reason {row['reason']}")
            entries += 1
    check(not by_scenario, f"municipality rows of unknown scenarios: {sorted(by_scenario)[:3]}")

    # Provinces.
    prov_rows = {}
    for row in prov.to_pylist():
        prov_rows.setdefault(row["scenario"], []).append(row)
    for r in records:
        got = [{k: v for k, v in row.items() if k != "scenario"} for row in prov_rows.get(r["id"], [])]
        # The JSON lines leave beyond_cap out when it is 0.
        want = [{("province" if k == "code" else k): v for k, v in {"beyond_cap": 0, **p}.items()} for p in r["provinces"]]
        check(got == want, f"{r['id']}: provinces differ: {got[:1]} vs {want[:1]}")

    # DuckDB over the files as a modeller would query them.
    db = duckdb.connect()
    glob = str(results / "municipalities" / "*.parquet")
    sums = dict(db.execute(f"SELECT scenario, sum(allocated + beyond_cap) FROM read_parquet('{glob}') GROUP BY scenario").fetchall())
    for r in records:
        if r["outcome"] != "failed":
            check(sums[r["id"]] == sum(r["allocated"]), f"DuckDB: {r['id']} allocates {sums[r['id']]}, JSON lines {sum(r['allocated'])}")
    sglob = str(results / "scenarios" / "*.parquet")
    pglob = str(results / "provinces" / "*.parquet")
    n_failed = db.execute(f"SELECT count(*) FROM read_parquet('{sglob}') WHERE outcome = 'failed'").fetchone()[0]
    check(n_failed == sum(r["outcome"] == "failed" for r in records), "DuckDB: failed scenarios")
    missing = db.execute(
        f"SELECT sum(p.missing) FROM read_parquet('{pglob}') p JOIN read_parquet('{sglob}') s USING (scenario) WHERE s.outcome = 'infeasible'"
    ).fetchone()[0] or 0
    check(missing == sum(p["missing"] for r in records for p in r["provinces"]), "DuckDB: missing places")

    # One scenario file against `spreiding solve --format csv`.
    rows = [r for r in mun.to_pylist() if r["scenario"] == scenario_id]
    with open(solve_csv, newline="") as f:
        want = list(csv.DictReader(f))
    check(len(rows) == len(want), f"{scenario_id}: {len(rows)} rows, the CSV has {len(want)}")
    for row, w in zip(rows, want):
        for col, csv_col in [("municipality", "code"), ("province", "province"), ("commodity", "commodity"), ("reason", "reason")]:
            check(row[col] == w[csv_col], f"{scenario_id} {w['code']}: {col} {row[col]} != CSV {w[csv_col]}")
        for col in ["indicative", "counted", "allocated", "beyond_cap", "obligation"]:
            check(row[col] == int(w[col]), f"{scenario_id} {w['code']} {w['commodity']}: {col} {row[col]} != CSV {w[col]}")

    print(f"ok: {len(records)} scenarios, {entries} municipality rows, {prov.num_rows} province rows")


main()
