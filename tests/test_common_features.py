"""scikit-learn's estimator checks on the feature families beside MFCC.

Expected failures are listed explicitly, with the reason, as in ``test_common.py``.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from generify import MFCCTransformer
from generify.features import (
    ChromaFeatures,
    CombinedFeatures,
    RhythmFeatures,
    SpectralShapeFeatures,
)

# Audio transformers read rows of a 2-D array as waveforms; the number of samples per
# track is not a fixed "number of features", so these checks do not apply.
_WAVEFORM_LENGTH_IS_FREE = "rows are waveforms of any length; n_features_in_ is not defined"

_EXPECTED_FAILED_CHECKS = {
    "check_n_features_in_after_fitting": _WAVEFORM_LENGTH_IS_FREE,
    "check_transformer_general": _WAVEFORM_LENGTH_IS_FREE,
    "check_transformer_general(readonly_memmap=True)": _WAVEFORM_LENGTH_IS_FREE,
}


@parametrize_with_checks(
    [
        SpectralShapeFeatures(),
        SpectralShapeFeatures(texture_window=0.05),
        ChromaFeatures(profile="both"),
        RhythmFeatures(),
        CombinedFeatures(),
        CombinedFeatures([MFCCTransformer(numcep=5, nfilt=10), ChromaFeatures()]),
    ],
    expected_failed_checks=lambda estimator: _EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
