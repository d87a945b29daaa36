"""RhythmFeatures: tempo, beat histogram and onsets of click tracks."""

from __future__ import annotations

import numpy as np
import pytest

from generify import spectral
from generify.features import RhythmFeatures
from generify.features._analysis import Analysis
from generify.features.rhythm import estimate_tempo

SR = 22050


def _clicks(bpm: float, seconds: float = 12.0) -> np.ndarray:
    """Short decaying noise bursts every ``60 / bpm`` seconds."""
    y = np.zeros(round(seconds * SR))
    burst = np.random.default_rng(0).standard_normal(220) * np.exp(-np.arange(220) / 40)
    for start in np.arange(0.0, seconds - 0.02, 60.0 / bpm):
        i = round(start * SR)
        y[i : i + burst.size] += 0.5 * burst
    return y


def _row(y, **params):
    transformer = RhythmFeatures(**params).fit([y])
    return dict(zip(transformer.get_feature_names_out(), transformer.transform([y])[0]))


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_tempo_of_a_click_track(bpm):
    row = _row(_clicks(bpm))
    assert row["tempo_bpm"] == pytest.approx(bpm, rel=0.02)
    peaks = (row["beat_peak1_bpm"], row["beat_peak2_bpm"])
    assert any(peak == pytest.approx(bpm, rel=0.02) for peak in peaks)
    assert row["onset_rate"] == pytest.approx(bpm / 60, rel=0.1)


def test_beat_histogram_of_a_click_track():
    row = _row(_clicks(120.0))
    # The beat and the period two beats long are about equally strong in a strict pulse.
    peaks = sorted((row["beat_peak1_bpm"], row["beat_peak2_bpm"]))
    assert peaks == [pytest.approx(60.0, rel=0.02), pytest.approx(120.0, rel=0.02)]
    assert 0.8 < row["beat_peak_ratio"] <= 1.0
    assert row["pulse_clarity"] > 0.5
    assert row["beat_peak1_amplitude"] > 2.0  # the peak stands well above the mean
    # Bins span 40-320 BPM, 4 per octave: bin 6 holds 113-135 BPM, bin 4 80-95 BPM.
    assert row["tempogram6"] > 3 * row["tempogram4"]


def test_noise_has_no_clear_pulse():
    noise = 0.1 * np.random.default_rng(1).standard_normal(12 * SR)
    assert _row(noise)["pulse_clarity"] < 0.5 * _row(_clicks(120.0))["pulse_clarity"]


def test_tempo_estimate_agrees_with_spectral_tempo():
    analysis = Analysis(_clicks(100.0), sample_rate=SR)
    ours = estimate_tempo(analysis.mean_tempogram, frame_rate=analysis.frame_rate)
    quantised = spectral.tempo(analysis.onset_envelope, sr=SR)
    # Same lag chosen, refined within half a lag (about 2.5 % at 100 BPM).
    assert ours == pytest.approx(quantised, rel=0.025)
    assert ours == pytest.approx(100.0, rel=0.01)


@pytest.mark.parametrize(
    "y", [np.zeros(5 * SR), np.zeros(4), np.array([0.2])], ids=["silence", "4-zeros", "1-sample"]
)
def test_degenerate_input_is_finite_and_zero(y):
    row = _row(y)
    values = np.array(list(row.values()))
    assert np.isfinite(values).all()
    np.testing.assert_array_equal(values, 0.0)


def test_names_and_bins():
    transformer = RhythmFeatures(n_tempo_bins=8).fit_parameters()
    names = list(transformer.get_feature_names_out())
    assert len(names) == len(set(names)) == 8 + 11
    assert names[:2] == ["tempogram0", "tempogram1"]
    assert "tempo_bpm" in names
    row = transformer.transform([_clicks(120.0, 6.0)])
    assert row.shape == (1, len(names))


@pytest.mark.parametrize(
    "params",
    [{"min_bpm": 5.0}, {"min_bpm": 200.0, "max_bpm": 100.0}, {"n_tempo_bins": 0}],
)
def test_invalid_parameters(params):
    with pytest.raises(ValueError, match=r"bpm|n_tempo_bins"):
        RhythmFeatures(**params).fit([np.zeros(100)])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"max_bpm": float("inf")}, "max_bpm"),
        ({"max_bpm": float("nan")}, "max_bpm"),
        ({"min_bpm": "40"}, "min_bpm"),
        ({"max_bpm": 2600.0}, "max_bpm"),  # above one beat per 512-sample hop at 22050 Hz
        ({"max_bpm": 1000.0, "sample_rate": 8000}, "max_bpm"),  # 937.5 BPM at 8000 Hz
        ({"n_tempo_bins": True}, "n_tempo_bins"),
        ({"n_tempo_bins": 12.0}, "n_tempo_bins"),
    ],
)
def test_parameter_errors_are_raised_in_fit_not_per_track(params, name):
    clicks = _clicks(120.0, 4.0)
    with pytest.raises(ValueError, match=name):
        RhythmFeatures(on_error="skip", **params).fit_transform([clicks, clicks])


def test_fastest_tempo_is_one_beat_per_hop():
    out = RhythmFeatures(max_bpm=60.0 * 22050 / 512).fit_transform([_clicks(120.0, 4.0)])
    assert np.isfinite(out).all()
