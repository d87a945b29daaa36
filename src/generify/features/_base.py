"""What every audio feature transformer shares.

A feature family (MFCC, the GTZAN table features, ...) only says how to turn one
waveform into a vector of numbers.  This module owns everything else, once: resolving
inputs (paths, file objects, waveforms), decoding, cutting tracks into segments,
per-file caching, parallelism over tracks, progress bars and what happens to a file that
cannot be read.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Memory, Parallel, delayed, effective_n_jobs
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from .._checks import is_finite_real, is_integer
from .._version import __version__
from ..audio import (
    _in_memory,
    check_trim_db,
    cut_blocks,
    describe_source,
    iter_blocks,
    load_audio,
)
from ..errors import AudioError, GenerifyError
from ._analysis import Analysis

__all__ = ["AudioFeatureTransformer", "CacheWarning", "SkippedFile", "TrackSegments"]

_ON_ERROR = ("raise", "skip", "warn")

#: Parameters that change how features are computed, not which numbers come out.
RUNTIME_PARAMS = frozenset({"n_jobs", "memory", "verbose", "on_error"})


@dataclass(frozen=True)
class SkippedFile:
    """A source that was left out of a batch, and why.

    Attributes
    ----------
    index : int
        Position of the source in the batch.
    source : str
        The source, as named in messages.
    reason : str
        The error message.
    """

    index: int
    source: str
    reason: str


def skipped_summary(skipped: Sequence[SkippedFile], *, limit: int = 3) -> str:
    """Why the first ``limit`` sources were skipped, for an error message."""
    shown = "; ".join(s.reason for s in skipped[:limit])  # each reason names its file
    more = f"; and {len(skipped) - limit} more" if len(skipped) > limit else ""
    return f"skipped {shown}{more}"


@dataclass(frozen=True)
class TrackSegments:
    """Features of consecutive segments of one track.

    Attributes
    ----------
    features : np.ndarray of shape (n_segments, n_features)
    starts, ends : np.ndarray of shape (n_segments,)
        Segment boundaries in seconds from the start of the track.
    """

    features: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class AudioFeatureTransformer(TransformerMixin, BaseEstimator):
    """Base class of generify's audio feature transformers.

    Subclasses implement :meth:`_feature_names` and either :meth:`_analysis_features`
    (from the segment's shared :class:`Analysis`) or :meth:`_waveform_features`, and
    list in their ``__init__`` the common parameters ``sample_rate``, ``n_jobs``,
    ``memory``, ``verbose`` and ``on_error`` beside their own.

    ``X`` may be a sequence of audio sources (paths, :class:`os.PathLike`, binary file
    objects) and/or 1-D waveforms sampled at ``sample_rate``, or a 2-D array whose rows
    are equal-length waveforms.  Features are stateless functions of the audio, so
    ``fit`` only validates the parameters.
    """

    def _feature_names(self) -> list[str]:
        raise NotImplementedError

    def _waveform_features(self, y: np.ndarray) -> np.ndarray:
        """Features of one mono float waveform sampled at ``self.sample_rate``.

        By default the waveform is analysed once (:class:`Analysis`) and handed to
        :meth:`_analysis_features`; families that only need the raw samples override
        this method instead.
        """
        return self._analysis_features(Analysis(y, sample_rate=self.sample_rate))

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        """Features of one segment from its shared spectral analysis."""
        raise NotImplementedError

    def _validate_feature_params(self) -> None:
        """Check the subclass's own parameters; raise ValueError naming the bad one."""

    # -- scikit-learn API -------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> AudioFeatureTransformer:
        """Validate the parameters and the input.

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array of waveforms
            Checked for form only; no audio is decoded.
        y : ignored

        Returns
        -------
        self
        """
        self.fit_parameters()
        sources = as_sources(X)
        # With "skip"/"warn" a bad waveform costs its own row in transform, not the batch.
        for index, source in enumerate(sources if self.on_error == "raise" else ()):
            if isinstance(source, np.ndarray) and not np.isfinite(source).all():
                raise AudioError(f"X[{index}]: waveform contains non-finite samples (NaN or inf)")
        if _is_numeric_batch(X):
            self.n_features_in_ = len(sources[0])
        return self

    def fit_parameters(self) -> AudioFeatureTransformer:
        """Validate the parameters without looking at any audio (features are stateless).

        Returns
        -------
        self
        """
        self._validate_params_common()
        self.n_features_out_ = len(self._feature_names())
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Compute one feature vector per track.

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array of waveforms

        Returns
        -------
        np.ndarray of shape (n_tracks, n_features)
            With ``on_error`` "skip" or "warn", rows of unreadable tracks are left out
            and listed in ``skipped_``.  Features are always finite: silence and
            tracks of a single sample give finite rows.

        Raises
        ------
        AudioError
            With ``on_error="raise"``, for the first track that cannot be used (see
            :func:`generify.load_audio` for files; a waveform that is empty, holds NaN
            or inf, or is so loud, beyond about 1e150, that its power spectrum
            overflows), naming it by path or as ``X[i]``.  Malformed ``X`` (not a
            sequence of sources, an item that is no source, a waveform that is not
            1-D) raises regardless of ``on_error``.
        """
        check_is_fitted(self)
        segments = self.transform_segments(X, segment_duration=None)
        features = [s.features[0] for s in segments]
        if not features:
            return np.empty((0, self.n_features_out_))
        return np.vstack(features)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Validate, then compute one feature vector per track (see :meth:`transform`).

        Returns
        -------
        np.ndarray of shape (n_tracks, n_features)
        """
        X = list(X) if isinstance(X, Iterator) else X  # a generator is read once, not twice
        return self.fit(X, y, **fit_params).transform(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns, e.g. ``mfcc3_mean``.

        Returns
        -------
        np.ndarray of str
        """
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.two_d_array = True
        tags.input_tags.string = True  # file paths
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = []
        tags.target_tags.required = False
        return tags

    # -- segments ---------------------------------------------------------------------

    def transform_segments(
        self,
        X: Any,
        *,
        segment_duration: float | None,
        min_segment_fraction: float = 0.5,
        trim_db: float | None = None,
    ) -> list[TrackSegments]:
        """Compute features of consecutive fixed-length segments of every track.

        Files are streamed block by block, so a long file is never held whole in memory.

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array of waveforms
        segment_duration : float or None
            Segment length in seconds; ``None`` treats each whole track as one segment.
        min_segment_fraction : float, default=0.5
            A trailing segment shorter than this fraction of ``segment_duration`` is
            joined to the one before it, so a 30.05-s clip is one 30.05-s segment and
            no track ends in a stub.
        trim_db : float or None, default=None
            Leave out each track's silent start and end (frames of
            :data:`~generify.audio.SILENCE_FRAME` samples whose RMS is at most
            ``trim_db`` dBFS) before cutting segments, which then start at the first
            sample above that level; see :func:`~generify.audio.iter_blocks`.  A track with no
            louder frame is unreadable (see ``on_error``).  ``None`` keeps every sample.

        Returns
        -------
        list of TrackSegments
            One per track that could be read (see ``on_error``).
        """
        self._validate_params_common()
        check_segment_duration(segment_duration)
        if not (is_finite_real(min_segment_fraction) and 0 <= min_segment_fraction <= 1):
            raise ValueError(
                f"min_segment_fraction must be a number in [0, 1], got {min_segment_fraction!r}"
            )
        check_trim_db(trim_db)
        cutting = _Cutting(segment_duration, min_segment_fraction, trim_db)
        sources = as_sources(X)
        if effective_n_jobs(self.n_jobs) != 1:  # workers get file objects' bytes, not objects
            sources = [_shippable(source) for source in sources]
        spec = (type(self), self._feature_params())
        cached = _cached(self.memory)
        tasks = (
            delayed(_guarded)(
                cached if isinstance(source, (str, os.PathLike)) else _segments_of,
                spec,
                index,
                source,
                _file_identity(source),
                cutting,
                self.on_error != "raise",
            )
            for index, source in enumerate(sources)
        )
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(tasks)
        if self.verbose:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(sources), desc=type(self).__name__, unit="track")
        segments: list[TrackSegments] = []
        skipped: list[SkippedFile] = []
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
                if self.on_error == "warn":
                    warnings.warn(f"skipped {result.source}: {result.reason}", stacklevel=2)
            else:
                segments.append(result)
        if self.on_error != "raise":
            self.skipped_ = skipped
        return segments

    # -- internals --------------------------------------------------------------------

    def _feature_params(self) -> tuple[tuple[str, Any], ...]:
        params = self.get_params(deep=False)
        return tuple(sorted((k, v) for k, v in params.items() if k not in RUNTIME_PARAMS))

    def _validate_params_common(self) -> None:
        if not (is_integer(self.sample_rate) and self.sample_rate > 0):
            raise ValueError(
                f"sample_rate must be a positive integer (Hz), got {self.sample_rate!r}"
            )
        if self.on_error not in _ON_ERROR:
            raise ValueError(f"on_error must be one of {_ON_ERROR}, got {self.on_error!r}")
        if self.memory is not None and not isinstance(self.memory, (str, os.PathLike, Memory)):
            raise ValueError(
                "memory must be None, a directory or a joblib.Memory, "
                f"got {type(self.memory).__name__}"
            )
        self._validate_feature_params()


class CacheWarning(UserWarning):
    """A feature-cache entry could not be read and was computed again."""


def _cached(memory: Any):
    if memory is None:
        return _segments_of
    if not isinstance(memory, Memory):
        memory = Memory(os.fspath(memory), verbose=0)
    return partial(_from_cache, memory.cache(_segments_of, ignore=["source"]))


def _from_cache(cached, spec, source, identity, cutting) -> TrackSegments:
    """The stored features of this call, or computed (and stored) if absent or damaged.

    joblib itself recomputes a damaged entry but only prints a traceback: here the
    entry is dropped with a :class:`CacheWarning` naming the file, then recomputed.
    """
    args = (spec, source, identity, cutting)
    if cached.check_call_in_cache(*args):
        entry = cached.call_and_shelve(*args)
        try:
            return entry.get()
        except Exception as exc:  # any unpickling failure means the same: unreadable
            warnings.warn(
                f"{describe_source(source)}: damaged feature-cache entry, computed again "
                f"({type(exc).__name__}: {exc})",
                CacheWarning,
                stacklevel=2,
            )
            entry.clear()
    return cached(*args)


@dataclass(frozen=True)
class _Unshippable:
    """A file object that could not be read for a worker process, and why."""

    name: str
    error: AudioError


def _shippable(source: Any) -> Any:
    """What a worker process can receive for ``source``: a file object's bytes."""
    if isinstance(source, np.ndarray):
        return source
    try:
        return _in_memory(source)
    except AudioError as exc:  # reported by its task, in order, as on_error says
        return _Unshippable(describe_source(source), exc)


def _guarded(extract, spec, index, source, identity, cutting, tolerate):
    try:
        return extract(spec, source, identity, cutting)
    except GenerifyError as exc:
        name = describe_source(source)
        if isinstance(source, np.ndarray):  # a waveform has no name; its place in X is one
            name = f"X[{index}]"
            exc = AudioError(str(exc).replace(describe_source(source), name, 1))
        if not tolerate:
            raise exc
        return SkippedFile(index=index, source=name, reason=str(exc))


@dataclass(frozen=True)
class _Cutting:
    """How a track is cut into segments (see ``transform_segments``)."""

    segment_duration: float | None
    min_fraction: float
    trim_db: float | None


def _segments_of(
    spec: tuple[type, tuple[tuple[str, Any], ...]],
    source: Any,
    identity: Any,
    cutting: _Cutting,
) -> TrackSegments:
    """Features of one track's segments; ``identity`` keys the cache, ``source`` is read."""
    if isinstance(source, _Unshippable):
        raise source.error
    cls, params = spec
    transformer = cls(**dict(params))
    sr = transformer.sample_rate
    name = describe_source(source)
    duration, trim_db = cutting.segment_duration, cutting.trim_db
    if isinstance(source, np.ndarray):
        blocks = _waveform_blocks(source, sr=sr, cutting=cutting, name=name)
    elif duration is None:
        y = load_audio(source, sr=sr)[0]
        blocks = _cut(y, size=y.shape[0], sr=sr, trim_db=trim_db, name=name)
    else:
        blocks = iter_blocks(source, block_duration=duration, sr=sr, trim_db=trim_db)
    min_samples = 0 if duration is None else round(cutting.min_fraction * duration * sr)
    rows, starts, ends = [], [], []
    for start, y in _join_short_tail(blocks, min_samples=min_samples):
        with np.errstate(over="ignore", invalid="ignore"):  # _checked reports it, once
            rows.append(_checked(transformer._waveform_features(y), name))
        starts.append(start)
        ends.append(start + y.shape[0] / sr)
    if not rows:
        raise AudioError(f"{name}: holds no audio frames")
    return TrackSegments(np.vstack(rows), np.asarray(starts), np.asarray(ends))


def _join_short_tail(blocks, *, min_samples: int):
    """Yield the blocks, the last one joined to its predecessor when it is too short.

    Holds at most two blocks at a time, so streaming stays bounded.
    """
    previous = None
    for start, y in blocks:
        if previous is not None:
            if y.shape[0] < min_samples:  # only the last block can be short
                previous = (previous[0], np.concatenate([previous[1], y]))
                continue
            yield previous
        previous = (start, y)
    if previous is not None:
        yield previous


def _waveform_blocks(y: np.ndarray, *, sr: int, cutting: _Cutting, name: str):
    if y.size == 0:
        raise AudioError(f"{name}: empty waveform (0 samples)")
    if not np.isfinite(y).all():
        raise AudioError(f"{name}: waveform contains non-finite samples (NaN or inf)")
    duration = cutting.segment_duration
    size = y.shape[0] if duration is None else max(1, round(duration * sr))
    return _cut(y, size=size, sr=sr, trim_db=cutting.trim_db, name=name)


def _cut(y: np.ndarray, *, size: int, sr: int, trim_db: float | None, name: str):
    """``(start in seconds, samples)`` blocks of ``size`` samples of an in-memory track."""
    blocks = cut_blocks([y], size=size, sr=sr, trim_db=trim_db, name=name)
    return ((start / sr, block) for start, block in blocks)


def _checked(features: np.ndarray, name: str) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if not np.isfinite(features).all():
        raise AudioError(f"{name}: features are not finite (degenerate audio)")
    return features


def check_segment_duration(segment_duration: Any) -> None:
    """Reject a segment length that is not None or a positive finite number of seconds."""
    if segment_duration is not None and not (
        is_finite_real(segment_duration) and segment_duration > 0
    ):
        raise ValueError(
            "segment_duration must be a positive finite number of seconds or None, "
            f"got {segment_duration!r}"
        )


def _file_identity(source: Any) -> Any:
    """What decides whether cached features of a file are still valid (only paths are cached).

    The generify version is part of it: a release may decode, resample or compute
    features differently, and its rows must not be mixed with an older release's.
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    try:
        stat = path.stat()
    except OSError:
        return ("missing", os.fspath(path))  # reading it will raise the precise error
    return (__version__, os.fspath(path.resolve()), stat.st_size, stat.st_mtime_ns)


def as_sources(X: Any) -> list[Any]:
    """Turn the accepted forms of ``X`` into a list of sources and float waveforms.

    Array-likes of numbers (2-D: one waveform per row) go through scikit-learn's
    ``check_array``, so they get its messages for sparse, complex, empty or
    non-finite input.  Every rejection is an :class:`~generify.errors.AudioError`
    (a ``ValueError``).
    """
    if isinstance(X, (str, os.PathLike)):
        raise AudioError(
            f"X must be a sequence of audio sources, got a single path {os.fspath(X)!r}; "
            "wrap it in a list"
        )
    if hasattr(X, "read"):
        raise AudioError("X must be a sequence of audio sources, got a single file object")
    if _is_numeric_batch(X):
        if not issparse(X) and np.asarray(X).dtype.kind in "iu":
            X = _pcm_to_float(np.asarray(X))
        try:
            return list(check_array(X, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise AudioError(f"X: {exc}") from exc
    if not isinstance(X, Iterable) or isinstance(X, (bytes, dict)):
        raise AudioError(
            f"X must be a sequence of audio sources or waveforms, got {type(X).__name__}"
        )
    sources = [_as_source(item, index) for index, item in enumerate(X)]
    if not sources:
        raise AudioError("X is empty: no audio sources given")
    return sources


def _is_numeric_batch(X: Any) -> bool:
    """Whether ``X`` is a 2-D numeric array-like (or something check_array must reject)."""
    if issparse(X):
        return True
    if isinstance(X, (list, tuple)):
        return False
    if not hasattr(X, "__array__"):
        return False
    array = np.asarray(X)
    if array.dtype == object:
        return array.ndim != 1
    return array.dtype.kind in "biufcmM" or array.ndim != 1


def _pcm_to_float(y: np.ndarray) -> np.ndarray:
    """Integer samples as floats in [-1, 1], scaled as soundfile reads PCM.

    Signed types are divided by their magnitude range (int16: 32768); unsigned ones are
    centred first (uint8: ``(x - 128) / 128``), as in 8-bit WAV.
    """
    info = np.iinfo(y.dtype)
    if y.dtype.kind == "u":
        middle = (int(info.max) + 1) / 2
        return (y.astype(np.float64) - middle) / middle
    return y / -float(info.min)


def _is_waveform_and_rate(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], np.ndarray)
        and isinstance(item[1], numbers.Integral)
    )


def _as_source(item: Any, index: int) -> Any:
    if isinstance(item, (str, os.PathLike)) or hasattr(item, "read"):
        return item
    if isinstance(item, (Sequence, np.ndarray)) and not isinstance(item, (bytes, dict)):
        if _is_waveform_and_rate(item):
            raise AudioError(
                f"X[{index}]: got a (waveform, sample rate) pair, as load_audio returns; "
                "pass the waveform alone, at the transformer's sample_rate"
            )
        try:
            y = np.asarray(item)
        except ValueError as exc:
            raise AudioError(f"X[{index}]: not a 1-D numeric waveform ({exc})") from exc
        if y.dtype.kind in "biuf" and y.ndim == 1:
            return _pcm_to_float(y) if y.dtype.kind in "iu" else y.astype(np.float64, copy=False)
        raise AudioError(
            f"X[{index}]: a waveform must be a 1-D numeric array, got shape {y.shape} of {y.dtype}"
        )
    raise AudioError(
        f"X[{index}]: not an audio source; expected a path, a binary file object or a 1-D "
        f"waveform, got {type(item).__name__}"
    )
