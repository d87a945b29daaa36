"""Regenerate ``minuet_in_g.ogg``, the demo clip used by the README.

The first strain (bars 1-16, without repeat or ornaments) of the Minuet in G
major, BWV Anh. 114 (Christian Petzold, from the 1725 Notebook for Anna
Magdalena Bach), is written out below as note names, turned into a Standard
MIDI File by a tiny writer, rendered with FluidSynth and the FluidR3_GM
soundfont (acoustic grand piano), trimmed, peak-normalised and saved as Ogg
Vorbis.

Needs the Debian packages ``fluidsynth`` and ``fluid-soundfont-gm`` plus numpy
and soundfile (all in the dev virtualenv). Run from anywhere::

    python examples/audio/render_demo.py
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "minuet_in_g.ogg"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")

TEMPO_BPM = 112  # quarter notes per minute
TICKS_PER_QUARTER = 480
SAMPLE_RATE = 44100  # Hz
MAX_SECONDS = 30.0  # s, upper bound of the clip
FADE_SECONDS = 0.5  # s, fade-out so a cut never clicks
PEAK_DBFS = -1.0  # dB relative to full scale
VORBIS_QUALITY = 0.4  # soundfile's 0..1 scale; about 400 KB for this clip
PIANO_PROGRAM = 0  # General MIDI "Acoustic Grand Piano"

# Durations in quarter notes.
Q, E, H, DH = 1.0, 0.5, 2.0, 3.0

# One bar: (pitch name or chord of pitch names, duration in quarter notes) pairs.
Bar = list[tuple[str | tuple[str, ...], float]]

# Bars 1-16 of the right hand: (pitch, duration) per bar.
RIGHT_HAND: list[Bar] = [
    [("D5", Q), ("G4", E), ("A4", E), ("B4", E), ("C5", E)],
    [("D5", Q), ("G4", Q), ("G4", Q)],
    [("E5", Q), ("C5", E), ("D5", E), ("E5", E), ("F#5", E)],
    [("G5", Q), ("G4", Q), ("G4", Q)],
    [("C5", Q), ("D5", E), ("C5", E), ("B4", E), ("A4", E)],
    [("B4", Q), ("C5", E), ("B4", E), ("A4", E), ("G4", E)],
    [("F#4", Q), ("G4", E), ("A4", E), ("B4", E), ("G4", E)],
    [("A4", DH)],
    [("D5", Q), ("G4", E), ("A4", E), ("B4", E), ("C5", E)],
    [("D5", Q), ("G4", Q), ("G4", Q)],
    [("E5", Q), ("C5", E), ("D5", E), ("E5", E), ("F#5", E)],
    [("G5", Q), ("G4", Q), ("G4", Q)],
    [("C5", Q), ("D5", E), ("C5", E), ("B4", E), ("A4", E)],
    [("B4", Q), ("C5", E), ("B4", E), ("A4", E), ("G4", E)],
    [("A4", Q), ("B4", E), ("A4", E), ("G4", E), ("F#4", E)],
    [("G4", DH)],
]

# Bars 1-16 of the left hand; a tuple of pitches is a chord.
LEFT_HAND: list[Bar] = [
    [(("G3", "B3", "D4"), H), ("A3", Q)],
    [("B3", DH)],
    [("C4", DH)],
    [("B3", DH)],
    [("A3", DH)],
    [("G3", DH)],
    [("D4", Q), ("B3", Q), ("G3", Q)],
    [("D4", Q), ("D3", E), ("C4", E), ("B3", E), ("A3", E)],
    [("B3", H), ("A3", Q)],
    [("G3", Q), ("B3", Q), ("G3", Q)],
    [("C4", DH)],
    [("B3", Q), ("C4", E), ("B3", E), ("A3", E), ("G3", E)],
    [("A3", H), ("F#3", Q)],
    [("G3", H), ("B3", Q)],
    [("C4", Q), ("D4", Q), ("D3", Q)],
    [("G3", H), ("G2", Q)],
]

SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def midi_number(name: str) -> int:
    """MIDI note number of a name such as ``"F#4"`` (C4 = 60)."""
    step, octave = name[0], int(name[-1])
    accidental = name[1:-1].count("#") - name[1:-1].count("b")
    return 12 * (octave + 1) + SEMITONES[step] + accidental


def note_events(bars: list[Bar], *, channel: int, velocity: int) -> list[tuple[int, int, bytes]]:
    """(tick, order, message) note events; note-offs sort before note-ons."""
    events = []
    tick = 0
    for bar in bars:
        for pitches, quarters in bar:
            length = round(quarters * TICKS_PER_QUARTER)
            # Slightly detached (non-legato) articulation, as on a harpsichord.
            sounding = round(length * 0.92)
            chord = (pitches,) if isinstance(pitches, str) else pitches
            # Stress the downbeat of every bar a little, as a dancer would feel it.
            accent = 8 if tick % (3 * TICKS_PER_QUARTER) == 0 else 0
            for name in chord:
                key = midi_number(name)
                on = bytes([0x90 | channel, key, min(127, velocity + accent)])
                off = bytes([0x80 | channel, key, 0])
                events.append((tick, 1, on))
                events.append((tick + sounding, 0, off))
            tick += length
    return events


def variable_length(value: int) -> bytes:
    """MIDI variable-length quantity: 7 bits per byte, high bit = more follow."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_file() -> bytes:
    """A format-0 Standard MIDI File with both hands on two piano channels."""
    microseconds_per_quarter = round(60_000_000 / TEMPO_BPM)
    setup = [
        (0, 0, b"\xff\x51\x03" + microseconds_per_quarter.to_bytes(3, "big")),
        (0, 0, b"\xff\x58\x04\x03\x02\x18\x08"),  # 3/4 time
        (0, 0, b"\xff\x59\x02\x01\x00"),  # G major
        (0, 0, bytes([0xC0, PIANO_PROGRAM])),
        (0, 0, bytes([0xC1, PIANO_PROGRAM])),
    ]
    events = sorted(
        setup
        + note_events(RIGHT_HAND, channel=0, velocity=84)
        + note_events(LEFT_HAND, channel=1, velocity=64),
        key=lambda event: (event[0], event[1]),
    )
    track = bytearray()
    previous = 0
    for tick, _, message in events:
        track += variable_length(tick - previous) + message
        previous = tick
    track += b"\x00\xff\x2f\x00"  # end of track
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def render(midi_path: Path, wav_path: Path) -> None:
    """Render the MIDI file to 44.1 kHz stereo WAV with FluidSynth."""
    if shutil.which("fluidsynth") is None or not SOUNDFONT.is_file():
        sys.exit(
            "needs FluidSynth and FluidR3_GM: apt-get install -y fluidsynth fluid-soundfont-gm"
        )
    subprocess.run(
        [
            "fluidsynth",
            "-n",  # no MIDI input driver
            "-i",  # no interactive shell
            "-q",
            "-g",
            "0.6",
            "-r",
            str(SAMPLE_RATE),
            "-F",
            str(wav_path),
            str(SOUNDFONT),
            str(midi_path),
        ],
        check=True,
    )


def finish(samples: np.ndarray) -> np.ndarray:
    """Trim silence, cap the length, fade out and normalise the peak."""
    level = np.abs(samples).max(axis=1)
    # -60 dB below the peak counts as silence (reverb tail, synth start-up).
    audible = np.flatnonzero(level > level.max() * 10 ** (-60 / 20))
    samples = samples[audible[0] : audible[-1] + 1]
    samples = samples[: int(MAX_SECONDS * SAMPLE_RATE)]
    fade = int(FADE_SECONDS * SAMPLE_RATE)
    samples[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    return samples * (10 ** (PEAK_DBFS / 20) / np.abs(samples).max())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        midi_path = Path(tmp) / "minuet.mid"
        wav_path = Path(tmp) / "minuet.wav"
        midi_path.write_bytes(midi_file())
        render(midi_path, wav_path)
        samples, sr = sf.read(wav_path, dtype="float64", always_2d=True)
    if sr != SAMPLE_RATE or samples.shape[1] != 2:
        sys.exit(f"fluidsynth wrote {sr} Hz, {samples.shape[1]} channels")
    samples = finish(samples)
    sf.write(
        OUTPUT,
        samples,
        SAMPLE_RATE,
        format="OGG",
        subtype="VORBIS",
        compression_level=1.0 - VORBIS_QUALITY,
    )
    print(
        f"{OUTPUT.name}: {len(samples) / SAMPLE_RATE:.2f} s, {OUTPUT.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
