"""The 57 features of the public GTZAN features table, computed from audio.

The table (``features_30_sec.csv`` of the Kaggle "GTZAN Dataset - Music Genre
Classification", 2020) was made with librosa from 30-s clips at 22050 Hz.  This module
reproduces it with numpy and scipy alone.  On the 90 clips of ``../shared/data/gtzan``
that have a row (full audio; ``jazz.00009`` is only partly there) every column agrees
with the table to its printed precision and librosa's float32 rounding: ``tempo``
exactly on all 90, 53 columns within 1e-5 relative (38 within 1e-6), and four columns
with values near zero in absolute terms: ``harmony_mean`` and ``perceptr_mean`` within
5e-8 (means of waveforms, ~1e-5), ``perceptr_var`` within 5e-8 (4.9e-3 relative on
classical.00003, whose 1.02e-05 the table prints with three digits), ``mfcc20_mean``
within 1.8e-6 (4.9e-5 relative; a mean near zero).  ``tests/test_features_gtzan.py``
checks every column on every clip.

Convention (librosa 0.11 with the parameters of the table's time)
------------------------------------------------------------------
- Input: mono float samples at 22050 Hz; the table's audio was 16-bit, so
  ``int16 / 32768`` (what soundfile returns) reproduces it.
- One STFT serves every spectral column: ``n_fft`` 2048, hop 512, periodic Hann window,
  frames centred on ``t * 512`` with the signal padded by 1024 samples by **reflection**
  (librosa's ``pad_mode`` default before 0.10; the zero padding of librosa >= 0.10
  changes the edge frames -- and ``tempo`` on rock.00008, 89.1 instead of 172.3 bpm).
- ``chroma_stft``: power spectrogram through the chroma filterbank
  (:func:`generify.filters.chroma_filterbank`) tuned by librosa's automatic estimate
  (:func:`generify.spectral.estimate_tuning`: parabolic peak picking between 150 and
  4000 Hz, peaks at least as strong as their median, 0.01-bin histogram), each frame
  scaled to a maximum of 1; mean and variance over all 12 bins and frames.
- ``rms``: root mean square of 2048-sample frames of the reflect-padded waveform.
- ``spectral_centroid`` / ``spectral_bandwidth``: first moment and second central
  moment (square-rooted) of each frame's magnitude spectrum, in Hz.
- ``rolloff``: the lowest bin frequency at which the cumulative magnitude reaches 85 % of
  the frame's total.  The comparison is made on float32 magnitudes summed in float32, as
  the table's librosa did: in float64, rounding picks a neighbouring bin on a few frames
  of a fifth of the clips and ``rolloff_var`` moves by up to 7e-5 relative.
- ``zero_crossing_rate``: sign changes (values within 1e-10 of zero count as positive)
  among the 2047 sample pairs of 2048-sample frames of the waveform padded by repeating
  its edge samples, divided by 2048.
- ``harmony`` / ``perceptr``: the waveforms of median-filtering HPSS (kernel 31 frames
  and 31 bins, soft masks of power 2, :func:`generify.spectral.harmonic_mask`), brought
  back by the inverse STFT *without* a target length (``512 * (len // 512)`` samples)
  and then zero-padded to the input's length, which is how librosa's ``effects.hpss``
  did it then (passing the length changes ``perceptr_var`` by up to 2 %).  The soft
  masks sum to one and the STFT inverts exactly, so the percussive waveform is the
  equally cut input minus the harmonic one: one inverse STFT, in float32 as the table's.
- ``tempo``: the tempo of ``librosa.beat.beat_track``: onset envelope = median over the
  128 mel bands of the positive dB flux (``aggregate=np.median``, as beat_track passes;
  the default mean gives e.g. 152 instead of 78.3 bpm on metal.00001), tempogram over
  8-s windows averaged over the clip, log-normal prior around 120 bpm (one octave),
  nothing above 320 bpm; 0 without any onset.
- ``mfcc1`` ... ``mfcc20``: orthonormal DCT-II of the 128-band Slaney mel power
  spectrogram in dB (re 1, floor 1e-10, 80 dB below the clip's peak).
- ``*_mean`` / ``*_var``: mean and population variance over frames (over samples for
  the two waveforms).
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .. import spectral
from ..errors import AudioError
from ._analysis import (
    Analysis,
    centroid_bandwidth,
    chroma_bank,
    peak_normalized,
    zero_crossing_rate,
)
from ._base import AudioFeatureTransformer

__all__ = ["GTZAN_FEATURE_NAMES", "GTZANFeatures", "gtzan_features"]

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
HPSS_KERNEL = 31


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    mean = x.mean()
    return float(mean), float(np.mean(np.square(x - mean)))


def _zero_padded_mean_var(x: np.ndarray, n: int) -> tuple[float, float]:
    """Mean and variance of ``x`` followed by ``n - x.size`` zeros (not materialised)."""
    mean = x.sum() / n
    deviation = x - mean
    return float(mean), float((deviation @ deviation + (n - x.size) * mean**2) / n)


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
        Finite for any finite waveform of at least one sample (silence included).

    Raises
    ------
    AudioError
        If ``y`` is not 1-D, is empty or holds non-finite samples.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050) / 22050
    >>> features = gtzan_features(0.5 * np.sin(2 * np.pi * 440 * t))
    >>> features.shape
    (57,)
    >>> named = dict(zip(GTZAN_FEATURE_NAMES, features))
    >>> print(round(named["rms_mean"], 2), round(named["zero_crossing_rate_mean"], 3))
    0.35 0.039
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise AudioError(f"waveform must be 1-D (mono), got shape {y.shape}")
    if y.size == 0:
        raise AudioError("waveform is empty (0 samples): no features can be computed")
    if not np.issubdtype(y.dtype, np.number) or np.iscomplexobj(y):
        raise AudioError(f"waveform must hold real numbers, got dtype {y.dtype}")
    if not np.isfinite(y).all():
        raise AudioError("waveform contains non-finite samples (NaN or inf)")
    return _features(Analysis(y, sample_rate=sr))


def _features(analysis: Analysis) -> np.ndarray:
    """The 57 features from a segment's shared analysis (see the module docstring).

    Each family is computed by its own function, so that its large temporaries are
    freed before the next one: a smaller peak of memory, that the allocator need not
    take from the system again for every clip.
    """
    rolloff, harmony_percussive = _single_precision_features(analysis)
    return np.array(
        [
            *_chroma_features(analysis),
            *_mean_var(analysis.rms),
            *_centroid_bandwidth_features(analysis),
            *rolloff,
            *_mean_var(_zero_crossing_rate(analysis)),
            *harmony_percussive,
            spectral.tempo(
                analysis.onset_envelope, sr=analysis.sample_rate, hop_length=analysis.hop_length
            ),
            *_mfcc_features(analysis),
        ]
    )


def _chroma_features(analysis: Analysis) -> tuple[float, float]:
    """``chroma_stft`` mean and variance: the filterbank tuned by the clip's estimate."""
    power, sr = analysis.power, analysis.sample_rate
    tuning = spectral.estimate_tuning(power, sr=sr, n_fft=N_FFT)
    return _mean_var(peak_normalized(power @ chroma_bank(sr, N_FFT, tuning)))


def _centroid_bandwidth_features(analysis: Analysis) -> tuple[float, float, float, float]:
    """``spectral_centroid`` and ``spectral_bandwidth`` means and variances."""
    centroid, bandwidth = centroid_bandwidth(analysis.magnitude, analysis.frequencies)
    return (*_mean_var(centroid), *_mean_var(bandwidth))


def _single_precision_features(
    analysis: Analysis,
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """``rolloff`` mean and variance; ``harmony`` and ``perceptr`` means and variances.

    The table's librosa held the STFT in complex64: the rolloff (a threshold crossing)
    and the HPSS (medians, masks, waveforms) are computed at that precision.
    """
    y = analysis.y
    D32 = analysis.stft.astype(np.complex64)
    magnitude32 = np.abs(D32)
    rolloff = _mean_var(analysis.frequencies[_rolloff_bins(magnitude32)])
    D32 *= spectral.harmonic_mask(magnitude32, kernel_size=HPSS_KERNEL)  # harmonic part
    del magnitude32  # its memory serves the inverse STFT
    harmonic = spectral.istft(D32, hop_length=HOP_LENGTH).astype(np.float64)
    percussive = y[: harmonic.size] - harmonic
    return rolloff, (
        *_zero_padded_mean_var(harmonic, y.size),
        *_zero_padded_mean_var(percussive, y.size),
    )


def _rolloff_bins(magnitude32: np.ndarray) -> np.ndarray:
    """Each frame's first bin where the float32 running sum reaches 85 % of the total."""
    cumulative = np.cumsum(magnitude32, axis=1)
    return np.argmax(cumulative >= np.float32(0.85) * cumulative[:, -1:], axis=1)


def _zero_crossing_rate(analysis: Analysis) -> np.ndarray:
    """librosa's ``zero_crossing_rate``: centred frames, edges padded by repetition."""
    return zero_crossing_rate(
        analysis.y,
        n_fft=N_FFT,
        hop_length=HOP_LENGTH,
        n_frames=analysis.n_frames,
        pad_mode="edge",
    )


def _mfcc_features(analysis: Analysis) -> list[float]:
    """``mfcc1_mean``, ``mfcc1_var``, ..., ``mfcc20_var``."""
    mfcc = scipy.fft.dct(analysis.mel_db, type=2, norm="ortho", axis=1)[:, :N_MFCC]
    means = mfcc.mean(axis=0)
    variances = np.mean(np.square(mfcc - means), axis=0)
    return np.column_stack((means, variances)).ravel().tolist()


class GTZANFeatures(AudioFeatureTransformer):
    """The 57 features of the public GTZAN features table, one row per track.

    Columns are :data:`GTZAN_FEATURE_NAMES` (``chroma_stft_mean`` ... ``mfcc20_var``),
    computed as the table was (see the module docstring), so rows of tracks decoded at
    22050 Hz can be used beside -- or with a model trained on -- the table.

    Parameters
    ----------
    sample_rate : int, default=22050
        Rate in Hz at which files are decoded and at which waveforms in ``X`` are assumed;
        the table used 22050 Hz.
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
        57.
    skipped_ : list of SkippedFile
        Tracks left out by the last ``transform`` (with ``on_error`` "skip"/"warn").

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050) / 22050
    >>> X = [np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 880 * t)]
    >>> GTZANFeatures().fit_transform(X).shape
    (2, 57)
    """

    def __init__(
        self,
        *,
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return list(GTZAN_FEATURE_NAMES)

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        return _features(analysis)
