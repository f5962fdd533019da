"""Where an index keeps its documents: one small protocol, several backends.

* :class:`Store` (:mod:`dedupe.store.base`): the protocol, and the plain data it exchanges.
* :class:`MemoryStore` (:mod:`dedupe.store.memory`): numpy columns in this process.
* :mod:`dedupe.store.file`: the on-disk format, reading and writing plain columns.
"""

from .base import Columns, Fetched, Hits, Store
from .memory import MemoryStore

__all__ = ["Columns", "Fetched", "Hits", "MemoryStore", "Store"]
