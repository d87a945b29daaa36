"""The installed generify version (one place, read by the package and the feature cache)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("generify")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
