"""load_audio, audio_info and iter_blocks on synthetic files and the real clips."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from generify import AudioError, GenerifyError, audio, load_audio
from generify.audio import SILENCE_FRAME, audio_info, cut_blocks, iter_blocks


@pytest.fixture
def stereo_wav(tmp_path, tone):
    left, right = tone(440, 1.0, sr=44100), tone(660, 1.0, sr=44100, amplitude=0.25)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 44100, subtype="PCM_16")
    return path


@pytest.mark.parametrize(
    ("fmt", "subtype", "suffix"),
    [
        ("WAV", "PCM_U8", ".wav"),
        ("WAV", "PCM_16", ".wav"),
        ("WAV", "PCM_24", ".wav"),
        ("WAV", "PCM_32", ".wav"),
        ("WAV", "FLOAT", ".wav"),
        ("AU", "PCM_16", ".au"),
        ("AIFF", "PCM_16", ".aiff"),
        ("FLAC", "PCM_16", ".flac"),
        ("OGG", "VORBIS", ".ogg"),
        ("MP3", "MPEG_LAYER_III", ".mp3"),
    ],
)
def test_reads_every_libsndfile_format(tmp_path, tone, fmt, subtype, suffix):
    y = tone(440, 0.5)
    path = tmp_path / f"tone{suffix}"
    sf.write(path, y, 22050, format=fmt, subtype=subtype)
    out, sr = load_audio(path)
    assert sr == 22050
    assert out.dtype == np.float32
    assert np.abs(out).max() <= 1.0
    if subtype in {"VORBIS", "MPEG_LAYER_III"}:
        # lossy codecs add delay/padding; compare the tone's pitch and level instead of samples
        spectrum = np.abs(np.fft.rfft(out))
        assert abs(spectrum.argmax() * sr / out.shape[0] - 440) < 5
        assert abs(np.sqrt(np.mean(out**2)) - np.sqrt(np.mean(y**2))) < 0.05
    elif subtype == "PCM_U8":
        # 8-bit samples are 1/128 apart: off by at most one step (measured 0.99998)
        np.testing.assert_allclose(out, y, rtol=0, atol=1 / 128 + 1e-6)
    else:
        np.testing.assert_allclose(out, y, atol=2e-4)


def test_downmix_and_resample(stereo_wav):
    y, sr = load_audio(stereo_wav, sr=22050)
    assert sr == 22050 and y.ndim == 1
    assert y.shape[0] == 22050
    both, native = load_audio(stereo_wav, sr=None, mono=False)
    assert native == 44100 and both.shape == (44100, 2)
    np.testing.assert_allclose(load_audio(stereo_wav, sr=None)[0], both.mean(axis=1), atol=1e-6)


def test_offset_and_duration_read_only_the_span(stereo_wav):
    full, _ = load_audio(stereo_wav, sr=None)
    part, _ = load_audio(stereo_wav, sr=None, offset=0.25, duration=0.5)
    np.testing.assert_array_equal(part, full[11025 : 11025 + 22050])


def test_file_object_source(stereo_wav):
    data = io.BytesIO(stereo_wav.read_bytes())
    a, _ = load_audio(data)
    b, _ = load_audio(data)  # read twice: the object is rewound
    np.testing.assert_array_equal(a, b)


def test_audio_info(stereo_wav):
    info = audio_info(stereo_wav)
    assert (info.frames, info.sample_rate, info.channels) == (44100, 44100, 2)
    assert info.duration == pytest.approx(1.0)


def test_iter_blocks_cover_the_file(stereo_wav):
    full, _ = load_audio(stereo_wav, sr=None)
    blocks = list(iter_blocks(stereo_wav, block_duration=0.3, sr=None))
    assert [round(start, 6) for start, _ in blocks] == [0.0, 0.3, 0.6, 0.9]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), full)


def test_resampling_keeps_the_passband_and_rejects_aliases(tmp_path, tone):
    # a 44.1-kHz file: 5 kHz must survive the conversion to 22.05 kHz, 11.6 kHz must not
    # fold back to 10.45 kHz (scipy's short polyphase filter leaves it at -12.6 dB)
    for freq, low, high in ((5000, 0.99, 1.01), (11600, 0.0, 1e-4)):
        path = tmp_path / f"{freq}.wav"
        sf.write(path, tone(freq, 1.0, sr=44100), 44100, subtype="FLOAT")
        y, sr = load_audio(path)
        kept = np.sqrt(np.mean(y[1000:-1000] ** 2)) / np.sqrt(np.mean(tone(freq, 1.0) ** 2))
        assert sr == 22050 and y.shape == (22050,)
        assert low <= kept <= high, (freq, kept)


def test_iter_blocks_resample_as_one_stream(stereo_wav):
    full, _ = load_audio(stereo_wav, sr=22050)
    blocks = list(iter_blocks(stereo_wav, block_duration=0.3, sr=22050))
    assert [start for start, _ in blocks] == pytest.approx([0.0, 0.3, 0.6, 0.9])
    assert [b.shape[0] for _, b in blocks] == [6615, 6615, 6615, 2205]
    # one filter over the whole stream: no seams, the samples of the whole-file load
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), full)


def test_shorter_than_one_sample_at_the_target_rate(tmp_path):
    path = tmp_path / "blip.wav"
    sf.write(path, np.array([0.5], np.float32), 96000)
    with pytest.raises(AudioError, match="shorter than one sample at 22050 Hz") as info:
        load_audio(path)
    assert str(path) in str(info.value)
    with pytest.raises(AudioError, match="shorter than one sample at 22050 Hz"):
        list(iter_blocks(path, block_duration=1.0))


def _between_silences(lead: int, sound: int, gap: int, again: int, tail: int) -> np.ndarray:
    """Silence, a cosine (loud from its first sample), silence, a cosine, silence."""
    t = np.arange(max(sound, again)) / 22050
    burst = (0.5 * np.cos(2 * np.pi * 440 * t)).astype(np.float32)
    parts = [np.zeros(lead), burst[:sound], np.zeros(gap), burst[:again], np.zeros(tail)]
    return np.concatenate(parts).astype(np.float32)


def test_iter_blocks_trim_leaves_out_the_silent_ends_only(tmp_path):
    y = _between_silences(11025, 15000, 5000, 3000, 20000)
    path = tmp_path / "padded.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    blocks = list(iter_blocks(path, block_duration=0.25, trim_db=-60.0))
    assert blocks[0][0] == pytest.approx(0.5)  # the file's time of the first sound
    assert [b.shape[0] for _, b in blocks[:-1]] == [5512] * (len(blocks) - 1)
    # the silence between the two sounds is kept; the cosine's last sample ends the track
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), y[11025:34025])
    untrimmed = np.concatenate([b for _, b in iter_blocks(path, block_duration=0.25)])
    np.testing.assert_array_equal(untrimmed, y)


@pytest.mark.parametrize("size", [1, 1000])
@pytest.mark.parametrize("max_trailing_silence", [audio.MAX_TRAILING_SILENCE, 0.1])
@pytest.mark.parametrize("seed", range(5))
def test_trimming_does_not_depend_on_how_the_signal_arrives(
    seed, max_trailing_silence, size, monkeypatch
):
    monkeypatch.setattr(audio, "MAX_TRAILING_SILENCE", max_trailing_silence)
    rng = np.random.default_rng(seed)
    # runs of noise from -75 to -45 dBFS: which frames pass -60 dBFS depends on the frame
    # grid, which must stay anchored at the signal's first sample
    runs = [
        10 ** (rng.uniform(-75, -45) / 20) * rng.standard_normal(rng.integers(1, 3 * SILENCE_FRAME))
        for _ in range(8)
    ]
    y = np.concatenate(runs).astype(np.float32)
    cuts = np.sort(rng.integers(0, y.shape[0], size=12))
    pieces = np.split(y, cuts)  # uneven, some empty, frames split across pieces
    streamed = list(cut_blocks(pieces, size=size, sr=22050, trim_db=-60.0, name="x"))
    first, last = _sound_span(y, level=10 ** (-60 / 20))
    last = max(last, y.shape[0] - round(max_trailing_silence * 22050))  # the longest held back
    assert [p for p, _ in streamed] == list(range(first, last, size))
    np.testing.assert_array_equal(np.concatenate([b for _, b in streamed]), y[first:last])


def _sound_span(y: np.ndarray, *, level: float) -> tuple[int, int]:
    """The documented rule, written plainly over the whole signal: [first, last) sample."""
    frames = [y[i : i + SILENCE_FRAME] for i in range(0, y.shape[0], SILENCE_FRAME)]
    loud = [
        i
        for i, frame in enumerate(frames)
        if np.sqrt(np.mean(np.square(frame, dtype=np.float64))) > level
    ]
    head = np.abs(frames[loud[0]].astype(np.float64))
    tail = np.abs(frames[loud[-1]].astype(np.float64))
    first = loud[0] * SILENCE_FRAME + np.flatnonzero(head > level)[0]
    last = loud[-1] * SILENCE_FRAME + np.flatnonzero(tail > level)[-1] + 1
    return int(first), int(last)


def test_samples_at_the_float32_nearest_the_level_count_as_above_it():
    # float32(0.001) is above 0.001: the level must not be rounded to float32 first
    y = np.full(3 * SILENCE_FRAME, 0.001, np.float32)
    ((start, kept),) = cut_blocks([y], size=len(y), sr=22050, trim_db=-60.0, name="x")
    assert start == 0
    np.testing.assert_array_equal(kept, y)


def test_a_frame_loud_only_by_rounding_keeps_its_loudest_samples():
    # constants whose float64 mean square over a frame rounds above their own square
    def loud_by_rounding(value: np.float32) -> bool:
        level = float(value)
        mean_square = audio._frame_mean_squares(np.full(SILENCE_FRAME, value))[0]
        return mean_square > level**2 and 10 ** (20 * np.log10(level) / 20) == level

    value = next(v for v in np.linspace(0.3, 0.9, 10_000, dtype=np.float32) if loud_by_rounding(v))
    silence = np.zeros(SILENCE_FRAME, np.float32)
    y = np.concatenate([silence, np.full(SILENCE_FRAME, value), silence])
    trim_db = 20 * np.log10(float(value))
    ((start, kept),) = cut_blocks([y], size=len(y), sr=22050, trim_db=trim_db, name="x")
    assert start == SILENCE_FRAME
    np.testing.assert_array_equal(kept, y[SILENCE_FRAME : 2 * SILENCE_FRAME])


def test_trim_judges_frames_by_rms_over_all_channels(tmp_path):
    rng = np.random.default_rng(0)
    quiet = 10 ** (-70 / 20) * rng.standard_normal((22050, 2))  # hiss at -70 dBFS RMS
    loud = 10 ** (-50 / 20) * rng.standard_normal((22050, 2))
    path = tmp_path / "hiss.wav"
    sf.write(path, np.concatenate([quiet, loud, quiet]).astype(np.float32), 22050, subtype="FLOAT")
    blocks = list(iter_blocks(path, block_duration=10.0, mono=False, trim_db=-60.0))
    ((start, y),) = blocks
    # cut within the edge frames: at most one frame of hiss is left at either end
    assert 22050 - SILENCE_FRAME <= round(start * 22050) <= 22050
    assert 22050 <= y.shape[0] <= 22050 + 2 * SILENCE_FRAME and y.shape[1] == 2


def test_a_silent_file_is_an_audio_error_naming_it(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.full(30000, 1e-4, np.float32), 22050, subtype="FLOAT")  # -80 dBFS
    with pytest.raises(AudioError, match="silent") as info:
        list(iter_blocks(path, block_duration=1.0, trim_db=-60.0))
    assert str(path) in str(info.value)
    assert len(list(iter_blocks(path, block_duration=1.0, trim_db=-90.0))) == 2


def test_only_the_last_max_trailing_silence_seconds_are_held_back(monkeypatch):
    monkeypatch.setattr(audio, "MAX_TRAILING_SILENCE", 0.1)  # 2205 samples
    y = _between_silences(0, 5000, 0, 0, 6615)
    ((_, kept),) = cut_blocks([y], size=len(y), sr=22050, trim_db=-60.0, name="x")
    # of 6615 samples of final silence, the first 4410 are let through, bounding memory
    np.testing.assert_array_equal(kept, y[: 5000 + 4410])


def test_trimming_copies_no_more_than_a_block(monkeypatch):
    monkeypatch.setattr(audio, "MAX_TRAILING_SILENCE", 1.0)
    y = _between_silences(22050, 22050, 0, 0, 60 * 22050)  # a second, then a minute of silence
    tracemalloc.start()
    try:
        blocks = cut_blocks([y], size=22050, sr=22050, trim_db=-60.0, name="x")
        assert sum(b.shape[0] for _, b in blocks) == 60 * 22050
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the held minute is views of the waveform: at most a block spanning pieces is copied
    assert peak < 2 * 22050 * 4


@pytest.mark.parametrize("trim_db", [0, 3.0, float("nan"), -np.inf, "-60", True])
def test_trim_db_must_be_a_level_below_full_scale(stereo_wav, trim_db):
    with pytest.raises(ValueError, match="trim_db"):
        list(iter_blocks(stereo_wav, block_duration=1.0, trim_db=trim_db))


def test_iter_blocks_stream_ffmpeg_formats_one_block_at_a_time(shared_data):
    pytest.importorskip("av")
    path = shared_data / "indian-instrumental" / "harmonium" / "Classical Harmonium 1.m4a"
    full, sr = load_audio(path, sr=None, mono=False)
    tracemalloc.start()
    try:
        blocks = []
        for start, block in iter_blocks(path, block_duration=5.0, sr=None, mono=False):
            blocks.append((start, block.shape[0], block[:: sr // 100].copy()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < full.nbytes / 4  # a few 5-s blocks, never the whole decode
    assert [start for start, _, _ in blocks] == [5.0 * i for i in range(len(blocks))]
    assert {n for _, n, _ in blocks[:-1]} == {5 * sr}
    assert sum(n for _, n, _ in blocks) == full.shape[0]
    np.testing.assert_array_equal(
        np.concatenate([thinned for _, _, thinned in blocks]),
        np.concatenate([full[i : i + 5 * sr : sr // 100] for i in range(0, len(full), 5 * sr)]),
    )
    info = audio_info(path)
    assert (info.frames, info.sample_rate, info.channels) == (full.shape[0], sr, 2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.wav", b""), "empty file"),
        (lambda d: _write(d / "text.wav", b"this is not audio at all\n" * 20), "unreadable"),
    ],
)
def test_bad_paths_raise_audio_error_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(AudioError, match=message) as info:
        load_audio(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("sr", [0, -5, 11025.5, True, "22050"])
def test_invalid_target_rate_is_an_audio_error(stereo_wav, sr):
    with pytest.raises(AudioError, match="sr must be a positive integer number of Hz"):
        load_audio(stereo_wav, sr=sr)
    with pytest.raises(AudioError, match="sr must be a positive integer number of Hz"):
        next(iter_blocks(stereo_wav, block_duration=1.0, sr=sr))


def test_offset_past_end(stereo_wav):
    with pytest.raises(AudioError, match="past the end"):
        load_audio(stereo_wav, offset=5.0)


def test_zero_frames(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0,), dtype=np.float32), 22050)
    with pytest.raises(AudioError, match="no audio frames"):
        load_audio(path)


def test_non_finite_samples(tmp_path):
    path = tmp_path / "nan.wav"
    sf.write(path, np.array([0.0, np.nan, 0.1], dtype=np.float32), 22050, subtype="FLOAT")
    with pytest.raises(AudioError, match="non-finite"):
        load_audio(path)


@pytest.mark.parametrize("source", [None, 3, {"a": 1}])
def test_wrong_types(source):
    with pytest.raises(GenerifyError, match="not an audio source"):
        load_audio(source)


def test_real_au_and_wav_hold_the_same_samples(shared_data):
    au, sr_au = load_audio(shared_data / "gtzan-au/genres/blues/blues.00000.au")
    wav, sr_wav = load_audio(shared_data / "gtzan/genres/blues/blues.00000.wav")
    assert sr_au == sr_wav == 22050
    np.testing.assert_array_equal(au, wav)


def test_real_mp3_stereo_44k(shared_data):
    y, sr = load_audio(shared_data / "fma/000002.mp3", duration=2.0)
    assert sr == 22050 and y.shape == (44100,)
    assert np.abs(y).max() <= 1.0


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
