"""dedupe: find near-duplicate and partially re-published articles, and diff them."""

from .errors import (
    DedupeError,
    DuplicateIdError,
    EmptyTextError,
    IndexFormatError,
    InvalidParameterError,
    InvalidTextError,
    ParameterMismatchError,
    UnknownIdError,
)

__version__ = "0.1.0"

__all__ = [
    "DedupeError",
    "DuplicateIdError",
    "EmptyTextError",
    "IndexFormatError",
    "InvalidParameterError",
    "InvalidTextError",
    "ParameterMismatchError",
    "UnknownIdError",
]
