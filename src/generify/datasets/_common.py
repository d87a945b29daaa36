"""Helpers shared by the dataset loaders: path checks, file-name rules, warnings."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from generify.errors import DatasetError

__all__ = ["AUDIO_EXTENSIONS", "IncompleteDatasetWarning"]

#: File extensions (lower case, with the dot) treated as audio by the folder loaders.
#: Whether a file can actually be decoded is for the audio loader to say; this only
#: separates audio from stray files such as cover images, playlists and notes.
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".aac",
        ".aif",
        ".aifc",
        ".aiff",
        ".au",
        ".caf",
        ".flac",
        ".m4a",
        ".mp3",
        ".oga",
        ".ogg",
        ".opus",
        ".snd",
        ".w64",
        ".wav",
        ".wave",
        ".wma",
    }
)


class IncompleteDatasetWarning(UserWarning):
    """Files that a dataset index names are absent from the folder on disk."""


def is_hidden(name: str) -> bool:
    """Return True for dot-files and dot-dirs (``.DS_Store``, ``._x.mp3``, ``.git``)."""
    return name.startswith(".")


def existing_dir(root: str | os.PathLike[str], *, what: str) -> Path:
    """Return `root` as a Path, or raise DatasetError if it is not a directory."""
    path = Path(root).expanduser()
    if not path.exists():
        raise DatasetError(f"{what} folder not found: {path}")
    if not path.is_dir():
        raise DatasetError(f"{what} path is not a folder: {path}")
    return path


def normalize_extensions(extensions: Iterable[str] | None) -> frozenset[str]:
    """Lower-case extensions with a leading dot; None means :data:`AUDIO_EXTENSIONS`."""
    if extensions is None:
        return AUDIO_EXTENSIONS
    if isinstance(extensions, str):
        extensions = [extensions]
    normalized = set()
    for ext in extensions:
        ext = str(ext).strip().lower()
        if not ext or ext == ".":
            raise DatasetError(f"empty file extension in extensions={list(extensions)!r}")
        normalized.add(ext if ext.startswith(".") else "." + ext)
    return frozenset(normalized)


def preview(names: Iterable[str], *, limit: int = 10) -> str:
    """Comma-separated names, cut after `limit` with a count of the rest."""
    names = list(names)
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", … ({len(names) - limit} more)"
    return shown
