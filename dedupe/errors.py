"""Error classes: every problem a user can cause is a :class:`DedupeError`.

>>> from dedupe.errors import DedupeError, DuplicateIdError
>>> issubclass(DuplicateIdError, DedupeError)
True
"""

from __future__ import annotations


class DedupeError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidTextError(DedupeError, ValueError):
    """A text is not a string, is not valid UTF-8, or looks binary."""


class EmptyTextError(InvalidTextError):
    """A text holds no word at all (empty, blank or punctuation only)."""


class DuplicateIdError(DedupeError, KeyError):
    """An id is added twice without ``replace=True``."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownIdError(DedupeError, KeyError):
    """An id that is not in the index was asked for or removed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParameterMismatchError(DedupeError, ValueError):
    """Two indexes (or an index and a file) were built with different parameters."""


class IndexFormatError(DedupeError, ValueError):
    """An index file is truncated, corrupt, of another version or not an index file."""


class InvalidParameterError(DedupeError, ValueError):
    """An option is out of its range (for example ``ngram=0`` or ``jaccard=1.5``)."""


class InputError(DedupeError, ValueError):
    """An input file or folder cannot be read; the message names it (and the line) and
    says what is wrong."""


class EmptyInputError(InputError):
    """An input holds no documents: an empty file (or standard input), a CSV file with no
    row under its header, a folder with no ``.txt``/``.md`` file. The message names the
    input. :func:`dedupe.inputs.read_documents` raises it unless asked (``empty=``) to list
    such inputs and go on, as the command line does (it warns and goes on)."""


class MissingDependencyError(DedupeError, ImportError):
    """An optional part of dedupe needs a package that is not installed; the message names
    the extra that brings it (for example ``pip install 'article-dedupe[spark]'``)."""


class StoreError(DedupeError, RuntimeError):
    """A storage backend failed: a Redis server refused the connection, timed out, ran out
    of memory or is configured to drop data, or a spill folder ran out of space. The
    message names the server (without its password) or the folder, and says what to do."""


class IndexNotFoundError(DedupeError, LookupError):
    """:meth:`Index.open <dedupe.Index.open>` found no index in the store (for Redis: no
    such namespace on the server), or a namespace in use disappeared (deleted, or the
    server restarted without persistence)."""
