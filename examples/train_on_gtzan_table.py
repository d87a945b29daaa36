"""Train on the public GTZAN features table, then classify real audio with the model.

Usage::

    python examples/train_on_gtzan_table.py [SHARED_DATA] [--limit N]

The table holds 57 features per GTZAN clip, computed with librosa; ``GTZANFeatures``
computes the same columns from audio, so a model fitted on table rows predicts songs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer

from generify import GenreClassifier, GTZANFeatures
from generify.datasets import load_gtzan_features
from generify.errors import DatasetError
from generify.preprocessing import LevelInvariantColumns

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WHAT_TO_PASS = (
    "pass SHARED_DATA, a folder holding gtzan-features/ and fma/*.mp3; the sample data is "
    f"expected in ../shared/data beside the repository ({DEFAULT_DATA}), "
    "see docs/getting-started.md"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, metavar="SHARED_DATA")
    parser.add_argument("--limit", type=int, default=5, help="audio clips to classify")
    args = parser.parse_args()

    try:
        table = load_gtzan_features(args.data / "gtzan-features")
    except DatasetError as error:
        parser.error(f"{error}\n{WHAT_TO_PASS}")
    songs = sorted((args.data / "fma").glob("*.mp3"))[: args.limit]
    if not songs:
        parser.error(f"no .mp3 files in {args.data / 'fma'}\n{WHAT_TO_PASS}")
    train, valid = table.split == "train", table.split == "valid"
    print(f"table: {len(table.target)} rows, {len(table.feature_names)} features")

    classifier = make_pipeline(
        LevelInvariantColumns(),  # modern masters are louder than GTZAN: ignore level
        QuantileTransformer(output_distribution="normal", n_quantiles=200, random_state=0),
        LogisticRegression(C=0.3, max_iter=5000),
    )
    model = GenreClassifier(GTZANFeatures(), classifier)
    model.fit_features(table.data[train], table.target[train], feature_names=table.feature_names)
    accuracy = np.mean(model.classifier_.predict(table.data[valid]) == table.target[valid])
    print(f"train -> valid accuracy: {accuracy:.3f} ({train.sum()} -> {valid.sum()} rows)")

    probabilities = model.predict_proba(songs)  # one featurizing pass; predict would be another
    for song, row in zip(songs, probabilities):
        print(f"{song.name}: {model.classes_[row.argmax()]} ({row.max():.2f})")


if __name__ == "__main__":
    main()
