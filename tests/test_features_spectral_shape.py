"""SpectralShapeFeatures: timbral frame features on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from generify.features import SpectralShapeFeatures
from generify.features._analysis import Analysis
from generify.features.spectral_shape import (
    _rolloff_bins,
    spectral_contrast,
    texture_statistics,
)

SR = 22050


def _row(transformer, y):
    transformer.fit([y])
    names = list(transformer.get_feature_names_out())
    return dict(zip(names, transformer.transform([y])[0]))


def _noise(seconds, *, seed=0, amplitude=0.1):
    return amplitude * np.random.default_rng(seed).standard_normal(round(seconds * SR))


@pytest.mark.parametrize("freq", [500.0, 1000.0, 3000.0])
def test_pure_tone_centroid_rolloff_and_zero_crossings(tone, freq):
    row = _row(SpectralShapeFeatures(), tone(freq, 5.0))
    # Only the two frames at each end (reflect padding) stray from the tone.
    assert row["spectral_centroid_mean"] == pytest.approx(freq, rel=0.02)
    assert row["spectral_rolloff_mean"] == pytest.approx(freq, rel=0.02)
    assert row["zero_crossing_rate_mean"] == pytest.approx(2 * freq / SR, rel=0.02)
    assert row["rms_mean"] == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    assert row["spectral_flatness_mean"] < 0.01


def test_tone_versus_noise(tone):
    tone_row = _row(SpectralShapeFeatures(), tone(1000.0, 3.0))
    noise_row = _row(SpectralShapeFeatures(), _noise(3.0))
    assert noise_row["spectral_flatness_mean"] > 0.3
    assert noise_row["spectral_bandwidth_mean"] > 10 * tone_row["spectral_bandwidth_mean"]
    assert noise_row["spectral_flux_mean"] > 10 * tone_row["spectral_flux_mean"]
    # White noise: centroid near a quarter of the sampling rate.
    assert noise_row["spectral_centroid_mean"] == pytest.approx(SR / 4, rel=0.05)


def test_contrast_is_highest_in_the_band_of_a_tone(tone):
    # Bands: 0-200, 200-400, 400-800, 800-1600 Hz, ...; 1000 Hz is in band 3.
    row = _row(SpectralShapeFeatures(), tone(1000.0, 2.0))
    contrasts = [row[f"spectral_contrast{k}_mean"] for k in range(7)]
    assert int(np.argmax(contrasts)) == 3


def test_contrast_brute_force_on_one_band():
    rng = np.random.default_rng(3)
    magnitude = rng.random((4, 1025))
    freqs = np.fft.rfftfreq(2048, 1 / SR)
    contrast = spectral_contrast(magnitude, freqs, n_bands=6, fmin=200.0, quantile=0.1)
    # Band 2 spans 400-800 Hz plus one bin below, without its top bin.
    inside = np.flatnonzero((freqs >= 400) & (freqs <= 800))
    band = np.sort(magnitude[:, inside[0] - 1 : inside[-1]], axis=1)
    n = round(0.1 * (inside.size + 1))
    expected = 10 * np.log10(band[:, -n:].mean(axis=1) / band[:, :n].mean(axis=1))
    np.testing.assert_allclose(contrast[:, 2], expected, rtol=1e-12)


@pytest.mark.parametrize("quantile", [0.02, 0.6])  # 0.6: peaks and valleys share bins
def test_contrast_brute_force_on_every_band_with_ties(quantile):
    rng = np.random.default_rng(4)
    magnitude = rng.random((6, 1025))
    magnitude[1] = 0.0  # silence
    magnitude[2] = rng.integers(0, 4, 1025)  # ties at every rank
    magnitude[3] = 1.0 + 1e-12 * rng.random(1025)  # distinct, yet equal in single precision
    magnitude[4] *= 1e-3
    freqs = np.fft.rfftfreq(2048, 1 / SR)
    contrast = spectral_contrast(magnitude, freqs, quantile=quantile)
    edges = [0.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 12800.0]
    peaks, valleys = np.empty((6, 7)), np.empty((6, 7))
    for k in range(7):
        inside = np.flatnonzero((freqs >= edges[k]) & (freqs <= edges[k + 1]))
        start = inside[0] - 1 if k else 0
        stop = 1025 if k == 6 else inside[-1]
        count = (1025 if k == 6 else inside[-1] + 1) - start
        n = max(1, round(quantile * count))
        band = np.sort(magnitude[:, start:stop], axis=1)
        peaks[:, k], valleys[:, k] = band[:, -n:].mean(axis=1), band[:, :n].mean(axis=1)
    # In dB, each array floored 80 dB below its largest value.
    peaks_db, valleys_db = (10 * np.log10(np.maximum(x, 1e-10)) for x in (peaks, valleys))
    expected = np.maximum(peaks_db, peaks_db.max() - 80) - np.maximum(
        valleys_db, valleys_db.max() - 80
    )
    np.testing.assert_allclose(contrast, expected, rtol=1e-12, atol=1e-12)


def _cumsum_rolloff(magnitude, roll_percent):
    cumulative = np.cumsum(magnitude, axis=1)
    return np.argmax(cumulative >= roll_percent * cumulative[:, -1:], axis=1)


@pytest.mark.parametrize("n_bins", [1025, 129, 64, 5])
@pytest.mark.parametrize("roll_percent", [0.85, 0.5, 0.99])
def test_rolloff_bins_equal_those_of_the_running_sum(n_bins, roll_percent):
    rng = np.random.default_rng(5)
    magnitude = rng.exponential(size=(300, n_bins)) ** 4  # a wide dynamic range
    magnitude[:10] = 0.0
    magnitude[10:20] = 1.0  # integer sums: the threshold is reached exactly
    magnitude[20:30, rng.integers(0, n_bins, 10)] = 1e6  # one dominant bin
    magnitude[30:40] = 0.1  # the running sum drifts by rounding
    assert_array_equal(
        _rolloff_bins(magnitude, roll_percent), _cumsum_rolloff(magnitude, roll_percent)
    )


def test_rolloff_bins_where_rounding_decides_the_bin():
    # Thresholds equal to the running sum at some bin, up to rounding: a sum formed in
    # another order can cross one bin earlier or later.
    magnitude = np.full((1, 1025), 0.1)
    cumulative = np.cumsum(magnitude[0])
    for bin_ in range(100, 1025, 37):
        for roll_percent in np.nextafter(cumulative[bin_] / cumulative[-1], [0.0, 1.0]):
            assert_array_equal(
                _rolloff_bins(magnitude, roll_percent), _cumsum_rolloff(magnitude, roll_percent)
            )


def test_low_energy_of_a_loud_then_quiet_signal(tone):
    y = np.concatenate((tone(440.0, 2.0), 0.01 * tone(440.0, 2.0)))
    assert _row(SpectralShapeFeatures(), y)["low_energy"] == pytest.approx(0.5, abs=0.03)


def test_texture_statistics_equal_sliding_windows():
    frames = np.random.default_rng(1).standard_normal((80, 3)) * [1.0, 1e3, 1e-3] + [0, 3e3, 1]
    windows = np.lib.stride_tricks.sliding_window_view(frames, 10, axis=0)
    means, stds = windows.mean(axis=2), windows.std(axis=2)
    expected = np.stack([means.mean(0), means.std(0), stds.mean(0), stds.std(0)])
    np.testing.assert_allclose(texture_statistics(frames, window=10), expected, rtol=1e-10)
    # A window longer than the segment is the whole segment.
    whole = texture_statistics(frames, window=1000)
    np.testing.assert_allclose(whole[[0, 2]], [frames.mean(0), frames.std(0)], rtol=1e-10)
    np.testing.assert_allclose(whole[[1, 3]], 0.0, atol=1e-10)


def test_texture_window_features(tone):
    y = np.concatenate((tone(440.0, 2.0), _noise(2.0)))
    plain = _row(SpectralShapeFeatures(), y)
    texture = _row(SpectralShapeFeatures(texture_window=1.0), y)
    assert len(texture) == 4 * 14 + 1
    # The mean of the texture means is nearly the mean; windows differ (tone, then noise).
    assert texture["spectral_flatness_texture_mean_mean"] == pytest.approx(
        plain["spectral_flatness_mean"], rel=0.1
    )
    assert texture["spectral_flatness_texture_mean_std"] > 0.1
    frames = SpectralShapeFeatures()._frame_features(Analysis(y, sample_rate=SR))
    expected = texture_statistics(frames, window=43)[:, 0]  # 1 s at 43.07 frames/s
    got = [texture[f"spectral_centroid_texture_{s}"] for s in ("mean_mean", "mean_std")]
    got += [texture[f"spectral_centroid_texture_{s}"] for s in ("std_mean", "std_std")]
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("texture_window", [None, 1.0])
@pytest.mark.parametrize(
    "y",
    [np.zeros(SR), np.zeros(3), np.array([0.5]), 0.1 * np.ones(1000)],
    ids=["silence", "three-zeros", "one-sample", "dc"],
)
def test_degenerate_input_is_finite(y, texture_window):
    transformer = SpectralShapeFeatures(texture_window=texture_window).fit([y])
    X = transformer.transform([y])
    assert X.shape == (1, len(transformer.get_feature_names_out()))
    assert np.isfinite(X).all()


def test_names():
    names = SpectralShapeFeatures(n_bands=4).fit_parameters().get_feature_names_out()
    assert len(names) == 2 * 12 + 1 == len(set(names))
    assert {"spectral_centroid_mean", "spectral_contrast4_std", "rms_std"} <= set(names)


@pytest.mark.parametrize(
    "params",
    [
        {"roll_percent": 1.0},
        {"n_bands": 0},
        {"n_bands": 7},  # 200 * 2**6 Hz is above Nyquist
        {"contrast_fmin": -1.0},
        {"contrast_quantile": 0.0},
        {"texture_window": 0.0},
    ],
)
def test_invalid_parameters(params):
    with pytest.raises(ValueError, match=next(iter(params)).split("_")[-1]):
        SpectralShapeFeatures(**params).fit([np.zeros(100)])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"contrast_fmin": 10.0}, "contrast_fmin"),  # band 0 below the first bin: NaN
        ({"contrast_fmin": 5.0}, "contrast_fmin"),  # no bin in band 0: IndexError
        ({"contrast_fmin": 15.0, "sample_rate": 44100}, "contrast_fmin"),
        ({"contrast_fmin": float("nan")}, "contrast_fmin"),
        ({"texture_window": float("inf")}, "texture_window"),
        ({"texture_window": "1"}, "texture_window"),
        ({"n_bands": True}, "n_bands"),
        ({"n_bands": 6.0}, "n_bands"),
        ({"roll_percent": float("nan")}, "roll_percent"),
        ({"contrast_quantile": "0.1"}, "contrast_quantile"),
    ],
)
def test_parameter_errors_are_raised_in_fit_not_per_track(params, name):
    y = _noise(0.5)
    with pytest.raises(ValueError, match=name):
        SpectralShapeFeatures(on_error="skip", **params).fit_transform([y, y])


def test_narrowest_valid_contrast_band_is_finite():
    # at 22050 Hz and 2048-point frames, 22 Hz is the lowest contrast_fmin whose band 0
    # holds 2 bins; 21 Hz leaves it 1
    y = _noise(0.5)
    assert np.isfinite(SpectralShapeFeatures(contrast_fmin=22.0).fit_transform([y])).all()
    with pytest.raises(ValueError, match="contrast_fmin"):
        SpectralShapeFeatures(contrast_fmin=21.0).fit([y])


def test_spectral_contrast_rejects_bands_without_two_bins():
    freqs = np.linspace(0, 11025, 1025)
    with pytest.raises(ValueError, match="band 0"):
        spectral_contrast(np.ones((3, 1025)), freqs, fmin=5.0)


def test_flux_equals_distance_of_unit_spectra(tone):
    y = np.concatenate((tone(440.0, 0.3), np.zeros(SR // 2), _noise(0.3)))
    analysis = Analysis(y, sample_rate=SR)
    flux = SpectralShapeFeatures()._frame_features(analysis)[:, 4]
    norms = np.linalg.norm(analysis.magnitude, axis=1, keepdims=True)
    unit = analysis.magnitude / np.where(norms > 0, norms, 1.0)  # silent frames stay 0
    expected = np.concatenate(([0.0], ((unit[1:] - unit[:-1]) ** 2).sum(axis=1)))
    assert (norms == 0).any()  # the silent part is covered
    np.testing.assert_allclose(flux, expected, atol=1e-12)
