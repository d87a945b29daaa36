"""Rhythmic features: periodicities of the onset envelope (beat histogram, tempo, onsets).

Everything here derives from the segment's shared
:class:`~generify.features._analysis.Analysis`: the onset envelope (median positive
spectral flux of the 128-band mel spectrogram in dB, 512-sample hop) and its
autocorrelation tempogram over 8-s windows, averaged over the segment.  That mean
tempogram, read as a function of tempo, is Tzanetakis & Cook's beat histogram: its peaks
are the dominant periodicities, their heights the strength of the pulse.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from .._checks import is_finite_real, is_integer
from ..spectral import tempo_scores
from ._analysis import HOP_LENGTH, TEMPOGRAM_SECONDS, Analysis
from ._base import AudioFeatureTransformer

__all__ = ["RhythmFeatures", "estimate_tempo"]

_TINY = np.finfo(np.float64).tiny
# Onset picking (librosa.onset.onset_detect's defaults, in seconds and envelope units).
_ONSET_MAX_HALF_WIDTH = 0.03
_ONSET_MEAN_HALF_WIDTH = 0.1
_ONSET_DELTA = 0.07
# Samples of the mean tempogram per tempo-histogram bin, equally spaced in log tempo.
_SAMPLES_PER_BIN = 8


def estimate_tempo(
    mean_tempogram: np.ndarray,
    *,
    frame_rate: float,
    start_bpm: float = 120.0,
    std_bpm: float = 1.0,
    max_bpm: float = 320.0,
) -> float:
    """Global tempo from a mean tempogram, chosen as ``librosa.beat.beat_track`` does.

    Each lag's ``log1p(1e6 * value)`` is weighted by a log-normal prior on tempo and lags
    faster than ``max_bpm`` are excluded, as in :func:`generify.spectral.tempo`; the
    best lag is then refined by a parabola through its score and its neighbours', so the
    tempo is not quantised to whole lags (at 22050 Hz and a 512-sample hop, lags 21 and
    22 frames are 123.0 and 117.5 BPM).

    Parameters
    ----------
    mean_tempogram : np.ndarray of shape (n_lags,)
        Mean autocorrelation of the onset envelope at lags 0 .. n_lags - 1 frames.
    frame_rate : float
        Onset-envelope frames per second (Hz).
    start_bpm : float, default=120.0
        Centre of the prior in beats per minute.
    std_bpm : float, default=1.0
        Spread of the prior in octaves.
    max_bpm : float, default=320.0
        Fastest tempo considered, in beats per minute.

    Returns
    -------
    float
        Tempo in beats per minute; 0.0 for a tempogram without any periodicity.
    """
    if not mean_tempogram.any():
        return 0.0
    _, score = tempo_scores(
        mean_tempogram,
        frame_rate=frame_rate,
        start_bpm=start_bpm,
        std_bpm=std_bpm,
        max_tempo=max_bpm,
    )
    best = int(np.argmax(score))
    lag = float(best)
    if 0 < best < score.shape[0] - 1 and np.isfinite(score[best - 1]):
        below, centre, above = score[best - 1 : best + 2]
        curvature = below - 2.0 * centre + above
        if curvature < 0:
            lag += 0.5 * (below - above) / curvature
    return 60.0 * frame_rate / lag


def _onset_count(envelope: np.ndarray, frame_rate: float) -> int:
    """Onsets: local maxima of the envelope (scaled to 0-1) clearly above its local mean."""
    envelope = envelope - envelope.min()
    peak = envelope.max()
    if peak < _TINY:
        return 0
    envelope = envelope / peak
    max_width = 2 * max(1, round(_ONSET_MAX_HALF_WIDTH * frame_rate)) + 1
    mean_width = 2 * max(1, round(_ONSET_MEAN_HALF_WIDTH * frame_rate)) + 1
    is_max = envelope == maximum_filter1d(envelope, max_width, mode="nearest")
    local_mean = uniform_filter1d(envelope, mean_width, mode="nearest")
    return int(np.count_nonzero(is_max & (envelope >= local_mean + _ONSET_DELTA)))


class RhythmFeatures(AudioFeatureTransformer):
    """Beat histogram, tempo, pulse clarity and onset rate of each segment.

    From the segment's mean tempogram ``h`` (mean local autocorrelation of the onset
    envelope, 1 at lag 0) restricted to tempi from ``min_bpm`` to ``max_bpm``:

    - ``tempogram0`` ... ``tempogram{n_tempo_bins - 1}``: ``h`` averaged over
      ``n_tempo_bins`` bins of equal width in log tempo, slowest first (bin ``k`` spans
      ``min_bpm * (max_bpm / min_bpm) ** (k / n_tempo_bins)`` to the next edge, in BPM);
    - ``beat_peak1_bpm``, ``beat_peak2_bpm``: tempo of the highest and second-highest
      peaks of ``h`` (BPM, parabolically interpolated; 0 when there is no such peak);
    - ``beat_peak1_amplitude``, ``beat_peak2_amplitude``: their heights relative to the
      mean of ``h`` over the range (Tzanetakis & Cook's relative amplitudes);
    - ``beat_peak_ratio``: second peak's height over the first's (0-1);
    - ``beat_strength``: mean of ``h`` over the range (0-1);
    - ``pulse_clarity``: height of the highest peak, the autocorrelation at the dominant
      period (0-1; Lartillot et al.'s "maximum of the autocorrelation");
    - ``tempo_bpm``: global tempo as ``librosa.beat.beat_track`` estimates it (a
      log-normal prior around 120 BPM; see :func:`estimate_tempo`; 0 without onsets);
    - ``onset_rate``: onsets per second (Hz), peaks of the onset envelope as
      ``librosa.onset.onset_detect`` picks them (without its minimum spacing);
    - ``onset_strength_mean``, ``onset_strength_std``: the onset envelope's statistics
      (dB of positive spectral flux per frame).

    Parameters
    ----------
    min_bpm : float, default=40.0
        Slowest tempo of the beat histogram in beats per minute (above 7.5 BPM, the
        tempogram's 8-s window).
    max_bpm : float, default=320.0
        Fastest tempo of the beat histogram in beats per minute (at most one beat per
        512-sample hop: 2584 BPM at 22050 Hz).
    n_tempo_bins : int, default=12
        Bins of the log-tempo histogram (12 bins over 40-320 BPM: 4 per octave).
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
    CombinedFeatures : this family beside MFCC, spectral shape and chroma, from one STFT.

    Examples
    --------
    >>> import numpy as np
    >>> from generify.features import RhythmFeatures
    >>> clicks = np.zeros(10 * 22050)
    >>> clicks[:: 22050 // 2] = 1.0  # a click every 0.5 s: 120 BPM
    >>> features = RhythmFeatures().fit([clicks])
    >>> row = features.transform([clicks])[0]
    >>> names = list(features.get_feature_names_out())
    >>> round(row[names.index("tempo_bpm")])
    120
    """

    def __init__(
        self,
        *,
        min_bpm: float = 40.0,
        max_bpm: float = 320.0,
        n_tempo_bins: int = 12,
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.min_bpm = min_bpm
        self.max_bpm = max_bpm
        self.n_tempo_bins = n_tempo_bins
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _validate_feature_params(self) -> None:
        slowest = 60.0 / TEMPOGRAM_SECONDS
        # one onset frame per beat: no tempogram lag is shorter
        fastest = 60.0 * self.sample_rate / HOP_LENGTH
        for name in ("min_bpm", "max_bpm"):
            value = getattr(self, name)
            if not is_finite_real(value):
                raise ValueError(
                    f"{name} must be a finite number (beats per minute), got {value!r}"
                )
        if not slowest < self.min_bpm < self.max_bpm <= fastest:
            raise ValueError(
                f"need {slowest} < min_bpm < max_bpm <= {fastest:g} (beats per minute; the "
                f"fastest is one beat per {HOP_LENGTH}-sample hop at {self.sample_rate} Hz), "
                f"got min_bpm={self.min_bpm!r}, max_bpm={self.max_bpm!r}"
            )
        if not (is_integer(self.n_tempo_bins) and self.n_tempo_bins >= 1):
            raise ValueError(f"n_tempo_bins must be a positive integer, got {self.n_tempo_bins!r}")

    def _feature_names(self) -> list[str]:
        return [
            *(f"tempogram{k}" for k in range(self.n_tempo_bins)),
            "beat_peak1_bpm",
            "beat_peak2_bpm",
            "beat_peak1_amplitude",
            "beat_peak2_amplitude",
            "beat_peak_ratio",
            "beat_strength",
            "pulse_clarity",
            "tempo_bpm",
            "onset_rate",
            "onset_strength_mean",
            "onset_strength_std",
        ]

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        h = analysis.mean_tempogram
        frame_rate = analysis.frame_rate
        n_lags = h.shape[0]

        # Sample h on a log-tempo grid (fractional lags, linear interpolation) and
        # average per bin, so every bin is defined whatever the frame rate.
        grid = np.geomspace(self.min_bpm, self.max_bpm, self.n_tempo_bins * _SAMPLES_PER_BIN + 1)
        grid = np.sqrt(grid[:-1] * grid[1:])  # sample centres
        sampled = np.interp(60.0 * frame_rate / grid, np.arange(n_lags), h, right=0.0)
        histogram = sampled.reshape(self.n_tempo_bins, _SAMPLES_PER_BIN).mean(axis=1)

        first = max(1, int(np.ceil(60.0 * frame_rate / self.max_bpm)))
        last = min(n_lags - 2, int(np.floor(60.0 * frame_rate / self.min_bpm)))
        lags = np.arange(first, last + 1)
        strength = float(h[first : last + 1].mean()) if lags.size else 0.0
        peaks = _highest_peaks(h, lags, count=2)
        bpms = [60.0 * frame_rate / lag if lag else 0.0 for lag, _ in peaks]
        heights = [height for _, height in peaks]
        relative = [height / strength if strength > _TINY else 0.0 for height in heights]
        ratio = heights[1] / heights[0] if heights[0] > _TINY else 0.0

        envelope = analysis.onset_envelope
        onset_rate = _onset_count(envelope, frame_rate) / analysis.duration
        tempo = estimate_tempo(h, frame_rate=frame_rate)
        return np.concatenate(
            (
                histogram,
                [
                    *bpms,
                    *relative,
                    ratio,
                    strength,
                    heights[0],
                    tempo,
                    onset_rate,
                    envelope.mean(),
                    envelope.std(),
                ],
            )
        )


def _highest_peaks(h: np.ndarray, lags: np.ndarray, *, count: int) -> list[tuple[float, float]]:
    """The ``count`` highest local maxima of ``h`` among ``lags`` as (lag, height) pairs.

    Lag and height are refined by a parabola through the peak and its neighbours; missing
    peaks are (0, 0).
    """
    peaks: list[tuple[float, float]] = []
    if lags.size:
        centre, below, above = h[lags], h[lags - 1], h[lags + 1]
        found = np.flatnonzero((centre > below) & (centre >= above) & (centre > 0))
        found = found[np.argsort(centre[found])[::-1][:count]]
        curvature = below[found] - 2.0 * centre[found] + above[found]
        slope = 0.5 * (above[found] - below[found])
        shift = np.where(curvature < 0, -slope / np.where(curvature < 0, curvature, 1.0), 0.0)
        heights = centre[found] + 0.5 * slope * shift
        peaks = [(float(lag), float(height)) for lag, height in zip(lags[found] + shift, heights)]
    return peaks + [(0.0, 0.0)] * (count - len(peaks))
