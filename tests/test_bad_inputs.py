"""A corpus of bad inputs, generated on the fly: each has one documented outcome.

Every case either gives a defined result (finite features, as documented) or raises an
:class:`~generify.errors.AudioError` whose message names the input and the cause;
never another exception type, a hang or a non-finite feature.  ``CASES`` is the table.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from generify import (
    AudioError,
    GenerifyError,
    GenreClassifier,
    MFCCTransformer,
    ModelError,
    load_audio,
)

SR = 22050
OK = "ok"


def _tone(seconds: float = 1.0, sr: int = SR) -> np.ndarray:
    t = np.arange(round(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _sf(path: Path, y: np.ndarray, sr: int = SR, **kw) -> Path:
    sf.write(path, y, sr, **kw)
    return path


def _encoded(fmt: str, subtype: str, seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, _tone(seconds), SR, format=fmt, subtype=subtype)
    return buffer.getvalue()


def _wav_header(*, rate: int, channels: int = 1, bits: int = 16, data: bytes = b"") -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<IHHIIHH", 16, 1, channels, rate, (rate * block) % 2**32, block, bits)
    body = b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _flac_claiming_frames(frames: int) -> bytes:
    """A valid FLAC whose STREAMINFO claims ``frames`` samples (36-bit field)."""
    data = bytearray(_encoded("FLAC", "PCM_16"))
    start = 8 + 10  # "fLaC", block header, then min/max block and frame sizes
    fields = int.from_bytes(data[start : start + 8], "big")
    fields = (fields & ~((1 << 36) - 1)) | frames
    data[start : start + 8] = fields.to_bytes(8, "big")
    return bytes(data)


def _cut(data: bytes, fraction: float) -> bytes:
    return data[: round(len(data) * fraction)]


def _random(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).bytes(n)


def _m4a(shared: Path) -> Path:
    return shared / "indian-instrumental" / "harmonium" / "Classical Harmonium 1.m4a"


def _pipe_with(data: bytes):
    read_fd, write_fd = os.pipe()

    def feed():
        with os.fdopen(write_fd, "wb") as w:
            w.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return os.fdopen(read_fd, "rb")


def _closed(path: Path):
    handle = path.open("rb")
    handle.close()
    return handle


@dataclass(frozen=True)
class Case:
    """One bad input.

    ``make(tmp_path, shared)`` returns the source (path, file object, waveform or
    other object); ``outcome`` is ``OK`` (finite features, checked by ``check`` on the
    decoded samples) or a regex the :class:`AudioError` message must match.
    """

    name: str
    make: Callable[[Path, Path | None], Any]
    outcome: str
    check: Callable[[np.ndarray], bool] | None = None
    needs_shared: bool = False
    is_file: bool = True  # also an input for load_audio (not only for transformers)


def _wav16() -> bytes:
    return _encoded("WAV", "PCM_16")


CASES = [
    Case("missing path", lambda d, s: d / "missing.wav", "no such file"),
    Case("directory", lambda d, s: d, "is a directory"),
    Case("empty file", lambda d, s: _write(d / "empty.wav", b""), "empty file"),
    Case("empty path string", lambda d, s: "", "empty path"),
    Case("FIFO (named pipe)", lambda d, s: _fifo(d / "fifo.wav"), "not a regular file"),
    Case(
        "zero-frame wav",
        lambda d, s: _sf(d / "zero.wav", np.zeros(0, np.float32)),
        "no audio frames",
    ),
    Case(
        "header-only wav",
        lambda d, s: _write(d / "header.wav", _wav16()[:44]),
        "no audio frames",
    ),
    Case(
        "truncated wav (half the data)",
        lambda d, s: _write(d / "half.wav", _wav16()[: 44 + SR]),
        OK,
        lambda y: 0 < y.shape[0] < SR,  # the frames it holds
    ),
    Case(
        "header-only flac",
        lambda d, s: _write(d / "header.flac", _encoded("FLAC", "PCM_16")[:42]),
        "corrupt or truncated",
    ),
    Case(
        "truncated flac",
        lambda d, s: _write(d / "half.flac", _encoded("FLAC", "PCM_16")[:2000]),
        "corrupt or truncated",
    ),
    Case(
        "flac header claiming 2**36 frames",
        lambda d, s: _write(d / "liar.flac", _flac_claiming_frames(2**36 - 1)),
        "corrupt or truncated",
    ),
    Case(
        "truncated mp3",
        lambda d, s: _write(d / "cut.mp3", _cut(_encoded("MP3", "MPEG_LAYER_III", 3.0), 1 / 3)),
        OK,
        lambda y: 0 < y.shape[0] < 2 * SR,  # the frames it holds, of 3 s
    ),
    Case(
        "wav header rate 2**31 - 1 Hz",
        lambda d, s: _write(d / "rate.wav", _wav_header(rate=2**31 - 1, data=bytes(2000))),
        "implausible sample rate",
    ),
    Case(
        "wav header rate 1 Hz",
        lambda d, s: _write(d / "slow.wav", _wav_header(rate=1, data=bytes(2000))),
        "implausible sample rate",
    ),
    Case(
        "wav header with 0 channels",
        lambda d, s: _write(d / "nochan.wav", _wav_header(rate=SR, channels=0, data=bytes(8))),
        "unreadable or unsupported",
    ),
    Case(
        "random bytes .wav",
        lambda d, s: _write(d / "noise.wav", _random(5000, 1)),
        "unreadable or unsupported",
    ),
    Case(
        "random bytes .mp3",
        lambda d, s: _write(d / "noise.mp3", _random(5000, 2)),
        "unreadable or unsupported",
    ),
    Case(
        "random bytes .m4a",
        lambda d, s: _write(d / "noise.m4a", _random(5000, 3)),
        "unreadable or unsupported",
    ),
    Case(
        "text file renamed .wav",
        lambda d, s: _write(d / "notes.wav", b"this is not audio\n" * 50),
        "unreadable or unsupported",
    ),
    Case(
        "1-sample file",
        lambda d, s: _sf(d / "one.wav", np.array([0.3], np.float32)),
        OK,
        lambda y: y.shape == (1,),
    ),
    Case(
        "1-sample file at 8 kHz",
        lambda d, s: _sf(d / "one8k.wav", np.array([0.3], np.float32), 8000),
        OK,
        lambda y: y.shape == (3,),  # ceil(1 * 22050 / 8000)
    ),
    Case(
        "all-silent file",
        lambda d, s: _sf(d / "silence.wav", np.zeros(SR, np.float32)),
        OK,
        lambda y: not y.any(),
    ),
    Case(
        "NaN samples in a float wav",
        lambda d, s: _sf(d / "nan.wav", np.array([0, np.nan, 0.1], np.float32), subtype="FLOAT"),
        "non-finite",
    ),
    Case(
        "inf samples in a float wav",
        lambda d, s: _sf(d / "inf.wav", np.array([0, np.inf, 0.1], np.float32), subtype="FLOAT"),
        "non-finite",
    ),
    Case(
        "float wav far beyond full scale",
        lambda d, s: _sf(d / "loud.wav", np.tile([0, 1e30, -0.1], 100), subtype="FLOAT"),
        OK,
        lambda y: np.abs(y).max() == 1.0,  # clipped to [-1, 1]
    ),
    Case(
        "8-bit wav",
        lambda d, s: _sf(d / "u8.wav", _tone(), subtype="PCM_U8"),
        OK,
        lambda y: np.abs(y - _tone()).max() < 0.01,
    ),
    Case(
        "24-bit wav",
        lambda d, s: _sf(d / "s24.wav", _tone(), subtype="PCM_24"),
        OK,
        lambda y: np.abs(y - _tone()).max() < 1e-6,
    ),
    Case(
        "32-bit float wav",
        lambda d, s: _sf(d / "f32.wav", _tone(), subtype="FLOAT"),
        OK,
        lambda y: np.array_equal(y, _tone()),
    ),
    Case(
        "6-channel wav",
        lambda d, s: _sf(d / "six.wav", np.tile(_tone()[:, None], (1, 6))),
        OK,
        lambda y: y.shape == (SR,) and np.abs(y - _tone()).max() < 1e-4,  # down-mixed
    ),
    Case(
        "8 kHz wav",
        lambda d, s: _sf(d / "8k.wav", _tone(sr=8000), 8000),
        OK,
        lambda y: y.shape == (SR,),
    ),
    Case(
        "96 kHz wav",
        lambda d, s: _sf(d / "96k.wav", _tone(sr=96000), 96000),
        OK,
        lambda y: y.shape == (SR,),
    ),
    Case(
        "odd rate 999983 Hz",
        lambda d, s: _sf(d / "odd.wav", np.zeros(99998, np.float32), 999983),
        OK,
        lambda y: abs(y.shape[0] - 2205) <= 1,  # 0.1 s
    ),
    Case("closed file object", lambda d, s: _closed(_sf(d / "c.wav", _tone())), "closed"),
    Case(
        "file object in text mode",
        lambda d, s: _sf(d / "t.wav", _tone()).open("r"),
        "text mode",
    ),
    Case(
        "non-seekable pipe",
        lambda d, s: _pipe_with(_wav16()),
        OK,
        lambda y: np.abs(y - _tone()).max() < 1e-4,
    ),
    Case(
        "real AAC .m4a (PyAV)",
        lambda d, s: _m4a(s),
        OK,
        lambda y: y.shape[0] > 60 * SR and np.abs(y).max() <= 1,
        needs_shared=True,
    ),
    Case(
        "truncated AAC .m4a",
        lambda d, s: _write(d / "cut.m4a", _m4a(s).read_bytes()[:150_000]),
        "unreadable or unsupported",
        needs_shared=True,
    ),
    Case("None", lambda d, s: None, "not an audio source"),
    Case("int", lambda d, s: 42, "not an audio source"),
    Case("dict", lambda d, s: {"path": "song.wav"}, "not an audio source"),
    Case("bytes", lambda d, s: b"RIFF....WAVE", "not an audio source"),
    Case("empty waveform", lambda d, s: np.zeros(0), "empty waveform", is_file=False),
    Case(
        "NaN in a waveform",
        lambda d, s: np.array([0.0, np.nan, 0.1]),
        "non-finite",
        is_file=False,
    ),
    Case(
        "inf in a waveform",
        lambda d, s: np.array([0.0, -np.inf, 0.1]),
        "non-finite",
        is_file=False,
    ),
    Case(
        "waveform beyond 1e200 (power overflows)",
        lambda d, s: np.full(1000, 1e200),
        "not finite",
        is_file=False,
    ),
    Case(
        "int16 waveform (not scaled to [-1, 1])",
        lambda d, s: (_tone() * 32767).astype(np.int16),
        OK,
        is_file=False,
    ),
    Case(
        "(samples, channels) array as one waveform",
        lambda d, s: np.stack([_tone(), _tone()], axis=1),
        "1-D numeric array",
        is_file=False,
    ),
    Case(
        "(waveform, rate) pair",
        lambda d, s: (_tone(), SR),
        "waveform, sample rate",
        is_file=False,
    ),
    Case(
        "ragged nested sequence",
        lambda d, s: [np.zeros(3), [0.1, 0.2]],
        "not a 1-D numeric waveform",
        is_file=False,
    ),
]


def _fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(path)
    return path


def _source(case: Case, tmp_path: Path, request) -> Any:
    shared = request.getfixturevalue("shared_data") if case.needs_shared else None
    return case.make(tmp_path, shared)


def _has_shared_data(request) -> bool:
    try:
        request.getfixturevalue("shared_data")
    except pytest.skip.Exception:
        return False
    return True


def _name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else f"<{type(source).__name__}>"


def _name_in_batch(source: Any, index: int) -> str:
    """How a transformer names an item: its path or file name, else its place in X."""
    if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        return _name(source)
    return f"X[{index}]"


def _check_error(info: pytest.ExceptionInfo, named: str) -> None:
    assert isinstance(info.value, AudioError)
    assert named in str(info.value), f"message does not name {named!r}: {info.value}"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


FILE_CASES = [c for c in CASES if c.is_file]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_load_audio_outcome(case, tmp_path, request):
    source = _source(case, tmp_path, request)
    if case.outcome == OK:
        y, sr = load_audio(source)
        assert sr == SR and y.dtype == np.float32 and y.ndim == 1
        assert np.isfinite(y).all() and np.abs(y).max() <= 1.0
        assert case.check(y)
    else:
        with pytest.raises(GenerifyError, match=case.outcome) as info:
            load_audio(source)
        _check_error(info, _name(source))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_transformer_outcome(case, tmp_path, request):
    source = _source(case, tmp_path, request)
    transformer = MFCCTransformer(statistics=("mean", "std", "delta_mean", "delta_std"))
    if case.outcome == OK:
        features = transformer.fit_transform([source])
        assert features.shape == (1, 4 * 13)
        assert np.isfinite(features).all()
    else:
        with pytest.raises(GenerifyError, match=case.outcome) as info:
            transformer.fit_transform([source])
        _check_error(info, _name_in_batch(source, 0))


#: Items that make the batch itself malformed (not a bad file): they raise in fit even
#: with on_error="skip", because the caller's list is wrong, not the collection.
MALFORMED_ITEMS = {
    "None",
    "int",
    "dict",
    "bytes",
    "(samples, channels) array as one waveform",
    "(waveform, rate) pair",
    "ragged nested sequence",
}


def test_one_batch_of_every_bad_input_costs_only_the_bad_ones(tmp_path, request):
    shared = _has_shared_data(request)
    usable = [c for c in CASES if c.name not in MALFORMED_ITEMS and (shared or not c.needs_shared)]
    sources = []
    for index, case in enumerate(usable):
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        sources.append((case, _source(case, folder, request)))
    good = _sf(tmp_path / "good.wav", _tone())
    X = [good] + [source for _, source in sources] + [good]
    t = MFCCTransformer(on_error="skip")
    features = t.fit_transform(X)
    expected_ok = 2 + sum(case.outcome == OK for case, _ in sources)
    assert features.shape == (expected_ok, 13) and np.isfinite(features).all()
    skipped = {s.index: s for s in t.skipped_}
    for index, (case, source) in enumerate(sources, start=1):
        if case.outcome == OK:
            assert index not in skipped, case.name
        else:
            assert index in skipped, case.name
            assert re.search(case.outcome, skipped[index].reason), skipped[index].reason
            assert skipped[index].source == _name_in_batch(source, index)
    with pytest.warns(UserWarning, match="skipped"):
        MFCCTransformer(on_error="warn").fit_transform(X)


@pytest.mark.parametrize("item", [None, 42, {"a": 1}, np.zeros((100, 2))])
def test_malformed_items_raise_even_when_skipping(item, tone):
    with pytest.raises(AudioError, match=r"X\[1\]"):
        MFCCTransformer(on_error="skip").fit_transform([tone(), item])


@pytest.mark.parametrize("X", [None, 42, {"a": 1}, [], "song.wav", b"RIFF", np.zeros(10)])
def test_wrong_forms_of_X_raise_audio_error(X):
    with pytest.raises(AudioError, match="X"):
        MFCCTransformer().fit_transform(X)


def test_two_d_array_in_the_wrong_orientation_is_one_waveform_per_row():
    """Documented: rows are waveforms, so a (samples, channels) array gives a row per sample."""
    stereo = np.stack([_tone(0.01), _tone(0.01)], axis=1)  # (220, 2)
    features = MFCCTransformer().fit_transform(stereo)
    assert features.shape == (stereo.shape[0], 13) and np.isfinite(features).all()
    np.testing.assert_array_equal(
        features, MFCCTransformer().fit_transform([row for row in stereo])
    )


def test_file_deleted_between_listing_and_reading(tmp_path):
    files = [_sf(tmp_path / f"t{i}.wav", _tone(0.2)) for i in range(3)]
    files[1].unlink()  # listed, then gone
    t = MFCCTransformer(on_error="skip")
    assert t.fit_transform(files).shape == (2, 13)
    assert [(s.index, s.source) for s in t.skipped_] == [(1, str(files[1]))]
    assert "no such file" in t.skipped_[0].reason
    with pytest.raises(AudioError, match=f"{files[1].name}.*no such file"):
        MFCCTransformer().fit_transform(files)


def test_file_deleted_while_being_opened(tmp_path, monkeypatch):
    """The race after the existence check: the decoders' own errors become AudioError."""
    path = _sf(tmp_path / "vanishing.wav", _tone(0.2))
    real = sf.SoundFile

    def vanish(source, *args, **kwargs):
        Path(source).unlink()
        return real(source, *args, **kwargs)

    monkeypatch.setattr(sf, "SoundFile", vanish)
    with pytest.raises(AudioError, match=r"vanishing\.wav") as info:
        load_audio(path)
    assert "No such file" in str(info.value)


def test_without_pyav_the_error_names_the_extra(shared_data, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` fail
    path = _m4a(shared_data)
    with pytest.raises(AudioError, match=r'pip install "generify\[av\]"') as info:
        load_audio(path)
    assert str(path) in str(info.value)


def test_real_m4a_files_decode_through_pyav(shared_data):
    pytest.importorskip("av")
    sitar = shared_data / "indian-instrumental" / "sitar" / "Classical Sitar 1.m4a"
    for path in (_m4a(shared_data), sitar):
        y, sr = load_audio(path, sr=None, mono=False)
        assert sr == 44100 and y.shape[1] == 2 and y.shape[0] > 90 * sr
        part, _ = load_audio(path, sr=None, mono=False, offset=10.0, duration=1.5)
        np.testing.assert_array_equal(part, y[441000 : 441000 + 66150])
    features = MFCCTransformer().fit_transform([_m4a(shared_data), sitar])
    assert features.shape == (2, 13) and np.isfinite(features).all()


def _encode_with_pyav(av, container: str, codec: str, rate: int) -> bytes:
    """One second of a 440-Hz stereo tone, encoded by FFmpeg (through PyAV)."""
    buffer = io.BytesIO()
    y = np.tile(_tone(1.0, rate), (2, 1))  # planar stereo
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "stereo"
        stream.bit_rate = 128_000
        step = stream.codec_context.frame_size or 1024
        for start in range(0, y.shape[1], step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(y[:, start : start + step]), format="fltp", layout="stereo"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("container", "codec", "suffix", "rate"),
    [
        ("webm", "libopus", ".webm", 48000),
        ("asf", "wmav2", ".wma", 44100),
        ("ipod", "aac", ".m4a", 44100),
        ("ipod", "alac", ".m4a", 44100),
    ],
)
def test_formats_libsndfile_refuses_decode_through_pyav(tmp_path, container, codec, suffix, rate):
    av = pytest.importorskip("av")
    try:
        data = _encode_with_pyav(av, container, codec, rate)
    except av.error.FFmpegError as exc:
        pytest.skip(f"this FFmpeg build cannot encode {codec}: {exc}")
    path = _write(tmp_path / f"tone{suffix}", data)
    with pytest.raises(sf.LibsndfileError):
        sf.SoundFile(path)
    y, sr = load_audio(path)
    assert sr == SR and abs(y.shape[0] - SR) < 0.1 * SR  # codec padding aside, 1 s
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(spectrum.argmax() * SR / y.shape[0] - 440) < 5  # the tone, at its pitch
    assert abs(np.sqrt(np.mean(y**2)) - 0.5 / np.sqrt(2)) < 0.05


def _clips(folder: Path, tone) -> list[Path]:
    paths = []
    for i, freq in enumerate((220, 330, 440, 550)):
        path = folder / f"c{i}.wav"
        sf.write(path, tone(freq, 1.5), 22050)
        paths.append(path)
    return paths


def test_generators_are_read_once(tmp_path, tone):
    paths = _clips(tmp_path, tone)
    labels = ["low", "low", "high", "high"]
    rows = MFCCTransformer().fit_transform(iter(paths))
    np.testing.assert_array_equal(rows, MFCCTransformer().fit_transform(paths))
    from_generator = GenreClassifier().fit((p for p in paths), labels)
    assert from_generator.n_tracks_ == 4
    np.testing.assert_array_equal(
        from_generator.predict_proba(paths),
        GenreClassifier().fit(paths, labels).predict_proba(paths),
    )


@pytest.mark.parametrize("duration", [-1.0, 0, float("nan"), float("inf"), "3", True])
def test_invalid_segment_duration_raises_before_any_decoding(tmp_path, tone, duration):
    paths = _clips(tmp_path, tone)
    with pytest.raises(ValueError, match="segment_duration must be a positive finite number"):
        MFCCTransformer().fit(paths).transform_segments(paths, segment_duration=duration)
    model = GenreClassifier(segment_duration=1.0).fit(paths, ["a", "a", "b", "b"])
    model.set_params(segment_duration=duration)  # after fit: checked when predicting too
    for predict in (model.predict, model.predict_proba):
        with pytest.raises(ValueError, match="segment_duration must be a positive finite"):
            predict(paths)
    with pytest.raises(ValueError, match="segment_duration must be a positive finite"):
        model.predict_timeline(paths[0])


@pytest.mark.parametrize("fraction", [-3, 1.5, float("nan"), None])
def test_invalid_min_segment_fraction(tmp_path, tone, fraction):
    paths = _clips(tmp_path, tone)
    with pytest.raises(ValueError, match=r"min_segment_fraction must be a number in \[0, 1\]"):
        MFCCTransformer().fit(paths).transform_segments(
            paths, segment_duration=1.0, min_segment_fraction=fraction
        )


def test_training_on_unreadable_tracks_names_them(tmp_path, tone):
    good = _clips(tmp_path, tone)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio " * 100)
    with pytest.raises(AudioError, match=r"nothing to learn from \(skipped .*bad\.wav: "):
        GenreClassifier(on_error="skip").fit([bad, bad], ["a", "b"])
    # the only "b" track is unreadable: one genre is left, and the error says which was lost
    with pytest.raises(AudioError, match=r"every track of b was unreadable.*bad\.wav"):
        GenreClassifier(on_error="skip").fit([*good[:2], bad], ["a", "a", "b"])
    # two genres are left: the model is trained, with a warning naming the one it lost
    with pytest.warns(UserWarning, match="every track of c was skipped as unreadable"):
        model = GenreClassifier(on_error="skip").fit([*good, bad], ["a", "a", "b", "b", "c"])
    assert list(model.classes_) == ["a", "b"]


def test_evaluate_names_unreadable_inputs_and_unreported_drops(tmp_path, tone):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from generify.evaluation import evaluate

    good = _clips(tmp_path, tone)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio " * 100)
    model = GenreClassifier(on_error="skip").fit(good, ["a", "a", "b", "b"])
    with pytest.raises(AudioError, match=r"no input could be read.*bad\.wav"):
        evaluate(model, [bad, bad], ["a", "b"])
    pipeline = make_pipeline(MFCCTransformer(on_error="skip"), LogisticRegression())
    pipeline.fit(good, ["a", "a", "b", "b"])
    with pytest.raises(ModelError, match="gave 4 predictions for 5 inputs"):
        evaluate(pipeline, [*good, bad], ["a", "a", "b", "b", "a"])


def test_file_objects_reach_worker_processes(tmp_path, tone):
    paths = _clips(tmp_path, tone)
    expected = MFCCTransformer().fit_transform(paths)
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(open(path, "rb")) for path in paths]
        rows = MFCCTransformer(n_jobs=2).fit_transform(handles)  # open files cannot be pickled
    np.testing.assert_array_equal(rows, expected)
    closed = open(paths[0], "rb")
    closed.close()
    with pytest.raises(AudioError, match="file object is closed"):
        MFCCTransformer(n_jobs=2).fit_transform([closed, *paths])
    skipping = MFCCTransformer(n_jobs=2, on_error="skip")
    np.testing.assert_array_equal(skipping.fit_transform([*paths, closed]), expected)
    assert [s.index for s in skipping.skipped_] == [4]
    assert "file object is closed" in skipping.skipped_[0].reason


def test_integer_waveforms_are_pcm_scaled_as_files_are(tmp_path, tone):
    y = tone(440, 1.0)
    path = tmp_path / "pcm16.wav"
    sf.write(path, y, 22050, subtype="PCM_16")
    pcm16, _ = sf.read(path, dtype="int16")
    from_file = MFCCTransformer().fit_transform([path])
    np.testing.assert_array_equal(MFCCTransformer().fit_transform([pcm16]), from_file)
    np.testing.assert_array_equal(MFCCTransformer().fit_transform(np.stack([pcm16])), from_file)
    path8 = tmp_path / "pcm8.wav"
    sf.write(path8, y, 22050, subtype="PCM_U8")
    with sf.SoundFile(path8) as f:  # 8-bit WAV holds unsigned bytes centred on 128
        raw = np.frombuffer(path8.read_bytes()[-f.frames :], dtype=np.uint8)
    np.testing.assert_allclose(
        MFCCTransformer().fit_transform([raw]), MFCCTransformer().fit_transform([path8]), rtol=1e-12
    )


@pytest.mark.parametrize("rate", [True, 0, -22050, 22050.0])
def test_transformer_sample_rate_must_be_a_positive_integer(rate):
    with pytest.raises(ValueError, match="sample_rate must be a positive integer"):
        MFCCTransformer(sample_rate=rate).fit_parameters()
