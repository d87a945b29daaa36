"""One segment's short-time analysis, computed once and shared by every feature family.

A family that needs the spectrum asks an :class:`Analysis` for it instead of computing
it: each view (STFT, power, mel bands, onset envelope, tempogram, ...) is computed on
first use and kept, so when several families describe the same segment
(:class:`~generify.features.CombinedFeatures`) the waveform is transformed only once.

Conventions (librosa's defaults, see :mod:`generify.spectral`): frames of
``n_fft = 2048`` samples every ``hop_length = 512`` samples, centred (frame ``t`` is
centred on sample ``t * hop_length``, reflect padding), periodic Hann window;
spectrograms have frames along the first axis.
"""

from __future__ import annotations

from functools import cache, cached_property, lru_cache

import numpy as np

from .. import spectral
from ..filters import chroma_filterbank, fft_frequencies, mel_filterbank

__all__ = ["Analysis"]

N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
#: Autocorrelation window of the tempogram in seconds (librosa's ``beat_track`` uses 8 s).
TEMPOGRAM_SECONDS = 8.0
_BLOCK = 64  # frames processed together, so that temporaries stay in cache
_MEL_GROUP = 4  # mel filters multiplied together (the fastest grouping measured)
_RMS_BLOCK = 256  # frames squared together when a frame is not a whole number of hops
_TINY = np.finfo(np.float64).tiny


def zero_crossing_rate(
    y: np.ndarray, *, n_fft: int, hop_length: int, n_frames: int, pad_mode: str
) -> np.ndarray:
    """Fraction of sample pairs whose signs differ in each centred frame, ``(n_frames,)``.

    Frames of ``n_fft`` samples every ``hop_length`` samples over ``y`` padded by
    ``n_fft // 2`` samples at each end (numpy's ``pad_mode``).  Samples within 1e-10 of
    zero count as positive (librosa's threshold), so digital silence has no crossings.
    """
    negative = np.pad(y < -1e-10, n_fft // 2, mode=pad_mode)
    # crossings[i]: sign changes among samples 0 .. i, summed in place as integers (a
    # cumulative sum of booleans converts them on the fly, four times slower).
    crossings = np.zeros(negative.shape[0], dtype=np.int64)
    np.not_equal(negative[1:], negative[:-1], out=crossings[1:])
    np.cumsum(crossings, out=crossings)
    starts = np.arange(n_frames) * hop_length
    return (crossings[starts + n_fft - 1] - crossings[starts]) / n_fft


@cache
def _mel_bank(
    sr: int, n_fft: int, n_mels: int
) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """The mel filterbank in groups of ``_MEL_GROUP`` consecutive filters.

    Each group is (first filter, filter past the last, first bin, bin past the last,
    weights of shape (bins, filters)) and covers only the bins where its filters are not
    0: the triangular filters span few bins, so the whole bank would be 98 % zeros.
    """
    bank = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels).T
    groups = []
    for first in range(0, n_mels, _MEL_GROUP):
        last = min(first + _MEL_GROUP, n_mels)
        bins = np.flatnonzero(bank[:, first:last].any(axis=1))
        low, high = (int(bins[0]), int(bins[-1]) + 1) if bins.size else (0, 0)
        groups.append((first, last, low, high, bank[low:high, first:last].copy()))
    return tuple(groups)


# Bounded: the GTZAN features ask for a bank tuned to each clip's estimate.
@lru_cache(maxsize=64)
def chroma_bank(sr: int, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """:func:`generify.filters.chroma_filterbank` as a contiguous ``(n_bins, 12)`` array."""
    return chroma_filterbank(sr=sr, n_fft=n_fft, tuning=tuning).T.copy()


def peak_normalized(chroma: np.ndarray) -> np.ndarray:
    """``chroma`` with each frame (row) scaled to a maximum of 1; frames without energy stay 0."""
    peak = chroma.max(axis=1, keepdims=True)
    return chroma / np.where(peak < _TINY, 1.0, peak)


def centroid_bandwidth(
    magnitude: np.ndarray, frequencies: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral centroid and bandwidth of each frame in Hz, each of shape ``(n_frames,)``.

    First moment and square-rooted second central moment of each frame's magnitude
    spectrum ``magnitude`` ``(n_frames, n_bins)`` over the bin ``frequencies`` (Hz);
    frames without energy stay unnormalised (centroid 0), as in librosa.
    """
    total = magnitude.sum(axis=1)
    total = np.where(total < _TINY, 1.0, total)
    moments = magnitude @ np.stack([frequencies, frequencies**2], axis=1) / total[:, None]
    centroid = moments[:, 0]
    return centroid, np.sqrt(np.maximum(moments[:, 1] - centroid**2, 0.0))


class Analysis:
    """Lazily computed, memoised spectral views of one mono waveform.

    Parameters
    ----------
    y : np.ndarray of shape (n_samples,)
        Mono waveform, floats in [-1, 1], at least one sample.
    sample_rate : int
        Sampling rate of ``y`` in Hz.
    n_fft : int, default=2048
        Frame and FFT length in samples.
    hop_length : int, default=512
        Hop between frames in samples.

    Attributes
    ----------
    y : np.ndarray of shape (n_samples,), float64
        The waveform.
    n_frames : int
        ``1 + n_samples // hop_length`` analysis frames.

    Notes
    -----
    Views are ``functools.cached_property`` attributes: reading one computes it (and what
    it depends on) once; later reads return the same array, which callers must not
    modify.
    """

    def __init__(
        self, y: np.ndarray, *, sample_rate: int, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH
    ):
        self.y = np.asarray(y, dtype=np.float64)
        self.sample_rate = int(sample_rate)
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_frames = 1 + self.y.shape[0] // hop_length

    @property
    def duration(self) -> float:
        """Length of the waveform in seconds."""
        return self.y.shape[0] / self.sample_rate

    @property
    def frame_rate(self) -> float:
        """Analysis frames per second (Hz)."""
        return self.sample_rate / self.hop_length

    # -- spectrum ---------------------------------------------------------------------

    @cached_property
    def stft(self) -> np.ndarray:
        """Complex STFT, shape ``(n_frames, n_fft // 2 + 1)`` (:func:`generify.spectral.stft`)."""
        return spectral.stft(self.y, n_fft=self.n_fft, hop_length=self.hop_length)

    @cached_property
    def power(self) -> np.ndarray:
        """Power spectrogram ``|STFT|**2``, shape ``(n_frames, n_bins)``."""
        # Squares of the interleaved real and imaginary parts, added in pairs: the same
        # numbers as D.real**2 + D.imag**2, with a small temporary per block of frames.
        parts = self.stft.view(np.float64)
        power = np.empty((parts.shape[0], parts.shape[1] // 2))
        for start in range(0, parts.shape[0], _BLOCK):
            squares = np.square(parts[start : start + _BLOCK])
            np.add(squares[:, 0::2], squares[:, 1::2], out=power[start : start + _BLOCK])
        return power

    @cached_property
    def magnitude(self) -> np.ndarray:
        """Magnitude spectrogram ``|STFT|``, shape ``(n_frames, n_bins)``."""
        return np.sqrt(self.power)

    @cached_property
    def frequencies(self) -> np.ndarray:
        """Centre frequency of each STFT bin in Hz, shape ``(n_bins,)``."""
        return fft_frequencies(sr=self.sample_rate, n_fft=self.n_fft)

    @cached_property
    def mel_power(self) -> np.ndarray:
        """Power in 128 Slaney mel bands from 0 Hz to Nyquist, shape ``(n_frames, 128)``."""
        power = self.power
        mel_power = np.empty((power.shape[0], N_MELS))
        for first, last, low, high, weights in _mel_bank(self.sample_rate, self.n_fft, N_MELS):
            np.matmul(power[:, low:high], weights, out=mel_power[:, first:last])
        return mel_power

    @cached_property
    def mel_db(self) -> np.ndarray:
        """:attr:`mel_power` in dB (re 1, floored 80 dB below the segment's peak)."""
        return spectral.power_to_db(self.mel_power)

    @cached_property
    def chroma(self) -> np.ndarray:
        """Pitch-class energies (C, C#, ..., B), shape ``(n_frames, 12)``, not normalised.

        The power spectrum through :func:`generify.filters.chroma_filterbank` (A440
        tuning).
        """
        return self.power @ chroma_bank(self.sample_rate, self.n_fft)

    # -- rhythm -----------------------------------------------------------------------

    @cached_property
    def onset_envelope(self) -> np.ndarray:
        """Onset strength per frame: median over mel bands of the positive dB flux.

        Shape ``(n_frames,)``; see :func:`generify.spectral.onset_strength`.
        """
        return spectral.onset_strength(self.mel_db, n_fft=self.n_fft, hop_length=self.hop_length)

    @cached_property
    def tempogram_lags(self) -> int:
        """Lags of the tempogram: ``int(8 s * sample_rate) // hop_length`` frames."""
        return int(TEMPOGRAM_SECONDS * self.sample_rate) // self.hop_length

    @cached_property
    def mean_tempogram(self) -> np.ndarray:
        """Autocorrelation tempogram of the onset envelope averaged over frames.

        Shape ``(tempogram_lags,)``; entry ``k`` is the mean over frames of the local
        autocorrelation at a lag of ``k`` frames (a tempo of ``60 * frame_rate / k``
        beats per minute), each frame scaled to 1 at lag 0 (0 for frames without onsets);
        see :func:`generify.spectral.tempogram`.
        """
        # Without the (n_frames, lags) tempogram: equal to its mean but for rounding.
        return spectral._mean_tempogram(self.onset_envelope, win_length=self.tempogram_lags)

    # -- waveform frames --------------------------------------------------------------

    @cached_property
    def rms(self) -> np.ndarray:
        """Root-mean-square amplitude of each centred ``n_fft``-sample frame, ``(n_frames,)``.

        ``sqrt(mean(frame ** 2))`` over frames of the waveform reflect-padded by
        ``n_fft // 2`` samples at each end (librosa's ``feature.rms`` with
        ``pad_mode="reflect"``).
        """
        # Each frame's sum of squares comes from that frame's samples only: differences of
        # a running sum over the whole track would cancel, and lose quiet frames that
        # follow loud ones (a 1e-6-RMS tail after a minute of full-scale noise read 0).
        padded = np.pad(self.y, self.n_fft // 2, mode="reflect")
        n_frames, n_fft, hop_length = self.n_frames, self.n_fft, self.hop_length
        if n_fft % hop_length == 0:
            # A frame is n_fft // hop_length whole hops: square and add each hop once.
            hops_per_frame = n_fft // hop_length
            n_hops = n_frames - 1 + hops_per_frame
            hops = padded[: n_hops * hop_length].reshape(n_hops, hop_length)
            hop_sums = np.einsum("ij,ij->i", hops, hops)
            sums = hop_sums[:n_frames].copy()
            for first in range(1, hops_per_frame):
                sums += hop_sums[first : first + n_frames]
        else:
            frames = spectral.frame(padded, frame_length=n_fft, hop_length=hop_length)
            sums = np.empty(n_frames)
            # In blocks of frames, so that no (n_frames, n_fft) temporary is ever made.
            for start in range(0, n_frames, _RMS_BLOCK):
                block = frames[start : min(start + _RMS_BLOCK, n_frames)]
                np.einsum("ij,ij->i", block, block, out=sums[start : start + _RMS_BLOCK])
        return np.sqrt(sums / n_fft)

    @cached_property
    def zero_crossing_rate(self) -> np.ndarray:
        """Fraction of sample pairs in each centred frame whose signs differ, ``(n_frames,)``.

        Samples within 1e-10 of zero count as positive (librosa's threshold), so
        digital silence has no crossings.
        """
        return zero_crossing_rate(
            self.y,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            n_frames=self.n_frames,
            pad_mode="reflect",
        )
