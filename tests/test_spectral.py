"""STFT, inverse STFT, dB scaling, median HPSS, onsets, tempo and tuning on synthetic signals."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from numpy.testing import assert_allclose, assert_array_equal

from generify import spectral
from generify.filters import fft_frequencies, mel_filterbank

SR = 22050
N_FFT = 2048
HOP = 512


def click_track(*, period_frames: int, seconds: float = 30.0, sr: int = SR) -> np.ndarray:
    """Short decaying noise bursts every ``period_frames * HOP`` samples."""
    rng = np.random.default_rng(0)
    y = np.zeros(round(seconds * sr))
    burst = rng.standard_normal(256) * np.exp(-np.arange(256) / 40.0)
    for start in range(HOP, y.size - burst.size, period_frames * HOP):
        y[start : start + burst.size] += burst
    return 0.5 * y / np.abs(y).max()


def mel_onsets(y: np.ndarray) -> np.ndarray:
    power = np.abs(spectral.stft(y)) ** 2
    return spectral.onset_strength(
        spectral.power_to_db(power @ mel_filterbank(sr=SR, n_fft=N_FFT).T)
    )


def test_hann_window_is_scipys_periodic_hann():
    for n in (2, 7, 2048):
        assert_array_equal(spectral.hann_window(n), scipy.signal.get_window("hann", n))
    w = spectral.hann_window(8)
    assert_allclose(w, [0.0, 0.146447, 0.5, 0.853553, 1.0, 0.853553, 0.5, 0.146447], atol=1e-6)


def test_frame_is_a_strided_view():
    y = np.arange(10.0)
    frames = spectral.frame(y, frame_length=4, hop_length=3)
    assert_array_equal(frames, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    assert np.shares_memory(frames, y)


def test_stft_shape_centring_and_reflect_padding():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(5000)
    D = spectral.stft(y)
    assert D.shape == (1 + 5000 // HOP, N_FFT // 2 + 1)
    assert D.dtype == np.complex128
    # Frame 0 is centred on sample 0 of the signal mirrored about it (no edge repeat).
    head = np.concatenate((y[1024:0:-1], y[:1024]))
    assert_allclose(D[0], np.fft.rfft(head * spectral.hann_window(N_FFT)), atol=1e-10)
    # Frame 3 is centred on sample 3 * HOP.
    middle = y[3 * HOP - 1024 : 3 * HOP + 1024]
    assert_allclose(D[3], np.fft.rfft(middle * spectral.hann_window(N_FFT)), atol=1e-10)


def test_stft_of_a_bin_centred_cosine():
    k = 93
    t = np.arange(SR)
    D = spectral.stft(np.cos(2 * np.pi * k * t / N_FFT))
    magnitude = np.abs(D[5:-5])
    assert (magnitude.argmax(axis=1) == k).all()
    # A periodic Hann window sums to N/2, and a unit cosine puts half its amplitude in bin k.
    assert_allclose(magnitude[:, k], N_FFT / 4, rtol=1e-9)
    assert_allclose(magnitude[:, k - 1], N_FFT / 8, rtol=1e-9)


# 40_000 samples: 79 frames, transformed in two blocks.
@pytest.mark.parametrize("n", [1, 2, 100, 511, 512, 513, 2047, 2049, 10_000, 40_000])
def test_istft_inverts_stft_over_whole_hops(n):
    rng = np.random.default_rng(n)
    y = rng.standard_normal(n)
    out = spectral.istft(spectral.stft(y))
    assert out.shape == (HOP * (n // HOP),)
    assert_allclose(out, y[: out.size], atol=1e-12)


def test_istft_single_precision():
    rng = np.random.default_rng(2)
    y = rng.uniform(-1, 1, 20_000)
    out = spectral.istft(spectral.stft(y).astype(np.complex64))
    assert out.dtype == np.float32
    assert_allclose(out, y[: out.size], atol=2e-6)


def test_istft_rejects_a_hop_that_does_not_divide_the_frame():
    with pytest.raises(ValueError, match="multiple of hop_length"):
        spectral.istft(np.zeros((4, 1025), dtype=complex), hop_length=500)


def test_power_to_db():
    S = np.array([1.0, 10.0, 1e-3, 0.0])
    assert_allclose(spectral.power_to_db(S, top_db=None), [0.0, 10.0, -30.0, -100.0])
    assert_allclose(spectral.power_to_db(S, ref=10.0, top_db=None), [-10.0, 0.0, -40.0, -110.0])
    # Floored 35 dB below the largest value.
    assert_allclose(spectral.power_to_db(S, top_db=35.0), [0.0, 10.0, -25.0, -25.0])
    assert_allclose(spectral.power_to_db(np.zeros(3)), -100.0)


# Sizes 2**k - 1 take the selection network, 5 and 9 scipy's rank filter; 300 columns
# make two column blocks, 70 rows several groups of 16 outputs.
@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (16, 40), (1, 1), (70, 300)])
@pytest.mark.parametrize("size", [1, 3, 5, 9, 15, 31])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_median_filter_equals_scipy_ndimage(shape, size, axis, dtype):
    rng = np.random.default_rng(sum(shape) + size)
    x = rng.standard_normal(shape).astype(dtype)
    x[rng.random(shape) < 0.2] = 0.0
    x[rng.random(shape) < 0.2] = 1.0  # ties
    x.flat[0] = -0.0
    footprint = [1, 1]
    footprint[axis] = size
    expected = scipy.ndimage.median_filter(x, size=tuple(footprint), mode="reflect")
    result = spectral.median_filter(x, size=size, axis=axis)
    assert result.dtype == dtype and result.flags.c_contiguous
    assert_array_equal(result, expected)


def test_median_filter_of_integers_is_float64():
    x = np.arange(12).reshape(3, 4)  # increasing rows: each sample is its window's median
    result = spectral.median_filter(x, size=3, axis=1)
    assert result.dtype == np.float64
    assert_array_equal(result, x)


@pytest.mark.parametrize("length", [1, 2, 5, 14])
def test_median_filter_of_rows_shorter_than_half_the_window(length):
    rng = np.random.default_rng(length)
    x = rng.standard_normal((6, length))
    padded = np.pad(x, ((0, 0), (15, 15)), mode="symmetric")
    expected = np.median(np.lib.stride_tricks.sliding_window_view(padded, 31, axis=1), axis=-1)
    assert_array_equal(spectral.median_filter(x, size=31, axis=1), expected)
    assert_array_equal(spectral.median_filter(x.T, size=31, axis=0), expected.T)


def test_median_filter_rejects_even_sizes():
    with pytest.raises(ValueError, match="odd"):
        spectral.median_filter(np.zeros((3, 3)), size=4, axis=0)


@pytest.mark.parametrize("axis", [2, -3, True, 0.0])
def test_median_filter_rejects_axes_a_2d_array_lacks(axis):
    with pytest.raises(ValueError, match="axis"):
        spectral.median_filter(np.zeros((3, 3)), size=3, axis=axis)


def test_median_filter_negative_axes_equal_positive_ones():
    x = np.random.default_rng(0).standard_normal((9, 7))
    assert_array_equal(
        spectral.median_filter(x, size=3, axis=-2), spectral.median_filter(x, size=3, axis=0)
    )
    assert_array_equal(
        spectral.median_filter(x, size=3, axis=-1), spectral.median_filter(x, size=3, axis=1)
    )


def test_harmonic_mask_separates_a_tone_from_clicks():
    t = np.arange(3 * SR) / SR
    tone = 0.3 * np.sin(2 * np.pi * 1000.0 * t)
    clicks = np.zeros_like(t)
    click_samples = np.arange(SR // 4, t.size - 4096, SR // 2)
    clicks[click_samples] = 1.0
    D = spectral.stft(tone + clicks)
    mask = spectral.harmonic_mask(np.abs(D))
    assert mask.shape == D.shape
    assert ((mask >= 0) & (mask <= 1)).all()
    freqs = fft_frequencies(sr=SR, n_fft=N_FFT)
    tone_bin = np.argmin(np.abs(freqs - 1000.0))
    click_frames = np.round(click_samples / HOP).astype(int)
    frames = np.arange(10, D.shape[0] - 10)
    distance = np.abs(frames[:, None] - click_frames[None, :]).min(axis=1)
    quiet_frames = frames[distance > 3]
    assert mask[quiet_frames, tone_bin].min() > 0.99
    high = freqs > 4000.0
    assert mask[np.ix_(click_frames, high)].max() < 0.01
    # Harmonic waveform keeps the tone's energy, the rest keeps the clicks'.
    harmonic = spectral.istft(D * mask)
    n = harmonic.size
    percussive = (tone + clicks)[:n] - harmonic
    assert np.abs(harmonic - tone[:n])[4096:-4096].max() < 0.05
    assert np.abs(percussive - clicks[:n])[4096:-4096].max() < 0.05


def test_harmonic_mask_splits_silence_evenly():
    assert_array_equal(spectral.harmonic_mask(np.zeros((40, 33))), 0.5)
    assert_array_equal(spectral.harmonic_mask(np.zeros((40, 33), dtype=np.float32)), 0.5)


def test_harmonic_mask_in_single_precision():
    S = np.abs(spectral.stft(np.random.default_rng(3).standard_normal(SR)))
    mask = spectral.harmonic_mask(S.astype(np.float32))
    assert mask.dtype == np.float32
    assert_allclose(mask, spectral.harmonic_mask(S), rtol=0, atol=1e-6)


def test_onset_strength_marks_a_step_three_frames_late():
    S_db = np.zeros((20, 6))
    S_db[10:, :4] = 10.0  # four of six bands rise: the median rises
    env = spectral.onset_strength(S_db)
    assert env.shape == (20,)
    expected = np.zeros(20)
    expected[9 + 1 + 2] = 10.0  # flux at frame 10, delayed by lag + n_fft // (2 * hop)
    assert_allclose(env, expected)
    S_db[10:, :4] = 0.0
    S_db[10:, :2] = 10.0  # two of six bands: the median ignores them
    assert not spectral.onset_strength(S_db).any()


def test_onset_strength_of_a_single_frame():
    assert_array_equal(spectral.onset_strength(np.ones((1, 128))), [0.0])


@pytest.mark.parametrize("period_frames", [20, 26])
def test_tempo_of_a_click_track(period_frames):
    bpm = spectral.tempo(mel_onsets(click_track(period_frames=period_frames)), sr=SR)
    assert bpm == pytest.approx(60.0 * SR / (HOP * period_frames))


def test_tempo_without_onsets_is_zero():
    assert spectral.tempo(np.zeros(500), sr=SR) == 0.0


def test_tempogram_of_a_periodic_envelope():
    env = np.zeros(600)
    env[::25] = 1.0
    tg = spectral.tempogram(env, win_length=200)
    assert tg.shape == (600, 200)
    assert_allclose(tg[:, 0], 1.0)
    middle = tg[100:500].mean(axis=0)
    assert middle[1:].argmax() + 1 == 25


@pytest.mark.parametrize("n", [1, 7, 600])
def test_tempos_mean_tempogram_is_the_mean_of_the_tempogram(n):
    env = np.random.default_rng(n).random(n)
    env[: n // 3] = 0.0  # frames without onsets count as zeros
    expected = spectral.tempogram(env, win_length=200).mean(axis=0)
    result = spectral._mean_tempogram(env, win_length=200)
    assert result.shape == (200,)
    assert_allclose(result, expected, rtol=0, atol=1e-14)
    assert_array_equal(spectral._mean_tempogram(np.zeros(n), win_length=200), 0.0)


@pytest.mark.parametrize("cents", [-30, 0, 20, 45])
def test_estimate_tuning_of_a_detuned_tone(cents):
    t = np.arange(2 * SR) / SR
    y = np.sin(2 * np.pi * 880.0 * 2.0 ** (cents / 1200) * t)
    power = np.abs(spectral.stft(y)) ** 2
    tuning = spectral.estimate_tuning(power, sr=SR, n_fft=N_FFT)
    assert tuning == pytest.approx(cents / 100, abs=0.04)


def test_piptrack_interpolates_between_bins():
    t = np.arange(SR) / SR
    power = np.abs(spectral.stft(np.sin(2 * np.pi * 1000.0 * t))) ** 2
    pitches, mags = spectral.piptrack(power, sr=SR, n_fft=N_FFT)
    # Bins are 10.8 Hz apart; only frames touching the mirrored edges may be off.
    assert np.sum(np.abs(pitches - 1000.0) < 1.0) >= power.shape[0] - 4
    assert (mags > 0).all()


def test_piptrack_ignores_peaks_outside_the_band():
    t = np.arange(SR) / SR
    power = np.abs(spectral.stft(np.sin(2 * np.pi * 100.0 * t))) ** 2
    pitches, _ = spectral.piptrack(power, sr=SR, n_fft=N_FFT)
    assert pitches.size == 0
    assert spectral.estimate_tuning(power, sr=SR, n_fft=N_FFT) == 0.0


def test_piptrack_from_0_hz_equals_from_the_first_bin():
    # bin 0 has no bin below it; it used to empty the band and find no peak at all
    t = np.arange(SR) / SR
    rng = np.random.default_rng(0)
    y = np.sin(2 * np.pi * 220.0 * t) + 0.5 * np.sin(2 * np.pi * 1500.0 * t)
    power = np.abs(spectral.stft(y + 0.1 * rng.standard_normal(SR))) ** 2
    from_zero = spectral.piptrack(power, sr=SR, n_fft=N_FFT, fmin=0.0)
    from_first_bin = spectral.piptrack(power, sr=SR, n_fft=N_FFT, fmin=1.0)
    assert from_zero[0].size > power.shape[0]
    assert_array_equal(from_zero[0], from_first_bin[0])
    assert_array_equal(from_zero[1], from_first_bin[1])


def test_piptrack_never_takes_the_last_bin():
    # with an odd n_fft the last bin is below Nyquist, inside [fmin, fmax)
    rng = np.random.default_rng(1)
    power = rng.random((5, 1024))
    power[:, -1] = 1.5  # a "peak" with no bin above it
    pitches, _ = spectral.piptrack(power, sr=SR, n_fft=2047, fmin=0.0, fmax=SR)
    assert pitches.size > 0
    assert pitches.max() < 1023 * SR / 2047


def test_pitch_tuning_histogram():
    notes = 440.0 * 2.0 ** ((np.arange(-12, 12) + 0.13) / 12)
    assert spectral.pitch_tuning(notes) == pytest.approx(0.13, abs=0.011)
    # Deviations beyond half a class wrap around to the other side.
    notes = 440.0 * 2.0 ** ((np.arange(-12, 12) + 0.8) / 12)
    assert spectral.pitch_tuning(notes) == pytest.approx(-0.2, abs=0.011)
    assert spectral.pitch_tuning(np.array([0.0, -5.0])) == 0.0
