"""Portable model files: exact round trips, and loading that never runs code."""

from __future__ import annotations

import json
import math
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, QuantileTransformer, StandardScaler
from sklearn.svm import SVC

from generify import GenreClassifier, MFCCTransformer, ModelError, load_model, portable, save_model
from generify import features as feature_module
from generify.persistence import ModelVersionWarning
from generify.portable import MARKER, is_portable, load_portable, save_portable


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 6))
    y = np.array(["rock", "jazz", "pop"] * 30)
    X[y == "rock"] += 1.0
    X[y == "jazz", :3] -= 1.0
    return X, y


ESTIMATORS = {
    "LogisticRegression": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "SVC(probability)": lambda: make_pipeline(
        QuantileTransformer(n_quantiles=40), SVC(probability=True, random_state=0)
    ),
    "LinearDiscriminantAnalysis": lambda: LinearDiscriminantAnalysis(store_covariance=True),
    "KNeighbors(kd_tree)": lambda: KNeighborsClassifier(n_neighbors=7),
    "KNeighbors(ball_tree, p=3)": lambda: KNeighborsClassifier(algorithm="ball_tree", p=3),
    "KNeighbors(brute, distance)": lambda: KNeighborsClassifier(
        algorithm="brute", weights="distance"
    ),
    "MLPClassifier": lambda: MLPClassifier(
        hidden_layer_sizes=(16, 8), max_iter=300, random_state=0
    ),
    "MLPClassifier(sgd)": lambda: MLPClassifier(solver="sgd", max_iter=50, random_state=0),
    "VotingClassifier(soft)": lambda: VotingClassifier(
        [
            ("lr", make_pipeline(StandardScaler(), LogisticRegression())),
            ("svc", SVC(probability=True, random_state=0)),
            ("knn", KNeighborsClassifier()),
        ],
        voting="soft",
    ),
    "CalibratedClassifierCV(sigmoid)": lambda: CalibratedClassifierCV(SVC(), cv=3),
    # what scikit-learn 1.9 recommends instead of SVC(probability=True)
    "CalibratedClassifierCV(SVC, ensemble=False)": lambda: CalibratedClassifierCV(
        SVC(), ensemble=False
    ),
    "CalibratedClassifierCV(isotonic)": lambda: CalibratedClassifierCV(
        LogisticRegression(), cv=3, method="isotonic"
    ),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_round_trip_keeps_predictions(name, rows, tmp_path):
    X, y = rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the small fits
        model = ESTIMATORS[name]().fit(X, y)
    path = save_portable(model, tmp_path / "model.npz")
    loaded = load_portable(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params(deep=False).keys() == model.get_params(deep=False).keys()


def test_shared_objects_stay_shared(rows, tmp_path):
    X, y = rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # SVC(probability=True) in 1.9
        vote = ESTIMATORS["VotingClassifier(soft)"]().fit(X, y)
    loaded = load_portable(save_portable(vote, tmp_path / "v.npz"))
    assert all(
        loaded.named_estimators_[n] is e for n, e in zip(["lr", "svc", "knn"], loaded.estimators_)
    )


def test_mlp_keeps_training_identically_after_loading(rows, tmp_path):
    X, y = rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = MLPClassifier(max_iter=20, random_state=0).fit(X, y)
        loaded = load_portable(save_portable(mlp, tmp_path / "mlp.npz"))
        for _ in range(3):  # optimizer moments and random state were stored too
            mlp.partial_fit(X, y)
            loaded.partial_fit(X, y)
    for a, b in zip(mlp.coefs_, loaded.coefs_):
        np.testing.assert_array_equal(a, b)


def test_values_json_cannot_hold(rows, tmp_path):
    X, y = rows
    model = LogisticRegression().fit(X, y)
    model.extra_ = {
        "nan": math.nan,
        "inf": -math.inf,
        3: (1, "a", None),
        "names": np.array(["x", "yy"], dtype=object),
        "scalar": np.float32(0.1),
        "grid": np.arange(6, dtype=np.int16).reshape(2, 3),
    }
    extra = load_portable(save_portable(model, tmp_path / "m.npz")).extra_
    assert math.isnan(extra["nan"]) and extra["inf"] == -math.inf
    assert extra[3] == (1, "a", None)
    assert extra["names"].dtype == object and list(extra["names"]) == ["x", "yy"]
    assert type(extra["scalar"]) is np.float32 and extra["scalar"] == np.float32(0.1)
    assert extra["grid"].dtype == np.int16 and extra["grid"].tolist() == [[0, 1, 2], [3, 4, 5]]


def _tracks():
    rng = np.random.default_rng(1)
    t = np.arange(22050) / 22050
    X = [
        np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(t.size) for f in (200, 240, 850, 900)
    ]
    return X, ["low", "high"] * 2


FEATURE_FAMILIES = {
    "MFCCTransformer": lambda: MFCCTransformer(statistics=("mean", "std")),
    "GTZANFeatures": feature_module.GTZANFeatures,
    "CombinedFeatures": lambda: feature_module.CombinedFeatures(
        [feature_module.ChromaFeatures(), MFCCTransformer(numcep=5)]
    ),
}


@pytest.mark.parametrize("family", list(FEATURE_FAMILIES))
def test_genre_classifier_round_trip(family, tmp_path):
    X, y = _tracks()
    features = FEATURE_FAMILIES[family]()
    model = GenreClassifier(features, segment_duration=0.5, memory=tmp_path / "c").fit(X, y)
    path = save_portable(model, tmp_path / "genre.npz")
    assert is_portable(path)
    loaded = load_model(path, allow_pickle=False)
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-12)
    assert list(loaded.classes_) == list(model.classes_)
    assert loaded.memory is None and loaded.features_.memory is None  # a machine's cache
    assert loaded.generify_metadata_["classes"] == ["high", "low"]
    timeline = loaded.predict_timeline(X[0])
    np.testing.assert_allclose(
        timeline.probabilities, model.predict_timeline(X[0]).probabilities, rtol=1e-12
    )


def _document(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(bytes(archive[MARKER]).decode()), dict(archive)


def _rewrite(path, document, arrays):
    arrays = {k: v for k, v in arrays.items() if k != MARKER}
    marker = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    np.savez(path, **{MARKER: marker}, **arrays)


def test_the_file_holds_only_plain_arrays_and_readable_json(rows, tmp_path):
    X, y = rows
    path = save_portable(LogisticRegression(C=0.5).fit(X, y), tmp_path / "m.npz")
    document, arrays = _document(path)
    assert document["format"] == "generify-portable"
    assert document["model"]["__estimator__"] == "sklearn.linear_model.LogisticRegression"
    assert document["model"]["params"]["C"] == 0.5
    assert all(a.dtype != object for a in arrays.values())
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())


@pytest.mark.parametrize(
    "model",
    [
        make_pipeline(FunctionTransformer(np.log1p), LogisticRegression()),
        RandomForestClassifier(n_estimators=2),
    ],
    ids=["FunctionTransformer", "RandomForestClassifier"],
)
def test_unsupported_estimators_are_named_and_nothing_is_written(model, rows, tmp_path):
    X, y = rows
    model.fit(np.abs(X), y)
    path = tmp_path / "m.npz"
    name = type(model.steps[0][1] if hasattr(model, "steps") else model).__name__
    with pytest.raises(ModelError, match=f"cannot store .*{name}.*save_model"):
        save_portable(model, path)
    assert list(tmp_path.iterdir()) == []


def test_a_forged_class_is_refused_not_imported(rows, tmp_path):
    X, y = rows
    path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")
    document, arrays = _document(path)
    document["model"]["__estimator__"] = "os.system"
    _rewrite(path, document, arrays)
    with pytest.raises(ModelError, match=r"os\.system") as info:
        load_model(path)
    assert str(path) in str(info.value)
    document["model"]["__estimator__"] = "generify.features._base.as_sources"  # not a class
    _rewrite(path, document, arrays)
    with pytest.raises(ModelError, match="as_sources"):
        load_model(path)


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_pickled_arrays_inside_are_refused_not_run(rows, tmp_path):
    X, y = rows
    path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")
    document, arrays = _document(path)
    target = tmp_path / "pwned"
    key = document["model"]["attributes"]["coef_"]["__array__"]
    arrays[key] = np.array([_Exploit(str(target))], dtype=object)
    np.savez(path, **arrays)  # np.savez pickles object arrays
    with pytest.raises(ModelError, match="damaged portable model"):
        load_model(path)
    assert not target.exists()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "damaged portable"),
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "damaged portable"),
        (lambda p: np.savez(p, weights=np.ones(3)), "not a generify model file"),
        (lambda p: _edit(p, format_version=7), "newer generify"),
        (lambda p: _edit(p, format="something-else"), "not a generify portable model"),
        (lambda p: _edit_model(p, lambda m: m.update(params=7)), "damaged"),
        (lambda p: _edit_model(p, lambda m: m.update({"__ref__": 99})), "damaged"),
        (
            lambda p: _edit_model(p, lambda m: m["attributes"]["coef_"].update(__array__="zz")),
            "no array 'zz'",
        ),
        (lambda p: _drop(p, "model"), "no 'model' entry"),
        (lambda p: _drop(p, "format_version"), "no 'format_version' entry"),
        (lambda p: _edit_attribute(p, {"__tuple__": 5}), "'__tuple__' is a int, not a list"),
        (lambda p: _edit_attribute(p, {"__dict__": [1]}), "'__dict__' is a list, not a dict"),
        (lambda p: _edit_attribute(p, {"__pairs__": [[[1], 2]]}), "a list as a dictionary key"),
        (lambda p: _edit_attribute(p, {"__pairs__": [1]}), "not a pair"),
        (lambda p: _edit_attribute(p, {"__objects__": [1, 2], "shape": [3]}), "shape \\[3\\]"),
        (lambda p: _edit_attribute(p, {"__random_state__": 5}), "random state"),
        (lambda p: _edit_attribute(p, {"__tree__": "KDTree"}), "cannot rebuild the KDTree"),
        (lambda p: _edit_model(p, lambda m: m.update(__estimator__=3)), "not a str"),
        (lambda p: _edit_model(p, lambda m: m.update(id=[0])), "'id' is a list"),
        (lambda p: _edit_model(p, lambda m: m.pop("attributes")), "no 'attributes' entry"),
    ],
    ids=[
        "truncated half",
        "truncated 100 bytes",
        "other npz",
        "newer format",
        "other format",
        "bad params",
        "dangling reference",
        "missing array",
        "no model",
        "no format_version",
        "tuple",
        "dict",
        "unhashable key",
        "pairs",
        "object shape",
        "random state",
        "tree",
        "class name",
        "id",
        "no attributes",
    ],
)
def test_damaged_or_foreign_files(rows, tmp_path, damage, message):
    X, y = rows
    path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")
    damage(path)
    with pytest.raises(ModelError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "entry",
    [5, [1, 2], None, "scaler"],
    ids=["int", "list", "None", "no predict"],
)
def test_a_model_entry_that_is_not_a_model(rows, tmp_path, entry):
    X, y = rows
    if entry == "scaler":  # a well-formed estimator that cannot predict
        scaler = save_portable(LogisticRegression().fit(X, y), tmp_path / "s.npz")
        _edit_model(
            scaler,
            lambda m: m.update(
                __estimator__="sklearn.preprocessing.StandardScaler",
                params={},
                attributes={"n_features_in_": 6},
            ),
        )
        path, kind = scaler, "StandardScaler"
    else:
        path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")
        _edit(path, model=entry)
        kind = type(entry).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no version warning about a file that is refused
        with pytest.raises(ModelError, match="damaged portable model file") as info:
            load_model(path)
    assert str(path) in str(info.value) and f"model entry is a {kind}," in str(info.value)


def test_an_unfitted_model_in_a_file_is_refused(rows, tmp_path):
    """Its fitted attributes removed, or replaced by a forged metadata attribute."""
    X, y = rows
    path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")
    for forged in ({}, {"generify_metadata_": {"__dict__": {}}}):
        _edit_model(path, lambda m, forged=forged: m.update(attributes=forged))
        with pytest.raises(ModelError, match="holds an unfitted LogisticRegression") as info:
            load_portable(path)
        assert str(path) in str(info.value)


def _drop(path, key):
    document, arrays = _document(path)
    del document[key]
    _rewrite(path, document, arrays)


def _edit_attribute(path, node):
    _edit_model(path, lambda m: m["attributes"].update(extra_=node))


def _edit(path, **fields):
    document, arrays = _document(path)
    document.update(fields)
    _rewrite(path, document, arrays)


def _edit_model(path, change):
    document, arrays = _document(path)
    change(document["model"])
    _rewrite(path, document, arrays)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is empty"),
        (b"just some text", "not an .npz archive"),
        ("npy", "a numpy .npy array file"),
        ("joblib", r"a joblib file\? use load_model"),
    ],
    ids=["empty", "text", "npy", "joblib"],
)
def test_load_portable_names_what_other_files_are(rows, tmp_path, content, message):
    X, y = rows
    path = tmp_path / "x.model"
    if content == "npy":
        np.save(path.with_suffix(".npy"), np.ones(3))
        path = path.with_suffix(".npy")
    elif content == "joblib":
        save_model(LogisticRegression().fit(X, y), path)
    else:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=f"not a portable model file \\({message}") as info:
        load_portable(path)
    assert str(path) in str(info.value)


def test_every_cut_or_flipped_bit_is_a_model_error_or_loads(rows, tmp_path):
    X, y = rows
    good = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz").read_bytes()
    path = tmp_path / "damaged.npz"
    rng = np.random.default_rng(0)
    damaged = [good[:cut] for cut in range(1, len(good), max(1, len(good) // 40))]
    for position in rng.integers(0, len(good), 150):
        flipped = bytearray(good)
        flipped[position] ^= 1 << int(rng.integers(8))
        damaged.append(bytes(flipped))
    refused = 0
    for data in damaged:
        path.write_bytes(data)
        try:
            load_portable(path)
        except ModelError as exc:
            assert str(exc).startswith(str(path))
            refused += 1
    assert refused > len(damaged) // 2  # the zip's checksums catch most flips


def test_programming_errors_are_not_called_damage(rows, tmp_path, monkeypatch):
    X, y = rows
    path = save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz")

    def bug(self, node):
        raise RuntimeError("a bug in the decoder")

    monkeypatch.setattr(portable._Decoder, "decode", bug)
    with pytest.raises(RuntimeError, match="a bug in the decoder"):
        load_portable(path)


def test_other_versions_warn_once(rows, tmp_path):
    X, y = rows
    model = LogisticRegression().fit(X, y)
    path = save_portable(model, tmp_path / "m.npz")
    document, arrays = _document(path)
    document["metadata"]["versions"].update({"generify": "0.0.9", "scikit-learn": "1.4.0"})
    _rewrite(path, document, arrays)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model(path)
    assert [w.category for w in caught] == [ModelVersionWarning]
    assert "scikit-learn 1.4.0" in str(caught[0].message)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("trim_db", None), ("verbose", GenreClassifier().verbose)],
    ids=["as-before-it-existed", "constructor-default"],
)
def test_parameters_a_file_lacks_are_filled_in(tmp_path, parameter, value):
    """A file from a version before a parameter existed still loads whole.

    trim_db takes the value under which the file's classifier was trained (no
    trimming), so the model predicts as it did when saved; others their defaults.
    """
    X, y = _tracks()
    X = [np.concatenate([np.zeros(4096), x]) for x in X]  # silence that trim_db would cut
    model = GenreClassifier(segment_duration=0.5, trim_db=None).fit(X, y)
    path = save_portable(model, tmp_path / "genre.npz")
    _edit_model(path, lambda m: m["params"].pop(parameter))
    loaded = load_portable(path)
    assert loaded.get_params()[parameter] == value
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-12)


def test_is_portable(tmp_path, rows):
    X, y = rows
    assert is_portable(save_portable(LogisticRegression().fit(X, y), tmp_path / "m.npz"))
    np.savez(tmp_path / "other.npz", a=np.ones(2))
    (tmp_path / "text.npz").write_text("no")
    assert not is_portable(tmp_path / "other.npz")
    assert not is_portable(tmp_path / "text.npz")
    assert not is_portable(tmp_path / "missing.npz")
