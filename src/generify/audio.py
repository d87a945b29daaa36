"""Audio input: decode, down-mix, resample, and read only the frames asked for.

libsndfile (through :mod:`soundfile`) reads WAV (8/16/24/32-bit integer and float), AU,
AIFF, FLAC, OGG/Vorbis and MP3.  Files it refuses (AAC/ALAC in ``.m4a``, Opus in
``.webm``, WMA, ...) are decoded by PyAV when the optional extra ``generify[av]`` is
installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from .errors import AudioError

__all__ = ["AudioInfo", "AudioSource", "audio_info", "describe_source", "iter_blocks", "load_audio"]

AudioSource = str | os.PathLike | BinaryIO


@dataclass(frozen=True)
class AudioInfo:
    """What a source holds before any decoding.

    Attributes
    ----------
    frames : int
        Number of sample frames (samples per channel).
    sample_rate : int
        Native sampling rate in Hz.
    channels : int
        Number of channels.
    duration : float
        Length in seconds.
    """

    frames: int
    sample_rate: int
    channels: int

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def describe_source(source: Any) -> str:
    """Name a source for messages: its path, or the name of a file object."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    if isinstance(name, (str, os.PathLike)):
        return os.fspath(name)
    return f"<{type(source).__name__}>"


def _check_source(source: Any) -> None:
    name = describe_source(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise AudioError(f"{name}: no such file")
        if path.is_dir():
            raise AudioError(f"{name}: is a directory, not an audio file")
        if path.stat().st_size == 0:
            raise AudioError(f"{name}: empty file (0 bytes)")
    elif not (hasattr(source, "read") and hasattr(source, "seek")):
        raise AudioError(
            f"{name}: not an audio source; expected a path or a binary file object, "
            f"got {type(source).__name__}"
        )


def _open_soundfile(source: Any) -> sf.SoundFile:
    _rewind(source)
    try:
        return sf.SoundFile(source)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _Unsupported(str(exc)) from exc


class _Unsupported(Exception):
    """libsndfile refused the data; another decoder may still read it."""


def audio_info(source: AudioSource) -> AudioInfo:
    """Read the length, rate and channel count of a source without decoding it.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        The audio to inspect.

    Returns
    -------
    AudioInfo

    Raises
    ------
    AudioError
        If the source is missing, not audio, or holds no frames.
    """
    _check_source(source)
    try:
        with _open_soundfile(source) as f:
            info = AudioInfo(frames=f.frames, sample_rate=f.samplerate, channels=f.channels)
    except _Unsupported as exc:
        y, native_sr = _decode_with_av(source, reason=str(exc))
        info = AudioInfo(frames=y.shape[0], sample_rate=native_sr, channels=y.shape[1])
    if info.frames <= 0:
        raise AudioError(f"{describe_source(source)}: holds no audio frames")
    return info


def load_audio(
    source: AudioSource,
    *,
    sr: int | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
) -> tuple[np.ndarray, int]:
    """Load audio as floating-point samples.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        The file to read.
    sr : int or None, default=22050
        Target sampling rate in Hz.  The signal is resampled with
        :func:`scipy.signal.resample_poly` when the file's rate differs.  ``None`` keeps
        the file's native rate.
    mono : bool, default=True
        Down-mix to one channel by averaging the channels.
    offset : float, default=0.0
        Start reading this many seconds into the file.
    duration : float or None, default=None
        Read at most this many seconds.  Only the frames needed are decoded (for formats
        libsndfile reads; PyAV decodes from the start of the stream up to the end of the
        requested span).

    Returns
    -------
    y : np.ndarray of float32
        Samples in [-1, 1], shape ``(n_samples,)`` if ``mono`` else
        ``(n_samples, n_channels)``.  Decoded values past full scale (as MP3 decoding can
        produce) are clipped to [-1, 1].
    sr : int
        Sampling rate of ``y`` in Hz.

    Raises
    ------
    AudioError
        The message names the source and the cause: missing path, a directory,
        unreadable, corrupt or unsupported data, zero frames, an offset past the end,
        non-finite samples.
    """
    name = describe_source(source)
    if sr is not None and (not isinstance(sr, (int, np.integer)) or sr <= 0):
        raise AudioError(f"{name}: sr must be a positive integer number of Hz, got {sr!r}")
    if not np.isfinite(offset) or offset < 0:
        raise AudioError(f"{name}: offset must be a finite number of seconds >= 0, got {offset!r}")
    if duration is not None and (not np.isfinite(duration) or duration <= 0):
        raise AudioError(f"{name}: duration must be a positive number of seconds, got {duration!r}")
    _check_source(source)
    try:
        y, native_sr = _read_soundfile(source, offset=offset, duration=duration)
    except _Unsupported as exc:
        y, native_sr = _decode_with_av(source, reason=str(exc))
        y = _slice_seconds(y, native_sr, offset=offset, duration=duration, name=name)
    return _finish(y, native_sr, sr=sr, mono=mono, name=name)


def iter_blocks(
    source: AudioSource,
    *,
    block_duration: float,
    sr: int | None = 22050,
    mono: bool = True,
) -> Iterator[tuple[float, np.ndarray]]:
    """Stream a file in consecutive blocks, never holding the whole decode.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        The file to read.
    block_duration : float
        Length of each block in seconds; the last block may be shorter.
    sr : int or None, default=22050
        Target sampling rate in Hz (``None``: native).  Each block is resampled on its
        own.
    mono : bool, default=True
        Down-mix to one channel.

    Yields
    ------
    start : float
        Start time of the block in seconds.
    y : np.ndarray of float32
        The block's samples, as :func:`load_audio` returns them.
    """
    name = describe_source(source)
    if not block_duration > 0:
        raise AudioError(f"{name}: block_duration must be positive, got {block_duration!r}")
    _check_source(source)
    try:
        handle = _open_soundfile(source)
    except _Unsupported as exc:
        # Formats outside libsndfile have no cheap seeking here: decode once, then slice.
        y, native_sr = _decode_with_av(source, reason=str(exc))
        step = max(1, round(block_duration * native_sr))
        for start in range(0, y.shape[0], step):
            block = _finish(y[start : start + step], native_sr, sr=sr, mono=mono, name=name)[0]
            yield start / native_sr, block
        return
    with handle:
        native_sr = handle.samplerate
        if handle.frames <= 0:
            raise AudioError(f"{name}: holds no audio frames")
        step = max(1, round(block_duration * native_sr))
        start = 0
        try:
            for block in handle.blocks(blocksize=step, dtype="float32", always_2d=True):
                yield start / native_sr, _finish(block, native_sr, sr=sr, mono=mono, name=name)[0]
                start += block.shape[0]
        except sf.LibsndfileError as exc:
            raise AudioError(
                f"{name}: corrupt audio data after {start / native_sr:.2f} s ({exc})"
            ) from exc


def _read_soundfile(
    source: Any, *, offset: float, duration: float | None
) -> tuple[np.ndarray, int]:
    name = describe_source(source)
    with _open_soundfile(source) as f:
        native_sr = f.samplerate
        total = f.frames
        if total <= 0:
            raise AudioError(f"{name}: holds no audio frames")
        start = round(offset * native_sr)
        if start >= total:
            raise _offset_past_end(name, offset, total / native_sr)
        count = -1 if duration is None else max(1, round(duration * native_sr))
        try:
            if start:
                f.seek(start)
            y = f.read(count, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(f"{name}: corrupt or truncated audio data ({exc})") from exc
    if y.shape[0] == 0:
        raise AudioError(f"{name}: no audio frames could be decoded")
    return y, native_sr


def _decode_with_av(source: Any, *, reason: str) -> tuple[np.ndarray, int]:
    """Decode the whole stream with PyAV (FFmpeg), as float32 of shape (frames, channels)."""
    name = describe_source(source)
    try:
        import av
    except ImportError:
        raise AudioError(
            f"{name}: libsndfile cannot decode this file ({reason}); for AAC/ALAC (.m4a), "
            "Opus (.webm), WMA and other FFmpeg formats install the extra: "
            'pip install "generify[av]"'
        ) from None
    _rewind(source)
    target = os.fspath(source) if isinstance(source, (str, os.PathLike)) else source
    chunks: list[np.ndarray] = []
    try:
        with av.open(target) as container:
            if not container.streams.audio:
                raise AudioError(f"{name}: contains no audio stream")
            stream = container.streams.audio[0]
            native_sr = int(stream.codec_context.sample_rate or stream.rate)
            resampler = av.AudioResampler(format="flt", layout=stream.layout.name, rate=native_sr)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1, len(out.layout.channels)))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1, len(out.layout.channels)))
    except AudioError:
        raise
    except Exception as exc:  # PyAV raises many types (av.error.*, ValueError, ...)
        raise AudioError(
            f"{name}: unreadable or unsupported audio ({reason}; FFmpeg: {exc})"
        ) from exc
    if not chunks or sum(c.shape[0] for c in chunks) == 0:
        raise AudioError(f"{name}: holds no audio frames")
    return np.concatenate(chunks).astype(np.float32, copy=False), native_sr


def _slice_seconds(
    y: np.ndarray, native_sr: int, *, offset: float, duration: float | None, name: str
) -> np.ndarray:
    start = round(offset * native_sr)
    if start >= y.shape[0]:
        raise _offset_past_end(name, offset, y.shape[0] / native_sr)
    stop = None if duration is None else start + max(1, round(duration * native_sr))
    return y[start:stop]


def _offset_past_end(name: str, offset: float, length: float) -> AudioError:
    return AudioError(f"{name}: offset {offset:g} s is past the end of the audio ({length:.3f} s)")


def _finish(
    y: np.ndarray, native_sr: int, *, sr: int | None, mono: bool, name: str
) -> tuple[np.ndarray, int]:
    """Check, down-mix, resample and clip a (frames, channels) block."""
    if not np.isfinite(y).all():
        raise AudioError(f"{name}: contains non-finite samples (NaN or inf)")
    if mono:
        y = y.mean(axis=1, dtype=np.float32) if y.shape[1] > 1 else y[:, 0]
    if sr is not None and sr != native_sr:
        y = resample(y, orig_sr=native_sr, target_sr=sr)
    else:
        sr = native_sr
    y = np.clip(y, -1.0, 1.0, out=np.ascontiguousarray(y, dtype=np.float32))
    return y, int(sr)


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample along the first axis with a polyphase filter.

    Parameters
    ----------
    y : np.ndarray
        Signal, time along axis 0.
    orig_sr, target_sr : int
        Original and target sampling rates in Hz.

    Returns
    -------
    np.ndarray of float32
        The resampled signal, ``ceil(len(y) * target_sr / orig_sr)`` samples long.
    """
    ratio = Fraction(int(target_sr), int(orig_sr))
    out = resample_poly(y, ratio.numerator, ratio.denominator, axis=0)
    return out.astype(np.float32, copy=False)


def _rewind(source: Any) -> None:
    """Read file objects from their start, so that one object can be featurized twice."""
    seekable = getattr(source, "seekable", None)
    if seekable is not None and seekable():
        source.seek(0)
