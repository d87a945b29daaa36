"""Several feature families side by side, all from one analysis of each segment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import clone

from ._analysis import Analysis
from ._base import AudioFeatureTransformer
from .chroma import ChromaFeatures
from .mfcc import MFCCTransformer
from .rhythm import RhythmFeatures
from .spectral_shape import SpectralShapeFeatures

__all__ = ["CombinedFeatures", "default_families"]


def default_families() -> list[AudioFeatureTransformer]:
    """The families :class:`CombinedFeatures` uses when ``families`` is None.

    The chroma profile is the key-invariant one: a song's key says little about its
    genre, and on the GTZAN clips the relative profile classified at least as well as the
    absolute one, also for artists never seen in training.  The spectral shape is
    summarised over 1-s texture windows (Tzanetakis & Cook), which raised the
    nested-cross-validated accuracy on the GTZAN clips by about half a point.

    Returns
    -------
    list of AudioFeatureTransformer
        ``MFCCTransformer(statistics=("mean", "std", "delta_std"))``,
        ``SpectralShapeFeatures(texture_window=1.0)``,
        ``ChromaFeatures(profile="relative")`` and ``RhythmFeatures()``.
    """
    return [
        MFCCTransformer(statistics=("mean", "std", "delta_std")),
        SpectralShapeFeatures(texture_window=1.0),
        ChromaFeatures(profile="relative"),
        RhythmFeatures(),
    ]


class CombinedFeatures(AudioFeatureTransformer):
    """Concatenate the features of several families, computed from one shared analysis.

    Each segment is analysed once (one :class:`~generify.features._analysis.Analysis`:
    one STFT, one mel spectrogram, one onset envelope, ...) and every family reads what it
    needs from it; families that work on the raw samples (:class:`~generify.MFCCTransformer`)
    get the segment's waveform.  The columns are the families' columns, in order.

    Parameters
    ----------
    families : list of AudioFeatureTransformer or None, default=None
        The feature families; ``None`` means :func:`default_families` (MFCC mean, std and
        delta std; spectral shape over texture windows; key-invariant chroma; rhythm: 143
        columns).  Their own
        ``sample_rate``, ``n_jobs``, ``memory``, ``verbose`` and ``on_error`` are ignored:
        this transformer's apply.
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
        Number of output features (the sum over the families).
    skipped_ : list of SkippedFile
        Tracks left out by the last ``transform`` (with ``on_error`` "skip"/"warn").

    Notes
    -----
    Feature names are the families' names; if two families share a name, every name of
    family ``i`` is prefixed with ``"<class name in lower case><i>__"``.

    Examples
    --------
    >>> import numpy as np
    >>> from generify.features import ChromaFeatures, CombinedFeatures, RhythmFeatures
    >>> t = np.arange(22050) / 22050
    >>> combined = CombinedFeatures([ChromaFeatures(), RhythmFeatures()])
    >>> combined.fit_transform([np.sin(2 * np.pi * 440 * t)]).shape
    (1, 47)
    """

    def __init__(
        self,
        families: Sequence[AudioFeatureTransformer] | None = None,
        *,
        sample_rate: int = 22050,
        n_jobs: int | None = None,
        memory=None,
        verbose: bool = False,
        on_error: str = "raise",
    ):
        self.families = families
        self.sample_rate = sample_rate
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose
        self.on_error = on_error

    def _members(self) -> list[AudioFeatureTransformer]:
        """Copies of the families at this transformer's sample rate, validated."""
        if self.families is None:
            families = default_families()
        elif isinstance(self.families, Sequence) and not isinstance(self.families, str):
            families = list(self.families)
        else:
            raise ValueError(
                f"families must be a list of feature transformers or None, got {self.families!r}"
            )
        if not families:
            raise ValueError("families is empty: give at least one feature transformer")
        members = []
        for index, family in enumerate(families):
            if not isinstance(family, AudioFeatureTransformer):
                raise ValueError(
                    f"families[{index}] must be an AudioFeatureTransformer, "
                    f"got {type(family).__name__}"
                )
            member = clone(family).set_params(sample_rate=self.sample_rate, on_error="raise")
            try:
                member._validate_params_common()
            except ValueError as exc:
                # the member's parameters may be fine at its own rate: say which one failed
                raise ValueError(
                    f"families[{index}] ({type(member).__name__}) at {self.sample_rate} Hz: {exc}"
                ) from exc
            members.append(member)
        return members

    def _validate_feature_params(self) -> None:
        self._members()

    def _feature_names(self) -> list[str]:
        members = self._members()
        names = [member._feature_names() for member in members]
        flat = [name for family in names for name in family]
        if len(set(flat)) == len(flat):
            return flat
        return [
            f"{type(member).__name__.lower()}{index}__{name}"
            for index, (member, family) in enumerate(zip(members, names))
            for name in family
        ]

    def _analysis_features(self, analysis: Analysis) -> np.ndarray:
        parts = []
        for member in self._members():
            if type(member)._analysis_features is AudioFeatureTransformer._analysis_features:
                parts.append(member._waveform_features(analysis.y))  # a raw-waveform family
            else:
                parts.append(member._analysis_features(analysis))
        return np.concatenate([np.asarray(part, dtype=np.float64).ravel() for part in parts])
