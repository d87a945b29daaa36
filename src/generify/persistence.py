"""Save and load fitted models.

Model files are joblib pickles wrapped with metadata (versions, classes, parameters,
training-set size, date).  **Unpickling runs code**: load only model files from sources
you trust.  Portable files (:func:`generify.portable.save_portable`, as the model shipped
with generify) hold plain arrays and JSON instead and load without running any code;
:func:`load_model` reads both kinds.
"""

from __future__ import annotations

import lzma
import os
import pickle
import platform
import secrets
import struct
import sys
import warnings
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

import joblib
import numpy as np
import sklearn
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._version import __version__
from .errors import ModelError

__all__ = ["ModelVersionWarning", "load_model", "model_metadata", "save_model"]

FORMAT = "generify-model"
FORMAT_VERSION = 1

#: Where the loaders put a model's metadata.  Its trailing "_" makes scikit-learn's
#: ``check_is_fitted`` count it as a fitted attribute, so it is set only on a model
#: already known to be fitted, and a copy stored in a file is never trusted.
_METADATA_ATTRIBUTE = "generify_metadata_"

_ZIP_MAGIC = b"PK\x03\x04"
#: How files written by joblib.dump start: a pickle (protocol 2+), or one of joblib's
#: compressors (zlib, gzip, bz2, lzma, xz, lz4).
_PICKLE_MAGICS = (
    b"\x80",
    b"x",
    b"\x1f\x8b",
    b"BZh",
    b"]\x00\x00",
    b"\xfd7zXZ",
    b"\x04\x22\x4d\x18",
)

#: What unpickling a truncated or altered joblib file raises (measured by cutting and
#: flipping bits of saved models): the unpickler's, joblib's and the decompressors' own
#: errors (struct.error: a cut compressed header), and what the constructors it calls
#: make of garbage arguments (TypeError, KeyError, IndexError, MemoryError for a huge
#: length).
_DAMAGED_PICKLE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    MemoryError,
    OSError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)


class ModelVersionWarning(UserWarning):
    """A model file was written by other versions of generify, scikit-learn or numpy."""


def _versions() -> dict[str, str]:
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

    Raises
    ------
    ModelError
        The model is not a fitted scikit-learn estimator with ``predict``; nothing is
        written.
    """
    _check_savable(model, path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": model_metadata(model),
        "model": model,
    }
    return atomic_write(path, lambda handle: joblib.dump(payload, handle, compress=compress))


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], Any]) -> Path:
    """Write a file through ``write(handle)`` so that ``path`` is never half-written.

    The data go to a temporary file in the same directory, are flushed to disk
    (``fsync``) and the file is renamed over ``path``; the directory is then synced so
    the rename survives a power cut.  If anything fails (a full disk, a crash, an
    interrupt) the temporary file is removed and a previous file at ``path`` is left
    as it was.  The new file gets the usual permissions (``0o666`` less the umask).

    Parameters
    ----------
    path : str or os.PathLike
        Destination.  Parent directories are created.
    write : callable
        Writes the content to the binary file object it is given.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        with os.fdopen(os.open(temporary, flags, 0o666), "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def load_model(path: str | os.PathLike, *, allow_pickle: bool = True) -> Any:
    """Load a model written by :func:`save_model` or by ``save_portable``.

    .. warning:: A file written by :func:`save_model` is a pickle: loading it can run
       arbitrary code.  Load such files only from sources you trust, or pass
       ``allow_pickle=False`` to accept only portable files, which run no code.

    Parameters
    ----------
    path : str or os.PathLike
    allow_pickle : bool, default=True
        Whether pickle-based files may be loaded.  Portable files
        (:func:`generify.portable.save_portable`) are recognised by their content and
        always load without running code.

    Returns
    -------
    estimator
        The fitted model; its metadata is in ``model.generify_metadata_``.

    Raises
    ------
    ModelError
        The file is missing, not a generify model, truncated or damaged, written by a
        newer generify, needs classes the running versions lack, or is a pickle while
        ``allow_pickle=False``.

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
    if head.startswith(_ZIP_MAGIC):
        from .portable import load_portable

        return load_portable(path)
    if not head.startswith(_PICKLE_MAGICS):
        raise ModelError(
            f"{path}: not a generify model file (neither a portable .npz nor a joblib pickle"
            f"{'; it is empty' if not head else ''})"
        )
    if not allow_pickle:
        raise ModelError(
            f"{path}: a pickle-based model file, which runs code when loaded, and "
            "allow_pickle=False; load it only if you trust its source, or use a portable "
            "model file (generify.portable.save_portable)"
        )
    payload, caught = _unpickle(path)
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT):
        raise ModelError(
            f"{path}: not a generify model file (a pickled {type(payload).__name__}, not "
            "written by generify.save_model; if you trust it, read it with joblib.load)"
        )
    version = payload.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: written by a newer generify (model format {version}); "
            "upgrade generify to load it"
        )
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict) or "model" not in payload:
        raise ModelError(f"{path}: damaged generify model file (no metadata or no model)")
    model = _checked_model(path, payload["model"], kind="generify model file")
    _warn_on_version_mismatch(path, metadata.get("versions", {}), caught)
    setattr(model, _METADATA_ATTRIBUTE, metadata)
    return model


def _check_savable(model: Any, path: str | os.PathLike) -> None:
    """Refuse what would not load as a working model: a non-predictor or an unfitted one."""
    if not _is_predictor(model):
        raise ModelError(
            f"{path}: not saved: a {type(model).__name__} is not a scikit-learn estimator "
            "with predict"
        )
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ModelError(
            f"{path}: not saved: the {type(model).__name__} is not fitted (call fit first)"
        ) from None


def _is_predictor(model: Any) -> bool:
    """Whether ``model`` is an estimator instance (not a class) that can predict."""
    return not isinstance(model, type) and all(
        callable(getattr(model, name, None)) for name in ("fit", "get_params", "predict")
    )


def _checked_model(path: Path, model: Any, *, kind: str) -> Any:
    """The model read from ``path``, once it is known to be a fitted predictor.

    ``kind`` names the file in the message ("generify model file", ...).  Returns
    ``model`` without any metadata attribute the file held.
    """
    if not _is_predictor(model):
        raise ModelError(
            f"{path}: damaged {kind} (the model entry is a {type(model).__name__}, not a "
            "scikit-learn estimator with predict)"
        )
    # A stored metadata attribute (written by an older generify, or forged) would make
    # an unfitted model pass check_is_fitted; the loaders set a fresh one anyway.
    vars(model).pop(_METADATA_ATTRIBUTE, None)
    try:
        check_is_fitted(model)
        model.get_params()  # every constructor parameter must be there
    except NotFittedError:
        raise ModelError(f"{path}: holds an unfitted {type(model).__name__}") from None
    except AttributeError as exc:
        raise ModelError(
            f"{path}: the {type(model).__name__} it holds is incomplete ({exc}): the file is "
            "damaged, or was saved by other versions of generify or scikit-learn; load it "
            "with those, or retrain"
        ) from exc
    return model


def _unpickle(path: Path) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return joblib.load(path), caught
        except (ImportError, AttributeError) as exc:
            running = ", ".join(f"{k} {v}" for k, v in _versions().items())
            raise ModelError(
                f"{path}: needs something the running versions ({running}) lack: "
                f"{type(exc).__name__}: {exc}; it was saved by other versions of generify or "
                "scikit-learn: load it with those, or retrain"
            ) from exc
        except _DAMAGED_PICKLE as exc:
            raise ModelError(
                f"{path}: damaged generify model file (truncated?): {type(exc).__name__}: {exc}"
            ) from exc


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
