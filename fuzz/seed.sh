#!/usr/bin/env bash
# Writes the seed corpus of each fuzz target from the shipped files (fuzz/corpus/<target>/).
set -euo pipefail
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p $c/dataset $c/scenario $c/sweep $c/results
i=0
for f in cycle.toml provinces.csv municipalities.csv illustrative/locations.csv illustrative/effort.csv \
         illustrative/feasibility.csv illustrative/exclusions.csv; do
  { printf "\\$(printf '%03o' $i)"; head -c 20000 "data/nl-2024/$f"; } > "$c/dataset/$i"
  i=$((i + 1))
done
for f in scenarios/2024-2026/*.toml fuzz/seeds/*.toml; do cp "$f" "$c/scenario/"; done
for f in scenarios/2024-2026/sweeps/*.toml scenarios/bench/gate-sweep.toml; do cp "$f" "$c/sweep/"; done
tmp=$(mktemp -d)
cargo run --release -q -- run scenarios/2024-2026/level.toml --out "$tmp" >/dev/null 2>&1 || true
cp "$tmp"/results/*.jsonl $c/results/ 2>/dev/null || true
rm -rf "$tmp"
echo "seed corpus in $c"
