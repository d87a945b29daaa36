"""Loaders for music-genre collections on disk.

One module per collection, each taking the path of a local copy (nothing is
downloaded) and returning a :class:`sklearn.utils.Bunch` with ``filenames``,
``target`` (genre names), ``target_names`` and ``DESCR``:

- :func:`load_gtzan` / :func:`validate_gtzan` — the GTZAN collection, whole or in the
  artist-filtered split of Kereliuk, Sturm & Larsen (2015) shipped with generify;
- :func:`load_gtzan_features` — the public GTZAN features table (57 features per clip);
- :func:`load_genre_folder` — any folder with one sub-folder per genre;
- :func:`load_indian_music` — the Indian-music collection (a genre folder).
"""

from generify.datasets._common import AUDIO_EXTENSIONS, IncompleteDatasetWarning
from generify.datasets.folder import INDIAN_MUSIC_GENRES, load_genre_folder, load_indian_music
from generify.datasets.gtzan import (
    GTZAN_GENRES,
    GTZAN_SPLITS,
    KNOWN_FAULTS,
    GTZANReport,
    load_gtzan,
    validate_gtzan,
)
from generify.datasets.gtzan_features import load_gtzan_features

__all__ = [
    "AUDIO_EXTENSIONS",
    "GTZAN_GENRES",
    "GTZAN_SPLITS",
    "INDIAN_MUSIC_GENRES",
    "KNOWN_FAULTS",
    "GTZANReport",
    "IncompleteDatasetWarning",
    "load_genre_folder",
    "load_gtzan",
    "load_gtzan_features",
    "load_indian_music",
    "validate_gtzan",
]
