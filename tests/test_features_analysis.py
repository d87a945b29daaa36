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


def _direct_rms(y: np.ndarray, *, n_fft: int, hop_length: int) -> np.ndarray:
    padded = np.pad(y, n_fft // 2, mode="reflect")
    starts = np.arange(1 + y.shape[0] // hop_length) * hop_length
    return np.array([np.sqrt(np.mean(padded[s : s + n_fft] ** 2)) for s in starts])


def test_rms_of_a_quiet_tail_after_a_loud_passage_is_exact():
    # Differences of a running sum over the track put these frames ~60 % too low.
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.uniform(-1, 1, 10 * 22050), 1e-6 * rng.standard_normal(3 * 22050)])
    analysis = Analysis(y, sample_rate=22050)
    tail = slice(-100, None)  # frames wholly inside the quiet part
    assert analysis.n_frames - 100 > (10 * 22050 + 1024) // 512
    expected = _direct_rms(y, n_fft=2048, hop_length=512)[tail]
    assert_allclose(analysis.rms[tail], expected, rtol=1e-12, atol=0)
    assert 5e-7 < expected.min() < expected.max() < 2e-6


@pytest.mark.parametrize("n_samples", [1, 700, 2048, 300 * 512 + 3])
@pytest.mark.parametrize(("n_fft", "hop_length"), [(2048, 512), (2048, 500), (128, 128)])
def test_rms_is_the_root_mean_square_of_each_padded_frame(n_samples, n_fft, hop_length):
    # hop_length=500 does not divide the frame: the frames are summed directly.
    y = _noise(n_samples, seed=4)
    analysis = Analysis(y, sample_rate=22050, n_fft=n_fft, hop_length=hop_length)
    expected = _direct_rms(y, n_fft=n_fft, hop_length=hop_length)
    assert analysis.rms.shape == (analysis.n_frames,)
    assert_allclose(analysis.rms, expected, rtol=1e-13, atol=0)
