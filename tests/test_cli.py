"""The generify command line, run as users run it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def genre_tree(gtzan_dir, tmp_path_factory):
    """Three genres of real clips, as a plain genre folder (symlinks, no copies)."""
    root = tmp_path_factory.mktemp("genres")
    for genre in ("classical", "metal", "hiphop"):
        (root / genre).mkdir()
        for clip in sorted((gtzan_dir / "genres" / genre).glob("*.wav"))[:6]:
            (root / genre / clip.name).symlink_to(clip)
    return root


@pytest.fixture(scope="module")
def trained_model(genre_tree, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    result = run("train", str(genre_tree), "-o", str(path), "--segment-duration", "10")
    assert result.returncode == 0, result.stderr
    assert "trained on 18 tracks (54 segments) of 3 genres" in result.stdout
    return path


def test_help_has_examples():
    result = run("--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "generify predict" in result.stdout
    for command in ("train", "predict", "evaluate"):
        assert run(command, "--help").returncode == 0


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("generify ")


def test_predict_text_and_json(trained_model, genre_tree):
    clip = sorted((genre_tree / "metal").iterdir())[0]
    text = run("predict", "--model", str(trained_model), str(clip))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"{clip}: ")
    result = run("predict", "--model", str(trained_model), "--json", "--timeline", str(clip))
    payload = json.loads(result.stdout)
    assert payload[0]["file"] == str(clip)
    assert payload[0]["top"][0]["genre"] == payload[0]["genre"]
    assert len(payload[0]["top"]) == 3
    assert len(payload[0]["segments"]) == 3


def test_predict_bad_file_is_one_line_and_keeps_the_others(trained_model, genre_tree, tmp_path):
    good = sorted((genre_tree / "classical").iterdir())[0]
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    result = run("predict", "--model", str(trained_model), str(bad), str(good))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"generify: error: {bad}" in result.stderr
    assert result.stdout.startswith(f"{good}: ")


def test_evaluate_with_plots(trained_model, genre_tree, tmp_path):
    plots = tmp_path / "graphs"
    result = run("evaluate", str(genre_tree), "--model", str(trained_model), "--plots", str(plots))
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout.lower()
    assert (plots / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (plots / "roc_metal.png").is_file()
    as_json = run("evaluate", str(genre_tree), "--model", str(trained_model), "--json")
    assert json.loads(as_json.stdout)["accuracy"] > 0.5


def test_not_a_model_file(tmp_path, genre_tree):
    fake = tmp_path / "fake.joblib"
    fake.write_bytes(b"definitely not a model")
    clip = sorted((genre_tree / "metal").iterdir())[0]
    result = run("predict", "--model", str(fake), str(clip))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(fake) in result.stderr


def test_missing_data_dir(tmp_path):
    result = run("train", str(tmp_path / "nowhere"), "-o", str(tmp_path / "m.joblib"))
    assert result.returncode == 1
    assert result.stderr.startswith("generify: error:") and "nowhere" in result.stderr
