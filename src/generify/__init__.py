"""generify: music genre classification from audio, the scikit-learn way."""

from ._version import __version__
from .audio import load_audio
from .classifier import GenreClassifier
from .errors import AudioError, DatasetError, GenerifyError, ModelError
from .features import GTZANFeatures, MFCCTransformer
from .persistence import load_model, save_model
from .portable import load_portable, save_portable
from .pretrained import load_pretrained

__all__ = [
    "AudioError",
    "DatasetError",
    "GTZANFeatures",
    "GenerifyError",
    "GenreClassifier",
    "MFCCTransformer",
    "ModelError",
    "__version__",
    "load_audio",
    "load_model",
    "load_portable",
    "load_pretrained",
    "save_model",
    "save_portable",
]
