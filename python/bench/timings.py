"""Timings of the Python package (README, "The Python package"): `spreiding.solve` per call
(path only, and with a loaded Dataset) against the command line as a whole process and, when
PuLP is installed, against PuLP + HiGHS on the same scenario; a 1,000-draw sweep into pandas.

    python python/bench/timings.py [--repeats 5]

Run from the repository root after `pip install ./python` and `cargo build --release`.
Medians of the repeats; nothing is written to disk by the package (the sweep streams into
Arrow tables in memory).
"""

import argparse
import pathlib
import statistics
import subprocess
import sys
import time

import spreiding

SCENARIO = "scenarios/2024-2026/rest-indicative.toml"
SWEEP = "scenarios/2024-2026/sweeps/sensitivity.toml"


def median(f, repeats, inner=1):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            f()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--binary", default="target/release/spreiding")
    a = p.parse_args()
    ds = spreiding.load_dataset("data/nl-2024")
    rows = [
        ("spreiding.solve(path)", median(lambda: spreiding.solve(SCENARIO), a.repeats, 20)),
        ("spreiding.solve(path, dataset=ds)", median(lambda: spreiding.solve(SCENARIO, dataset=ds), a.repeats, 20)),
        (
            "spreiding solve (process, CSV)",
            median(
                lambda: subprocess.run([a.binary, "solve", SCENARIO, "--format", "csv"], check=False, capture_output=True),
                a.repeats,
                5,
            ),
        ),
    ]
    try:
        sys.path.insert(0, "peer")
        import pulp_compare

        scenario, folder = pulp_compare.load_scenario(pathlib.Path(SCENARIO))
        data = pulp_compare.load_dataset(folder)
        rows.append(("PuLP + HiGHS (model only)", median(lambda: pulp_compare.solve_country(data, scenario), a.repeats)))
    except ImportError:
        rows.append(("PuLP + HiGHS", float("nan")))
    for name, t in rows:
        print(f"{name:38} {t * 1000:9.2f} ms")
    sweep = median(lambda: spreiding.run(SWEEP).to_pandas(), a.repeats)
    print(f"{'1,000-draw sweep into pandas':38} {sweep:9.3f} s")
    native = median(lambda: spreiding.run(SWEEP), a.repeats)
    print(f"{'1,000-draw sweep (Arrow tables)':38} {native:9.3f} s")


if __name__ == "__main__":
    main()
