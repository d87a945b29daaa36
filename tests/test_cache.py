"""The per-file feature cache (``memory=``): keeps finished work, survives crashes and
concurrent writers, and notices changed files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generify import AudioError, MFCCTransformer
from generify.features import CacheWarning, _base

SR = 22050


@pytest.fixture
def files(tmp_path, tone):
    folder = tmp_path / "audio"
    folder.mkdir()
    paths = []
    for i in range(6):
        path = folder / f"t{i}.wav"
        sf.write(path, tone(200 + 60 * i, 0.3), SR)
        paths.append(path)
    return paths


@pytest.fixture
def decoded(monkeypatch):
    """The paths the feature base decodes, in order (patched into the serial code path)."""
    calls: list[str] = []
    real_load, real_blocks = _base.load_audio, _base.iter_blocks

    def load(source, **kw):
        calls.append(os.path.basename(source))
        return real_load(source, **kw)

    def blocks(source, **kw):
        calls.append(os.path.basename(source))
        return real_blocks(source, **kw)

    monkeypatch.setattr(_base, "load_audio", load)
    monkeypatch.setattr(_base, "iter_blocks", blocks)
    return calls


def _bad(folder: Path) -> Path:
    path = folder / "bad.wav"
    path.write_bytes(b"not audio " * 100)
    return path


def test_finished_files_survive_a_batch_that_raises(files, tmp_path, decoded):
    cache = tmp_path / "cache"
    batch = [*files[:3], _bad(tmp_path), *files[3:]]
    with pytest.raises(AudioError, match=r"bad\.wav"):
        MFCCTransformer(memory=cache).fit_transform(batch)
    assert decoded == ["t0.wav", "t1.wav", "t2.wav", "bad.wav"]
    decoded.clear()
    features = MFCCTransformer(memory=cache).fit_transform(files)
    assert decoded == ["t3.wav", "t4.wav", "t5.wav"]  # the first three came from the cache
    np.testing.assert_array_equal(features, MFCCTransformer().fit_transform(files))


def test_entries_of_another_generify_version_are_not_reused(files, tmp_path, decoded, monkeypatch):
    cache = tmp_path / "cache"
    MFCCTransformer(memory=cache).fit_transform(files[:2])
    monkeypatch.setattr(_base, "__version__", "999.0")  # an upgrade may compute differently
    decoded.clear()
    MFCCTransformer(memory=cache).fit_transform(files[:2])
    assert decoded == ["t0.wav", "t1.wav"]


def test_skipping_caches_every_good_file_and_retries_only_the_bad(files, tmp_path, decoded):
    cache = tmp_path / "cache"
    batch = [files[0], _bad(tmp_path), *files[1:]]
    first = MFCCTransformer(memory=cache, on_error="skip")
    rows = first.fit_transform(batch)
    assert [s.index for s in first.skipped_] == [1]
    decoded.clear()
    second = MFCCTransformer(memory=cache, on_error="skip")
    np.testing.assert_array_equal(second.fit_transform(batch), rows)
    assert decoded == ["bad.wav"]  # errors are not cached: a fixed file is read again
    assert [s.index for s in second.skipped_] == [1]


def test_segments_are_cached_per_duration(files, tmp_path, decoded):
    cache = tmp_path / "cache"
    t = MFCCTransformer(memory=cache)
    a = t.transform_segments(files[:2], segment_duration=0.1)
    t.transform_segments(files[:2], segment_duration=0.1)
    assert decoded == ["t0.wav", "t1.wav"]
    t.transform_segments(files[:2], segment_duration=0.2)  # another cut, another entry
    assert decoded == ["t0.wav", "t1.wav"] * 2
    assert [len(s.starts) for s in a] == [3, 3]


def test_a_changed_file_is_featurized_again(files, tmp_path, decoded, tone):
    cache = tmp_path / "cache"
    before = MFCCTransformer(memory=cache).fit_transform(files[:2])
    sf.write(files[1], tone(1500, 0.5), SR)  # new size and mtime
    decoded.clear()
    after = MFCCTransformer(memory=cache).fit_transform(files[:2])
    assert decoded == ["t1.wav"]
    np.testing.assert_array_equal(after[0], before[0])
    assert not np.allclose(after[1], before[1])


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("output.pkl"))


def test_damaged_cache_entries_are_recomputed(files, tmp_path, decoded):
    cache = tmp_path / "cache"
    reference = MFCCTransformer(memory=cache).fit_transform(files)
    entries = _entries(cache)
    assert len(entries) == len(files)
    entries[0].write_bytes(b"")  # as a full disk would leave it
    entries[1].write_bytes(entries[1].read_bytes()[:20])  # cut short
    entries[2].write_bytes(os.urandom(200))
    decoded.clear()
    with pytest.warns(CacheWarning, match="damaged feature-cache entry, computed again") as caught:
        again = MFCCTransformer(memory=cache).fit_transform(files)
    np.testing.assert_array_equal(again, reference)
    assert len(decoded) == 3  # only the damaged entries (of unknown files) were redone
    warned = [Path(str(w.message).split(": damaged")[0]).name for w in caught]
    assert sorted(warned) == sorted(decoded)  # each warning names a file that was redone
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # repaired: the next pass reads every entry
        MFCCTransformer(memory=cache).fit_transform(files)


_WORKER = textwrap.dedent(
    """
    import sys, time, numpy as np
    from generify import MFCCTransformer
    from generify.features import _base
    cache, out, order, pause, *paths = sys.argv[1:]
    if float(pause):  # a slow decoder, so that a test can kill the process mid-batch
        load = _base.load_audio
        _base.load_audio = lambda *a, **k: (time.sleep(float(pause)), load(*a, **k))[1]
    if order == "reversed":
        paths = paths[::-1]
    rows = MFCCTransformer(memory=cache, statistics=("mean", "std")).fit_transform(paths)
    if order == "reversed":
        rows = rows[::-1]
    np.save(out, rows)
    """
)


def _worker(
    cache: Path, out: Path, order: str, paths: list[Path], *, pause: float = 0.0
) -> subprocess.Popen:
    args = [sys.executable, "-c", _WORKER, str(cache), str(out), order, str(pause)]
    args += [str(p) for p in paths]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def many_files(tmp_path, tone):
    folder = tmp_path / "many"
    folder.mkdir()
    paths = []
    for i in range(40):
        path = folder / f"m{i:02d}.wav"
        sf.write(path, tone(150 + 25 * i, 0.25), SR)
        paths.append(path)
    return paths


def test_two_processes_featurizing_into_one_cache(many_files, tmp_path, decoded):
    cache = tmp_path / "shared-cache"
    reference = MFCCTransformer(statistics=("mean", "std")).fit_transform(many_files)
    workers = [
        _worker(cache, tmp_path / "a.npy", "forward", many_files),
        _worker(cache, tmp_path / "b.npy", "reversed", many_files),
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    for name in ("a.npy", "b.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / name), reference)
    decoded.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no damaged entry, no cache wiped as "changed code"
        again = MFCCTransformer(memory=cache, statistics=("mean", "std")).fit_transform(many_files)
    np.testing.assert_array_equal(again, reference)
    assert decoded == []  # everything came from the shared cache
    assert len(_entries(cache)) == len(many_files)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_process_killed_mid_batch_leaves_a_usable_cache(many_files, tmp_path, decoded):
    cache = tmp_path / "cache"
    worker = _worker(cache, tmp_path / "never.npy", "forward", many_files, pause=0.05)
    deadline = time.monotonic() + 60
    while len(_entries(cache)) < 5 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.communicate()
    finished = len(_entries(cache))
    assert 5 <= finished < len(many_files), "the worker should die mid-batch"
    reference = MFCCTransformer(statistics=("mean", "std")).fit_transform(many_files)
    decoded.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no damaged entry reported
        rows = MFCCTransformer(memory=cache, statistics=("mean", "std")).fit_transform(many_files)
    np.testing.assert_array_equal(rows, reference)
    assert len(decoded) == len(many_files) - finished
