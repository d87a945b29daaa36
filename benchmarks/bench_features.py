"""Feature throughput per core over the real clips, with the time of every stage.

Run: ``python benchmarks/bench_features.py [--folders gtzan fma ...] [--limit N]``

Two feature sets are measured on every audio file of ``../shared/data`` (GTZAN WAV and
AU, float WAV, FMA MP3, Indian WAV/MP3/M4A; M4A needs ``generify[av]``):

* ``MFCCTransformer()``, the features ``GenreClassifier()`` uses by default;
* ``CombinedFeatures()``, every default feature family from one shared analysis
  (when this version of generify has it).

For each set, one core (BLAS limited to one thread, CPU seconds of this process):

* end to end: ``transform(paths)`` as a user calls it, in times real time (seconds of
  audio per CPU second), over all files and over each group of formats: 22.05-kHz PCM
  (GTZAN's WAV/AU) and compressed (MP3/M4A, mostly 44.1 kHz), each beside its floor, the
  decode + resample time alone (decoding, resampling and ``MFCCTransformer``'s runs: the
  least of three; ``CombinedFeatures``: one run);
* for ``MFCCTransformer()``, the floor of decode + resample + the FFTs alone (numpy's
  rfft of exactly the frames it computes, zero-padded to its FFT size): no MFCC code can
  beat it with these decoders and this transform, so it says how near the floor we are;
* per stage, summed over the files: decode (``load_audio(..., sr=None)``, per format),
  resample to 22050 Hz (files at other rates only), the STFT of the shared analysis,
  and each family's features.  A family reading a shared view that nobody computed before it
  (mel bands, onset envelope, ...) is charged for computing it.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
from _common import (
    AUDIO_FOLDERS,
    audio_files,
    cpu_seconds,
    header,
    least_cpu_seconds,
    require_data,
)
from threadpoolctl import threadpool_limits

import generify.features as features
from generify import MFCCTransformer, load_audio
from generify.audio import resample
from generify.features._base import AudioFeatureTransformer
from generify.features.mfcc import frame_count

SAMPLE_RATE = 22050
TARGET = 3000  # times real time per core (issue 7)
COMPRESSED = {".mp3", ".m4a", ".ogg"}
#: Decoding, resampling and MFCCTransformer's end-to-end runs are timed this many times
#: (the least counts): one pass varies by up to 3x with page faults and the machine.
REPEATS = 3


def format_group(path, sample_rate: int) -> str | None:
    """The group of formats a file is reported in (None: only in "all files")."""
    if path.suffix.lower() in COMPRESSED:
        return "compressed (MP3/M4A)"
    return "22.05-kHz PCM (GTZAN WAV/AU)" if sample_rate == SAMPLE_RATE else None


def family_stages(transformer) -> list[tuple[str, AudioFeatureTransformer]]:
    """(name, member) for each family of a combined transformer, else the transformer."""
    members = transformer._members() if hasattr(transformer, "_members") else [transformer]
    return [(type(member).__name__, member) for member in members]


def stage_times(transformer, waveforms) -> dict[str, tuple[float, float]]:
    """CPU seconds per stage over the decoded waveforms, as the transformer computes them."""
    from generify.features._analysis import Analysis

    totals: dict[str, float] = defaultdict(float)
    families = family_stages(transformer)
    shared = len(families) > 1
    for y in waveforms:
        if not shared:
            totals[families[0][0]] += cpu_seconds(families[0][1]._waveform_features, y)
            continue
        analysis = Analysis(y, sample_rate=SAMPLE_RATE)
        totals["STFT (shared analysis)"] += cpu_seconds(lambda a=analysis: a.power)
        for name, member in families:
            if type(member)._analysis_features is AudioFeatureTransformer._analysis_features:
                totals[name] += cpu_seconds(member._waveform_features, analysis.y)
            else:
                totals[name] += cpu_seconds(member._analysis_features, analysis)
    seconds = sum(y.shape[0] for y in waveforms) / SAMPLE_RATE
    return {name: (cpu, seconds) for name, cpu in totals.items()}


def decode_native(path):
    return load_audio(path, sr=None)


def native_to_target(y, sr: int):
    return resample(y, orig_sr=sr, target_sr=SAMPLE_RATE)


def kept_frames(transformer: MFCCTransformer, n_samples: int) -> int:
    """Frames ``transformer`` computes for a waveform (its statistics use the middle ones)."""
    n = frame_count(
        n_samples,
        sample_rate=SAMPLE_RATE,
        winlen=transformer.winlen,
        winstep=transformer.winstep,
    )
    kept = n - 2 * int(n * transformer.trim)
    return kept if kept >= 3 else n


def fft_seconds_per_frame(transformer: MFCCTransformer, n_frames: int) -> float:
    """CPU s per frame of numpy's float64 rfft over blocks of 128 zero-padded frames."""
    frame_len = round(transformer.winlen * SAMPLE_RATE)
    nfft = transformer.nfft or 1 << (frame_len - 1).bit_length()
    block = np.zeros((128, nfft))
    block[:, :frame_len] = np.random.default_rng(0).standard_normal((128, frame_len))
    blocks = max(1, n_frames // 128)
    start = time.process_time()
    for _ in range(blocks):
        np.fft.rfft(block, axis=1)
    return (time.process_time() - start) / (blocks * 128)


def report(
    title: str,
    groups: dict[str, tuple[float, float, float]],
    stages: dict[str, tuple[float, float]],
) -> None:
    """Print end-to-end speed per group of files and, per stage, (CPU s, audio seconds).

    ``groups`` maps a name to (seconds of audio, CPU s end to end, CPU s of decoding and
    resampling alone, CPU s of the FFTs alone or None).
    """
    print(f"-- {title}")
    for group, (seconds, end_to_end, floor, ffts) in groups.items():
        speed = seconds / end_to_end
        verdict = "meets" if speed >= TARGET else "below"
        print(
            f"   {group}: {end_to_end:.2f} CPU s for {seconds:.0f} s of audio = {speed:.0f}x "
            f"real time per core ({verdict} the {TARGET}x target; decode + resample alone "
            f"{seconds / floor:.0f}x)"
        )
        if ffts is not None:
            print(
                f"      floor, decode + resample + the frames' FFTs alone: "
                f"{seconds / (floor + ffts):.0f}x; ours runs at "
                f"{100 * (floor + ffts) / end_to_end:.0f} % of the floor's speed"
            )
    total = sum(cpu for cpu, _ in stages.values())
    print(f"   {'stage':32s} {'CPU s':>7s} {'share':>7s} {'x real time on its audio':>26s}")
    for name, (cpu, audio) in stages.items():
        print(f"   {name:32s} {cpu:7.3f} {100 * cpu / total:6.1f} % {audio / cpu:18.0f}x")
    print(f"   {'sum of stages':32s} {total:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", nargs="+", default=list(AUDIO_FOLDERS))
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = parser.parse_args()
    require_data()
    paths = audio_files(tuple(args.folders))[: args.limit]

    sets = {"MFCCTransformer() (GenreClassifier's default features)": MFCCTransformer()}
    if hasattr(features, "CombinedFeatures"):
        sets["CombinedFeatures() (every default family)"] = features.CombinedFeatures()
    header("Feature throughput per core: decode + features, real clips")
    for path in paths:
        path.read_bytes()  # file contents in the page cache for every measurement alike
    with threadpool_limits(1):
        # Decode and resample once for the per-stage figures; time those stages meanwhile.
        # stage -> [CPU seconds, seconds of audio handled]
        decode: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        resampling = [0.0, 0.0]
        waveforms, seconds = [], 0.0
        # group -> paths, seconds of audio, CPU s of decoding and resampling, MFCC frames
        groups: dict[str, list] = {
            "all files": [paths, 0.0, 0.0, 0],
            "22.05-kHz PCM (GTZAN WAV/AU)": [[], 0.0, 0.0, 0],
            "compressed (MP3/M4A)": [[], 0.0, 0.0, 0],
        }
        mfcc = sets["MFCCTransformer() (GenreClassifier's default features)"]
        for suffix in sorted({path.suffix.lower() for path in paths}):
            # the first file of a format imports its decoder (PyAV: 0.1 s): not throughput
            load_audio(next(p for p in paths if p.suffix.lower() == suffix), duration=0.5)
        for path in paths:
            decoded, (y, sr) = least_cpu_seconds(decode_native, path, repeats=REPEATS)
            stage = decode[f"decode {path.suffix.lower()}"]
            stage[0] += decoded
            stage[1] += y.shape[0] / sr
            if sr != SAMPLE_RATE:
                resampled, y = least_cpu_seconds(native_to_target, y, sr, repeats=REPEATS)
                resampling[0] += resampled
                resampling[1] += y.shape[0] / SAMPLE_RATE
                decoded += resampled
            waveforms.append(y)
            seconds += y.shape[0] / SAMPLE_RATE
            group = format_group(path, sr)
            if group:
                groups[group][0].append(path)
            for name in ("all files", group):
                if name:
                    groups[name][1] += y.shape[0] / SAMPLE_RATE
                    groups[name][2] += decoded
                    groups[name][3] += kept_frames(mfcc, y.shape[0])
        folders = sorted({p.relative_to(require_data()).parts[0] for p in paths})
        print(f"{len(paths)} files ({', '.join(folders)}), {seconds:.0f} s of audio")
        print()
        per_frame = fft_seconds_per_frame(mfcc, groups["all files"][3])
        for title, transformer in sets.items():
            transformer.fit(paths[:1])
            transformer.transform(paths[:1])  # warm caches (filterbanks, imports)
            speeds = {
                name: (
                    audio,
                    least_cpu_seconds(
                        transformer.transform, files, repeats=REPEATS if transformer is mfcc else 1
                    )[0],
                    floor,
                    frames * per_frame if transformer is mfcc else None,
                )
                for name, (files, audio, floor, frames) in groups.items()
                if files
            }
            stages = {name: tuple(value) for name, value in decode.items()}
            if resampling[1]:
                stages["resample"] = tuple(resampling)
            stages.update(stage_times(transformer, waveforms))
            report(title, speeds, stages)
            print()


if __name__ == "__main__":
    main()
