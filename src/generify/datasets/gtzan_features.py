"""The public GTZAN features table (``features_30_sec.csv``)."""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from generify.datasets._common import is_hidden
from generify.datasets.gtzan import split_of
from generify.errors import DatasetError
from generify.features.gtzan import GTZAN_FEATURE_NAMES

__all__ = ["FEATURES_FILENAME", "FEATURE_NAMES", "load_gtzan_features"]

FEATURES_FILENAME = "features_30_sec.csv"

#: The 57 feature columns of the table, in file order (what GTZANFeatures computes).
FEATURE_NAMES = GTZAN_FEATURE_NAMES

_HEADER = ("filename", "length", *FEATURE_NAMES, "label")
# "blues.00000.wav" (30-s table) or "blues.00000.3.wav" (3-s table) -> "blues.00000".
_CLIP_PREFIX = re.compile(r"^([a-z]+\.\d{5})\.", re.IGNORECASE)
# How far below a folder the table may sit (Kaggle's archive keeps it in Data/).
_MAX_SEARCH_DEPTH = 2

_DESCR = """\
GTZAN features table ({path})
{n} rows, {n_features} features per 30-s clip computed with librosa from the GTZAN audio:
chroma, RMS, spectral centroid / bandwidth / roll-off, zero-crossing rate, harmonic and
percussive waveforms (mean and variance over frames), tempo, and the mean and variance
of 20 MFCCs.  Source: the "features_30_sec.csv" of the Kaggle dataset "GTZAN Dataset -
Music Genre Classification" (A. Olteanu, 2020).
Rows per part of the artist-filtered split (Kereliuk, Sturm & Larsen 2015; column
`split`): train {train}, valid {valid}, test {test}, none {none}.  Clips outside the
split include exact repetitions and distorted clips (Sturm 2013): leave them out of
evaluations, and never put train-split rows in a test set.
Genres: {genres}."""


def _locate(path: Path) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise DatasetError(f"GTZAN features table not found: {path}")
    level = [path]
    for _ in range(_MAX_SEARCH_DEPTH + 1):
        found = [d / FEATURES_FILENAME for d in level if (d / FEATURES_FILENAME).is_file()]
        if len(found) == 1:
            return found[0]
        if found:
            raise DatasetError(
                f"several {FEATURES_FILENAME} under {path}: {', '.join(map(str, found))}; "
                "pass one of them"
            )
        level = [
            sub
            for d in level
            for sub in sorted(d.iterdir())
            if sub.is_dir() and not is_hidden(sub.name)
        ]
    raise DatasetError(
        f"no {FEATURES_FILENAME} in {path} or up to {_MAX_SEARCH_DEPTH} levels below it"
    )


def _check_header(csv_path: Path, header: list[str] | None) -> None:
    if header is None:
        raise DatasetError(f"{csv_path}: the file is empty")
    header = [h.strip() for h in header]
    if tuple(header) == _HEADER:
        return
    absent = [h for h in _HEADER if h not in header]
    unexpected = [h for h in header if h not in _HEADER]
    detail = []
    if absent:
        detail.append(f"missing columns {', '.join(absent)}")
    if unexpected:
        detail.append(f"unexpected columns {', '.join(unexpected)}")
    if not detail:
        detail.append("columns out of order")
    raise DatasetError(
        f"{csv_path}, line 1: not a GTZAN features table header ({'; '.join(detail)})"
    )


#: Largest accepted ``length`` (samples): a day of audio at 1 MHz, far beyond any clip,
#: and well inside int64.
_MAX_LENGTH = 86_400 * 1_000_000


def _parse_number(csv_path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(
            f"{csv_path}, line {line}, column {column}: not a number: {text!r}"
        ) from None
    if not math.isfinite(value):
        raise DatasetError(f"{csv_path}, line {line}, column {column}: not finite: {text!r}")
    return value


def load_gtzan_features(path: str | os.PathLike[str]) -> Bunch:
    """Load the public GTZAN features table (57 librosa features per clip).

    Parameters
    ----------
    path : str or path-like
        The CSV file (``features_30_sec.csv`` or a file with the same columns), or a
        folder holding ``features_30_sec.csv`` directly or up to two levels below it.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (float64 ndarray of shape (n_rows, 57)), ``target`` (ndarray of str,
        genre labels), ``target_names`` (sorted list of labels), ``feature_names``
        (list of the 57 column names in file order), ``filenames`` (ndarray of str, the
        ``filename`` column, e.g. ``"blues.00000.wav"``), ``length`` (int64 ndarray,
        the ``length`` column in samples), ``split`` (ndarray of str: each row's part
        of the artist-filtered split, ``"train"``, ``"valid"``, ``"test"``, or ``""``
        for clips outside it) and ``DESCR``.  Rows are in file order.

    Raises
    ------
    DatasetError
        If the file is missing, not UTF-8 text, has a header other than the table's
        (``filename, length, <57 features>, label``), or a row is malformed (wrong
        number of fields, empty file name or label, a feature that is not a finite
        number); the message names the file and line.
    """
    csv_path = _locate(Path(path).expanduser())
    rows: list[list[float]] = []
    filenames: list[str] = []
    lengths: list[int] = []
    labels: list[str] = []
    i_feat = slice(2, 2 + len(FEATURE_NAMES))
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            _check_header(csv_path, next(reader, None))
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(_HEADER):
                    raise DatasetError(
                        f"{csv_path}, line {line}: expected {len(_HEADER)} fields, found {len(row)}"
                    )
                filename, label = row[0].strip(), row[-1].strip()
                if not filename or not label:
                    column = "filename" if not filename else "label"
                    raise DatasetError(f"{csv_path}, line {line}, column {column}: empty")
                length = _parse_number(csv_path, line, "length", row[1])
                if not 0 <= length <= _MAX_LENGTH or length != int(length):
                    raise DatasetError(
                        f"{csv_path}, line {line}, column length: not a sample count: {row[1]!r}"
                    )
                rows.append(
                    [
                        _parse_number(csv_path, line, name, text)
                        for name, text in zip(FEATURE_NAMES, row[i_feat], strict=True)
                    ]
                )
                filenames.append(filename)
                lengths.append(int(length))
                labels.append(label)
    except csv.Error as exc:
        raise DatasetError(f"{csv_path}, line {reader.line_num}: malformed CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{csv_path}: not UTF-8 text ({exc})") from exc
    except OSError as exc:
        raise DatasetError(f"{csv_path}: cannot read the features table ({exc})") from exc
    if not rows:
        raise DatasetError(f"{csv_path}: the table has a header but no rows")

    clip_ids = [m.group(1).lower() if (m := _CLIP_PREFIX.match(f)) else "" for f in filenames]
    split = split_of(clip_ids)
    target = np.array(labels, dtype=str)
    target_names = sorted(set(labels))
    counts = {name: int(np.count_nonzero(split == name)) for name in ("train", "valid", "test")}
    descr = _DESCR.format(
        path=csv_path,
        n=len(rows),
        n_features=len(FEATURE_NAMES),
        none=int(np.count_nonzero(split == "")),
        genres=", ".join(target_names),
        **counts,
    )
    return Bunch(
        data=np.array(rows, dtype=np.float64),
        target=target,
        target_names=target_names,
        feature_names=list(FEATURE_NAMES),
        filenames=np.array(filenames, dtype=str),
        length=np.array(lengths, dtype=np.int64),
        split=split,
        DESCR=descr,
    )
