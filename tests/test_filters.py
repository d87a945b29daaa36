"""Mel and chroma filterbanks: shapes, scales, placement and normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from generify.filters import (
    chroma_filterbank,
    fft_frequencies,
    hz_to_mel,
    mel_filterbank,
    mel_frequencies,
    mel_to_hz,
)

SR = 22050
N_FFT = 2048


def test_fft_frequencies_are_bin_centres():
    freqs = fft_frequencies(sr=SR, n_fft=N_FFT)
    assert freqs.shape == (N_FFT // 2 + 1,)
    assert freqs[0] == 0.0
    assert freqs[-1] == SR / 2
    assert_allclose(np.diff(freqs), SR / N_FFT)


def test_slaney_mel_scale_is_linear_below_1khz_and_logarithmic_above():
    assert_allclose(hz_to_mel([0.0, 200.0, 1000.0]), [0.0, 3.0, 15.0])
    # 27 mels per factor 6.4 above 1 kHz
    assert_allclose(hz_to_mel(6400.0), 15.0 + 27.0)
    assert_allclose(hz_to_mel(2000.0) - hz_to_mel(1000.0), hz_to_mel(4000.0) - hz_to_mel(2000.0))
    hz = np.array([0.0, 50.0, 999.0, 1000.0, 1001.0, 8000.0, 11025.0])
    assert_allclose(mel_to_hz(hz_to_mel(hz)), hz, rtol=1e-12, atol=1e-9)


def test_mel_frequencies_span_the_range_evenly_in_mels():
    f = mel_frequencies(10, fmin=100.0, fmax=8000.0)
    assert_allclose([f[0], f[-1]], [100.0, 8000.0])
    assert_allclose(np.diff(hz_to_mel(f)), np.diff(hz_to_mel(f))[0])


def test_mel_filterbank_shape_support_and_peaks():
    fb = mel_filterbank(sr=SR, n_fft=N_FFT)
    assert fb.shape == (128, N_FFT // 2 + 1)
    assert (fb >= 0).all()
    assert (fb.max(axis=1) > 0).all()  # no empty band at this resolution
    # Triangles overlap by halves: no bin lies in more than two bands.
    assert ((fb > 0).sum(axis=0) <= 2).all()
    # Each band peaks near its centre frequency (within one FFT bin).
    centres = mel_frequencies(130, fmin=0.0, fmax=SR / 2)[1:-1]
    freqs = fft_frequencies(sr=SR, n_fft=N_FFT)
    assert np.abs(freqs[fb.argmax(axis=1)] - centres).max() <= SR / N_FFT


def test_mel_filterbank_slaney_area_normalisation():
    fb = mel_filterbank(sr=SR, n_fft=4096, n_mels=40, fmin=300.0, fmax=8000.0)
    # Height 2 / (upper - lower edge) Hz: each triangle has unit area in Hz.
    area = fb.sum(axis=1) * (SR / 4096)
    assert_allclose(area, 1.0, rtol=0.02)
    freqs = fft_frequencies(sr=SR, n_fft=4096)
    assert not fb[:, (freqs < 300.0) | (freqs > 8000.0)].any()


def test_chroma_filterbank_places_pitches_in_their_class():
    fb = chroma_filterbank(sr=SR, n_fft=8192)
    assert fb.shape == (12, 8192 // 2 + 1)
    assert (fb >= 0).all()
    freqs = fft_frequencies(sr=SR, n_fft=8192)
    # Rows start at C: A (440 Hz) is class 9, C4 (261.63 Hz) class 0, E5 class 4.
    for hz, pitch_class in [(440.0, 9), (261.6256, 0), (659.2551, 4), (880.0, 9)]:
        assert fb[:, np.argmin(np.abs(freqs - hz))].argmax() == pitch_class


@pytest.mark.parametrize("tuning", [-0.3, 0.0, 0.25])
def test_chroma_filterbank_tuning_shifts_the_reference(tuning):
    n_fft = 2**16
    fb = chroma_filterbank(sr=SR, n_fft=n_fft, tuning=tuning)
    freqs = fft_frequencies(sr=SR, n_fft=n_fft)
    near_a4 = (freqs > 400.0) & (freqs < 480.0)
    peak = freqs[near_a4][fb[9, near_a4].argmax()]
    assert abs(peak - 440.0 * 2.0 ** (tuning / 12)) <= 2 * SR / n_fft


@pytest.mark.parametrize("octwidth", [2.0, 1.0])
def test_chroma_filterbank_columns_are_unit_vectors_weighted_by_octave(octwidth):
    fb = chroma_filterbank(sr=SR, n_fft=N_FFT, octwidth=octwidth)
    freqs = fft_frequencies(sr=SR, n_fft=N_FFT)[1:]
    column_norm = np.sqrt((fb[:, 1:] ** 2).sum(axis=0))
    # A Gaussian over octaves above A0 (27.5 Hz), centred on 5 octaves (880 Hz).
    expected = np.exp(-0.5 * ((np.log2(freqs / 27.5) - 5.0) / octwidth) ** 2)
    assert_allclose(column_norm, expected, rtol=1e-10)


@pytest.mark.parametrize(("fmin", "fmax"), [(5000.0, 1000.0), (2000.0, 2000.0), (12000.0, None)])
def test_mel_filterbank_needs_fmin_below_fmax(fmin, fmax):
    # the edges would run downwards and give negative weights
    with pytest.raises(ValueError, match="fmin < fmax"):
        mel_filterbank(sr=SR, n_fft=N_FFT, n_mels=20, fmin=fmin, fmax=fmax)
