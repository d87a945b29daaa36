"""Shared fixtures: the real-audio folder beside the project, and tiny synthetic signals."""

from __future__ import annotations

import os
from pathlib import Path

# scikit-learn's array-API checks run only when scipy was imported with this set (they
# pass; without it parametrize_with_checks skips them): set before anything imports scipy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real music, see its README); skips the test where it is absent."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.skip(
            f"real audio not found at {SHARED_DATA} (the ../shared/data folder beside the repo)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def gtzan_dir(shared_data: Path) -> Path:
    """The partial GTZAN copy (102 clips, 22050 Hz mono WAV)."""
    return shared_data / "gtzan"


@pytest.fixture
def tone():
    """A factory for short sine tones: ``tone(freq_hz, seconds, sr=22050) -> float32 array``."""

    def make(freq: float = 440.0, seconds: float = 1.0, *, sr: int = 22050, amplitude: float = 0.5):
        t = np.arange(round(seconds * sr)) / sr
        return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)

    return make
