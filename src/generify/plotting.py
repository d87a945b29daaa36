"""Figures for evaluation reports, classifier comparisons and spectrograms.

matplotlib is the optional extra ``generify[plot]`` and is imported only when a figure is
drawn.  Figures are built as :class:`matplotlib.figure.Figure` objects without pyplot, so
drawing works headless (no display, no global figure state) and nothing has to be closed.
Every function returns its Figure and, given ``path``, also writes it as a PNG (100 dpi),
creating the parent folders.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .audio import describe_source, load_audio
from .errors import AudioError, DatasetError, ModelError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .evaluation import ClassifierComparison, EvaluationReport

__all__ = [
    "plot_classifier_comparison",
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_spectrograms",
    "save_roc_curves",
]

DPI = 100
# Spectrogram frequency axis: 256 log-spaced bands from 30 Hz (the 2048-sample window's
# 10.8 Hz bins at 22050 Hz cannot resolve a finer scale lower down) up to sr / 2.
_F_MIN = 30.0
_N_BANDS = 256


def _new_figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            'generify\'s plotting needs matplotlib: pip install "generify[plot]"'
        ) from exc
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI)
    return fig


def plot_confusion_matrix(
    report_or_matrix: EvaluationReport | Any,
    *,
    labels: Sequence | None = None,
    normalize: bool = True,
    path: str | Path | None = None,
) -> Figure:
    """Draw a confusion matrix as a heat map with the value written in each cell.

    Parameters
    ----------
    report_or_matrix : EvaluationReport or array-like of shape (n_genres, n_genres)
        A report, or a matrix of counts (rows: true genre, columns: predicted genre).
    labels : sequence, optional
        Genre names along both axes (default: the report's labels, or 0 .. n_genres - 1).
    normalize : bool, default=True
        Show each row as fractions of its true genre (recall on the diagonal) rather than
        counts.
    path : str or Path, optional
        Write the figure to this PNG file.

    Returns
    -------
    matplotlib.figure.Figure
    """
    title = "Confusion matrix"
    if hasattr(report_or_matrix, "confusion"):
        counts = np.asarray(report_or_matrix.confusion)
        labels = report_or_matrix.labels if labels is None else labels
        title = (
            f"{report_or_matrix.model_name}\naccuracy {report_or_matrix.accuracy:.3f}, "
            f"majority baseline {report_or_matrix.baseline_accuracy:.3f}"
        )
    else:
        counts = np.asarray(report_or_matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise DatasetError(f"a confusion matrix must be square, got shape {counts.shape}")
    n = counts.shape[0]
    names = [str(label) for label in (range(n) if labels is None else labels)]
    if len(names) != n:
        raise DatasetError(f"{len(names)} labels for a {n} x {n} confusion matrix")
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        vmax, text, bar_label = 1.0, "{:.2f}", "fraction of the true genre's samples"
    else:
        values = counts
        vmax, text, bar_label = max(int(counts.max()), 1), "{:d}", "number of samples"

    side = max(4.5, 0.55 * n + 2.5)
    fig = _new_figure(side + 1.2, side)
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax)
    ax.set_xticks(np.arange(n), labels=names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(n), labels=names)
    ax.set_xlabel("predicted genre")
    ax.set_ylabel("true genre")
    ax.set_title(title + (" (rows normalised)" if normalize else " (counts)"), fontsize=10)
    if n <= 25:
        fontsize = 9 if n <= 10 else 7
        for i in range(n):
            for j in range(n):
                value = values[i, j].item()
                if counts[i, j] == 0:
                    # Empty cells in grey keep the eye on the confusions that happened.
                    color = "0.7"
                else:
                    color = "white" if value > 0.5 * vmax else "black"
                ax.text(
                    j,
                    i,
                    text.format(value),
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color=color,
                )
    fig.colorbar(image, ax=ax, label=bar_label, shrink=0.8)
    return _finish(fig, path)


def plot_roc_curves(
    report: EvaluationReport, *, genre: Any = None, path: str | Path | None = None
) -> Figure:
    """Draw one-vs-rest ROC curves of a report.

    Parameters
    ----------
    report : EvaluationReport
        A report whose model gave class scores (``predict_proba`` or ``decision_function``).
    genre : optional
        Draw only this genre's curve; by default all genres share one plot.
    path : str or Path, optional
        Write the figure to this PNG file.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ModelError
        If the report holds no ROC curves (the model gave no class scores).
    DatasetError
        If ``genre`` is not one of the report's genres or its curve is undefined (the
        evaluated labels hold no sample, or only samples, of it).
    """
    if not report.roc_curves:
        raise ModelError(
            f"{report.model_name}: the report has no ROC curves because the model gave no "
            "class scores (no predict_proba or decision_function)"
        )
    if genre is None:
        genres = list(report.roc_curves)
        fig = _new_figure(7.5, 6.5)
        title = f"ROC curves, each genre vs. the rest (macro AUC {report.roc_auc_macro:.3f})"
    else:
        if genre not in report.labels:
            raise DatasetError(f"{genre!r} is not one of the report's genres {report.labels}")
        if genre not in report.roc_curves:
            raise DatasetError(
                f"no ROC curve for {genre!r}: the evaluated labels hold no sample, or only "
                "samples, of it"
            )
        genres = [genre]
        fig = _new_figure(5.5, 5.5)
        title = f"ROC curve, {genre} vs. the rest"
    ax = fig.add_subplot()
    colors = _colors(len(report.labels))
    for g in genres:
        k = report.labels.index(g)
        fpr, tpr = report.roc_curves[g]
        ax.plot(fpr, tpr, color=colors[k], lw=1.8, label=f"{g} (AUC {report.roc_auc[k]:.3f})")
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color="grey", label="chance (AUC 0.5)")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.set_xlabel("false positive rate (fraction of other genres' samples)")
    ax.set_ylabel("true positive rate (fraction of the genre's samples)")
    ax.set_title(f"{report.model_name}\n{title}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8 if len(genres) > 5 else 9)
    return _finish(fig, path)


def save_roc_curves(report: EvaluationReport, directory: str | Path) -> list[Path]:
    """Write one ROC figure per genre (``roc_<genre>.png``) and ``roc_all.png``.

    Genre names are made file-name safe (runs of characters other than letters, digits,
    ``.`` and ``-`` become ``_``).  A genre whose curve is undefined is skipped with a
    warning.

    Parameters
    ----------
    report : EvaluationReport
        A report whose model gave class scores.
    directory : str or Path
        Folder to write into; created if missing.

    Returns
    -------
    list of Path
        The files written, per-genre figures first, ``roc_all.png`` last.
    """
    directory = Path(directory)
    written: list[Path] = []
    used: set[str] = set()
    for genre in report.labels:
        if genre not in report.roc_curves:
            warnings.warn(
                f"no ROC curve for {genre!r}: the evaluated labels hold no sample, or only "
                "samples, of it; roc file not written",
                UserWarning,
                stacklevel=2,
            )
            continue
        stem = re.sub(r"[^\w.-]+", "_", str(genre)).strip("_") or "genre"
        while stem in used or stem == "all":
            stem += "_"
        used.add(stem)
        path = directory / f"roc_{stem}.png"
        plot_roc_curves(report, genre=genre, path=path)
        written.append(path)
    path = directory / "roc_all.png"
    plot_roc_curves(report, path=path)
    return [*written, path]


def plot_classifier_comparison(
    comparison: ClassifierComparison, *, path: str | Path | None = None
) -> Figure:
    """Box plot of per-fold scores, one box per classifier, with the majority baseline.

    Parameters
    ----------
    comparison : ClassifierComparison
        Result of :func:`generify.evaluation.compare_classifiers`.
    path : str or Path, optional
        Write the figure to this PNG file.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(comparison.scores)
    data = [comparison.scores[name] for name in names]
    fig = _new_figure(max(5.0, 0.9 * len(names) + 2.5), 4.5)
    ax = fig.add_subplot()
    positions = np.arange(1, len(names) + 1)
    # Fliers are left out because every fold score is drawn as a point anyway.
    ax.boxplot(
        data,
        positions=positions,
        widths=0.5,
        showmeans=True,
        showfliers=False,
        meanprops={"marker": "^", "markerfacecolor": "tab:green", "markeredgecolor": "tab:green"},
    )
    ax.plot([], [], "^", color="tab:green", label="mean")
    ax.plot([], [], "o", ms=3.5, color="tab:blue", alpha=0.6, label="one fold")
    # Fold scores drawn over the boxes show how few values each box summarises.
    jitter = np.random.default_rng(0)
    for x, values in zip(positions, data):
        offsets = jitter.uniform(-0.12, 0.12, len(values))
        ax.plot(x + offsets, values, "o", ms=3.5, alpha=0.6, color="tab:blue")
    baseline = float(np.mean(comparison.baseline))
    ax.axhline(
        baseline, ls="--", lw=1, color="tab:red", label=f"majority baseline ({baseline:.3f})"
    )
    long_names = any(len(name) > 6 for name in names)
    ax.set_xticks(
        positions,
        labels=names,
        rotation=30 if long_names else 0,
        ha="right" if long_names else "center",
        rotation_mode="anchor",
    )
    ax.set_ylabel(f"{comparison.scoring} per fold")
    ax.set_xlabel("classifier")
    ax.set_title(
        f"{comparison.scoring} over {comparison.n_folds} folds (the same folds for each)",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _finish(fig, path)


def plot_spectrograms(
    sources: Sequence[Any],
    *,
    labels: Sequence | None = None,
    sr: int = 22050,
    duration: float | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Draw a log-frequency, decibel spectrogram of each source, one panel per source.

    A quick look at how genres differ (a proof of concept before any model): pass one
    song per genre and the genres as ``labels``.  Power is short-time Fourier power
    (2048-sample Hann window, 512-sample hop) averaged into 256 log-spaced bands from
    30 Hz to ``sr / 2``, in dB relative to the loudest band of all panels, so that
    loudness compares across panels; 80 dB below that is drawn black.

    Parameters
    ----------
    sources : sequence of str, os.PathLike or binary file object
        Audio to show, read with :func:`generify.audio.load_audio`.
    labels : sequence, optional
        Panel titles (e.g. genres), one per source; default: the file names.
    sr : int, default=22050
        Sampling rate in Hz to load the audio at (sets the top frequency to ``sr / 2``).
    duration : float, optional
        Show only the first ``duration`` seconds of each source (default: all of it).
    path : str or Path, optional
        Write the figure to this PNG file.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    AudioError
        If ``sources`` is empty, a source cannot be read, or it is shorter than one window.
    DatasetError
        If ``labels`` does not have one entry per source.
    """
    from scipy.signal import spectrogram

    sources = list(sources)
    if not sources:
        raise AudioError("plot_spectrograms: no sources given")
    if labels is None:
        titles = [Path(describe_source(s)).name for s in sources]
    else:
        titles = [str(label) for label in labels]
        if len(titles) != len(sources):
            raise DatasetError(f"{len(titles)} labels for {len(sources)} sources")

    n_fft, hop = 2048, 512
    panels = []
    for source in sources:
        y, rate = load_audio(source, sr=sr, duration=duration)
        if len(y) < n_fft:
            raise AudioError(
                f"{describe_source(source)}: {len(y)} samples, shorter than one "
                f"{n_fft}-sample spectrogram window"
            )
        freqs, _, power = spectrogram(
            y, fs=rate, window="hann", nperseg=n_fft, noverlap=n_fft - hop, scaling="spectrum"
        )
        pooling, edges = _log_bands(freqs, f_min=_F_MIN, n_bands=_N_BANDS)
        panels.append((pooling @ power, edges, len(y) / rate))
    peak = max(float(banded.max()) for banded, _, _ in panels)
    reference = peak if peak > 0 else 1.0
    floor = -80.0

    n_cols = 1 if len(panels) <= 3 else 2
    n_rows = math.ceil(len(panels) / n_cols)
    fig = _new_figure(6.0 * n_cols + 1.5, 2.3 * n_rows + 0.6)
    axes = fig.subplots(n_rows, n_cols, squeeze=False, sharex=True, sharey=True)
    used = list(axes.flat[: len(panels)])
    for ax in axes.flat[len(panels) :]:
        ax.remove()
    image = None
    for k, (ax, (banded, edges, seconds), title) in enumerate(zip(used, panels, titles)):
        db = 10 * np.log10(np.maximum(banded, reference * 10 ** (floor / 10)) / reference)
        # An image on a log10(Hz) axis draws far faster than a log-scaled pcolormesh.
        image = ax.imshow(
            db,
            origin="lower",
            aspect="auto",
            cmap="magma",
            vmin=floor,
            vmax=0,
            extent=(0.0, seconds, np.log10(edges[0]), np.log10(edges[-1])),
        )
        ax.set_title(title, fontsize=10)
        if k % n_cols == 0:
            ax.set_ylabel("frequency (Hz)")
        if k + n_cols >= len(panels):
            # The bottom panel of a column that is one short still needs its time ticks.
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("time (s)")
    low, high = used[0].get_ylim()
    ticks = [
        f for f in (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000) if low <= np.log10(f) <= high
    ]
    used[0].set_yticks(np.log10(ticks), labels=[str(f) for f in ticks])
    fig.colorbar(image, ax=used, label="power (dB re. loudest band)", shrink=0.8, aspect=30)
    return _finish(fig, path)


def _log_bands(freqs: np.ndarray, *, f_min: float, n_bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Matrix averaging FFT bins into log-spaced bands, and the band edges in Hz.

    A band narrower than the FFT's bin spacing (at low frequencies) takes the nearest bin.
    """
    edges = np.geomspace(f_min, freqs[-1], n_bands + 1)
    centers = np.sqrt(edges[:-1] * edges[1:])
    pooling = np.zeros((n_bands, len(freqs)))
    for b in range(n_bands):
        inside = np.flatnonzero((freqs >= edges[b]) & (freqs < edges[b + 1]))
        if inside.size == 0:
            inside = [np.abs(freqs - centers[b]).argmin()]
        pooling[b, inside] = 1.0 / len(inside)
    return pooling, edges


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]
