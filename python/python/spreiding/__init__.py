"""spreiding for notebooks: allocation of asylum reception places under the Spreidingswet.

Scenarios in (a path, a TOML text, or a dict with the structure of a scenario file), results
out as pyarrow Tables, with the Dutch explanation of every number. The same core as the
``spreiding`` command line, called in-process: no subprocess, no JSON round trip, the GIL
released while solving.

>>> import spreiding
>>> sol = spreiding.solve("scenarios/2024-2026/rest-indicative.toml")
>>> sol.municipalities.num_rows
684
>>> df = sol.to_pandas()                      # needs pandas
>>> e = spreiding.explain("scenarios/2024-2026/rest-indicative.toml", "Utrecht")
>>> print(e.text)                             # the Dutch motivation, as `spreiding explain` prints it

Bad input raises :class:`InputError` (a ``ValueError``) whose ``problems`` name the source,
line and field (for a dict, the dotted key path) and say what would be valid.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import pyarrow as pa

from . import _native
from ._native import InputError

__all__ = [
    "Dataset",
    "Explanation",
    "InputError",
    "Objection",
    "RunResult",
    "Solution",
    "Comparison",
    "explain",
    "load_dataset",
    "objection",
    "run",
    "solve",
    "what_if",
    "__version__",
]

__version__: str = _native.__version__

#: A scenario: a path to a scenario file, the TOML text of one, or a dict with the structure of
#: a scenario file (``extends`` and ``dataset`` resolved against the working folder; ``dataset``
#: may be a :class:`Dataset`).
ScenarioLike = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _table(ipc: bytes) -> pa.Table:
    return pa.ipc.open_stream(ipc).read_all()


def _scenario(scenario: ScenarioLike, dataset: Optional[Union["Dataset", str, "os.PathLike[str]"]]):
    """The scenario as the native layer takes it, and the native data set handed in beside it."""
    if isinstance(scenario, Mapping):
        scenario = dict(scenario)
        if isinstance(scenario.get("dataset"), Dataset):
            ds = scenario.pop("dataset")
            if dataset is None:
                dataset = ds
    elif not isinstance(scenario, (str, os.PathLike)):
        raise TypeError(
            f"a scenario is a path, a TOML text or a dict; got {type(scenario).__name__}"
        )
    if dataset is not None and not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    return scenario, (dataset._native if dataset is not None else None)


class Dataset:
    """A validated data set folder (``data/nl-2024``): its cycle and its tables.

    Pass it as ``dataset=`` to :func:`solve`, :func:`explain` or :func:`run` (or as the
    ``dataset`` of a dict scenario) to solve many scenarios on it without reading it again.
    """

    def __init__(self, native: "_native.NativeDataset") -> None:
        self._native = native
        self._tables: Optional[tuple] = None

    @property
    def path(self) -> str:
        """The folder it was read from."""
        return self._native.path

    @property
    def label(self) -> str:
        """Its label, as result files name the data set: the folder as it was given."""
        return self._native.label

    @property
    def cycle(self) -> Dict[str, Any]:
        """The cycle (``cycle.toml``): id, totals, dates, counting and indicative rules."""
        return json.loads(self._native.cycle_json())

    def _load(self) -> tuple:
        if self._tables is None:
            self._tables = tuple(_table(b) for b in self._native.tables())
        return self._tables

    @property
    def municipalities(self) -> pa.Table:
        """One row per municipality: the columns of ``municipalities.csv`` (code, name, province,
        population, welvaart_proxy, indicative_regular, indicative_amv, indicative_source, corop),
        then effort_places and effort_years (the effort years' sum), the feasibility columns
        (max_additional_regular, max_additional_amv, score, reason) and excluded (the reason, or
        null)."""
        return self._load()[0]

    @property
    def provinces(self) -> pa.Table:
        """One row per province: code, name, target_regular, target_amv, offered_2024_11."""
        return self._load()[1]

    @property
    def locations(self) -> pa.Table:
        """One row per location share: the columns of ``locations.csv``, dates as dates."""
        return self._load()[2]

    def __repr__(self) -> str:
        return f"<spreiding.Dataset {self.label!r} ({self.path})>"


def load_dataset(path: Union[str, "os.PathLike[str]"]) -> Dataset:
    """Reads and validates a data set folder (``cycle.toml``, ``provinces.csv``,
    ``municipalities.csv`` and the ``illustrative/`` tables).

    Raises :class:`InputError` naming file, line and field of every problem.
    """
    return Dataset(_native.load_dataset(os.fspath(path)))


class Solution:
    """A solved scenario.

    ``municipalities``: one row per municipality and commodity with the columns of
    ``spreiding solve --format csv`` (typed: whole numbers as integers, ``eligible`` boolean,
    categories as dictionary columns); ``provinces``: the JSON report's provinces; ``report``:
    the JSON report as a dict.
    """

    def __init__(self, report: str, municipalities: bytes, provinces: bytes) -> None:
        self._report_text = report
        self.municipalities: pa.Table = _table(municipalities)
        self.provinces: pa.Table = _table(provinces)
        self._report: Optional[Dict[str, Any]] = None

    @property
    def report(self) -> Dict[str, Any]:
        """The JSON report (``spreiding solve --format json``) as a dict."""
        if self._report is None:
            self._report = json.loads(self._report_text)
        return self._report

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.report["scenario"]

    @property
    def infeasible(self) -> bool:
        """True when some province's caps cannot take its whole shortfall."""
        return any(p["status"] == "infeasible" for p in self.report["provinces"])

    def to_pandas(self, table: str = "municipalities"):
        """The municipalities (or ``table="provinces"``) as a pandas DataFrame (categories as
        Categorical). Needs pandas."""
        return _pick(self, table).to_pandas()

    def to_polars(self, table: str = "municipalities"):
        """The municipalities (or ``table="provinces"``) as a polars DataFrame. Needs polars."""
        import polars as pl

        return pl.from_arrow(_pick(self, table))

    def __repr__(self) -> str:
        return f"<spreiding.Solution {self.scenario!r}: {self.municipalities.num_rows} rows>"


def _pick(obj: Any, table: str) -> pa.Table:
    if table not in ("municipalities", "provinces", "scenarios", "metrics"):
        raise ValueError(f"table {table!r}: use 'municipalities' or 'provinces'")
    value = getattr(obj, table, None)
    if value is None:
        raise ValueError(f"table {table!r}: this object has no such table")
    return value


def solve(
    scenario: ScenarioLike,
    *,
    dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
) -> Solution:
    """Solves a scenario: the allocation of every province's shortfall.

    ``scenario`` is a path to a scenario file, the TOML text of one, or a dict with the same
    structure (``{"name": ..., "dataset": ..., "allocation": {"mode": "level"}}``;
    ``extends`` and ``dataset`` are resolved against the working folder). ``dataset`` (a
    :class:`Dataset` or a folder) replaces the data set the scenario names, and lets a scenario
    name none.

    An infeasible province (caps that cannot take the shortfall) is a result, not an error:
    see ``Solution.infeasible`` and the provinces' ``missing``. Raises :class:`InputError` for
    bad input.
    """
    given, native = _scenario(scenario, dataset)
    return Solution(*_native.solve(given, native))


class Explanation:
    """The explanation of one municipality's number: ``text`` (the Dutch motivation, as
    ``spreiding explain`` prints it) and ``data`` (the same as a dict: inputs, counting verdicts
    per location, key and components, the province's level, the reason and the rounding step;
    with ``what_if`` the counterfactuals)."""

    def __init__(self, text: str, data: str) -> None:
        self.text: str = text
        self._data = data

    @property
    def data(self) -> Dict[str, Any]:
        """The explanation as data (``spreiding explain --format json``)."""
        return json.loads(self._data)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return f"<spreiding.Explanation {first!r}>"


def explain(
    scenario: ScenarioLike,
    municipality: str,
    *,
    commodity: str = "regular",
    what_if: bool = False,
    dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
) -> Explanation:
    """Explains a municipality's number in a scenario, in Dutch and as data.

    ``municipality`` is a code (``"GM0344"``) or an exact name (``"Utrecht"``); ``commodity``
    ``"regular"`` or ``"amv"``; ``what_if=True`` adds the counterfactuals (what would have to be
    different for the number to change), each computed by solving the province again.
    """
    given, native = _scenario(scenario, dataset)
    return Explanation(*_native.explain(given, municipality, commodity, what_if, native))


def what_if(
    scenario: ScenarioLike,
    municipality: Optional[str] = None,
    *,
    province: Optional[str] = None,
    dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
) -> Any:
    """The counterfactuals as data: for one municipality a dict ``{"regular": ..., "amv": ...}``;
    without one, a list with every municipality and commodity (of ``province`` if given), as
    ``spreiding what-if --format json``."""
    given, native = _scenario(scenario, dataset)
    return json.loads(_native.what_if(given, municipality, province, native))


class Objection:
    """An objection replayed: ``text`` (the Dutch answer, as ``spreiding objection`` prints it)
    and ``data`` (per claim the corrections, the municipality's number before and after, and who
    absorbs the difference)."""

    def __init__(self, text: str, data: str) -> None:
        self.text: str = text
        self.data: Dict[str, Any] = json.loads(data)

    def __str__(self) -> str:
        return self.text


def objection(
    scenario: ScenarioLike,
    claims: Union[ScenarioLike, Sequence[ScenarioLike]],
    *,
    dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
) -> Objection:
    """Replays an objection: each claim (a claim file, its TOML text, or a dict with the claim
    file's structure) corrects the data, the province is solved again, and the answer says what
    changes for the objecting municipality and who absorbs the difference."""
    given, native = _scenario(scenario, dataset)
    if isinstance(claims, (str, os.PathLike, Mapping)):
        claims = [claims]
    return Objection(*_native.objection_replay(given, list(claims), native))


class Comparison:
    """The comparison of a run's scenarios (``spreiding compare``): ``municipalities`` (per
    municipality and commodity the baseline's allocation, each scenario's allocation and its
    difference, and for a sweep min/median/max), ``metrics`` (per scenario: total allocated,
    missing, receiving, at cap, deviations from the indicative share, Gini) and ``baseline`` (the
    id compared against)."""

    def __init__(self, municipalities: bytes, metrics: bytes, baseline: str) -> None:
        self.municipalities: pa.Table = _table(municipalities)
        self.metrics: pa.Table = _table(metrics)
        self.baseline: str = baseline

    def to_pandas(self, table: str = "municipalities"):
        """A table as a pandas DataFrame (``"municipalities"`` or ``"metrics"``)."""
        return _pick(self, table).to_pandas()


class RunResult:
    """Many scenarios solved: ``municipalities``, ``provinces`` and ``scenarios`` tables with the
    columns of ``spreiding run --format parquet`` (one row per scenario, municipality and
    commodity; per scenario, province and commodity; per scenario with its parameters)."""

    def __init__(self, native: "_native.NativeRun", tables: List[List[pa.Table]]) -> None:
        self._native = native
        self.municipalities: pa.Table = pa.concat_tables([t[0] for t in tables])
        self.provinces: pa.Table = pa.concat_tables([t[1] for t in tables])
        self.scenarios: pa.Table = pa.concat_tables([t[2] for t in tables])

    def compare(self, baseline: Optional[str] = None) -> Comparison:
        """Compares the scenarios against ``baseline`` (a scenario id; default the first solved
        one), as ``spreiding compare --baseline`` does."""
        return Comparison(*self._native.compare(baseline))

    def to_pandas(self, table: str = "municipalities"):
        """A table as a pandas DataFrame: ``"municipalities"``, ``"provinces"`` or
        ``"scenarios"``."""
        return _pick(self, table).to_pandas()

    def to_polars(self, table: str = "municipalities"):
        """A table as a polars DataFrame."""
        import polars as pl

        return pl.from_arrow(_pick(self, table))

    def __len__(self) -> int:
        return self.scenarios.num_rows

    def __repr__(self) -> str:
        return f"<spreiding.RunResult {len(self)} scenarios>"


def run(
    paths_or_sweep: Union[ScenarioLike, Sequence[ScenarioLike]],
    *,
    jobs: Optional[int] = None,
    max_scenarios: Optional[int] = None,
    progress: bool = False,
    dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
) -> RunResult:
    """Solves many scenarios in parallel (the GIL released): scenario files, folders of them
    (searched recursively, claim files left out), sweep files, TOML texts, or dicts (a dict with
    a ``sweep`` key is a sweep).

    ``jobs``: threads (default: the machine's cores). ``max_scenarios``: refuse inputs that hold
    more (an :class:`InputError` naming ``max_scenarios``); without it a run takes at most
    100,000 scenarios, because its tables live in memory (``spreiding run`` streams larger
    sweeps to files). ``progress``: a progress bar (tqdm
    when installed, else lines on standard error). The results stream into Arrow record batches,
    without temporary files.
    """
    if isinstance(paths_or_sweep, (str, os.PathLike, Mapping)):
        inputs: List[Any] = [paths_or_sweep]
    else:
        inputs = list(paths_or_sweep)
    native_dataset = None
    if dataset is not None:
        native_dataset = (dataset if isinstance(dataset, Dataset) else load_dataset(dataset))._native
    inputs = [_scenario(i, None)[0] for i in inputs]
    plan = _native.run(inputs, max_scenarios, native_dataset)
    threads = jobs if jobs is not None else (os.cpu_count() or 1)
    if threads < 1:
        raise ValueError(f"jobs = {threads}: give at least 1 thread")
    total = plan.total
    # Chunks of scenarios: progress between them, and a KeyboardInterrupt is honoured.
    step = max(1, total if not progress else max(threads * 8, total // 100))
    bar = _progress(total) if progress else None
    tables = []
    if total == 0:
        tables.append([_table(b) for b in plan.solve(0, 0, threads)])
    for start in range(0, total, step):
        end = min(total, start + step)
        tables.append([_table(b) for b in plan.solve(start, end, threads)])
        if bar is not None:
            bar(end - start)
    if bar is not None:
        bar(0, done=True)
    return RunResult(plan, tables)


def _progress(total: int):
    try:
        from tqdm.auto import tqdm  # type: ignore

        t = tqdm(total=total, unit="scenario")

        def update(n: int, done: bool = False) -> None:
            t.update(n)
            if done:
                t.close()

        return update
    except ImportError:
        seen = [0]

        def update(n: int, done: bool = False) -> None:
            seen[0] += n
            print(f"spreiding.run: {seen[0]}/{total} scenarios", file=sys.stderr)

        return update
