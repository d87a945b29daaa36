"""Filterbanks that map the bins of a power spectrum onto mel bands and pitch classes.

:func:`mel_filterbank` and :func:`chroma_filterbank` follow librosa's definitions
(``librosa.filters.mel`` with Slaney's scale and area normalisation,
``librosa.filters.chroma``), computed in float64; :func:`htk_mel_filterbank` is
python_speech_features' (HTK scale, integer bin edges), used by the MFCCs.  A filterbank has one
row per output band and one column per FFT bin ``k = 0 .. n_fft // 2``, whose centre
frequency is ``k * sr / n_fft`` Hz (:func:`fft_frequencies`); apply it as
``power_spectrum @ filterbank.T`` to a spectrogram of shape ``(n_frames, n_bins)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "chroma_filterbank",
    "fft_frequencies",
    "htk_hz_to_mel",
    "htk_mel_filterbank",
    "htk_mel_to_hz",
    "hz_to_mel",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
]

# Slaney's mel scale (Auditory Toolbox): linear below 1 kHz, logarithmic above.
_MEL_HZ_PER_MEL = 200.0 / 3.0
_MEL_LOG_START_HZ = 1000.0
_MEL_LOG_START_MEL = _MEL_LOG_START_HZ / _MEL_HZ_PER_MEL
_MEL_LOG_STEP = np.log(6.4) / 27.0  # natural log of the frequency ratio per mel above 1 kHz


def fft_frequencies(*, sr: float, n_fft: int) -> np.ndarray:
    """Centre frequencies of the bins of a real FFT.

    Parameters
    ----------
    sr : float
        Sampling rate in Hz.
    n_fft : int
        FFT size in samples.

    Returns
    -------
    np.ndarray of shape (n_fft // 2 + 1,)
        Frequencies in Hz, ``k * sr / n_fft``.
    """
    return np.fft.rfftfreq(n_fft, d=1.0 / sr)


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Frequencies in Hz to mels on Slaney's scale (linear below 1 kHz, log above).

    Parameters
    ----------
    hz : array-like
        Frequencies in Hz.

    Returns
    -------
    np.ndarray
        Mels (1000 Hz is 15 mel).
    """
    hz = np.asarray(hz, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_part = _MEL_LOG_START_MEL + np.log(hz / _MEL_LOG_START_HZ) / _MEL_LOG_STEP
    return np.where(hz >= _MEL_LOG_START_HZ, log_part, hz / _MEL_HZ_PER_MEL)


def mel_to_hz(mels: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`: mels on Slaney's scale to Hz.

    Parameters
    ----------
    mels : array-like
        Mels.

    Returns
    -------
    np.ndarray
        Frequencies in Hz.
    """
    mels = np.asarray(mels, dtype=np.float64)
    log_part = _MEL_LOG_START_HZ * np.exp(_MEL_LOG_STEP * (mels - _MEL_LOG_START_MEL))
    return np.where(mels >= _MEL_LOG_START_MEL, log_part, mels * _MEL_HZ_PER_MEL)


def mel_frequencies(n_mels: int, *, fmin: float, fmax: float) -> np.ndarray:
    """``n_mels`` frequencies in Hz equally spaced in mels from ``fmin`` to ``fmax`` Hz."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels))


def mel_filterbank(
    *, sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Slaney-style triangular mel filters (librosa's ``filters.mel`` default).

    Filter ``m`` rises linearly from the ``m``-th to the ``m+1``-th of ``n_mels + 2``
    mel-spaced edge frequencies and falls to the ``m+2``-th; it is scaled by
    ``2 / (upper_edge - lower_edge)`` (edges in Hz), so each filter has about the same
    area and a band's output is a power density per Hz.

    Parameters
    ----------
    sr : float
        Sampling rate in Hz.
    n_fft : int
        FFT size in samples.
    n_mels : int, default=128
        Number of mel bands.
    fmin : float, default=0.0
        Lowest edge in Hz.
    fmax : float or None, default=None
        Highest edge in Hz, above ``fmin``; ``None`` means ``sr / 2``.

    Returns
    -------
    np.ndarray of shape (n_mels, n_fft // 2 + 1)
        Weights that map the bins of a power spectrum to mel-band powers.

    Raises
    ------
    ValueError
        If ``fmin >= fmax``.
    """
    fmax = sr / 2.0 if fmax is None else fmax
    if not fmin < fmax:
        # the edges would run downwards and the weights come out negative
        raise ValueError(f"need fmin < fmax (Hz), got fmin={fmin!r}, fmax={fmax!r}")
    edges = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_frequencies(sr=sr, n_fft=n_fft)[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def chroma_filterbank(
    *,
    sr: float,
    n_fft: int,
    n_chroma: int = 12,
    tuning: float = 0.0,
    ctroct: float = 5.0,
    octwidth: float = 2.0,
) -> np.ndarray:
    """Gaussian pitch-class filters (librosa's ``filters.chroma``, after D. Ellis).

    Every FFT bin above 0 Hz is placed on a log-frequency axis in pitch-class units
    (``n_chroma`` per octave, A440 shifted by ``tuning``); each pitch class gets a
    Gaussian bump of about one bin's width around that class in every octave.  Columns are
    scaled to unit Euclidean norm, then weighted by a Gaussian over octaves centred on
    ``ctroct`` octaves above 27.5 Hz (A0) with half-width ``octwidth`` octaves.  Rows
    start at C.

    Parameters
    ----------
    sr : float
        Sampling rate in Hz.
    n_fft : int
        FFT size in samples.
    n_chroma : int, default=12
        Pitch classes per octave.
    tuning : float, default=0.0
        Deviation of the reference A from 440 Hz, in fractions of a pitch class.
    ctroct, octwidth : float
        Centre and half-width of the octave weighting, in octaves above 27.5 Hz.

    Returns
    -------
    np.ndarray of shape (n_chroma, n_fft // 2 + 1)
        Weights that map the bins of a power spectrum to pitch-class energies.
    """
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    freqs = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    bins = n_chroma * np.log2(freqs / (a440 / 16.0))  # pitch-class units above A0
    # The 0 Hz bin has no pitch: put it 1.5 octaves below bin 1, broad and rotated.
    bins = np.concatenate(([bins[0] - 1.5 * n_chroma], bins))
    widths = np.concatenate((np.maximum(np.diff(bins), 1.0), [1.0]))
    half = np.round(n_chroma / 2.0)
    # Distance from each class, wrapped into [-half, half); the offset keeps it positive.
    dist = bins[None, :] - np.arange(n_chroma, dtype=np.float64)[:, None]
    dist = np.remainder(dist + half + 10 * n_chroma, n_chroma) - half
    weights = np.exp(-0.5 * (2.0 * dist / widths[None, :]) ** 2)
    norms = np.sqrt(np.sum(weights**2, axis=0, keepdims=True))
    weights = weights / np.where(norms < np.finfo(np.float64).tiny, 1.0, norms)
    weights *= np.exp(-0.5 * ((bins / n_chroma - ctroct) / octwidth) ** 2)[None, :]
    weights = np.roll(weights, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(weights[:, : n_fft // 2 + 1])


def htk_hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: ``2595 log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def htk_mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`htk_hz_to_mel`, in Hz."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def htk_mel_filterbank(
    *, nfilt: int, nfft: int, sample_rate: int, lowfreq: float = 0.0, highfreq: float | None = None
) -> np.ndarray:
    """python_speech_features' triangular mel filters (HTK scale, integer FFT-bin edges).

    The filterbank of :func:`generify.features.mfcc.mfcc`; unlike :func:`mel_filterbank`
    its filters peak at 1 and are not area-normalised.

    Parameters
    ----------
    nfilt : int
        Number of filters.
    nfft : int
        FFT size in samples.
    sample_rate : int
        Sampling rate in Hz.
    lowfreq, highfreq : float
        Band edges in Hz; ``highfreq=None`` means ``sample_rate / 2``.

    Returns
    -------
    np.ndarray of shape (nfilt, nfft // 2 + 1)
    """
    highfreq = highfreq or sample_rate / 2
    if highfreq > sample_rate / 2:
        raise ValueError(
            f"highfreq {highfreq} Hz is above the Nyquist frequency {sample_rate / 2} Hz"
        )
    mels = np.linspace(htk_hz_to_mel(lowfreq), htk_hz_to_mel(highfreq), nfilt + 2)
    edges = np.floor((nfft + 1) * htk_mel_to_hz(mels) / sample_rate)
    bins = np.arange(nfft // 2 + 1)[None, :]
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where((bins >= left) & (bins < centre), (bins - left) / (centre - left), 0.0)
        falling = np.where(
            (bins >= centre) & (bins < right), (right - bins) / (right - centre), 0.0
        )
    return rising + falling
