"""Classify your own songs: audio files, or folders searched for audio, by genre.

Usage::

    python examples/classify_songs.py SONG_OR_FOLDER... [--model PATH] [--top N]
                                      [--timeline] [--limit N]

Without ``--model`` the model shipped with generify is used (``load_pretrained()``:
ten GTZAN genres, see docs/model-card.md); ``--model`` takes a model file written by
``save_model`` or ``save_portable``.  Pickle-based files (``.joblib``) run code when
loaded: pass only files you trust.  Files that cannot be read are listed at the end and
make the exit status 1; the others are still classified.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generify import GenerifyError, load_model, load_pretrained
from generify.datasets import AUDIO_EXTENSIONS


def find_songs(arguments: list[Path], *, limit: int | None) -> list[Path]:
    """The files named, and the audio files below the folders named, in order."""
    songs: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            songs += sorted(
                p
                for p in argument.rglob("*")
                if p.is_file()
                and p.suffix.lower() in AUDIO_EXTENSIONS
                and not any(part.startswith(".") for part in p.relative_to(argument).parts)
            )
        else:
            songs.append(argument)
    return songs[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("songs", nargs="+", type=Path, metavar="SONG_OR_FOLDER")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    parser.add_argument("--top", type=int, default=3, help="genres shown per song (default 3)")
    parser.add_argument("--timeline", action="store_true", help="also the genre of each segment")
    parser.add_argument("--limit", type=int, help="classify at most this many songs")
    args = parser.parse_args()

    songs = find_songs(args.songs, limit=args.limit)
    if not songs:
        parser.error("no audio files found")
    model = load_pretrained() if args.model is None else load_model(args.model)
    print(f"model: {args.model or 'shipped with generify'}; genres: {', '.join(model.classes_)}")

    failed = []
    for song in songs:
        try:
            # Segment by segment; the song's probabilities are the mean over its segments.
            timeline = model.predict_timeline(song)
        except GenerifyError as error:
            failed.append(str(error))
            continue
        probabilities = timeline.probabilities.mean(axis=0)
        best = probabilities.argsort()[::-1][: args.top]
        ranked = ", ".join(f"{model.classes_[i]} {probabilities[i]:.2f}" for i in best)
        print(f"{song}: {model.classes_[best[0]]}  ({ranked})")
        if args.timeline:
            for start, end, genre in zip(timeline.starts, timeline.ends, timeline.labels):
                print(f"    {start:7.1f}-{end:7.1f} s  {genre}")

    for message in failed:
        print(f"skipped {message}", file=sys.stderr)
    print(f"classified {len(songs) - len(failed)} of {len(songs)} songs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
