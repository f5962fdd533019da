"""``python -m benchmarks``: see :func:`benchmarks.main.main`."""

from .main import main

raise SystemExit(main())
