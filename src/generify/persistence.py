"""Save and load fitted models.

Model files are joblib pickles wrapped with metadata (versions, classes, parameters,
training-set size, date).  **Unpickling runs code**: load only model files from sources
you trust.  The model shipped with generify (:func:`generify.load_pretrained`) is stored
as plain arrays and JSON instead, and loads without running any code.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from .errors import ModelError

__all__ = ["ModelVersionWarning", "load_model", "model_metadata", "save_model"]

FORMAT = "generify-model"
FORMAT_VERSION = 1


class ModelVersionWarning(UserWarning):
    """A model file was written by other versions of generify, scikit-learn or numpy."""


def _versions() -> dict[str, str]:
    from . import __version__

    return {"generify": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def model_metadata(model: Any) -> dict[str, Any]:
    """What is recorded beside a model: versions, classes, parameters, data size, date.

    Parameters
    ----------
    model : fitted estimator

    Returns
    -------
    dict
    """
    classes = getattr(model, "classes_", None)
    return {
        "versions": _versions(),
        "python": platform.python_version(),
        "estimator": type(model).__name__,
        "classes": None if classes is None else [str(c) for c in classes],
        "parameters": {k: repr(v) for k, v in model.get_params(deep=False).items()},
        "n_tracks": getattr(model, "n_tracks_", None),
        "n_segments": getattr(model, "n_segments_", None),
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def save_model(model: Any, path: str | os.PathLike, *, compress: int = 3) -> Path:
    """Write a fitted model and its metadata to ``path``, atomically.

    The model is written to a temporary file in the same directory, flushed to disk
    (``fsync``) and renamed over ``path``: a crash or a full disk mid-save leaves any
    previous file at ``path`` intact.

    Parameters
    ----------
    model : fitted estimator
        Usually a :class:`~generify.GenreClassifier`.
    path : str or os.PathLike
        Destination, conventionally ``*.joblib``.  Parent directories are created.
    compress : int, default=3
        joblib compression level (0-9).

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": model_metadata(model),
        "model": model,
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            joblib.dump(payload, handle, compress=compress)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by :func:`save_model`.

    .. warning:: This unpickles the file, which can run arbitrary code.  Load only
       files from trusted sources.

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
        The file is missing, truncated or damaged, or is not a generify model.

    Warns
    -----
    ModelVersionWarning
        The model was saved with other versions of generify, scikit-learn or numpy.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            payload = joblib.load(path)
        except Exception as exc:  # unpickling a damaged file raises nearly anything
            raise ModelError(
                f"{path}: not a readable generify model (truncated or damaged?): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT):
        raise ModelError(f"{path}: not a generify model file (saved by something else)")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(
            f"{path}: written by a newer generify (model format {payload['format_version']}); "
            "upgrade generify to load it"
        )
    metadata = payload["metadata"]
    _warn_on_version_mismatch(path, metadata.get("versions", {}), caught)
    model = payload["model"]
    model.generify_metadata_ = metadata
    return model


def _warn_on_version_mismatch(
    path: Path, saved: dict[str, str], caught: list[warnings.WarningMessage]
) -> None:
    running = _versions()
    differences = [
        f"{name} {saved.get(name, '?')} (running {version})"
        for name, version in running.items()
        if saved.get(name) != version
    ]
    for record in caught:  # scikit-learn's own unpickling warnings are summarised below
        if not issubclass(record.category, sklearn.exceptions.InconsistentVersionWarning):
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    if differences:
        warnings.warn(
            f"{path}: saved with {', '.join(differences)}; predictions may differ or fail. "
            "Retrain or re-save the model with the running versions.",
            ModelVersionWarning,
            stacklevel=3,
        )


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles."""
    if sys.platform == "win32":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
