#!/usr/bin/env python3
"""Peer comparison: spreiding against the same whole-country allocation written the way a
modeller would, in Python with PuLP and HiGHS, on the same data, side by side.

    pip install pulp highspy
    cargo build --release
    python3 peer/pulp_compare.py                      # rest-indicative and level, 5 repeats
    python3 peer/pulp_compare.py --check [SCENARIO...] # CI: every shipped scenario, no timings

The Python model implements MODEL.md on its own: counting rules, eligibility, relative effort,
the three-component key, caps (and the maximum per 1,000 inhabitants), the allocation and the
rounding. The allocation of a province without coupling rows is MODEL.md's closed form
x_m = clamp(a_m t - b_m, 0, U_m) with t found by bisection (no LP); a province with COROP
rows (`corop_max_share`) is solved as the textbook leximin by progressive filling with PuLP:
per round max t, then for every member still free one LP that asks whether it can rise above
t while the others keep theirs; those that cannot are fixed. Rounding is largest remainder
with MODEL.md's tie-breaks. It checks that both give the same real-valued allocation (to 1e-5
places) and, with --check, the same whole places for every municipality, and prints the times
and the ratio: per whole-country scenario inside a batch (`spreiding run` of the 1,000-draw
sensitivity sweep on one thread), and per process (`spreiding solve`, loading included).
`--check` is run in CI by the test `peer::pulp_agrees_on_every_shipped_scenario`.
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


def merge(base, child):
    """A child's settings over its base's, table by table."""
    out = dict(base)
    for k, v in child.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_scenario(path):
    """A scenario after inheritance, and its data set folder (relative to the file naming it)."""
    path = pathlib.Path(path).resolve()
    with open(path, "rb") as f:
        s = tomllib.load(f)
    if s.get("overrides"):
        sys.exit(f"{path}: this script models scenarios without overrides")
    dataset = (path.parent / s["dataset"]).resolve() if "dataset" in s else None
    if "extends" in s:
        base, base_dataset = load_scenario(path.parent / s["extends"])
        s = merge(base, {k: v for k, v in s.items() if k != "extends"})
        dataset = dataset or base_dataset
    s.setdefault("name", path.stem)
    return s, dataset


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


def fill_closed(members, shortfall):
    """MODEL.md's closed form: x_m = clamp(a_m t - b_m, 0, U_m), t by bisection so that the
    sum is the shortfall (all at their caps when the caps cannot take it)."""
    n = len(members)
    if shortfall <= 0 or n == 0:
        return [0.0] * n
    caps = sum(m["cap"] for m in members)
    if caps <= shortfall:
        return [m["cap"] for m in members]

    def total(t):
        return sum(min(max(m["a"] * t - m["b"], 0.0), m["cap"]) for m in members)

    lo, hi = 0.0, 1.0
    while total(hi) < shortfall:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if total(mid) < shortfall:
            lo = mid
        else:
            hi = mid
    # The highest level that gives the allocation (as progressive filling reports it).
    return [min(max(m["a"] * hi - m["b"], 0.0), m["cap"]) for m in members]


def fill_rows(members, rows, shortfall):
    """The leximin of the levels (x + b) / a under sum x = S, 0 <= x <= U and the rows
    (sum over a row's members <= upper), by the textbook progressive filling: max t; then each
    free member that cannot rise above t while the others keep level t is fixed."""
    n = len(members)
    if shortfall <= 0 or n == 0:
        return [0.0] * n
    cap_of = [None if math.isinf(m["cap"]) else m["cap"] for m in members]
    limit = sum(m["cap"] for m in members)
    for r in rows:
        limit = min(limit, sum(members[i]["cap"] for i in range(n) if i not in r["members"]) + r["upper"])
    target = min(shortfall, limit)
    tol = 1e-7 * (1 + target)
    fixed = [None] * n

    def lp(objective_member, level):
        prob = pulp.LpProblem("leximin", pulp.LpMaximize)
        x = [pulp.LpVariable(f"x{i}", 0, cap_of[i]) for i in range(n)]
        t = pulp.LpVariable("t")
        prob += t if objective_member is None else x[objective_member]
        prob += pulp.lpSum(x) == target
        for r in rows:
            prob += pulp.lpSum(x[i] for i in r["members"]) <= r["upper"]
        for i, m in enumerate(members):
            if fixed[i] is not None:
                prob += x[i] == fixed[i]
            elif objective_member is None:
                prob += x[i] - m["a"] * t >= -m["b"]
            else:
                prob += x[i] >= m["a"] * level - m["b"]
        status = prob.solve(pulp.HiGHS(msg=False))
        if pulp.LpStatus[status] != "Optimal":
            sys.exit(f"the leximin LP is {pulp.LpStatus[status]}")
        return t.value(), [v.value() for v in x]

    while any(v is None for v in fixed):
        level, _ = lp(None, None)
        progressed = False
        for i in [i for i in range(n) if fixed[i] is None]:
            m = members[i]
            at_level = min(max(m["a"] * level - m["b"], 0.0), m["cap"])
            if at_level >= m["cap"] - tol:
                fixed[i] = m["cap"]
                progressed = True
                continue
            _, x = lp(i, level)
            if x[i] <= max(m["a"] * level - m["b"], 0.0) + tol:
                fixed[i] = at_level
                progressed = True
        if not progressed:
            sys.exit("progressive filling made no progress")
    return fixed


def round_block(exact, caps, keys, codes, target):
    """Largest remainder: floors, then one place each to the largest fractions (quantised at
    1e-9), ties by the larger key, then the lower code; never above a cap."""
    floors, fractions = [], []
    for x, cap in zip(exact, caps):
        v = max(x, 0.0)
        if abs(v - round(v)) < 1e-6:
            v = float(round(v))
        v = min(v, cap)
        floors.append(math.floor(v))
        fractions.append(round((v - math.floor(v)) * 1e9))
    remaining = target - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-fractions[i], -keys[i], codes[i]))
    out = list(floors)
    for i in order:
        if remaining <= 0:
            break
        if out[i] < caps[i]:
            out[i] += 1
            remaining -= 1
    return out


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
    constraints = scenario.get("constraints", {})
    corop_share = constraints.get("corop_max_share")
    result, whole = {}, {}
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
            rho = constraints.get(f"max_per_1000_{c}")
            bound = {}
            for m in eligible:
                k = m["code"]
                b = cap[k] if caps_on else math.inf
                if rho is not None:
                    room = max(math.floor(rho * int(m["population"]) / 1000) - counted[(k, c)], 0)
                    b = min(b, float(room))
                bound[k] = b
            sums = (sum(ind.values()), sum(eff.values()), sum(fea.values()))

            def share(v, s):
                return v / s if s > 0 else 0.0

            members, codes, keys = [], [], []
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
                members.append({"a": a, "b": b, "cap": bound[k], "corop": m["corop"]})
                codes.append(k)
                keys.append(key)
            regions = sorted({m["corop"] for m in ms})
            rows = []
            if corop_share is not None and shortfall > 0 and len(regions) >= 2:
                for g in regions:
                    inside = {i for i, m in enumerate(members) if m["corop"] == g}
                    if inside:
                        rows.append({"members": inside, "upper": corop_share * shortfall})
            exact = fill_rows(members, rows, float(shortfall)) if rows else fill_closed(members, float(shortfall))
            placed = min(shortfall, math.floor(sum(exact) + 1e-6))
            caps = [m["cap"] for m in members]
            for k, x, n in zip(codes, exact, round_block(exact, caps, keys, codes, placed)):
                result[(k, c)] = x
                whole[(k, c)] = n
    return result, whole


def median_time(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


SHIPPED = ["rest-indicative", "level", "effort", "corop-balance"]


def check(paths, binary):
    """Every scenario: the same exact allocation (to 1e-5 places) and the same whole places for
    every municipality and commodity; exit 1 naming the first differences."""
    failed = False
    for path in paths:
        scenario, dataset = load_scenario(path)
        pulp_x, pulp_whole = solve_country(load_dataset(dataset), scenario)
        proc = subprocess.run([binary, "solve", str(path), "--format", "json"], capture_output=True, check=False)
        if proc.returncode not in (0, 1):
            sys.exit(f"{path}: spreiding solve failed: {proc.stderr.decode()}")
        report = json.loads(proc.stdout)
        ours = {(m["code"], m["commodity"]): m for m in report["municipalities"]}
        diffs = []
        for k, m in sorted(ours.items()):
            x, n = pulp_x.get(k, 0.0), pulp_whole.get(k, 0)
            if abs(m["exact"] - x) > 1e-5 or m["allocated"] != n:
                diffs.append(f"{k[0]} {k[1]}: spreiding {m['exact']:.6f} -> {m['allocated']}, PuLP {x:.6f} -> {n}")
        allocated = sum(m["allocated"] for m in ours.values())
        print(f"{scenario['name']}: {len(ours)} municipality-commodity entries, {allocated} places allocated, "
              f"{len(diffs)} differ")
        for d in diffs[:20]:
            print("  " + d)
        failed |= bool(diffs)
    if failed:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--binary", default=str(ROOT / "target/release/spreiding"))
    ap.add_argument("--check", action="store_true", help="compare every entry (default: the four shipped scenarios)")
    args = ap.parse_args()
    if args.check:
        check(args.scenarios or [ROOT / f"scenarios/2024-2026/{n}.toml" for n in SHIPPED], args.binary)
        return
    args.scenarios = args.scenarios or [
        str(ROOT / "scenarios/2024-2026/rest-indicative.toml"),
        str(ROOT / "scenarios/2024-2026/level.toml"),
    ]

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
        pulp_time, (pulp_x, _) = median_time(lambda: solve_country(data, scenario), args.repeats)
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
