"""Train on GTZAN's artist-filtered split, evaluate on held-out clips, write the figures.

Usage::

    python examples/evaluate_with_figures.py [GTZAN_ROOT] [--train train+valid]
        [--test test] [--features mfcc|gtzan|combined] [--output graphs] [--limit N]

GTZAN_ROOT is any folder holding GTZAN's ten genre folders; by default the partial copy
in ``../shared/data/gtzan`` beside this repository.  The split is the artist-filtered
one of Kereliuk, Sturm & Larsen (2015): no artist has clips on both sides, so the score
is not inflated by recognising artists.  The figures (confusion matrices, ROC curves per
genre and together, spectrograms of one training clip per genre) go to ``--output``.
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path

import numpy as np

from generify import GenreClassifier, GTZANFeatures, MFCCTransformer
from generify.datasets import GTZAN_SPLITS, IncompleteDatasetWarning, load_gtzan
from generify.errors import DatasetError
from generify.evaluation import evaluate
from generify.features import CombinedFeatures
from generify.plotting import plot_spectrograms

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"
WHAT_TO_PASS = (
    "pass GTZAN_ROOT, a folder holding GTZAN's genre folders; the sample copy is expected "
    f"in ../shared/data/gtzan beside the repository ({DEFAULT_ROOT}), "
    "see docs/getting-started.md"
)
FEATURES = {
    "mfcc": lambda: MFCCTransformer(statistics=("mean", "std")),
    "gtzan": GTZANFeatures,
    "combined": CombinedFeatures,
}


def load_part(root: Path, split: str, *, limit: int | None):
    """The clips of ``split`` present on disk, at most ``limit`` per genre."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteDatasetWarning)  # reported below instead
        data = load_gtzan(root, split=split)
    keep = np.ones(len(data.target), dtype=bool)
    if limit is not None:
        for genre in data.target_names:
            keep[np.flatnonzero(data.target == genre)[limit:]] = False
    print(
        f"{split}: {keep.sum()} clips used, {len(data.filenames)} on disk, "
        f"{len(data.missing)} of the split missing"
    )
    return data.filenames[keep], data.target[keep]


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % confidence interval of a proportion (Wilson score interval)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT, metavar="GTZAN_ROOT")
    parser.add_argument("--train", default="train+valid", help="split parts to train on")
    parser.add_argument("--test", default="test", help="split parts to evaluate on")
    parser.add_argument("--features", choices=sorted(FEATURES), default="mfcc")
    parser.add_argument("--output", type=Path, default=Path("graphs"), help="figure folder")
    parser.add_argument("--cache", type=Path, help="feature cache folder")
    parser.add_argument("--limit", type=int, help="at most N clips per genre of each part")
    args = parser.parse_args()

    # Split names are checked first, so that the folder hint below follows folder errors only.
    for parts in (args.train, args.test):
        if not {part.strip() for part in parts.split("+")} <= set(GTZAN_SPLITS):
            parser.error(f"unknown split {parts!r}: use train, valid, test or e.g. train+valid")
    try:
        train_files, train_genres = load_part(args.root, args.train, limit=args.limit)
        test_files, test_genres = load_part(args.root, args.test, limit=args.limit)
    except DatasetError as error:
        parser.error(f"{error}\n{WHAT_TO_PASS}")
    unseen = sorted(set(test_genres) - set(train_genres))
    if unseen:
        print(f"note: no training clips of {', '.join(unseen)}; they cannot be predicted")

    model = GenreClassifier(FEATURES[args.features](), memory=args.cache)
    model.fit(train_files, train_genres)
    report = evaluate(model, test_files, test_genres)
    print(report)

    correct = round(report.accuracy * report.n_samples)
    low, high = wilson_interval(correct, report.n_samples)
    print(
        f"\naccuracy {report.accuracy:.3f} on {report.n_samples} clips; "
        f"95 % interval {low:.2f}-{high:.2f}"
        + (" (too few clips to tell much)" if report.n_samples < 100 else "")
    )

    written = report.save_figures(args.output)
    # One training clip per genre: a first look at what the features have to separate.
    firsts: dict[str, str] = {}
    for path, genre in zip(train_files, train_genres):
        firsts.setdefault(str(genre), path)
    spectrograms = args.output / "spectrograms.png"
    plot_spectrograms(list(firsts.values()), labels=list(firsts), duration=10.0, path=spectrograms)
    written.append(spectrograms)
    print(f"wrote {len(written)} figures to {args.output}:")
    for path in written:
        print(f"  {path.name}")


if __name__ == "__main__":
    main()
