"""Audio feature transformers (scikit-learn estimators)."""

from ._base import AudioFeatureTransformer, CacheWarning, SkippedFile, TrackSegments
from .chroma import ChromaFeatures
from .combined import CombinedFeatures
from .gtzan import GTZANFeatures
from .mfcc import MFCCTransformer
from .rhythm import RhythmFeatures
from .spectral_shape import SpectralShapeFeatures

__all__ = [
    "AudioFeatureTransformer",
    "CacheWarning",
    "ChromaFeatures",
    "CombinedFeatures",
    "GTZANFeatures",
    "MFCCTransformer",
    "RhythmFeatures",
    "SkippedFile",
    "SpectralShapeFeatures",
    "TrackSegments",
]
