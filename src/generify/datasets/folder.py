"""Collections laid out as one sub-folder per genre (``root/<genre>/…/<track>``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from generify.datasets._common import existing_dir, is_hidden, normalize_extensions
from generify.errors import DatasetError

__all__ = ["INDIAN_MUSIC_GENRES", "load_genre_folder", "load_indian_music"]

#: Genres of the widely shared Indian-music genre collection.  :func:`load_indian_music`
#: accepts any genre folders; these are only named in its description.
INDIAN_MUSIC_GENRES: tuple[str, ...] = ("bollypop", "carnatic", "ghazal", "semiclassical", "sufi")


def _walk(genre_dir: Path) -> list[Path]:
    """Non-hidden files below `genre_dir`, at any depth, ordered by relative path.

    Symlinked folders (an album linked in from elsewhere) are followed, each real folder
    once, so a link loop ends; a folder that cannot be listed raises.
    """

    def unlistable(exc: OSError) -> None:
        raise DatasetError(f"{exc.filename}: cannot be listed ({exc.strerror})") from exc

    found, seen = [], set()
    for dirpath, dirnames, filenames in os.walk(genre_dir, onerror=unlistable, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = [d for d in dirnames if not is_hidden(d)]
        found += [Path(dirpath, f) for f in filenames if not is_hidden(f)]
    return sorted(found, key=lambda p: p.relative_to(genre_dir).as_posix())


def load_genre_folder(
    root: str | os.PathLike[str],
    *,
    genres: Iterable[str] | None = None,
    extensions: Iterable[str] | None = None,
) -> Bunch:
    """Load the file names and genres of a folder with one sub-folder per genre.

    Each sub-folder of `root` is a genre and every audio file below it (at any depth,
    e.g. in album folders) is a track of that genre.  Hidden files and folders (names
    starting with ``.``, such as ``.DS_Store`` or macOS ``._track.mp3``) are ignored;
    files that are not audio by their extension, and files directly in `root`, are
    listed in ``skipped``.

    Parameters
    ----------
    root : str or path-like
        Folder whose sub-folders are genres.
    genres : str or iterable of str, optional
        Load only these genre folders (exact folder names).  Default: every non-hidden
        sub-folder.
    extensions : iterable of str, optional
        File extensions treated as audio, with or without the dot, any case (a file
        ``x.mp3.mp3`` has the extension ``.mp3``).  Default:
        :data:`generify.datasets.AUDIO_EXTENSIONS` (wav, mp3, au, flac, ogg, opus,
        aiff, m4a, …).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``filenames`` (ndarray of str, absolute paths), ``target`` (ndarray of str,
        genre folder names), ``target_names`` (sorted list of genres with at least one
        file), ``skipped`` (list of paths of non-audio and out-of-genre files) and
        ``DESCR``.  Files are ordered by genre, then by path within the genre.

    Raises
    ------
    DatasetError
        If `root` is missing or not a folder, a requested genre folder is absent, or
        no audio file is found.
    """
    root = existing_dir(root, what="genre")
    exts = normalize_extensions(extensions)
    genre_dirs = {d.name: d for d in root.iterdir() if d.is_dir() and not is_hidden(d.name)}
    if genres is not None:
        wanted = sorted({genres} if isinstance(genres, str) else set(genres))
        absent = [g for g in wanted if g not in genre_dirs]
        if absent:
            raise DatasetError(
                f"genre folder(s) {', '.join(absent)} not found in {root}; "
                f"its genre folders are: {', '.join(sorted(genre_dirs)) or 'none'}"
            )
        genre_dirs = {g: genre_dirs[g] for g in wanted}

    skipped = sorted(
        os.path.abspath(p) for p in root.iterdir() if p.is_file() and not is_hidden(p.name)
    )
    filenames: list[str] = []
    target: list[str] = []
    empty: list[str] = []
    for genre in sorted(genre_dirs):
        n_before = len(filenames)
        for path in _walk(genre_dirs[genre]):
            if path.suffix.lower() in exts:
                filenames.append(os.path.abspath(path))
                target.append(genre)
            else:
                skipped.append(os.path.abspath(path))
        if len(filenames) == n_before:
            empty.append(genre)
    if not filenames:
        raise DatasetError(
            f"no audio files ({', '.join(sorted(exts))}) in genre sub-folders of {root}"
        )
    target_arr = np.array(target, dtype=str)
    return Bunch(
        filenames=np.array(filenames, dtype=str),
        target=target_arr,
        target_names=sorted(set(target)),
        skipped=skipped,
        DESCR=_describe(root, target_arr, skipped, empty, exts),
    )


def _describe(
    root: Path, target: np.ndarray, skipped: list[str], empty: list[str], exts: frozenset[str]
) -> str:
    genres, counts = np.unique(target, return_counts=True)
    lines = [
        f"Genre-folder collection at {root}",
        f"{len(target)} audio files in {len(genres)} genres: "
        + ", ".join(f"{g} {n}" for g, n in zip(genres, counts, strict=True)),
        f"Audio extensions: {' '.join(sorted(exts))}; hidden files and folders ignored.",
    ]
    if skipped:
        lines.append(
            f"Skipped {len(skipped)} files that are not audio by extension or lie outside "
            "a genre folder (see `skipped`)."
        )
    if empty:
        lines.append(f"Genre folders without audio files (left out): {', '.join(empty)}")
    return "\n".join(lines)


def load_indian_music(
    root: str | os.PathLike[str],
    *,
    genres: Iterable[str] | None = None,
    extensions: Iterable[str] | None = None,
) -> Bunch:
    """Load an Indian-music collection laid out as one folder per genre.

    The widely shared Indian music genre collection has the genres bollypop, carnatic,
    ghazal, semiclassical and sufi (MP3 files); any other genre folders, such as
    ``carnatic/`` and ``hindustani/`` for art-music traditions, are accepted as they
    are.  Parameters, result and errors are those of :func:`load_genre_folder`; only
    ``DESCR`` differs.

    Parameters
    ----------
    root : str or path-like
        Folder whose sub-folders are genres.
    genres : iterable of str, optional
        Load only these genre folders.
    extensions : iterable of str, optional
        File extensions treated as audio (default: all common audio formats).

    Returns
    -------
    data : sklearn.utils.Bunch
        As returned by :func:`load_genre_folder`.
    """
    data = load_genre_folder(root, genres=genres, extensions=extensions)
    known = [g for g in data.target_names if g.lower() in INDIAN_MUSIC_GENRES]
    data.DESCR = "\n".join(
        [
            "Indian music collection (one folder per genre)",
            f"Genres of the widely shared collection: {', '.join(INDIAN_MUSIC_GENRES)}; "
            f"of these present here: {', '.join(known) or 'none'}.",
            "Tracks vary in length, sampling rate and channels; excerpts shorter than a "
            "few seconds give unreliable features.",
            "",
            data.DESCR,
        ]
    )
    return data
