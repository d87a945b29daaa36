"""The generify command line, run as users run it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from generify import load_model
from generify.cli import main
from generify.datasets import load_genre_folder
from generify.evaluation import evaluate

SR = 8000


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``main(args)`` in this process (fast): exit status, stdout, stderr."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def write_tone(path: Path, freq: float = 220.0, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(round(seconds * SR)) / SR
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), SR, subtype="PCM_16")
    return path


def tone_tree(root: Path, files: dict[str, list[str]]) -> Path:
    """Folders of 1 s tones, ``{folder: [file names]}``, a different pitch per folder."""
    for k, (folder, names) in enumerate(files.items()):
        for i, name in enumerate(names):
            write_tone(root / folder / name, freq=220.0 * (k + 1) + 10 * i)
    return root


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
    model = load_model(trained_model)  # what the command must agree with
    (probabilities,) = model.predict_proba([clip])
    expected = model.classes_[probabilities.argmax()]
    text = run("predict", "--model", str(trained_model), str(clip))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"{clip}: {expected} ")
    result = run("predict", "--model", str(trained_model), "--json", "--timeline", str(clip))
    payload = json.loads(result.stdout)
    assert payload[0]["file"] == str(clip)
    assert payload[0]["genre"] == payload[0]["top"][0]["genre"] == expected
    shown = {t["genre"]: t["probability"] for t in payload[0]["top"]}
    assert shown == pytest.approx(dict(zip(model.classes_, probabilities, strict=True)), abs=1e-4)
    timeline = model.predict_timeline(clip)
    assert [s["start"] for s in payload[0]["segments"]] == pytest.approx(timeline.starts)


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
    data = load_genre_folder(genre_tree)
    in_process = evaluate(load_model(trained_model), list(data.filenames), data.target)
    assert json.loads(as_json.stdout)["accuracy"] == pytest.approx(in_process.accuracy)


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


# --- which loader reads DATA_DIR --------------------------------------------------------


def test_train_on_several_gtzan_copies_is_an_error(tmp_path, capsys):
    # Read as a genre folder, this would be two "genres" named after the copies' folders.
    data = tone_tree(tmp_path / "data", {"a/blues": ["blues.00000.wav"]})
    tone_tree(data, {"b/rock": ["rock.00000.wav"]})
    model = tmp_path / "m.joblib"
    status, _, err = run_main(capsys, "train", str(data), "-o", str(model), "--features", "mfcc")
    assert status == 1
    assert f"several GTZAN copies under {data}" in err
    assert not model.exists()


def test_train_on_a_gtzan_clip_with_two_files_is_an_error(tmp_path, capsys):
    data = tone_tree(tmp_path / "dup", {"blues": ["blues.00000.au", "blues.00000.wav"]})
    tone_tree(data, {"rock": ["rock.00000.wav"]})
    model = tmp_path / "m.joblib"
    status, _, err = run_main(capsys, "train", str(data), "-o", str(model), "--features", "mfcc")
    assert status == 1
    assert "GTZAN clip blues.00000 has two files" in err
    assert not model.exists()


@pytest.mark.parametrize(
    ("names", "loader"),
    [
        (["blues.00000.wav", "blues.00001.wav"], "load_gtzan"),
        (["one.wav", "two.wav"], "load_genre_folder"),
    ],
)
def test_train_says_which_loader_read_the_data(tmp_path, capsys, names, loader):
    data = tone_tree(
        tmp_path / "data", {"blues": names, "rock": [n.replace("blues", "rock") for n in names]}
    )
    args = ("train", str(data), "-o", str(tmp_path / "m.joblib"), "--features", "mfcc")
    status, out, err = run_main(capsys, *args)
    assert status == 0, err
    assert "trained on 4 tracks" in out
    assert f"generify: read {data} with {loader}" in err.splitlines()[0]
    assert "4 files of 2 genres" in err.splitlines()[0]


@pytest.mark.parametrize(
    ("option", "level"), [([], -60.0), (["--trim-db", "-40"], -40.0), (["--trim-db", "none"], None)]
)
def test_train_trims_silent_ends_as_asked(tmp_path, capsys, option, level):
    data = tone_tree(tmp_path / "data", {"blues": ["a.wav", "b.wav"], "rock": ["c.wav", "d.wav"]})
    path = tmp_path / "m.joblib"
    status, _, err = run_main(
        capsys, "train", str(data), "-o", str(path), "--features", "mfcc", *option
    )
    assert status == 0, err
    assert load_model(path).trim_db == level


# --- predict --json when a batch stops early --------------------------------------------


@pytest.mark.parametrize(
    ("stop", "marker"),
    [
        (KeyboardInterrupt(), "not classified: interrupted"),
        (RuntimeError("boom"), "not classified: RuntimeError: boom"),
    ],
)
def test_predict_json_prints_the_finished_files_when_the_batch_stops(
    tmp_path, capsys, monkeypatch, stop, marker
):
    from generify import cli
    from generify.pretrained import load_pretrained

    files = [write_tone(tmp_path / f"{i}.wav", freq=220.0 * (i + 1)) for i in range(3)]
    model = load_pretrained()
    predict_timeline = model.predict_timeline

    def stopping_at_the_second_file(source):
        if Path(source) == files[1]:
            raise stop
        return predict_timeline(source)

    monkeypatch.setattr(model, "predict_timeline", stopping_at_the_second_file)
    monkeypatch.setattr(cli, "_load", lambda path: model)
    args = ["predict", "--json", *map(str, files)]
    if isinstance(stop, KeyboardInterrupt):
        assert main(args) == 130
    else:
        with pytest.raises(RuntimeError, match="boom"):
            main(args)
    payload = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in payload] == list(map(str, files))
    assert payload[0]["genre"] == payload[0]["top"][0]["genre"]
    assert payload[1:] == [{"file": str(f), "error": marker} for f in files[1:]]


# --- train when files are skipped -------------------------------------------------------


def write_unreadable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not audio")
    return path


def test_train_with_no_readable_file_lists_every_skipped_file(tmp_path, capsys):
    bad = [write_unreadable(tmp_path / "data" / g / "x.wav") for g in ("blues", "rock")]
    model = tmp_path / "m.joblib"
    status, _, err = run_main(capsys, "train", str(tmp_path / "data"), "-o", str(model))
    assert status == 1
    for path in bad:
        assert f"generify: skipped {path}: " in err
    assert "generify: error: no track could be read" in err
    assert not model.exists()


def test_train_when_skipping_leaves_one_genre_names_the_genres_lost(tmp_path, capsys):
    data = tone_tree(tmp_path / "data", {"blues": ["a.wav", "b.wav"]})
    bad = [write_unreadable(data / g / "x.wav") for g in ("jazz", "rock")]
    model = tmp_path / "m.joblib"
    args = ("train", str(data), "-o", str(model), "--features", "mfcc")
    status, _, err = run_main(capsys, *args)
    assert status == 1
    assert "Traceback" not in err
    for path in bad:
        assert f"generify: skipped {path}: " in err
    assert err.splitlines()[-1].startswith(
        "generify: error: fewer than 2 genres left to learn from: "
        "every track of jazz, rock was unreadable"
    )
    assert not model.exists()


def test_train_warns_of_a_genre_lost_to_skipped_files(tmp_path, capsys):
    data = tone_tree(tmp_path / "data", {"blues": ["a.wav"], "rock": ["a.wav"]})
    write_unreadable(data / "jazz" / "x.wav")
    args = ("train", str(data), "-o", str(tmp_path / "m.joblib"), "--features", "mfcc")
    status, out, err = run_main(capsys, *args)
    assert status == 0, err
    assert "of 2 genres" in out
    assert (
        "generify: warning: every track of jazz was skipped as unreadable; "
        "the model does not know that genre"
    ) in err


def test_train_on_one_genre_stops_before_reading_audio(tmp_path, capsys):
    data = tone_tree(tmp_path / "data", {"blues": ["a.wav"]})
    write_unreadable(data / "blues" / "x.wav")
    args = ("train", str(data), "-o", str(tmp_path / "m.joblib"), "--features", "mfcc")
    status, _, err = run_main(capsys, *args)
    assert status == 1
    assert "skipped" not in err  # no file was read
    assert err.splitlines()[-1] == (
        f"generify: error: {data} holds one genre (blues); a model needs at least two"
    )


# --- options checked before any work ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict", "--top", "0", "x.wav"], "argument --top: must be a positive integer, got '0'"),
        (["predict", "--top", "-2", "x.wav"], "argument --top: must be a positive integer"),
        (["predict", "--top", "two", "x.wav"], "argument --top: must be a positive integer"),
        (["train", "d", "-o", "m", "--segment-duration", "-1"], "must be positive seconds"),
        (["train", "d", "-o", "m", "--segment-duration", "0"], "must be positive seconds"),
        (["train", "d", "-o", "m", "--segment-duration", "nan"], "must be positive seconds"),
        (["train", "d", "-o", "m", "--segment-duration", "inf"], "must be positive seconds"),
        (["train", "d", "-o", "m", "--trim-db", "0"], "must be a level in dBFS below 0"),
        (["train", "d", "-o", "m", "--trim-db=-inf"], "must be a level in dBFS below 0"),
        (["train", "d", "-o", "m", "--trim-db", "off"], "below 0 or \"none\", got 'off'"),
        (["train", "d", "-o", "m", "--n-jobs", "0"], "argument --n-jobs: must be a non-zero"),
        (["evaluate", "d", "--n-jobs", "0"], "argument --n-jobs: must be a non-zero"),
        (["evaluate", "d", "--n-jobs", "1.5"], "argument --n-jobs: must be a non-zero"),
    ],
)
def test_bad_option_values_are_command_line_errors(capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_good_option_values(tmp_path):
    from generify.cli import build_parser

    args = build_parser().parse_args(
        ["train", "d", "-o", "m", "--n-jobs", "-1", "--segment-duration", "2.5"]
    )
    assert (args.n_jobs, args.segment_duration, args.trim_db) == (-1, 2.5, -60.0)
    for text, level in [("-45", -45.0), ("None", None), ("none", None)]:
        assert (
            build_parser().parse_args(["train", "d", "-o", "m", "--trim-db", text]).trim_db == level
        )
    assert build_parser().parse_args(["predict", "--top", "12", "x.wav"]).top == 12


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_train_output_that_cannot_be_written_fails_before_reading_data(tmp_path, capsys, where):
    (tmp_path / "file").write_text("x")
    output = tmp_path / "file" / "m.joblib" if where == "under a file" else tmp_path
    args = ("train", str(tmp_path / "no-data"), "-o", str(output), "--features", "mfcc")
    status, _, err = run_main(capsys, *args)
    assert status == 1
    assert err.startswith(f"generify: error: cannot write the model to {output}: ")
    assert "no-data" not in err


def test_evaluate_plots_need_matplotlib_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    args = ("evaluate", str(tmp_path / "no-data"), "--plots", str(tmp_path / "figures"))
    status, _, err = run_main(capsys, *args)
    assert status == 1
    assert err == 'generify: error: --plots needs matplotlib: pip install "generify[plot]"\n'


def test_evaluate_plots_folder_that_cannot_be_written_fails_before_any_work(tmp_path, capsys):
    plots = tmp_path / "figures"
    plots.write_text("a file, not a folder")
    args = ("evaluate", str(tmp_path / "no-data"), "--plots", str(plots))
    status, _, err = run_main(capsys, *args)
    assert status == 1
    assert err.startswith(f"generify: error: cannot write the figures to {plots}: ")


# --- main as a Python function ----------------------------------------------------------


def test_main_shows_warnings_its_way_and_restores_showwarning(tmp_path, capsys):
    # A partial copy of the "valid" split: load_gtzan warns of the absent clips, and
    # the one genre present stops train before any audio is read.
    data = tone_tree(tmp_path / "data", {"blues": ["blues.00000.wav"]})
    before = warnings.showwarning
    status, _, err = run_main(capsys, "train", str(data), "--split", "valid", "-o", "m.joblib")
    assert status == 1
    assert "generify: warning: 196 of the 197 clips of GTZAN split 'valid' are missing" in err
    assert warnings.showwarning is before
