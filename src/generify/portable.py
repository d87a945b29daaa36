"""Portable model files: plain arrays and JSON, loaded without running any code.

A pickle (``save_model``) can hold anything, so loading one runs whatever it names.  A
portable file is a single ``.npz`` archive that holds only numbers and text:

- ``__generify_portable__``: a JSON document (UTF-8 bytes) with the format version, the
  model's metadata (versions, classes, ...) and the model as a tree: each estimator is
  its class (from a fixed list of supported classes), its constructor parameters and
  its fitted attributes; arrays are named references to
- ``a0``, ``a1``, ...: the fitted arrays, read with ``allow_pickle=False``.

Loading imports nothing named by the file beyond the supported classes, and calls no
function named by the file: the worst a forged file can do is fail to load.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import math
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError
from .persistence import (
    _METADATA_ATTRIBUTE,
    _PICKLE_MAGICS,
    _check_savable,
    _checked_model,
    _warn_on_version_mismatch,
    atomic_write,
    model_metadata,
)

__all__ = ["SUPPORTED_ESTIMATORS", "is_portable", "load_portable", "save_portable"]

FORMAT = "generify-portable"
FORMAT_VERSION = 1
MARKER = "__generify_portable__"

#: Estimators a portable file may hold, by their public import path.  Every audio
#: feature transformer of ``generify.features`` is supported as well.
SUPPORTED_ESTIMATORS = (
    "generify.classifier.GenreClassifier",
    "generify.classifier.FeatureColumns",
    "generify.preprocessing.LevelInvariantColumns",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing.StandardScaler",
    "sklearn.preprocessing.QuantileTransformer",
    "sklearn.preprocessing.LabelEncoder",
    "sklearn.preprocessing.LabelBinarizer",
    "sklearn.linear_model.LogisticRegression",
    "sklearn.svm.SVC",
    "sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
    "sklearn.neighbors.KNeighborsClassifier",
    "sklearn.neural_network.MLPClassifier",
    "sklearn.ensemble.VotingClassifier",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
)

#: Helper objects inside supported estimators that are not estimators themselves;
#: stored as their attributes (``vars``).
_PLAIN_OBJECTS = (
    "generify.features._base.SkippedFile",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
)

_FEATURES_MODULE = re.compile(r"generify\.features(\.[a-z_][a-z0-9_]*)?")

#: How a zip archive (an .npz) starts: a first member, or the end of an empty archive.
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

#: What reading a truncated or altered archive raises (measured by cutting and flipping
#: bits of saved models): zipfile, zlib and numpy's .npy reader, with NotImplementedError
#: when a flipped flag reads as a zip feature zipfile lacks; json on a damaged document
#: (ValueError); json and the decoder on a document nested deeper than Python recurses.
_DAMAGED = (
    OSError,
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RecursionError,
)


def is_portable(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a portable generify model file (a zip holding the marker).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    bool
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{MARKER}.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def save_portable(model: Any, path: str | os.PathLike) -> Path:
    """Write a fitted model as plain arrays and JSON (a ``.npz`` file), atomically.

    Parameters
    ----------
    model : estimator
        Built only of :data:`SUPPORTED_ESTIMATORS` and generify's feature
        transformers, e.g. a :class:`~generify.GenreClassifier`.
    path : str or os.PathLike
        Destination, conventionally ``*.npz``.  Parent directories are created.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    ModelError
        The model is not a fitted scikit-learn estimator with ``predict``, or holds an
        estimator or a value the format cannot store (the message names its class);
        nothing is written.

    Notes
    -----
    The ``memory`` parameter of generify's estimators (a cache directory of this
    machine) is stored as ``None``; set it again after loading if wanted.
    """
    _check_savable(model, path)
    encoder = _Encoder()
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": model_metadata(model),
        "model": encoder.encode(model),
    }
    text = json.dumps(document, allow_nan=False, separators=(",", ":"), default=_plain)
    arrays = {MARKER: np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **encoder.arrays}
    return atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))


def load_portable(path: str | os.PathLike) -> Any:
    """Load a model written by :func:`save_portable`, running no code from the file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    estimator
        The fitted model; its metadata is in ``model.generify_metadata_``.

    Raises
    ------
    ModelError
        The file is missing, not a portable generify model, truncated or damaged,
        written by a newer format, or names an estimator this version does not support.

    Warns
    -----
    ModelVersionWarning
        The model was saved with other versions of generify, scikit-learn or numpy.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head.startswith(_ZIP_MAGICS):
        raise ModelError(f"{path}: not a portable model file ({_what_it_is(head)})")
    try:
        # np.load leaves the file open when it is a damaged zip: own the handle
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
            if MARKER not in archive.files:
                raise ModelError(f"{path}: an .npz archive, but not a generify model file")
            document = json.loads(bytes(archive[MARKER]).decode("utf-8"))
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise ModelError(f"{path}: not a generify portable model")
            for key in ("format_version", "model"):
                if key not in document:
                    raise ModelError(f"{path}: damaged portable model file (no {key!r} entry)")
            version = document["format_version"]
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise ModelError(
                    f"{path}: written by a newer generify (portable format {version}); "
                    "upgrade generify to load it"
                )
            metadata = document.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            saved = metadata.get("versions")
            saved = saved if isinstance(saved, dict) else {}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = _Decoder(archive, saved.get("scikit-learn")).decode(document["model"])
    except ModelError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ModelError(f"{path}: {exc}") from exc
    except _DAMAGED as exc:
        raise ModelError(
            f"{path}: damaged portable model file (truncated?): {type(exc).__name__}: {exc}"
        ) from exc
    model = _checked_model(path, model, kind="portable model file")
    _warn_on_version_mismatch(path, saved, caught)
    setattr(model, _METADATA_ATTRIBUTE, metadata)
    return model


def _what_it_is(head: bytes) -> str:
    """What a file that is not a zip archive seems to be, from its first bytes."""
    if not head:
        return "it is empty"
    if head.startswith(b"\x93NUMPY"):
        return "a numpy .npy array file, not an .npz archive"
    if head.startswith(_PICKLE_MAGICS):
        return "a joblib file? use load_model"
    return "not an .npz archive"


# -- encoding ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON fallback for the metadata: numpy scalars as Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _public_name(cls: type) -> str | None:
    """The path a supported class is stored under, or None if it is not supported."""
    from . import features

    if issubclass(cls, features.AudioFeatureTransformer):
        if getattr(features, cls.__name__, None) is cls:
            return f"generify.features.{cls.__name__}"
        return f"{cls.__module__}.{cls.__qualname__}"
    return _supported_classes().get(cls)


@functools.cache
def _supported_classes() -> dict[type, str]:
    found = {}
    for name in (*SUPPORTED_ESTIMATORS, *_PLAIN_OBJECTS):
        cls = _resolve(name, strict=False)
        if cls is not None:
            found[cls] = name
    return found


def _resolve(name: str, *, strict: bool = True) -> type | None:
    """The class stored as ``name``, if it is one the format supports."""
    module, _, attribute = name.rpartition(".")
    if name in SUPPORTED_ESTIMATORS or name in _PLAIN_OBJECTS:
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            if strict:
                raise ModelError(
                    f"the model uses {name}, which the running scikit-learn/generify "
                    "lack (saved by other versions?)"
                ) from None
            return None
    if _FEATURES_MODULE.fullmatch(module):
        from .features import AudioFeatureTransformer

        try:
            cls = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            cls = None
        if isinstance(cls, type) and issubclass(cls, AudioFeatureTransformer):
            return cls
    if strict:
        raise ModelError(f"the model uses {name}, which a portable model file cannot hold")
    return None


class _Encoder:
    """Turns an estimator tree into JSON values and a dict of named arrays."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self._ids: dict[int, Any] = {}  # id(object) -> its JSON reference
        self._alive: list[Any] = []  # keeps encoded objects alive, so ids stay unique
        self._open: set[int] = set()

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, np.generic):
            return {"__scalar__": self._store(np.asarray(value))}
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else {"__float__": repr(float(value))}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if type(value) is dict:
            return self._dict(value)
        from sklearn.utils import Bunch

        if isinstance(value, Bunch):
            return {"__bunch__": self._dict(value)["__dict__"]}
        if isinstance(value, np.random.RandomState):
            return self._shared(value, lambda: {"__random_state__": self.encode(value.get_state())})
        from sklearn.neighbors import BallTree, KDTree

        if isinstance(value, (KDTree, BallTree)):
            # rebuilt on load from the estimator's _fit_X: same data, same tree
            return {"__tree__": type(value).__name__}
        name = _public_name(type(value))
        if name is None:
            kind = f"{type(value).__module__}.{type(value).__qualname__}"
            raise ModelError(
                f"cannot store {kind} in a portable model file: not a supported estimator "
                f"or value (supported: {', '.join(SUPPORTED_ESTIMATORS)} and generify's "
                "feature transformers); use save_model (a pickle) for this model"
            )
        if name in _PLAIN_OBJECTS:
            return self._shared(value, lambda: self._object(name, value))
        return self._shared(value, lambda: self._estimator(name, value))

    def _array(self, value: np.ndarray) -> dict:
        if value.dtype == object:
            return self._shared(
                value,
                lambda: {
                    "__objects__": [self.encode(v) for v in value.ravel().tolist()],
                    "shape": list(value.shape),
                },
            )
        if value.dtype.kind not in "biufcUSmM" or value.dtype.fields is not None:
            raise ModelError(f"cannot store an array of dtype {value.dtype} in a portable file")
        return self._shared(value, lambda: {"__array__": self._store(value)})

    def _store(self, value: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return key

    def _dict(self, value: dict) -> dict:
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.encode(v) for k, v in value.items()}}
        return {"__pairs__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}

    def _shared(self, value: Any, encode: Callable[[], dict]) -> dict:
        """Encode an object once; later occurrences refer to it (aliasing survives)."""
        key = id(value)
        if key in self._ids:
            return {"__ref__": self._ids[key]}
        if key in self._open:
            raise ModelError(f"cannot store a {type(value).__name__} that contains itself")
        self._open.add(key)
        node = encode()
        self._open.discard(key)
        node["id"] = len(self._ids)
        self._ids[key] = node["id"]
        self._alive.append(value)
        return node

    def _estimator(self, name: str, estimator: Any) -> dict:
        params = estimator.get_params(deep=False)
        if name.startswith("generify.") and "memory" in params:
            params["memory"] = None  # a cache directory of this machine
        state = estimator.__getstate__()
        attributes = {
            k: v
            for k, v in state.items()
            # the metadata load_model attaches is rewritten on load
            if k not in params and k not in (_METADATA_ATTRIBUTE, "_sklearn_version")
        }
        return {
            "__estimator__": name,
            "params": {k: self.encode(v) for k, v in params.items()},
            "attributes": {k: self.encode(v) for k, v in attributes.items()},
        }

    def _object(self, name: str, value: Any) -> dict:
        return {"__object__": name, "attributes": self._dict(vars(value))["__dict__"]}


# -- decoding ------------------------------------------------------------------------


class _Decoder:
    """Rebuilds the estimator tree from JSON values and the archive's arrays."""

    def __init__(self, archive: Any, sklearn_version: Any):
        self._archive = archive
        self._arrays: dict[str, np.ndarray] = {}
        self._objects: dict[int, Any] = {}
        self._sklearn_version = sklearn_version if isinstance(sklearn_version, str) else None

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise ModelError(f"damaged model description (unexpected {type(node).__name__})")
        if "__ref__" in node:
            try:
                return self._objects[node["__ref__"]]
            except (KeyError, TypeError):
                raise ModelError("damaged model description (dangling reference)") from None
        value = self._value(node)
        if "id" in node:
            self._objects[_field(node, "id", int)] = value
        return value

    def _value(self, node: dict) -> Any:
        if "__array__" in node:
            return self._array(node["__array__"])
        if "__scalar__" in node:
            return self._array(node["__scalar__"])[()]
        if "__float__" in node:
            if node["__float__"] not in ("nan", "inf", "-inf"):
                raise ModelError(f"damaged model description (float {node['__float__']!r})")
            return float(node["__float__"])
        if "__tuple__" in node:
            return tuple(self.decode(v) for v in _field(node, "__tuple__", list))
        if "__dict__" in node:
            return {k: self.decode(v) for k, v in _field(node, "__dict__", dict).items()}
        if "__pairs__" in node:
            return dict(self._pair(pair) for pair in _field(node, "__pairs__", list))
        if "__bunch__" in node:
            from sklearn.utils import Bunch

            return Bunch(**{k: self.decode(v) for k, v in _field(node, "__bunch__", dict).items()})
        if "__objects__" in node:
            return self._objects_array(_field(node, "__objects__", list), node.get("shape"))
        if "__random_state__" in node:
            state = np.random.RandomState()
            try:
                state.set_state(self.decode(node["__random_state__"]))
            except (TypeError, ValueError) as exc:
                raise ModelError(f"damaged model description (random state: {exc})") from None
            return state
        if "__tree__" in node:
            return _TreeToRebuild(node["__tree__"])
        if "__estimator__" in node:
            return self._estimator(node)
        if "__object__" in node:
            cls = _resolve(_field(node, "__object__", str))
            value = cls.__new__(cls)
            attributes = _field(node, "attributes", dict)
            vars(value).update({k: self.decode(v) for k, v in attributes.items()})
            return value
        raise ModelError(f"damaged model description (unknown entry {sorted(node)[:3]})")

    def _pair(self, pair: Any) -> tuple[Any, Any]:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ModelError("damaged model description (a __pairs__ entry is not a pair)")
        key = self.decode(pair[0])
        try:
            hash(key)
        except TypeError:
            raise ModelError(
                f"damaged model description (a {type(key).__name__} as a dictionary key)"
            ) from None
        return key, self.decode(pair[1])

    def _objects_array(self, items: list, shape: Any) -> np.ndarray:
        if not (
            isinstance(shape, list)
            and all(type(n) is int and n >= 0 for n in shape)
            and math.prod(shape) == len(items)
        ):
            raise ModelError(
                f"damaged model description (shape {shape!r} for {len(items)} objects)"
            )
        out = np.empty(len(items), dtype=object)
        out[:] = [self.decode(v) for v in items]
        return out.reshape(shape)

    def _array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key == MARKER or key not in self._archive.files:
            raise ModelError(f"damaged model file (no array {key!r})")
        if key not in self._arrays:
            self._arrays[key] = self._archive[key]
        return self._arrays[key]

    def _estimator(self, node: dict) -> Any:
        cls = _resolve(_field(node, "__estimator__", str))
        state = {k: self.decode(v) for k, v in _field(node, "params", dict).items()}
        state.update({k: self.decode(v) for k, v in _field(node, "attributes", dict).items()})
        if self._sklearn_version is not None:
            state["_sklearn_version"] = self._sklearn_version  # sklearn warns on a mismatch
        estimator = cls.__new__(cls)
        estimator.__setstate__(state)
        # Parameters the saving version did not have yet, unless the class restores
        # them as they were (as unpickling would), take their constructor defaults;
        # load_portable warns that the versions differ.
        for name, default in _constructor_defaults(cls).items():
            if name not in vars(estimator):
                setattr(estimator, name, default)
        for attribute, value in state.items():
            if isinstance(value, _TreeToRebuild):
                setattr(estimator, attribute, value.build(estimator))
        return estimator


def _constructor_defaults(cls: type) -> dict[str, Any]:
    from sklearn.base import BaseEstimator

    if not issubclass(cls, BaseEstimator):
        return {}
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


class _TreeToRebuild:
    """A neighbors tree, rebuilt from the estimator's training data as its fit does."""

    def __init__(self, kind: Any):
        if kind not in ("KDTree", "BallTree"):
            raise ModelError(f"damaged model description (tree {kind!r})")
        self.kind = kind

    def build(self, estimator: Any) -> Any:
        from sklearn import neighbors

        try:
            return getattr(neighbors, self.kind)(
                estimator._fit_X,
                estimator.leaf_size,
                metric=estimator.effective_metric_,
                **estimator.effective_metric_params_,
            )
        except (AttributeError, TypeError, ValueError) as exc:  # all from the file
            raise ModelError(
                f"damaged model description (cannot rebuild the {self.kind}: {exc})"
            ) from None


def _field(node: dict, key: str, kind: type) -> Any:
    """``node[key]``, checked to be a ``kind``: a damaged or forged file may hold anything."""
    if key not in node:
        raise ModelError(f"damaged model description (no {key!r} entry)")
    value = node[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelError(
            f"damaged model description ({key!r} is a {type(value).__name__}, "
            f"not a {kind.__name__})"
        )
    return value
