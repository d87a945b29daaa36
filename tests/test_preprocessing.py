"""LevelInvariantColumns: GTZAN-table rows that do not move with playback level."""

from __future__ import annotations

import numpy as np
import pytest

from generify import GTZANFeatures, load_audio
from generify.preprocessing import LEVEL_DEPENDENT, LevelInvariantColumns


@pytest.fixture(scope="module")
def rows_at_three_levels(gtzan_dir):
    y, _ = load_audio(gtzan_dir / "genres/disco/disco.00002.wav", duration=10.0)
    quiet = y * 0.25  # -12 dB; no clipping at any of the three levels
    return GTZANFeatures().fit_transform([quiet, quiet * 2, quiet * 4])


def test_gain_changes_the_raw_level_columns_but_not_the_output(rows_at_three_levels):
    from generify.features.gtzan import GTZAN_FEATURE_NAMES

    rms = list(GTZAN_FEATURE_NAMES).index("rms_mean")
    assert rows_at_three_levels[2, rms] == pytest.approx(4 * rows_at_three_levels[0, rms])
    out = LevelInvariantColumns().fit(rows_at_three_levels).transform(rows_at_three_levels)
    # Power-of-two gains scale samples, spectra and RMS exactly; only the logarithms
    # round differently (measured 1e-14 relative), so any level left in a column shows.
    np.testing.assert_allclose(out[1:], np.repeat(out[:1], 2, axis=0), rtol=1e-9, atol=0)


def test_columns_and_names(rows_at_three_levels):
    step = LevelInvariantColumns().fit(rows_at_three_levels)
    names = list(step.get_feature_names_out())
    assert len(names) == step.transform(rows_at_three_levels).shape[1] == 54
    assert not set(LEVEL_DEPENDENT) & set(names)
    assert names[-4:] == ["rms_cv2", "harm_frac", "c0rel", "hrel"]


def test_silence_is_finite():
    rows = GTZANFeatures().fit_transform(np.zeros((1, 22050)))
    assert np.isfinite(LevelInvariantColumns().fit(rows).transform(rows)).all()


def test_wrong_number_of_columns():
    with pytest.raises(ValueError, match="57 GTZAN-table columns"):
        LevelInvariantColumns().fit(np.ones((3, 5)))
