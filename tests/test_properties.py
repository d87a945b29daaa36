"""Property-based tests: arbitrary bytes and waveforms give only documented outcomes.

``load_audio`` returns finite float32 samples in [-1, 1] at the asked rate, or raises
:class:`~generify.errors.AudioError`.  ``MFCCTransformer`` returns finite features of
the documented shape, or raises ``AudioError`` for an empty waveform or one so loud
(beyond about 1e150) that its power spectrum overflows.
"""

from __future__ import annotations

import io
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from generify import AudioError, MFCCTransformer, load_audio

SR = 22050
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _documented_load(source) -> None:
    try:
        y, sr = load_audio(source, sr=SR)
    except AudioError as exc:
        assert str(exc).strip()
        return
    assert sr == SR
    assert y.dtype == np.float32 and y.ndim == 1 and y.shape[0] > 0
    assert np.isfinite(y).all() and np.abs(y).max() <= 1.0


@PROPERTY
@given(data=st.binary(max_size=4096))
def test_load_audio_on_arbitrary_bytes(data):
    _documented_load(io.BytesIO(data))


@PROPERTY
@given(
    data=st.binary(min_size=1, max_size=2048),
    suffix=st.sampled_from([".wav", ".mp3", ".flac", ".ogg", ".m4a", ".webm", ""]),
)
def test_load_audio_on_arbitrary_files(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_bytes(data)
        _documented_load(path)


def _wav(rate: int, channels: int, bits: int, tag: int, data: bytes, claimed: int) -> bytes:
    block = (channels * bits // 8) % 2**16
    fmt = struct.pack("<IHHIIHH", 16, tag, channels, rate, (rate * block) % 2**32, block, bits)
    body = b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", claimed) + data
    return b"RIFF" + struct.pack("<I", len(body) % 2**32) + body


@PROPERTY
@given(
    rate=st.one_of(st.sampled_from([0, 1, 8000, 22050, 44100, 96000]), st.integers(0, 2**32 - 1)),
    channels=st.one_of(st.sampled_from([0, 1, 2, 6]), st.integers(0, 2**16 - 1)),
    bits=st.one_of(st.sampled_from([0, 8, 16, 24, 32, 64]), st.integers(0, 2**16 - 1)),
    tag=st.one_of(st.sampled_from([1, 3, 6, 7, 0xFFFE]), st.integers(0, 2**16 - 1)),
    data=st.binary(max_size=3000),
    claimed=st.one_of(st.just(-1), st.integers(0, 2**32 - 1)),
)
def test_load_audio_on_wav_headers_with_arbitrary_fields(rate, channels, bits, tag, data, claimed):
    _documented_load(
        io.BytesIO(_wav(rate, channels, bits, tag, data, len(data) if claimed < 0 else claimed))
    )


def _encodings() -> dict[str, bytes]:
    t = np.arange(SR // 2) / SR
    y = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = {}
    for fmt, subtype in [("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("MP3", None)]:
        buffer = io.BytesIO()
        sf.write(buffer, y, SR, format=fmt, subtype=subtype)
        out[fmt] = buffer.getvalue()
    return out


ENCODINGS = _encodings()


@PROPERTY
@given(
    fmt=st.sampled_from(sorted(ENCODINGS)),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=12),
    header_flips=st.lists(st.tuples(st.integers(0, 63), st.integers(0, 255)), max_size=4),
)
def test_load_audio_on_damaged_real_encodings(fmt, cut, flips, header_flips):
    data = bytearray(ENCODINGS[fmt][: max(1, round(len(ENCODINGS[fmt]) * cut))])
    for where, value in flips:
        data[min(len(data) - 1, int(where * len(data)))] = value
    for where, value in header_flips:
        if where < len(data):
            data[where] = value
    _documented_load(io.BytesIO(bytes(data)))


STATISTICS = ("mean", "std", "delta_mean", "delta_std")


def _overflow_amplitude(sample_rate: int) -> float:
    """A peak amplitude below which the MFCC power spectrum cannot overflow float64.

    Pre-emphasis ``y[n] - 0.97 y[n-1]`` gives samples up to ``1.97 A``, so the real and
    imaginary parts of a frame's spectrum are at most ``1.97 A`` times its length
    (25 ms; ``ceil`` is never below the implementation's rounding); they are squared
    before the ``1 / nfft``, so nothing overflows unless that exceeds
    ``sqrt(float64 max)``: 1.2e151 at 22050 Hz.  Every later value is smaller (Parseval)
    or a logarithm.  A full-scale Nyquist tone (``A, -A, ...``) reaches it: 1.01 times
    this amplitude overflows, 0.99 times does not.
    """
    frame_len = math.ceil(0.025 * sample_rate)
    return math.sqrt(np.finfo(np.float64).max) / (1.97 * frame_len)


_NYQUIST = (-1.0) ** np.arange(3000)


@PROPERTY
@example(y=0.98 * _overflow_amplitude(SR) * _NYQUIST, sample_rate=SR)
@given(
    y=arrays(
        np.float64,
        st.integers(0, 3000),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    ),
    sample_rate=st.integers(1000, 192_000),
)
def test_mfcc_transformer_on_arbitrary_finite_waveforms(y, sample_rate):
    transformer = MFCCTransformer(sample_rate=sample_rate, statistics=STATISTICS)
    try:
        features = transformer.fit_transform([y])
    except AudioError as exc:
        if y.size == 0:
            assert "X[0]: empty waveform" in str(exc)
        else:
            # 1 % of margin for rounding (the FFT's is about 1e-13 relative)
            assert "not finite" in str(exc), str(exc)
            assert np.abs(y).max() > 0.99 * _overflow_amplitude(sample_rate), str(exc)
        return
    assert y.size > 0
    assert features.shape == (1, 4 * 13)
    assert np.isfinite(features).all()


@PROPERTY
@given(
    y=arrays(
        np.float32,
        st.integers(1, 3000),
        elements=st.floats(-1, 1, width=32),
    ),
    sample_rate=st.sampled_from([8000, 16000, 22050, 44100, 48000, 96000]),
)
def test_mfcc_transformer_on_audio_range_waveforms_never_raises(y, sample_rate):
    features = MFCCTransformer(sample_rate=sample_rate, statistics=STATISTICS).fit_transform([y])
    assert features.shape == (1, 4 * 13) and np.isfinite(features).all()


@pytest.mark.parametrize("n", [0, 1, 2, 550, 551, 552])
def test_mfcc_transformer_lengths_around_one_frame(n, tone):
    y = tone(440, 1.0)[:n]
    t = MFCCTransformer()
    if n == 0:
        with pytest.raises(AudioError, match="empty waveform"):
            t.fit_transform([y])
    else:
        assert np.isfinite(t.fit_transform([y])).all()
