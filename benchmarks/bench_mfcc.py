"""MFCC stage: generify's ``mfcc`` against ``python_speech_features.mfcc`` on the same samples.

Run: ``python benchmarks/bench_mfcc.py [--rounds 3] [--limit N]``

For every GTZAN clip in ``../shared/data`` (decoded once, not timed), each implementation
runs ``--rounds`` times, interleaved so that a busy moment of the machine hits all of
them alike; a clip's time is its fastest round, in CPU seconds on one core.  Printed: the
median over clips of each implementation's time, the ratio of python_speech_features'
median to ours, the throughput in times real time, and how far each output is from
python_speech_features'.

python_speech_features gets the float64 samples (its own input; the conversion is not
timed); generify gets the float32 samples that ``load_audio`` returns (its conversion is
timed).  ``nfft=1024`` makes python_speech_features keep whole 551-sample frames, as
generify does by default, so that the outputs are equal.  librosa, when installed, is
timed with the same frames, FFT size, filter count and coefficients; its conventions
differ (Slaney-normalised filters, dB scale), so only its time is comparable.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np
from _common import cpu_seconds, gtzan_clips, header
from threadpoolctl import threadpool_limits

from generify import load_audio
from generify.features.mfcc import mfcc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed calls per clip and method")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N clips")
    args = parser.parse_args()

    import python_speech_features as psf

    # python_speech_features logs a warning per call when frames exceed nfft; not here.
    logging.getLogger().setLevel(logging.ERROR)
    methods = {
        "python_speech_features": lambda y, y64, sr: psf.mfcc(y64, samplerate=sr, nfft=1024),
        "generify float64": lambda y, y64, sr: mfcc(y, sample_rate=sr),
        "generify float32": lambda y, y64, sr: mfcc(y, sample_rate=sr, dtype=np.float32),
    }
    try:
        import librosa
    except ImportError:
        librosa = None
    else:
        methods["librosa (same framing)"] = lambda y, y64, sr: librosa.feature.mfcc(
            y=y, sr=sr, n_mfcc=13, n_fft=1024, win_length=551, hop_length=221,
            window="boxcar", center=False, n_mels=26, htk=True,
        )  # fmt: skip

    header("MFCC: generify vs python_speech_features, same samples, one core")
    clips = gtzan_clips()[: args.limit]
    times = {name: [] for name in methods}
    diff64, diff32, seconds = [], [], 0.0
    with threadpool_limits(1):
        for path in clips:
            y, sr = load_audio(path)
            y64 = y.astype(np.float64)
            seconds += y.shape[0] / sr
            best = dict.fromkeys(methods, np.inf)
            for _ in range(args.rounds):
                for name, method in methods.items():
                    best[name] = min(best[name], cpu_seconds(method, y, y64, sr))
            for name, value in best.items():
                times[name].append(value)
            reference = psf.mfcc(y64, samplerate=sr, nfft=1024)
            ours = mfcc(y, sample_rate=sr)
            if not np.allclose(ours, reference, rtol=1e-6, atol=1e-8):
                raise SystemExit(f"{path}: generify's MFCCs differ from python_speech_features'")
            diff64.append(np.abs(ours - reference).max())
            diff32.append(np.abs(mfcc(y, sample_rate=sr, dtype=np.float32) - reference).max())

    reference_median = np.median(times["python_speech_features"])
    print(f"{len(clips)} clips, {seconds:.0f} s of audio, best of {args.rounds} rounds per clip")
    print(f"{'method':28s} {'median/clip':>12s} {'ratio':>7s} {'x real time':>12s}")
    for name, values in times.items():
        median = np.median(values)
        print(
            f"{name:28s} {median * 1e3:9.2f} ms {reference_median / median:6.2f}x "
            f"{seconds / np.sum(values):11.0f}x"
        )
    if librosa is None:
        print("librosa: not installed (optional; never a generify dependency)")
    print()
    print(
        "max |generify - python_speech_features| over all clips and coefficients: "
        f"float64 {max(diff64):.1e} (allclose rtol=1e-6 on every clip), "
        f"float32 {max(diff32):.1e}"
    )


if __name__ == "__main__":
    main()
