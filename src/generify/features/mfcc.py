"""Mel-frequency cepstral coefficients in the python_speech_features convention.

The frame-level matrix equals ``python_speech_features.mfcc`` (release 0.6) on the same
samples, computed over all frames at once:

1. samples are floats in [-1, 1] (as :func:`generify.load_audio` returns them; the
   seed fed int16 values, which only shifts ``c0`` by ``2 * log(32768)``);
2. pre-emphasis ``y[n] - preemph * y[n-1]`` (the first sample is kept);
3. frames of ``round_half_up(winlen * sr)`` samples every ``round_half_up(winstep * sr)``
   samples, no window, the last frame zero-padded; a signal shorter than one frame
   gives one frame;
4. power spectrum ``|rfft(frame, nfft)|**2 / nfft``; ``nfft=None`` means the next power
   of two >= the frame length, so no frame is truncated (the 0.6 release's default of 512
   silently truncates 25-ms frames at 22.05 kHz);
5. ``nfilt`` triangular filters on the HTK mel scale ``2595 log10(1 + f / 700)`` between
   ``lowfreq`` and ``highfreq`` with python_speech_features' integer FFT-bin edges;
   zero energies are replaced by machine epsilon before the natural log;
6. orthonormal DCT-II, first ``numcep`` coefficients, sinusoidal lifter
   ``1 + (L / 2) sin(pi n / L)``;
7. with ``appendEnergy``, ``c0`` is replaced by the natural log of the frame's total
   power-spectrum energy.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy.fft import dct, rfft

from ._base import AudioFeatureTransformer

__all__ = ["MFCCTransformer", "delta", "mel_filterbank", "mfcc"]

STATISTICS = ("mean", "std", "delta_mean", "delta_std")
_EPS = np.finfo(float).eps


def _round_half_up(x: float) -> int:
    return int(Decimal(x).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: ``2595 log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`, in Hz."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def mel_filterbank(
    *, nfilt: int, nfft: int, sample_rate: int, lowfreq: float = 0.0, highfreq: float | None = None
) -> np.ndarray:
    """Triangular mel filters with python_speech_features' integer bin edges.

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
    mels = np.linspace(hz_to_mel(lowfreq), hz_to_mel(highfreq), nfilt + 2)
    edges = np.floor((nfft + 1) * mel_to_hz(mels) / sample_rate)
    bins = np.arange(nfft // 2 + 1)[None, :]
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where((bins >= left) & (bins < centre), (bins - left) / (centre - left), 0.0)
        falling = np.where(
            (bins >= centre) & (bins < right), (right - bins) / (right - centre), 0.0
        )
    return rising + falling


def _frames(signal: np.ndarray, frame_len: int, frame_step: int) -> np.ndarray:
    n = signal.shape[0]
    n_frames = 1 if n <= frame_len else 1 + math.ceil((n - frame_len) / frame_step)
    padded = np.zeros((n_frames - 1) * frame_step + frame_len)
    padded[:n] = signal
    windows = np.lib.stride_tricks.sliding_window_view(padded, frame_len)
    return windows[::frame_step]


def mfcc(
    y: np.ndarray,
    *,
    sample_rate: int = 22050,
    winlen: float = 0.025,
    winstep: float = 0.01,
    numcep: int = 13,
    nfilt: int = 26,
    nfft: int | None = None,
    lowfreq: float = 0.0,
    highfreq: float | None = None,
    preemph: float = 0.97,
    ceplifter: int = 22,
    appendEnergy: bool = True,  # python_speech_features name
) -> np.ndarray:
    """Frame-level MFCCs, equal to ``python_speech_features.mfcc`` on the same samples.

    Parameters
    ----------
    y : np.ndarray of shape (n_samples,)
        Mono waveform, floats in [-1, 1].
    sample_rate : int
        Sampling rate of ``y`` in Hz.
    winlen, winstep : float
        Frame length and hop in seconds.
    numcep, nfilt : int
        Number of cepstra kept and of mel filters.
    nfft : int or None
        FFT size in samples; ``None``: next power of two >= the frame length.
    lowfreq, highfreq : float
        Filterbank edges in Hz (``highfreq=None``: Nyquist).
    preemph : float
        Pre-emphasis coefficient (0 disables it).
    ceplifter : int
        Lifter parameter ``L`` (<= 0 disables it).
    appendEnergy : bool
        Replace ``c0`` with the log of the frame energy.

    Returns
    -------
    np.ndarray of shape (n_frames, numcep), float64
    """
    y = np.asarray(y, dtype=np.float64)
    frame_len = _round_half_up(winlen * sample_rate)
    frame_step = _round_half_up(winstep * sample_rate)
    nfft = nfft or 1 << (frame_len - 1).bit_length()
    emphasized = np.append(y[:1], y[1:] - preemph * y[:-1])
    frames = _frames(emphasized, frame_len, frame_step)
    if frame_len > nfft:  # python_speech_features truncates the frame here; keep that meaning
        frames = frames[:, :nfft]
    spectrum = rfft(frames, n=nfft, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2) / nfft
    energy = power.sum(axis=1)
    energy[energy == 0] = _EPS
    bank = mel_filterbank(
        nfilt=nfilt, nfft=nfft, sample_rate=sample_rate, lowfreq=lowfreq, highfreq=highfreq
    )
    mel_energy = power @ bank.T
    mel_energy[mel_energy == 0] = _EPS
    cepstra = dct(np.log(mel_energy), type=2, axis=1, norm="ortho")[:, :numcep]
    if ceplifter > 0:
        n = np.arange(cepstra.shape[1])
        cepstra *= 1 + (ceplifter / 2.0) * np.sin(np.pi * n / ceplifter)
    if appendEnergy:
        cepstra[:, 0] = np.log(energy)
    return cepstra


def delta(features: np.ndarray, *, width: int = 2) -> np.ndarray:
    """Regression deltas over ``width`` frames on each side (python_speech_features.delta).

    Parameters
    ----------
    features : np.ndarray of shape (n_frames, n_coefficients)
    width : int, default=2
        Frames on each side, ``N`` in python_speech_features.

    Returns
    -------
    np.ndarray of the same shape
    """
    padded = np.pad(features, ((width, width), (0, 0)), mode="edge")
    n = features.shape[0]
    weights = np.arange(-width, width + 1)
    out = sum(w * padded[width + w : width + w + n] for w in weights if w)
    return out / (2 * sum(i * i for i in range(1, width + 1)))


class MFCCTransformer(AudioFeatureTransformer):
    """Summarise each track by statistics of its MFCCs.

    The frame-level coefficients follow python_speech_features exactly (see the module
    docstring for the convention); by default each track is summarised as the seed
    project did: the mean over the middle 80 % of frames (``trim=0.1``).

    Parameters
    ----------
    numcep : int, default=13
        Cepstral coefficients per frame (``c0`` is the log frame energy).
    nfilt : int, default=26
        Mel filters.
    winlen : float, default=0.025
        Frame length in seconds.
    winstep : float, default=0.01
        Frame hop in seconds.
    nfft : int or None, default=None
        FFT size in samples; ``None``: the next power of two >= the frame length.
    lowfreq : float, default=0
        Lowest filter edge in Hz.
    highfreq : float or None, default=None
        Highest filter edge in Hz; ``None``: ``sample_rate / 2``.
    preemph : float, default=0.97
        Pre-emphasis coefficient.
    ceplifter : int, default=22
        Cepstral lifter; 0 disables it.
    appendEnergy : bool, default=True
        Replace ``c0`` with the log frame energy.
    statistics : tuple of str, default=("mean",)
        Summaries over frames, any of ``"mean"``, ``"std"``, ``"delta_mean"``,
        ``"delta_std"`` (deltas: python_speech_features' regression over 2 frames).
    trim : float, default=0.1
        Fraction of frames dropped at each end before summarising (the seed used the
        middle 80 %).  Ignored when fewer than 3 frames would remain.
    sample_rate : int, default=22050
        Rate in Hz at which files are decoded and at which waveforms in ``X`` are assumed.
    n_jobs : int or None, default=None
        Tracks processed in parallel (joblib).
    memory : str, os.PathLike, joblib.Memory or None, default=None
        Cache of per-file features; a second pass over the same files decodes nothing.
    verbose : bool, default=False
        Show a progress bar.
    on_error : {"raise", "skip", "warn"}, default="raise"
        What an unreadable track does: raise an :class:`~generify.errors.AudioError`, or
        be left out of the output (listed in ``skipped_``), with a warning for "warn".

    Attributes
    ----------
    n_features_out_ : int
        Number of output features.
    skipped_ : list of SkippedFile
        Tracks left out by the last ``transform`` (with ``on_error`` "skip"/"warn").

    Examples
    --------
    >>> import numpy as np
    >>> from generify import MFCCTransformer
    >>> t = np.arange(22050) / 22050
    >>> X = [np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 880 * t)]
    >>> MFCCTransformer().fit_transform(X).shape
    (2, 13)
    """

    def __init__(
        self,
        *,
        numcep: int = 13,
        nfilt: int = 26,
        winlen: float = 0.025,
        winstep: float = 0.01,
        nfft: int | None = None,
        lowfreq: float = 0.0,
        highfreq: float | None = None,
        preemph: float = 0.97,
        ceplifter: int = 22,
        appendEnergy: bool = True,  # python_speech_features name
        statistics: tuple[str, ...] = ("mean",),
        trim: float = 0.1,
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.numcep = numcep
        self.nfilt = nfilt
        self.winlen = winlen
        self.winstep = winstep
        self.nfft = nfft
        self.lowfreq = lowfreq
        self.highfreq = highfreq
        self.preemph = preemph
        self.ceplifter = ceplifter
        self.appendEnergy = appendEnergy
        self.statistics = statistics
        self.trim = trim
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _validate_feature_params(self) -> None:
        if not (isinstance(self.numcep, (int, np.integer)) and 1 <= self.numcep <= self.nfilt):
            raise ValueError(
                f"numcep must be an integer in [1, nfilt={self.nfilt}], got {self.numcep!r}"
            )
        if not (self.winlen > 0 and self.winstep > 0):
            raise ValueError("winlen and winstep must be positive (seconds)")
        if _round_half_up(self.winlen * self.sample_rate) < 1:
            raise ValueError(
                f"winlen={self.winlen} s is shorter than one sample at {self.sample_rate} Hz"
            )
        if not 0 <= self.trim < 0.5:
            raise ValueError(f"trim must be in [0, 0.5), got {self.trim!r}")
        unknown = set(self._statistics()) - set(STATISTICS)
        if unknown or not self._statistics():
            raise ValueError(
                f"statistics must be a non-empty subset of {STATISTICS}, got {self.statistics!r}"
            )

    def _statistics(self) -> tuple[str, ...]:
        return (self.statistics,) if isinstance(self.statistics, str) else tuple(self.statistics)

    def _feature_names(self) -> list[str]:
        return [f"mfcc{i}_{stat}" for stat in self._statistics() for i in range(self.numcep)]

    def _waveform_features(self, y: np.ndarray) -> np.ndarray:
        ceps = mfcc(
            y,
            sample_rate=self.sample_rate,
            winlen=self.winlen,
            winstep=self.winstep,
            numcep=self.numcep,
            nfilt=self.nfilt,
            nfft=self.nfft,
            lowfreq=self.lowfreq,
            highfreq=self.highfreq,
            preemph=self.preemph,
            ceplifter=self.ceplifter,
            appendEnergy=self.appendEnergy,
        )
        n = ceps.shape[0]
        start, stop = int(n * self.trim), int(n * (1 - self.trim))
        if stop - start < 3:
            start, stop = 0, n
        statistics = self._statistics()
        frames = {"": ceps[start:stop]}
        if any(s.startswith("delta_") for s in statistics):
            frames["delta_"] = delta(ceps)[start:stop]
        summaries = []
        for stat in statistics:
            prefix, _, reduction = stat.rpartition("_") if "_" in stat else ("", "", stat)
            values = frames[prefix + "_" if prefix else ""]
            summaries.append(values.mean(axis=0) if reduction == "mean" else values.std(axis=0))
        return np.concatenate(summaries)
