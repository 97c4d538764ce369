#!/usr/bin/env python3
"""Peer comparison: spreiding against the same whole-country allocation written the way a
modeller would, in Python with PuLP and HiGHS, on the same data, side by side.

    pip install pulp highspy
    cargo build --release
    python3 peer/pulp_compare.py                      # rest-indicative and level, 5 repeats

The Python model implements MODEL.md for scenarios without constraint families: counting
rules, eligibility, relative effort, the three-component key, and the leximin allocation by
progressive filling (one PuLP LP per round: max t with x_m >= a_m t - b_m, sum x = S,
0 <= x <= U; members whose level row has a non-zero dual, or whose cap binds at t, are fixed).
It checks that both give the same real-valued allocation (to 1e-5 places) and prints the times
and the ratio: per whole-country scenario inside a batch (`spreiding run` of the 1,000-draw
sensitivity sweep on one thread), and per process (`spreiding solve`, loading included).
Not run in CI.
"""

import argparse
import csv
import json
import math
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

import pulp

ROOT = pathlib.Path(__file__).resolve().parent.parent


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_dataset(root):
    root = pathlib.Path(root)
    with open(root / "cycle.toml", "rb") as f:
        cycle = tomllib.load(f)
    provinces = {r["code"]: r for r in read_csv(root / "provinces.csv")}
    municipalities = read_csv(root / "municipalities.csv")
    locations = read_csv(root / "illustrative" / "locations.csv")
    effort = {}
    for r in read_csv(root / "illustrative" / "effort.csv"):
        effort[r["municipality"]] = effort.get(r["municipality"], 0.0) + float(r["avg_occupied_places"])
    feasibility = {r["municipality"]: r for r in read_csv(root / "illustrative" / "feasibility.csv")}
    excluded = {r["municipality"] for r in read_csv(root / "illustrative" / "exclusions.csv")}
    return cycle, provinces, municipalities, locations, effort, feasibility, excluded


def load_scenario(path):
    path = pathlib.Path(path)
    with open(path, "rb") as f:
        s = tomllib.load(f)
    if "extends" in s or s.get("constraints") or s.get("overrides"):
        sys.exit(f"{path}: this script models plain scenarios (no extends, constraints or overrides)")
    return s, (path.parent / s["dataset"]).resolve()


def counts(loc, counting_date, end, intentions, bridging_rule):
    if loc["status"] == "intention" and not intentions:
        return False
    if loc["closes"] and loc["closes"] < end:
        return False
    if loc["opens"] <= counting_date:
        return True
    if loc["opens"] >= end:
        return False
    return (not bridging_rule) or loc["bridging"] == "true"


def fill(members, shortfall):
    """Leximin of the levels (x + b) / a by progressive filling, one PuLP LP per round."""
    n = len(members)
    if shortfall <= 0 or n == 0:
        return [0.0] * n
    target = min(shortfall, sum(m["cap"] for m in members))
    tol = 1e-9 * (1 + target)
    fixed = [None] * n
    while any(v is None for v in fixed):
        free = [i for i in range(n) if fixed[i] is None]
        rem = target - sum(v for v in fixed if v is not None)
        if rem <= tol:
            for i in free:
                fixed[i] = 0.0
            break
        if rem >= sum(members[i]["cap"] for i in free) - tol:
            for i in free:
                fixed[i] = members[i]["cap"]
            break
        prob = pulp.LpProblem("round", pulp.LpMaximize)
        t = pulp.LpVariable("t")
        x = [
            pulp.LpVariable(f"x{i}", 0, None if math.isinf(m["cap"]) else m["cap"])
            for i, m in enumerate(members)
        ]
        prob += t
        prob += pulp.lpSum(x) == target
        rows = {}
        for i, m in enumerate(members):
            if fixed[i] is None:
                rows[i] = x[i] - m["a"] * t >= -m["b"]
                prob += rows[i], f"level{i}"
            else:
                prob += x[i] == fixed[i]
        prob.solve(pulp.HiGHS(msg=False))
        level = t.value()
        free_a = sum(members[i]["a"] for i in free)
        progressed = False
        for i in free:
            m = members[i]
            cap_level = (m["cap"] + m["b"]) / m["a"]
            if abs(rows[i].pi or 0.0) * free_a > 1e-9 or cap_level <= level + tol:
                fixed[i] = min(max(level * m["a"] - m["b"], 0.0), m["cap"])
                progressed = True
        if not progressed:
            sys.exit("progressive filling made no progress")
    return fixed


def solve_country(data, scenario):
    cycle, provinces, municipalities, locations, effort, feasibility, excluded = data
    counting = scenario.get("counting", {})
    alloc = scenario.get("allocation", {})
    w = {"indicative": 1.0, "effort": 0.0, "feasibility": 0.0, **alloc.get("weights", {})}
    wsum = w["indicative"] + w["effort"] + w["feasibility"]
    mode = alloc.get("mode", "rest")
    below = alloc.get("eligibility", "below-indicative") == "below-indicative"
    caps_on = alloc.get("caps", True)
    counting_date = str(counting.get("counting_date", cycle["counting_date"]))
    end = str(cycle["end"])
    commodities = ("regular", "amv")
    counted = {(m["code"], c): 0 for m in municipalities for c in commodities}
    for loc in locations:
        if counts(loc, counting_date, end, counting.get("count_intentions", False), counting.get("require_bridging", True)):
            for c in commodities:
                counted[(loc["municipality"], c)] += int(loc[f"places_{c}"])
    population = sum(int(m["population"]) for m in municipalities)
    national = sum(effort.values()) / population
    result = {}
    for p, prov in provinces.items():
        ms = [m for m in municipalities if m["province"] == p]
        for c in commodities:
            target = int(prov[f"target_{c}"])
            shortfall = max(0, target - sum(counted[(m["code"], c)] for m in ms))
            eligible = [
                m for m in ms
                if m["code"] not in excluded and not (below and counted[(m["code"], c)] >= int(m[f"indicative_{c}"]))
            ]
            ind = {m["code"]: float(m[f"indicative_{c}"]) for m in eligible}
            r = {m["code"]: (effort.get(m["code"], 0.0) / int(m["population"])) / national for m in eligible}
            eff = {k: ind[k] / (1 + r[k]) for k in ind}
            cap = {m["code"]: float(feasibility[m["code"]][f"max_additional_{c}"]) for m in eligible}
            fea = {m["code"]: cap[m["code"]] * float(feasibility[m["code"]]["score"]) for m in eligible}
            sums = (sum(ind.values()), sum(eff.values()), sum(fea.values()))

            def share(v, s):
                return v / s if s > 0 else 0.0

            members, codes = [], []
            for m in eligible:
                k = m["code"]
                key = (
                    w["indicative"] * share(ind[k], sums[0])
                    + w["effort"] * share(eff[k], sums[1])
                    + w["feasibility"] * share(fea[k], sums[2])
                ) / wsum
                if key <= 0:
                    continue
                a, b = (key, 0.0) if mode == "rest" else (key * target, float(counted[(k, c)]))
                members.append({"a": a, "b": b, "cap": cap[k] if caps_on else math.inf})
                codes.append(k)
            for k, x in zip(codes, fill(members, float(shortfall))):
                result[(k, c)] = x
    return result


def median_time(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=[
        str(ROOT / "scenarios/2024-2026/rest-indicative.toml"),
        str(ROOT / "scenarios/2024-2026/level.toml"),
    ])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--binary", default=str(ROOT / "target/release/spreiding"))
    args = ap.parse_args()

    # spreiding per scenario inside a batch: 1,000 whole-country draws on one thread.
    with tempfile.TemporaryDirectory() as out:
        sweep = ROOT / "scenarios/2024-2026/sweeps/sensitivity.toml"
        batch, _ = median_time(
            lambda: subprocess.run([args.binary, "run", str(sweep), "--jobs", "1", "--out", out + "/r"],
                                   check=True, capture_output=True),
            3,
        )
    per_draw = batch / 1000

    print(f"{'scenario':<18} {'PuLP+HiGHS':>11} {'spreiding solve':>16} {'spreiding in batch':>19} {'ratio (process)':>16} {'ratio (batch)':>14} {'max |diff|':>11}")
    for path in args.scenarios:
        scenario, dataset = load_scenario(path)
        data = load_dataset(dataset)
        pulp_time, pulp_x = median_time(lambda: solve_country(data, scenario), args.repeats)
        proc_time, proc = median_time(
            lambda: subprocess.run([args.binary, "solve", path, "--format", "json"], check=False, capture_output=True),
            args.repeats,
        )
        report = json.loads(proc.stdout)
        ours = {(m["code"], m["commodity"]): m["exact"] for m in report["municipalities"]}
        diff = max(abs(ours.get(k, 0.0) - v) for k, v in pulp_x.items()) if pulp_x else 0.0
        print(
            f"{scenario['name']:<18} {pulp_time * 1e3:>9.1f}ms {proc_time * 1e3:>14.1f}ms {per_draw * 1e3:>17.3f}ms"
            f" {pulp_time / proc_time:>15.1f}x {pulp_time / per_draw:>13.0f}x {diff:>11.2e}"
        )
        if diff > 1e-5:
            sys.exit(f"{scenario['name']}: the allocations differ by {diff}")


if __name__ == "__main__":
    main()
