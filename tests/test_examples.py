"""Every script in examples/ runs, as a user runs it, on a small slice of the real music.

Each script is started in a subprocess from a temporary folder, with ``--limit`` (or a
few explicit files) to keep it fast, and must exit with status 0 and print its key
lines; given a data folder that does not exist, each must instead stop with a usage
error saying what to pass.  examples/audio/render_demo.py is not here: it needs FluidSynth.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generify import GenreClassifier, save_model
from generify.datasets import GTZAN_GENRES

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUN = {
    "classify_songs.py",
    "compare_classifiers.py",
    "evaluate_with_figures.py",
    "indian_music.py",
    "train_gtzan.py",
    "train_on_gtzan_table.py",
}
GENRE = "|".join(GTZAN_GENRES)
PNG = b"\x89PNG\r\n\x1a\n"


def run(
    script: str, *args: object, cwd: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = os.environ | {
        # One BLAS thread: small fits are much slower with threads on a busy CI machine.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def succeeded(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG


def test_every_example_is_run_here() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == RUN


def test_classify_songs_with_the_shipped_model(shared_data: Path, tmp_path: Path) -> None:
    songs = [shared_data / "fma/000002.mp3", shared_data / "gtzan/genres/pop/pop.00000.wav"]
    out = succeeded(run("classify_songs.py", *songs, "--timeline", "--top", "2", cwd=tmp_path))
    assert "model: shipped with generify" in out
    for song in songs:
        ranked = rf"^{re.escape(str(song))}: ({GENRE})  \(\1 [01]\.\d\d, ({GENRE}) [01]\.\d\d\)$"
        assert re.search(ranked, out, re.M), out
    assert re.search(rf"^ +0\.0- +30\.0 s  ({GENRE})$", out, re.M), out
    assert "classified 2 of 2 songs" in out


def test_classify_songs_in_a_folder_with_a_model_file(shared_data: Path, tmp_path: Path) -> None:
    genres = ("classical", "metal")
    clips = [shared_data / f"gtzan/genres/{g}/{g}.0000{i}.wav" for g in genres for i in (0, 1)]
    model = GenreClassifier().fit(clips, [g for g in genres for _ in (0, 1)])
    save_model(model, tmp_path / "two_genres.joblib")
    folder = tmp_path / "songs"
    (folder / "album").mkdir(parents=True)
    (folder / "album" / "a.wav").symlink_to(shared_data / "gtzan/genres/metal/metal.00005.wav")
    (folder / "b.mp3").symlink_to(shared_data / "fma/000005.mp3")
    (folder / "broken.mp3").write_bytes(b"not audio at all")
    (folder / "notes.txt").write_text("not a song")
    (folder / ".hidden.wav").write_bytes(b"RIFF")

    result = run("classify_songs.py", folder, "--model", "two_genres.joblib", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # one file could not be read
    assert re.search(r"^.*album/a\.wav: (classical|metal)  \(", result.stdout, re.M)
    assert re.search(r"^.*b\.mp3: (classical|metal)  \(", result.stdout, re.M)
    assert "classified 2 of 3 songs" in result.stdout
    assert re.search(r"^skipped .*broken\.mp3: ", result.stderr, re.M)
    assert "notes.txt" not in result.stdout + result.stderr
    assert ".hidden" not in result.stdout + result.stderr


def test_evaluate_with_figures(gtzan_dir: Path, tmp_path: Path) -> None:
    out = succeeded(
        run("evaluate_with_figures.py", gtzan_dir, "--limit", "2", "--output", "figs", cwd=tmp_path)
    )
    assert re.search(r"^train\+valid: \d+ clips used, \d+ on disk", out, re.M)
    assert re.search(r"^test: \d+ clips used", out, re.M)
    assert re.search(r"^majority baseline +[01]\.\d{3}", out, re.M)
    assert re.search(r"^accuracy [01]\.\d{3} on \d+ clips; 95 % interval", out, re.M)
    for name in ("confusion_matrix.png", "confusion_matrix_counts.png", "roc_all.png"):
        assert is_png(tmp_path / "figs" / name) and f"  {name}" in out
    assert is_png(tmp_path / "figs" / "spectrograms.png")


def test_compare_classifiers(shared_data: Path, tmp_path: Path) -> None:
    out = succeeded(
        run(
            "compare_classifiers.py",
            shared_data / "gtzan",
            "--limit",
            "3",
            "--artists",
            *sorted((shared_data / "splits/sturm-3fold").glob("f*_groups.txt")),
            "--plots",
            "plots",
            cwd=tmp_path,
        )
    )
    assert "30 clips, 13 MFCC features each" in out
    assert re.search(r"^artist folds \(30 clips with a known artist, \d+ artists", out, re.M)
    for name in ("LR", "LDA", "KNN", "CART", "NB", "SVM", "majority baseline"):
        assert len(re.findall(rf"^{name} +[01]\.\d{{3}} ± ", out, re.M)) == 2, name
    assert re.search(r"with random folds, [01]\.\d{3} with artist folds$", out, re.M)
    assert is_png(tmp_path / "plots/classifiers_random_folds.png")
    assert is_png(tmp_path / "plots/classifiers_artist_folds.png")


def test_indian_music_says_the_collection_is_tiny(shared_data: Path, tmp_path: Path) -> None:
    out = succeeded(run("indian_music.py", shared_data / "indian", cwd=tmp_path))
    assert "Indian music collection (one folder per genre)" in out
    assert re.search(
        r"^8 tracks featurized \(26 features each\): carnatic 6, hindustani 2", out, re.M
    )
    assert "this collection is tiny" in out
    assert "2-fold cross-validation" in out
    assert re.search(r"^majority baseline +[01]\.\d{3} ± ", out, re.M)


def test_train_gtzan(gtzan_dir: Path, tmp_path: Path) -> None:
    out = succeeded(
        run("train_gtzan.py", gtzan_dir, "--limit", "2", "--model-path", "m.joblib", cwd=tmp_path)
    )
    assert re.search(r"^train: \d+ clips \(\d+ of the split missing\)", out, re.M)
    assert re.search(r"^accuracy +[01]\.\d{3}", out, re.M)
    assert f"saved to {Path('m.joblib')}" in out and (tmp_path / "m.joblib").is_file()


@pytest.mark.parametrize("script", sorted(RUN - {"classify_songs.py"}))
def test_a_missing_data_folder_is_a_usage_error(script: str, tmp_path: Path) -> None:
    result = run(script, tmp_path / "nonexistent", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    last_lines = result.stderr.splitlines()[-2:]
    assert last_lines[0].startswith(f"{script}: error: ") and "not found" in last_lines[0]
    assert str(tmp_path / "nonexistent") in last_lines[0]
    assert re.fullmatch(
        r"pass [A-Z_]+, a folder holding .*; the sample (copy |data )?is expected in "
        r"\.\./shared/data(/\w+)? beside the repository \(.*\), see docs/getting-started\.md",
        last_lines[1],
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_train_gtzan_without_model_path_leaves_no_files(gtzan_dir: Path, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {"TMPDIR": str(temporary)}  # where tempfile puts its files
    out = succeeded(
        run("train_gtzan.py", gtzan_dir, "--limit", "1", cwd=tmp_path, extra_env=environment)
    )
    assert "saved to and reloaded from a temporary file, now deleted" in out
    assert list(temporary.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


def test_train_on_gtzan_table(shared_data: Path, tmp_path: Path) -> None:
    out = succeeded(run("train_on_gtzan_table.py", shared_data, "--limit", "1", cwd=tmp_path))
    assert "table: 640 rows, 57 features" in out
    assert re.search(r"^train -> valid accuracy: [01]\.\d{3}", out, re.M)
    assert re.search(rf"^000002\.mp3: ({GENRE}) \([01]\.\d\d\)$", out, re.M)
