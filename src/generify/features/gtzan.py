"""The 57 features of the public GTZAN features table, from audio.

DRAFT docstring: convention details are filled in below once measured.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft
import scipy.sparse

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
N_MFCC = 20
_TINY = np.finfo(np.float64).tiny


@functools.lru_cache(maxsize=8)
def _mel_basis(sr: int) -> scipy.sparse.csr_matrix:
    """Sparse 128-band Slaney mel filterbank: 2 of its 128 rows touch any one FFT bin."""
    return scipy.sparse.csr_matrix(mel_filterbank(sr=sr, n_fft=N_FFT))


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    mean = x.mean()
    return float(mean), float(np.mean(np.square(x - mean)))


def _framed_stats(x: np.ndarray, *, pad_mode: str) -> np.ndarray:
    """Frames of ``N_FFT`` samples every ``HOP_LENGTH``, centred, edges padded by ``pad_mode``."""
    padded = np.pad(x, N_FFT // 2, mode=pad_mode)
    return spectral.frame(padded, frame_length=N_FFT, hop_length=HOP_LENGTH)


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
    out: list[float] = []

    D = spectral.stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)
    power = np.square(D.real)
    power += np.square(D.imag)
    magnitude = np.sqrt(power)
    # The table's librosa held the STFT in complex64: the rolloff (a threshold crossing)
    # and the HPSS waveforms use that precision.
    D32 = D.astype(np.complex64)

    tuning = spectral.estimate_tuning(power, sr=sr, n_fft=N_FFT)
    chroma = power @ chroma_filterbank(sr=sr, n_fft=N_FFT, tuning=tuning).T
    peak = chroma.max(axis=1, keepdims=True)
    out += _mean_var(chroma / np.where(peak < _TINY, 1.0, peak))

    frames = _framed_stats(y, pad_mode="reflect")
    out += _mean_var(np.sqrt(np.einsum("ij,ij->i", frames, frames) / N_FFT))

    freqs = fft_frequencies(sr=sr, n_fft=N_FFT)
    total = magnitude.sum(axis=1)
    total[total < _TINY] = 1.0  # silent frames stay unnormalised, as in librosa
    moments = magnitude @ np.stack([freqs, freqs**2], axis=1) / total[:, None]
    centroid = moments[:, 0]
    out += _mean_var(centroid)
    out += _mean_var(np.sqrt(np.maximum(moments[:, 1] - centroid**2, 0.0)))

    cumulative = np.cumsum(np.abs(D32), axis=1)
    reached = cumulative >= np.float32(0.85) * cumulative[:, -1:]
    out += _mean_var(freqs[np.argmax(reached, axis=1)])

    negative = np.pad(y, N_FFT // 2, mode="edge") < -1e-10
    crossings = np.concatenate(([0], np.cumsum(negative[1:] != negative[:-1])))
    starts = np.arange(D.shape[0]) * HOP_LENGTH
    out += _mean_var((crossings[starts + N_FFT - 1] - crossings[starts]) / N_FFT)

    mask = spectral.harmonic_mask(magnitude, kernel_size=31).astype(np.float32)
    harmonic = spectral.istft(D32 * mask, hop_length=HOP_LENGTH)
    # The soft masks sum to 1 and the STFT inverts exactly, so the percussive waveform
    # is the (equally cut) input minus the harmonic one.
    n_kept = harmonic.size
    harmonic = np.concatenate((harmonic, np.zeros(y.size - n_kept)))
    percussive = np.concatenate((y[:n_kept], np.zeros(y.size - n_kept))) - harmonic
    out += _mean_var(harmonic)
    out += _mean_var(percussive)

    mel_db = spectral.power_to_db((_mel_basis(sr) @ power.T).T)
    onsets = spectral.onset_strength(mel_db, n_fft=N_FFT, hop_length=HOP_LENGTH)
    out.append(spectral.tempo(onsets, sr=sr, hop_length=HOP_LENGTH))

    mfcc = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=1)[:, :N_MFCC]
    means = mfcc.mean(axis=0)
    variances = np.mean(np.square(mfcc - means), axis=0)
    out += np.column_stack((means, variances)).ravel().tolist()
    return np.asarray(out, dtype=np.float64)
