"""The model shipped with generify, stored as arrays and JSON (no pickle, no code runs).

It was trained on the public GTZAN features table (train + valid rows of the
artist-filtered split) and predicts from :class:`~generify.GTZANFeatures` rows of
30-s segments.  ``python -m generify.pretrained.build`` regenerates it;
``docs/model-card.md`` describes data, protocol, parameters and validation numbers.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib.resources import as_file, files

from ..classifier import GenreClassifier
from ..portable import load_portable

__all__ = ["MODEL_FILE", "load_pretrained"]

MODEL_FILE = "gtzan_table_model.npz"


@lru_cache(maxsize=1)
def _load() -> GenreClassifier:
    with as_file(files(__name__) / MODEL_FILE) as path:
        return load_portable(path)


def load_pretrained() -> GenreClassifier:
    """The fitted genre model shipped with generify.

    Returns
    -------
    GenreClassifier
        Ten GTZAN genres; ``features_`` is a :class:`~generify.GTZANFeatures`,
        ``classifier_`` predicts from its 57 columns, songs are cut into 30-s segments.
        The file is read once per process; each call returns an independent copy.

    Examples
    --------
    >>> from generify import load_pretrained
    >>> model = load_pretrained()
    >>> list(model.classes_)[:3]
    ['blues', 'classical', 'country']
    """
    return copy.deepcopy(_load())
