"""Read and write corpora as JSON Lines (optionally gzip-compressed).

Each line is an object with at least ``id`` and ``text``; other fields are ignored.

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
from typing import IO


class CorpusError(ValueError):
    """A corpus file is missing or malformed (the message says where)."""


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def load_jsonl(path: str | Path, *, limit: int | None = None) -> dict[str, str]:
    """``{id: text}`` from a JSONL(.gz) file; ids are made ``str``; empty texts are kept.

    Raises :class:`CorpusError` for a missing file, bad JSON, a line without ``id`` or
    ``text``, a non-string text, or a repeated id.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"corpus file not found: {path}")
    docs: dict[str, str] = {}
    with _open(path, "r") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise CorpusError(f"{path}:{n}: not valid JSON ({err.msg})") from None
            if not isinstance(rec, dict) or "id" not in rec or "text" not in rec:
                raise CorpusError(f"{path}:{n}: each line needs an object with 'id' and 'text'")
            if not isinstance(rec["text"], str):
                raise CorpusError(f"{path}:{n}: 'text' must be a string")
            doc_id = str(rec["id"])
            if doc_id in docs:
                raise CorpusError(f"{path}:{n}: id {doc_id!r} appears twice")
            docs[doc_id] = rec["text"]
            if limit is not None and len(docs) >= limit:
                break
    if not docs:
        raise CorpusError(f"{path}: no documents")
    return docs


def write_jsonl(path: str | Path, docs: Mapping[str, str]) -> None:
    """Write ``{id: text}`` as JSONL (gzip when the name ends in .gz)."""
    path = Path(path)
    with _open(path, "w") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
