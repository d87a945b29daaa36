"""CombinedFeatures: several families from one analysis per segment."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from generify import MFCCTransformer, spectral
from generify.features import (
    ChromaFeatures,
    CombinedFeatures,
    RhythmFeatures,
    SpectralShapeFeatures,
)
from generify.features.combined import default_families

SR = 22050


@pytest.fixture
def music(tone):
    """Three seconds of a chord over noise bursts at 120 BPM."""
    y = tone(220.0, 3.0) + tone(330.0, 3.0, amplitude=0.2)
    rng = np.random.default_rng(0)
    for start in range(0, y.size - 500, SR // 2):
        y[start : start + 500] += 0.3 * rng.standard_normal(500).astype(np.float32)
    return y


def test_equals_the_families_run_separately(music):
    combined = CombinedFeatures().fit([music])
    expected = np.hstack([family.fit_transform([music]) for family in default_families()])
    np.testing.assert_allclose(combined.transform([music]), expected, rtol=1e-12, atol=1e-12)
    names = [n for family in default_families() for n in family.fit_parameters()._feature_names()]
    assert list(combined.get_feature_names_out()) == names
    assert combined.n_features_out_ == len(names) == len(set(names))


def test_one_stft_per_segment(music, monkeypatch):
    calls = []

    def counting_stft(y, **kwargs):
        calls.append(y.shape[0])
        return stft(y, **kwargs)

    stft = spectral.stft
    monkeypatch.setattr(spectral, "stft", counting_stft)
    combined = CombinedFeatures().fit([music])
    segments = combined.transform_segments([music], segment_duration=1.0)
    assert segments[0].features.shape == (3, combined.n_features_out_)
    assert calls == [SR, SR, SR]


def test_shared_stft_is_not_reused_across_segments(music):
    combined = CombinedFeatures([SpectralShapeFeatures()]).fit([music])
    segments = combined.transform_segments([music], segment_duration=1.0)[0].features
    one_by_one = combined.transform([music[i * SR : (i + 1) * SR] for i in range(3)])
    np.testing.assert_allclose(segments, one_by_one, rtol=1e-12)


def test_families_get_the_combined_sample_rate(music):
    y = music[::2]  # played back at 11025 Hz
    combined = CombinedFeatures(
        [SpectralShapeFeatures(n_bands=5, sample_rate=44100)], sample_rate=11025
    )
    alone = SpectralShapeFeatures(n_bands=5, sample_rate=11025)
    np.testing.assert_allclose(combined.fit_transform([y]), alone.fit_transform([y]), rtol=1e-12)


def test_clashing_names_are_prefixed(music):
    combined = CombinedFeatures([ChromaFeatures(), ChromaFeatures(profile="both")]).fit([music])
    names = list(combined.get_feature_names_out())
    assert len(names) == len(set(names)) == 24 + 48
    assert names[0] == "chromafeatures0__chroma0_mean"
    assert names[24] == "chromafeatures1__chroma0_mean"
    assert combined.transform([music]).shape == (1, 72)


def test_clone_and_params():
    families = [MFCCTransformer(numcep=5, nfilt=10), RhythmFeatures(n_tempo_bins=4)]
    combined = CombinedFeatures(families, sample_rate=16000)
    copy = clone(combined)
    assert copy.families is not families
    assert [f.get_params() for f in copy.families] == [f.get_params() for f in families]
    params = combined.get_params(deep=True)
    assert params["families"] is families and params["sample_rate"] == 16000
    assert clone(CombinedFeatures()).families is None


def test_silence_and_very_short_input_are_finite():
    combined = CombinedFeatures().fit([np.zeros(3)])
    X = combined.transform([np.zeros(SR), np.zeros(3), np.array([0.1])])
    assert X.shape == (3, combined.n_features_out_)
    assert np.isfinite(X).all()


@pytest.mark.parametrize(
    ("families", "message"),
    [
        ([], "empty"),
        ("mfcc", "list"),
        ([MFCCTransformer(), "chroma"], r"families\[1\]"),
        ([SpectralShapeFeatures(n_bands=0)], "n_bands"),
    ],
)
def test_invalid_families(families, message):
    with pytest.raises(ValueError, match=message):
        CombinedFeatures(families).fit([np.zeros(100)])


def test_member_errors_name_the_family_and_rate():
    # the default spectral-shape family's contrast bands do not fit below 11025 Hz Nyquist
    with pytest.raises(
        ValueError, match=r"families\[1\] \(SpectralShapeFeatures\) at 11025 Hz: .*contrast"
    ):
        CombinedFeatures(sample_rate=11025).fit([np.zeros(1000)])
    with pytest.raises(
        ValueError, match=r"families\[0\] \(MFCCTransformer\) at 8000 Hz: .*highfreq"
    ):
        CombinedFeatures([MFCCTransformer(highfreq=6000.0)], sample_rate=8000).fit([np.zeros(100)])
