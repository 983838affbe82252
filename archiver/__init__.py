"""archiver: archives ended Genesys Cloud web messaging conversations to WORM blob storage, PII redacted."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("archiver")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
