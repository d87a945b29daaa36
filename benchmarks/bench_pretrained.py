"""Throughput per core of the shipped model, ``generify.load_pretrained()``, from audio.

Run: ``python benchmarks/bench_pretrained.py``

On the GTZAN clips of ``../shared/data``, one core (BLAS limited to one thread, CPU
seconds of this process): ``predict_proba(paths)`` end to end, and its two parts, the
model's feature transformer (on segments cut as the model cuts them) and its classifier.
The probabilities from paths must equal the mean over each track's segments of those of
the classifier applied to the transformer's rows.  Target (issue 7): 300x real
time per core.  Until this version of generify has ``load_pretrained``, the script says
so and measures nothing.
"""

from __future__ import annotations

import numpy as np
import soundfile as sf
from _common import cpu_seconds, gtzan_clips, header
from threadpoolctl import threadpool_limits

import generify

TARGET = 300


def main() -> None:
    header("Shipped model: load_pretrained() from audio, one core")
    if not hasattr(generify, "load_pretrained"):
        print("generify.load_pretrained is not available yet in this version: nothing measured")
        return
    model = generify.load_pretrained()
    paths = gtzan_clips()
    seconds = sum(sf.info(path).duration for path in paths)
    with threadpool_limits(1):
        model.predict_proba(paths[:1])  # warm caches (filterbanks, imports)
        end_to_end = cpu_seconds(model.predict_proba, paths)
        tracks = segment_rows(model, paths)
        features = cpu_seconds(segment_rows, model, paths)
        rows = np.vstack(tracks)
        classify = cpu_seconds(model.classifier_.predict_proba, rows)
        per_track = [model.classifier_.predict_proba(track).mean(axis=0) for track in tracks]
        same = np.allclose(model.predict_proba(paths), per_track)
    speed = seconds / end_to_end
    kind = type(model.features_).__name__
    print(f"{len(paths)} clips, {seconds:.0f} s of audio; model features: {kind}")
    print(
        f"   predict_proba(paths): {end_to_end:.2f} CPU s = {speed:.0f}x real time per core "
        f"(target {TARGET}x: {'met' if speed >= TARGET else 'NOT met'})"
    )
    print(f"   of which features {features:.2f} CPU s, classifier {classify * 1e3:.1f} CPU ms")
    print(f"   probabilities from paths equal the classifier's on the segment rows: {same}")
    if not same:
        raise SystemExit("predict_proba(paths) differs from the classifier on the segment rows")


def segment_rows(model, paths) -> list[np.ndarray]:
    """Each track's segment rows, cut as the model cuts them (segment length, silent ends)."""
    tracks = model.features_.transform_segments(
        paths, segment_duration=model.segment_duration, trim_db=model.trim_db
    )
    return [track.features for track in tracks]


if __name__ == "__main__":
    main()
