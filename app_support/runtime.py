"""Process-wide settings the server needs before any analysis runs, and its memory upkeep.

Each session's analysis already keeps a core busy, and ffmpeg another, so math libraries
starting pools of their own only oversubscribe a 1-2 CPU host, where their threads spin while
they wait. Measured under load on 2 cores: `events.analyse` of a 10 s clip took 3.6 s with two
BLAS threads and 0.12 s with one; the detector's verdict took 5-9 s in the server, where
scikit-learn's OpenMP pool ran two threads, against 1.5 s with one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from functools import lru_cache

_M_ARENA_MAX = -8  # glibc's mallopt parameter
_LOG = logging.getLogger("avlab.memory")


@lru_cache(maxsize=1)
def single_threaded_math() -> None:
    """One thread per math library. Environment variables cover the OpenMP (scikit-learn,
    torch) and OpenBLAS (scipy) copies loaded later; threadpoolctl (pinned in
    requirements.txt) covers the OpenBLAS numpy loaded before this script ran."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


# ----- memory ------------------------------------------------------------------------------------
# What held memory after the sessions had gone (three rounds of three 190 MB uploads took the
# server to 3.9 GB): Streamlit keeps a closed tab's session for `server.disconnectedSessionTTL`
# (120 s) so it may reconnect, with its uploads in the upload manager and its `st.video` bytes in
# the media manager; when that time is up the session is dropped without being shut down, so its
# uploads stay in the upload manager for good. And a session is a reference cycle (AppSession,
# its script runner, its session state holding the uploader's value), which with
# `runner.postScriptGC = false` only a rare full collection frees. So a keeper thread closes a
# session whose browser has been gone for GRACE_S (Streamlit's thread-safe close of a stored
# session: uploads and media go), then runs a full collection and hands freed heap pages back to
# the system. The modules' and models' ~400,000 objects are frozen once loaded (`gc.freeze`), so
# Python's own collections of the oldest generation, which the threshold slider's runs set off,
# skip them; the keeper's pass after a close unfreezes first, so nothing frozen is kept for good.

KEEPER_PERIOD_S = 4.0
GRACE_S = 8.0  # a network blip's reconnect keeps its session and upload


@lru_cache(maxsize=1)
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def _malloc_trim() -> None:
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def bounded_malloc() -> None:
    """At most two glibc arenas: each session's script thread and each ffmpeg reader thread
    otherwise gets an arena of its own (up to 8 per core), whose freed pages glibc keeps."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_ARENA_MAX, 2)


def give_back_memory() -> None:
    """Collect the young generations' cycles and return freed heap pages (after an analysis)."""
    gc.collect(1)
    _malloc_trim()


def freeze_long_lived() -> None:
    """Move everything alive now (imported modules, loaded models) out of the collector's
    sight; called once the models have loaded. No collection first: it would hold the GIL for
    0.2-0.4 s while the first pages are drawn, and any garbage frozen now goes at the keeper's
    next full collection."""
    gc.freeze()


def full_collection() -> int:
    """A full collection, frozen objects included (a session alive when they were frozen may
    have closed since), then everything left is frozen again; and freed heap pages go back."""
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    found = gc.collect()
    if frozen:
        gc.freeze()
    _malloc_trim()
    return found


@lru_cache(maxsize=1)
def start_memory_keeper() -> None:
    threading.Thread(target=_keep, name="avlab-memory", daemon=True).start()


def _keep() -> None:
    gone_since: dict[str, float] = {}
    while True:
        time.sleep(KEEPER_PERIOD_S)
        try:
            if close_gone_sessions(gone_since):
                time.sleep(1.0)  # the closes run on the server's event loop
                start = time.perf_counter()
                found = full_collection()
                _LOG.info(
                    "closed sessions' memory: %d objects collected in %.0f ms",
                    found,
                    (time.perf_counter() - start) * 1000,
                )
        except Exception:  # never let the keeper die; it only frees memory
            _LOG.exception("memory keeper")


def close_gone_sessions(gone_since: dict[str, float]) -> int:
    """Close each session that holds uploads and has had no browser for GRACE_S; how many."""
    from streamlit import runtime

    if not runtime.exists():
        return 0
    rt = runtime.get_instance()
    now = time.monotonic()
    closed = 0
    for sid in list(getattr(rt.uploaded_file_mgr, "file_storage", {})):
        if rt.is_active_session(sid):
            gone_since.pop(sid, None)
            continue
        if now - gone_since.setdefault(sid, now) < GRACE_S:
            continue
        rt.clear_user_info_for_session(sid)  # thread-safe; closes the stored session on the event loop
        rt.uploaded_file_mgr.remove_session_files(sid)  # for a session the store has already dropped
        rt.media_file_mgr.clear_session_refs(sid)
        rt.media_file_mgr.remove_orphaned_files()
        del gone_since[sid]
        closed += 1
    return closed
