"""Tests of generify.datasets.load_gtzan_features."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from generify.datasets import GTZAN_GENRES, load_gtzan_features
from generify.datasets.gtzan_features import FEATURE_NAMES
from generify.errors import DatasetError


def read_lines(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().splitlines()]


def shipped_ids(name: str) -> set[str]:
    text = resources.files("generify.datasets").joinpath("data", f"{name}_filtered.txt")
    return {line.rsplit("/", 1)[-1].rsplit(".", 1)[0] for line in text.read_text().split()}


def test_real_table(shared_data):
    csv_path = shared_data / "gtzan-features" / "features_30_sec.csv"
    data = load_gtzan_features(csv_path)
    lines = read_lines(csv_path)
    header, rows = lines[0], lines[1:]
    assert data.feature_names == header[2:-1] and len(data.feature_names) == 57
    assert data.data.shape == (len(rows), 57) == (640, 57)
    assert data.data.dtype == np.float64 and np.isfinite(data.data).all()
    np.testing.assert_array_equal(data.data, np.array([r[2:-1] for r in rows], dtype=float))
    assert list(data.filenames) == [r[0] for r in rows]
    assert list(data.target) == [r[-1] for r in rows]
    assert list(data.length) == [int(float(r[1])) for r in rows]
    assert data.target_names == sorted(GTZAN_GENRES)
    # The table holds the train and valid clips of the shipped split, and no test clip.
    train, valid = shipped_ids("train"), shipped_ids("valid")
    clip_ids = [f.rsplit(".", 1)[0] for f in data.filenames]
    expected = ["train" if c in train else "valid" if c in valid else "" for c in clip_ids]
    assert list(data.split) == expected and set(expected) == {"train", "valid"}
    assert (data.split == "train").sum() == 443 and (data.split == "valid").sum() == 197
    assert "Olteanu" in data.DESCR and "train 443, valid 197, test 0" in data.DESCR


def test_folder_path_finds_the_table(shared_data):
    by_file = load_gtzan_features(shared_data / "gtzan-features" / "features_30_sec.csv")
    by_folder = load_gtzan_features(shared_data / "gtzan-features")
    np.testing.assert_array_equal(by_file.data, by_folder.data)


HEADER = ",".join(["filename", "length", *FEATURE_NAMES, "label"])


def row(filename: str, label: str, value: float = 1.5, length: str = "661794.0") -> str:
    return ",".join([filename, length, *[str(value + k) for k in range(57)], label])


def write_table(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_synthetic_table_and_split_column(tmp_path):
    rows = [
        row("blues.00000.wav", "blues", 0.5),  # valid
        row("blues.00029.wav", "blues", 2.0),  # train
        row("rock.00010.wav", "rock", -1.0),  # test
        row("classical.00042.wav", "classical"),  # outside the split
        row("my_song.wav", "rock"),  # not a GTZAN clip
    ]
    archive = tmp_path / "archive"
    write_table(archive / "Data" / "features_30_sec.csv", HEADER, *rows, "")
    data = load_gtzan_features(archive)
    assert list(data.split) == ["valid", "train", "test", "", ""]
    assert data.feature_names == list(FEATURE_NAMES)
    np.testing.assert_array_equal(data.data[1], 2.0 + np.arange(57))
    assert list(data.target) == ["blues", "blues", "rock", "classical", "rock"]
    assert data.target_names == ["blues", "classical", "rock"]
    assert data.length.dtype == np.int64 and data.length[0] == 661794


def test_three_second_rows_map_to_their_clip(tmp_path):
    path = write_table(tmp_path / "f.csv", HEADER, row("blues.00029.3.wav", "blues"))
    assert list(load_gtzan_features(path).split) == ["train"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([HEADER, row("a.wav", "blues"), row("b.wav", "blues")[:-30]], r"line 3: expected 60"),
        ([HEADER, row("a.wav", "blues").replace(",1.5,", ",abc,", 1)], r"line 2, column chroma"),
        ([HEADER, row("a.wav", "blues", value=float("nan"))], r"line 2, .*not finite"),
        ([HEADER, row("a.wav", "")], r"line 2, column label: empty"),
        ([HEADER, row("a.wav", "jazz", length="12.5")], r"line 2, column length"),
        ([HEADER, row("a.wav", "jazz", length="1e30")], r"line 2, column length"),
        ([HEADER, row("a.wav", "pop"), 'x,"unterminated'], r"line 3: malformed CSV"),
        ([HEADER.replace(",tempo", "")], r"line 1: .*missing columns tempo"),
        ([HEADER.replace("label", "genre")], r"line 1: .*unexpected columns genre"),
        ([HEADER.replace("rms_mean,rms_var", "rms_var,rms_mean")], r"line 1: .*out of order"),
        ([HEADER], r"header but no rows"),
        ([], r"empty"),
    ],
)
def test_malformed_tables(tmp_path, lines, expected):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=expected) as info:
        load_gtzan_features(path)
    assert str(path) in str(info.value)


def test_missing_and_ambiguous_paths(tmp_path):
    with pytest.raises(DatasetError, match=r"not found: .*nope\.csv"):
        load_gtzan_features(tmp_path / "nope.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"no features_30_sec\.csv in .*empty"):
        load_gtzan_features(tmp_path / "empty")
    write_table(tmp_path / "two" / "a" / "features_30_sec.csv", HEADER, row("x.wav", "pop"))
    write_table(tmp_path / "two" / "b" / "features_30_sec.csv", HEADER, row("x.wav", "pop"))
    with pytest.raises(DatasetError, match=r"several features_30_sec\.csv"):
        load_gtzan_features(tmp_path / "two")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + row("caf\xe9.wav", "pop")).encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_gtzan_features(path)
