"""Peak memory and speed of ``predict_timeline`` on a 60-minute file made from real clips.

Run: ``python benchmarks/bench_long_file.py [--minutes 60]``

The GTZAN clips of ``../shared/data`` are written one after another (repeated as needed)
into one 22050 Hz, 16-bit mono WAV in a temporary directory, block by block.  A
``GenreClassifier`` (default features; the same with ``trim_db=None``, which shows what
leaving out silent ends costs; ``CombinedFeatures()`` when this version of generify has
it) is fitted on two clips per genre and saved.  Each model then classifies
the long file with ``predict_timeline`` in a fresh child process, which reports its peak
resident set size before and after the call (``peak_rss_mb()`` of ``_common.py``: the
``VmHWM`` line of ``/proc/self/status``, which unlike ``ru_maxrss`` does not carry over
the parent's peak; Linux only): the file must be streamed in blocks, never decoded,
transformed or framed whole.  Target (issue 7): peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from _common import gtzan_clips, header, peak_rss_mb

SAMPLE_RATE = 22050
RSS_TARGET_MB = 300


def write_long_file(path: Path, minutes: float) -> float:
    """Concatenate the GTZAN clips into ``path`` until ``minutes`` are written; seconds."""
    needed = round(minutes * 60 * SAMPLE_RATE)
    clips = gtzan_clips()
    written = 0
    with sf.SoundFile(path, "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16") as out:
        while written < needed:
            for clip in clips:
                data, sr = sf.read(clip, dtype="int16")
                if sr != SAMPLE_RATE:
                    raise SystemExit(f"{clip}: expected {SAMPLE_RATE} Hz, found {sr} Hz")
                data = data[: needed - written]
                out.write(data)
                written += data.shape[0]
                if written >= needed:
                    break
    return written / SAMPLE_RATE


def child(model_path: str, audio_path: str) -> None:
    """Load the model, classify the long file, print JSON with times and peak RSS."""
    from generify.persistence import load_model

    model = load_model(model_path)
    before = peak_rss_mb()
    start = time.perf_counter()
    cpu = time.process_time()
    timeline = model.predict_timeline(audio_path)
    result = {
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rss_before": before,
        "rss_peak": peak_rss_mb(),
        "segments": len(timeline.starts),
        "top": str(np.unique(timeline.labels, return_counts=True)[0][0]),
    }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "AUDIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    import generify.features as features
    from generify import GenreClassifier
    from generify.persistence import save_model

    header(f"predict_timeline on a {args.minutes:g}-minute file: peak RSS and speed")
    clips = gtzan_clips()
    train = [p for p in clips if p.stem.endswith(("00000", "00001"))]
    labels = [p.parent.name for p in train]
    models = {
        "GenreClassifier() (MFCC means)": GenreClassifier(),
        # the same model keeping the silent ends: what trimming costs, in this run
        "GenreClassifier(trim_db=None)": GenreClassifier(trim_db=None),
    }
    if hasattr(features, "CombinedFeatures"):
        models["GenreClassifier(CombinedFeatures())"] = GenreClassifier(features.CombinedFeatures())
    with tempfile.TemporaryDirectory() as tmp:
        audio = Path(tmp) / "long.wav"
        seconds = write_long_file(audio, args.minutes)
        size = audio.stat().st_size / 2**20
        print(f"{audio.name}: {seconds / 60:.1f} min, {size:.0f} MiB of 16-bit PCM on disk")
        print(f"models fitted on {len(train)} GTZAN clips; each run in a fresh process")
        for name, model in models.items():
            model_path = Path(tmp) / "model.joblib"
            save_model(model.fit(train, labels), model_path)
            output = subprocess.run(
                [sys.executable, __file__, "--child", str(model_path), str(audio)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            verdict = "met" if result["rss_peak"] < RSS_TARGET_MB else "NOT met"
            print(f"-- {name}")
            print(
                f"   {result['segments']} segments in {result['wall']:.1f} s wall, "
                f"{result['cpu']:.1f} CPU s ({seconds / result['cpu']:.0f}x real time per core)"
            )
            print(
                f"   peak RSS {result['rss_peak']:.0f} MB (after imports and model load: "
                f"{result['rss_before']:.0f} MB); target < {RSS_TARGET_MB} MB: {verdict}"
            )


if __name__ == "__main__":
    main()
