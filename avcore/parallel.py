"""Map a per-clip function over many clips on every core, with progress reporting."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """`fn` must be a module-level function so that worker processes can import it."""
    items = list(items)
    workers = min(workers or os.cpu_count() or 1, max(1, len(items)))
    results: list[R] = []
    if workers == 1:
        mapped = map(fn, items)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        mapped = pool.map(fn, items, chunksize=max(1, min(8, len(items) // (4 * workers))))
    try:
        for i, result in enumerate(mapped, 1):
            results.append(result)
            if progress:
                progress(i, len(items))
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return results
