"""Timbral texture features: the shape of the spectrum and of the waveform, frame by frame.

Tzanetakis & Cook's timbral set (spectral centroid, roll-off, flux, zero crossings, low
energy) with librosa's spectral bandwidth, flatness, contrast and RMS, computed from the
segment's shared :class:`~generify.features._analysis.Analysis` (2048-sample frames,
512-sample hop, centred) and summarised over the segment.

G. Tzanetakis and P. Cook, "Musical genre classification of audio signals", IEEE Trans.
Speech and Audio Processing 10(5), 2002; D.-N. Jiang et al., "Music type classification
by spectral contrast feature", ICME 2002.
"""

from __future__ import annotations

import numpy as np

from .. import spectral
from .._checks import is_finite_real, is_integer
from ..filters import fft_frequencies
from ._analysis import N_FFT, Analysis, centroid_bandwidth
from ._base import AudioFeatureTransformer

__all__ = ["SpectralShapeFeatures", "spectral_contrast", "texture_statistics"]

_TINY = np.finfo(np.float64).tiny
_AMIN = 1e-10  # smallest power in flatness and contrast (librosa's amin)
_BLOCK = 128  # frames processed together
# Contrast bands wider than this many bins are sorted in single precision first (faster
# from about 200 bins on).
_WIDE_BAND = 200
_CHUNK = 64  # bins summed together when locating the roll-off
_EPS = np.finfo(np.float64).eps


def spectral_contrast(
    magnitude: np.ndarray,
    frequencies: np.ndarray,
    *,
    n_bands: int = 6,
    fmin: float = 200.0,
    quantile: float = 0.02,
) -> np.ndarray:
    """Octave-band spectral contrast (Jiang et al. 2002), librosa's definition.

    The bands are ``[0, fmin]``, ``[fmin, 2 fmin]``, ..., ``[fmin 2**(n_bands-1),
    fmin 2**n_bands]`` Hz, the last extended to Nyquist.  In each band the peak (valley)
    is the mean of the largest (smallest) ``quantile`` fraction of its magnitudes, and
    the contrast is ``10 log10(peak / valley)`` with each floored at ``1e-10`` and, as
    librosa does, the peaks at 80 dB below the largest peak and the valleys at 80 dB
    below the largest valley (over all frames and bands).

    Parameters
    ----------
    magnitude : np.ndarray of shape (n_frames, n_bins)
        Magnitude spectrogram.
    frequencies : np.ndarray of shape (n_bins,)
        Bin centre frequencies in Hz.
    n_bands : int, default=6
        Octave bands above ``fmin``.
    fmin : float, default=200.0
        Upper edge of the lowest band in Hz.
    quantile : float, default=0.02
        Fraction of a band's bins averaged for its peak and for its valley.

    Returns
    -------
    np.ndarray of shape (n_frames, n_bands + 1)
        Contrast in dB, lowest band first.

    Raises
    ------
    ValueError
        If a band holds fewer than 2 bins of ``frequencies``.
    """
    bands = _contrast_bands(frequencies, n_bands=n_bands, fmin=fmin, quantile=quantile)
    return _contrast_db(*_band_peaks_and_valleys(magnitude, bands))


def _contrast_db(peaks: np.ndarray, valleys: np.ndarray) -> np.ndarray:
    """Contrast in dB from each band's peak and valley magnitudes."""
    return spectral.power_to_db(peaks, amin=_AMIN) - spectral.power_to_db(valleys, amin=_AMIN)


def _contrast_bands(
    frequencies: np.ndarray, *, n_bands: int, fmin: float, quantile: float
) -> list[tuple[int, int, int]]:
    """Each contrast band as (first bin, bin past the last, bins averaged for peak and valley)."""
    n_bins = frequencies.shape[0]
    edges = np.concatenate(([0.0], fmin * 2.0 ** np.arange(n_bands + 1)))
    bands = []
    for k in range(n_bands + 1):
        inside = np.flatnonzero((frequencies >= edges[k]) & (frequencies <= edges[k + 1]))
        # librosa's bands overlap by one bin below; the last one runs to Nyquist.
        start = (inside[0] - 1 if k > 0 else inside[0]) if inside.size else 0
        stop = n_bins if k == n_bands else (inside[-1] if inside.size else 0)
        if stop - start < 2:
            raise ValueError(
                f"contrast band {k} ({edges[k]:g} to {edges[k + 1]:g} Hz) holds "
                f"{max(stop - start, 0)} FFT bins, fewer than 2 (bins every "
                f"{frequencies[1] - frequencies[0]:g} Hz): raise fmin"
            )
        count = (n_bins if k == n_bands else inside[-1] + 1) - start
        bands.append((int(start), int(stop), max(1, round(quantile * count))))
    return bands


def _band_peaks_and_valleys(
    magnitude: np.ndarray, bands: list[tuple[int, int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the ``n`` largest and of the ``n`` smallest magnitudes of each band per frame."""
    peaks = np.empty((magnitude.shape[0], len(bands)))
    valleys = np.empty_like(peaks)
    for k, (start, stop, n) in enumerate(bands):
        band = magnitude[:, start:stop]
        if n == 1:
            # Selecting the extremes is numpy's fastest partition.
            ordered = np.partition(band, sorted({0, stop - start - 1}), axis=1)
        elif stop - start > max(_WIDE_BAND, n):  # n + 1 ranks to compare
            peaks[:, k], valleys[:, k] = _wide_band_extremes(band, n)
            continue
        else:
            # Selecting two inner ranks is slower than numpy's vectorised sort (about
            # half the time on 74- to 149-bin bands).
            ordered = np.sort(band, axis=1)
        valleys[:, k] = ordered[:, :n].mean(axis=1)
        peaks[:, k] = ordered[:, stop - start - n :].mean(axis=1)
    return peaks, valleys


def _wide_band_extremes(band: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the ``n`` largest and of the ``n`` smallest values of each row of ``band``.

    The rows are sorted in single precision, which numpy does several times faster than
    in double.  Rounding to single precision keeps the order (not strictly), so where a
    row's ``n``-th and ``n + 1``-th smallest values still differ in single precision,
    the values at most the ``n``-th are exactly the ``n`` smallest; likewise for the
    largest.  Where they tie (silence, mostly), the rows are sorted in double precision.
    """
    width = band.shape[1]
    single = band.astype(np.float32)
    ordered = np.sort(single, axis=1)
    low, high = ordered[:, n - 1 : n], ordered[:, width - n : width - n + 1]
    if (low[:, 0] < ordered[:, n]).all() and (ordered[:, width - n - 1] < high[:, 0]).all():
        # Boolean indexing keeps the rows in order, exactly n values from each.
        valleys = band[single <= low].reshape(-1, n).mean(axis=1)
        peaks = band[single >= high].reshape(-1, n).mean(axis=1)
        return peaks, valleys
    ordered = np.sort(band, axis=1)
    return ordered[:, width - n :].mean(axis=1), ordered[:, :n].mean(axis=1)


def _rolloff_bins(magnitude: np.ndarray, roll_percent: float) -> np.ndarray:
    """Per frame, the first bin where the running sum reaches ``roll_percent`` of the total.

    The same bins as ``argmax(c >= roll_percent * c[:, -1:])`` with ``c`` the running sum
    from ``np.cumsum``, whose strictly sequential additions take most of the time.  Here
    the crossing is located from sums of ``_CHUNK`` bins, and running sums are formed only
    inside the chunk that crosses.  The magnitudes are not negative, so either way every
    running sum, and the threshold, is within ``K = n_bins + 2 * _CHUNK + 2`` roundings
    (``K * eps / 2`` of the total) of its exact value.  Where the sums just before and at
    the crossing are farther than four times that from the threshold, ``np.cumsum``'s
    sums (which never decrease) cross at the same bin; the other frames take
    ``np.cumsum``.
    """
    n_frames, n_bins = magnitude.shape
    n_chunks = -(-n_bins // _CHUNK)
    chunks = np.zeros((n_frames, n_chunks, _CHUNK))
    chunks.reshape(n_frames, -1)[:, :n_bins] = magnitude
    ends = np.cumsum(chunks.sum(axis=2), axis=1)  # sum up to the end of each chunk
    total = ends[:, -1]
    threshold = roll_percent * total
    frames = np.arange(n_frames)
    chunk = np.argmax(ends >= threshold[:, None], axis=1)
    before = np.where(chunk > 0, ends[frames, chunk - 1], 0.0)
    running = np.cumsum(chunks[frames, chunk], axis=1) + before[:, None]
    offset = np.argmax(running >= threshold[:, None], axis=1)
    bins = chunk * _CHUNK + offset
    margin = 2 * (n_bins + 2 * _CHUNK + 2) * _EPS * total
    below = np.where(offset > 0, running[frames, offset - 1], before)
    sure = running[frames, offset] >= threshold + margin
    sure &= (bins == 0) | (below < threshold - margin)
    if not sure.all():
        unsure = np.flatnonzero(~sure)
        cumulative = np.cumsum(magnitude[unsure], axis=1)
        bins[unsure] = np.argmax(cumulative >= roll_percent * cumulative[:, -1:], axis=1)
    return bins


def texture_statistics(frames: np.ndarray, *, window: int) -> np.ndarray:
    """Tzanetakis & Cook's texture-window summary of frame-level features.

    The mean and standard deviation of each feature over every run of ``window``
    consecutive frames (a sliding "texture window"), then the mean and standard deviation
    of those over the segment.

    Parameters
    ----------
    frames : np.ndarray of shape (n_frames, n_features)
    window : int
        Texture window in frames; shortened to ``n_frames`` for short segments.

    Returns
    -------
    np.ndarray of shape (4, n_features)
        Rows: mean of the window means, std of the window means, mean of the window
        standard deviations, std of the window standard deviations.
    """
    window = min(window, frames.shape[0])
    # Moving sums from cumulative sums; centring first keeps E[x^2] - E[x]^2 accurate.
    centred = frames - frames.mean(axis=0)
    sums = np.cumsum(
        np.concatenate((np.zeros((1, 2 * frames.shape[1])), np.hstack((centred, centred**2)))),
        axis=0,
    )
    moving = (sums[window:] - sums[:-window]) / window
    offsets, squares = np.hsplit(moving, 2)
    means = offsets + frames.mean(axis=0)
    stds = np.sqrt(np.maximum(squares - offsets**2, 0.0))
    return np.stack([means.mean(axis=0), means.std(axis=0), stds.mean(axis=0), stds.std(axis=0)])


class SpectralShapeFeatures(AudioFeatureTransformer):
    """Timbral features: spectral centroid, bandwidth, roll-off, flatness, flux, contrast.

    For each analysis frame (2048 samples, hop 512, centred, Hann window; about 93 ms
    every 23 ms at 22050 Hz) the transformer computes

    - ``spectral_centroid``: magnitude-weighted mean frequency (Hz);
    - ``spectral_bandwidth``: magnitude-weighted standard deviation of frequency (Hz);
    - ``spectral_rolloff``: frequency below which ``roll_percent`` of the magnitude lies (Hz);
    - ``spectral_flatness``: geometric over arithmetic mean of the power spectrum (0-1);
    - ``spectral_flux``: squared Euclidean distance between consecutive magnitude
      spectra scaled to unit norm (0-2, as the magnitudes are not negative; 1 between
      silence and sound; 0 for the first frame);
    - ``spectral_contrast0`` ... ``spectral_contrast{n_bands}``: peak-to-valley ratio of
      each octave band in dB (see :func:`spectral_contrast`);
    - ``zero_crossing_rate``: sign changes per sample pair (0-1);
    - ``rms``: root-mean-square amplitude of the frame (full scale = 1),

    and summarises each over the segment by its mean and standard deviation
    (``<feature>_mean``, ``<feature>_std``), or, with ``texture_window``, by Tzanetakis &
    Cook's texture-window statistics (``<feature>_texture_mean_mean``,
    ``_texture_mean_std``, ``_texture_std_mean``, ``_texture_std_std``; see
    :func:`texture_statistics`).  A last column, ``low_energy``, is the fraction of
    frames whose RMS is below the segment's mean RMS.

    Parameters
    ----------
    roll_percent : float, default=0.85
        Fraction of the spectral magnitude below the roll-off frequency, in (0, 1).
    n_bands : int, default=6
        Octave bands of the spectral contrast above ``contrast_fmin``.
    contrast_fmin : float, default=200.0
        Upper edge of the lowest contrast band in Hz; the lowest edge of the top band,
        ``contrast_fmin * 2**(n_bands - 1)``, must be below Nyquist.
    contrast_quantile : float, default=0.02
        Fraction of a band's bins that define its peak and its valley, in (0, 1).
    texture_window : float or None, default=None
        Texture window in seconds (Tzanetakis & Cook used about 1 s); ``None``
        summarises the frames directly by their mean and standard deviation.
    sample_rate : int, default=22050
        Rate in Hz at which files are decoded and at which waveforms in ``X`` are assumed.
    n_jobs : int or None, default=None
        Tracks processed in parallel (joblib).
    memory : str, os.PathLike, joblib.Memory or None, default=None
        Cache of per-file features.
    verbose : bool, default=False
        Show a progress bar.
    on_error : {"raise", "skip", "warn"}, default="raise"
        What an unreadable track does (see :class:`~generify.MFCCTransformer`).

    Attributes
    ----------
    n_features_out_ : int
        Number of output features.
    skipped_ : list of SkippedFile
        Tracks left out by the last ``transform`` (with ``on_error`` "skip"/"warn").

    See Also
    --------
    CombinedFeatures : this family beside MFCC, chroma and rhythm, from one STFT.

    Examples
    --------
    >>> import numpy as np
    >>> from generify.features import SpectralShapeFeatures
    >>> t = np.arange(22050) / 22050
    >>> features = SpectralShapeFeatures().fit([np.sin(2 * np.pi * 1000 * t)])
    >>> names = list(features.get_feature_names_out())
    >>> row = features.transform([np.sin(2 * np.pi * 1000 * t)])[0]
    >>> bool(abs(row[names.index("spectral_centroid_mean")] - 1000) < 25)  # Hz
    True
    """

    def __init__(
        self,
        *,
        roll_percent: float = 0.85,
        n_bands: int = 6,
        contrast_fmin: float = 200.0,
        contrast_quantile: float = 0.02,
        texture_window: float | None = None,
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.roll_percent = roll_percent
        self.n_bands = n_bands
        self.contrast_fmin = contrast_fmin
        self.contrast_quantile = contrast_quantile
        self.texture_window = texture_window
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _validate_feature_params(self) -> None:
        for name in ("roll_percent", "contrast_quantile"):
            value = getattr(self, name)
            if not (is_finite_real(value) and 0 < value < 1):
                raise ValueError(f"{name} must be in (0, 1), got {value!r}")
        if not (is_integer(self.n_bands) and self.n_bands >= 1):
            raise ValueError(f"n_bands must be a positive integer, got {self.n_bands!r}")
        if not (is_finite_real(self.contrast_fmin) and self.contrast_fmin > 0):
            raise ValueError(
                f"contrast_fmin must be a finite positive number (Hz), got {self.contrast_fmin!r}"
            )
        if not self.contrast_fmin * 2.0 ** (self.n_bands - 1) < self.sample_rate / 2:
            raise ValueError(
                f"contrast bands reach {self.contrast_fmin * 2.0 ** (self.n_bands - 1)} Hz, "
                f"not inside (0, {self.sample_rate / 2}) Hz (Nyquist): reduce contrast_fmin "
                "or n_bands"
            )
        frequencies = fft_frequencies(sr=self.sample_rate, n_fft=N_FFT)
        try:
            _contrast_bands(
                frequencies,
                n_bands=self.n_bands,
                fmin=self.contrast_fmin,
                quantile=self.contrast_quantile,
            )
        except ValueError as exc:
            raise ValueError(
                f"contrast_fmin={self.contrast_fmin} Hz with n_bands={self.n_bands} at "
                f"{self.sample_rate} Hz: {exc}"
            ) from None
        if self.texture_window is not None and not (
            is_finite_real(self.texture_window) and self.texture_window > 0
        ):
            raise ValueError(
                "texture_window must be None or a finite positive number (seconds), "
                f"got {self.texture_window!r}"
            )

    def _frame_feature_names(self) -> list[str]:
        return [
            "spectral_centroid",
            "spectral_bandwidth",
            "spectral_rolloff",
            "spectral_flatness",
            "spectral_flux",
            *(f"spectral_contrast{k}" for k in range(self.n_bands + 1)),
            "zero_crossing_rate",
            "rms",
        ]

    def _feature_names(self) -> list[str]:
        if self.texture_window is None:
            stats = ("mean", "std")
        else:
            stats = ("texture_mean_mean", "texture_mean_std", "texture_std_mean", "texture_std_std")
        frame_names = self._frame_feature_names()
        return [f"{name}_{stat}" for stat in stats for name in frame_names] + ["low_energy"]

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        frames = self._frame_features(analysis)
        if self.texture_window is None:
            summary = np.stack([frames.mean(axis=0), frames.std(axis=0)])
        else:
            window = max(1, round(self.texture_window * analysis.frame_rate))
            summary = texture_statistics(frames, window=window)
        rms = analysis.rms
        low_energy = np.mean(rms < rms.mean())
        return np.concatenate((summary.ravel(), [low_energy]))

    def _frame_features(self, analysis: Analysis) -> np.ndarray:
        """Frame-level features, shape ``(n_frames, n_frame_features)``."""
        power, freqs = analysis.power, analysis.frequencies
        bands = _contrast_bands(
            freqs, n_bands=self.n_bands, fmin=self.contrast_fmin, quantile=self.contrast_quantile
        )
        n_frames = power.shape[0]
        features = np.empty((n_frames, len(self._frame_feature_names())))
        peaks = np.empty((n_frames, len(bands)))
        valleys = np.empty_like(peaks)
        # A block of frames at a time: its temporaries stay in cache, and no temporary as
        # large as the spectrogram is allocated (fresh memory costs page faults).
        for start in range(0, n_frames, _BLOCK):
            stop = min(start + _BLOCK, n_frames)
            before = min(start, 1)  # the frame before the block, for the flux
            block_power = power[start - before : stop]
            block_magnitude = np.sqrt(block_power)
            own_power, magnitude = block_power[before:], block_magnitude[before:]
            out = features[start:stop]

            out[:, 0], out[:, 1] = centroid_bandwidth(magnitude, freqs)

            out[:, 2] = freqs[_rolloff_bins(magnitude, self.roll_percent)]

            floored = np.maximum(own_power, _AMIN)
            arithmetic = floored.mean(axis=1)
            out[:, 3] = np.exp(np.log(floored, out=floored).mean(axis=1)) / arithmetic

            peaks[start:stop], valleys[start:stop] = _band_peaks_and_valleys(magnitude, bands)

            # |u_t - u_(t-1)|^2 = |u_t|^2 + |u_(t-1)|^2 - 2 u_t.u_(t-1), with |u| 1 (0 in
            # silence).
            norms = np.sqrt(block_power.sum(axis=1))
            has_energy = (norms >= _TINY).astype(np.float64)
            unit = np.divide(
                block_magnitude, np.where(has_energy > 0, norms, 1.0)[:, None], out=block_magnitude
            )
            overlap = np.einsum("ij,ij->i", unit[1:], unit[:-1])
            flux = has_energy[1:] + has_energy[:-1] - 2.0 * overlap
            out[1 - before :, 4] = np.maximum(flux, 0.0)
            if not before:
                out[0, 4] = 0.0  # no frame before the first

        features[:, 5 : 5 + len(bands)] = _contrast_db(peaks, valleys)
        features[:, -2] = analysis.zero_crossing_rate
        features[:, -1] = analysis.rms
        return features
