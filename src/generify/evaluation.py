"""Judge genre classifiers honestly: held-out and cross-validated reports, and comparisons.

A single accuracy figure hides useless models: on a collection where one genre dominates,
always guessing that genre scores well.  Every :class:`EvaluationReport` therefore carries the
majority-class baseline, balanced accuracy, per-genre precision / recall / F1, the confusion
matrix and one-vs-rest ROC AUC, and flags (and warns about, with
:class:`DegenerateModelWarning`) a model that collapses onto one genre or does not beat the
baseline.

:func:`compare_classifiers` scores several classifiers on the same features and the *same*
folds, so that their differences are not differences of luck in the split.
"""

from __future__ import annotations

import json
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    get_scorer,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, check_cv
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from . import plotting
from .classifier import GenreClassifier
from .errors import AudioError, DatasetError, ModelError
from .features._base import skipped_summary

__all__ = [
    "ClassifierComparison",
    "DegenerateModelWarning",
    "EvaluationReport",
    "compare_classifiers",
    "cross_evaluate",
    "default_classifiers",
    "evaluate",
]

#: A model predicting one genre for at least this fraction of the samples is flagged as
#: collapsed (unless the true labels are at least as concentrated on one genre).
DOMINANT_SHARE = 0.9


class DegenerateModelWarning(UserWarning):
    """The evaluated model is no better than a constant guess, or collapsed onto one genre."""


@dataclass(repr=False, eq=False)
class EvaluationReport:
    """Scores of a classifier on labelled data, with the baseline it has to beat.

    Built by :func:`evaluate` (held-out data) or :func:`cross_evaluate` (pooled
    out-of-fold predictions).  Arrays indexed by genre follow the order of ``labels``.

    Attributes
    ----------
    labels : list
        The genres, in the order used by every per-genre array and the confusion matrix.
    y_true, y_pred : np.ndarray of shape (n_samples,)
        True and predicted genres.
    accuracy : float
        Fraction of samples predicted correctly.
    balanced_accuracy : float
        Mean recall over the genres present in ``y_true`` (chance level is 1 / n_genres).
    baseline_accuracy : float
        Accuracy of always predicting the majority genre (see ``baseline_source``).
    baseline_labels : list
        The genre(s) the baseline predicts (one per distinct training fold majority).
    baseline_source : str
        Where the majority genre comes from: ``"evaluated labels"`` for :func:`evaluate`
        (the most frequent genre of ``y`` itself, the strongest constant guess) or
        ``"training folds"`` for :func:`cross_evaluate` (each fold's training majority).
    precision, recall, f1 : np.ndarray of shape (n_genres,)
        Per-genre scores (0 where undefined, e.g. precision of a never-predicted genre).
    support : np.ndarray of shape (n_genres,)
        Number of true samples of each genre.
    confusion : np.ndarray of shape (n_genres, n_genres)
        Counts; rows are true genres, columns predicted genres.
    roc_auc : np.ndarray of shape (n_genres,)
        One-vs-rest ROC AUC per genre; NaN where undefined (no class scores, or no / only
        samples of that genre).
    roc_auc_macro : float
        Mean of the defined per-genre AUCs (NaN if none is defined).
    roc_curves : dict
        ``genre -> (false_positive_rate, true_positive_rate)`` arrays, for the genres whose
        curve is defined.
    method : str
        How the predictions were obtained (e.g. ``"held-out data"``, ``"5-fold
        cross-validation"``).
    model_name : str
        Short description of the model.
    fold_accuracies : np.ndarray of shape (n_folds,) or None
        Accuracy on each test fold (cross-validation only).
    flags : list of str
        Human-readable reasons to distrust the model; empty when none applies.
    skipped : list
        Inputs the model could not read and left out (``on_error="skip"``), as
        :class:`~generify.features.SkippedFile` records; they are not in the scores.
    """

    labels: list
    y_true: np.ndarray
    y_pred: np.ndarray
    accuracy: float
    balanced_accuracy: float
    baseline_accuracy: float
    baseline_labels: list
    baseline_source: str
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray
    roc_auc: np.ndarray
    roc_auc_macro: float
    roc_curves: dict
    method: str
    model_name: str
    fold_accuracies: np.ndarray | None = None
    flags: list[str] = field(default_factory=list)
    skipped: list = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        """Number of evaluated samples."""
        return len(self.y_true)

    @property
    def confusion_normalized(self) -> np.ndarray:
        """Confusion matrix with each row divided by its total (rows without samples are 0)."""
        totals = self.confusion.sum(axis=1, keepdims=True)
        return np.divide(
            self.confusion, totals, out=np.zeros(self.confusion.shape), where=totals > 0
        )

    @property
    def is_degenerate(self) -> bool:
        """True when any flag was raised (see ``flags``)."""
        return bool(self.flags)

    def __repr__(self) -> str:
        return (
            f"EvaluationReport(model_name={self.model_name!r}, method={self.method!r}, "
            f"n_samples={self.n_samples}, accuracy={self.accuracy:.3f}, "
            f"baseline_accuracy={self.baseline_accuracy:.3f}, flags={len(self.flags)})"
        )

    def __str__(self) -> str:
        lines = [f"{self.model_name} on {self.n_samples} samples ({self.method})"]
        lines += [f"WARNING: {flag}" for flag in self.flags]
        accuracy = f"{self.accuracy:.3f}"
        if self.fold_accuracies is not None:
            folds = " ".join(f"{a:.3f}" for a in self.fold_accuracies)
            accuracy += (
                f"  (per fold: {folds}; mean {np.mean(self.fold_accuracies):.3f}"
                f" ± {np.std(self.fold_accuracies):.3f})"
            )
        lines += [
            f"accuracy           {accuracy}",
            f"balanced accuracy  {self.balanced_accuracy:.3f}"
            f"  (chance: {1 / len(np.unique(self.y_true)):.3f})",
            f"majority baseline  {self.baseline_accuracy:.3f}  ({self._baseline_text()})",
            f"ROC AUC (macro)    {_fmt(self.roc_auc_macro)}",
            "",
        ]
        lines += self._genre_table()
        lines += ["", "confusion matrix (rows: true genre, columns: predicted genre; counts)"]
        lines += self._confusion_table()
        return "\n".join(lines)

    def _baseline_text(self) -> str:
        guesses = ", ".join(repr(label) for label in self.baseline_labels)
        if self.baseline_source == "training folds":
            return f"always the training fold's most frequent genre: {guesses}"
        return f"always {guesses}, the most frequent genre of the evaluated labels"

    def _genre_table(self) -> list[str]:
        names = [str(label) for label in self.labels]
        width = max([len("weighted avg"), *map(len, names)])
        header = f"{'genre':<{width}}  precision  recall     f1  support  ROC AUC"
        rows = [header]
        for i, name in enumerate(names):
            rows.append(
                f"{name:<{width}}  {self.precision[i]:9.3f}  {self.recall[i]:6.3f}"
                f"  {self.f1[i]:5.3f}  {int(self.support[i]):7d}  {_fmt(self.roc_auc[i]):>7}"
            )
        weights = self.support / max(self.support.sum(), 1)
        for name, combine in (("macro avg", np.mean), ("weighted avg", None)):
            values = [
                combine(v) if combine else float(np.dot(v, weights))
                for v in (self.precision, self.recall, self.f1)
            ]
            auc = self.roc_auc_macro if combine else _nan_weighted(self.roc_auc, weights)
            rows.append(
                f"{name:<{width}}  {values[0]:9.3f}  {values[1]:6.3f}  {values[2]:5.3f}"
                f"  {int(self.support.sum()):7d}  {_fmt(auc):>7}"
            )
        return rows

    def _confusion_table(self) -> list[str]:
        names = [str(label) for label in self.labels]
        row_width = max(len(name) for name in names)
        widths = [max(len(name), len(str(self.confusion.max()))) for name in names]
        header = " " * row_width + "".join(f"  {n:>{w}}" for n, w in zip(names, widths))
        rows = [header]
        for name, counts in zip(names, self.confusion):
            cells = "".join(f"  {int(c):>{w}}" for c, w in zip(counts, widths))
            rows.append(f"{name:<{row_width}}{cells}")
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as JSON-compatible Python values (NaN becomes None)."""
        return {
            "model_name": self.model_name,
            "method": self.method,
            "n_samples": self.n_samples,
            "labels": [_py(label) for label in self.labels],
            "accuracy": _num(self.accuracy),
            "balanced_accuracy": _num(self.balanced_accuracy),
            "baseline": {
                "accuracy": _num(self.baseline_accuracy),
                "labels": [_py(label) for label in self.baseline_labels],
                "source": self.baseline_source,
            },
            "fold_accuracies": None
            if self.fold_accuracies is None
            else [_num(a) for a in self.fold_accuracies],
            "per_genre": [
                {
                    "genre": _py(label),
                    "precision": _num(self.precision[i]),
                    "recall": _num(self.recall[i]),
                    "f1": _num(self.f1[i]),
                    "support": int(self.support[i]),
                    "roc_auc": _num(self.roc_auc[i]),
                }
                for i, label in enumerate(self.labels)
            ],
            "roc_auc_macro": _num(self.roc_auc_macro),
            "confusion_matrix": self.confusion.tolist(),
            "confusion_matrix_normalized": self.confusion_normalized.tolist(),
            "roc_curves": [
                {"genre": _py(label), "fpr": fpr.tolist(), "tpr": tpr.tolist()}
                for label, (fpr, tpr) in self.roc_curves.items()
            ],
            "y_true": [_py(v) for v in self.y_true],
            "y_pred": [_py(v) for v in self.y_pred],
            "flags": list(self.flags),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationReport:
        """Rebuild a report from :meth:`to_dict` output (e.g. to plot a saved report)."""
        try:
            per_genre = data["per_genre"]
            fold_accuracies = data["fold_accuracies"]
            return cls(
                labels=list(data["labels"]),
                y_true=np.asarray(data["y_true"]),
                y_pred=np.asarray(data["y_pred"]),
                accuracy=float(data["accuracy"]),
                balanced_accuracy=float(data["balanced_accuracy"]),
                baseline_accuracy=float(data["baseline"]["accuracy"]),
                baseline_labels=list(data["baseline"]["labels"]),
                baseline_source=data["baseline"]["source"],
                precision=np.array([g["precision"] for g in per_genre], dtype=float),
                recall=np.array([g["recall"] for g in per_genre], dtype=float),
                f1=np.array([g["f1"] for g in per_genre], dtype=float),
                support=np.array([g["support"] for g in per_genre], dtype=int),
                confusion=np.array(data["confusion_matrix"], dtype=int),
                roc_auc=np.array([_nan(g["roc_auc"]) for g in per_genre], dtype=float),
                roc_auc_macro=_nan(data["roc_auc_macro"]),
                roc_curves={
                    c["genre"]: (np.asarray(c["fpr"], float), np.asarray(c["tpr"], float))
                    for c in data["roc_curves"]
                },
                method=data["method"],
                model_name=data["model_name"],
                fold_accuracies=None
                if fold_accuracies is None
                else np.asarray(fold_accuracies, dtype=float),
                flags=list(data["flags"]),
            )
        except (KeyError, TypeError) as exc:
            raise DatasetError(f"not an EvaluationReport dictionary: missing or bad {exc}") from exc

    @classmethod
    def from_json(cls, text: str) -> EvaluationReport:
        """Rebuild a report from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    def save_figures(self, directory: str | Path) -> list[Path]:
        """Write the report's figures as PNG files (needs ``generify[plot]``).

        Parameters
        ----------
        directory : str or Path
            Folder to write into; created if missing.

        Returns
        -------
        list of Path
            ``confusion_matrix.png`` (row-normalised), ``confusion_matrix_counts.png``, and,
            when the model gave class scores, ``roc_<genre>.png`` per genre and
            ``roc_all.png`` (see :func:`generify.plotting.save_roc_curves`).
        """
        directory = Path(directory)
        written = []
        for name, normalize in (("confusion_matrix", True), ("confusion_matrix_counts", False)):
            path = directory / f"{name}.png"
            plotting.plot_confusion_matrix(self, normalize=normalize, path=path)
            written.append(path)
        if self.roc_curves:
            written += plotting.save_roc_curves(self, directory)
        return written


def evaluate(model: Any, X: Any, y: Any, *, labels: Sequence | None = None) -> EvaluationReport:
    """Score a fitted classifier on held-out data.

    Parameters
    ----------
    model : fitted classifier
        Anything with ``predict`` and ``classes_`` (a :class:`~generify.GenreClassifier`
        on audio paths, a scikit-learn pipeline on feature rows, ...).  ``predict_proba``
        (or else ``decision_function``) gives the ROC curves; without either, AUCs are NaN.
    X : array-like or list
        Held-out inputs, in whatever form ``model`` accepts.
    y : array-like of shape (n_samples,)
        True genres.
    labels : sequence, optional
        Genre order for the report.  Default: ``model.classes_``, then any other genre
        found in ``y`` or the predictions (sorted).  Must include every genre of ``y`` and
        of the predictions.

    Returns
    -------
    EvaluationReport
        Its majority baseline is the most frequent genre of ``y`` itself: the best any
        constant guess can score on this data, so a slightly optimistic bar to clear.

    Warns
    -----
    DegenerateModelWarning
        When the model predicts one genre for (almost) everything, or does not beat the
        majority baseline or chance-level balanced accuracy.
    """
    y_true = _check_y(X, y)
    y_pred, raw_scores = _predict(model, X)
    skipped = list(getattr(model, "skipped_", [])) if len(y_pred) < len(y_true) else []
    if skipped:  # the model left unreadable inputs out of its predictions
        y_true = np.delete(y_true, [s.index for s in skipped])
    if len(y_pred) != len(y_true):
        raise ModelError(
            f"{_describe_model(model)} gave {len(y_pred)} predictions for {len(y_true)} inputs "
            "it did not report as skipped: a feature step inside a pipeline dropped unreadable "
            "inputs (on_error='skip'); use GenreClassifier(on_error='skip'), which reports "
            "them, or on_error='raise' inside pipelines"
        )
    if not len(y_true):
        raise AudioError(
            f"no input could be read, nothing to evaluate ({skipped_summary(skipped)})"
        )
    classes = getattr(model, "classes_", None)
    labels = _resolve_labels(labels, classes, y_true, y_pred)
    scores = None if classes is None else _class_scores(raw_scores, model, list(classes), labels)
    majority = _majority(y_true)
    report = _build_report(
        y_true=y_true,
        y_pred=y_pred,
        scores=scores,
        labels=labels,
        baseline_pred=np.full(len(y_true), majority, dtype=object),
        baseline_source="evaluated labels",
        method="held-out data",
        model_name=_describe_model(model),
        folds=[np.arange(len(y_true))],
        fold_accuracies=None,
    )
    report.skipped = skipped
    _warn_flags(report)
    return report


def cross_evaluate(
    model: Any,
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    groups: Any = None,
    labels: Sequence | None = None,
    n_jobs: int | None = None,
) -> EvaluationReport:
    """Score an unfitted classifier by cross-validation, pooling out-of-fold predictions.

    Each fold fits a fresh :func:`~sklearn.base.clone` of ``model`` on the training part
    and predicts the test part; the report is computed on all out-of-fold predictions
    together (as :func:`~sklearn.model_selection.cross_val_predict` does), and keeps the
    accuracy of each fold.

    Parameters
    ----------
    model : classifier
        Estimator to clone and fit (it is not fitted in place).
    X : array-like or list
        Inputs, in whatever form ``model`` accepts (feature rows, audio paths, ...).
    y : array-like of shape (n_samples,)
        Genres.
    cv : int, cross-validation splitter or iterable of (train, test) index arrays, default=5
        An int gives :class:`~sklearn.model_selection.StratifiedKFold` (no shuffling), or
        :class:`~sklearn.model_selection.StratifiedGroupKFold` when ``groups`` is given.
        The test folds must cover every sample exactly once.
    groups : array-like of shape (n_samples,), optional
        Group of each sample (e.g. the artist), so that one group never sits on both sides
        of a split.  Without it, clips by one artist in train and test inflate the scores.
    labels : sequence, optional
        Genre order for the report (default: sorted genres of ``y``).
    n_jobs : int, optional
        Folds fitted in parallel (joblib semantics; None means 1).

    Returns
    -------
    EvaluationReport
        Its majority baseline predicts, for each test fold, the most frequent genre of the
        corresponding training fold.

    Warns
    -----
    DegenerateModelWarning
        As for :func:`evaluate`.
    """
    y_true = _check_y(X, y)
    splits = _make_splits(cv, X, y_true, groups, random_state=None)
    _check_partition(splits, len(y_true))
    labels = _resolve_labels(labels, None, y_true, np.array([]))
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(clone(model), X, y_true, train, test, labels)
        for train, test in splits
    )
    y_pred = np.empty(len(y_true), dtype=object)
    scores = np.full((len(y_true), len(labels)), np.nan)
    baseline_pred = np.empty(len(y_true), dtype=object)
    fold_accuracies = []
    for (train, test), (pred, fold_scores) in zip(splits, results):
        y_pred[test] = pred
        baseline_pred[test] = _majority(y_true[train])
        fold_accuracies.append(accuracy_score(y_true[test], pred))
        if fold_scores is None:
            scores = None
        elif scores is not None:
            scores[test] = fold_scores
    report = _build_report(
        y_true=y_true,
        y_pred=np.asarray(y_pred.tolist()),
        scores=scores,
        labels=labels,
        baseline_pred=baseline_pred,
        baseline_source="training folds",
        method=f"{len(splits)}-fold cross-validation, out-of-fold predictions",
        model_name=_describe_model(model),
        folds=[test for _, test in splits],
        fold_accuracies=np.asarray(fold_accuracies),
    )
    _warn_flags(report)
    return report


@dataclass(repr=False, eq=False)
class ClassifierComparison:
    """Per-fold scores of several classifiers evaluated on the same folds.

    Attributes
    ----------
    scores : dict of str to np.ndarray of shape (n_folds,)
        Score of each classifier on each fold (fold ``i`` is the same split for all).
    baseline : np.ndarray of shape (n_folds,)
        Score of always predicting the training fold's most frequent genre.
    scoring : str
        Name of the scoring used (a scikit-learn scorer name).
    """

    scores: dict[str, np.ndarray]
    baseline: np.ndarray
    scoring: str

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return len(self.baseline)

    @property
    def best(self) -> str:
        """Name of the classifier with the highest mean score."""
        return max(self.scores, key=lambda name: np.mean(self.scores[name]))

    def __repr__(self) -> str:
        return (
            f"ClassifierComparison(classifiers={list(self.scores)}, scoring={self.scoring!r}, "
            f"n_folds={self.n_folds})"
        )

    def __str__(self) -> str:
        width = max([len("majority baseline"), *map(len, self.scores)])
        baseline = float(np.mean(self.baseline))
        lines = [
            f"{self.scoring} over {self.n_folds} folds (the same folds for every classifier)",
            f"{'classifier':<{width}}   mean ±   std    min    max",
        ]
        for name, values in self.scores.items():
            note = "  <= baseline" if np.mean(values) <= baseline else ""
            note = "  (best)" if name == self.best and not note else note
            lines.append(f"{name:<{width}}  {_summary(values)}{note}")
        lines.append(f"{'majority baseline':<{width}}  {_summary(self.baseline)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Scores and their summary as JSON-compatible Python values."""
        return {
            "scoring": self.scoring,
            "n_folds": self.n_folds,
            "scores": {name: [_num(v) for v in values] for name, values in self.scores.items()},
            "baseline": [_num(v) for v in self.baseline],
            "summary": {
                name: {"mean": _num(np.mean(values)), "std": _num(np.std(values))}
                for name, values in self.scores.items()
            },
            "best": self.best,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The comparison as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)

    def plot(self, *, path: str | Path | None = None) -> Any:
        """Box plot of the per-fold scores (needs ``generify[plot]``).

        See :func:`generify.plotting.plot_classifier_comparison`.
        """
        return plotting.plot_classifier_comparison(self, path=path)


def default_classifiers(*, random_state: int | None = 0) -> dict[str, Pipeline]:
    """The classic line-up to compare, each behind a :class:`~sklearn.preprocessing.StandardScaler`.

    Parameters
    ----------
    random_state : int or None, default=0
        Seed of the classifiers that use randomness.

    Returns
    -------
    dict of str to Pipeline
        ``LR`` (LogisticRegression), ``LDA`` (LinearDiscriminantAnalysis), ``KNN``
        (KNeighborsClassifier), ``CART`` (DecisionTreeClassifier), ``NB`` (GaussianNB),
        ``SVM`` (SVC with an RBF kernel).
    """
    return {
        "LR": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000, random_state=random_state)
        ),
        "LDA": make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()),
        "KNN": make_pipeline(StandardScaler(), KNeighborsClassifier()),
        "CART": make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=random_state)),
        "NB": make_pipeline(StandardScaler(), GaussianNB()),
        "SVM": make_pipeline(StandardScaler(), SVC(random_state=random_state)),
    }


def compare_classifiers(
    X: Any,
    y: Any,
    *,
    classifiers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    cv: int | Any = 5,
    groups: Any = None,
    scoring: str = "accuracy",
    n_jobs: int | None = None,
    random_state: int | None = 0,
) -> ClassifierComparison:
    """Cross-validate several classifiers on the same features and the same folds.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features, computed once by the caller (e.g. with :class:`~generify.MFCCTransformer`).
    y : array-like of shape (n_samples,)
        Genres.
    classifiers : mapping or iterable of (name, estimator), optional
        Estimators to compare, used as given.  Default: :func:`default_classifiers`.
    cv : int, cross-validation splitter or iterable of (train, test) index arrays, default=5
        An int gives a shuffled :class:`~sklearn.model_selection.StratifiedKFold`
        (:class:`~sklearn.model_selection.StratifiedGroupKFold` when ``groups`` is given).
        The splits are drawn once and reused for every classifier.
    groups : array-like of shape (n_samples,), optional
        Group of each sample (e.g. the artist), kept on one side of every split.
    scoring : str, default="accuracy"
        A scikit-learn scorer name (e.g. ``"balanced_accuracy"``, ``"f1_macro"``).
    n_jobs : int, optional
        Fits run in parallel (joblib semantics; None means 1).
    random_state : int or None, default=0
        Seed of the shuffled folds (for an int ``cv``) and of the default classifiers.

    Returns
    -------
    ClassifierComparison
    """
    y_true = _check_y(X, y)
    if classifiers is None:
        estimators = default_classifiers(random_state=random_state)
    else:
        estimators = dict(classifiers.items() if isinstance(classifiers, Mapping) else classifiers)
    if not estimators:
        raise ModelError("compare_classifiers: no classifiers to compare (classifiers is empty)")
    scorer = get_scorer(scoring)
    splits = _make_splits(cv, X, y_true, groups, random_state=random_state)
    candidates = {**estimators, None: DummyClassifier(strategy="most_frequent")}
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_score)(clone(estimator), X, y_true, train, test, scorer)
        for estimator in candidates.values()
        for train, test in splits
    )
    per_model = np.asarray(results, dtype=float).reshape(len(candidates), len(splits))
    return ClassifierComparison(
        scores={name: per_model[i] for i, name in enumerate(estimators)},
        baseline=per_model[-1],
        scoring=scoring,
    )


def _build_report(
    *,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    labels: list,
    baseline_pred: np.ndarray,
    baseline_source: str,
    method: str,
    model_name: str,
    folds: list[np.ndarray],
    fold_accuracies: np.ndarray | None,
) -> EvaluationReport:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    roc_auc = np.full(len(labels), np.nan)
    curves = {}
    for k, label in enumerate(labels):
        positive = y_true == label
        if scores is None or np.isnan(scores[:, k]).any() or positive.all() or not positive.any():
            continue
        fpr, tpr, _ = roc_curve(positive, scores[:, k])
        curves[label] = (fpr, tpr)
        roc_auc[k] = roc_auc_score(positive, scores[:, k])
    defined = roc_auc[~np.isnan(roc_auc)]
    report = EvaluationReport(
        labels=labels,
        y_true=y_true,
        y_pred=y_pred,
        accuracy=float(accuracy_score(y_true, y_pred)),
        balanced_accuracy=float(balanced_accuracy_score(y_true, y_pred)),
        baseline_accuracy=float(np.mean(baseline_pred == y_true)),
        baseline_labels=[_py(v) for v in dict.fromkeys(baseline_pred.tolist())],
        baseline_source=baseline_source,
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        roc_auc=roc_auc,
        roc_auc_macro=float(defined.mean()) if defined.size else float("nan"),
        roc_curves=curves,
        method=method,
        model_name=model_name,
        fold_accuracies=fold_accuracies,
    )
    report.flags = _flags(report, folds)
    return report


def _top_share(values: np.ndarray) -> float:
    return np.unique(values, return_counts=True)[1].max() / len(values)


def _flags(report: EvaluationReport, folds: list[np.ndarray]) -> list[str]:
    flags = []
    n = report.n_samples
    # Shares are taken per test fold: a model that always guesses its training fold's
    # majority collapses in every fold even when the guess changes from fold to fold.
    weights = np.array([len(test) for test in folds]) / n
    share = float(np.dot(weights, [_top_share(report.y_pred[test]) for test in folds]))
    true_share = float(np.dot(weights, [_top_share(report.y_true[test]) for test in folds]))
    if share >= DOMINANT_SHARE and share > true_share:
        predicted, counts = np.unique(report.y_pred, return_counts=True)
        top = repr(_py(predicted[counts.argmax()]))
        where = f"of the {n} samples" if len(folds) == 1 else "of each test fold on average"
        flags.append(
            f"the model predicts one genre (mostly {top}) for {share:.0%} {where}, although "
            f"the most frequent true genre makes up only {true_share:.0%}: it has collapsed "
            "onto one genre"
        )
    # A tiny tolerance keeps float round-off from hiding an exact tie with the baseline.
    if report.accuracy <= report.baseline_accuracy + 1e-12:
        flags.append(
            f"accuracy {report.accuracy:.3f} is not above the majority baseline "
            f"{report.baseline_accuracy:.3f} (always guessing the most frequent genre)"
        )
    n_true = len(np.unique(report.y_true))
    if n_true >= 2 and report.balanced_accuracy <= 1 / n_true + 1e-12:
        flags.append(
            f"balanced accuracy {report.balanced_accuracy:.3f} is not above chance "
            f"(1/{n_true} = {1 / n_true:.3f})"
        )
    return flags


def _warn_flags(report: EvaluationReport) -> None:
    if report.flags:
        # stacklevel 3 points at the caller of evaluate / cross_evaluate.
        warnings.warn(
            f"{report.model_name} looks useless: " + "; ".join(report.flags),
            DegenerateModelWarning,
            stacklevel=3,
        )


def _check_y(X: Any, y: Any) -> np.ndarray:
    y_true = np.asarray(y)
    if y_true.ndim != 1:
        raise DatasetError(f"y must be one genre per sample (1-D), got shape {y_true.shape}")
    n_inputs = X.shape[0] if hasattr(X, "shape") else len(X)
    if n_inputs != len(y_true):
        raise DatasetError(f"X has {n_inputs} samples but y has {len(y_true)} genres")
    if len(y_true) == 0:
        raise DatasetError("nothing to evaluate: y is empty")
    return y_true


def _resolve_labels(
    labels: Sequence | None, classes: Any, y_true: np.ndarray, y_pred: np.ndarray
) -> list:
    seen = set(y_true.tolist()) | set(np.asarray(y_pred).tolist())
    if labels is None:
        ordered = [] if classes is None else [_py(c) for c in classes]
        return ordered + sorted(seen - set(ordered))
    labels = [_py(label) for label in labels]
    if len(set(labels)) != len(labels):
        raise DatasetError(f"labels contains duplicates: {labels}")
    missing = seen - set(labels)
    if missing:
        raise DatasetError(
            f"labels {labels} lack {sorted(missing)}, which occur in y or in the predictions"
        )
    return labels


def _predict(model: Any, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictions and raw class scores.

    A GenreClassifier decodes and featurizes every file on each call, and its
    ``predict`` is by definition the arg-max of ``predict_proba``: one pass serves both.
    Other models (SVC, DummyClassifier, ...) may predict otherwise, so both are asked.
    """
    if isinstance(model, GenreClassifier):
        raw = np.asarray(model.predict_proba(X), dtype=float)
        return np.asarray(model.classes_)[raw.argmax(axis=1)], raw
    y_pred = np.asarray(model.predict(X))
    if hasattr(model, "predict_proba"):
        return y_pred, np.asarray(model.predict_proba(X), dtype=float)
    if hasattr(model, "decision_function"):
        raw = np.asarray(model.decision_function(X), dtype=float)
        # Binary decision functions score the second class only.
        return y_pred, np.column_stack([-raw, raw]) if raw.ndim == 1 else raw
    return y_pred, None


def _class_scores(
    raw: np.ndarray | None, model: Any, classes: list, labels: list
) -> np.ndarray | None:
    """Per-genre scores in ``labels`` order; NaN columns for genres the model does not know."""
    if raw is None:
        return None
    if raw.ndim != 2 or raw.shape[1] != len(classes):
        raise ModelError(
            f"{_describe_model(model)} returned class scores of shape {raw.shape} "
            f"for {len(classes)} classes"
        )
    scores = np.full((raw.shape[0], len(labels)), np.nan)
    column = {label: k for k, label in enumerate(labels)}
    for j, cls in enumerate(classes):
        scores[:, column[_py(cls)]] = raw[:, j]
    return scores


def _make_splits(
    cv: Any, X: Any, y: np.ndarray, groups: Any, *, random_state: int | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise DatasetError(f"cv must be at least 2 folds, got {cv}")
        shuffle = random_state is not None
        splitter_type = StratifiedKFold if groups is None else StratifiedGroupKFold
        splitter = splitter_type(
            n_splits=int(cv), shuffle=shuffle, random_state=random_state if shuffle else None
        )
    else:
        splitter = check_cv(cv, y, classifier=True)
    try:
        return [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, groups)]
    except ValueError as exc:
        raise DatasetError(f"cannot split {len(y)} samples with cv={cv!r}: {exc}") from exc


def _check_partition(splits: list[tuple[np.ndarray, np.ndarray]], n_samples: int) -> None:
    tested = np.sort(np.concatenate([test for _, test in splits]))
    if not np.array_equal(tested, np.arange(n_samples)):
        raise DatasetError(
            "cross_evaluate needs test folds that cover every sample exactly once "
            "(a K-fold splitter); the given cv repeats or leaves out samples"
        )


def _take(X: Any, indices: np.ndarray) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if hasattr(X, "shape"):
        return X[indices]
    return [X[i] for i in indices]


def _fit_predict(
    model: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, labels: list
) -> tuple[np.ndarray, np.ndarray | None]:
    model.fit(_take(X, train), y[train])
    y_pred, raw = _predict(model, _take(X, test))
    return y_pred, _class_scores(raw, model, list(model.classes_), labels)


def _fit_score(
    model: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, scorer: Any
) -> float:
    model.fit(_take(X, train), y[train])
    return float(scorer(model, _take(X, test), y[test]))


def _majority(y: np.ndarray) -> Any:
    values, counts = np.unique(y, return_counts=True)
    return _py(values[counts.argmax()])


def _describe_model(model: Any) -> str:
    steps = getattr(model, "steps", None)
    if steps is not None:
        return f"{type(model).__name__}({', '.join(type(s).__name__ for _, s in steps)})"
    return type(model).__name__


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _num(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _fmt(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


def _nan_weighted(values: np.ndarray, weights: np.ndarray) -> float:
    defined = ~np.isnan(values)
    if not defined.any() or weights[defined].sum() == 0:
        return float("nan")
    return float(np.dot(values[defined], weights[defined]) / weights[defined].sum())


def _summary(values: np.ndarray) -> str:
    return (
        f"{np.mean(values):.3f} ± {np.std(values):.3f}  {np.min(values):.3f}  {np.max(values):.3f}"
    )
