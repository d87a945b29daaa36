"""The ``generify`` command line: train, predict, evaluate."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import DatasetError, GenerifyError

if TYPE_CHECKING:
    from sklearn.utils import Bunch

EPILOG = """\
examples:
  generify predict song.mp3 other.flac          # the model shipped with generify
  generify predict --json --model my.joblib *.wav
  generify train path/to/GTZAN --split train+valid -o my.joblib
  generify train path/to/genre-folders -o my.joblib --features mfcc
  generify evaluate path/to/GTZAN --model my.joblib --split test --plots graphs/
"""


def _feature_factories() -> dict[str, Any]:
    from .features import CombinedFeatures, GTZANFeatures, MFCCTransformer

    return {
        "combined": CombinedFeatures,
        "gtzan": GTZANFeatures,
        "mfcc": MFCCTransformer,
        "mfcc-rich": lambda: MFCCTransformer(statistics=("mean", "std", "delta_mean", "delta_std")),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="generify",
        description="Predict the genre of songs from their audio.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"generify {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a model on GTZAN or a folder of genre folders",
        description="Train a GenreClassifier on a dataset folder and save it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_data_arguments(train)
    train.add_argument("-o", "--output", required=True, type=Path, help="model file to write")
    train.add_argument(
        "--features",
        choices=["combined", "gtzan", "mfcc", "mfcc-rich"],
        default="combined",
        help="feature set: MFCC, spectral shape, key-invariant chroma and rhythm (combined, "
        "the most accurate on GTZAN clips), the 57 GTZAN-table features (gtzan), the seed's "
        "13 MFCC means (mfcc) or MFCC mean/std/deltas (mfcc-rich); default: %(default)s",
    )
    train.add_argument(
        "--segment-duration",
        type=_positive_seconds,
        default=3.0,
        help="segment length in seconds; a song's genre is the mean over its segments "
        "(default: %(default)s, the best of 2.5-30 s on GTZAN clips)",
    )
    train.add_argument(
        "--trim-db",
        type=_silence_level,
        default=-60.0,
        metavar="DBFS",
        help="leave out the silence at each song's start and end, down to this level "
        "(frame RMS, below 0; with an exponent, write it as --trim-db=-6e1); "
        '"none" keeps every sample (default: %(default)s)',
    )
    _add_runtime_arguments(train)

    predict = commands.add_parser(
        "predict",
        help="print the genre of audio files",
        description="Print the most probable genres of each file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("files", nargs="+", type=Path, metavar="FILE", help="audio files")
    predict.add_argument(
        "--model", type=Path, help="model file (default: the model shipped with generify)"
    )
    predict.add_argument(
        "--top", type=_positive_int, default=3, help="genres shown per file (default: 3)"
    )
    predict.add_argument("--json", action="store_true", help="print JSON instead of text")
    predict.add_argument(
        "--timeline", action="store_true", help="also give the genres of every segment"
    )
    predict.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    evaluate = commands.add_parser(
        "evaluate",
        help="score a model on a labelled dataset folder",
        description="Evaluate a saved model on GTZAN or a folder of genre folders.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_data_arguments(evaluate)
    evaluate.add_argument(
        "--model", type=Path, help="model file (default: the model shipped with generify)"
    )
    evaluate.add_argument("--plots", type=Path, metavar="DIR", help="write figures (PNG) here")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_runtime_arguments(evaluate)
    return parser


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data_dir", type=Path, metavar="DATA_DIR", help="GTZAN or a folder of genre folders"
    )
    parser.add_argument(
        "--split",
        help='GTZAN artist-filtered split: "train", "valid", "test" or e.g. "train+valid"',
    )


def _add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        help="parallel jobs (-1: all cores, -2: all but one, ...)",
    )
    parser.add_argument("--cache", type=Path, help="directory caching per-file features")
    parser.add_argument(
        "--on-error",
        choices=["raise", "skip", "warn"],
        default="skip",
        help="an unreadable file stops the run (raise), or is left out and listed at the end "
        "(skip, the default) or as soon as it is met (warn)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _number(text: str) -> float:
    """``text`` as a float; NaN when it is not a number, which no option accepts."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _positive_seconds(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be positive seconds, got {text!r}")
    return value


def _silence_level(text: str) -> float | None:
    if text.lower() == "none":
        return None
    value = _number(text)
    if not (math.isfinite(value) and value < 0):
        raise argparse.ArgumentTypeError(f'must be a level in dBFS below 0 or "none", got {text!r}')
    return value


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-zero integer (a count, or -1 for every core), got {text!r}"
        )
    return value


def _check_writable(path: Path, *, what: str, folder: bool) -> None:
    """Fail before any long work if `path` (a file, or a `folder`) cannot be written.

    Missing parent folders are created on writing, so the nearest existing one must be
    a folder we may write in.
    """
    path = path.absolute()
    if path.exists() and path.is_dir() != folder:
        kind = "a folder" if path.is_dir() else "not a folder"
        raise GenerifyError(f"cannot write {what} to {path}: it is {kind}")
    existing = path if folder and path.exists() else path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise GenerifyError(f"cannot write {what} to {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise GenerifyError(f"cannot write {what} to {path}: {existing} is not writable")


def _check_plotting(plots: Path) -> None:
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise GenerifyError('--plots needs matplotlib: pip install "generify[plot]"') from exc
    _check_writable(plots, what="the figures", folder=True)


def _load_data(data_dir: Path, split: str | None) -> Bunch:
    """GTZAN with `load_gtzan`; a folder without GTZAN genre folders with `load_genre_folder`.

    Only the absence of GTZAN genre folders falls back: a GTZAN copy that cannot be
    loaded as it is (several copies, a clip with two files, ...) is an error, since read
    as genre folders it would be trained on under the wrong labels.
    """
    from .datasets import load_genre_folder, load_gtzan
    from .datasets._common import existing_dir
    from .datasets.gtzan import _NoGTZANError

    existing_dir(data_dir, what="data")
    try:
        data = load_gtzan(data_dir, split=split)
        loader = "load_gtzan"
    except _NoGTZANError:
        if split is not None:
            raise
        data = load_genre_folder(data_dir)
        loader = "load_genre_folder (it holds no GTZAN genre folders)"
    print(
        f"generify: read {data_dir} with {loader}: {len(data.filenames)} files of "
        f"{len(data.target_names)} genres",
        file=sys.stderr,
    )
    return data


def _load(model_path: Path | None):
    if model_path is None:
        from .pretrained import load_pretrained

        return load_pretrained()
    from .persistence import load_model

    return load_model(model_path)


def _runtime(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "n_jobs": args.n_jobs,
        "memory": None if args.cache is None else str(args.cache),
        "on_error": args.on_error,
        "verbose": not args.quiet and sys.stderr.isatty(),
    }


def _train(args: argparse.Namespace) -> int:
    from .classifier import GenreClassifier
    from .persistence import save_model

    _check_writable(args.output, what="the model", folder=False)
    data = _load_data(args.data_dir, args.split)
    if len(data.target_names) < 2:
        raise DatasetError(
            f"{args.data_dir} holds one genre ({data.target_names[0]}); a model needs at least two"
        )
    model = GenreClassifier(
        _feature_factories()[args.features](),
        segment_duration=args.segment_duration,
        trim_db=args.trim_db,
        **_runtime(args),
    )
    try:
        model.fit(list(data.filenames), data.target)
    finally:
        # Also when fit fails: the skipped files are often why (none or one genre left).
        _report_skipped(args, getattr(model, "skipped_", []))
    path = save_model(model, args.output)
    print(
        f"trained on {model.n_tracks_} tracks ({model.n_segments_} segments) of "
        f"{len(model.classes_)} genres; saved {path}"
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    model = _load(args.model)
    results: list[dict[str, Any]] = []
    failures = 0
    # A bar on stderr only for an interactive batch; the results themselves go to stdout.
    quiet = args.quiet or len(args.files) < 2 or not sys.stderr.isatty()
    try:
        for path in tqdm(args.files, desc="predict", unit="file", disable=quiet, leave=False):
            try:
                results.append(_predict_one(model, path, top=args.top, timeline=args.timeline))
            except GenerifyError as exc:
                failures += 1
                results.append({"file": str(path), "error": str(exc)})
                if not args.json:
                    print(f"generify: error: {exc}", file=sys.stderr)
                continue
            if not args.json:
                print(_format_prediction(results[-1]))
    except BaseException as exc:
        # The files already classified are not lost when a batch stops (Ctrl-C, a bug):
        # the JSON list still has one entry per file, the unfinished ones marked.
        reason = (
            "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
        )
        results += [
            {"file": str(path), "error": f"not classified: {reason}"}
            for path in args.files[len(results) :]
        ]
        raise
    finally:
        if args.json:
            print(json.dumps(results, indent=2))
    if failures:
        print(f"generify: {failures} of {len(args.files)} files could not be read", file=sys.stderr)
    return 1 if failures else 0


def _predict_one(model, path: Path, *, top: int, timeline: bool) -> dict[str, Any]:
    result = model.predict_timeline(path)
    probabilities = result.probabilities.mean(axis=0)
    order = probabilities.argsort()[::-1][:top]
    out: dict[str, Any] = {
        "file": str(path),
        "genre": str(result.classes[order[0]]),
        "top": [
            {"genre": str(result.classes[i]), "probability": round(float(probabilities[i]), 4)}
            for i in order
        ],
        "duration": round(float(result.ends[-1]), 2),
    }
    if timeline:
        out["segments"] = result.to_dict()["segments"]
    return out


def _format_prediction(result: dict[str, Any]) -> str:
    ranked = ", ".join(f"{t['genre']} {t['probability']:.2f}" for t in result["top"])
    lines = [f"{result['file']}: {result['genre']}  ({ranked})"]
    for segment in result.get("segments", []):
        lines.append(f"  {segment['start']:8.1f}-{segment['end']:8.1f} s  {segment['genre']}")
    return "\n".join(lines)


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate

    if args.plots is not None:
        _check_plotting(args.plots)
    # A GenreClassifier hands its own runtime settings to its features at every call.
    model = _load(args.model).set_params(**_runtime(args))
    data = _load_data(args.data_dir, args.split)
    report = evaluate(model, list(data.filenames), data.target)
    _report_skipped(args, report.skipped)
    print(report.to_json() if args.json else report)
    if args.plots is not None:
        written = report.save_figures(args.plots)
        print(f"wrote {len(written)} figures to {args.plots}", file=sys.stderr)
    return 0


def _report_skipped(args: argparse.Namespace, skipped: Sequence[Any]) -> None:
    if args.on_error == "warn":
        return  # each was reported by its warning when it was met
    for item in skipped:
        print(f"generify: skipped {item.source}: {item.reason}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"generify: warning: {message}", file=sys.stderr)


COMMANDS = {"train": _train, "predict": _predict, "evaluate": _evaluate}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Warnings are shown as ``generify: warning: ...`` lines on standard error while it
    runs; the caller's warning display and filters are as before when it returns.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    # Scoped: a program calling main(argv) keeps its own warning display afterwards.
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return COMMANDS[args.command](args)
        except (GenerifyError, OSError) as exc:
            print(f"generify: error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("generify: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
