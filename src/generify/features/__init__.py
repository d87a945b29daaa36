"""Audio feature transformers (scikit-learn estimators)."""

from ._base import AudioFeatureTransformer, SkippedFile, TrackSegments
from .mfcc import MFCCTransformer

__all__ = ["AudioFeatureTransformer", "MFCCTransformer", "SkippedFile", "TrackSegments"]
