"""Tests of generify.datasets.gtzan: split lists, load_gtzan, validate_gtzan."""

from __future__ import annotations

import os
import re
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generify.datasets import (
    GTZAN_GENRES,
    GTZAN_SPLITS,
    KNOWN_FAULTS,
    IncompleteDatasetWarning,
    load_gtzan,
    validate_gtzan,
)
from generify.datasets.gtzan import _EXACT_REPETITIONS, _NoGTZANError
from generify.errors import DatasetError

SR = 8000


def shipped_list(name: str) -> list[str]:
    text = resources.files("generify.datasets").joinpath("data", f"{name}_filtered.txt")
    return text.read_text().split()


def clip_id(line: str) -> str:
    return line.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def write_clip(path: Path, seconds: float = 0.05) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * SR)) / SR
    sf.write(path, 0.3 * np.sin(2 * np.pi * 220 * t), SR, subtype="PCM_16")
    return path


def make_copy(base: Path, clips: list[str], *, ext: str = ".wav", seconds: float = 0.05) -> Path:
    for clip in clips:
        genre = clip.split(".")[0]
        write_clip(base / genre / f"{clip}{ext}", seconds)
    return base


# --- shipped split lists ---------------------------------------------------------------


def test_shipped_split_sizes_and_disjoint():
    parts = {name: [clip_id(line) for line in shipped_list(name)] for name in GTZAN_SPLITS}
    assert {n: len(c) for n, c in parts.items()} == {"train": 443, "valid": 197, "test": 290}
    for name, clips in parts.items():
        assert len(set(clips)) == len(clips), name
        assert all(re.fullmatch(r"[a-z]+\.\d{5}", c) for c in clips)
        assert {c.split(".")[0] for c in clips} == set(GTZAN_GENRES)
    train, valid, test = (set(parts[n]) for n in GTZAN_SPLITS)
    assert not (train & valid) and not (train & test) and not (valid & test)
    every_clip = {f"{g}.{n:05d}" for g in GTZAN_GENRES for n in range(100)}
    assert train | valid | test <= every_clip
    assert len(every_clip - (train | valid | test)) == 70


def test_shipped_lists_are_copies_of_the_published_ones(shared_data):
    for name in GTZAN_SPLITS:
        published = (shared_data / "splits" / f"{name}_filtered.txt").read_text()
        assert shipped_list(name) == published.split()


def test_known_faults_agree_with_the_artist_filtered_split():
    # The split of Kereliuk, Sturm & Larsen keeps at most one copy of repeated audio and
    # leaves the distorted clips out: an independent check of the fault table.
    in_split = {clip_id(line) for name in GTZAN_SPLITS for line in shipped_list(name)}
    for genre, groups in _EXACT_REPETITIONS.items():
        for numbers in groups:
            group = {f"{genre}.{n:05d}" for n in numbers}
            assert len(group & in_split) <= 1, group
            assert group <= set(KNOWN_FAULTS)
    assert "pop.00037" in KNOWN_FAULTS and "pop.00037" not in in_split
    assert "reggae.00086" in KNOWN_FAULTS and "reggae.00086" not in in_split
    assert "jazz.00054" in KNOWN_FAULTS


# --- load_gtzan on the real copies -----------------------------------------------------


def test_load_partial_copy(gtzan_dir):
    data = load_gtzan(gtzan_dir)
    on_disk = sorted(p for p in (gtzan_dir / "genres").glob("*/*.wav"))
    assert len(data.filenames) == len(on_disk) == 102
    assert sorted(map(Path, data.filenames)) == on_disk
    assert list(data.clip_ids) == sorted(data.clip_ids)
    for path, genre, clip in zip(data.filenames, data.target, data.clip_ids, strict=True):
        assert Path(path).is_absolute() and Path(path).is_file()
        assert Path(path).parent.name == genre
        assert Path(path).name == f"{clip}.wav"
    assert data.target_names == sorted(GTZAN_GENRES)
    assert data.target.dtype.kind == "U" and data.missing == [] and data.skipped == []
    assert "Kereliuk" in data.DESCR and "Tzanetakis" in data.DESCR


def test_split_labels_of_partial_copy(gtzan_dir, shared_data):
    data = load_gtzan(gtzan_dir)
    published = {
        clip_id(line): name
        for name in GTZAN_SPLITS
        for line in (shared_data / "splits" / f"{name}_filtered.txt").read_text().split()
    }
    assert list(data.split) == [published.get(c, "") for c in data.clip_ids]
    # The counts stated in shared/data/README.md.
    counts = {s: int(np.sum(data.split == s)) for s in ("train", "valid", "test", "")}
    assert counts == {"train": 40, "valid": 51, "test": 4, "": 7}


def test_split_of_partial_copy_warns_and_lists_missing(gtzan_dir):
    with pytest.warns(IncompleteDatasetWarning, match=r"403 of the 443 clips .*'train'"):
        data = load_gtzan(gtzan_dir, split="train")
    train = [clip_id(line) for line in shipped_list("train")]
    assert len(data.filenames) == 40
    assert set(data.clip_ids) <= set(train) and set(data.split) == {"train"}
    assert sorted(data.missing) == sorted(set(train) - set(data.clip_ids))
    assert not any(
        Path(gtzan_dir, "genres", c.split(".")[0], c + ".wav").exists() for c in data.missing
    )


def test_split_combination_and_options(gtzan_dir):
    with pytest.warns(IncompleteDatasetWarning):
        both = load_gtzan(gtzan_dir, split="train+valid")
    with pytest.warns(IncompleteDatasetWarning):
        again = load_gtzan(gtzan_dir, split=["valid", "train"])
    assert len(both.filenames) == 91
    np.testing.assert_array_equal(both.filenames, again.filenames)
    assert set(both.split) == {"train", "valid"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = load_gtzan(gtzan_dir, split="test", on_missing="ignore")
    assert len(quiet.filenames) == 4 and len(quiet.missing) == 286
    with pytest.raises(DatasetError, match="286 of the 290"):
        load_gtzan(gtzan_dir, split="test", on_missing="raise")


@pytest.mark.parametrize("copy", ["gtzan-au", "gtzan-float"])
def test_single_clip_copies(shared_data, copy):
    for root in (shared_data / copy, shared_data / copy / "genres"):
        data = load_gtzan(root)
        assert list(data.clip_ids) == [f"{g}.00000" for g in GTZAN_GENRES]
        assert list(data.target) == list(GTZAN_GENRES)
    suffixes = {Path(f).suffix for f in data.filenames}
    assert suffixes == ({".au"} if copy == "gtzan-au" else {".wav"})


def test_several_copies_are_ambiguous(shared_data):
    with pytest.raises(DatasetError, match="several GTZAN copies"):
        load_gtzan(shared_data)


# --- load_gtzan on synthetic trees -----------------------------------------------------


def test_repackaged_layout_with_clutter(tmp_path):
    data_dir = tmp_path / "archive" / "Data"
    make_copy(data_dir / "genres_original", ["blues.00000", "rock.00007"])
    write_clip(data_dir / "genres_original" / "jazz" / "jazz.00003.WAV")
    # Spectrogram images of the same archive: genre folders without audio.
    (data_dir / "images_original" / "blues").mkdir(parents=True)
    (data_dir / "images_original" / "blues" / "blues00000.png").write_bytes(b"\x89PNG")
    (data_dir / "features_30_sec.csv").write_text("filename\n")
    (data_dir / "genres_original" / "blues" / ".DS_Store").write_bytes(b"x")
    (data_dir / "genres_original" / "blues" / "._blues.00000.wav").write_bytes(b"x")
    (data_dir / "genres_original" / "blues" / "notes.txt").write_text("x")
    (data_dir / "genres_original" / "blues" / "rock.00001.wav").write_bytes(b"x")

    data = load_gtzan(tmp_path / "archive")
    assert list(data.clip_ids) == ["blues.00000", "jazz.00003", "rock.00007"]
    assert list(data.target) == ["blues", "jazz", "rock"]
    assert data.filenames[1].endswith("jazz.00003.WAV")
    skipped = sorted(Path(p).name for p in data.skipped)
    assert skipped == ["notes.txt", "rock.00001.wav"]


def test_split_excludes_clips_outside_it_and_reports_missing(tmp_path):
    valid = [clip_id(line) for line in shipped_list("valid")]
    train = [clip_id(line) for line in shipped_list("train")]
    present_valid = valid[:3]
    outside = "hiphop.00001"  # in no part of the split
    assert outside not in valid + train + [clip_id(x) for x in shipped_list("test")]
    root = make_copy(tmp_path / "genres", [*present_valid, train[0], outside], ext=".au")

    with pytest.warns(IncompleteDatasetWarning) as record:
        data = load_gtzan(root, split="valid")
    assert list(data.clip_ids) == sorted(present_valid)
    assert sorted(data.missing) == sorted(set(valid) - set(present_valid))
    message = str(record[0].message)
    assert f"{len(valid) - 3} of the {len(valid)}" in message and str(root) in message
    assert data.missing[0] in message

    everything = load_gtzan(root)
    assert sorted(everything.clip_ids) == sorted([*present_valid, train[0], outside])
    assert everything.split[list(everything.clip_ids).index(outside)] == ""


def test_split_with_no_clip_present_raises(tmp_path):
    root = make_copy(tmp_path / "g", ["hiphop.00001"])
    with pytest.raises(DatasetError, match="none of the 290 clips"):
        load_gtzan(root, split="test")


@pytest.mark.parametrize("split", ["tain", "train+", "", "train+dev"])
def test_unknown_split(tmp_path, split):
    root = make_copy(tmp_path / "g", ["blues.00000"])
    with pytest.raises(DatasetError, match="unknown GTZAN split"):
        load_gtzan(root, split=split)


def test_bad_roots(tmp_path):
    with pytest.raises(DatasetError, match=r"not found: .*nowhere"):
        load_gtzan(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"no GTZAN genre folders .*empty"):
        load_gtzan(tmp_path / "empty")
    make_copy(tmp_path / "deep" / "a" / "b" / "c", ["blues.00000"])
    with pytest.raises(DatasetError, match="no GTZAN genre folders"):
        load_gtzan(tmp_path / "deep")
    make_copy(tmp_path / "near" / "a" / "b", ["blues.00000"])
    assert len(load_gtzan(tmp_path / "near").filenames) == 1
    with pytest.raises(DatasetError, match="on_missing"):
        load_gtzan(tmp_path / "near", on_missing="skip")


def test_clip_with_two_files_raises(tmp_path):
    root = make_copy(tmp_path / "g", ["blues.00000"])
    make_copy(root, ["blues.00000"], ext=".au")
    with pytest.raises(DatasetError, match=r"blues\.00000 has two files"):
        load_gtzan(root)


def refuse_listing(monkeypatch, folder: Path) -> None:
    """Make listing `folder` fail as without read permission (the tests may run as root)."""

    def denying(original):
        def listing(path=".", *args):
            if isinstance(path, (str, os.PathLike)) and Path(path) == folder:
                raise PermissionError(13, "Permission denied", str(path))
            return original(path, *args)

        return listing

    monkeypatch.setattr(os, "scandir", denying(os.scandir))
    monkeypatch.setattr(os, "listdir", denying(os.listdir))


@pytest.mark.parametrize(
    "refused", ["", "a", "a/rock", "b"], ids=["root", "copy", "genre", "beside"]
)
@pytest.mark.parametrize("function", [load_gtzan, validate_gtzan])
def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path, monkeypatch, refused, function):
    # The root, the folder of the genre folders, a genre folder, and a folder searched
    # beside them: none may vanish from the search or escape as a raw OSError.
    root = tmp_path / "root"
    make_copy(root / "a", ["blues.00000", "rock.00000"])
    (root / "b").mkdir()
    folder = root / refused
    refuse_listing(monkeypatch, folder)
    with pytest.raises(DatasetError, match="cannot be listed") as error:
        function(root)
    assert str(error.value).startswith(f"{folder}: cannot be listed (")
    assert "Permission denied" in str(error.value)
    assert not isinstance(error.value, _NoGTZANError)  # the command line must not fall back


# --- validate_gtzan --------------------------------------------------------------------


def test_validate_partial_copy(gtzan_dir):
    report = validate_gtzan(gtzan_dir)
    assert len(report.found) == 102 and len(report.missing) == 898
    assert not set(report.found) & set(report.missing)
    assert dict(report.unreadable) == {}
    assert list(report.short) == ["jazz.00009"]  # only its first 15-20 s exist
    assert 15 < report.short["jazz.00009"] < 20
    assert not report.ok
    text = str(report)
    assert "102 of 1000" in text and "jazz.00009" in text and "missing: 898" in text


def test_validate_official_au(shared_data):
    report = validate_gtzan(shared_data / "gtzan-au")
    assert report.found == tuple(f"{g}.00000" for g in GTZAN_GENRES)
    assert not report.unreadable and not report.short and not report.known_faults


def test_validate_reports_bad_files_without_raising(tmp_path):
    root = tmp_path / "genres"
    clips = ["blues.00000", "blues.00100", "pop.00015", "pop.00022", "pop.00030", "reggae.00086"]
    make_copy(root, clips, seconds=2.0)
    (root / "jazz").mkdir()
    (root / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x00\x00\x00\x00not audio")
    (root / "jazz" / "jazz.00001.wav").write_bytes(b"")
    good = write_clip(root / "rock" / "rock.00001.wav", 2.0).read_bytes()
    (root / "rock" / "rock.00002.wav").write_bytes(good[: len(good) // 2])
    (root / "rock" / "rock.00003.wav").mkdir()

    report = validate_gtzan(root, min_duration=1.5)
    assert sorted(report.unreadable) == ["jazz.00001", "jazz.00054"]
    assert str(root / "jazz" / "jazz.00054.wav") in report.unreadable["jazz.00054"]
    assert list(report.short) == ["rock.00002"]
    assert sorted(report.known_faults) == ["jazz.00054", "pop.00015", "pop.00022", "reggae.00086"]
    assert "pop.00022" in report.known_faults["pop.00015"]
    assert report.extra == ("blues.00100",)
    assert [Path(p).name for p in report.skipped] == ["rock.00003.wav"]
    assert "jazz.00054" not in report.missing and "jazz.00002" in report.missing
    text = str(report)
    for clip in ("jazz.00054", "jazz.00001", "rock.00002", "pop.00015", "blues.00100"):
        assert clip in text


def test_jazz_00054_fault_is_specific_to_the_wav_repackaging(tmp_path):
    root = make_copy(tmp_path / "genres", ["jazz.00054", "pop.00015"], ext=".au")
    report = validate_gtzan(root, min_duration=0.0)
    # A readable .au original, and a repetition whose twin is absent: nothing to flag.
    assert dict(report.known_faults) == {} and dict(report.unreadable) == {}


def test_validate_complete_copy_is_ok(tmp_path):
    every_clip = [f"{g}.{n:05d}" for g in GTZAN_GENRES for n in range(100)]
    root = tmp_path / "genres"
    for genre in GTZAN_GENRES:
        (root / genre).mkdir(parents=True)
    template = write_clip(tmp_path / "template.au", 0.002).read_bytes()
    for clip in every_clip:
        (root / clip.split(".")[0] / f"{clip}.au").write_bytes(template)
    report = validate_gtzan(tmp_path, min_duration=0.0)
    assert report.ok and not report.missing and len(report.found) == 1000
    assert "OK" in str(report) and "NOT OK" not in str(report)
    # Every repetition group and both distorted clips are present in a complete copy.
    assert set(report.known_faults) == set(KNOWN_FAULTS) - {"jazz.00054"}
    assert not validate_gtzan(tmp_path).ok  # 2 ms clips are far below 29 s
