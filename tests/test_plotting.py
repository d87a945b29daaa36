import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from generify.errors import AudioError, DatasetError, ModelError
from generify.evaluation import compare_classifiers, evaluate
from generify.plotting import (
    plot_classifier_comparison,
    plot_confusion_matrix,
    plot_roc_curves,
    plot_spectrograms,
    save_roc_curves,
)

matplotlib_image = pytest.importorskip("matplotlib.image", reason="needs generify[plot]")

GENRES = np.array(["blues", "classical", "hip hop/rap", "jazz", "metal"])
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def features():
    X, y = make_classification(
        n_samples=150,
        n_features=6,
        n_informative=4,
        n_classes=5,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X, GENRES[y]


@pytest.fixture(scope="module")
def report(features):
    X, y = features
    model = make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()).fit(X[:100], y[:100])
    return evaluate(model, X[100:], y[100:])


def _read_png(path, *, min_width=300, min_height=300):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = matplotlib_image.imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height
    # A figure that drew nothing would be one flat colour.
    assert pixels[..., :3].std() > 0.05
    return pixels


def test_confusion_matrix_from_report_and_from_counts(report, tmp_path):
    path = tmp_path / "deep" / "er" / "confusion.png"
    fig = plot_confusion_matrix(report, path=path)
    _read_png(path)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(report.labels)
    assert ax.get_xlabel() == "predicted genre" and ax.get_ylabel() == "true genre"
    np.testing.assert_allclose(ax.images[0].get_array(), report.confusion_normalized)
    cell_texts = {t.get_text() for t in ax.texts}
    assert f"{report.confusion_normalized[0, 0]:.2f}" in cell_texts

    counts = np.array([[5, 1], [2, 7]])
    fig = plot_confusion_matrix(counts, labels=["pop", "rock"], normalize=False)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), counts)
    assert {"5", "1", "2", "7"} <= {t.get_text() for t in fig.axes[0].texts}
    with pytest.raises(DatasetError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)))
    with pytest.raises(DatasetError, match="3 labels"):
        plot_confusion_matrix(counts, labels=["a", "b", "c"])


def test_roc_curves_one_genre_and_all(report, tmp_path):
    fig = plot_roc_curves(report, genre="jazz", path=tmp_path / "jazz.png")
    _read_png(tmp_path / "jazz.png")
    lines = fig.axes[0].get_lines()
    fpr, tpr = report.roc_curves["jazz"]
    np.testing.assert_array_equal(lines[0].get_xdata(), fpr)
    np.testing.assert_array_equal(lines[0].get_ydata(), tpr)

    fig = plot_roc_curves(report)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(legend) == len(report.labels) + 1  # every genre and the chance line
    k = report.labels.index("metal")
    assert f"metal (AUC {report.roc_auc[k]:.3f})" in legend
    with pytest.raises(DatasetError, match="reggae"):
        plot_roc_curves(report, genre="reggae")


def test_save_roc_curves_writes_one_file_per_genre(report, tmp_path):
    paths = save_roc_curves(report, tmp_path / "roc")
    names = [p.name for p in paths]
    assert names == [
        "roc_blues.png",
        "roc_classical.png",
        "roc_hip_hop_rap.png",
        "roc_jazz.png",
        "roc_metal.png",
        "roc_all.png",
    ]
    for path in paths:
        _read_png(path)


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_genre_without_samples_is_skipped_with_a_warning(features, tmp_path):
    X, y = features
    model = make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()).fit(X, y)
    no_jazz = y != "jazz"
    partial = evaluate(model, X[no_jazz], y[no_jazz])
    with pytest.warns(UserWarning, match="no ROC curve for 'jazz'"):
        paths = save_roc_curves(partial, tmp_path)
    assert "roc_jazz.png" not in {p.name for p in paths} and len(paths) == len(GENRES)
    with pytest.raises(DatasetError, match="no ROC curve"):
        plot_roc_curves(partial, genre="jazz")


def test_roc_needs_class_scores(features):
    X, y = features
    model = make_pipeline(StandardScaler(), SVC()).fit(X[:100], y[:100])
    scored = evaluate(model, X[100:], y[100:])
    scored.roc_curves = {}
    with pytest.raises(ModelError, match="no ROC curves"):
        plot_roc_curves(scored)


def test_report_save_figures(report, tmp_path):
    paths = report.save_figures(tmp_path / "figures")
    names = {p.name for p in paths}
    assert {"confusion_matrix.png", "confusion_matrix_counts.png", "roc_all.png"} <= names
    assert len(paths) == 2 + len(report.labels) + 1
    for path in paths:
        _read_png(path)


def test_classifier_comparison_box_plot(features, tmp_path):
    X, y = features
    comparison = compare_classifiers(X, y, cv=3)
    path = tmp_path / "comparison.png"
    fig = comparison.plot(path=path)
    _read_png(path, min_width=500)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(comparison.scores)
    assert ax.get_ylabel() == "accuracy per fold"
    baseline = [line for line in ax.get_lines() if "baseline" in str(line.get_label())]
    assert baseline[0].get_ydata()[0] == pytest.approx(np.mean(comparison.baseline))
    assert plot_classifier_comparison(comparison).axes[0].get_title() == ax.get_title()


@pytest.fixture
def tiny_songs(tmp_path):
    import soundfile as sf

    sr = 22050
    t = np.arange(int(0.5 * sr)) / sr
    rng = np.random.default_rng(0)
    signals = {
        "low": 0.5 * np.sin(2 * np.pi * 220 * t),
        "high": 0.5 * np.sin(2 * np.pi * 3000 * t),
        "noise": 0.1 * rng.standard_normal(t.size),
    }
    paths = []
    for name, signal in signals.items():
        path = tmp_path / f"{name}.wav"
        sf.write(path, signal.astype(np.float32), sr)
        paths.append(path)
    return paths


def test_spectrograms_one_panel_per_song(tiny_songs, tmp_path):
    path = tmp_path / "spectrograms.png"
    fig = plot_spectrograms(tiny_songs, labels=["low", "high", "noise"], path=path)
    _read_png(path)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["low", "high", "noise"]
    assert panels[0].get_ylabel() == "frequency (Hz)"
    assert panels[-1].get_xlabel() == "time (s)"
    for ax, tone in zip(panels[:2], (220, 3000)):
        image = ax.images[0]
        bands = image.get_array().mean(axis=1)
        _, _, low, high = image.get_extent()
        centres = np.logspace(low, high, len(bands) + 1)
        loudest = np.sqrt(centres[bands.argmax()] * centres[bands.argmax() + 1])
        assert loudest == pytest.approx(tone, rel=0.05)
    # Plain Hz tick labels on the log-frequency axis.
    assert "1000" in [t.get_text() for t in panels[0].get_yticklabels()]


def test_spectrograms_titles_default_to_file_names(tiny_songs):
    fig = plot_spectrograms(tiny_songs[:1], duration=0.2)
    ax = next(ax for ax in fig.axes if ax.images)
    assert ax.get_title() == "low.wav"
    assert ax.images[0].get_extent()[1] == pytest.approx(0.2)


def test_spectrogram_input_errors(tiny_songs, tmp_path):
    with pytest.raises(AudioError, match="no sources"):
        plot_spectrograms([])
    with pytest.raises(DatasetError, match="2 labels for 3 sources"):
        plot_spectrograms(tiny_songs, labels=["a", "b"])
    with pytest.raises(AudioError, match="shorter than one"):
        plot_spectrograms(tiny_songs[:1], duration=0.05)
    with pytest.raises(AudioError, match=r"missing\.wav"):
        plot_spectrograms([tmp_path / "missing.wav"])


def test_missing_matplotlib_says_how_to_install(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "generify\[plot\]"'):
        plot_confusion_matrix(report)
