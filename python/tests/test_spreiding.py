"""The Python package against the command line: the same numbers, cell for cell, from the same
inputs; bad input as InputError with its problems; the GIL released while solving.

The command line is the release binary (``SPREIDING_BIN``, default ``target/release/spreiding``
of the repository); the repository root is ``SPREIDING_ROOT`` (default: two folders up).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import spreiding

ROOT = Path(os.environ.get("SPREIDING_ROOT", Path(__file__).resolve().parents[2]))
BIN = os.environ.get("SPREIDING_BIN", str(ROOT / "target" / "release" / "spreiding"))
SCENARIOS = sorted(
    p for cycle in ("2024-2026", "2026-2028") for p in (ROOT / "scenarios" / cycle).glob("*.toml")
)


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def cli(*args: str, ok=(0, 1)) -> str:
    out = subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode in ok, out.stderr
    return out.stdout


def csv_rows(text: str):
    return list(csv.DictReader(io.StringIO(text)))


def cell(value) -> str:
    """A table cell as the CSV writes it (booleans lower case, missing values empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_shipped_scenario_equals_the_command_line_cell_for_cell(path):
    expected = csv_rows(cli("solve", str(path), "--format", "csv"))
    sol = spreiding.solve(path)
    table = sol.municipalities
    assert table.column_names == list(expected[0].keys())
    assert table.num_rows == len(expected)
    got = table.to_pylist()
    for row, want in zip(got, expected):
        for column, text in want.items():
            value = row[column]
            if isinstance(value, float):
                assert value == float(text), (row["code"], column)
            else:
                assert cell(value) == text, (row["code"], column)
    # The report is the command line's JSON report.
    assert sol.report == json.loads(cli("solve", str(path), "--format", "json"))
    # Types: whole numbers as integers, booleans, categories as dictionaries.
    schema = table.schema
    assert schema.field("obligation").type == pa.uint32()
    assert schema.field("eligible").type == pa.bool_()
    assert pa.types.is_dictionary(schema.field("reason").type)
    assert pa.types.is_dictionary(schema.field("province").type)


def scenario_dict(path: Path) -> dict:
    """A scenario file as a dict, its relative paths made absolute (they are resolved against
    the working folder for a dict)."""
    with open(path, "rb") as f:
        d = tomllib.load(f)
    for key in ("dataset", "extends"):
        if key in d:
            d[key] = str((path.parent / d[key]).resolve())
    return d


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_dict_scenario_equals_its_toml_file(path):
    d = scenario_dict(path)
    d.setdefault("name", path.stem)
    from_dict = spreiding.solve(d)
    from_file = spreiding.solve(path)
    assert from_dict.report == from_file.report
    assert from_dict.municipalities.equals(from_file.municipalities)
    # And as a TOML text.
    text = (
        path.read_text()
        .replace('dataset = "../../data/', f'dataset = "{(ROOT / "data").as_posix()}/')
        .replace('extends = "', f'extends = "{path.parent.as_posix()}/')
    )
    assert spreiding.solve(text).report["municipalities"] == from_file.report["municipalities"]


def test_a_dataset_object_stands_for_the_folder():
    ds = spreiding.load_dataset(ROOT / "data" / "nl-2024")
    assert ds.municipalities.num_rows == 342
    assert ds.provinces.num_rows == 12
    assert sum(ds.provinces.column("target_regular").to_pylist()) + sum(
        ds.provinces.column("target_amv").to_pylist()
    ) == ds.cycle["national_total"]
    base = spreiding.solve("scenarios/2024-2026/rest-indicative.toml")
    assert spreiding.solve("scenarios/2024-2026/rest-indicative.toml", dataset=ds).report == base.report
    # A dict that names no data set, given one beside it.
    d = {"name": "rest-indicative", "counting": {"require_bridging": True}}
    assert spreiding.solve(d, dataset=ds).report["municipalities"] == base.report["municipalities"]
    # The data set's columns are its files'.
    with open(ROOT / "data" / "nl-2024" / "municipalities.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    got = ds.municipalities.to_pylist()
    for row, want in zip(got, rows):
        for column in ("code", "name", "province", "population", "indicative_regular", "indicative_amv", "corop"):
            assert cell(row[column]) == want[column], (want["code"], column)


@pytest.mark.parametrize(
    "municipality, commodity, what_if",
    [("Utrecht", "regular", False), ("GM0014", "amv", False), ("Breda", "regular", True)],
)
def test_explain_text_is_the_command_lines(municipality, commodity, what_if):
    s = "scenarios/2024-2026/rest-indicative.toml"
    args = ["explain", s, "--municipality", municipality, "--commodity", commodity]
    if what_if:
        args.append("--what-if")
    e = spreiding.explain(s, municipality, commodity=commodity, what_if=what_if)
    assert e.text == cli(*args)
    assert e.data == json.loads(cli(*args, "--format", "json"))
    assert ("what_if" in e.data) == what_if


def test_what_if_and_objection_are_the_command_lines():
    s = "scenarios/2024-2026/rest-indicative.toml"
    assert spreiding.what_if(s, province="PV26") == json.loads(
        cli("what-if", s, "--province", "PV26", "--format", "json")
    )
    claim = "scenarios/2024-2026/claims/ede-maximum-apeldoorn.claim.toml"
    o = spreiding.objection(s, claim)
    assert o.text == cli("objection", s, "--claim", claim)
    assert o.data == json.loads(cli("objection", s, "--claim", claim, "--format", "json"))
    # The same claim as a dict.
    with open(ROOT / claim, "rb") as f:
        d = tomllib.load(f)
    from_dict = spreiding.objection(s, [d]).data
    # The same numbers; the claim is named `claims[0]` and its lines are not the file's.
    numbers = lambda outcome: {k: v for k, v in outcome.items() if k not in ("claims", "corrections")}
    assert numbers(from_dict["claims"][0]["outcome"]) == numbers(o.data["claims"][0]["outcome"])
    assert from_dict["claims"][0]["outcome"]["corrections"][0]["origin"]["source"] == "claims[0]"


def read_jsonl(folder: Path):
    records = {}
    for f in sorted((folder / "results").glob("*.jsonl")):
        lines = f.read_text().splitlines()
        header = json.loads(lines[0])
        for line in lines[1:]:
            r = json.loads(line)
            records[r["id"]] = r
    return header, records


def test_a_1000_draw_sweep_equals_the_json_lines_run_number_for_number(tmp_path):
    sweep = "scenarios/2024-2026/sweeps/sensitivity.toml"
    cli("run", sweep, "--format", "jsonl", "--out", str(tmp_path / "jsonl"))
    header, records = read_jsonl(tmp_path / "jsonl")
    assert len(records) == 1000
    r = spreiding.run(sweep, jobs=2)
    assert len(r) == 1000
    m = r.municipalities
    assert m.num_rows == 1000 * 684
    ids = m.column("scenario").to_pylist()
    counted = m.column("counted").to_pylist()
    allocated = m.column("allocated").to_pylist()
    codes = m.column("municipality").to_pylist()
    n = 684
    for s in range(1000):
        rec = records[ids[s * n]]
        assert ids[s * n : (s + 1) * n] == [rec["id"]] * n
        assert counted[s * n : (s + 1) * n] == rec["counted"]
        assert allocated[s * n : (s + 1) * n] == rec["allocated"]
    assert codes[:4] == [header["municipalities"][0]["code"]] * 2 + [header["municipalities"][1]["code"]] * 2
    # Provinces and scenarios too.
    p = r.provinces.to_pylist()
    for row in p[:48]:
        rec = records[row["scenario"]]
        prov = next(x for x in rec["provinces"] if x["code"] == row["province"] and x["commodity"] == row["commodity"])
        assert (row["shortfall"], row["allocated"], row["missing"]) == (prov["shortfall"], prov["allocated"], prov["missing"])
    scen = r.scenarios.to_pylist()
    assert [x["scenario"] for x in scen] == sorted(records)
    assert all(x["outcome"] == records[x["scenario"]]["outcome"] for x in scen)
    assert [x["draw"] for x in scen] == list(range(1000))


def test_run_tables_have_the_parquet_columns_and_values(tmp_path):
    sweep = "scenarios/2026-2028/sweeps/counting.toml"
    cli("run", sweep, "--format", "parquet", "--out", str(tmp_path / "pq"))
    r = spreiding.run(sweep)
    for table in ("municipalities", "provinces", "scenarios"):
        expected = pq.read_table(tmp_path / "pq" / "results" / table)
        got = getattr(r, table)
        assert got.column_names == expected.column_names, table
        # The Parquet files go municipality by municipality (it compresses best); the tables
        # scenario by scenario: the same rows.
        keys = [k for k in ("scenario", "province", "municipality", "commodity") if k in got.column_names]
        order = [(k, "ascending") for k in keys]
        plain = lambda t: pa.table({c: t.column(c).cast(pa.string()) if pa.types.is_dictionary(t.column(c).type) else t.column(c) for c in t.column_names})
        assert plain(got).sort_by(order).to_pylist() == plain(expected).sort_by(order).to_pylist(), table


def test_compare_equals_the_command_lines(tmp_path):
    sweep = "scenarios/2024-2026/sweeps/weights.toml"
    cli("run", sweep, "--format", "jsonl", "--out", str(tmp_path / "w"))
    r = spreiding.run(sweep)
    c = r.compare()
    expected = csv_rows(cli("compare", str(tmp_path / "w"), "--format", "csv"))
    got = c.municipalities.to_pylist()
    assert c.municipalities.column_names == list(expected[0].keys())
    for row, want in zip(got, expected):
        for column, text in want.items():
            value = row[column]
            if isinstance(value, float):
                assert value == pytest.approx(float(text), abs=1e-9), (row["code"], column)
            else:
                assert cell(value) == text, (row["code"], column)
    metrics = csv_rows(cli("compare", str(tmp_path / "w"), "--metrics", "--format", "csv"))
    assert [m["id"] for m in metrics] == c.metrics.column("id").to_pylist()
    assert [int(m["total_allocated"]) for m in metrics] == c.metrics.column("total_allocated").to_pylist()
    with pytest.raises(spreiding.InputError) as e:
        r.compare(baseline="no-such-id")
    assert "no-such-id" in str(e.value)


def test_bad_input_raises_input_error_naming_the_field(tmp_path):
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve({"dataset": "data/nl-2024", "allocation": {"weights": {"effort": -1}}})
    assert isinstance(e.value, ValueError)
    [p] = e.value.problems
    assert p["field"] == "allocation.weights.effort" and p["source"] == "<dict>" and p["line"] is None
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve({"dataset": "data/nl-2024", "allocaton": {}})
    assert "allocaton" in str(e.value)
    bad = tmp_path / "bad.toml"
    bad.write_text(f'dataset = "{ROOT / "data" / "nl-2024"}"\n[allocation]\nmode = "lvl"\n')
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve(bad)
    [p] = e.value.problems
    assert (p["source"], p["line"], p["field"]) == (str(bad), 3, "allocation.mode")
    assert "rest" in p["message"] and "level" in p["message"]
    # The same problems the command line prints.
    out = subprocess.run([BIN, "validate", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    assert p["message"] in out.stderr
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve("scenarios/2024-2026/no-such.toml")
    assert "no-such.toml" in e.value.problems[0]["source"]
    with pytest.raises(spreiding.InputError) as e:
        spreiding.explain("scenarios/2024-2026/rest-indicative.toml", "Atlantis")
    assert "Atlantis" in str(e.value)
    with pytest.raises(spreiding.InputError) as e:
        spreiding.run("scenarios/2024-2026/sweeps/sensitivity.toml", max_scenarios=10)
    assert e.value.problems[0]["field"] == "max_scenarios"
    with pytest.raises(spreiding.InputError):
        spreiding.load_dataset(tmp_path)
    with pytest.raises(TypeError):
        spreiding.solve(42)
    with pytest.raises(TypeError):
        spreiding.solve({"dataset": "data/nl-2024", "name": None})
    with pytest.raises(ValueError):
        spreiding.explain("scenarios/2024-2026/rest-indicative.toml", "Utrecht", commodity="amvx")


def test_a_panic_never_reaches_python_as_one():
    with pytest.raises(RuntimeError) as e:
        spreiding._native.internal_panic_for_tests()
    assert "spreiding.internal_panic_for_tests failed" in str(e.value)


def test_the_gil_is_released_while_solving():
    # The worker says it is about to enter the native solve, then stays inside it for the
    # whole sweep. The main thread counts from that moment until the worker is done: with the
    # GIL held by the solve it could not run at all until the solve returned (a handful of
    # ticks); released, it counts all along (millions).
    plan = spreiding._native.run(["scenarios/2024-2026/sweeps/sensitivity.toml"], None, None)
    started, done = threading.Event(), threading.Event()
    result = {}

    def work():
        started.set()
        result["tables"] = plan.solve(0, plan.total, 1)
        done.set()

    # A long switch interval: a thread holding the GIL keeps it (up to a second) instead of
    # handing it over every 5 ms, so only a released GIL lets the main thread count.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        t = threading.Thread(target=work)
        t.start()
        started.wait()
        ticks = 0
        while not done.is_set():
            ticks += 1
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(result["tables"]) == 3
    assert ticks > 10_000, ticks


def test_to_pandas_and_polars_keep_the_types():
    sol = spreiding.solve("scenarios/2024-2026/rest-indicative.toml")
    pd = pytest.importorskip("pandas")
    df = sol.to_pandas()
    assert isinstance(df["reason"].dtype, pd.CategoricalDtype)
    assert str(df["obligation"].dtype) == "uint32"
    assert df["eligible"].dtype == bool
    pl = pytest.importorskip("polars")
    p = sol.to_polars("provinces")
    assert p.height == 24 and p["target"].dtype == pl.UInt32


def test_help_reads_well():
    for name in spreiding.__all__:
        obj = getattr(spreiding, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name
    assert "scenario" in spreiding.solve.__doc__ and "InputError" in spreiding.solve.__doc__


def test_a_run_over_both_cycles_and_dict_sweeps():
    r = spreiding.run(
        [
            "scenarios/2024-2026/rest-indicative.toml",
            "scenarios/2026-2028/rest-indicative.toml",
            {
                "sweep": {
                    "name": "mode",
                    "base": str(ROOT / "scenarios" / "2024-2026" / "rest-indicative.toml"),
                    "grid": [{"parameter": "allocation.mode", "values": ["rest", "level"]}],
                }
            },
        ],
        jobs=2,
    )
    assert len(r) == 4
    df = r.to_pandas()  # categories are unique, also across data sets
    assert df["scenario"].nunique() == 3  # both single scenarios are named rest-indicative
    assert list(r.scenarios.column("allocation.mode").to_pylist()) == [None, None, "rest", "level"]
    for path, first in (("scenarios/2024-2026/rest-indicative.toml", 0), ("scenarios/2026-2028/rest-indicative.toml", 684)):
        want = spreiding.solve(path).municipalities.column("obligation").to_pylist()
        assert r.municipalities.column("obligation").to_pylist()[first : first + 684] == want
    with pytest.raises(spreiding.InputError) as e:
        spreiding.run({"sweep": {"name": "x", "base": "no-such.toml", "grid": []}})
    assert e.value.problems


def test_hostile_inputs_are_refused_with_a_message(tmp_path):
    base = {"dataset": "data/nl-2024"}
    # A dict that contains itself, and one nested too deep: refused, not a crash.
    loop = dict(base)
    loop["allocation"] = loop
    with pytest.raises(TypeError) as e:
        spreiding.solve(loop)
    assert "deeper than" in str(e.value)
    deep = dict(base)
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(TypeError):
        spreiding.solve(deep)
    # A whole number beyond 64 bits, NaN as a weight.
    with pytest.raises(TypeError):
        spreiding.solve({**base, "counting": {"min_years": 2**70}})
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve({**base, "allocation": {"weights": {"effort": float("nan")}}})
    assert e.value.problems[0]["field"] == "allocation.weights.effort"
    # Not a regular file: a FIFO (must not block), a device, a folder.
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path):
        with pytest.raises(spreiding.InputError) as e:
            spreiding.solve(path)
        assert str(path) in e.value.problems[0]["source"], e.value.problems
    # A run larger than memory should hold is refused before anything is solved.
    huge = {
        "sweep": {
            "name": "huge",
            "base": str(ROOT / "scenarios" / "2024-2026" / "rest-indicative.toml"),
            "random": {"draws": 10_000_000, "seed": 1, "location_places": 0.1},
        }
    }
    with pytest.raises(spreiding.InputError) as e:
        spreiding.run(huge)
    assert e.value.problems[0]["field"] == "max_scenarios"
    assert "10000000" in str(e.value)


def test_a_one_line_toml_text_and_the_nesting_bound():
    # A string that names no file and holds `=` is a TOML text, also on one line.
    one_line = f'dataset = "{ROOT / "data" / "nl-2024"}"'
    assert spreiding.solve(one_line).report["scenario"] == "<string>"
    # Nesting: 16 levels below the top are converted (then refused as unknown keys, by field),
    # 17 are refused as too deep before anything else.
    def nested(levels):
        d = {"dataset": "data/nl-2024"}
        node = d
        for i in range(levels):
            node[f"k{i}"] = {}
            node = node[f"k{i}"]
        return d

    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve(nested(16))
    assert "k0" in str(e.value)
    with pytest.raises(TypeError) as e:
        spreiding.solve(nested(17))
    assert "deeper than 16" in str(e.value)


def test_dates_in_a_dict_as_dates_or_iso_strings():
    import datetime

    base = {"dataset": "data/nl-2024", "name": "d"}
    as_date = spreiding.solve({**base, "counting": {"counting_date": datetime.date(2025, 6, 1), "available_until": datetime.date(2026, 3, 1)}})
    as_text = spreiding.solve({**base, "counting": {"counting_date": "2025-06-01", "available_until": "2026-03-01"}})
    assert as_date.report == as_text.report
    assert as_date.report["counting_date"] == "2025-06-01"
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve({**base, "counting": {"available_until": "soon"}})
    assert e.value.problems[0]["field"] == "counting.available_until"


def test_a_folder_runs_its_scenarios_and_sweeps_but_not_claims():
    with pytest.raises(spreiding.InputError) as e:
        spreiding.run("scenarios/2024-2026/claims")
    assert "holds no scenario" in str(e.value)
    r = spreiding.run("scenarios/2026-2028", jobs=2)
    singles = {p.stem for p in (ROOT / "scenarios" / "2026-2028").glob("*.toml")}
    ids = set(r.scenarios.column("scenario").to_pylist())
    assert singles <= ids
    assert any(i.startswith("above-task/") for i in ids)
    # Lists count towards the nesting bound too.
    value = 1
    for _ in range(20):
        value = [value]
    with pytest.raises(TypeError):
        spreiding.solve({"dataset": "data/nl-2024", "x": value})


def test_dataset_names_its_folder_and_label():
    folder = ROOT / "data" / "nl-2024"
    ds = spreiding.load_dataset(folder)
    assert ds.path == str(folder)
    # The label is the folder as given (result files name the data set by it).
    assert ds.label == str(folder)
    assert spreiding.load_dataset("data/nl-2026").label == "data/nl-2026"


def test_a_dict_that_extends_a_file_and_sets_a_minimum_size():
    # The shipped minimum-25 extends rest-indicative; the same as a dict with `extends`.
    d = {
        "name": "minimum-25",
        "extends": str(ROOT / "scenarios" / "2024-2026" / "rest-indicative.toml"),
        "constraints": {"min_allocation_regular": 25, "min_allocation_amv": 5},
    }
    got = spreiding.solve(d)
    want = spreiding.solve("scenarios/2024-2026/minimum-25.toml")
    assert got.report == want.report
    # The minimum's columns, typed, next to the command line's.
    table = got.municipalities
    assert table.column_names[-2:] == ["without_minimum", "minimum_change"]
    assert table.schema.field("without_minimum").type == pa.uint32()
    assert pa.types.is_dictionary(table.schema.field("minimum_change").type)
    rows = csv_rows(cli("solve", "scenarios/2024-2026/minimum-25.toml", "--format", "csv"))
    assert [cell(v) for v in table.column("minimum_change").to_pylist()] == [r["minimum_change"] for r in rows]
    provinces = got.provinces
    assert "minimum_outcome" in provinces.column_names
    outcomes = provinces.column("minimum_outcome").to_pylist()
    statuses = provinces.column("status").to_pylist()
    assert [o is None for o in outcomes] == [s == "closes" for s in statuses]
    # A scenario that names no data set and gets none beside it is refused by field.
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve({"name": "no-data"})
    assert any(p["field"] == "dataset" for p in e.value.problems), e.value.problems


def test_lists_count_in_the_nesting_bound():
    def nested_lists(levels):
        v = 1
        for _ in range(levels):
            v = [v]
        return {"dataset": "data/nl-2024", "k": v}

    with pytest.raises(TypeError) as e:
        spreiding.solve(nested_lists(17))
    assert "deeper than 16" in str(e.value)
    with pytest.raises(spreiding.InputError):
        spreiding.solve(nested_lists(15))


def test_a_run_places_each_scenario_of_several_units_and_marks_infeasible_ones():
    r = spreiding.run(
        [
            "scenarios/2024-2026/rest-indicative.toml",
            {
                "sweep": {
                    "name": "effort",
                    "base": str(ROOT / "scenarios" / "2024-2026" / "rest-indicative.toml"),
                    "grid": [{"parameter": "allocation.weights.effort", "values": [0.0, 0.5, 1.0]}],
                }
            },
            {
                "name": "amv-500",
                "extends": str(ROOT / "scenarios" / "2024-2026" / "rest-indicative.toml"),
                "constraints": {"min_allocation_amv": 500},
            },
        ],
        jobs=2,
    )
    s = r.scenarios
    assert s.column("allocation.weights.effort").to_pylist() == [None, 0.0, 0.5, 1.0, None]
    outcomes = s.column("outcome").to_pylist()
    assert outcomes == ["ok", "ok", "ok", "ok", "infeasible"], outcomes


def test_a_time_of_day_is_not_a_date_and_a_cycle_starts_at_the_given_file(tmp_path):
    import datetime

    # A time of day has `isoformat` but no year: refused as a type, not read as a TOML time.
    with pytest.raises(TypeError) as e:
        spreiding.solve({"dataset": "data/nl-2024", "counting": {"counting_date": datetime.time(12, 30)}})
    assert "`counting.counting_date`" in str(e.value) and "time" in str(e.value)
    # An extends cycle names the chain from the file given.
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('extends = "b.toml"\n')
    b.write_text('extends = "a.toml"\n')
    with pytest.raises(spreiding.InputError) as e:
        spreiding.solve(a)
    message = e.value.problems[0]["message"]
    assert message.startswith(f"extends makes a cycle: {a.resolve()} -> {b.resolve()} -> {a.resolve()}"), message
