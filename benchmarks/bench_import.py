"""Import time of ``generify`` beyond the scikit-learn modules it needs.

Run: ``python benchmarks/bench_import.py [--repeat 7]``

A fresh interpreter first imports generify and reports which ``sklearn`` modules came
with it.  Then, ``--repeat`` times and interleaved, fresh interpreters import (a) exactly
those scikit-learn modules and (b) those modules and then generify; each reports the CPU
and wall time of its imports.  generify's own cost is (b) - (a), medians over the runs.
The modules only generify brings, slowest first, come from ``python -X importtime``.
Target (issue 7): under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np
from _common import REPO, header

TARGET = 0.5
TIMER = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
for name in {modules!r}:
    __import__(name)
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}}))
"""
SKLEARN_OF_GENERIFY = """
import json, sys
import generify
print(json.dumps(sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn."))))
"""


def run(code: str, *options: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, *options, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )


def timed(modules: list[str]) -> dict[str, float]:
    return json.loads(run(TIMER.format(modules=modules)).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    header("Import time of generify beyond scikit-learn's own")
    sklearn_modules = json.loads(run(SKLEARN_OF_GENERIFY).stdout)
    top = [m for m in sklearn_modules if m.count(".") <= 1 and "._" not in m]
    runs = {"sklearn": [], "sklearn + generify": []}
    for _ in range(args.repeat):
        runs["sklearn"].append(timed(top))
        runs["sklearn + generify"].append(timed([*top, "generify"]))
    medians = {
        name: {key: float(np.median([r[key] for r in values])) for key in ("cpu", "wall")}
        for name, values in runs.items()
    }
    print(f"fresh interpreters, median of {args.repeat}; scikit-learn modules: {', '.join(top)}")
    for name, value in medians.items():
        print(f"   {name:20s} {value['cpu']:6.3f} CPU s {value['wall']:6.3f} s wall")
    extra = {k: medians["sklearn + generify"][k] - medians["sklearn"][k] for k in ("cpu", "wall")}
    verdict = "met" if extra["wall"] < TARGET else "NOT met"
    print(
        f"   generify's own       {extra['cpu']:6.3f} CPU s {extra['wall']:6.3f} s wall "
        f"(target < {TARGET} s: {verdict})"
    )

    profile = run(f"import {', '.join(top)}; import generify", "-X", "importtime").stderr
    lines = profile.splitlines()
    start = max(i for i, line in enumerate(lines) if line.split("|")[-1].strip() in top)
    rows = []
    for line in lines[start + 1 :]:
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("   slowest imports that generify adds (cumulative, python -X importtime):")
    for microseconds, name in sorted(rows, reverse=True)[:8]:
        print(f"     {microseconds / 1e3:7.1f} ms {name}")


if __name__ == "__main__":
    main()
