"""dedupe: find near-duplicate and partially re-published articles, and diff them."""

from .align import Alignment, ParagraphOp, WordOp, align
from .cluster import Cluster, Hub
from .errors import (
    DedupeError,
    DuplicateIdError,
    EmptyTextError,
    IndexFormatError,
    InputError,
    InvalidParameterError,
    InvalidTextError,
    ParameterMismatchError,
    UnknownIdError,
)
from .index import Index, Report, find_duplicates
from .match import Match
from .params import IndexParams, Thresholds
from .provenance import Provenance, Source, SourcePassage, Span
from .version import __version__

__all__ = [
    "__version__",
    "Alignment",
    "ParagraphOp",
    "WordOp",
    "align",
    "Cluster",
    "Hub",
    "Index",
    "IndexParams",
    "Thresholds",
    "Match",
    "Provenance",
    "Report",
    "Source",
    "SourcePassage",
    "Span",
    "find_duplicates",
    "DedupeError",
    "DuplicateIdError",
    "EmptyTextError",
    "IndexFormatError",
    "InputError",
    "InvalidParameterError",
    "InvalidTextError",
    "ParameterMismatchError",
    "UnknownIdError",
]
