"""Audio input: decode, down-mix, resample, and read only the frames asked for.

libsndfile (through :mod:`soundfile`) reads WAV (8/16/24/32-bit integer and float), AU,
AIFF, FLAC, OGG/Vorbis and MP3.  Files it refuses (AAC/ALAC in ``.m4a``, Opus in
``.webm``, WMA, ...) are decoded by PyAV when the optional extra ``generify[av]`` is
installed.
"""

from __future__ import annotations

import collections
import io
import itertools
import math
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
import soxr

from ._checks import is_finite_real, is_integer
from .errors import AudioError

__all__ = ["AudioInfo", "AudioSource", "audio_info", "describe_source", "iter_blocks", "load_audio"]

AudioSource = str | os.PathLike | BinaryIO

#: Native sampling rates (Hz) accepted from a file's header.  Real audio lies between
#: telephone (8 kHz) and DXD (768 kHz); a rate outside this range is a damaged header,
#: and resampling from it could need terabytes (2**31 Hz) or hours (1 Hz).
PLAUSIBLE_RATES = (1_000, 1_000_000)

#: libsoxr's preset for every rate conversion (librosa's default, "soxr_hq").  Measured
#: from 44.1 to 22.05 kHz: 0.0 dB at 10 kHz, -3.8 dB at 10.5 kHz, below -99 dB from
#: 11 kHz up, where scipy's ``resample_poly`` passes -5.8 dB at 11 kHz and -12.6 dB at
#: 11.6 kHz (which then aliases to 10.45 kHz).
RESAMPLE_QUALITY = "HQ"

#: Frames of this many samples decide what is silence at a track's ends (the frame
#: length of ``librosa.effects.trim``).
SILENCE_FRAME = 2048
#: Seconds of silence after the last sound held back while a stream waits to see
#: whether the track ends in it; a longer silence is kept, the part beyond this as part
#: of the track.  It bounds what trimming holds: 10.6 MB per channel of float32 at
#: 22050 Hz, plus the rest of the decoded block the silence started in.
MAX_TRAILING_SILENCE = 120.0

#: Samples decoded per libsndfile call.  soundfile allocates the frames asked for up
#: front, and a damaged header can claim terabytes, so reads go in bounded chunks and
#: stop at the real end of the data.
_CHUNK_SAMPLES = 1 << 22


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
        return str(os.fspath(source))
    name = getattr(source, "name", None)
    if isinstance(name, (str, os.PathLike)):
        return os.fspath(name)
    return f"<{type(source).__name__}>"


def _check_target_rate(sr: Any, name: str) -> None:
    """Reject a target rate that is not None or a positive integer number of Hz."""
    if sr is not None and not (is_integer(sr) and sr > 0):
        raise AudioError(f"{name}: sr must be a positive integer number of Hz, got {sr!r}")


def _check_source(source: Any) -> Any:
    """Reject what cannot be audio; return the source, in memory if it cannot seek."""
    name = describe_source(source)
    if isinstance(source, (str, os.PathLike)):
        if not name:
            raise AudioError("'': empty path, not an audio file")
        try:
            mode = Path(source).stat()
        except FileNotFoundError:
            raise AudioError(f"{name}: no such file") from None
        except (OSError, ValueError) as exc:  # too long, NUL byte, permission, I/O error
            raise AudioError(f"{name}: cannot be accessed ({exc})") from exc
        if stat.S_ISDIR(mode.st_mode):
            raise AudioError(f"{name}: is a directory, not an audio file")
        if not stat.S_ISREG(mode.st_mode):
            # opening a FIFO blocks until a writer comes; a device may never end
            raise AudioError(f"{name}: not a regular file (a pipe, socket or device)")
        if mode.st_size == 0:
            raise AudioError(f"{name}: empty file (0 bytes)")
        return os.fspath(source) if isinstance(source, str) else source  # np.str_ -> str
    if isinstance(source, io.TextIOBase):
        raise AudioError(f"{name}: file object is open in text mode; open it with mode 'rb'")
    if not hasattr(source, "read"):
        raise AudioError(
            f"{name}: not an audio source; expected a path or a binary file object, "
            f"got {type(source).__name__}"
        )
    if getattr(source, "closed", False):
        raise AudioError(f"{name}: file object is closed")
    seekable = getattr(source, "seekable", None)
    if seekable is not None and seekable():
        return source
    # Decoders seek (to find the header, the length, the end): buffer a stream (pipe,
    # socket, HTTP response) in memory.
    return _read_into_memory(source, name)


def _read_into_memory(source: Any, name: str) -> io.BytesIO:
    """A file object's content (from its start when it can seek) as a file named ``name``."""
    try:
        _rewind(source)
        data = source.read()
    except OSError as exc:
        raise AudioError(f"{name}: cannot be read ({exc})") from exc
    if not isinstance(data, bytes) or not data:
        raise AudioError(f"{name}: the stream gave no bytes")
    buffered = io.BytesIO(data)
    buffered.name = name  # for messages
    return buffered


def _in_memory(source: Any) -> Any:
    """A binary file object's whole content as a named in-memory file; paths unchanged.

    Worker processes cannot receive an open file, but they can receive its bytes.
    """
    if isinstance(source, (str, os.PathLike)) or isinstance(source, io.BytesIO):
        return source
    checked = _check_source(source)  # typed errors for closed or text-mode objects
    if checked is not source:
        return checked  # a stream, already read into memory
    return _read_into_memory(source, describe_source(source))


def _open_soundfile(source: Any) -> sf.SoundFile:
    _rewind(source)
    try:
        handle = sf.SoundFile(source)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _Unsupported(str(exc)) from exc
    try:
        _check_rate(handle.samplerate, describe_source(source))
    except AudioError:
        handle.close()
        raise
    return handle


def _check_rate(rate: int, name: str) -> None:
    low, high = PLAUSIBLE_RATES
    if not low <= rate <= high:
        raise AudioError(
            f"{name}: implausible sample rate {rate} Hz in the file's header (damaged file?); "
            f"accepted: {low}-{high} Hz"
        )


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
    source = _check_source(source)
    try:
        with _open_soundfile(source) as f:
            info = AudioInfo(frames=f.frames, sample_rate=f.samplerate, channels=f.channels)
    except _Unsupported as exc:
        # FFmpeg's stream headers only estimate the length: count the decoded frames.
        shapes = [(rate, *chunk.shape) for rate, chunk in _iter_av(source, reason=str(exc))]
        rate, _, channels = shapes[0] if shapes else (0, 0, 0)
        frames = sum(n for _, n, _ in shapes)
        info = AudioInfo(frames=frames, sample_rate=rate, channels=channels)
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
        The file to read: a regular file (not a pipe or device path), or a file object
        opened in binary mode.  A stream that cannot seek (pipe, socket) is read into
        memory first.
    sr : int or None, default=22050
        Target sampling rate in Hz.  The signal is resampled with :func:`resample`
        (libsoxr) when the file's rate differs.  ``None`` keeps the file's native rate.
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
        The message names the source and the cause: a missing or inaccessible path, a
        directory, pipe or device, an empty file, a closed or text-mode file object,
        unreadable, corrupt or unsupported data (with the ``generify[av]`` extra to
        install when only FFmpeg could read it), zero frames, an implausible sample rate
        in the header (outside ``PLAUSIBLE_RATES``), an offset past the end, non-finite
        samples, or an invalid ``sr``, ``offset`` or ``duration``.  No other exception
        type escapes on bad input.

    Notes
    -----
    A WAV or MP3 file cut short (its header claims more data than it holds) gives the
    frames it does hold; a FLAC or M4A file cut short raises.
    """
    name = describe_source(source)
    _check_target_rate(sr, name)
    if not (is_finite_real(offset) and offset >= 0):
        raise AudioError(f"{name}: offset must be a finite number of seconds >= 0, got {offset!r}")
    if duration is not None and not (is_finite_real(duration) and duration > 0):
        raise AudioError(f"{name}: duration must be a positive number of seconds, got {duration!r}")
    source = _check_source(source)
    try:
        y, native_sr = _read_soundfile(source, offset=offset, duration=duration)
    except _Unsupported as exc:
        until = None if duration is None else offset + duration
        y, native_sr = _decode_with_av(source, reason=str(exc), until=until)
        y = _slice_seconds(y, native_sr, offset=offset, duration=duration, name=name)
    return _finish(y, native_sr, sr=sr, mono=mono, name=name)


def iter_blocks(
    source: AudioSource,
    *,
    block_duration: float,
    sr: int | None = 22050,
    mono: bool = True,
    trim_db: float | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Stream a file in consecutive blocks, never holding the whole decode.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        The file to read.
    block_duration : float
        Length of each block in seconds; the last block may be shorter.
    sr : int or None, default=22050
        Target sampling rate in Hz (``None``: native).  The stream goes through one
        resampler, so the blocks join without seams and, concatenated, equal
        :func:`load_audio`'s samples; every block but the last holds exactly
        ``round(block_duration * sr)`` samples.
    mono : bool, default=True
        Down-mix to one channel.
    trim_db : float or None, default=None
        Leave out the silence at the start and the end of the file: the frames of
        :data:`SILENCE_FRAME` samples (counted from the file's first sample, at ``sr``)
        whose RMS over all channels is at most ``trim_db`` dBFS (e.g. -60.0), before
        the first louder frame and after the last one.  Blocks then run from the first
        sample above the level in the first louder frame to the last such sample in the
        last louder frame, and silence inside the file is kept; of a final silence longer
        than :data:`MAX_TRAILING_SILENCE` seconds, only that much is left out.  A file
        with no louder frame raises :class:`~generify.errors.AudioError`.  ``None``
        keeps every sample.

    Yields
    ------
    start : float
        Start time of the block in seconds from the start of the file.
    y : np.ndarray of float32
        The block's samples, as :func:`load_audio` returns them.
    """
    name = describe_source(source)
    if not (is_finite_real(block_duration) and block_duration > 0):
        raise AudioError(
            f"{name}: block_duration must be a positive finite number of seconds, "
            f"got {block_duration!r}"
        )
    _check_target_rate(sr, name)
    check_trim_db(trim_db)
    native = _native_blocks(_check_source(source), block_duration=block_duration, name=name)
    first = next(native, None)
    if first is None:
        raise AudioError(f"{name}: holds no audio frames")
    native_sr = first[0]
    pieces = (_mixed(block, mono=mono, name=name) for _, block in itertools.chain([first], native))
    if sr is None or sr == native_sr:
        sr = native_sr
    else:
        pieces = _resampled_stream(pieces, orig_sr=native_sr, target_sr=sr)
    size = max(1, round(block_duration * sr))
    for start, y in cut_blocks(pieces, size=size, sr=sr, trim_db=trim_db, name=name):
        yield start / sr, np.clip(y, -1.0, 1.0, out=y)


def _native_blocks(
    source: Any, *, block_duration: float, name: str
) -> Iterator[tuple[int, np.ndarray]]:
    """``(native rate in Hz, float32 (frames, channels))`` blocks of ``block_duration`` s."""
    try:
        handle = _open_soundfile(source)
    except _Unsupported as exc:
        yield from _iter_av(source, reason=str(exc), block_duration=block_duration)
        return
    with handle:
        native_sr = handle.samplerate
        if handle.frames <= 0:
            return
        step = max(1, round(block_duration * native_sr))
        start = 0
        try:
            # Not handle.blocks(): it trusts the header's frame count, and on a file
            # shorter than its header claims, it repeats stale data until that count.
            while (block := _read_frames(handle, step)).shape[0]:
                yield native_sr, block
                start += block.shape[0]
                if block.shape[0] < step:
                    break
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(
                f"{name}: corrupt audio data after {start / native_sr:.2f} s ({exc})"
            ) from exc


def _resampled_stream(
    blocks: Iterator[np.ndarray], *, orig_sr: int, target_sr: int
) -> Iterator[np.ndarray]:
    """libsoxr's output for consecutive blocks (of uneven length), then its flushed tail.

    One filter runs over the whole stream, so its pieces join without seams and together
    equal :func:`resample` of the whole signal.
    """
    stream = empty = None
    for y in blocks:
        if stream is None:
            channels = 1 if y.ndim == 1 else y.shape[1]
            stream = soxr.ResampleStream(
                orig_sr, target_sr, channels, dtype="float32", quality=RESAMPLE_QUALITY
            )
            empty = y[:0]
        yield stream.resample_chunk(y)
    if stream is not None:
        yield stream.resample_chunk(empty, last=True)


def check_trim_db(trim_db: Any) -> None:
    """Reject a silence threshold that is not None or a finite number of dBFS below 0."""
    if trim_db is not None and not (is_finite_real(trim_db) and trim_db < 0):
        raise ValueError(
            f"trim_db must be None or a finite level in dBFS below 0 (e.g. -60.0), got {trim_db!r}"
        )


def cut_blocks(
    pieces: Iterable[np.ndarray], *, size: int, sr: int, trim_db: float | None, name: str
) -> Iterator[tuple[int, np.ndarray]]:
    """Re-cut consecutive pieces of a signal into blocks of ``size`` samples.

    Yields ``(position of the block's first sample, block)``, positions in samples from
    the signal's start; the last block may be shorter.  With ``trim_db``, the signal's
    silent start and end are left out first, as :func:`iter_blocks` describes.  Raises
    :class:`~generify.errors.AudioError` naming ``name`` when nothing is left.
    """
    if trim_db is None:
        stream = _positioned(pieces)
    else:
        stream = _between_silences(
            pieces,
            level_db=trim_db,
            max_held=round(MAX_TRAILING_SILENCE * sr),
            silent=f"{name}: silent (no {SILENCE_FRAME}-sample frame above {trim_db:g} dBFS RMS)",
        )
    held = _Pieces()
    position = 0
    empty = True
    for start, piece in stream:
        if not held.n_samples:
            position = int(start)
        held.append(piece)
        while held.n_samples >= size:
            yield position, _joined(held.take(size))
            empty = False
            position += size
    if held.n_samples:
        yield position, _joined(held.take(held.n_samples))
    elif empty:
        raise AudioError(f"{name}: shorter than one sample at {sr} Hz")


class _Pieces:
    """Consecutive pieces of a signal, in order; samples are taken from the front.

    What is taken is views of the pieces held; only :func:`_joined` copies, to make one
    block of samples that span pieces.
    """

    def __init__(self) -> None:
        self._pieces: collections.deque[np.ndarray] = collections.deque()
        self.n_samples = 0

    def append(self, piece: np.ndarray) -> None:
        if piece.shape[0]:
            self._pieces.append(piece)
            self.n_samples += piece.shape[0]

    def take(self, n: int) -> list[np.ndarray]:
        """The first ``n`` samples held (all of them if fewer), as consecutive views."""
        taken = []
        while n > 0 and self._pieces:
            piece = self._pieces.popleft()
            if piece.shape[0] > n:
                self._pieces.appendleft(piece[n:])
                piece = piece[:n]
            taken.append(piece)
            n -= piece.shape[0]
            self.n_samples -= piece.shape[0]
        return taken


def _joined(pieces: list[np.ndarray]) -> np.ndarray:
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _positioned(
    pieces: Iterable[np.ndarray], position: int = 0
) -> Iterator[tuple[int, np.ndarray]]:
    """``(position, piece)`` for the non-empty of consecutive pieces starting at ``position``."""
    for piece in pieces:
        if piece.shape[0]:
            yield position, piece
            position += piece.shape[0]


def _between_silences(
    pieces: Iterable[np.ndarray], *, level_db: float, max_held: int, silent: str
) -> Iterator[tuple[int, np.ndarray]]:
    """``(position, piece)`` from the first sound to the last: the rest is silence.

    Frames of :data:`SILENCE_FRAME` samples from the signal's start (the last one may be
    shorter) whose RMS is above ``level_db`` dBFS are loud; the signal is cut at the first
    sample of the first loud frame, and after the last sample of the last one, whose
    magnitude is above that level, so that no silence is left before or after.  Silence
    after a loud frame is held until sound follows (it is inside the signal) or the
    signal ends (it is dropped); past ``max_held`` samples its oldest part is let
    through.  Raises ``AudioError(silent)`` when no frame is loud.
    """
    level = 10.0 ** (level_db / 20.0)
    analysed = 0  # samples of the signal seen so far
    found = False
    held = _Pieces()  # the silence since the last loud frame
    for frames in _whole_frames(pieces):
        offset = analysed  # position of frames[0]
        analysed += frames.shape[0]
        loud = np.flatnonzero(_frame_mean_squares(frames) > level**2)
        begin = 0
        if loud.size:
            if not found:
                found = True
                begin = _above(frames, loud[0], level)[0]
            start = offset - held.n_samples
            yield from _positioned(held.take(held.n_samples), start)
            end = _above(frames, loud[-1], level)[-1] + 1
            yield offset + begin, frames[begin:end]
            begin = end
        if found:
            held.append(frames[begin:])
        if held.n_samples > max_held:
            start = analysed - held.n_samples
            yield from _positioned(held.take(held.n_samples - max_held), start)
    if not found and analysed:
        raise AudioError(silent)


def _above(frames: np.ndarray, frame: int, level: float) -> np.ndarray:
    """Indices in ``frames`` of the samples of frame ``frame`` whose magnitude passes ``level``.

    Never empty for a loud frame: when rounding in its float64 mean square lets it pass
    while no sample does, its loudest samples are returned.
    """
    start = frame * SILENCE_FRAME
    # float64: against float32 samples, numpy would round the level to float32 first
    magnitude = np.abs(frames[start : start + SILENCE_FRAME], dtype=np.float64)
    if magnitude.ndim == 2:
        magnitude = magnitude.max(axis=1)
    above = np.flatnonzero(magnitude > level)
    return start + (above if above.size else np.flatnonzero(magnitude == magnitude.max()))


def _whole_frames(pieces: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The pieces regrouped into runs of whole :data:`SILENCE_FRAME`-sample frames.

    Only the last run may end in a partial frame; a frame split across pieces is joined,
    nothing else is copied.
    """
    carry = None
    for piece in pieces:
        if carry is not None:
            need = SILENCE_FRAME - carry.shape[0]
            if piece.shape[0] < need:
                carry = np.concatenate([carry, piece])
                continue
            yield np.concatenate([carry, piece[:need]])
            piece = piece[need:]
        whole = piece.shape[0] - piece.shape[0] % SILENCE_FRAME
        if whole:
            yield piece[:whole]
        carry = piece[whole:] if whole < piece.shape[0] else None
    if carry is not None:
        yield carry


def _frame_mean_squares(y: np.ndarray) -> np.ndarray:
    """Mean square of each :data:`SILENCE_FRAME`-sample frame of ``y``, over all channels."""
    # einsum accumulates in float64 through a small buffer: no float64 copy of the block
    channels = 1 if y.ndim == 1 else y.shape[1]
    frames = y.reshape(y.shape[0], channels)
    whole = frames.shape[0] - frames.shape[0] % SILENCE_FRAME
    body = frames[:whole].reshape(-1, SILENCE_FRAME * channels)
    sums = np.einsum("ij,ij->i", body, body, dtype=np.float64)
    means = sums / (SILENCE_FRAME * channels)
    if whole < frames.shape[0]:
        rest = frames[whole:].ravel()
        means = np.append(means, np.einsum("i,i->", rest, rest, dtype=np.float64) / rest.size)
    return means


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
            y = _read_frames(f, count)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(f"{name}: corrupt or truncated audio data ({exc})") from exc
    if y.shape[0] == 0:
        raise AudioError(f"{name}: no audio frames could be decoded")
    return y, native_sr


def _read_frames(handle: sf.SoundFile, count: int) -> np.ndarray:
    """Read up to ``count`` frames (all when negative) as float32 (frames, channels)."""
    # 16-bit PCM read as integers and scaled once gives libsndfile's float values exactly,
    # several times faster than its own float conversion.
    pcm16 = handle.subtype == "PCM_16"
    per_call = max(1, _CHUNK_SAMPLES // handle.channels)
    chunks = []
    wanted = count if count >= 0 else math.inf
    while wanted > 0:
        asked = int(min(per_call, wanted))
        chunk = handle.read(asked, dtype="int16" if pcm16 else "float32", always_2d=True)
        if chunk.shape[0]:
            chunks.append(chunk)
        if chunk.shape[0] < asked:
            break
        wanted -= asked
    if not chunks:
        return np.empty((0, handle.channels), dtype=np.float32)
    frames = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    if pcm16:
        return np.multiply(frames, np.float32(1 / 32768), dtype=np.float32)
    return frames


def _decode_with_av(
    source: Any, *, reason: str, until: float | None = None
) -> tuple[np.ndarray, int]:
    """Decode with PyAV (FFmpeg) as float32 (frames, channels), up to ``until`` seconds."""
    chunks: list[np.ndarray] = []
    decoded = 0
    for native_sr, chunk in _iter_av(source, reason=reason):
        chunks.append(chunk)
        decoded += chunk.shape[0]
        if until is not None and decoded >= until * native_sr:
            break
    if not chunks:
        raise AudioError(f"{describe_source(source)}: holds no audio frames")
    return np.concatenate(chunks), native_sr


def _iter_av(
    source: Any, *, reason: str, block_duration: float | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode with PyAV (FFmpeg): ``(native rate in Hz, float32 (frames, channels))`` chunks.

    Chunks hold ``block_duration`` seconds (the last may be shorter); ``None``: 65536
    frames.  Only one chunk is held at a time.
    """
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
    try:
        with av.open(target) as container:
            if not container.streams.audio:
                raise AudioError(f"{name}: contains no audio stream")
            stream = container.streams.audio[0]
            native_sr = int(stream.codec_context.sample_rate or stream.rate or 0)
            _check_rate(native_sr, name)
            size = 1 << 16 if block_duration is None else max(1, round(block_duration * native_sr))
            # Output frames of `size` samples: converting FFmpeg's ~1024-sample frames one
            # by one costs more than decoding them.
            resampler = av.AudioResampler(
                format="flt", layout=stream.layout.name, rate=native_sr, frame_size=size
            )
            for frame in itertools.chain(container.decode(stream), [None]):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1, len(out.layout.channels))
                    if chunk.shape[0]:
                        yield native_sr, chunk
    except AudioError:
        raise
    except Exception as exc:  # PyAV raises many types (av.error.*, ValueError, ...)
        raise AudioError(
            f"{name}: unreadable or unsupported audio ({reason}; FFmpeg: {exc})"
        ) from exc


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
    """Check, down-mix, resample and clip a whole (frames, channels) signal."""
    y = _mixed(y, mono=mono, name=name)
    if sr is not None and sr != native_sr:
        n_native = y.shape[0]
        y = resample(y, orig_sr=native_sr, target_sr=sr)
        if not y.shape[0]:
            raise AudioError(
                f"{name}: {n_native} samples at {native_sr} Hz are shorter than one "
                f"sample at {sr} Hz"
            )
    else:
        sr = native_sr
    y = np.clip(y, -1.0, 1.0, out=np.ascontiguousarray(y, dtype=np.float32))
    return y, int(sr)


def _mixed(y: np.ndarray, *, mono: bool, name: str) -> np.ndarray:
    """A (frames, channels) block checked for non-finite samples, down-mixed if ``mono``."""
    if not np.isfinite(y).all():
        raise AudioError(f"{name}: contains non-finite samples (NaN or inf)")
    return _downmix(y) if mono else y


def _downmix(y: np.ndarray) -> np.ndarray:
    """The mean of the channels of a (frames, channels) block, as float32."""
    if y.shape[1] == 1:
        return y[:, 0]
    # Column by column: numpy's mean over a 2-wide axis is about 10x slower.
    total = y[:, 0].astype(np.float32)
    for channel in range(1, y.shape[1]):
        total += y[:, channel]
    total /= np.float32(y.shape[1])
    return total


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample along the first axis with libsoxr's high-quality preset.

    Parameters
    ----------
    y : np.ndarray
        Signal, shape ``(n_samples,)`` or ``(n_samples, n_channels)``.
    orig_sr, target_sr : int
        Original and target sampling rates in Hz.

    Returns
    -------
    np.ndarray of float32
        The resampled signal, ``len(y) * target_sr / orig_sr`` samples long, rounded
        half up (none when that is below one half).

    Notes
    -----
    Content above the target rate's Nyquist frequency is removed before it can alias
    (see ``RESAMPLE_QUALITY``): a 44.1-kHz song's cymbals above 11.025 kHz do not fold
    back into the top mel bands at 22.05 kHz.  :func:`iter_blocks` streams through the
    same filter and gives the same samples.
    """
    return soxr.resample(
        np.asarray(y, dtype=np.float32), orig_sr, target_sr, quality=RESAMPLE_QUALITY
    )


def _rewind(source: Any) -> None:
    """Read file objects from their start, so that one object can be featurized twice."""
    seekable = getattr(source, "seekable", None)
    if seekable is not None and seekable():
        source.seek(0)
