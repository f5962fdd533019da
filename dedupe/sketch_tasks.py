"""What a worker process does with a batch of documents for :class:`dedupe.Index`: sketch
texts (:func:`sketch_part`), or read JSONL lines and sketch the documents on them
(:func:`read_part`), so that the JSON decoding runs in the workers too.

>>> from dedupe.params import IndexParams
>>> sketch, bands = sketch_part(["one two three four five six"], (IndexParams(), True))
>>> len(sketch), bands.shape[0]
(1, 1)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .flat import concat_arrays
from .lsh import sketch_for_store
from .parallel import Joined
from .params import IndexParams
from .records import LineBlock, ParsedLine, parse_block
from .sketch import Sketch
from .text import has_words

__all__ = ["joined_parts", "read_part", "sketch_part"]


def sketch_part(
    texts: list[str] | Joined, job: tuple[IndexParams, bool]
) -> tuple[Sketch, np.ndarray]:
    """A worker's task: :func:`dedupe.lsh.sketch_for_store` of one chunk (sent joined:
    see :class:`dedupe.parallel.Joined`; texts hold no NUL), shaped by ``job[0]``; its
    fuzzy words dropped unless ``job[1]`` (see ``Index._texts``)."""
    params, keep_words = job
    sketch, bands = sketch_for_store(texts.texts if isinstance(texts, Joined) else texts, params)
    if not keep_words:
        sketch = replace(sketch, text_values=None, text_offsets=None)
    return sketch, bands


def joined_parts(parts: list[tuple[Sketch, np.ndarray]]) -> tuple[Sketch, np.ndarray]:
    """The sketches and band keys of the chunks of a batch, as one (each part is freed as
    it is copied into the whole)."""
    sketches = [sk for sk, _ in parts]
    part_bands: list[np.ndarray | None] = [b for _, b in parts]
    parts.clear()
    return Sketch.concat(sketches), concat_arrays(part_bands)


def read_part(
    block: LineBlock, job: tuple[IndexParams, bool, tuple[str, str, bool]]
) -> tuple[list[ParsedLine], list[bool], Sketch, np.ndarray]:
    """A worker's task on JSONL lines: each line that is not blank read and checked
    (:func:`dedupe.records.parse_block`, ``job[2]`` the fields), whether each document
    without a problem has words, and the :func:`sketch_part` (``job[:2]``) of those that
    have.

    >>> from dedupe.params import IndexParams
    >>> block = LineBlock("-", "<stdin>", 1, [b'{"id": "a", "text": "x y"}\\n',
    ...                   b'{"id": "b", "text": " - "}\\n'], True, True)
    >>> parsed, words, sketch, _ = read_part(block, (IndexParams(), True, ("id", "text", False)))
    >>> [p.doc_id for p in parsed], words, len(sketch)
    (['a', 'b'], [True, False], 1)
    """
    params, keep_words, fields = job
    parsed, texts = parse_block(block, fields)
    read: list[Any] = [t for t in texts if t is not None]
    words = [has_words(t) for t in read]
    sketch, bands = sketch_part([t for t, w in zip(read, words) if w], (params, keep_words))
    return parsed, words, sketch, bands
