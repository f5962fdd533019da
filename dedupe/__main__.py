"""``python -m dedupe``: the same as the ``dedupe`` command."""

from dedupe.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
