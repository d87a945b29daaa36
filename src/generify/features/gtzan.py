"""The 57 features of the public GTZAN features table, from audio.

DRAFT docstring: convention details are filled in below once measured.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .. import spectral
from ..errors import AudioError
from ..filters import chroma_filterbank, fft_frequencies, mel_filterbank

__all__ = ["GTZAN_FEATURE_NAMES", "gtzan_features"]

GTZAN_FEATURE_NAMES: tuple[str, ...] = (
    *(
        f"{name}_{stat}"
        for name in (
            "chroma_stft",
            "rms",
            "spectral_centroid",
            "spectral_bandwidth",
            "rolloff",
            "zero_crossing_rate",
            "harmony",
            "perceptr",
        )
        for stat in ("mean", "var")
    ),
    "tempo",
    *(f"mfcc{k}_{stat}" for k in range(1, 21) for stat in ("mean", "var")),
)

N_FFT = 2048
HOP_LENGTH = 512
_TINY = np.finfo(np.float64).tiny


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    mean = float(np.mean(x)) if x.size else 0.0
    return mean, float(np.mean((x - mean) ** 2)) if x.size else 0.0


def gtzan_features(y: np.ndarray, *, sr: int = 22050) -> np.ndarray:
    """The 57 GTZAN-table features of one waveform, in :data:`GTZAN_FEATURE_NAMES` order.

    Parameters
    ----------
    y : np.ndarray of shape (n_samples,)
        Mono waveform, floats in [-1, 1] (int16 samples / 32768 reproduce the table).
    sr : int, default=22050
        Sampling rate of ``y`` in Hz (the table used 22050 Hz).

    Returns
    -------
    np.ndarray of shape (57,), float64

    Raises
    ------
    AudioError
        If ``y`` is not 1-D, is empty or holds non-finite samples.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise AudioError(f"waveform must be 1-D (mono), got shape {y.shape}")
    if y.size == 0:
        raise AudioError("waveform is empty (0 samples): no features can be computed")
    y = y.astype(np.float64, copy=False)
    if not np.isfinite(y).all():
        raise AudioError("waveform contains non-finite samples (NaN or inf)")

    D = spectral.stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)
    power = D.real**2 + D.imag**2
    magnitude = np.sqrt(power)
    freqs = fft_frequencies(sr=sr, n_fft=N_FFT)
    out: list[float] = []

    tuning = spectral.estimate_tuning(power, sr=sr, n_fft=N_FFT)
    chroma = power @ chroma_filterbank(sr=sr, n_fft=N_FFT, tuning=tuning).T
    peak = chroma.max(axis=1, keepdims=True)
    out += _mean_var(chroma / np.where(peak < _TINY, 1.0, peak))

    padded = np.pad(y, N_FFT // 2, mode="reflect")
    frames = spectral.frame(padded, frame_length=N_FFT, hop_length=HOP_LENGTH)
    out += _mean_var(np.sqrt(np.einsum("ij,ij->i", frames, frames) / N_FFT))

    total = magnitude.sum(axis=1)
    total = np.where(total < _TINY, 1.0, total)
    moments = magnitude @ np.stack([freqs, freqs**2]).T / total[:, None]
    centroid = moments[:, 0]
    out += _mean_var(centroid)
    out += _mean_var(np.sqrt(np.maximum(moments[:, 1] - centroid**2, 0.0)))

    # Rolloff picks a bin by comparing cumulative sums, so rounding decides ties; the table
    # was computed from float32 magnitudes summed in float32, and so is this.
    mag32 = np.abs(D.astype(np.complex64))
    cumulative = np.cumsum(mag32, axis=1)
    reached = cumulative >= np.float32(0.85) * cumulative[:, -1:]
    out += _mean_var(freqs[np.argmax(reached, axis=1)])

    edge_padded = np.pad(y, N_FFT // 2, mode="edge")
    negative = edge_padded < -1e-10
    crossings = np.concatenate(([0], np.cumsum(negative[1:] != negative[:-1])))
    starts = np.arange(0, edge_padded.size - N_FFT + 1, HOP_LENGTH)
    out += _mean_var((crossings[starts + N_FFT - 1] - crossings[starts]) / N_FFT)

    mask = spectral.harmonic_mask(magnitude, kernel_size=31)
    harmonic = spectral.istft(D * mask, hop_length=HOP_LENGTH)
    n_out = harmonic.size
    harmonic = np.concatenate((harmonic, np.zeros(y.size - n_out)))
    percussive = np.concatenate((y[:n_out], np.zeros(y.size - n_out))) - harmonic
    out += _mean_var(harmonic)
    out += _mean_var(percussive)

    mel_db = spectral.power_to_db(power @ mel_filterbank(sr=sr, n_fft=N_FFT).T)
    onsets = spectral.onset_strength(mel_db, n_fft=N_FFT, hop_length=HOP_LENGTH)
    out.append(spectral.tempo(onsets, sr=sr, hop_length=HOP_LENGTH))

    mfcc = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=1)[:, :20]
    for k in range(20):
        out += _mean_var(mfcc[:, k])
    return np.asarray(out, dtype=np.float64)
