"""Tests of generify.datasets.folder: load_genre_folder and load_indian_music."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generify.datasets import (
    AUDIO_EXTENSIONS,
    load_genre_folder,
    load_gtzan,
    load_indian_music,
)
from generify.errors import DatasetError

SR = 8000


def write_audio(path: Path, fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(SR // 20) / SR
    sf.write(path, 0.3 * np.sin(2 * np.pi * 330 * t), SR, format=fmt)
    return path


@pytest.fixture
def messy_tree(tmp_path: Path) -> Path:
    """Two genres in mixed formats with hidden files, junk and nested album folders."""
    root = tmp_path / "my music"
    write_audio(root / "rock" / "b track.wav")
    write_audio(root / "rock" / "a track.FLAC")
    write_audio(root / "rock" / "album 1" / "01 intro.mp3.mp3", fmt="MP3")
    write_audio(root / "rock" / "Z.aiff")
    write_audio(root / "folk" / "song.ogg")
    write_audio(root / "folk" / "old.au")
    # A container libsndfile cannot write; the loader only looks at the name.
    (root / "folk" / "live.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A ")
    for junk in ("cover.jpg", "playlist.m3u", "README", "notes.txt"):
        (root / "folk" / junk).write_text("x")
    (root / "folk" / ".DS_Store").write_bytes(b"x")
    (root / "folk" / "._song.ogg").write_bytes(b"x")
    write_audio(root / "folk" / ".hidden album" / "secret.wav")
    write_audio(root / ".Trash" / "deleted.wav")
    (root / "index.csv").write_text("x")
    (root / "empty genre").mkdir()
    return root


def test_messy_tree(messy_tree):
    data = load_genre_folder(messy_tree)
    names = [Path(f).relative_to(messy_tree).as_posix() for f in data.filenames]
    assert names == [
        "folk/live.m4a",
        "folk/old.au",
        "folk/song.ogg",
        "rock/Z.aiff",
        "rock/a track.FLAC",
        "rock/album 1/01 intro.mp3.mp3",
        "rock/b track.wav",
    ]
    assert list(data.target) == ["folk"] * 3 + ["rock"] * 4
    assert data.target_names == ["folk", "rock"]
    assert all(Path(f).is_absolute() and Path(f).is_file() for f in data.filenames)
    skipped = sorted(Path(p).relative_to(messy_tree).as_posix() for p in data.skipped)
    assert skipped == [
        "folk/README",
        "folk/cover.jpg",
        "folk/notes.txt",
        "folk/playlist.m3u",
        "index.csv",
    ]
    assert "Skipped 5 files" in data.DESCR and "empty genre" in data.DESCR


def test_order_is_deterministic(messy_tree):
    first = load_genre_folder(messy_tree)
    second = load_genre_folder(str(messy_tree))
    np.testing.assert_array_equal(first.filenames, second.filenames)
    np.testing.assert_array_equal(first.target, second.target)


def test_genres_and_extensions_filters(messy_tree):
    rock = load_genre_folder(messy_tree, genres=["rock"])
    assert set(rock.target) == {"rock"} and len(rock.filenames) == 4
    chosen = load_genre_folder(messy_tree, extensions=["WAV", ".flac", "mp3"])
    suffixes = sorted(Path(f).suffix.lower() for f in chosen.filenames)
    assert suffixes == [".flac", ".mp3", ".wav"]
    assert any(p.endswith("song.ogg") for p in chosen.skipped)
    with pytest.raises(DatasetError, match=r"genre folder\(s\) jazz not found .*folk, rock"):
        load_genre_folder(messy_tree, genres=["jazz", "rock"])
    with pytest.raises(DatasetError, match="empty file extension"):
        load_genre_folder(messy_tree, extensions=["wav", ""])


def test_default_extensions_cover_common_formats():
    for ext in (".wav", ".mp3", ".au", ".flac", ".ogg", ".aiff", ".aif", ".m4a", ".opus"):
        assert ext in AUDIO_EXTENSIONS


def test_bad_roots(tmp_path):
    with pytest.raises(DatasetError, match=r"not found: .*absent"):
        load_genre_folder(tmp_path / "absent")
    file = write_audio(tmp_path / "x.wav")
    with pytest.raises(DatasetError, match=r"not a folder: .*x\.wav"):
        load_genre_folder(file)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"no audio files .*empty"):
        load_genre_folder(tmp_path / "empty")
    (tmp_path / "junk" / "rock").mkdir(parents=True)
    (tmp_path / "junk" / "rock" / "cover.png").write_bytes(b"x")
    write_audio(tmp_path / "junk" / "loose.wav")
    with pytest.raises(DatasetError, match="no audio files"):
        load_genre_folder(tmp_path / "junk")


def test_indian_music_real(shared_data):
    root = shared_data / "indian"
    data = load_indian_music(root)
    on_disk = sorted(p for p in root.glob("*/*") if not p.name.startswith("."))
    assert sorted(map(Path, data.filenames)) == on_disk
    assert data.target_names == ["carnatic", "hindustani"]
    assert list(data.target) == ["carnatic"] * 6 + ["hindustani"] * 2
    assert any(f.endswith("Irani Bhairavi Thumri.mp3.mp3") for f in data.filenames)
    assert data.skipped == []
    assert "bollypop" in data.DESCR and "present here: carnatic" in data.DESCR
    for path in data.filenames:  # every listed file is real audio
        assert sf.info(path).frames > 0


def test_indian_instrumental_m4a(shared_data):
    data = load_genre_folder(shared_data / "indian-instrumental")
    assert data.target_names == ["flute", "harmonium", "sitar"]
    assert sorted(Path(f).suffix for f in data.filenames) == [".m4a", ".m4a", ".mp3"]


def test_gtzan_tree_as_genre_folder(gtzan_dir):
    generic = load_genre_folder(gtzan_dir / "genres")
    specific = load_gtzan(gtzan_dir)
    np.testing.assert_array_equal(generic.filenames, specific.filenames)
    np.testing.assert_array_equal(generic.target, specific.target)


def test_symlinked_albums_are_followed_once_and_loops_end(tmp_path):
    elsewhere = write_audio(tmp_path / "library" / "live album" / "c.wav").parent
    root = tmp_path / "music"
    write_audio(root / "rock" / "a.wav")
    (root / "rock" / "live album").symlink_to(elsewhere, target_is_directory=True)
    (root / "rock" / "again").symlink_to(root / "rock", target_is_directory=True)  # a loop
    data = load_genre_folder(root)
    names = sorted(Path(f).name for f in data.filenames)
    assert names == ["a.wav", "c.wav"]


def test_a_single_genre_given_as_a_string(messy_tree):
    data = load_genre_folder(messy_tree, genres="rock")
    assert set(data.target) == {"rock"}


def test_an_unlistable_album_folder_raises(messy_tree, monkeypatch):
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "album 1":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(DatasetError, match=r"album 1: cannot be listed \(Permission denied\)"):
        load_genre_folder(messy_tree)
