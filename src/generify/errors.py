"""Exceptions raised by generify.

Every error generify raises on bad input derives from :class:`GenerifyError`, so a
caller can catch one type.  Messages name the offending file (or input) and the cause
in one line a person can act on.
"""

from __future__ import annotations

__all__ = ["AudioError", "DatasetError", "GenerifyError", "ModelError"]


class GenerifyError(Exception):
    """Base class of every error generify raises on purpose."""


class AudioError(GenerifyError, ValueError):
    """An audio source is missing, unreadable, unsupported or holds unusable samples."""


class DatasetError(GenerifyError, ValueError):
    """A dataset folder, index or features table is missing, malformed or incomplete."""


class ModelError(GenerifyError, ValueError):
    """A model file is not a generify model, is damaged, or cannot be loaded safely."""
