"""The GTZAN genre collection: loader, published split and integrity check.

GTZAN (Tzanetakis & Cook 2002) holds 1000 clips of 30 s, 100 in each of ten genres,
named ``<genre>.000NN`` in one folder per genre.  It circulates as the official
``genres/<genre>/<genre>.000NN.au`` tree, as the ``.wav`` re-packaging
``Data/genres_original/<genre>/<genre>.000NN.wav`` and as partial copies; the loader
finds the genre folders in any of these.

The split lists shipped in ``generify/datasets/data`` are the artist-filtered ("fault-
filtered") train / valid / test split of Kereliuk, Sturm & Larsen (2015); see the
README beside them for their source.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np
import soundfile as sf
from sklearn.utils import Bunch

from generify.datasets._common import (
    IncompleteDatasetWarning,
    existing_dir,
    is_hidden,
    preview,
)
from generify.errors import DatasetError

__all__ = [
    "GTZAN_GENRES",
    "GTZAN_SPLITS",
    "KNOWN_FAULTS",
    "GTZANReport",
    "load_gtzan",
    "validate_gtzan",
]

#: The ten GTZAN genres, in the collection's (alphabetical) order.
GTZAN_GENRES: tuple[str, ...] = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)

#: Parts of the artist-filtered split (443 / 197 / 290 clips).
GTZAN_SPLITS: tuple[str, ...] = ("train", "valid", "test")

_CLIPS_PER_GENRE = 100
_CLIP_FILE = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})\.(?P<ext>au|wav)$", re.IGNORECASE)
# How far below `root` the genre folders may sit: root/<genre>, root/a/<genre>, root/a/b/<genre>.
_MAX_SEARCH_DEPTH = 2
# Frames read at each end of a clip to prove that it decodes.
_PROBE_FRAMES = 2048

_CITATION = """\
GTZAN: G. Tzanetakis and P. Cook, "Musical genre classification of audio signals",
IEEE Transactions on Speech and Audio Processing 10(5), 2002.
Split: C. Kereliuk, B. L. Sturm and J. Larsen, "Deep learning and music adversaries",
IEEE Transactions on Multimedia 17(11), 2015 (artist-filtered train/valid/test lists).
Faults: B. L. Sturm, "The GTZAN dataset: its contents, its faults, their effects on
evaluation, and its future use", arXiv:1306.1461, 2013."""


# --- known faults -------------------------------------------------------------------

# Groups of excerpts that are the same audio ("exact repetitions" in Sturm 2013,
# Table 2).  Cross-check: the artist-filtered split keeps at most one clip of each group
# (tests/test_datasets_gtzan.py verifies this against the shipped lists).
_EXACT_REPETITIONS: dict[str, tuple[tuple[int, ...], ...]] = {
    "country": ((8, 51), (52, 60)),
    "disco": ((50, 51, 70), (55, 60, 89), (71, 74), (98, 99)),
    "hiphop": ((39, 45), (76, 78)),
    "pop": (
        (15, 22),
        (30, 31),
        (45, 46),
        (47, 80),
        (52, 57),
        (54, 60),
        (56, 59),
        (67, 71),
        (87, 90),
    ),
    "reggae": (
        (3, 54),
        (5, 56),
        (8, 57),
        (10, 60),
        (13, 58),
        (41, 69),
        (73, 74),
        (80, 81, 82),
        (75, 91, 92),
    ),
}


@dataclass(frozen=True)
class _Fault:
    description: str
    # Only files with these extensions are affected (None: every copy of the clip).
    extensions: frozenset[str] | None = None
    # Flag the clip only when another clip of this group is present too.
    group: tuple[str, ...] = ()


def _known_faults() -> dict[str, _Fault]:
    faults: dict[str, _Fault] = {}
    for genre, groups in _EXACT_REPETITIONS.items():
        for numbers in groups:
            group = tuple(f"{genre}.{n:05d}" for n in numbers)
            for clip in group:
                others = ", ".join(c for c in group if c != clip)
                faults[clip] = _Fault(f"exact repetition of {others} (Sturm 2013)", group=group)
    for clip in ("pop.00037", "reggae.00086"):
        faults[clip] = _Fault(
            "severely distorted (Sturm 2013; dropped as one of the two most distorted "
            "excerpts by Foleis & Tavares 2020)"
        )
    faults["jazz.00054"] = _Fault(
        "cannot be decoded in the widely shared .wav re-packaging "
        "(Kaggle 'GTZAN Dataset - Music Genre Classification', Data/genres_original)",
        extensions=frozenset({".wav"}),
    )
    return faults


_FAULTS = _known_faults()

#: Known faults of GTZAN clips, clip id -> description with its source.  Exact
#: repetitions and distortions are from Sturm (2013), "The GTZAN dataset: its contents,
#: its faults, their effects on evaluation, and its future use" (arXiv:1306.1461);
#: mislabelings are not listed.  ``jazz.00054`` is undecodable only in the ``.wav``
#: re-packaging.
KNOWN_FAULTS: Mapping[str, str] = MappingProxyType(
    {clip: fault.description for clip, fault in sorted(_FAULTS.items())}
)


# --- split lists ----------------------------------------------------------------------


@functools.cache
def _split_clip_ids(name: str) -> tuple[str, ...]:
    """Clip ids (``"blues.00029"``) of one part of the shipped artist-filtered split."""
    text = resources.files(__package__).joinpath("data", f"{name}_filtered.txt").read_text()
    # Lines look like "blues/blues.00029.wav".
    return tuple(line.strip().rsplit("/", 1)[-1].rsplit(".", 1)[0] for line in text.split())


@functools.cache
def _split_of_clip() -> Mapping[str, str]:
    return MappingProxyType({c: name for name in GTZAN_SPLITS for c in _split_clip_ids(name)})


def split_of(clip_ids: Iterable[str]) -> np.ndarray:
    """Part of the artist-filtered split ("train", "valid", "test" or "") of each clip id."""
    lookup = _split_of_clip()
    return np.array([lookup.get(c, "") for c in clip_ids], dtype="<U5")


def _parse_split(split: str | Sequence[str]) -> tuple[str, ...]:
    parts = split.split("+") if isinstance(split, str) else list(split)
    names = tuple(dict.fromkeys(str(p).strip() for p in parts))
    unknown = [n for n in names if n not in GTZAN_SPLITS]
    if unknown or not names:
        raise DatasetError(
            f"unknown GTZAN split {split!r}: use 'train', 'valid', 'test' "
            "or a combination such as 'train+valid'"
        )
    return names


# --- finding clips on disk ------------------------------------------------------------


class _NoGTZANError(DatasetError):
    """`root` is a folder, but no GTZAN genre folder is in it or below it.

    The one :func:`load_gtzan` failure after which reading the folder with another
    loader is right (the command line then reads it as a genre folder): every other
    error means the folder is GTZAN but cannot be loaded as it is.
    """


class _Entry(NamedTuple):
    path: Path
    is_dir: bool
    is_file: bool


def _entries(path: Path) -> list[_Entry]:
    """Non-hidden entries of the folder `path`, in path order (symbolic links followed).

    A folder that cannot be listed is an error: left out, it could hide a genre folder,
    its clips, or a second GTZAN copy.
    """
    try:
        with os.scandir(path) as scan:
            entries = [
                _Entry(Path(e.path), e.is_dir(), e.is_file()) for e in scan if not is_hidden(e.name)
            ]
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be listed ({exc})") from exc
    return sorted(entries)


def _subdirs(path: Path) -> list[Path]:
    return [e.path for e in _entries(path) if e.is_dir]


def _clip_id(genre_dir: Path, file: Path) -> str | None:
    match = _CLIP_FILE.match(file.name)
    if match is None or match["genre"].lower() != genre_dir.name.lower():
        return None
    return f"{match['genre'].lower()}.{match['number']}"


def _holds_gtzan(path: Path) -> bool:
    """True if `path` has a GTZAN genre folder with at least one clip file in it."""
    for sub in _subdirs(path):
        if sub.name.lower() in GTZAN_GENRES:
            if any(_clip_id(sub, e.path) for e in _entries(sub) if e.is_file):
                return True
    return False


def _find_genres_dir(root: Path) -> Path:
    level = [root]
    for _ in range(_MAX_SEARCH_DEPTH + 1):
        found = [d for d in level if _holds_gtzan(d)]
        if len(found) == 1:
            return found[0]
        if found:
            raise DatasetError(
                f"several GTZAN copies under {root}: {', '.join(map(str, found))}; "
                "pass one of them as root"
            )
        level = [sub for d in level for sub in _subdirs(d)]
    raise _NoGTZANError(
        f"no GTZAN genre folders (blues/, classical/, … holding <genre>.000NN.au or .wav "
        f"files) in {root} or up to {_MAX_SEARCH_DEPTH} levels below it"
    )


def _scan(genres_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Clip files by clip id, and the other non-hidden entries of the genre folders."""
    clips: dict[str, Path] = {}
    skipped: list[str] = []
    for genre_dir in _subdirs(genres_dir):
        if genre_dir.name.lower() not in GTZAN_GENRES:
            continue
        for entry in _entries(genre_dir):
            clip = _clip_id(genre_dir, entry.path) if entry.is_file else None
            if clip is None:
                skipped.append(str(entry.path))
            elif clip in clips:
                raise DatasetError(
                    f"GTZAN clip {clip} has two files: {clips[clip]} and {entry.path}; "
                    "keep one of them"
                )
            else:
                clips[clip] = entry.path
    return dict(sorted(clips.items())), skipped


def _all_clip_ids() -> list[str]:
    return [f"{g}.{n:05d}" for g in GTZAN_GENRES for n in range(_CLIPS_PER_GENRE)]


# --- load_gtzan -----------------------------------------------------------------------


def load_gtzan(
    root: str | os.PathLike[str],
    *,
    split: str | Sequence[str] | None = None,
    on_missing: Literal["warn", "raise", "ignore"] = "warn",
) -> Bunch:
    """Load the file names and genres of a GTZAN copy, whole or one split.

    Parameters
    ----------
    root : str or path-like
        A folder holding the ten genre folders (``blues/`` … ``rock/``) directly or up to
        two levels below it, e.g. the official ``genres/`` tree with ``.au`` clips, the
        ``Data/genres_original`` ``.wav`` re-packaging, or a partial copy.  Clip files are
        ``<genre>.000NN.au`` or ``.wav`` (any case); hidden files are ignored.
    split : {"train", "valid", "test"}, str with "+", sequence of those, or None
        Part(s) of the artist-filtered split of Kereliuk, Sturm & Larsen (2015): 443 /
        197 / 290 clips; e.g. ``"train+valid"``.  Clips on disk outside the requested
        parts are left out.  None (default) loads every clip found.
    on_missing : {"warn", "raise", "ignore"}, default="warn"
        What to do when clips named by `split` are absent from disk: issue an
        :class:`IncompleteDatasetWarning` naming them, raise :class:`DatasetError`, or
        say nothing.  In every case the absent clip ids are in ``missing``.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``filenames`` (ndarray of str, absolute paths), ``target`` (ndarray of str,
        genre names), ``target_names`` (sorted list of the genres loaded), ``clip_ids``
        (ndarray of str, e.g. ``"blues.00000"``), ``split`` (ndarray of str, each clip's
        part of the artist-filtered split or ``""``), ``missing`` (list of clip ids named
        by `split` but absent; empty without `split`), ``skipped`` (list of other files
        found in the genre folders) and ``DESCR``.  Clips are in clip-id order.

    Raises
    ------
    DatasetError
        If `root` is not a folder, holds no GTZAN genre folders or several copies, a
        folder searched cannot be listed (e.g. no read permission), a clip has two files,
        `split` is unknown, no requested clip is present, or clips are missing with
        ``on_missing="raise"``.

    See Also
    --------
    validate_gtzan : Check a copy for missing, unreadable and known-faulty clips.
    """
    if on_missing not in ("warn", "raise", "ignore"):
        raise DatasetError(f"on_missing must be 'warn', 'raise' or 'ignore', got {on_missing!r}")
    genres_dir = _find_genres_dir(existing_dir(root, what="GTZAN"))
    clips, skipped = _scan(genres_dir)

    missing: list[str] = []
    if split is None:
        selected = list(clips)
        selection = "all clips found"
    else:
        parts = _parse_split(split)
        wanted = sorted(c for part in parts for c in _split_clip_ids(part))
        selected = [c for c in wanted if c in clips]
        missing = [c for c in wanted if c not in clips]
        selection = f"artist-filtered split {'+'.join(parts)} ({len(wanted)} clips)"
        if not selected:
            raise DatasetError(
                f"none of the {len(wanted)} clips of GTZAN split {'+'.join(parts)!r} "
                f"is in {genres_dir}"
            )
        if missing and on_missing != "ignore":
            message = (
                f"{len(missing)} of the {len(wanted)} clips of GTZAN split "
                f"{'+'.join(parts)!r} are missing from {genres_dir}: {preview(missing)} "
                "(all listed in the result's `missing`)"
            )
            if on_missing == "raise":
                raise DatasetError(message)
            warnings.warn(message, IncompleteDatasetWarning, stacklevel=2)

    clip_ids = np.array(selected, dtype=str)
    target = np.array([c.split(".", 1)[0] for c in selected], dtype=str)
    target_names = sorted(set(target.tolist()))
    descr = _describe(genres_dir, selection, target, missing, skipped)
    return Bunch(
        filenames=np.array([os.path.abspath(clips[c]) for c in selected], dtype=str),
        target=target,
        target_names=target_names,
        clip_ids=clip_ids,
        split=split_of(selected),
        missing=missing,
        skipped=skipped,
        DESCR=descr,
    )


def _describe(
    genres_dir: Path,
    selection: str,
    target: np.ndarray,
    missing: list[str],
    skipped: list[str],
) -> str:
    genres, counts = np.unique(target, return_counts=True)
    lines = [
        "GTZAN genre collection (10 genres x 100 clips of 30 s, 22050 Hz mono)",
        f"Folder: {genres_dir}",
        f"Selection: {selection}",
        f"Loaded: {len(target)} clips: "
        + ", ".join(f"{g} {n}" for g, n in zip(genres, counts, strict=True)),
    ]
    if missing:
        lines.append(f"Missing from disk: {len(missing)} clips of the selection (see `missing`)")
    if skipped:
        lines.append(f"Skipped: {len(skipped)} files in genre folders not named like clips")
    lines += [
        "",
        "Faults: GTZAN contains exact repetitions, mislabelings and distortions, and many "
        "clips per artist (Sturm 2013); random splits mix artists into train and test "
        "and overstate accuracy.  Use the artist-filtered split, and validate_gtzan() to "
        "check a copy.",
        "",
        _CITATION,
    ]
    return "\n".join(lines)


# --- validate_gtzan -------------------------------------------------------------------


@dataclass(frozen=True)
class GTZANReport:
    """What :func:`validate_gtzan` found in a GTZAN copy.

    Attributes
    ----------
    root : pathlib.Path
        The folder holding the genre folders.
    found : tuple of str
        Clip ids present on disk (including any outside the official 1000).
    missing : tuple of str
        Clip ids of the 1000 that are absent.
    unreadable : mapping of str to str
        Clip id -> why its file could not be decoded.
    short : mapping of str to float
        Clip id -> duration in seconds, for readable clips shorter than the minimum.
    known_faults : mapping of str to str
        Clip id -> known fault (see :data:`KNOWN_FAULTS`), for clips present.
    extra : tuple of str
        Clip ids on disk that are not among the official 1000 (e.g. ``blues.00100``).
    skipped : tuple of str
        Paths of other files in the genre folders.
    """

    root: Path
    found: tuple[str, ...]
    missing: tuple[str, ...]
    unreadable: Mapping[str, str] = field(default_factory=dict)
    short: Mapping[str, float] = field(default_factory=dict)
    known_faults: Mapping[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    min_duration: float = 29.0

    @property
    def ok(self) -> bool:
        """True if all 1000 clips are present, decode and are long enough.

        Known faults do not count: every complete copy of GTZAN has them.
        """
        return not (self.missing or self.unreadable or self.short)

    def __str__(self) -> str:
        official = len(self.found) - len(self.extra)
        lines = [
            f"GTZAN at {self.root}: {official} of {len(GTZAN_GENRES) * _CLIPS_PER_GENRE} "
            f"clips present, {'OK' if self.ok else 'NOT OK'}",
            f"  missing: {len(self.missing)}"
            + (f" ({preview(self.missing)})" if self.missing else ""),
            f"  unreadable: {len(self.unreadable)}",
        ]
        lines += [f"    {c}: {why}" for c, why in self.unreadable.items()]
        lines.append(f"  shorter than {self.min_duration:g} s: {len(self.short)}")
        lines += [f"    {c}: {s:.2f} s" for c, s in self.short.items()]
        lines.append(f"  known faults: {len(self.known_faults)}")
        lines += [f"    {c}: {what}" for c, what in self.known_faults.items()]
        if self.extra:
            lines.append(f"  not in the official 1000: {preview(self.extra)}")
        if self.skipped:
            lines.append(f"  other files skipped: {len(self.skipped)}")
        return "\n".join(lines)


def _probe(path: Path) -> tuple[str | None, float]:
    """Decode both ends of a clip; return (problem or None, duration in seconds)."""
    try:
        with sf.SoundFile(path) as f:
            if f.frames <= 0 or f.samplerate <= 0:
                return "holds no audio frames", 0.0
            head = f.read(min(f.frames, _PROBE_FRAMES), dtype="float32")
            f.seek(max(f.frames - _PROBE_FRAMES, 0))
            tail = f.read(_PROBE_FRAMES, dtype="float32")
            duration = f.frames / f.samplerate
    except (sf.SoundFileError, RuntimeError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}", 0.0
    if not (np.all(np.isfinite(head)) and np.all(np.isfinite(tail))):
        return "holds NaN or infinite samples", duration
    return None, duration


def _faults_present(clips: Mapping[str, Path]) -> dict[str, str]:
    present = {}
    for clip, path in clips.items():
        fault = _FAULTS.get(clip)
        if fault is None:
            continue
        if fault.extensions is not None and path.suffix.lower() not in fault.extensions:
            continue
        if fault.group and sum(c in clips for c in fault.group) < 2:
            continue
        present[clip] = fault.description
    return present


def validate_gtzan(root: str | os.PathLike[str], *, min_duration: float = 29.0) -> GTZANReport:
    """Check a GTZAN copy for missing, unreadable, truncated and known-faulty clips.

    Every clip file is opened with libsndfile and a few frames are decoded at its start
    and end; nothing about bad files raises.

    Parameters
    ----------
    root : str or path-like
        As for :func:`load_gtzan`.
    min_duration : float, default=29.0
        Clips shorter than this (seconds) are reported as ``short``; GTZAN clips last
        about 30 s, so a shorter one is usually truncated.

    Returns
    -------
    report : GTZANReport
        Its ``str()`` is a readable summary; ``report.ok`` says whether the copy is
        complete and every clip decodes.  Known faults are listed for clips present:
        exact repetitions (only when two copies of the same audio are present),
        distortions, and ``jazz.00054.wav`` of the ``.wav`` re-packaging.

    Raises
    ------
    DatasetError
        Only if `root` is not a folder, holds no GTZAN genre folders, holds several
        copies, a folder searched cannot be listed, or a clip has two files.
    """
    genres_dir = _find_genres_dir(existing_dir(root, what="GTZAN"))
    clips, skipped = _scan(genres_dir)
    official = set(_all_clip_ids())
    unreadable: dict[str, str] = {}
    short: dict[str, float] = {}
    for clip, path in clips.items():
        problem, duration = _probe(path)
        if problem is not None:
            unreadable[clip] = f"{path}: {problem}"
        elif duration < min_duration:
            short[clip] = duration
    return GTZANReport(
        root=genres_dir,
        found=tuple(clips),
        missing=tuple(c for c in _all_clip_ids() if c not in clips),
        unreadable=MappingProxyType(unreadable),
        short=MappingProxyType(short),
        known_faults=MappingProxyType(_faults_present(clips)),
        extra=tuple(c for c in clips if c not in official),
        skipped=tuple(skipped),
        min_duration=min_duration,
    )
