"""Compare six classifiers on MFCC features of GTZAN clips, with random and artist folds.

Usage::

    python examples/compare_classifiers.py [GTZAN_ROOT] [--artists FILE...] [--folds 5]
        [--statistics mean ...] [--plots DIR] [--limit N]

The seed project's comparison: each clip becomes its 13 MFCC means (``MFCCTransformer()``),
and logistic regression (LR), linear discriminant analysis (LDA), k nearest neighbours
(KNN), a decision tree (CART), naive Bayes (NB) and an RBF SVM are cross-validated on
the same folds.  It is done twice: with folds drawn at random, as the seed did, and with
folds that keep each artist on one side, from the artist ids of ``--artists`` files
(lines ``./blues_00012.wav<TAB>artist``, as in the published 3-fold artist-filtered
split of Foleis & Tavares, 2020; by default the copy in ``../shared/data/splits``).  The
gap between the two is how much recognising artists inflates the random-fold score.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from generify import MFCCTransformer
from generify.datasets import load_gtzan
from generify.errors import DatasetError
from generify.evaluation import compare_classifiers

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_ARTISTS = sorted((SHARED_DATA / "splits" / "sturm-3fold").glob("f*_groups.txt"))
WHAT_TO_PASS = (
    "pass GTZAN_ROOT, a folder holding GTZAN's genre folders; the sample copy is expected "
    f"in ../shared/data/gtzan beside the repository ({SHARED_DATA / 'gtzan'}), "
    "see docs/getting-started.md"
)
ARTIST_LINE = re.compile(r"^\./([a-z]+)_(\d{5})\.wav\t(\S+)$")


def read_artists(files: list[Path]) -> dict[str, str]:
    """Clip id ("blues.00012") -> artist id, from lines ``./blues_00012.wav<TAB>id``."""
    artists = {}
    for file in files:
        for number, line in enumerate(file.read_text().splitlines(), start=1):
            match = ARTIST_LINE.match(line)
            if match is None:
                raise SystemExit(f"{file}, line {number}: not './<genre>_<NNNNN>.wav<TAB>id'")
            artists[f"{match[1]}.{match[2]}"] = match[3]
    return artists


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "root", nargs="?", type=Path, default=SHARED_DATA / "gtzan", metavar="GTZAN_ROOT"
    )
    parser.add_argument("--artists", nargs="*", type=Path, default=DEFAULT_ARTISTS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--statistics", nargs="+", default=["mean"], help="MFCC summaries")
    parser.add_argument("--plots", type=Path, help="write the box plots here")
    parser.add_argument("--cache", type=Path, help="feature cache folder")
    parser.add_argument("--limit", type=int, help="at most N clips per genre")
    args = parser.parse_args()

    try:
        gtzan = load_gtzan(args.root)
    except DatasetError as error:
        parser.error(f"{error}\n{WHAT_TO_PASS}")
    unreadable = [str(file) for file in args.artists if not file.is_file()]
    if unreadable:
        parser.error(f"--artists: no such file: {', '.join(unreadable)}")
    keep = np.ones(len(gtzan.target), dtype=bool)
    if args.limit is not None:
        for genre in gtzan.target_names:
            keep[np.flatnonzero(gtzan.target == genre)[args.limit :]] = False
    clip_ids, genres = gtzan.clip_ids[keep], gtzan.target[keep]
    features = MFCCTransformer(statistics=tuple(args.statistics), memory=args.cache)
    X = features.fit_transform(gtzan.filenames[keep])
    print(f"{len(genres)} clips, {X.shape[1]} MFCC features each")
    folds = min(args.folds, int(np.unique(genres, return_counts=True)[1].min()))
    if folds < args.folds:
        print(f"{folds} folds: a genre has only {folds} clips")

    print("\nrandom folds (artists on both sides of a split):")
    random_folds = compare_classifiers(X, genres, cv=folds)
    print(random_folds)
    results = {"random": random_folds}

    artist_of = read_artists(args.artists)
    known = np.array([c in artist_of for c in clip_ids])
    if known.any():
        artists = [artist_of[c] for c in clip_ids[known]]
        print(
            f"\nartist folds ({known.sum()} clips with a known artist, "
            f"{len(set(artists))} artists, each on one side of every split):"
        )
        artist_folds = compare_classifiers(X[known], genres[known], cv=folds, groups=artists)
        print(artist_folds)
        results["artist"] = artist_folds
        best = random_folds.best
        print(
            f"\n{best}: {random_folds.scores[best].mean():.3f} with random folds, "
            f"{artist_folds.scores[best].mean():.3f} with artist folds"
        )
    else:
        print("\nno artist ids for these clips: artist folds skipped")

    if args.plots is not None:
        for name, comparison in results.items():
            path = args.plots / f"classifiers_{name}_folds.png"
            comparison.plot(path=path)
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
