"""Wall time to featurize every GTZAN clip in ../shared/data: cold in parallel, then cached.

Run: ``python benchmarks/bench_devset.py [--n-jobs -1]``

For each feature set (``MFCCTransformer()``, the default, and ``CombinedFeatures()`` when
this version of generify has it), in one process:

1. serial: ``n_jobs=None``, no cache (the reference for the speed-up);
2. cold: ``n_jobs``, ``memory=<empty directory>``, with no worker processes alive: the
   time includes starting joblib's loky workers and importing generify in them, as a
   user's first call does (the workers an earlier feature set's runs left alive are shut
   down first: reused, they would make a later set's cold run look faster than it is);
3. cached: the same call again; every file's features come from the cache.

All three must give the same matrix.  Targets (issue 7): cold under 8 s and cached under
1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
from _common import gtzan_clips, header
from joblib.externals.loky import get_reusable_executor

import generify.features as features
from generify import MFCCTransformer

COLD_TARGET, CACHED_TARGET = 8.0, 1.0


def wall(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args()
    paths = gtzan_clips()
    for path in paths:
        path.read_bytes()  # file contents in the page cache for every run alike

    sets = {"MFCCTransformer()": MFCCTransformer}
    if hasattr(features, "CombinedFeatures"):
        sets["CombinedFeatures()"] = features.CombinedFeatures
    header(f"Featurize the GTZAN dev clips: serial, n_jobs={args.n_jobs} cold, then cached")
    print(f"{len(paths)} clips; {os.cpu_count()} cores")
    for name, make in sets.items():
        serial, expected = wall(make().fit_transform, paths)
        with tempfile.TemporaryDirectory() as cache:
            parallel = make(n_jobs=args.n_jobs, memory=cache)
            get_reusable_executor().shutdown(wait=True)
            cold, first = wall(parallel.fit_transform, paths)
            cached, second = wall(parallel.fit_transform, paths)
        same = np.array_equal(first, second) and np.allclose(first, expected, rtol=1e-12)
        print(f"-- {name}")
        print(f"   serial, no cache       {serial:6.2f} s")
        print(
            f"   n_jobs={args.n_jobs}, cold cache {cold:6.2f} s  ({serial / cold:.2f}x serial; "
            f"target < {COLD_TARGET:g} s: {'met' if cold < COLD_TARGET else 'NOT met'})"
        )
        print(
            f"   n_jobs={args.n_jobs}, cached     {cached:6.2f} s  "
            f"(target < {CACHED_TARGET:g} s: {'met' if cached < CACHED_TARGET else 'NOT met'})"
        )
        print(f"   same features in all three runs: {same}")
        if not same:
            raise SystemExit(f"{name}: parallel or cached features differ from serial ones")


if __name__ == "__main__":
    main()
