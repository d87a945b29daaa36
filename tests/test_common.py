"""scikit-learn's estimator checks on every generify estimator.

Expected failures are listed explicitly, with the reason, as imbalanced-learn does.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from generify import MFCCTransformer

# Audio transformers read rows of a 2-D array as waveforms; the number of samples per
# track is not a fixed "number of features", so these checks do not apply.
_WAVEFORM_LENGTH_IS_FREE = "rows are waveforms of any length; n_features_in_ is not defined"

EXPECTED_FAILED_CHECKS = {
    "MFCCTransformer": {
        "check_n_features_in_after_fitting": _WAVEFORM_LENGTH_IS_FREE,
        "check_transformer_general": _WAVEFORM_LENGTH_IS_FREE,
        "check_transformer_general(readonly_memmap=True)": _WAVEFORM_LENGTH_IS_FREE,
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [MFCCTransformer(numcep=5, nfilt=10)], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
