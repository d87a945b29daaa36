"""MFCCTransformer: python_speech_features fidelity, summaries, caching, parallelism."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import python_speech_features as psf
import soundfile as sf
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import generify.features.mfcc as mfcc_module
from generify import AudioError, MFCCTransformer, load_audio
from generify.features.mfcc import delta, frame_count, mfcc
from generify.filters import htk_mel_filterbank


def test_matches_python_speech_features_on_synthetic(tone):
    rng = np.random.default_rng(0)
    y = tone(440, 0.7) + 0.01 * rng.standard_normal(15435).astype(np.float32)
    expected = psf.mfcc(y.astype(np.float64), samplerate=22050, nfft=1024)
    np.testing.assert_allclose(mfcc(y, sample_rate=22050), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "options",
    [
        {"numcep": 20, "nfilt": 40, "nfft": 2048, "ceplifter": 0, "appendEnergy": False},
        {
            "winlen": 0.05,
            "winstep": 0.025,
            "nfft": 2048,
            "lowfreq": 300,
            "highfreq": 8000,
            "preemph": 0.0,
        },
        {"nfft": 512},  # the 0.6 release's default: frames longer than nfft are truncated
    ],
)
def test_matches_python_speech_features_options(tone, options):
    y = tone(220, 0.5) + tone(3000, 0.5, amplitude=0.1)
    expected = psf.mfcc(y.astype(np.float64), samplerate=22050, **{"nfft": 1024, **options})
    np.testing.assert_allclose(
        mfcc(y, sample_rate=22050, **options), expected, rtol=1e-9, atol=1e-9
    )


def test_filterbank_matches_python_speech_features():
    ours = htk_mel_filterbank(nfilt=26, nfft=1024, sample_rate=22050)
    np.testing.assert_allclose(ours, psf.get_filterbanks(26, 1024, 22050))


def test_delta_matches_python_speech_features():
    feat = np.random.default_rng(1).standard_normal((50, 13))
    np.testing.assert_allclose(delta(feat), psf.delta(feat, 2))


def test_matches_python_speech_features_on_real_clips(gtzan_dir):
    for genre in ("classical", "metal", "hiphop"):
        y, sr = load_audio(gtzan_dir / f"genres/{genre}/{genre}.00001.wav", duration=10.0)
        expected = psf.mfcc(y.astype(np.float64), samplerate=sr, nfft=1024)
        np.testing.assert_allclose(mfcc(y, sample_rate=sr), expected, rtol=1e-6, atol=1e-8)


def test_default_summary_is_the_seeds_trimmed_mean(tone):
    y = tone(440, 1.0) * np.linspace(0, 1, 22050, dtype=np.float32)
    frames = psf.mfcc(y.astype(np.float64), samplerate=22050, nfft=1024)
    n = len(frames)
    expected = frames[int(n / 10) : int(n * 9 / 10)].mean(axis=0)
    np.testing.assert_allclose(MFCCTransformer().fit_transform([y])[0], expected, rtol=1e-9)


def test_statistics_and_feature_names(tone):
    # Rising level and noise make the frames, and so std and deltas, far from constant.
    rng = np.random.default_rng(0)
    ramp = np.linspace(0.2, 1.0, 11025)
    X = [tone(440, 0.5) * ramp + 0.01 * rng.standard_normal(11025), tone(880, 0.5) * ramp[::-1]]
    t = MFCCTransformer(numcep=5, statistics=("mean", "std", "delta_mean", "delta_std"))
    out = t.fit_transform(X)
    names = list(t.get_feature_names_out())
    assert out.shape == (2, 20) == (2, len(names))
    assert names[:2] == ["mfcc0_mean", "mfcc1_mean"] and names[-1] == "mfcc4_delta_std"
    for y, row in zip(X, out):
        ceps = psf.mfcc(np.asarray(y, dtype=np.float64), samplerate=22050, numcep=5, nfft=1024)
        # The documented convention: deltas over all frames, then the middle 80 % of
        # both (deltas of the trimmed frames alone differ here by up to 0.15).
        deltas = psf.delta(ceps, 2)
        kept = slice(int(len(ceps) * 0.1), int(len(ceps) * 0.9))
        expected = [
            ceps[kept].mean(0),
            ceps[kept].std(0),
            deltas[kept].mean(0),
            deltas[kept].std(0),
        ]
        # float64 equals python_speech_features to about 1e-12 (measured 2e-14 here)
        np.testing.assert_allclose(row, np.concatenate(expected), rtol=1e-9, atol=1e-9)


def test_silence_gives_finite_features():
    out = MFCCTransformer().fit_transform(np.zeros((2, 5000)))
    assert np.isfinite(out).all()


def test_paths_file_objects_and_waveforms_agree(tmp_path, tone):
    y = tone(330, 1.0)
    path = tmp_path / "a.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    t = MFCCTransformer().fit([path])
    with open(path, "rb") as handle:
        out = t.transform([path, str(path), handle, y])
    np.testing.assert_allclose(out, np.repeat(out[:1], 4, axis=0), rtol=1e-12)


def test_memory_cache_skips_decoding_second_time(tmp_path, tone, monkeypatch):
    path = tmp_path / "a.wav"
    sf.write(path, tone(330, 1.0), 22050)
    t = MFCCTransformer(memory=tmp_path / "cache").fit([path])
    first = t.transform([path])
    import generify.features._base as base

    def fail(*args, **kwargs):
        raise AssertionError("decoded although cached")

    monkeypatch.setattr(base, "load_audio", fail)
    np.testing.assert_array_equal(t.transform([path]), first)


def test_n_jobs_gives_the_same_result(gtzan_dir):
    files = sorted((gtzan_dir / "genres/jazz").glob("*.wav"))[:4]
    serial = MFCCTransformer().fit_transform(files)
    parallel = MFCCTransformer(n_jobs=2).fit_transform(files)
    np.testing.assert_allclose(serial, parallel, rtol=1e-12)


def test_on_error_skip_and_warn(tmp_path, tone):
    good = tmp_path / "good.wav"
    sf.write(good, tone(440, 0.5), 22050)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(AudioError, match=r"bad\.wav"):
        MFCCTransformer().fit_transform([good, bad])
    t = MFCCTransformer(on_error="skip")
    assert t.fit_transform([good, bad, good]).shape == (2, 13)
    assert [(s.index, s.source) for s in t.skipped_] == [(1, str(bad))]
    with pytest.warns(UserWarning, match=r"bad\.wav"):
        MFCCTransformer(on_error="warn").fit_transform([bad, good])


@pytest.mark.parametrize("X", ["song.wav", np.zeros(100), [None], [np.zeros((2, 3))], 42, []])
def test_bad_input_forms_raise_value_errors(X):
    with pytest.raises(ValueError):
        MFCCTransformer().fit_transform(X)


@pytest.mark.parametrize(
    "params",
    [
        {"numcep": 0},
        {"numcep": 30},
        {"trim": 0.5},
        {"statistics": ("median",)},
        {"on_error": "ignore"},
        {"sample_rate": 0},
        {"winlen": -1.0},
    ],
)
def test_invalid_parameters_raise_in_fit(params):
    t = MFCCTransformer(**params)  # __init__ only stores
    with pytest.raises(ValueError):
        t.fit([np.zeros(1000)])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"winstep": 1e-5}, "winstep"),  # hop rounds to 0 samples
        ({"winlen": float("inf")}, "winlen"),
        ({"winstep": float("nan")}, "winstep"),
        ({"nfft": 512.0}, "nfft"),
        ({"nfft": -512}, "nfft"),
        ({"nfft": 0}, "nfft"),
        ({"nfft": 1}, "nfft"),
        ({"nfft": True}, "nfft"),
        ({"lowfreq": 5000, "highfreq": 1000}, "highfreq"),
        ({"lowfreq": 3000, "highfreq": 3000}, "highfreq"),
        ({"lowfreq": 12000}, "lowfreq"),
        ({"lowfreq": -1.0}, "lowfreq"),
        ({"highfreq": -5.0}, "highfreq"),
        ({"highfreq": 20000}, "highfreq"),
        ({"highfreq": float("nan")}, "highfreq"),
        ({"ceplifter": None}, "ceplifter"),
        ({"ceplifter": 22.0}, "ceplifter"),
        ({"preemph": "a"}, "preemph"),
        ({"preemph": float("nan")}, "preemph"),
        ({"preemph": float("inf")}, "preemph"),
        ({"nfilt": "26"}, "nfilt"),
        ({"nfilt": 0}, "nfilt"),
        ({"numcep": True}, "numcep"),
        ({"numcep": 13.0}, "numcep"),
        ({"trim": "a"}, "trim"),
        ({"statistics": ("mean", "mean")}, "statistics"),
        ({"statistics": ("mean", 1)}, "statistics"),
    ],
)
def test_parameters_checked_in_fit_name_the_parameter(params, name):
    y = np.random.default_rng(0).standard_normal(22050) * 0.1
    with pytest.raises(ValueError, match=name):
        MFCCTransformer(**params).fit([y])


def test_parameter_error_is_not_a_skipped_track():
    # a bad parameter used to pass fit and then reject every track as degenerate audio
    y = np.random.default_rng(0).standard_normal(22050) * 0.1
    with pytest.raises(ValueError, match="preemph"):
        MFCCTransformer(preemph=np.nan, on_error="skip").fit_transform([y, y])


@pytest.mark.parametrize(
    "params",
    [
        {"nfft": 256},  # shorter than the 551-sample frame: truncated as in python_speech_features
        {"nfft": np.int64(2048)},
        {"highfreq": 11025.0, "lowfreq": 300},
        {"highfreq": np.float32(8000.0)},
        {"winstep": 1 / 22050},
        {"preemph": 0, "ceplifter": 0, "numcep": 26},
        {"ceplifter": -3},
        {"statistics": "std"},
    ],
)
def test_edge_parameters_stay_valid(params):
    y = np.random.default_rng(0).standard_normal(4000) * 0.1
    out = MFCCTransformer(**params).fit_transform([y])
    assert np.isfinite(out).all()


def test_clone_pickle_pipeline(tone):
    X = [tone(200 + 100 * i, 0.3) for i in range(4)]
    pipe = make_pipeline(MFCCTransformer(numcep=8), StandardScaler())
    out = pipe.fit_transform(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(pipe)).transform(X), out)
    assert clone(pipe).get_params()["mfcctransformer__numcep"] == 8


def test_frame_slice_equals_the_same_rows_of_all_frames(tone):
    y = tone(440, 0.5) + tone(3000, 0.5, amplitude=0.1)
    full = mfcc(y, sample_rate=22050)
    assert frame_count(len(y), sample_rate=22050, winlen=0.025, winstep=0.01) == len(full)
    part = mfcc(y, sample_rate=22050, frames=slice(5, 30))
    np.testing.assert_allclose(part, full[5:30], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="contiguous"):
        mfcc(y, sample_rate=22050, frames=slice(0, 10, 2))


def test_frames_in_several_blocks_and_slices_across_their_edges(tone):
    noise = np.random.default_rng(2).standard_normal(88200).astype(np.float32)
    y = tone(440, 4.0) + 0.05 * noise  # 398 frames: several blocks of the FFT loop
    expected = psf.mfcc(y.astype(np.float64), samplerate=22050, nfft=1024)
    np.testing.assert_allclose(mfcc(y, sample_rate=22050), expected, rtol=1e-9, atol=1e-9)
    for part in (slice(100, 300), slice(127, 129), slice(390, None), slice(3, 3)):
        np.testing.assert_allclose(
            mfcc(y, sample_rate=22050, frames=part), expected[part], rtol=1e-9, atol=1e-9
        )


@pytest.mark.parametrize("n_samples", [1, 300, 551, 552, 772])
def test_signals_of_about_one_frame_match_python_speech_features(n_samples):
    y = np.random.default_rng(3).uniform(-1, 1, n_samples).astype(np.float32)
    expected = psf.mfcc(y.astype(np.float64), samplerate=22050, nfft=1024)
    np.testing.assert_allclose(mfcc(y, sample_rate=22050), expected, rtol=1e-9, atol=1e-9)


def test_odd_fft_size_both_precisions(gtzan_dir):
    y, sr = load_audio(gtzan_dir / "genres/jazz/jazz.00003.wav", duration=5.0)
    for options in ({"nfft": 1001}, {"nfft": 1001, "appendEnergy": False, "lowfreq": 300}):
        expected = psf.mfcc(y.astype(np.float64), samplerate=sr, **options)
        np.testing.assert_allclose(
            mfcc(y, sample_rate=sr, **options), expected, rtol=1e-6, atol=1e-8
        )
        np.testing.assert_allclose(
            mfcc(y, sample_rate=sr, dtype=np.float32, **options), expected, atol=1e-3
        )


def test_reused_buffers_across_parameters_and_threads(tone):
    y = tone(220, 2.0) + tone(3000, 2.0, amplitude=0.1)
    cases = [
        {},
        {"nfft": 2048},
        {"winlen": 0.05, "winstep": 0.025, "nfft": 2048},
        {"dtype": np.float32},
        {"nfft": 2048, "dtype": np.float32},
        {},
    ]
    expected = [
        psf.mfcc(
            y.astype(np.float64),
            samplerate=22050,
            **{"nfft": 1024, **{k: v for k, v in options.items() if k != "dtype"}},
        )
        for options in cases
    ]
    for options, reference in zip(cases, expected, strict=True):
        tolerance = {"atol": 1e-3} if "dtype" in options else {"rtol": 1e-9, "atol": 1e-9}
        np.testing.assert_allclose(mfcc(y, **options), reference, **tolerance)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda options: mfcc(y, **options), cases * 4))
    for result, options in zip(results, cases * 4, strict=True):
        np.testing.assert_array_equal(result, mfcc(y, **options))


@pytest.mark.parametrize("options", [{}, {"nfft": 1001, "appendEnergy": False}])
def test_float64_through_fftpack_as_with_numpy_1(monkeypatch, tone, options):
    # numpy < 2 has no rfft(out=): float64 then takes fftpack's packed in-place path
    monkeypatch.setattr(mfcc_module, "_NUMPY_RFFT_OUT", False)
    noise = np.random.default_rng(4).standard_normal(33075).astype(np.float32)
    y = tone(330, 1.5) + 0.05 * noise
    expected = psf.mfcc(y.astype(np.float64), samplerate=22050, **{"nfft": 1024, **options})
    np.testing.assert_allclose(mfcc(y, **options), expected, rtol=1e-9, atol=1e-9)


def test_float32_path_within_documented_tolerance(gtzan_dir):
    y, sr = load_audio(gtzan_dir / "genres/rock/rock.00002.wav", duration=10.0)
    expected = psf.mfcc(y.astype(np.float64), samplerate=sr, nfft=1024)
    np.testing.assert_allclose(mfcc(y, sample_rate=sr, dtype=np.float32), expected, atol=1e-3)
    with pytest.raises(ValueError, match="dtype"):
        mfcc(y, sample_rate=sr, dtype=np.int32)


def test_transformer_float32_option(tone):
    y = tone(440, 1.0) + tone(2500, 1.0, amplitude=0.2)
    exact = MFCCTransformer().fit_transform([y])
    fast = MFCCTransformer(dtype="float32").fit_transform([y])
    np.testing.assert_allclose(fast, exact, atol=1e-3)
    with pytest.raises(ValueError, match="dtype"):
        MFCCTransformer(dtype="float16").fit([y])
