"""Process-wide settings the server needs before any analysis runs.

Each session's analysis already keeps a core busy, and ffmpeg another, so math libraries
starting pools of their own only oversubscribe a 1-2 CPU host, where their threads spin while
they wait. Measured under load on 2 cores: `sync.analyse` of a 10 s clip took 3.6 s with two
BLAS threads and 0.12 s with one; the detector's verdict took 5-9 s in the server, where
scikit-learn's OpenMP pool ran two threads, against 1.5 s with one.
"""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def single_threaded_math() -> None:
    """One thread per math library. Environment variables cover the OpenMP (scikit-learn,
    torch) and OpenBLAS (scipy) copies loaded later; threadpoolctl (pinned in
    requirements.txt) covers the OpenBLAS numpy loaded before this script ran."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
