"""Read and write corpora as JSON Lines (optionally gzip-compressed).

Reading is the library's own reader (:func:`dedupe.inputs.read_documents`): each line is an
object with ``id`` and ``text`` fields; anything unreadable raises
:class:`dedupe.InputError` naming the file and line.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl.gz"
>>> write_jsonl(path, {"a": "some text", "b": "other text"})
>>> load_jsonl(path)
{'a': 'some text', 'b': 'other text'}
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path

from dedupe.errors import InputError
from dedupe.inputs import read_documents

__all__ = ["CorpusError", "load_jsonl", "write_jsonl"]

#: A corpus file is missing or malformed (the message says where).
CorpusError = InputError


def load_jsonl(path: str | Path, *, limit: int | None = None) -> dict[str, str]:
    """``{id: text}`` from a JSONL(.gz) file (the first ``limit`` documents), ids as ``str``."""
    docs = read_documents([path], limit=limit)
    if not docs:
        raise CorpusError(f"{path}: no documents")
    return docs


def write_jsonl(path: str | Path, docs: Mapping[str, str]) -> None:
    """Write ``{id: text}`` as JSONL (gzip when the name ends in .gz)."""
    path = Path(path)
    opened = (
        gzip.open(path, "wt", encoding="utf-8")
        if path.suffix == ".gz"
        else open(path, "w", encoding="utf-8")
    )
    with opened as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
