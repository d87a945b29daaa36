"""Analysis: the shared views equal their direct definitions."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from generify import spectral
from generify.features._analysis import Analysis
from generify.filters import mel_filterbank


def _noise(n_samples: int, *, seed: int = 0) -> np.ndarray:
    return 0.1 * np.random.default_rng(seed).standard_normal(n_samples)


@pytest.mark.parametrize("n_samples", [1, 700, 64 * 512 + 3, 3 * 22050])
def test_power_is_the_squared_magnitude_of_the_stft(n_samples):
    analysis = Analysis(_noise(n_samples), sample_rate=22050)
    D = analysis.stft
    assert_array_equal(analysis.power, D.real**2 + D.imag**2)


@pytest.mark.parametrize(("sample_rate", "n_fft"), [(22050, 2048), (44100, 2048), (22050, 128)])
def test_mel_power_is_the_power_through_the_whole_filterbank(sample_rate, n_fft):
    # With 128-sample frames whole groups of mel filters fall between bins (all zeros).
    y = _noise(2 * sample_rate, seed=1)
    analysis = Analysis(y, sample_rate=sample_rate, n_fft=n_fft, hop_length=n_fft // 4)
    bank = mel_filterbank(sr=sample_rate, n_fft=n_fft, n_mels=128)
    if n_fft == 128:
        assert not bank[:4].any()
    assert_allclose(analysis.mel_power, analysis.power @ bank.T, rtol=1e-12, atol=0)


def test_mean_tempogram_is_the_mean_of_the_tempogram():
    bursts = np.repeat(np.arange(20) % 4 == 0, 22050 // 4)  # 0.25 s of noise every second
    y = _noise(bursts.size, seed=2) * bursts
    analysis = Analysis(y, sample_rate=22050)
    local = spectral.tempogram(analysis.onset_envelope, win_length=analysis.tempogram_lags)
    assert_allclose(analysis.mean_tempogram, local.mean(axis=0), rtol=0, atol=1e-14)
    assert analysis.mean_tempogram[0] == pytest.approx(1.0)
