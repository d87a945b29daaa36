"""scikit-learn's estimator checks on every generify estimator.

Expected failures are listed explicitly, with the reason, as imbalanced-learn does.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from generify import GenreClassifier, GTZANFeatures, MFCCTransformer
from generify.features import (
    AudioFeatureTransformer,
    ChromaFeatures,
    CombinedFeatures,
    RhythmFeatures,
    SpectralShapeFeatures,
)

# Audio transformers read rows of a 2-D array as waveforms; the number of samples per
# track is not a fixed "number of features", so these checks do not apply.
_WAVEFORM_LENGTH_IS_FREE = "rows are waveforms of any length; n_features_in_ is not defined"

# The checks' toy data (a few Gaussian blobs in 2-20 columns) read as waveforms of
# 2-20 samples carry no spectral information, so an audio model cannot learn them.
_BLOBS_ARE_NOT_AUDIO = "rows of toy blobs are not audio; MFCCs of 2-20 samples cannot separate them"

# Integer rows are 16-bit-style PCM: the checks' small integers (0-20 of 32768) are below
# -60 dBFS, which GenreClassifier's default trim_db leaves out as silence, so the track
# is unreadable (an AudioError naming it).
_INTEGER_TOYS_ARE_SILENT = "integer toy rows read as PCM are silence below trim_db=-60 dBFS"

_AUDIO_TRANSFORMER = {
    "check_n_features_in_after_fitting": _WAVEFORM_LENGTH_IS_FREE,
    "check_transformer_general": _WAVEFORM_LENGTH_IS_FREE,
    "check_transformer_general(readonly_memmap=True)": _WAVEFORM_LENGTH_IS_FREE,
}
_AUDIO_CLASSIFIER = {
    "check_n_features_in_after_fitting": _WAVEFORM_LENGTH_IS_FREE,
    "check_classifiers_train": _BLOBS_ARE_NOT_AUDIO,
    "check_classifiers_train(readonly_memmap=True)": _BLOBS_ARE_NOT_AUDIO,
    "check_classifiers_train(readonly_memmap=True,X_dtype=float32)": _BLOBS_ARE_NOT_AUDIO,
    "check_estimators_dtypes": _INTEGER_TOYS_ARE_SILENT,
    "check_classifier_data_not_an_array": _INTEGER_TOYS_ARE_SILENT,
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, AudioFeatureTransformer):
        return _AUDIO_TRANSFORMER
    if isinstance(estimator, GenreClassifier) and estimator.features != "passthrough":
        return _AUDIO_CLASSIFIER
    return {}


@parametrize_with_checks(
    [
        MFCCTransformer(numcep=5, nfilt=10),
        GTZANFeatures(),
        SpectralShapeFeatures(),
        SpectralShapeFeatures(texture_window=0.05),
        ChromaFeatures(profile="both"),
        RhythmFeatures(),
        CombinedFeatures(),
        CombinedFeatures([MFCCTransformer(numcep=5, nfilt=10), ChromaFeatures()]),
        GenreClassifier(features="passthrough"),
        GenreClassifier(segment_duration=None),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
