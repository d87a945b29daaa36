"""ChromaFeatures: pitch classes of tones and chords, key-invariant profile."""

from __future__ import annotations

import numpy as np
import pytest

from generify.features import ChromaFeatures
from generify.features.chroma import PITCH_CLASSES

SR = 22050


def _note(name: str, octave: int = 4) -> float:
    """Equal-tempered frequency in Hz (A4 = 440 Hz)."""
    semitones = PITCH_CLASSES.index(name) - 9 + 12 * (octave - 4)
    return 440.0 * 2.0 ** (semitones / 12)


def _chord(tone, *names, seconds=2.0):
    return sum(tone(_note(name), seconds, amplitude=0.3) for name in names)


def _features(y, **params):
    transformer = ChromaFeatures(**params).fit([y])
    names = list(transformer.get_feature_names_out())
    return names, transformer.transform([y])[0]


@pytest.mark.parametrize("name", ["A", "C", "F#"])
def test_a_tone_peaks_at_its_pitch_class(tone, name):
    names, row = _features(tone(_note(name), 2.0))
    means = row[:12]
    assert names[:12] == [f"chroma{k}_mean" for k in range(12)]
    assert int(np.argmax(means)) == PITCH_CLASSES.index(name)
    # Every frame is scaled to a maximum of 1: a steady tone has mean ~1, std ~0 there.
    assert means.max() == pytest.approx(1.0, abs=0.02)
    assert row[12 + PITCH_CLASSES.index(name)] < 0.05


def test_a_major_triad(tone):
    _, row = _features(_chord(tone, "A", "C#", "E"))
    strongest = set(np.argsort(row[:12])[-3:])
    assert strongest == {PITCH_CLASSES.index(p) for p in ("A", "C#", "E")}


def test_relative_profile_is_key_invariant(tone):
    names, c_major = _features(_chord(tone, "C", "E", "G"), profile="relative")
    _, d_major = _features(_chord(tone, "D", "F#", "A"), profile="relative")
    _, c_minor = _features(_chord(tone, "C", "D#", "G"), profile="relative")
    assert names[:2] == ["chroma_rel0_mean", "chroma_rel1_mean"]
    # Means match; the stds differ a little (the tones beat at other rates).
    np.testing.assert_allclose(c_major[:12], d_major[:12], atol=0.05)
    # Rotated to the strongest class, the profile still tells major from minor.
    assert np.abs(c_major[:12] - c_minor[:12]).max() > 0.5


def test_both_profiles_are_absolute_then_relative(tone):
    y = _chord(tone, "D", "F#", "A")
    names, both = _features(y, profile="both")
    _, absolute = _features(y)
    _, relative = _features(y, profile="relative")
    assert len(names) == len(set(names)) == 48
    np.testing.assert_array_equal(both, np.concatenate((absolute, relative)))
    shift = int(np.argmax(absolute[:12]))
    np.testing.assert_array_equal(relative[:12], np.roll(absolute[:12], -shift))
    np.testing.assert_array_equal(relative[12:], np.roll(absolute[12:], -shift))


@pytest.mark.parametrize(
    "y", [np.zeros(SR), np.zeros(2), np.array([0.3])], ids=["silence", "two-zeros", "one-sample"]
)
def test_degenerate_input_is_finite(y):
    names, row = _features(y, profile="both")
    assert row.shape == (len(names),)
    assert np.isfinite(row).all()


def test_silence_has_no_pitch():
    _, row = _features(np.zeros(SR))
    np.testing.assert_array_equal(row, 0.0)


def test_invalid_profile():
    with pytest.raises(ValueError, match="profile"):
        ChromaFeatures(profile="sorted").fit([np.zeros(10)])
