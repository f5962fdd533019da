"""dedupe: find near-duplicate and partially re-published articles, and diff them."""

from typing import TYPE_CHECKING, Any

from . import render as render  # the views: dedupe.render.text(alignment), ...
from .align import Alignment, ParagraphOp, WordOp, align
from .dedup import Decision, Deduplication
from .errors import (
    DedupeError,
    DuplicateIdError,
    EmptyInputError,
    EmptyTextError,
    IndexFormatError,
    IndexNotFoundError,
    InputError,
    InvalidParameterError,
    InvalidTextError,
    ParameterMismatchError,
    StoreError,
    UnknownIdError,
)
from .index import Index, find_duplicates
from .params import IndexParams, RunOptions, Thresholds
from .provenance import Provenance, Source, SourcePassage, Span
from .results import Cluster, Hub, Match, Report
from .version import __version__

if TYPE_CHECKING:
    from .store.redis import RedisStore

__all__ = [
    "__version__",
    "Alignment",
    "ParagraphOp",
    "WordOp",
    "align",
    "Cluster",
    "Decision",
    "Deduplication",
    "Hub",
    "Index",
    "IndexParams",
    "RedisStore",
    "RunOptions",
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
    "EmptyInputError",
    "EmptyTextError",
    "IndexFormatError",
    "IndexNotFoundError",
    "InputError",
    "InvalidParameterError",
    "InvalidTextError",
    "ParameterMismatchError",
    "StoreError",
    "UnknownIdError",
]


def __getattr__(name: str) -> Any:
    # dedupe.RedisStore is imported on first use: `import dedupe` needs no redis package.
    if name == "RedisStore":
        from .store.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module 'dedupe' has no attribute {name!r}")
