"""dedupe: find near-duplicate and partially re-published articles, and diff them."""

from .align import Alignment, ParagraphOp, WordOp, align
from .cluster import Cluster
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
from .index import Index, IndexParams, Report, find_duplicates
from .match import Match

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "ParagraphOp",
    "WordOp",
    "align",
    "Cluster",
    "Index",
    "IndexParams",
    "Match",
    "Report",
    "find_duplicates",
    "DedupeError",
    "DuplicateIdError",
    "EmptyTextError",
    "IndexFormatError",
    "InvalidParameterError",
    "InvalidTextError",
    "ParameterMismatchError",
    "UnknownIdError",
]
