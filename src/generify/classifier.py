"""GenreClassifier: audio in, genre names out, as a scikit-learn classifier."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from .audio import check_trim_db
from .errors import AudioError
from .features import MFCCTransformer
from .features._base import (
    SkippedFile,
    TrackSegments,
    as_sources,
    check_segment_duration,
    skipped_summary,
)

__all__ = ["FeatureColumns", "GenreClassifier", "Timeline"]

PASSTHROUGH = "passthrough"


@dataclass(frozen=True)
class Timeline:
    """Genre probabilities of consecutive segments of one track.

    Attributes
    ----------
    starts, ends : np.ndarray of shape (n_segments,)
        Segment boundaries in seconds.
    probabilities : np.ndarray of shape (n_segments, n_genres)
    classes : np.ndarray of shape (n_genres,)
        Genre names, the columns of ``probabilities``.
    """

    starts: np.ndarray
    ends: np.ndarray
    probabilities: np.ndarray
    classes: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        """The most probable genre of each segment."""
        return self.classes[self.probabilities.argmax(axis=1)]

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types, ready for ``json.dumps``."""
        return {
            "classes": [str(c) for c in self.classes],
            "segments": [
                {
                    "start": float(s),
                    "end": float(e),
                    "genre": str(label),
                    "probabilities": {str(c): float(p) for c, p in zip(self.classes, row)},
                }
                for s, e, label, row in zip(self.starts, self.ends, self.labels, self.probabilities)
            ],
        }


class FeatureColumns(TransformerMixin, BaseEstimator):
    """Check feature rows against the column names a model was trained with.

    The first step of :attr:`GenreClassifier.classifier_`: arrays must have the right
    number of columns; data frames are reordered by column name, so a table whose
    columns come in another order is still read correctly.

    Parameters
    ----------
    feature_names : sequence of str
        Expected columns, in order.
    """

    def __init__(self, feature_names=()):
        self.feature_names = feature_names

    def fit(self, X: Any, y: Any = None) -> FeatureColumns:
        names = np.asarray(self.feature_names, dtype=object)
        self.feature_names_in_ = names
        self.n_features_in_ = len(names)
        self.transform(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        columns = getattr(X, "columns", None)
        if columns is not None:
            present = set(map(str, columns))
            missing = [n for n in self.feature_names_in_ if n not in present]
            if missing:
                raise ValueError(f"feature rows lack the columns {missing[:5]} (of {len(missing)})")
            X = X[list(self.feature_names_in_)]
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but the model expects {self.n_features_in_} "
                f"({', '.join(self.feature_names_in_[:3])}, ...)"
            )
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return self.feature_names_in_


class GenreClassifier(ClassifierMixin, BaseEstimator):
    """Predict the genre of songs from their audio.

    Each track, less the silence at its start and end, is cut into segments of
    ``segment_duration`` seconds, a feature vector is computed for every segment, the
    classifier learns from the segments (each labelled with its track's genre), and a
    track is decided by averaging the probabilities of its segments.  A 30-s GTZAN clip
    is one segment; a 5-minute song is ten.

    Parameters
    ----------
    features : transformer, "passthrough" or None, default=None
        Turns audio into feature rows; ``None`` means ``MFCCTransformer()`` (the seed's
        13 MFCC means).  Any :class:`~generify.features.AudioFeatureTransformer` works.
        ``"passthrough"``: ``X`` already holds feature rows (no audio).
    classifier : estimator or None, default=None
        Learns from feature rows; ``None`` means the seed's model, a
        ``LogisticRegression`` on standardised features.
    segment_duration : float or None, default=30.0
        Segment length in seconds; ``None`` takes each whole track as one segment.
    trim_db : float or None, default=-60.0
        Silence at a track's start and end, down to this level (frame RMS in dBFS), is
        not part of the song and is left out before segments are cut; segments then
        start at the first sample above that level (see
        :meth:`~generify.features.AudioFeatureTransformer.transform_segments`).  A
        second of leading silence changes features such as the MFCC variances as much
        as a change of genre.  A track with nothing louder is unreadable (see
        ``on_error``).  ``None`` keeps every sample.
    n_jobs, memory, verbose, on_error
        Passed to the feature transformer when set (see
        :class:`~generify.MFCCTransformer`).  With ``on_error`` "skip" or "warn",
        unreadable tracks are left out of ``fit`` (listed in ``skipped_``) and of the
        rows returned by ``predict``/``predict_proba``.

    Attributes
    ----------
    classes_ : np.ndarray of str
        Genre names.
    features_ : transformer or "passthrough"
        The fitted feature transformer.
    classifier_ : Pipeline
        Everything after feature extraction: a :class:`FeatureColumns` check followed
        by a fitted clone of ``classifier``.  It predicts from feature rows whose
        columns are ``features_.get_feature_names_out()``.
    feature_names_ : np.ndarray of str
        Those column names.
    n_tracks_, n_segments_ : int
        Tracks and segments the model was trained on.
    skipped_ : list of SkippedFile
        Tracks left out by the last call (``on_error`` "skip"/"warn").
    """

    def __init__(
        self,
        features=None,
        classifier=None,
        *,
        segment_duration: float | None = 30.0,
        trim_db: float | None = -60.0,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.features = features
        self.classifier = classifier
        self.segment_duration = segment_duration
        self.trim_db = trim_db
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    #: Parameters added since the first release, with the value that reproduces how a
    #: model saved before them behaved (a classifier fitted on untrimmed segments).
    _BEFORE_PARAMETER: ClassVar[dict[str, Any]] = {"trim_db": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model saved by an older generify keeps predicting as it did when saved.
        super().__setstate__({**self._BEFORE_PARAMETER, **state})

    # -- fitting ----------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> GenreClassifier:
        """Learn genres from audio tracks (or feature rows with ``features="passthrough"``).

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array
            Tracks (see :class:`~generify.MFCCTransformer` for the accepted forms).
        y : array-like of str, shape (n_tracks,)
            Genre of each track.

        Returns
        -------
        self
        """
        self._validate_params()
        y = _check_labels(y)
        X = list(X) if isinstance(X, Iterator) else X  # a generator is read once, not twice
        features = self._make_features()
        if features == PASSTHROUGH:
            rows = validate_data(self, X, reset=True, dtype=np.float64)
            _check_lengths(rows, y)
            return self._fit_rows(rows, y, np.arange(len(y)), features, _default_names(rows))
        features.fit(X)
        n_tracks = len(as_sources(X))
        if n_tracks != len(y):
            raise ValueError(f"X has {n_tracks} tracks but y has {len(y)} labels")
        segments, kept = self._segments(features, X)
        why = skipped_summary(getattr(self, "skipped_", []))
        if not segments:
            raise AudioError(f"no track could be read; nothing to learn from ({why})")
        lost = ", ".join(map(str, sorted(set(y) - set(y[kept]))))
        if lost and len(set(y[kept])) < 2:
            raise AudioError(
                f"fewer than 2 genres left to learn from: every track of {lost} was "
                f"unreadable ({why})"
            )
        if lost:
            warnings.warn(
                f"every track of {lost} was skipped as unreadable; the model does not know "
                f"{'that genre' if ',' not in lost else 'those genres'}",
                stacklevel=2,
            )
        rows = np.vstack([s.features for s in segments])
        track = np.repeat(kept, [len(s.features) for s in segments])
        names = np.asarray(features.get_feature_names_out(), dtype=object)
        if hasattr(features, "n_features_in_"):  # X was a 2-D array of waveforms
            self.n_features_in_ = features.n_features_in_
        return self._fit_rows(rows, y[track], track, features, names)

    def fit_features(self, X: Any, y: Any, *, feature_names: Any = None) -> GenreClassifier:
        """Learn from precomputed feature rows, then predict from audio.

        Use it to train on a features table (e.g. the public GTZAN table with
        :class:`~generify.GTZANFeatures`): the rows must be what ``features`` computes
        from audio, column for column.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Feature rows, columns in the order of ``features.get_feature_names_out()``.
        y : array-like of str, shape (n_rows,)
            Genre of each row.
        feature_names : sequence of str, optional
            The rows' column names; checked against the transformer's names.

        Returns
        -------
        self
        """
        self._validate_params()
        y = _check_labels(y)
        features = self._make_features()
        if features == PASSTHROUGH:
            raise ValueError(
                'fit_features needs an audio feature transformer; use fit with "passthrough"'
            )
        features.fit_parameters()
        names = np.asarray(features.get_feature_names_out(), dtype=object)
        rows = check_array(X, dtype=np.float64)
        _check_lengths(rows, y)
        if feature_names is not None and list(feature_names) != list(names):
            raise ValueError(
                "feature_names differ from what the feature transformer computes "
                f"(first difference: {_first_difference(list(feature_names), list(names))})"
            )
        if rows.shape[1] != len(names):
            raise ValueError(
                f"X has {rows.shape[1]} columns; {type(features).__name__} gives {len(names)}"
            )
        return self._fit_rows(rows, y, np.arange(len(y)), features, names)

    def _fit_rows(self, rows, y, track, features, names) -> GenreClassifier:
        classifier = self.classifier
        if classifier is None:
            classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        self.classifier_ = Pipeline(
            [("columns", FeatureColumns(feature_names=list(names))), ("model", clone(classifier))]
        ).fit(rows, y)
        self.features_ = features
        self.feature_names_ = names
        self.classes_ = self.classifier_.classes_
        self.n_tracks_ = len(np.unique(track))
        self.n_segments_ = len(rows)
        return self

    # -- prediction -------------------------------------------------------------------

    def predict_proba(self, X: Any) -> np.ndarray:
        """Genre probabilities of each track: the mean over its segments.

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array

        Returns
        -------
        np.ndarray of shape (n_tracks, n_genres)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        self._validate_params()
        if self.features_ == PASSTHROUGH:
            rows = validate_data(self, X, reset=False, dtype=np.float64)
            return self.classifier_.predict_proba(rows)
        segments, _ = self._segments(self.features_, X)
        if not segments:
            return np.empty((0, len(self.classes_)))
        probabilities = self.classifier_.predict_proba(np.vstack([s.features for s in segments]))
        bounds = np.cumsum([0] + [len(s.features) for s in segments])
        return np.add.reduceat(probabilities, bounds[:-1], axis=0) / np.diff(bounds)[:, None]

    def predict(self, X: Any) -> np.ndarray:
        """Most probable genre of each track.

        Parameters
        ----------
        X : sequence of audio sources or waveforms, or 2-D array

        Returns
        -------
        np.ndarray of shape (n_tracks,)
        """
        probabilities = self.predict_proba(X)
        return self.classes_[probabilities.argmax(axis=1)]

    def predict_timeline(self, source: Any) -> Timeline:
        """Genre probabilities along one track, segment by segment.

        The file is streamed block by block, so songs of any length run in bounded
        memory.

        Parameters
        ----------
        source : path, file object or 1-D waveform
            One track.

        Returns
        -------
        Timeline
        """
        check_is_fitted(self)
        self._validate_params()
        if self.features_ == PASSTHROUGH:
            raise ValueError("predict_timeline needs audio; this model was fitted on feature rows")
        transformer = self._with_runtime(self.features_, on_error="raise")
        (segments,) = transformer.transform_segments(
            [source], segment_duration=self.segment_duration, trim_db=self.trim_db
        )
        return Timeline(
            starts=segments.starts,
            ends=segments.ends,
            probabilities=self.classifier_.predict_proba(segments.features),
            classes=self.classes_,
        )

    # -- helpers ----------------------------------------------------------------------

    def _make_features(self):
        if isinstance(self.features, str):
            if self.features != PASSTHROUGH:
                raise ValueError(
                    f'features must be a transformer, None or "passthrough", got {self.features!r}'
                )
            return PASSTHROUGH
        return self._with_runtime(self.features if self.features is not None else MFCCTransformer())

    def _with_runtime(self, features, **overrides):
        """A fresh copy of ``features`` with this classifier's current runtime settings.

        Taken at every call, so ``set_params(on_error=..., n_jobs=...)`` on a fitted model
        applies to its next prediction.
        """
        runtime = {"verbose": self.verbose, "on_error": self.on_error, **overrides}
        if self.n_jobs is not None:
            runtime["n_jobs"] = self.n_jobs
        if self.memory is not None:
            runtime["memory"] = self.memory
        accepted = features.get_params(deep=False)
        return clone(features).set_params(**{k: v for k, v in runtime.items() if k in accepted})

    def _segments(self, features, X) -> tuple[list[TrackSegments], np.ndarray]:
        features = self._with_runtime(features)
        segments = features.transform_segments(
            X, segment_duration=self.segment_duration, trim_db=self.trim_db
        )
        skipped: list[SkippedFile] = getattr(features, "skipped_", [])
        if self.on_error != "raise":
            self.skipped_ = list(skipped)
        dropped = {s.index for s in skipped}
        n = len(segments) + len(dropped)
        return segments, np.array([i for i in range(n) if i not in dropped], dtype=int)

    def _validate_params(self) -> None:
        check_segment_duration(self.segment_duration)
        check_trim_db(self.trim_db)
        if self.on_error not in ("raise", "skip", "warn"):
            raise ValueError(f'on_error must be "raise", "skip" or "warn", got {self.on_error!r}')
        if (
            self.memory is not None
            and not isinstance(self.memory, (str, os.PathLike))
            and not hasattr(self.memory, "cache")
        ):
            raise ValueError("memory must be None, a directory or a joblib.Memory")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = self.features != PASSTHROUGH
        return tags


def _check_labels(y: Any) -> np.ndarray:
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    return y


def _check_lengths(rows: np.ndarray, y: np.ndarray) -> None:
    if rows.shape[0] != y.shape[0]:
        raise ValueError(f"X has {rows.shape[0]} rows but y has {y.shape[0]} labels")


def _default_names(rows: np.ndarray) -> np.ndarray:
    return np.asarray([f"x{i}" for i in range(rows.shape[1])], dtype=object)


def _first_difference(a: list, b: list) -> str:
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q:
            return f"column {i}: {p!r} vs {q!r}"
    return f"{len(a)} vs {len(b)} columns"
