"""The 57 GTZAN-table features: reproduction of the public table, and behaviour on any audio."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf
from joblib import Parallel, delayed
from numpy.testing import assert_allclose

from generify.errors import AudioError
from generify.features.gtzan import GTZAN_FEATURE_NAMES, GTZANFeatures, gtzan_features

SR = 22050
TABLE = "gtzan-features/features_30_sec.csv"


def _column(name: str) -> int:
    return GTZAN_FEATURE_NAMES.index(name)


def _tolerance(column: str) -> dict[str, float]:
    """How close a column must come to the table, and why.

    The table holds librosa's float32 results printed with 9 decimals (values below 1e-4
    with 3 significant digits).  Measured worst differences over the 90 clips are in the
    comments; the tolerances leave a margin of 2-5.
    """
    if column == "tempo":
        return {"rtol": 1e-8, "atol": 0.0}  # identical lag; worst 4e-10 (printing)
    if column in ("harmony_mean", "perceptr_mean", "harmony_var", "perceptr_var"):
        # Means of near-zero waveforms and small variances printed with 3 digits:
        # worst 5.0e-8 absolute.
        return {"rtol": 1e-6, "atol": 1e-7}
    if column.startswith("mfcc") and column.endswith("_mean"):
        # float32 sums of dB values: worst 1.1e-6 absolute beyond 1e-6 relative.
        return {"rtol": 1e-6, "atol": 5e-6}
    # Everything else: worst 4.9e-6 relative (rms_var, 9-decimal printing), mostly < 1e-6.
    return {"rtol": 1e-6, "atol": 1e-9}


def _clip_features(path) -> np.ndarray:
    y, sr = sf.read(path, dtype="float32")  # int16 / 32768, as the table's librosa read it
    assert sr == SR
    return gtzan_features(y, sr=sr)


@pytest.fixture(scope="module")
def table_rows(shared_data):
    with open(shared_data / TABLE, newline="") as f:
        return {row["filename"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def table_comparison(shared_data, table_rows):
    """Our features and the table's for every clip in ../shared/data/gtzan with a row.

    Clips whose audio is shorter than the table's ``length`` (jazz.00009, of which only
    the first seconds are here) cannot be compared and are left out.
    """
    paths = sorted((shared_data / "gtzan" / "genres").glob("*/*.wav"))
    paths = [p for p in paths if p.name in table_rows]
    full = [p for p in paths if sf.info(p).frames == int(float(table_rows[p.name]["length"]))]
    assert len(full) >= 90, f"only {len(full)} full clips with a table row"
    # Two processes: the suite's machines have two cores.
    ours = Parallel(n_jobs=2)(delayed(_clip_features)(path) for path in full)
    table = [[float(table_rows[p.name][c]) for c in GTZAN_FEATURE_NAMES] for p in full]
    return [p.name for p in full], np.array(ours), np.array(table)


def test_feature_names_are_the_table_columns(shared_data):
    with open(shared_data / TABLE, newline="") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["filename", "length"] and header[-1] == "label"
    assert list(GTZAN_FEATURE_NAMES) == header[2:-1]


@pytest.mark.parametrize("column", GTZAN_FEATURE_NAMES)
def test_reproduces_the_table(table_comparison, column):
    clips, ours, table = table_comparison
    j = _column(column)
    worst = clips[int(np.argmax(np.abs(ours[:, j] - table[:, j])))]
    assert_allclose(
        ours[:, j], table[:, j], **_tolerance(column), err_msg=f"{column} (worst: {worst})"
    )


def test_transformer_on_files_equals_the_function(shared_data):
    path = shared_data / "gtzan" / "genres" / "rock" / "rock.00008.wav"
    y, sr = sf.read(path, dtype="float32")
    rows = GTZANFeatures().fit_transform([path])
    assert rows.shape == (1, 57)
    assert_allclose(rows[0], gtzan_features(y, sr=sr), rtol=1e-12, atol=1e-15)


# -- any audio --------------------------------------------------------------------------


def test_feature_names():
    assert len(GTZAN_FEATURE_NAMES) == len(set(GTZAN_FEATURE_NAMES)) == 57
    assert GTZAN_FEATURE_NAMES[:3] == ("chroma_stft_mean", "chroma_stft_var", "rms_mean")
    assert GTZAN_FEATURE_NAMES[16] == "tempo"
    assert GTZAN_FEATURE_NAMES[-2:] == ("mfcc20_mean", "mfcc20_var")


def test_silence():
    features = gtzan_features(np.zeros(3 * SR))
    assert np.isfinite(features).all()
    # The mel spectrogram is -100 dB everywhere: only mfcc1 (sqrt(128) times that) is non-zero.
    expected = np.zeros(57)
    expected[_column("mfcc1_mean")] = -100.0 * np.sqrt(128)
    assert_allclose(features, expected, atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 100, 511, 512, 700, 1025, 2048, 5000, 7000])
def test_short_signals_give_finite_features(n):
    rng = np.random.default_rng(n)
    features = gtzan_features(rng.uniform(-0.5, 0.5, n))
    assert features.shape == (57,) and features.dtype == np.float64
    assert np.isfinite(features).all()


def test_a_pure_tone():
    t = np.arange(5 * SR) / SR
    features = dict(zip(GTZAN_FEATURE_NAMES, gtzan_features(0.5 * np.sin(2 * np.pi * 440.0 * t))))
    assert features["rms_mean"] == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    assert features["spectral_centroid_mean"] == pytest.approx(440.0, rel=0.01)
    assert features["zero_crossing_rate_mean"] == pytest.approx(2 * 440.0 / SR, rel=0.02)
    assert features["rolloff_mean"] == pytest.approx(440.0, abs=2 * SR / 2048)
    # A steady tone is harmonic: its waveform keeps (nearly) all of the variance.
    assert features["harmony_var"] == pytest.approx(0.125, rel=0.02)
    assert features["perceptr_var"] < 0.01 * features["harmony_var"]
    # One pitch class at 1, the eleven others far below.
    assert features["chroma_stft_mean"] < 0.2


def test_tempo_of_a_click_track():
    rng = np.random.default_rng(3)
    y = np.zeros(20 * SR)
    burst = rng.standard_normal(200) * np.exp(-np.arange(200) / 30.0)
    period = 20 * 512  # 20 analysis frames: 129.2 beats per minute
    for start in range(512, y.size - 200, period):
        y[start : start + 200] = burst
    tempo = gtzan_features(0.3 * y)[_column("tempo")]
    assert tempo == pytest.approx(60.0 * SR / period)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.zeros(0), "empty"),
        (np.zeros((2, 100)), "1-D"),
        (np.array([0.0, np.nan, 0.1]), "non-finite"),
        (np.array([0.0, np.inf]), "non-finite"),
        (np.array(["a", "b"]), "real numbers"),
        (np.zeros(10, dtype=complex), "real numbers"),
    ],
)
def test_bad_waveforms_raise_audio_error(y, message):
    with pytest.raises(AudioError, match=message):
        gtzan_features(y)


def test_transformer_rows_and_names():
    t = np.arange(SR) / SR
    X = [np.sin(2 * np.pi * 440.0 * t), 0.1 * np.sin(2 * np.pi * 1000.0 * t[:15000])]
    transformer = GTZANFeatures()
    rows = transformer.fit_transform(X)
    assert rows.shape == (2, 57)
    for row, y in zip(rows, X):
        assert_allclose(row, gtzan_features(y), rtol=1e-12, atol=1e-15)
    assert list(transformer.get_feature_names_out()) == list(GTZAN_FEATURE_NAMES)


def test_transformer_sample_rate_is_passed_on():
    t = np.arange(3 * 16000) / 16000
    y = np.sin(2 * np.pi * 1000.0 * t)
    row = GTZANFeatures(sample_rate=16000).fit_transform([y])[0]
    assert_allclose(row, gtzan_features(y, sr=16000), rtol=1e-12, atol=1e-15)
    assert row[_column("spectral_centroid_mean")] == pytest.approx(1000.0, rel=0.02)
