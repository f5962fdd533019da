"""The package version (read by ``pyproject.toml`` and written into index files)."""

__version__ = "0.1.0"
