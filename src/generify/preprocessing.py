"""Transformations of feature rows (after feature extraction, before the model)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .features.gtzan import GTZAN_FEATURE_NAMES

__all__ = ["LevelInvariantColumns"]

#: Columns of the GTZAN table that move with playback level (gain, mastering loudness).
LEVEL_DEPENDENT = (
    "rms_mean",
    "rms_var",
    "harmony_mean",
    "harmony_var",
    "perceptr_mean",
    "perceptr_var",
    "mfcc1_mean",
)
#: A gain ``g`` adds ``20 log10(g)`` dB to each of the 128 mel bands, so
#: ``sqrt(128) * 20 log10(g)`` to the orthonormal DCT's first coefficient.
_C0_PER_DECADE_OF_RMS = 20.0 * np.sqrt(128.0)
#: Floors that keep silent input finite: -100 dBFS RMS, and the HPSS variance of it.
RMS_FLOOR = 1e-5
VARIANCE_FLOOR = RMS_FLOOR**2


class LevelInvariantColumns(TransformerMixin, BaseEstimator):
    """GTZAN-table rows to columns that do not change with the playback level.

    Songs mastered louder than GTZAN's clips (most modern music) shift every column that
    measures level, and a model that uses them mistakes loudness for genre.  This step
    drops those seven columns (:data:`LEVEL_DEPENDENT`) and adds four ratios that keep
    what they say about the music but cancel a gain exactly:

    - ``rms_cv2 = rms_var / rms_mean**2`` (the squared coefficient of variation of the
      frame RMS: dynamics);
    - ``harm_frac = harmony_var / (harmony_var + perceptr_var)`` (harmonic share);
    - ``c0rel = mfcc1_mean - 20 sqrt(128) log10(rms_mean)`` (spectral level relative to
      the waveform level: a gain moves both terms equally);
    - ``hrel = (harmony_var + perceptr_var) / rms_mean**2``.

    ``rms_mean`` is floored at :data:`RMS_FLOOR` and the HPSS variances at
    :data:`VARIANCE_FLOOR`, so silence gives finite values.

    Input columns must be :data:`generify.features.gtzan.GTZAN_FEATURE_NAMES`, in order;
    the output has 54 columns (see :meth:`get_feature_names_out`).
    """

    def fit(self, X: Any, y: Any = None) -> LevelInvariantColumns:
        validate_data(self, X, reset=True, dtype=np.float64)
        if self.n_features_in_ != len(GTZAN_FEATURE_NAMES):
            raise ValueError(
                f"expected the {len(GTZAN_FEATURE_NAMES)} GTZAN-table columns, "
                f"got {self.n_features_in_}"
            )
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        column = {name: X[:, i] for i, name in enumerate(GTZAN_FEATURE_NAMES)}
        rms = np.maximum(column["rms_mean"], RMS_FLOOR)
        harmonic = np.maximum(column["harmony_var"], VARIANCE_FLOOR)
        hpss_total = harmonic + np.maximum(column["perceptr_var"], VARIANCE_FLOOR)
        kept = [i for i, name in enumerate(GTZAN_FEATURE_NAMES) if name not in LEVEL_DEPENDENT]
        ratios = np.column_stack(
            [
                column["rms_var"] / rms**2,
                harmonic / hpss_total,
                column["mfcc1_mean"] - _C0_PER_DECADE_OF_RMS * np.log10(rms),
                hpss_total / rms**2,
            ]
        )
        return np.hstack([X[:, kept], ratios])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        kept = [name for name in GTZAN_FEATURE_NAMES if name not in LEVEL_DEPENDENT]
        return np.asarray([*kept, "rms_cv2", "harm_frac", "c0rel", "hrel"], dtype=object)
