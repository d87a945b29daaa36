"""save_model / load_model: atomic and durable saving, clear messages for bad files."""

from __future__ import annotations

import errno
import os
import pickle
import stat
import sys
import types
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from generify import (
    GenreClassifier,
    MFCCTransformer,
    ModelError,
    load_model,
    persistence,
    save_model,
)
from generify.persistence import ModelVersionWarning, atomic_write
from generify.portable import save_portable


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    t = np.arange(11025) / 22050
    X = [
        np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(t.size) for f in (200, 230, 900, 950)
    ]
    return GenreClassifier(MFCCTransformer(numcep=8), segment_duration=None).fit(
        X, ["low", "low", "high", "high"]
    ), X


def test_round_trip_with_metadata(model, tmp_path):
    clf, X = model
    path = save_model(clf, tmp_path / "sub" / "m.joblib")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    meta = loaded.generify_metadata_
    assert meta["classes"] == ["high", "low"] and meta["n_tracks"] == 4
    assert meta["versions"]["scikit-learn"] == sklearn.__version__


def test_saved_file_has_the_usual_permissions(model, tmp_path):
    umask = os.umask(0o022)
    try:
        path = save_model(model[0], tmp_path / "m.joblib")
    finally:
        os.umask(umask)
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _disk_full(*args, **kwargs):
    """Stands in for joblib.dump / np.savez_compressed: writes 4 kB, then the disk is full."""
    handle = next(a for a in args if hasattr(a, "write"))
    handle.write(b"\0" * 4096)
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    ("save", "writer"),
    [(save_model, (joblib, "dump")), (save_portable, (np, "savez_compressed"))],
    ids=["pickle", "portable"],
)
def test_a_failing_write_leaves_the_old_model_intact(model, tmp_path, monkeypatch, save, writer):
    clf, X = model
    path = save(clf, tmp_path / "m.model")
    before = path.read_bytes()
    monkeypatch.setattr(*writer, _disk_full)
    with pytest.raises(OSError, match="No space left"):
        save(clf, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []  # the temporary file is gone
    np.testing.assert_array_equal(load_model(path).predict_proba(X), clf.predict_proba(X))


def test_a_crash_before_the_rename_leaves_the_old_model_intact(model, tmp_path, monkeypatch):
    path = save_model(model[0], tmp_path / "m.joblib")
    before = path.read_bytes()

    def crash(*args):
        raise KeyboardInterrupt  # e.g. Ctrl-C between fsync and rename

    monkeypatch.setattr(persistence.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(model[0], path)
    assert path.read_bytes() == before and _leftovers(tmp_path) == []


def test_data_and_directory_are_synced_before_and_after_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        persistence.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1]
    )
    monkeypatch.setattr(
        persistence.os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b))[1]
    )
    atomic_write(tmp_path / "f.bin", lambda handle: handle.write(b"data"))
    expected = ["fsync", "rename"] + ([] if sys.platform == "win32" else ["fsync"])
    assert events == expected
    assert (tmp_path / "f.bin").read_bytes() == b"data"


def _joblib_file(path, payload):
    joblib.dump(payload, path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "no such model file"),
        (lambda p: (p.write_bytes(b""), p)[1], "it is empty"),
        (lambda p: (p.write_text("just some text\n"), p)[1], "not a generify model file"),
        (lambda p: _joblib_file(p, {"weights": [1, 2]}), "a pickled dict, not written by"),
        (lambda p: _joblib_file(p, LogisticRegression()), "a pickled LogisticRegression"),
        (
            lambda p: _joblib_file(p, {"format": "generify-model", "format_version": 99}),
            "newer generify",
        ),
        (
            lambda p: _joblib_file(p, {"format": "generify-model", "format_version": 1}),
            "no metadata",
        ),
    ],
    ids=["missing", "empty", "text", "other pickle", "bare estimator", "newer", "no metadata"],
)
def test_not_a_generify_model(tmp_path, make, message):
    path = make(tmp_path / "x.joblib")
    with pytest.raises(ModelError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("save", [save_model, save_portable], ids=["pickle", "portable"])
@pytest.mark.parametrize("estimator", [GenreClassifier, LogisticRegression])
def test_an_unfitted_model_is_not_saved(tmp_path, save, estimator):
    path = tmp_path / "unfit.model"
    with pytest.raises(ModelError, match=f"not saved: the {estimator.__name__} is not fitted"):
        save(estimator(), path)
    assert list(tmp_path.iterdir()) == []


def test_an_unfitted_model_in_a_file_is_refused(tmp_path):
    """Even with a stored metadata attribute, which would make check_is_fitted pass."""
    unfitted = GenreClassifier()
    for stored in (None, {"versions": {}}):
        if stored is not None:
            unfitted.generify_metadata_ = stored  # as an older load_model left it
        path = _joblib_file(
            tmp_path / "unfit.joblib",
            {"format": "generify-model", "format_version": 1, "metadata": {}, "model": unfitted},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # refused before any version warning
            with pytest.raises(ModelError, match="holds an unfitted GenreClassifier") as info:
                load_model(path)
        assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "entry",
    [5, [1, 2], None, LogisticRegression, StandardScaler().fit([[0.0], [1.0]])],
    ids=["int", "list", "None", "a class", "no predict"],
)
def test_a_model_entry_that_is_not_a_model(tmp_path, entry):
    path = _joblib_file(
        tmp_path / "x.joblib",
        {"format": "generify-model", "format_version": 1, "metadata": {}, "model": entry},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no version warning about a file that is refused
        with pytest.raises(ModelError, match="damaged generify model file") as info:
            load_model(path)
    assert str(path) in str(info.value)
    assert f"model entry is a {type(entry).__name__}," in str(info.value)


@pytest.mark.parametrize("save", [save_model, save_portable], ids=["pickle", "portable"])
@pytest.mark.parametrize(
    "entry", [5, StandardScaler().fit([[0.0], [1.0]])], ids=["int", "no predict"]
)
def test_only_estimators_that_predict_are_saved(tmp_path, save, entry):
    with pytest.raises(ModelError, match="not a scikit-learn estimator with predict"):
        save(entry, tmp_path / "x.model")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95])
@pytest.mark.parametrize("compress", [0, 3])
def test_truncated_model_file(model, tmp_path, fraction, compress):
    path = save_model(model[0], tmp_path / "m.joblib", compress=compress)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ModelError, match="damaged generify model file") as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_a_model_missing_a_parameter_is_refused(tmp_path):
    """E.g. a parameter the running scikit-learn has and the saving one had not."""
    incomplete = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    del incomplete.solver  # read by scikit-learn's tags, hence by check_is_fitted
    path = _joblib_file(
        tmp_path / "x.joblib",
        {"format": "generify-model", "format_version": 1, "metadata": {}, "model": incomplete},
    )
    with pytest.raises(ModelError, match="LogisticRegression it holds is incomplete") as info:
        load_model(path)
    assert "solver" in str(info.value) and str(path) in str(info.value)


def _saved_without(model, path, parameter):
    """``model`` saved to ``path`` as if ``parameter`` did not exist (damaged, or older)."""
    save_model(model, path)
    payload = joblib.load(path)
    delattr(payload["model"], parameter)
    joblib.dump(payload, path)
    return path


def test_a_generify_model_missing_a_parameter_is_refused(model, tmp_path):
    path = _saved_without(model[0], tmp_path / "m.joblib", "segment_duration")
    with pytest.raises(ModelError, match="GenreClassifier it holds is incomplete") as info:
        load_model(path)
    assert "segment_duration" in str(info.value) and str(path) in str(info.value)


def test_a_pickle_from_before_trim_db_predicts_as_it_did(model, tmp_path):
    clf, X = model
    untrimmed = clone(clf).set_params(trim_db=None).fit(X, ["low", "low", "high", "high"])
    loaded = load_model(_saved_without(untrimmed, tmp_path / "old.joblib", "trim_db"))
    assert loaded.get_params()["trim_db"] is None
    padded = [np.concatenate([np.zeros(4096), x]) for x in X]
    np.testing.assert_array_equal(loaded.predict_proba(padded), untrimmed.predict_proba(padded))
    # a model that has the parameter keeps its own value
    assert pickle.loads(pickle.dumps(clone(clf).set_params(trim_db=-40.0))).trim_db == -40.0


def test_programming_errors_are_not_called_damage(model, tmp_path, monkeypatch):
    path = save_model(model[0], tmp_path / "m.joblib")

    def bug(*args, **kwargs):
        raise RuntimeError("a bug in a __setstate__")

    monkeypatch.setattr(persistence.joblib, "load", bug)
    with pytest.raises(RuntimeError, match="a bug in a __setstate__"):
        load_model(path)


def test_model_from_other_versions_warns_once(model, tmp_path, monkeypatch):
    clf, X = model
    # as written by scikit-learn 1.4 and generify 0.0.9: sklearn's own pickle stamp too
    monkeypatch.setattr(sklearn.base, "__version__", "1.4.0")
    monkeypatch.setattr(
        persistence,
        "_versions",
        lambda: {"generify": "0.0.9", "scikit-learn": "1.4.0", "numpy": np.__version__},
    )
    path = save_model(clf, tmp_path / "old.joblib")
    monkeypatch.undo()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model(path)
    messages = [str(w.message) for w in caught]
    assert [w.category for w in caught] == [ModelVersionWarning], messages
    assert "generify 0.0.9" in messages[0] and "scikit-learn 1.4.0" in messages[0]
    assert str(path) in messages[0]
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_model_needing_a_class_this_version_lacks(tmp_path, monkeypatch):
    """A class renamed or removed since the model was saved: say so, not "damaged"."""
    module = types.ModuleType("generify._gone")

    class OldFeatures:
        pass

    OldFeatures.__module__ = "generify._gone"
    OldFeatures.__qualname__ = "OldFeatures"
    module.OldFeatures = OldFeatures
    monkeypatch.setitem(sys.modules, "generify._gone", module)
    payload = {
        "format": "generify-model",
        "format_version": 1,
        "metadata": {},
        "model": OldFeatures(),
    }
    path = tmp_path / "old.joblib"
    joblib.dump(payload, path)
    monkeypatch.delitem(sys.modules, "generify._gone")
    with pytest.raises(ModelError, match="saved by other versions") as info:
        load_model(path)
    assert "generify._gone" in str(info.value) and str(path) in str(info.value)


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_allow_pickle_false_refuses_pickles_without_running_them(tmp_path):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.joblib"
    with path.open("wb") as handle:
        pickle.dump({"format": "generify-model", "x": _Exploit(str(target))}, handle)
    with pytest.raises(ModelError, match="allow_pickle=False"):
        load_model(path, allow_pickle=False)
    assert not target.exists()


def test_load_model_reads_portable_files_too(model, tmp_path):
    clf, X = model
    path = save_portable(clf, tmp_path / "m.npz")
    for allow_pickle in (True, False):
        loaded = load_model(path, allow_pickle=allow_pickle)
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
