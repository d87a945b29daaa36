"""What the benchmark scripts share: where the real audio is, timers, the machine header.

Not part of generify.  Each script runs as ``python benchmarks/<name>.py`` from any
directory; it measures the working tree's ``src/generify`` (put first on ``sys.path``),
finds the real clips in ``../shared/data`` beside the repository, and prints everything it
compares as measured in that one run.

Times are CPU seconds of this process (``time.process_time``) with BLAS limited to one
thread: "per core" figures that other programs on the machine disturb less than wall
time does.  Wall time is used only where parallelism is the point.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "src"))

#: Sub-folders of ../shared/data holding audio (the rest are tables and split lists).
AUDIO_FOLDERS = ("gtzan", "gtzan-au", "gtzan-float", "fma", "indian", "indian-instrumental")
AUDIO_SUFFIXES = {".wav", ".au", ".mp3", ".m4a", ".flac", ".ogg"}


def require_data() -> Path:
    """``../shared/data``, or exit with a message saying where it was looked for."""
    if not (SHARED_DATA / "README.md").is_file():
        sys.exit(f"real audio not found at {SHARED_DATA} (../shared/data beside the repository)")
    return SHARED_DATA


def gtzan_clips() -> list[Path]:
    """The GTZAN WAV clips (22050 Hz mono, 30 s; one of 15-20 s), sorted."""
    return sorted(require_data().glob("gtzan/genres/*/*.wav"))


def audio_files(folders: tuple[str, ...] = AUDIO_FOLDERS) -> list[Path]:
    """Every audio file under the given folders of ``../shared/data``, sorted."""
    root = require_data()
    return sorted(
        path
        for folder in folders
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES
    )


def header(title: str) -> None:
    """Print what the figures depend on: versions, CPU, BLAS kernel and its settings."""
    import numpy as np
    import scipy
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    except (OSError, StopIteration):
        pass
    blas = [
        f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')})"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    openblas_env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    print(f"== {title} ==")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; "
        f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"BLAS: {', '.join(blas) or 'unknown'}; OPENBLAS_* settings: {openblas_env or 'none'}")
    print()


def cpu_seconds(function: Callable[..., object], *args: object) -> float:
    """CPU time of one call ``function(*args)``, in seconds."""
    return least_cpu_seconds(function, *args, repeats=1)[0]


def least_cpu_seconds(
    function: Callable[..., object], *args: object, repeats: int
) -> tuple[float, object]:
    """The least CPU time of ``repeats`` calls ``function(*args)`` and the last result."""
    least = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        result = function(*args)
        least = min(least, time.process_time() - start)
    return least, result


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB of 10**6 bytes (Linux only).

    Read from ``VmHWM``, which starts afresh at ``exec``; ``getrusage``'s ``ru_maxrss``
    would carry over the peak of the parent process that forked a child.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("no VmHWM line in /proc/self/status")
