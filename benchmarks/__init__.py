"""The dedupe benchmark: quality and speed next to the tools people use today.

Run ``python -m benchmarks`` from the repository root (``--help`` for the options). This
package is not part of the installed library and the library never imports it.
"""
