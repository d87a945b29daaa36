"""Indian music by genre: load a folder of genre folders, featurize, cross-validate, compare.

Usage::

    python examples/indian_music.py [ROOT] [--folds 5] [--limit N]

ROOT holds one folder per genre (e.g. the widely shared collection's bollypop/,
carnatic/, ghazal/, semiclassical/, sufi/), each with audio files at any depth, in any
format ``load_audio`` reads; by default the tiny ``../shared/data/indian`` (a few 1-2 s
excerpts of Carnatic and Hindustani recordings), on which the numbers mean nothing: the
script says so.  Each track becomes the mean and standard deviation of its MFCCs;
unreadable files are skipped and listed.  Without artist information, tracks by one
artist can fall on both sides of a fold, which makes the scores optimistic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from generify import MFCCTransformer
from generify.audio import audio_info
from generify.datasets import load_indian_music
from generify.errors import DatasetError
from generify.evaluation import compare_classifiers, cross_evaluate, default_classifiers

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "indian"
WHAT_TO_PASS = (
    "pass ROOT, a folder holding one folder of audio files per genre; the sample is "
    f"expected in ../shared/data/indian beside the repository ({DEFAULT_ROOT}), "
    "see docs/getting-started.md"
)
#: Below these, a cross-validated score says nothing about the collection.
ENOUGH_TRACKS_PER_GENRE = 20
ENOUGH_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT, metavar="ROOT")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (at most)")
    parser.add_argument("--cache", type=Path, help="feature cache folder")
    parser.add_argument("--limit", type=int, help="at most N tracks per genre")
    args = parser.parse_args()

    try:
        data = load_indian_music(args.root)
    except DatasetError as error:
        parser.error(f"{error}\n{WHAT_TO_PASS}")
    keep = np.ones(len(data.target), dtype=bool)
    if args.limit is not None:
        for genre in data.target_names:
            keep[np.flatnonzero(data.target == genre)[args.limit :]] = False
    files, genres = data.filenames[keep], data.target[keep]
    print(data.DESCR)

    features = MFCCTransformer(statistics=("mean", "std"), on_error="skip", memory=args.cache)
    X = features.fit_transform(files)
    for skipped in features.skipped_:
        print(f"skipped {skipped.reason}")
    read = np.setdiff1d(np.arange(len(files)), [s.index for s in features.skipped_])
    files, genres = files[read], genres[read]
    durations = [audio_info(f).duration for f in files]
    labels, counts = np.unique(genres, return_counts=True)
    print(
        f"\n{len(genres)} tracks featurized ({X.shape[1]} features each): "
        + ", ".join(f"{g} {n}" for g, n in zip(labels, counts))
        + f"; median length {np.median(durations):.1f} s"
    )
    if counts.min() < ENOUGH_TRACKS_PER_GENRE or np.median(durations) < ENOUGH_SECONDS:
        print(
            f"this collection is tiny (fewer than {ENOUGH_TRACKS_PER_GENRE} tracks in a genre, "
            f"or tracks shorter than {ENOUGH_SECONDS:g} s): the scores below say nothing "
            "about how well genres can be told apart; they only show the workflow"
        )

    folds = min(args.folds, int(counts.min()))
    if len(labels) < 2 or folds < 2:
        print("cross-validation needs two genres with at least two tracks each; stopping here")
        return
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    report = cross_evaluate(model, X, genres, cv=folds)
    print(f"\n{report}")

    classifiers = default_classifiers()
    smallest_training_fold = len(genres) - int(np.ceil(len(genres) / folds))
    classifiers["KNN"].set_params(kneighborsclassifier__n_neighbors=min(5, smallest_training_fold))
    print(f"\n{compare_classifiers(X, genres, classifiers=classifiers, cv=folds)}")


if __name__ == "__main__":
    main()
