import json
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import (
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from generify.errors import DatasetError
from generify.evaluation import (
    DegenerateModelWarning,
    EvaluationReport,
    compare_classifiers,
    cross_evaluate,
    default_classifiers,
    evaluate,
)

GENRES = np.array(["blues", "classical", "jazz", "metal"])


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=200,
        n_features=8,
        n_informative=5,
        n_classes=4,
        n_clusters_per_class=1,
        class_sep=1.2,
        random_state=0,
    )
    return X, GENRES[y]


def _model():
    # LDA is fast and has predict_proba: the tests are about the evaluation, not the model.
    return make_pipeline(StandardScaler(), LinearDiscriminantAnalysis())


class _PredictOnly(ClassifierMixin, BaseEstimator):
    """A classifier with neither predict_proba nor decision_function."""

    def fit(self, X, y):
        self.model_ = _model().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def test_evaluate_matches_sklearn_metrics(data):
    X, y = data
    model = _model().fit(X[:120], y[:120])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
        report = evaluate(model, X[120:], y[120:])
    y_test, y_pred = y[120:], model.predict(X[120:])
    proba = model.predict_proba(X[120:])
    classes = list(model.classes_)

    assert report.labels == classes
    assert report.accuracy == pytest.approx(accuracy_score(y_test, y_pred))
    assert report.balanced_accuracy == pytest.approx(balanced_accuracy_score(y_test, y_pred))
    np.testing.assert_array_equal(report.confusion, confusion_matrix(y_test, y_pred))
    np.testing.assert_allclose(
        report.confusion_normalized, confusion_matrix(y_test, y_pred, normalize="true")
    )
    precision, recall, f1, support = precision_recall_fscore_support(y_test, y_pred)
    np.testing.assert_allclose(report.precision, precision)
    np.testing.assert_allclose(report.recall, recall)
    np.testing.assert_allclose(report.f1, f1)
    np.testing.assert_array_equal(report.support, support)
    assert report.roc_auc_macro == pytest.approx(
        roc_auc_score(y_test, proba, multi_class="ovr", labels=classes)
    )
    for k, genre in enumerate(classes):
        assert report.roc_auc[k] == pytest.approx(roc_auc_score(y_test == genre, proba[:, k]))
        fpr, tpr = report.roc_curves[genre]
        assert fpr[0] == 0 and tpr[-1] == 1 and np.all(np.diff(fpr) >= 0)
    _, counts = np.unique(y_test, return_counts=True)
    assert report.baseline_accuracy == pytest.approx(counts.max() / len(y_test))
    assert report.baseline_source == "evaluated labels"
    assert report.flags == [] and not report.is_degenerate
    assert report.fold_accuracies is None


def test_report_prints_a_table_with_every_genre(data):
    X, y = data
    report = evaluate(_model().fit(X[:120], y[:120]), X[120:], y[120:])
    text = str(report)
    assert f"accuracy           {report.accuracy:.3f}" in text
    assert f"majority baseline  {report.baseline_accuracy:.3f}" in text
    assert "WARNING" not in text
    for genre in GENRES:
        row = next(line for line in text.splitlines() if line.startswith(genre + " "))
        k = report.labels.index(genre)
        assert f"{report.precision[k]:.3f}" in row and f"{int(report.support[k])}" in row
    assert "confusion matrix" in text
    assert "accuracy=" in repr(report)


def test_explicit_labels_set_the_order(data):
    X, y = data
    model = _model().fit(X[:120], y[:120])
    order = list(GENRES[::-1])
    report = evaluate(model, X[120:], y[120:], labels=order)
    assert report.labels == order
    np.testing.assert_array_equal(
        report.confusion, confusion_matrix(y[120:], model.predict(X[120:]), labels=order)
    )
    with pytest.raises(DatasetError, match="jazz"):
        evaluate(model, X[120:], y[120:], labels=["blues", "classical", "metal"])


def test_decision_function_is_used_without_predict_proba(data):
    X, y = data
    model = make_pipeline(StandardScaler(), SVC()).fit(X[:120], y[:120])
    report = evaluate(model, X[120:], y[120:])
    scores = model.decision_function(X[120:])
    for k, genre in enumerate(model.classes_):
        assert report.roc_auc[k] == pytest.approx(roc_auc_score(y[120:] == genre, scores[:, k]))


def test_model_without_scores_has_undefined_auc(data):
    X, y = data
    report = evaluate(_PredictOnly().fit(X[:120], y[:120]), X[120:], y[120:])
    assert np.isnan(report.roc_auc).all() and np.isnan(report.roc_auc_macro)
    assert report.roc_curves == {}
    assert "ROC AUC (macro)    n/a" in str(report)
    assert report.to_dict()["roc_auc_macro"] is None


def test_cross_evaluate_pools_out_of_fold_predictions(data):
    X, y = data
    folds = StratifiedKFold(n_splits=4)
    report = cross_evaluate(_model(), X, y, cv=4)
    y_pred = cross_val_predict(_model(), X, y, cv=folds)
    proba = cross_val_predict(_model(), X, y, cv=folds, method="predict_proba")
    np.testing.assert_array_equal(report.y_pred, y_pred)
    assert report.accuracy == pytest.approx(accuracy_score(y, y_pred))
    assert report.balanced_accuracy == pytest.approx(balanced_accuracy_score(y, y_pred))
    np.testing.assert_array_equal(report.confusion, confusion_matrix(y, y_pred))
    assert report.roc_auc_macro == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"))
    np.testing.assert_allclose(
        report.fold_accuracies, cross_val_score(_model(), X, y, cv=folds, scoring="accuracy")
    )
    majority = cross_val_predict(DummyClassifier(strategy="most_frequent"), X, y, cv=folds)
    assert report.baseline_accuracy == pytest.approx(accuracy_score(y, majority))
    assert report.baseline_source == "training folds"
    assert "4-fold" in report.method and "per fold" in str(report)


def test_cross_evaluate_with_groups_uses_group_folds_and_accepts_lists(data):
    X, y = data
    groups = np.arange(len(y)) // 5
    report = cross_evaluate(_model(), [list(row) for row in X], y, cv=4, groups=groups)
    expected = cross_val_predict(_model(), X, y, cv=StratifiedGroupKFold(4), groups=groups)
    np.testing.assert_array_equal(report.y_pred, expected)


def test_cross_evaluate_refuses_folds_that_are_not_a_partition(data):
    X, y = data
    with pytest.raises(DatasetError, match="exactly once"):
        cross_evaluate(_model(), X, y, cv=ShuffleSplit(n_splits=3, random_state=0))
    with pytest.raises(DatasetError, match="199"):
        cross_evaluate(_model(), X[:-1], y)


@pytest.mark.parametrize("how", ["held-out", "cross-validated"])
def test_constant_model_is_flagged_and_warned(data, how):
    X, y = data
    dummy = DummyClassifier(strategy="most_frequent")
    with pytest.warns(DegenerateModelWarning, match="collapsed onto one genre"):
        if how == "held-out":
            report = evaluate(dummy.fit(X[:120], y[:120]), X[120:], y[120:])
        else:
            report = cross_evaluate(dummy, X, y, cv=4)
    assert report.is_degenerate
    assert any("collapsed" in flag for flag in report.flags)
    assert any("majority baseline" in flag for flag in report.flags)
    assert any("chance" in flag for flag in report.flags)
    assert str(report).splitlines()[1].startswith("WARNING: ")
    assert report.to_dict()["flags"] == report.flags


def test_below_baseline_is_flagged_on_imbalanced_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.where(rng.random(200) < 0.8, "rock", np.where(rng.random(200) < 0.5, "pop", "jazz"))
    guesser = DummyClassifier(strategy="uniform", random_state=0).fit(X, y)
    with pytest.warns(DegenerateModelWarning, match="majority baseline"):
        report = evaluate(guesser, X, y)
    assert report.accuracy < report.baseline_accuracy == pytest.approx(np.mean(y == "rock"))
    assert report.baseline_labels == ["rock"]
    assert not any("collapsed" in flag for flag in report.flags)


def test_report_json_round_trips(data):
    X, y = data
    guesser = DummyClassifier(strategy="stratified", random_state=0)
    with pytest.warns(DegenerateModelWarning):
        report = cross_evaluate(guesser, X, y, cv=4)
    assert report.flags
    text = report.to_json()
    assert json.loads(text) == report.to_dict()
    again = EvaluationReport.from_json(text)
    assert again.to_dict() == report.to_dict()
    assert str(again) == str(report)
    np.testing.assert_array_equal(again.confusion, report.confusion)
    with pytest.raises(DatasetError, match="not an EvaluationReport"):
        EvaluationReport.from_dict({"labels": []})


def test_compare_classifiers_uses_the_same_folds_for_all(data):
    X, y = data
    comparison = compare_classifiers(X, y, cv=4, random_state=1)
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=1)
    assert list(comparison.scores) == ["LR", "LDA", "KNN", "CART", "NB", "SVM"]
    for name in ("CART", "SVM"):
        expected = cross_val_score(default_classifiers(random_state=1)[name], X, y, cv=folds)
        np.testing.assert_allclose(comparison.scores[name], expected)
    majority = cross_val_score(DummyClassifier(strategy="most_frequent"), X, y, cv=folds)
    np.testing.assert_allclose(comparison.baseline, majority)
    means = {name: np.mean(s) for name, s in comparison.scores.items()}
    assert comparison.best == max(means, key=means.get)
    text = str(comparison)
    for name, values in comparison.scores.items():
        assert f"{np.mean(values):.3f} ± {np.std(values):.3f}" in text
        assert name in text
    as_dict = json.loads(comparison.to_json())
    assert as_dict == comparison.to_dict()
    assert as_dict["summary"]["LR"]["mean"] == pytest.approx(means["LR"])


def test_compare_classifiers_with_own_classifiers_and_scoring(data):
    X, y = data
    candidates = [("lda", _model()), ("dummy", DummyClassifier())]
    folds = list(StratifiedKFold(n_splits=3).split(X, y))
    # Threads exercise the parallel dispatch without paying for worker processes.
    with parallel_config(backend="threading"):
        comparison = compare_classifiers(
            X, y, classifiers=candidates, cv=folds, scoring="balanced_accuracy", n_jobs=2
        )
    assert list(comparison.scores) == ["lda", "dummy"]
    expected = cross_val_score(_model(), X, y, cv=folds, scoring="balanced_accuracy")
    np.testing.assert_allclose(comparison.scores["lda"], expected)
    assert "balanced_accuracy over 3 folds" in str(comparison)
    assert "<= baseline" in next(
        line for line in str(comparison).splitlines() if line.startswith("dummy")
    )
