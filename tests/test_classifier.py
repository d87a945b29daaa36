"""GenreClassifier: the scikit-learn workflow on synthetic signals and real GTZAN clips."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from generify import AudioError, GenreClassifier, MFCCTransformer
from generify.classifier import FeatureColumns, Timeline


@pytest.fixture
def toy_tracks(tone):
    """Low tones are 'bass', high tones 'treble': separable by MFCCs."""
    rng = np.random.default_rng(0)
    X, y = [], []
    for i in range(12):
        low = i % 2 == 0
        freq = rng.uniform(80, 200) if low else rng.uniform(2000, 4000)
        noise = 0.01 * rng.standard_normal(11025).astype(np.float32)
        X.append(tone(freq, 0.5) + noise)
        y.append("bass" if low else "treble")
    return X, np.array(y)


def test_fit_predict_on_waveforms(toy_tracks):
    X, y = toy_tracks
    model = GenreClassifier().fit(X, y)
    assert list(model.classes_) == ["bass", "treble"]
    assert model.score(X, y) == 1.0
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.n_tracks_ == model.n_segments_ == 12


def test_segments_are_averaged_per_track(toy_tracks):
    X, y = toy_tracks
    model = GenreClassifier(segment_duration=0.1).fit(X, y)
    assert model.n_tracks_ == 12 and model.n_segments_ == 60
    timeline = model.predict_timeline(X[0])
    assert isinstance(timeline, Timeline)
    np.testing.assert_allclose(timeline.starts, [0.0, 0.1, 0.2, 0.3, 0.4], atol=1e-6)
    np.testing.assert_allclose(timeline.probabilities.mean(axis=0), model.predict_proba(X[:1])[0])
    assert timeline.to_dict()["segments"][0]["genre"] in model.classes_


def test_classifier_steps_predict_from_feature_rows(toy_tracks):
    X, y = toy_tracks
    model = GenreClassifier(segment_duration=None).fit(X, y)
    rows = model.features_.transform(X)
    np.testing.assert_array_equal(model.classifier_.predict(rows), model.predict(X))
    assert list(model.classifier_[0].get_feature_names_out()) == list(model.feature_names_)
    with pytest.raises(ValueError, match="expects 13"):
        model.classifier_.predict(rows[:, :5])


def test_fit_features_route_equals_audio_route(toy_tracks):
    X, y = toy_tracks
    features = MFCCTransformer(statistics=("mean", "std"))
    rows = clone(features).fit_transform(X)
    from_audio = GenreClassifier(features, segment_duration=None).fit(X, y)
    from_rows = GenreClassifier(features, segment_duration=None).fit_features(
        rows, y, feature_names=features.get_feature_names_out()
    )
    np.testing.assert_allclose(from_rows.predict_proba(X), from_audio.predict_proba(X))
    with pytest.raises(ValueError, match="feature_names differ"):
        GenreClassifier(features).fit_features(rows, y, feature_names=["a"] * rows.shape[1])


def test_feature_columns_reorders_named_columns():
    step = FeatureColumns(feature_names=["a", "b"]).fit(np.zeros((2, 2)))

    class Frame:  # the part of a data frame FeatureColumns relies on
        columns = ("b", "a")

        def __getitem__(self, names):
            return np.array([[{"a": 1.0, "b": 2.0}[n] for n in names]])

    np.testing.assert_array_equal(step.transform(Frame()), [[1.0, 2.0]])


def test_pipeline_gridsearch_cross_val_clone_pickle(toy_tracks, tmp_path):
    X, y = toy_tracks
    seed = make_pipeline(StandardScaler(), LogisticRegression())
    model = GenreClassifier(MFCCTransformer(), seed, segment_duration=None)
    grid = GridSearchCV(
        model,
        {"features__numcep": [8, 13], "classifier__logisticregression__C": [0.1, 1.0]},
        cv=StratifiedKFold(3),
    ).fit(X, y)
    assert grid.best_score_ >= 0.8
    assert set(grid.cv_results_["param_features__numcep"]) == {8, 13}
    scores = cross_val_score(GenreClassifier(MFCCTransformer(numcep=8)), X, y, cv=3)
    assert scores.mean() >= 0.8
    fitted = clone(model).fit(X, y)
    joblib.dump(fitted, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib").predict(X), fitted.predict(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X), fitted.predict(X))
    outer = Pipeline([("genre", GenreClassifier())]).fit(X, y)
    assert outer.score(X, y) == 1.0


def test_nested_parameters(toy_tracks):
    model = GenreClassifier(MFCCTransformer(), SVC())
    model.set_params(features__numcep=5, classifier__C=3.0)
    assert model.features.numcep == 5 and model.classifier.C == 3.0


def test_on_error_skip_in_fit_and_predict(toy_tracks, tmp_path):
    X, y = toy_tracks
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"\x00garbage" * 50)
    model = GenreClassifier(on_error="skip").fit([*X, bad], [*y, "bass"])
    assert model.n_tracks_ == 12
    assert [s.source for s in model.skipped_] == [str(bad)]
    assert model.predict([bad, X[0]]).shape == (1,)


@pytest.mark.parametrize(
    "params", [{"segment_duration": 0}, {"on_error": "ignore"}, {"features": "mfcc"}]
)
def test_invalid_parameters(toy_tracks, params):
    X, y = toy_tracks
    with pytest.raises(ValueError):
        GenreClassifier(**params).fit(X, y)


def test_mismatched_lengths(toy_tracks):
    X, y = toy_tracks
    with pytest.raises(ValueError, match="12 tracks but y has 11"):
        GenreClassifier().fit(X, y[:-1])


def test_real_gtzan_above_chance(gtzan_dir):
    from generify.datasets import load_gtzan

    data = load_gtzan(gtzan_dir)
    clip = np.array([int(c.rsplit(".", 1)[1]) for c in data.clip_ids])
    train, test = clip < 7, (clip >= 7) & (clip <= 9)
    model = GenreClassifier(segment_duration=15.0, n_jobs=2)
    model.fit(np.asarray(data.filenames)[train], data.target[train])
    accuracy = model.score(np.asarray(data.filenames)[test], data.target[test])
    # Measured 0.70 (21 of 30; chance is 0.1).  The binomial standard error of that
    # figure on 30 clips is sqrt(0.7 * 0.3 / 30) = 0.084: the bound sits two below it.
    assert accuracy >= 0.70 - 2 * 0.084, accuracy


def test_runtime_settings_apply_after_fit(toy_tracks, tmp_path):
    X, y = toy_tracks
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"\x00garbage" * 50)
    model = GenreClassifier(segment_duration=None).fit(X, y)
    model.set_params(on_error="skip")
    assert model.predict([bad, X[1]]).shape == (1,)
    model.set_params(on_error="raise")
    with pytest.raises(AudioError, match="bad"):
        model.predict([bad, X[1]])


def test_silence_around_a_song_does_not_change_its_genre(toy_tracks):
    X, y = toy_tracks
    model = GenreClassifier(segment_duration=0.2).fit(X, y)
    song = X[1]  # its first and last samples pass -60 dBFS: trimming gives it back whole
    padded = np.concatenate([np.zeros(11025), song, np.zeros(22050)]).astype(np.float32)
    np.testing.assert_array_equal(model.predict_proba([padded]), model.predict_proba([song]))
    timeline = model.predict_timeline(padded)
    assert timeline.starts[0] == pytest.approx(0.5) and timeline.ends[-1] == pytest.approx(1.0)
    untrimmed = clone(model).set_params(trim_db=None).fit(X, y)
    assert not np.allclose(untrimmed.predict_proba([padded]), untrimmed.predict_proba([song]))


def test_a_silent_track_is_unreadable(toy_tracks):
    X, y = toy_tracks
    model = GenreClassifier(on_error="skip").fit(X, y)
    assert model.predict([X[0], np.zeros(22050), X[1]]).shape == (2,)
    assert "silent" in model.skipped_[0].reason and model.skipped_[0].source == "X[1]"
    with pytest.raises(ValueError, match="trim_db"):
        model.set_params(trim_db=6.0).predict(X)


def test_short_tail_joins_the_last_segment(toy_tracks, tone):
    X, y = toy_tracks
    model = GenreClassifier(segment_duration=0.1, trim_db=None).fit(X, y)
    timeline = model.predict_timeline(tone(150, 0.53))  # 5 segments + a 0.03-s tail
    np.testing.assert_allclose(timeline.starts, [0.0, 0.1, 0.2, 0.3, 0.4], atol=1e-6)
    assert timeline.ends[-1] == pytest.approx(0.53, abs=1e-4)
    longer = model.predict_timeline(tone(150, 0.57))  # a 0.07-s tail is a segment
    assert len(longer.starts) == 6
