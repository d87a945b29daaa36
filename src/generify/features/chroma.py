"""Pitch-class (chroma) features: the harmonic content of a segment folded into one octave.

The STFT power of the segment's shared :class:`~generify.features._analysis.Analysis`
goes through the chroma filterbank (:func:`generify.filters.chroma_filterbank`, A440
tuning, librosa's ``chroma_stft``); each frame is scaled so its strongest pitch class is 1
and the twelve classes are summarised over the segment.  This plays the part of
Tzanetakis & Cook's folded pitch histogram.
"""

from __future__ import annotations

import numpy as np

from ._analysis import Analysis, peak_normalized
from ._base import AudioFeatureTransformer

__all__ = ["PITCH_CLASSES", "ChromaFeatures"]

#: Names of the chroma bins, in order (bin 0 is C).
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_PROFILES = ("absolute", "relative", "both")


class ChromaFeatures(AudioFeatureTransformer):
    """Mean and standard deviation of each of the 12 chroma bins.

    Frame chroma vectors come from the STFT (2048 samples, hop 512, centred) through
    Gaussian pitch-class filters and are scaled to a maximum of 1 per frame (frames
    without energy stay 0).  Bin ``k`` is pitch class ``PITCH_CLASSES[k]`` (0 = C,
    9 = A).

    Parameters
    ----------
    profile : {"absolute", "relative", "both"}, default="absolute"
        Which pitch-class summaries to return.  "absolute": per bin, ``chroma{k}_mean``
        and ``chroma{k}_std`` for ``k`` = 0 (C) ... 11 (B).  "relative": the same
        statistics with the bins rotated so that bin 0 is the pitch class with the largest
        mean, named ``chroma_rel{k}_mean`` / ``chroma_rel{k}_std`` for ``k`` semitones
        above it; this key-invariant profile describes the mode and the harmony, not the
        key.  "both": absolute, then relative.
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
        Number of output features (24 per profile).
    skipped_ : list of SkippedFile
        Tracks left out by the last ``transform`` (with ``on_error`` "skip"/"warn").

    See Also
    --------
    CombinedFeatures : this family beside MFCC, spectral shape and rhythm, from one STFT.

    Examples
    --------
    >>> import numpy as np
    >>> from generify.features import ChromaFeatures
    >>> t = np.arange(22050) / 22050
    >>> a4 = np.sin(2 * np.pi * 440 * t)
    >>> means = ChromaFeatures().fit_transform([a4])[0, :12]
    >>> int(np.argmax(means))  # A
    9
    """

    def __init__(
        self,
        *,
        profile: str = "absolute",
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.profile = profile
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _validate_feature_params(self) -> None:
        if self.profile not in _PROFILES:
            raise ValueError(f"profile must be one of {_PROFILES}, got {self.profile!r}")

    def _feature_names(self) -> list[str]:
        prefixes = {"absolute": ("chroma",), "relative": ("chroma_rel",)}.get(
            self.profile, ("chroma", "chroma_rel")
        )
        return [
            f"{prefix}{k}_{stat}"
            for prefix in prefixes
            for stat in ("mean", "std")
            for k in range(12)
        ]

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        chroma = peak_normalized(analysis.chroma)
        stats = np.stack([chroma.mean(axis=0), chroma.std(axis=0)])
        parts = []
        if self.profile != "relative":
            parts.append(stats.ravel())
        if self.profile != "absolute":
            parts.append(np.roll(stats, -int(np.argmax(stats[0])), axis=1).ravel())
        return np.concatenate(parts)
