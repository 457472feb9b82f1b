"""What the producer and the worker both use: the wire contract, settings, and the execution
code of one checkpoint."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # `__version__` is looked up on first use: importlib.metadata costs every importer of
    # `shared` (each liveness probe of a worker) tens of milliseconds otherwise.
    if name != "__version__":
        raise AttributeError(f"module 'shared' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("checkfleet")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"
